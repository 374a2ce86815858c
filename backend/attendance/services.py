"""Taking attendance and what follows from it: every mark kept with its history, and guardians told of late,
absent and cut-class marks through the outbox, in the same transaction as the marks."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from piccolo.query.functions.aggregate import Count

from backend import db
from backend.accounts.access import Viewer, can_see_attendance_of, can_see_register, teaching_terms, visible_students
from backend.attendance.tables import ALERTED, HOMEROOM_PERIOD, AttendanceChange, AttendanceMark, Status
from backend.accounts.tables import TeachingAssignment
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.notify.tables import Alert, Message
from backend.schools import services as schools
from backend.schools.calendar import DayOff, Week
from backend.schools.tables import Classroom
from backend.students import enrolment
from backend.students.enrolment import RosterEntry
from backend.students.tables import Student
from backend import clock
from backend.clock import now

# The marks a teacher taps, in the morning register and in a period alike ("cut" is derived, never tapped).
HOMEROOM_STATUSES = [Status.present, Status.late, Status.absent, Status.sick_leave, Status.personal_leave]
MAX_PERIOD = 10


def today() -> date:
    return clock.today()


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Marks other than present, on the student's timeline (whoever may open the student's page sees them)."""
    return [{"kind": "attendance", "at": mark["marked_at"], **mark}
            for mark in await AttendanceMark.select(AttendanceMark.day, AttendanceMark.period, AttendanceMark.status,
                                                    AttendanceMark.marked_at).where(
                (AttendanceMark.student == student["id"]) & (AttendanceMark.status != Status.present.value)).order_by(
                AttendanceMark.day, ascending=False).limit(limit)]


async def days_absent(school_id: int, student_ids: list[int], first: date, last: date) -> dict[int, int]:
    """A fact for screening: school days each student missed between two dates. A day counts once however many
    periods were missed: absent at the register, or cutting a class. A register taken on a closed day is kept,
    but that day is not a school day missed."""
    return await days_absent_of([(school_id, student_ids, first, last)])


async def days_absent_of(wanted: list[tuple[int, list[int], date, date]]) -> dict[int, int]:
    """days_absent() of several schools' students (school, ids, first, last): two queries however many."""
    if not wanted:
        return {}
    calendars = await schools.calendars_between({school_id: (first, last) for school_id, _, first, last in wanted})
    rows = await AttendanceMark.select(AttendanceMark.school, AttendanceMark.student, AttendanceMark.day).where(
        AttendanceMark.status.is_in([Status.absent.value, Status.cut.value]) & db.either(
            db.among(AttendanceMark.student, ids) & (AttendanceMark.school == school_id)
            & (AttendanceMark.day >= first) & (AttendanceMark.day <= last)
            for school_id, ids, first, last in wanted)).distinct()
    absences: dict[int, int] = {}
    for row in rows:
        if calendars[row["school"]].is_school_day(_as_date(row["day"])):
            absences[row["student"]] = absences.get(row["student"], 0) + 1
    return absences


async def marks_of_school(school_id: int, first: date, last: date, statuses: set[Status]) -> list[dict]:
    """A fact for behaviour (its rules and automatic deductions): the school's marks between two dates with one of
    these statuses, oldest first. One query; days as dates."""
    return await _marks_where((AttendanceMark.school == school_id) & (AttendanceMark.day >= first)
                              & (AttendanceMark.day <= last) & AttendanceMark.status.is_in([s.value for s in statuses]))


async def marks_by_id(school_id: int, ids: list[int]) -> list[dict]:
    """These marks as they are now (behaviour gives back points for a mark corrected since); a deleted one is
    missing."""
    return await _marks_where((AttendanceMark.school == school_id) & AttendanceMark.id.is_in(ids or [-1]))


async def _marks_where(where) -> list[dict]:
    rows = await AttendanceMark.select(AttendanceMark.id, AttendanceMark.student, AttendanceMark.day,
                                       AttendanceMark.period, AttendanceMark.status).where(where).order_by(
        AttendanceMark.day).order_by(AttendanceMark.id)
    return [{**row, "day": _as_date(row["day"])} for row in rows]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class AttendanceError(Refusal):
    pass


@dataclass
class Saved:
    first: bool = False  # the register had not been taken before
    changed: int = 0
    unchanged: int = 0
    message_ids: list[int] = field(default_factory=list)
    closed: DayOff | None = None  # a closed day: the register is kept, guardians are told nothing
    send_at: datetime | None = None  # alerts are held until then: a correction before it sends nothing
    held: int = 0  # of message_ids, those held until send_at (the rest are corrections, sent at once)
    unreachable: list[tuple[str, str | None]] = field(default_factory=list)  # (student, why) nobody could be told


def grace_period(settings: Settings) -> timedelta:
    """How long attendance alerts wait, so that a mis-tap corrected at once sends nothing at all."""
    return timedelta(minutes=max(settings.alert_grace_minutes, 0))


async def closed_day(school_id: int, day: date) -> DayOff | None:
    """Why the school is closed that day (a weekend, a holiday, a closure), or None on a school day."""
    return (await schools.calendar_between(school_id, day, day)).closed_because(day)


def event_key(student_id: int, day: date, period: int) -> str:
    return f"attendance:{student_id}:{day.isoformat()}:{period}"


# Leave the family notified ---------------------------------------------------------------------------------------
# Another area (backend/leave) keeps families' leave requests. Attendance knows them only through this hook, so that
# dependencies point one way (leave → attendance): the morning register opens with such a student already marked,
# and an "absent" saved for them is that leave (a teacher who doubts it questions the leave first). Where the
# register was taken before the leave came, leave changes the mark through apply_leave().


@dataclass(frozen=True)
class NotifiedLeave:
    status: Status  # sick_leave or personal_leave
    label: str  # English msgid the register shows, e.g. "Sick leave (notified by the parent)"
    link: str | None = None  # where the homeroom teacher reads and answers it
    state: str = ""  # the leave's state as its readers read it (LeaveState.label), when not yet answered


NotifiedSource = Callable[[Viewer, list[int], date], Awaitable[dict[int, NotifiedLeave]]]
_notified_sources: list[NotifiedSource] = []


def take_notified_leave_from(source: NotifiedSource) -> None:
    """An area that knows of leave before the register registers its reader here (once, when it is imported)."""
    if source not in _notified_sources:
        _notified_sources.append(source)


async def notified_leave(viewer: Viewer, student_ids: list[int], day: date) -> dict[int, NotifiedLeave]:
    """The students with leave that day, as this viewer may see it (a link only for those who may open it)."""
    found: dict[int, NotifiedLeave] = {}
    for source in _notified_sources:
        if student_ids:
            found.update(await source(viewer, student_ids, day))
    return found


async def apply_leave(viewer: Viewer, classroom_id: int, student_id: int, day: date, status: Status) -> str | None:
    """Inside the caller's transaction: a leave arrives for a day whose morning register may already be taken. A
    mark of absent becomes the leave (its history says who), and the absence alert still in the outbox is
    cancelled; one already sent cannot be unsent and is left as it was. A student marked present or late is at
    school: the teacher's mark stands. Returns the mark replaced ("absent"), or None when nothing changed."""
    await db.lock("register", classroom_id)  # after a register being saved, or before it: never in between
    mark = await AttendanceMark.select(AttendanceMark.id, AttendanceMark.status).where(
        (AttendanceMark.student == student_id) & (AttendanceMark.day == day)
        & (AttendanceMark.period == HOMEROOM_PERIOD)).first()
    if mark is None or mark["status"] != Status.absent.value:
        return None
    await _change_mark(viewer, mark, status.value)
    await notify.cancel_alert(event_key(student_id, day, HOMEROOM_PERIOD))
    return mark["status"]


async def undo_leave(viewer: Viewer, settings: Settings, classroom_id: int, student_id: int, day: date,
                     status: Status, back_to: str) -> list[int]:
    """Inside the caller's transaction: the teacher questioned a leave that had replaced their mark. The mark goes
    back to what the teacher recorded (absent), unless it was changed since, and guardians are told of the absence
    as for any absence: a child without leave is never left untold. Returns the messages to hand to the queue."""
    await db.lock("register", classroom_id)
    mark = await AttendanceMark.select(AttendanceMark.id, AttendanceMark.status).where(
        (AttendanceMark.student == student_id) & (AttendanceMark.day == day)
        & (AttendanceMark.period == HOMEROOM_PERIOD)).first()
    if mark is None or mark["status"] != status.value:
        return []
    await _change_mark(viewer, mark, back_to)
    if await closed_day(viewer.school_id, day) is not None:
        return []
    member = await Student.select(Student.first_name).where(Student.id == student_id).first()
    reaches = (await notify.guardians_of([student_id])).get(student_id, [])
    told = _what_to_tell(student_id, member["first_name"], day, HOMEROOM_PERIOD, "", status.value, back_to,
                         reaches, grace_period(settings))
    if not isinstance(told, notify.AlertSpec):
        return []
    return await notify.create_alerts(settings, await notify.school_row(viewer.school_id), [told])


async def _change_mark(viewer: Viewer, mark: dict, status: str) -> None:
    moment = now()
    await AttendanceMark.update({AttendanceMark.status: status, AttendanceMark.marked_by: viewer.user_id,
                                 AttendanceMark.marked_at: moment}).where(AttendanceMark.id == mark["id"])
    await AttendanceChange.insert(AttendanceChange(mark=mark["id"], status_before=mark["status"], status_after=status,
                                                   changed_by=viewer.user_id, changed_at=moment))


# The register ----------------------------------------------------------------------------------------------------


async def classroom_of(viewer: Viewer, classroom_id: int) -> dict:
    classroom = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade"),
                                       Classroom.school).where(Classroom.id == classroom_id).first()
    if classroom is None or classroom["school"] != viewer.school_id:
        raise AttendanceError(N_("No such classroom in this school."), status=404)
    return {**classroom, "label": f"{classroom['grade']}/{classroom['room']}"}


def _check_day(day: date) -> None:
    if day > today():
        raise AttendanceError(N_("Attendance cannot be taken for a day that has not come yet."))
    if day < today():
        raise AttendanceError(N_("Marks can be corrected on the same day only. Ask the admin about older days."))


async def register(viewer: Viewer, classroom_id: int, day: date, period: int = HOMEROOM_PERIOD) -> dict:
    """A classroom's students with their marks for the day and period, and how their guardians can be reached."""
    if not can_see_register(viewer, classroom_id, period == HOMEROOM_PERIOD):
        if period == HOMEROOM_PERIOD:
            raise AttendanceError(N_("Only this classroom's homeroom teachers take its register."), status=403)
        raise AttendanceError(N_("You do not teach this classroom."), status=403)
    if not 0 <= period <= MAX_PERIOD:
        raise AttendanceError(N_("Periods run from 1 to %(n)s."), n=MAX_PERIOD)
    classroom = await classroom_of(viewer, classroom_id)
    students = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                    Student.number_in_class, Student.code).where(
        visible_students(viewer) & enrolment.enrolled(viewer.school_id, day, [classroom_id])
    ).order_by(Student.number_in_class)
    numbers = await enrolment.numbers_on(viewer.school_id, day, classroom_id)  # as they were that day
    for s in students:
        s["number_in_class"] = numbers.get(s["id"], s["number_in_class"])
    students.sort(key=lambda s: s["number_in_class"] or 999)
    ids = [s["id"] for s in students]
    marks = {m["student"]: m for m in await AttendanceMark.select(
        AttendanceMark.student, AttendanceMark.status, AttendanceMark.marked_at,
        AttendanceMark.marked_by.display_name.as_alias("marked_by")).where(
        AttendanceMark.student.is_in(ids or [-1]) & (AttendanceMark.day == day) & (AttendanceMark.period == period))}
    homeroom = {}
    if period != HOMEROOM_PERIOD:
        homeroom = {m["student"]: m["status"] for m in await AttendanceMark.select(
            AttendanceMark.student, AttendanceMark.status).where(
            AttendanceMark.student.is_in(ids or [-1]) & (AttendanceMark.day == day)
            & (AttendanceMark.period == HOMEROOM_PERIOD))}
    reach = await notify.guardians_of(ids)
    alerts = await _alerts_for(ids, day, period)
    closed = await closed_day(viewer.school_id, day)
    leave = await notified_leave(viewer, ids, day) if period == HOMEROOM_PERIOD else {}
    rows = []
    for s in students:
        mark, notified = marks.get(s["id"]), leave.get(s["id"])
        unmarked = notified.status.value if notified else Status.present.value  # a notified leave, already marked
        rows.append({**s, "status": mark["status"] if mark else unmarked, "mark": mark, "leave": notified,
                     "homeroom_status": homeroom.get(s["id"]),
                     "unreachable": not any(r.channel for r in reach.get(s["id"], [])),
                     "alert": alerts.get(s["id"])})
    return {"classroom": classroom, "day": day, "period": period, "students": rows, "taken": bool(marks),
            "editable": day == today() and _takes(viewer, classroom_id, period), "closed": closed}


def _takes(viewer: Viewer, classroom_id: int, period: int) -> bool:
    """Who marks a register: its homeroom teachers for the homeroom period, its teachers for a lesson."""
    return viewer.keeps_homeroom(classroom_id) if period == HOMEROOM_PERIOD else viewer.teaches(classroom_id)


async def _alerts_for(student_ids: list[int], day: date, period: int) -> dict[int, dict]:
    """Per student: the alert of this day and period, whether it reached anyone, and who acknowledged it."""
    if not student_ids:
        return {}
    keys = [event_key(s, day, period) for s in student_ids]
    alerts = await Alert.select(Alert.id, Alert.student, Alert.acknowledged_at,
                                Alert.acknowledged_by.display_name.as_alias("acknowledged_by")).where(
        Alert.event_key.is_in(keys))
    if not alerts:
        return {}
    messages = await Message.select(Message.alert, Message.channel, Message.status, Message.error_code,
                                    Message.error_message, Message.not_before).where(
        Message.alert.is_in([a["id"] for a in alerts]))
    moment = now()
    by_alert: dict[int, list[dict]] = {}
    for m in messages:
        # Held (the grace period, quiet hours): the teacher sees when it will go.
        m["held_until"] = m["not_before"] if m["status"] == "queued" and m["not_before"] > moment else None
        by_alert.setdefault(m["alert"], []).append(m)
    return {a["student"]: {**a, "messages": by_alert.get(a["id"], [])} for a in alerts}


# Saving -----------------------------------------------------------------------------------------------------------


async def save_register(viewer: Viewer, settings: Settings, queue: JobQueue, classroom_id: int, day: date,
                        statuses: dict[int, str], period: int = HOMEROOM_PERIOD, subject: str = "") -> Saved:
    """Save a whole register at once. Unchanged marks are left alone (a double submit changes nothing); each
    change is kept with who and when; guardians are told of new late/absent/cut marks, and of corrections."""
    if not _takes(viewer, classroom_id, period):
        refusal = (N_("Only this classroom's homeroom teachers take its register.") if period == HOMEROOM_PERIOD
                   else N_("You do not teach this classroom."))
        raise AttendanceError(refusal, status=403)
    if not 0 <= period <= MAX_PERIOD:
        raise AttendanceError(N_("Periods run from 1 to %(n)s."), n=MAX_PERIOD)
    _check_day(day)
    allowed = {s.value for s in HOMEROOM_STATUSES}
    if any(status not in allowed for status in statuses.values()):
        raise AttendanceError(N_("Choose one of the given marks for each student."))
    await classroom_of(viewer, classroom_id)
    school = await notify.school_row(viewer.school_id)
    saved = Saved(closed=await closed_day(viewer.school_id, day))
    async with db.transaction():
        await db.lock("register", classroom_id)  # two saves of one register (a double tap) run one after the other
        members = {s["id"]: s for s in await Student.select(Student.id, Student.first_name).where(
            (Student.school == viewer.school_id) & enrolment.enrolled(viewer.school_id, day, [classroom_id]))}
        strangers = set(statuses) - set(members)
        if strangers:
            raise AttendanceError(N_("Some students are not in this classroom. Reload the register and try again."))
        current = {m["student"]: m for m in await AttendanceMark.select(
            AttendanceMark.id, AttendanceMark.student, AttendanceMark.status).where(
            AttendanceMark.student.is_in(list(members) or [-1]) & (AttendanceMark.day == day)
            & (AttendanceMark.period == period))}
        homeroom = {}
        if period != HOMEROOM_PERIOD:
            homeroom = {m["student"]: m["status"] for m in await AttendanceMark.select(
                AttendanceMark.student, AttendanceMark.status).where(
                AttendanceMark.student.is_in(list(members) or [-1]) & (AttendanceMark.day == day)
                & (AttendanceMark.period == HOMEROOM_PERIOD))}
        reaches = await notify.guardians_of(list(members))
        # Read under the register's lock: a leave saved before this save is seen here, one after it finds the marks.
        leave = await notified_leave(viewer, list(members), day) if period == HOMEROOM_PERIOD else {}
        moment = now()
        changes: list[tuple[int, dict | None, str]] = []
        for student_id in members:
            notified = leave.get(student_id)
            wanted = statuses.get(student_id, notified.status.value if notified else Status.present.value)
            if notified and wanted == Status.absent.value:
                wanted = notified.status.value  # not at school, and the family said why: leave, not an absence
            if period != HOMEROOM_PERIOD and wanted == Status.absent.value and homeroom.get(student_id) in (
                    Status.present.value, Status.late.value):
                wanted = Status.cut.value  # at school this morning, not in this class: cutting class
            before = current.get(student_id)
            if before and before["status"] == wanted:
                saved.unchanged += 1
            else:
                # The first save stores every student, present included: that is how "taken" is known.
                changes.append((student_id, before, wanted))
        await _write_marks(viewer, classroom_id, day, period, subject, changes, moment)
        saved.changed, saved.first = len(changes), not current
        hold = grace_period(settings)
        specs, withdrawn = [], []
        for student_id, before, wanted in changes:
            told = _what_to_tell(student_id, members[student_id]["first_name"], day, period, subject,
                                 before["status"] if before else None, wanted, reaches.get(student_id, []), hold)
            if isinstance(told, notify.AlertSpec):
                specs.append(told)
            elif told is not None:
                withdrawn.append(told)
        if period == HOMEROOM_PERIOD:
            specs += await _recheck_periods(viewer, members, day, statuses, reaches, moment, hold)
        if saved.closed is not None:
            # No register is expected on a closed day: what was taken anyway is kept, but guardians hear of
            # nothing new. A withdrawal still goes (a closure added after this morning's alerts left).
            specs = []
        saved.unreachable = [(members[spec.student_id]["first_name"], _why_unreachable(spec.reaches))
                             for spec in specs if not any(r.channel for r in spec.reaches)]
        alert_ids = await notify.create_alerts(settings, school, specs)
        corrections = []
        for key, values, student_reaches in withdrawn:
            corrections += await notify.withdraw_alert(settings, school=school, event_key=key, values=values,
                                                       reaches=student_reaches)
        saved.message_ids = alert_ids + corrections
        if alert_ids and hold:
            saved.send_at, saved.held = moment + hold, len(alert_ids)
    await queue.send(corrections)
    await queue.send(alert_ids, until=saved.send_at)
    return saved


def _why_unreachable(reaches: list) -> str | None:
    """The first reason no guardian can be told (no_phone, opted_out, not_mobile), or None: no guardian at all."""
    return next((r.reason for r in reaches if r.reason), None)


async def _write_marks(viewer: Viewer, classroom_id: int, day: date, period: int, subject: str,
                       changes: list[tuple[int, dict | None, str]], moment: datetime) -> None:
    """New marks in one insert, changed ones one by one (corrections are few); every change into the history."""
    new = [(student_id, status) for student_id, before, status in changes if before is None]
    mark_ids: dict[int, int] = {}
    if new:
        rows = await AttendanceMark.insert(*[
            AttendanceMark(school=viewer.school_id, student=student_id, classroom=classroom_id, day=day,
                           period=period, subject=subject, status=status, marked_by=viewer.user_id, marked_at=moment)
            for student_id, status in new
        ]).returning(AttendanceMark.id, AttendanceMark.student)
        mark_ids = {row["student"]: row["id"] for row in rows}
    for student_id, before, status in changes:
        if before is not None:
            mark_ids[student_id] = before["id"]
            await AttendanceMark.update({AttendanceMark.status: status, AttendanceMark.marked_by: viewer.user_id,
                                         AttendanceMark.marked_at: moment}).where(AttendanceMark.id == before["id"])
    if changes:
        await AttendanceChange.insert(*[
            AttendanceChange(mark=mark_ids[student_id], status_before=before["status"] if before else None,
                             status_after=status, changed_by=viewer.user_id, changed_at=moment)
            for student_id, before, status in changes
        ])


def _what_to_tell(student_id: int, name: str, day: date, period: int, subject: str, before: str | None,
                  after: str, reaches: list, hold: timedelta = timedelta(0)):
    """A new alert (an AlertSpec), a withdrawal (key, values, reaches) when the cause was corrected, or None."""
    key = event_key(student_id, day, period)
    values = {"name": name, "day": day, "period": period, "subject": subject}
    # The morning register tells of late and absent; a period tells only of cutting class (its plain
    # absences are the same absence the register reports).
    alerted = {s.value for s in ALERTED} if period == HOMEROOM_PERIOD else {Status.cut.value}
    was_alerted, is_alerted = before in alerted, after in alerted
    if is_alerted and not was_alerted:
        # A second alertable mark for the same event (absent → late) is the same event: no second alert.
        return notify.AlertSpec(student_id, key, after, day, values, reaches, hold=hold)
    if was_alerted and not is_alerted:
        return key, values, reaches
    return None


async def _recheck_periods(viewer: Viewer, members: dict, day: date, statuses: dict[int, str], reaches: dict,
                           moment: datetime, hold: timedelta) -> list:
    """A period was marked absent before the morning register said the student was at school: that is
    cutting class after all, and the guardians hear of it."""
    at_school = [sid for sid in members if statuses.get(sid, Status.present.value) in (Status.present.value,
                                                                                         Status.late.value)]
    if not at_school:
        return []
    absent_periods = await AttendanceMark.select(AttendanceMark.id, AttendanceMark.student, AttendanceMark.period,
                                                 AttendanceMark.subject, AttendanceMark.status).where(
        AttendanceMark.student.is_in(at_school) & (AttendanceMark.day == day)
        & (AttendanceMark.period != HOMEROOM_PERIOD) & (AttendanceMark.status == Status.absent.value))
    specs = []
    for mark in absent_periods:
        await AttendanceMark.update({AttendanceMark.status: Status.cut.value}).where(AttendanceMark.id == mark["id"])
        await AttendanceChange.insert(AttendanceChange(mark=mark["id"], status_before=mark["status"],
                                                       status_after=Status.cut.value, changed_by=viewer.user_id,
                                                       changed_at=moment))
        specs.append(_what_to_tell(mark["student"], members[mark["student"]]["first_name"], day, mark["period"],
                                   mark["subject"], mark["status"], Status.cut.value, reaches.get(mark["student"], []),
                                   hold))
    return specs


# What teachers, parents and executives read -------------------------------------------------------------------------


async def homeroom_classes(viewer: Viewer) -> list[dict]:
    rows = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        Classroom.id.is_in(list(viewer.classroom_ids) or [-1])).order_by(Classroom.grade.level).order_by(Classroom.room)
    return [{**r, "label": f"{r['grade']}/{r['room']}"} for r in rows]


async def teaching_classes(viewer: Viewer) -> list[dict]:
    rows = await TeachingAssignment.select(
        TeachingAssignment.classroom, TeachingAssignment.subject,
        TeachingAssignment.classroom.room.as_alias("room"),
        TeachingAssignment.classroom.grade.code.as_alias("grade")).where(
        (TeachingAssignment.teacher == viewer.user_id) & (TeachingAssignment.school_year == viewer.school_year_id)
        & TeachingAssignment.term.is_in(teaching_terms(viewer.term_number))
    ).order_by(TeachingAssignment.classroom.grade.level).order_by(TeachingAssignment.classroom.room)
    return [{**r, "label": f"{r['grade']}/{r['room']}"} for r in rows]


# Attending fewer school days than this share of the term's is below what a student needs to sit the term's
# assessment (the Ministry's 80 % rule).
ATTENDANCE_NEEDED = 0.8
MISSED = {Status.absent.value, Status.sick_leave.value, Status.personal_leave.value}


async def attended_shares(school_id: int, student_ids: list[int], first: date, last: date) -> dict[int, int | None]:
    """A fact for care (the EEF grant's condition): the whole percentage of school days between two dates each
    student attended, by the same rule as child_attendance (absent or on leave at the morning register is a day
    missed; 79.6 is 79). None where there was no school day yet."""
    calendar = await schools.calendar_between(school_id, first, last)
    school_days = calendar.school_days(first, min(last, today()))
    missed: dict[int, int] = {}
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        rows = await AttendanceMark.select(AttendanceMark.student, AttendanceMark.day).where(
            AttendanceMark.student.is_in(chunk) & (AttendanceMark.school == school_id)
            & (AttendanceMark.period == HOMEROOM_PERIOD) & AttendanceMark.status.is_in(list(MISSED))
            & (AttendanceMark.day >= first) & (AttendanceMark.day <= last))
        for row in rows:
            if calendar.is_school_day(_as_date(row["day"])):
                missed[row["student"]] = missed.get(row["student"], 0) + 1
    if not school_days:
        return {student: None for student in student_ids}
    return {student: math.floor((len(school_days) - missed.get(student, 0)) * 100 / len(school_days))
            for student in student_ids}


async def term_summaries(school_id: int, student_ids: list[int], first: date, last: date) -> dict[int, dict]:
    """A fact for the students' care summaries: each student's term so far, counted as a family sees it
    (child_attendance): school days, the share attended, days late, absent and on leave at the morning register,
    and periods cut. One query for the whole school; closed days are not counted."""
    calendar = await schools.calendar_between(school_id, first, last)
    school_days = calendar.school_days(first, min(last, today()))
    found = {student: {s.value: 0 for s in HOMEROOM_STATUSES} | {"cut": 0} for student in student_ids}
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        rows = await AttendanceMark.select(AttendanceMark.student, AttendanceMark.day, AttendanceMark.period,
                                           AttendanceMark.status).where(
            AttendanceMark.student.is_in(chunk) & (AttendanceMark.school == school_id)
            & (AttendanceMark.status != Status.present.value) & (AttendanceMark.day >= first)
            & (AttendanceMark.day <= last))
        for row in rows:
            if not calendar.is_school_day(_as_date(row["day"])):
                continue
            if row["status"] == Status.cut.value:
                found[row["student"]]["cut"] += 1
            elif row["period"] == HOMEROOM_PERIOD:
                found[row["student"]][row["status"]] += 1
    for counts in found.values():
        missed = sum(counts[status] for status in MISSED)
        counts["school_days"] = len(school_days)
        counts["attended"] = math.floor((len(school_days) - missed) * 100 / len(school_days)) if school_days else None
    return found


async def child_attendance(viewer: Viewer, student_id: int) -> dict:
    """One child (or a student themself) this term: counts of school days, the share attended, and every mark
    other than present, newest first, with its alert. Closed days are not counted, even if a register was taken."""
    if not can_see_attendance_of(viewer, student_id):
        raise AttendanceError(N_("You can only see your own children."), status=403)
    student = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name).where(
        visible_students(viewer) & (Student.id == student_id)).first()
    bounds = viewer.term_dates or (today() - timedelta(days=120), today())
    marks = await AttendanceMark.select(AttendanceMark.day, AttendanceMark.period, AttendanceMark.subject,
                                        AttendanceMark.status).where(
        (AttendanceMark.student == student_id) & (AttendanceMark.day >= bounds[0]) & (AttendanceMark.day <= bounds[1])
    ).order_by(AttendanceMark.day, ascending=False).order_by(AttendanceMark.period)
    calendar = await schools.calendar_between(viewer.school_id, bounds[0], bounds[1])
    school_days = calendar.school_days(bounds[0], min(bounds[1], today()))
    counted = [m for m in marks if calendar.is_school_day(_as_date(m["day"]))]
    homeroom = [m for m in counted if m["period"] == HOMEROOM_PERIOD]
    counts = {s.value: sum(1 for m in homeroom if m["status"] == s.value) for s in HOMEROOM_STATUSES}
    counts["cut"] = sum(1 for m in counted if m["status"] == Status.cut.value)
    counts["school_days"] = len(school_days)
    missed = sum(1 for m in homeroom if m["status"] in MISSED)
    share = (len(school_days) - missed) / len(school_days) if school_days else None
    alerts = {}
    for alert in await Alert.select(Alert.id, Alert.event_key, Alert.acknowledged_at).where(
            (Alert.student == student_id) & (Alert.day >= bounds[0])):
        alerts[alert["event_key"]] = alert
    events = [{**m, "alert": alerts.get(event_key(student_id, m["day"], m["period"]))}
              for m in marks if m["status"] != Status.present.value]
    today_mark = next((m for m in marks if m["period"] == HOMEROOM_PERIOD and m["day"] == today()), None)
    return {"student": student, "counts": counts, "events": events, "today": today_mark, "term": bounds,
            "attended": None if share is None else math.floor(share * 100),  # 79.6 % is not 80 %
            "below_needed": share is not None and share < ATTENDANCE_NEEDED,
            "closed_today": calendar.closed_because(today()) if bounds[0] <= today() <= bounds[1] else None}


# One round trip for the parent's home page (SQLite opens a connection per query): the children's marks today and
# their non-present marks this term, with their alerts not yet seen.
# Today's marks; the marks behind the alerts not yet seen (to tell whether each still stands); those alerts. Each
# part reads a child's own rows by the (student, day) index, and earlier marks only where an alert waits, so a page
# costs the same in May and in March. The school is not asked of the marks: a child's marks are their school's, and
# naming it let SQLite, before it has statistics (db.refresh_statistics), read the whole school's register history
# through the (school, day) index instead: 85 ms a page with a term of marks.
CHILDREN_TODAY_SQL = (
    "SELECT 'mark' AS row_kind, student, day, period, subject, status, 0 AS alert_id, '' AS event_key "
    "FROM attendance_mark WHERE student IN (%(ids)s) AND day = {} "
    "UNION ALL SELECT 'mark', m.student, m.day, m.period, m.subject, m.status, 0, '' "
    "FROM alert a CROSS JOIN attendance_mark m WHERE a.student IN (%(ids)s) AND a.school = {} "
    "AND a.acknowledged_at IS NULL AND a.day >= {} AND a.day < {} AND a.kind IN (%(alerted)s) "
    "AND m.student = a.student AND m.day = a.day AND m.status IN (%(alerted)s) "
    "UNION ALL SELECT 'alert', student, day, 0, '', kind, id, event_key "
    "FROM alert WHERE student IN (%(ids)s) AND school = {} AND acknowledged_at IS NULL AND day >= {} "
    "AND kind IN (%(alerted)s)"
)


async def children_today(viewer: Viewer, unseen_limit: int = 5) -> dict[int, dict]:
    """For a parent's home page, in one query however many children: each child's register today (and periods cut
    today), and the alerts of this term not yet marked seen whose mark still stands, newest first."""
    ids = sorted(viewer.student_ids)
    if not viewer.is_parent or not ids:
        return {}
    day = today()
    first = viewer.term_dates[0] if viewer.term_dates else day - timedelta(days=120)
    alerted = sorted(status.value for status in ALERTED)
    sql = CHILDREN_TODAY_SQL % {"ids": ", ".join(["{}"] * len(ids)), "alerted": ", ".join(["{}"] * len(alerted))}
    rows = await db.fetch(sql, *ids, day, *ids, viewer.school_id, first, day, *alerted, *alerted,
                          *ids, viewer.school_id, first, *alerted)
    closed = await schools.closed_on(viewer.school_id, day)  # no register is expected: not "not taken yet"
    found = {student_id: {"today": None, "closed": closed, "cut_today": [], "unseen": []} for student_id in ids}
    marks: dict[str, dict] = {}
    alerts: list[dict] = []
    for row in rows:
        row["day"] = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
        if row["row_kind"] == "alert":
            alerts.append(row)
            continue
        marks[event_key(row["student"], row["day"], row["period"])] = row
        if row["day"] == day and row["period"] == HOMEROOM_PERIOD:
            found[row["student"]]["today"] = row["status"]
        elif row["day"] == day and row["status"] == Status.cut.value:
            found[row["student"]]["cut_today"].append(row["period"])
    for alert in sorted(alerts, key=lambda alert: alert["alert_id"], reverse=True):
        mark = marks.get(alert["event_key"])  # gone, or present after all: corrected, nothing to see
        unseen = found[alert["student"]]["unseen"]
        if mark and mark["status"] in alerted and len(unseen) < unseen_limit:
            unseen.append({"id": alert["alert_id"], "day": mark["day"], "period": mark["period"],
                           "subject": mark["subject"], "status": mark["status"]})
    return found


async def school_today(viewer: Viewer, day: date) -> dict:
    """Executives: today's register across the school, by classroom, and which homerooms are not taken yet."""
    return (await schools_today({viewer.school_id: viewer.school_year_id}, day))[viewer.school_id]


async def schools_today(years: dict[int, int], day: date) -> dict[int, dict]:
    """school_today() of several schools (school: its school year), by school: the same queries however many (an
    area supervisor's page); the caller decides who may see these counts."""
    classrooms = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                        Classroom.grade.code.as_alias("grade"),
                                        Classroom.grade.level.as_alias("level")).where(
        Classroom.school_year.is_in(list(years.values()) or [-1])
    ).order_by(Classroom.grade.level).order_by(Classroom.room)
    sizes = await enrolment.class_sizes_of(dict.fromkeys(years, day))
    counts: dict[int, dict[str, int]] = {}
    for row in await AttendanceMark.select(AttendanceMark.classroom, AttendanceMark.status,
                                           Count(AttendanceMark.id, alias="n")).where(
            AttendanceMark.school.is_in(list(years) or [-1]) & (AttendanceMark.day == day)
            & (AttendanceMark.period == HOMEROOM_PERIOD)).group_by(AttendanceMark.classroom, AttendanceMark.status):
        counts.setdefault(row["classroom"], {})[row["status"]] = row["n"]
    cut = {r["classroom"]: r["n"] for r in await AttendanceMark.select(
        AttendanceMark.classroom, Count(AttendanceMark.id, alias="n")).where(
        AttendanceMark.school.is_in(list(years) or [-1]) & (AttendanceMark.day == day)
        & (AttendanceMark.status == Status.cut.value)).group_by(AttendanceMark.classroom)}
    calendars = await schools.calendars_between(dict.fromkeys(years, (day, day)))
    found = {}
    for school_id in years:
        rooms, grades, total = [], {}, {s.value: 0 for s in HOMEROOM_STATUSES} | {"cut": 0, "students": 0}
        for c in classrooms:
            if c["school"] != school_id:
                continue
            row = {s.value: counts.get(c["id"], {}).get(s.value, 0) for s in HOMEROOM_STATUSES}
            row.update(cut=cut.get(c["id"], 0), students=sizes.get(c["id"], 0), taken=c["id"] in counts,
                       label=f"{c['grade']}/{c['room']}", id=c["id"], grade=c["grade"])
            rooms.append(row)
            grade = grades.setdefault(c["grade"], {k: 0 for k in total} | {"grade": c["grade"], "rooms": 0,
                                                                             "taken": 0})
            grade["rooms"] += 1
            grade["taken"] += row["taken"]
            for key in total:
                grade[key] += row[key]
                total[key] += row[key]
        closed = calendars[school_id].closed_because(day)
        # no register is expected on a closed day, nor of a room everyone has left
        found[school_id] = {"rooms": rooms, "grades": list(grades.values()), "total": total, "closed": closed,
                            "not_taken": [] if closed else [r for r in rooms if not r["taken"] and r["students"]]}
    return found


@dataclass(frozen=True)
class RegistersTaken:
    """Over a span of days: how many were school days, and on how many of them each classroom's morning register was
    taken (one taken on a closed day is kept, but none was expected then)."""

    school_days: int
    taken: dict[int, int]


async def registers_taken(school_id: int, classroom_ids: list[int], first: date, last: date) -> RegistersTaken:
    """The morning registers of these classrooms from `first` to `last`: two queries for a whole school."""
    rows = await AttendanceMark.select(AttendanceMark.classroom, AttendanceMark.day).where(
        (AttendanceMark.school == school_id) & AttendanceMark.classroom.is_in(list(classroom_ids) or [-1])
        & (AttendanceMark.day >= first) & (AttendanceMark.day <= last)
        & (AttendanceMark.period == HOMEROOM_PERIOD)).distinct()
    calendar = await schools.calendar_between(school_id, first, last)
    taken: dict[int, int] = dict.fromkeys(classroom_ids, 0)
    for row in rows:
        if calendar.is_school_day(_as_date(row["day"])):
            taken[row["classroom"]] = taken.get(row["classroom"], 0) + 1
    return RegistersTaken(len(calendar.school_days()), taken)


async def term_trend(viewer: Viewer) -> list[dict]:
    """This term, week by week: late, absent and cut-class marks (the risk behaviours the school reports), on
    school days only (a Saturday activity's register is kept, but is not a school day's absence)."""
    bounds = viewer.term_dates
    if bounds is None:
        return []
    start, end = bounds[0], min(bounds[1], today())
    rows = await AttendanceMark.select(AttendanceMark.day, AttendanceMark.status,
                                       Count(AttendanceMark.id, alias="n")).where(
        (AttendanceMark.school == viewer.school_id) & (AttendanceMark.day >= start) & (AttendanceMark.day <= end)
        & AttendanceMark.status.is_in([Status.late.value, Status.absent.value, Status.cut.value])
        & ((AttendanceMark.period == HOMEROOM_PERIOD) | (AttendanceMark.status == Status.cut.value))
    ).group_by(AttendanceMark.day, AttendanceMark.status)
    calendar = await schools.calendar_between(viewer.school_id, start, end)
    weeks: dict[date, dict] = {}
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        weeks[monday] = {"week": monday, "late": 0, "absent": 0, "cut": 0}
        monday += timedelta(days=7)
    for row in rows:
        day = _as_date(row["day"])
        if calendar.is_school_day(day):
            weeks[day - timedelta(days=day.weekday())][row["status"]] += row["n"]
    return list(weeks.values())


# A week's facts: the homeroom teacher's weekly digest and the family summary ---------------------------------


@dataclass(frozen=True)
class WeekCounts:
    """One student's school week: days at the morning register (present counts late days too: the child was at
    school), and periods cut."""

    present: int = 0
    late: int = 0
    absent: int = 0  # without leave
    leave: int = 0  # sick or personal leave
    cut: int = 0  # periods

    @property
    def eventful(self) -> bool:
        """Something other than a plain day at school."""
        return bool(self.late or self.absent or self.leave or self.cut)


async def week_counts(school_id: int, student_ids: list[int], week: Week) -> tuple[int, dict[int, WeekCounts]]:
    """A fact for the weekly digest and the family summary: the week's school days, and each student's counts (only
    students with a mark). One query for the calendar and one for the marks, however big the school. A register
    taken on a closed day is kept but not counted, as everywhere else; a period's plain absence is the register's
    absence, counted there."""
    calendar = await schools.calendar_between(school_id, week.monday, week.friday)
    counts: dict[int, dict[str, int]] = {}
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        for mark in await AttendanceMark.select(AttendanceMark.student, AttendanceMark.day,
                                                AttendanceMark.status).where(
                (AttendanceMark.school == school_id) & AttendanceMark.student.is_in(chunk)
                & (AttendanceMark.day >= week.monday) & (AttendanceMark.day <= week.friday)
                & ((AttendanceMark.period == HOMEROOM_PERIOD) | (AttendanceMark.status == Status.cut.value))):
            if not calendar.is_school_day(_as_date(mark["day"])):
                continue
            status = mark["status"]
            theirs = counts.setdefault(mark["student"], {"present": 0, "late": 0, "absent": 0, "leave": 0, "cut": 0})
            if status in (Status.present.value, Status.late.value):
                theirs["present"] += 1
            if status != Status.present.value:
                theirs["leave" if status in (Status.sick_leave.value, Status.personal_leave.value) else status] += 1
    return len(calendar.school_days()), {student: WeekCounts(**theirs) for student, theirs in counts.items()}


async def digest_section(school_id: int, week: Week, rosters: dict[int, list[RosterEntry]]) -> dict[int, dict]:
    """Each classroom's week: per student, school days absent (at the register), late, on leave, and periods cut;
    only students with something to say. Two queries for the whole school (week_counts)."""
    ids = [entry.student_id for entries in rosters.values() for entry in entries]
    school_days, counts = await week_counts(school_id, ids, week)
    sections = {}
    for classroom_id, entries in rosters.items():
        rows, concerns = [], []
        for entry in entries:
            theirs = counts.get(entry.student_id)
            if theirs is None or not theirs.eventful:
                continue
            rows.append({"student": entry.student_id, "name": entry.name, "absent": theirs.absent,
                         "late": theirs.late, "cut": theirs.cut, "leave": theirs.leave})
            for key, weight, why in (
                    ("absent", 2, N_("School days absent without leave this week: %(num)s")),
                    ("cut", 2, N_("Classes cut this week: %(num)s")),
                    ("late", 1, N_("Times late this week: %(num)s"))):
                if getattr(theirs, key):
                    concerns.append({"student": entry.student_id, "weight": weight * getattr(theirs, key),
                                     "why": why, "values": {"num": getattr(theirs, key)}})
        sections[classroom_id] = {"school_days": school_days, "students": rows, "concerns": concerns}
    return sections
