"""Leave requests (ใบลา): a parent asks for sick or personal leave for their children over school days (today only
until the school's cut-off time), with a reason and perhaps a photo of a doctor's note; a homeroom teacher enters
one after a guardian's phone call. The register shows it already marked (attendance's notified-leave hook) and
no absence alert goes for that day; the teacher accepts or questions it, and the family sees which."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from backend import clock, db, schoolyear
from backend.accounts.access import Viewer, can_answer_leave, can_ask_leave, can_see_leave, leave_rooms
from backend.attendance import services as attendance
from backend.attendance.tables import Status
from backend.config import Settings
from backend.i18n import N_, Refusal, format_date
from backend.leave.tables import NOTIFIED_LABELS, LeaveDay, LeaveKind, LeaveRequest, LeaveState
from backend.notify.queue import JobQueue
from backend.schools import services as schools
from backend.schools.calendar import DayOff, each_day
from backend.students.tables import Guardian, Student, StudentGuardian
from backend.visits.services import clean_photo
from backend.visits.storage import PhotoStore

MAX_REASON = 500
MAX_QUESTION = 500
MAX_SPAN_DAYS = 31  # a longer absence is a conversation with the school, not a form
MAX_DAYS_AHEAD = 90
MAX_UPLOAD_BYTES = 12 * 1024 * 1024  # a phone camera's photo as it is; it is re-encoded to under 300 KB
MARKS = {LeaveKind.sick: Status.sick_leave, LeaveKind.personal: Status.personal_leave}
RECENT = timedelta(days=30)  # how far back the lists and the home page look


class LeaveError(Refusal):
    pass


def _text(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def _day(text: str) -> date | None:
    return schoolyear.typed_date(_text(text, 20))


# The register's hook --------------------------------------------------------------------------------------------


async def notified_leave(viewer: Viewer, student_ids: list[int], day: date) -> dict[int, attendance.NotifiedLeave]:
    """For the morning register: the students with leave that day, waiting or accepted (a questioned leave no longer
    marks anything: the register shows what the teacher records). Whoever reads the register sees the kind; the
    link to the request (its reason, a doctor's note) only those who may open it."""
    rows = await LeaveDay.select(LeaveDay.student, LeaveDay.request.id.as_alias("id"),
                                 LeaveDay.request.kind.as_alias("kind"), LeaveDay.request.state.as_alias("state"),
                                 LeaveDay.request.school.as_alias("school"),
                                 LeaveDay.request.classroom.as_alias("classroom")).where(
        LeaveDay.student.is_in(student_ids) & (LeaveDay.day == day)
        & (LeaveDay.request.state != LeaveState.questioned.value))
    return {row["student"]: attendance.NotifiedLeave(
        status=MARKS[LeaveKind(row["kind"])], label=NOTIFIED_LABELS[LeaveKind(row["kind"])],
        link=f"/leave/{row['id']}" if can_see_leave(viewer, row) else None,
        state=LeaveState.waiting.label if row["state"] == LeaveState.waiting.value else "") for row in rows}


attendance.take_notified_leave_from(notified_leave)


# Asking ---------------------------------------------------------------------------------------------------------


@dataclass
class Asked:
    ids: list[int] = field(default_factory=list)  # one request per child
    days: list[date] = field(default_factory=list)
    skipped: list[DayOff] = field(default_factory=list)  # weekends, holidays and closures left out


@dataclass
class _Plan:
    kind: LeaveKind
    reason: str
    first: date
    last: date
    days: list[date]
    skipped: list[DayOff]


async def _plan(viewer: Viewer, form: dict, by_phone: bool) -> _Plan:
    """The kind, reason and school days asked for, or a refusal naming each field to fix. Nothing is written."""
    errors: dict[str, str] = {}
    kind = _text(form.get("kind"), 20)
    if kind not in {k.value for k in LeaveKind}:
        errors["kind"] = N_("Choose sick leave or personal leave.")
    reason = _text(form.get("reason"), MAX_REASON + 1)
    if not reason:
        errors["reason"] = N_("Say why, in a few words.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = N_("Keep the reason under %(num)s characters.")
    first = _day(form.get("first_day", ""))
    last = _day(form.get("last_day", "")) if _text(form.get("last_day"), 20) else first
    if first is None:
        errors["first_day"] = N_("Enter the first day of leave.")
    elif last is None or last < first:
        errors["last_day"] = N_("The last day must be the first day or after it.")
    if errors:
        raise LeaveError(N_("Some fields need fixing."), errors=errors, num=MAX_REASON)
    today = clock.today()
    if first < today:
        raise LeaveError(N_("Leave cannot be asked for days that have passed. Talk to the homeroom teacher about "
                            "them."), errors={"first_day": N_("Choose today or a later day.")})
    if (last - first).days >= MAX_SPAN_DAYS or first > today + timedelta(days=MAX_DAYS_AHEAD):
        raise LeaveError(N_("Leave can be asked for up to %(num)s days at a time, within the next three months. "
                            "For a longer absence, talk to the homeroom teacher."),
                         errors={"last_day": N_("Choose a shorter span.")}, num=MAX_SPAN_DAYS)
    if first == today and not by_phone:
        cutoff = await schools.leave_cutoff(viewer.school_id)
        if _past(cutoff):
            raise LeaveError(N_("It is past %(time)s, so leave for today can no longer be asked for here: please "
                                "phone the school. Leave from tomorrow on can still be asked for."),
                             errors={"first_day": N_("Choose tomorrow or a later day.")},
                             time=f"{cutoff:%H:%M}")
    calendar = await schools.calendar_between(viewer.school_id, first, last)
    days = calendar.school_days()
    skipped = [DayOff(day, day, off.kind, off.name) for day, off in
               ((d, calendar.closed_because(d)) for d in each_day(first, last)) if off is not None]
    if not days:
        raise LeaveError(N_("None of these days is a school day: there is nothing to ask leave for."),
                         errors={"first_day": N_("Choose a school day.")})
    return _Plan(LeaveKind(kind), reason, first, last, days, skipped)


def _past(cutoff) -> bool:
    """Whether the school's clock has passed today's cut-off for leave asked in the app."""
    return clock.now().astimezone(clock.SCHOOL_TIME).time() >= cutoff


async def days_to_offer(viewer: Viewer) -> tuple[date, date]:
    """The day each leave form starts on: the parent's, today while it is a school day before the cut-off, else the
    next school day; the teacher's (after a phone call, no cut-off), today when it is a school day, else the next."""
    today = clock.today()
    days = (await schools.calendar_between(viewer.school_id, today, today + timedelta(days=31))).school_days()
    if not days:
        return today, today
    family = days[0]
    if family == today and _past(await schools.leave_cutoff(viewer.school_id)):
        family = days[1] if len(days) > 1 else today
    return family, days[0]


async def _children(viewer: Viewer, student_ids: list[int]) -> list[dict]:
    """The children asked for: each must be the viewer's own, else one refusal that names none of them."""
    if not student_ids:
        raise LeaveError(N_("Choose at least one child."), errors={"children": N_("Choose at least one child.")})
    if not all(can_ask_leave(viewer, student_id) for student_id in student_ids):
        raise LeaveError(N_("No such child among yours."), status=404)
    rows = await Student.select(Student.id, Student.first_name, Student.classroom, Student.school).where(
        Student.id.is_in(student_ids) & (Student.school == viewer.school_id) & Student.left_on.is_null())
    if len(rows) != len(set(student_ids)) or any(row["classroom"] is None for row in rows):
        raise LeaveError(N_("No such child among yours."), status=404)
    return rows


async def _check_overlap(children: list[dict], days: list[date]) -> None:
    taken = await LeaveDay.select(LeaveDay.student, LeaveDay.day).where(
        LeaveDay.student.is_in([c["id"] for c in children]) & LeaveDay.day.is_in(days)
        & (LeaveDay.request.state != LeaveState.questioned.value)).order_by(LeaveDay.day).first()
    if taken:
        name = next(c["first_name"] for c in children if c["id"] == taken["student"])
        day = taken["day"] if isinstance(taken["day"], date) else date.fromisoformat(str(taken["day"])[:10])
        raise LeaveError(N_("%(name)s already has leave on %(day)s."), name=name, day=format_date(day),
                         errors={"first_day": N_("Choose days without leave already.")})


async def ask_leave(viewer: Viewer, store: PhotoStore, form: dict, student_ids: list[int],
                    photo: bytes | None) -> Asked:
    """A parent asks for leave for some of their children. Everything is checked before anything is stored."""
    children = await _children(viewer, student_ids)
    plan = await _plan(viewer, form, by_phone=False)
    await _check_overlap(children, plan.days)
    key = None
    if photo:
        if len(photo) > MAX_UPLOAD_BYTES:
            raise LeaveError(N_("The photo is too large. Take it again with the phone's camera."),
                             errors={"photo": N_("Choose a smaller photo.")}, status=413)
        cleaned = await asyncio.to_thread(clean_photo, photo)  # pixels only, re-encoded, as every photo of the app
        if cleaned is None:
            raise LeaveError(N_("This file is not a photo (JPEG, PNG or WebP)."),
                             errors={"photo": N_("Choose a photo of the note, or leave this empty.")})
        key = f"leave/{viewer.school_id}/{uuid.uuid4().hex}"
        await store.put(key, cleaned)  # stored before the rows: a row always has its file
    guardian = await Guardian.select(Guardian.id).where(
        (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id)).first()
    try:
        return await _save(viewer, children, plan, guardian["id"] if guardian else None, False, key,
                           LeaveState.waiting)
    except BaseException:
        if key:
            await store.delete(key)  # refused after all (another request took a day): nothing is kept
        raise


async def enter_by_phone(viewer: Viewer, form: dict) -> Asked:
    """A homeroom teacher enters leave after a phone call from a guardian (one with only SMS, say): recorded as
    entered by the teacher after that guardian's call, and accepted, since the teacher took it."""
    choice = _text(form.get("who"), 30)
    student_id, _, guardian_id = choice.partition("-")
    # Ids of at most nine digits: a longer number names nothing (and would not fit the database's integer).
    if not (student_id.isdecimal() and guardian_id.isdecimal()) or max(len(student_id), len(guardian_id)) > 9:
        raise LeaveError(N_("Choose the student and the guardian who called."),
                         errors={"who": N_("Choose the student and the guardian who called.")})
    student = await Student.select(Student.id, Student.first_name, Student.classroom, Student.school).where(
        (Student.id == int(student_id)) & (Student.school == viewer.school_id) & Student.left_on.is_null()).first()
    link = await StudentGuardian.exists().where(
        (StudentGuardian.student == int(student_id)) & (StudentGuardian.guardian == int(guardian_id)))
    if student is None or not link or not can_answer_leave(viewer, {**student, "student": student["id"]}):
        raise LeaveError(N_("No such student and guardian in your homeroom."), status=404)
    plan = await _plan(viewer, form, by_phone=True)
    await _check_overlap([student], plan.days)
    return await _save(viewer, [student], plan, int(guardian_id), True, None, LeaveState.accepted)


async def _save(viewer: Viewer, children: list[dict], plan: _Plan, guardian_id: int | None, by_phone: bool,
                photo_key: str | None, state: LeaveState) -> Asked:
    moment = clock.now()
    asked = Asked(days=plan.days, skipped=plan.skipped)
    async with db.transaction():
        for child in sorted(children, key=lambda c: c["id"]):
            await db.lock("leave", child["id"])  # two requests for one child at once: the second sees the first
        await _check_overlap(children, plan.days)
        for child in children:
            rows = await LeaveRequest.insert(LeaveRequest(
                school=viewer.school_id, student=child["id"], classroom=child["classroom"], kind=plan.kind.value,
                reason=plan.reason, first_day=plan.first, last_day=plan.last, guardian=guardian_id,
                entered_by=viewer.user_id, by_phone=by_phone, photo_key=photo_key, state=state.value,
                answered_by=viewer.user_id if state is LeaveState.accepted else None,
                answered_at=moment if state is LeaveState.accepted else None, created_at=moment,
            )).returning(LeaveRequest.id)
            request_id = rows[0]["id"]
            asked.ids.append(request_id)
            days = []
            for day in plan.days:
                # Only today's register can be taken already (registers are never taken ahead).
                before = None
                if day == clock.today():
                    before = await attendance.apply_leave(viewer, child["classroom"], child["id"], day,
                                                          MARKS[plan.kind])
                days.append(LeaveDay(request=request_id, student=child["id"], day=day, mark_before=before))
            await LeaveDay.insert(*days)
    return asked


# Reading --------------------------------------------------------------------------------------------------------

LEAVE_COLUMNS = (
    LeaveRequest.id, LeaveRequest.school, LeaveRequest.student, LeaveRequest.classroom, LeaveRequest.kind,
    LeaveRequest.reason, LeaveRequest.first_day, LeaveRequest.last_day, LeaveRequest.by_phone, LeaveRequest.state,
    LeaveRequest.question, LeaveRequest.photo_key, LeaveRequest.created_at, LeaveRequest.answered_at,
    LeaveRequest.student.title.as_alias("title"), LeaveRequest.student.first_name.as_alias("first_name"),
    LeaveRequest.student.last_name.as_alias("last_name"),
    LeaveRequest.student.number_in_class.as_alias("number_in_class"),
    LeaveRequest.classroom.room.as_alias("room"), LeaveRequest.classroom.grade.code.as_alias("grade"),
    LeaveRequest.guardian.name.as_alias("guardian_name"),
    LeaveRequest.entered_by.display_name.as_alias("entered_by_name"),
    LeaveRequest.answered_by.display_name.as_alias("answered_by_name"),
)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _shaped(row: dict) -> dict:
    return {**row, "first_day": _as_date(row["first_day"]), "last_day": _as_date(row["last_day"]),
            "label": f"{row['grade']}/{row['room']}", "has_photo": bool(row.pop("photo_key", None))}


async def get_leave(viewer: Viewer, leave_id: int) -> dict:
    """One leave request with its days, for whoever may see it; anyone else is told it does not exist."""
    row = await LeaveRequest.select(*LEAVE_COLUMNS).where(LeaveRequest.id == leave_id).first()
    if row is None or not can_see_leave(viewer, row):
        raise LeaveError(N_("No such leave request."), status=404)
    days = await LeaveDay.select(LeaveDay.day).where(LeaveDay.request == leave_id).order_by(LeaveDay.day)
    return {**_shaped(row), "days": [_as_date(d["day"]) for d in days],
            "can_answer": can_answer_leave(viewer, row) and row["state"] == LeaveState.waiting.value}


async def list_for_family(viewer: Viewer) -> list[dict]:
    """A parent's requests for their children, from a month ago on, newest first."""
    if not viewer.student_ids:
        return []
    rows = await LeaveRequest.select(*LEAVE_COLUMNS).where(
        LeaveRequest.student.is_in(sorted(viewer.student_ids)) & (LeaveRequest.school == viewer.school_id)
        & (LeaveRequest.last_day >= clock.today() - RECENT)).order_by(LeaveRequest.id, ascending=False).limit(50)
    return [_shaped(row) for row in rows]


async def list_for_staff(viewer: Viewer) -> list[dict]:
    """The homerooms' (and the grade's) requests from a month ago on: those waiting for an answer first."""
    rooms = leave_rooms(viewer)
    if not rooms:
        return []
    rows = await LeaveRequest.select(*LEAVE_COLUMNS).where(
        LeaveRequest.classroom.is_in(sorted(rooms)) & (LeaveRequest.school == viewer.school_id)
        & (LeaveRequest.last_day >= clock.today() - RECENT)).order_by(LeaveRequest.id, ascending=False).limit(200)
    shaped = [_shaped(row) for row in rows]
    return sorted(shaped, key=lambda r: r["state"] != LeaveState.waiting.value)


async def phone_choices(viewer: Viewer) -> list[dict]:
    """For entering leave after a phone call: each homeroom student with each of their guardians. One query."""
    if not viewer.is_staff or not viewer.classroom_ids:
        return []
    rows = await StudentGuardian.select(
        StudentGuardian.student, StudentGuardian.guardian, StudentGuardian.relation,
        StudentGuardian.guardian.name.as_alias("guardian_name"),
        StudentGuardian.student.first_name.as_alias("first_name"),
        StudentGuardian.student.number_in_class.as_alias("number_in_class"),
        StudentGuardian.student.classroom.room.as_alias("room"),
        StudentGuardian.student.classroom.grade.code.as_alias("grade"),
    ).where(StudentGuardian.student.classroom.is_in(sorted(viewer.classroom_ids))
            & (StudentGuardian.school == viewer.school_id) & StudentGuardian.student.left_on.is_null()
            ).order_by(StudentGuardian.student.classroom).order_by(StudentGuardian.student.number_in_class).order_by(
        StudentGuardian.position)
    return rows


# On every parent's home page: written out, as Piccolo's select costs about a millisecond of CPU to build.
CHILDREN_LEAVE_SQL = (
    "SELECT id, student, kind, first_day, last_day, state, question FROM leave_request "
    "WHERE student IN (%s) AND school = {} AND last_day >= {} ORDER BY id DESC"
)


async def children_leave(viewer: Viewer) -> dict[int, list[dict]]:
    """For a parent's home page, in one query: each child's leave that is still to come or ended this past week,
    with its state and the teacher's words when questioned."""
    if not viewer.is_parent or not viewer.student_ids:
        return {}
    ids = sorted(viewer.student_ids)
    rows = await db.fetch(CHILDREN_LEAVE_SQL % ", ".join(["{}"] * len(ids)), *ids, viewer.school_id,
                          clock.today() - timedelta(days=7))
    found: dict[int, list[dict]] = {}
    for row in rows:
        theirs = found.setdefault(row["student"], [])
        if len(theirs) < 3:
            theirs.append({**row, "first_day": _as_date(row["first_day"]), "last_day": _as_date(row["last_day"])})
    return found


async def photo(viewer: Viewer, store: PhotoStore, leave_id: int) -> bytes:
    row = await LeaveRequest.select(LeaveRequest.school, LeaveRequest.student, LeaveRequest.classroom,
                                    LeaveRequest.photo_key).where(LeaveRequest.id == leave_id).first()
    if row is None or not row["photo_key"] or not can_see_leave(viewer, row):
        raise LeaveError(N_("No such photo."), status=404)
    return await store.get(row["photo_key"])


# Answering ------------------------------------------------------------------------------------------------------


async def _to_answer(viewer: Viewer, leave_id: int) -> dict:
    row = await LeaveRequest.select(LeaveRequest.id, LeaveRequest.school, LeaveRequest.student,
                                    LeaveRequest.classroom, LeaveRequest.kind, LeaveRequest.state).where(
        LeaveRequest.id == leave_id).first()
    if row is None or not can_see_leave(viewer, row):
        raise LeaveError(N_("No such leave request."), status=404)
    if not can_answer_leave(viewer, row):
        raise LeaveError(N_("Only the homeroom teachers of this class answer its leave requests."), status=403)
    if row["state"] != LeaveState.waiting.value:
        raise LeaveError(N_("This leave request has already been answered."), status=409)
    return row


async def accept(viewer: Viewer, leave_id: int) -> None:
    async with db.transaction():
        await _to_answer(viewer, leave_id)
        await LeaveRequest.update({LeaveRequest.state: LeaveState.accepted.value,
                                   LeaveRequest.answered_by: viewer.user_id,
                                   LeaveRequest.answered_at: clock.now()}).where(
            (LeaveRequest.id == leave_id) & (LeaveRequest.state == LeaveState.waiting.value))


async def question(viewer: Viewer, settings: Settings, queue: JobQueue, leave_id: int, words: str) -> int:
    """The teacher questions a leave: the family reads the teacher's words in the app, the register no longer shows
    the leave, and a day whose absent mark the leave had replaced is absent again, its guardians told as for any
    absence. Returns how many marks went back."""
    await _to_answer(viewer, leave_id)  # whoever may not answer it hears that first, whatever they typed
    words = _text(words, MAX_QUESTION + 1)
    if not words:
        raise LeaveError(N_("Write what you would like the family to explain."),
                         errors={"question": N_("Write what you would like the family to explain.")})
    if len(words) > MAX_QUESTION:
        raise LeaveError(N_("Keep it under %(num)s characters."), num=MAX_QUESTION,
                         errors={"question": N_("Keep it under %(num)s characters.")})
    message_ids: list[int] = []
    async with db.transaction():
        row = await _to_answer(viewer, leave_id)
        await LeaveRequest.update({LeaveRequest.state: LeaveState.questioned.value, LeaveRequest.question: words,
                                   LeaveRequest.answered_by: viewer.user_id,
                                   LeaveRequest.answered_at: clock.now()}).where(LeaveRequest.id == leave_id)
        replaced = await LeaveDay.select(LeaveDay.day, LeaveDay.mark_before).where(
            (LeaveDay.request == leave_id) & LeaveDay.mark_before.is_not_null())
        for day in replaced:
            message_ids += await attendance.undo_leave(viewer, settings, row["classroom"], row["student"],
                                                       _as_date(day["day"]), MARKS[LeaveKind(row["kind"])],
                                                       day["mark_before"])
    await queue.send(message_ids, until=clock.now() + attendance.grace_period(settings))
    return len(replaced)
