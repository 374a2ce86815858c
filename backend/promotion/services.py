"""Homeroom activities and parents' classroom meetings: recording an activity with who was there; scheduling a
meeting, which invites every guardian of the class through the outbox in the same transaction (and names those who
cannot be reached); a parent's reply; the attendance, minutes and evaluation taken at the meeting; the counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from piccolo.query.functions.aggregate import Count

from backend import clock, db, schoolyear
from backend.accounts.access import (Viewer, can_answer_invitation, can_record_promotion, can_see_class_promotion,
                                     promotion_counts_classrooms)
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.promotion.tables import (ActivityPresence, GuidelineDocument, HomeroomActivity, MeetingAttendance,
                                      MeetingGuest, ParentMeeting, Reply)
from backend.schools.tables import Classroom, Term
from backend.screening import services as screening
from backend.students import enrolment
from backend.students.tables import Student

CLOCK_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
SCORES = (1, 2, 3, 4, 5)  # the guardians' satisfaction, as the teacher counts the forms
MAX_COUNT = 999


class PromotionError(Refusal):
    pass


def _plain(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def _date_field(form: dict, field: str, errors: dict) -> date | None:
    day = schoolyear.typed_date(_plain(form.get(field), 12))
    if day is None:
        errors[field] = N_("Enter a date.")
    return day


def _ticked(form: dict, prefix: str) -> set[int]:
    """The students ticked in a list of checkboxes named <prefix><student id>."""
    return {int(name[len(prefix):]) for name, value in form.items()
            if name.startswith(prefix) and name[len(prefix):].isdigit() and len(name) < 20 and value}


async def _classroom(viewer: Viewer, classroom_id: int, write: bool = False) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not can_see_class_promotion(viewer, room):
        raise PromotionError(N_("No such classroom among those you look after."), status=404)
    if write and not can_record_promotion(viewer, room):
        raise PromotionError(N_("Only this class's homeroom teachers record its activities and meetings."),
                             status=403)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def _members(viewer: Viewer, classroom_id: int) -> list[dict]:
    return await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                Student.number_in_class).where(
        (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id, [classroom_id])
    ).order_by(Student.number_in_class).order_by(Student.id)


async def _term_of(viewer: Viewer, day: date) -> int:
    """The term an activity or a meeting counts for: the one its day falls in (a day in the break between terms
    counts for the term before), so a meeting set in October for November is November's term's meeting."""
    if viewer.term_dates and viewer.term_dates[0] <= day <= viewer.term_dates[1]:
        return viewer.term_number
    terms = await Term.select(Term.number, Term.starts_on).where(Term.school_year == viewer.school_year_id)
    return max((t["number"] for t in terms if t["starts_on"] <= day), default=1)


def _only_members(ticked: set[int], members: list[dict]) -> None:
    if ticked - {m["id"] for m in members}:
        raise PromotionError(N_("Some students are not in this classroom. Reload the page and try again."))


# Homeroom activities -------------------------------------------------------------------------------------------


async def record_activity(viewer: Viewer, classroom_id: int, form: dict) -> int:
    await _classroom(viewer, classroom_id, write=True)
    errors = {}
    held_on = _date_field(form, "held_on", errors)
    if held_on and held_on > clock.today():
        errors["held_on"] = N_("An activity is recorded on its day or after.")
    topic = _plain(form.get("topic"), 200)
    if not topic:
        errors["topic"] = N_("Choose a topic from the guideline or type one.")
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    members = await _members(viewer, classroom_id)
    present = _ticked(form, "p")
    _only_members(present, members)
    year_id, term = viewer.school_year_id, await _term_of(viewer, held_on)
    async with db.transaction():
        rows = await HomeroomActivity.insert(HomeroomActivity(
            school=viewer.school_id, school_year=year_id, term=term, classroom=classroom_id, held_on=held_on,
            topic=topic, note=_plain(form.get("note"), 2000), evaluation=_plain(form.get("evaluation"), 2000),
            recorded_by=viewer.user_id, recorded_at=now())).returning(HomeroomActivity.id)
        activity_id = rows[0]["id"]
        if present:
            await ActivityPresence.insert(*[ActivityPresence(activity=activity_id, student=student_id)
                                            for student_id in sorted(present)])
    return activity_id


async def class_page(viewer: Viewer, classroom_id: int) -> dict:
    """A class's activities and meetings this term; "no meeting yet" until one is held."""
    room = await _classroom(viewer, classroom_id)
    year_id, term = await screening.current_term(viewer)
    this_term = (HomeroomActivity.classroom == classroom_id) & (HomeroomActivity.school_year == year_id) & (
        HomeroomActivity.term == term)
    activities = await HomeroomActivity.select(
        HomeroomActivity.id, HomeroomActivity.held_on, HomeroomActivity.topic, HomeroomActivity.note,
        HomeroomActivity.evaluation).where(this_term).order_by(HomeroomActivity.held_on, ascending=False)
    present = {row["activity"]: row["n"] for row in await ActivityPresence.select(
        ActivityPresence.activity, Count(ActivityPresence.id, alias="n")).where(
        ActivityPresence.activity.is_in([a["id"] for a in activities] or [-1])).group_by(ActivityPresence.activity)}
    # This term's meetings, and any set for a later day (next term's, scheduled ahead).
    meetings = await ParentMeeting.select(
        ParentMeeting.id, ParentMeeting.held_on, ParentMeeting.starts_at, ParentMeeting.place,
        ParentMeeting.held_at, ParentMeeting.school_year, ParentMeeting.term).where(
        (ParentMeeting.classroom == classroom_id) & (
            ((ParentMeeting.school_year == year_id) & (ParentMeeting.term == term))
            | (ParentMeeting.held_on >= clock.today()))).order_by(ParentMeeting.held_on, ascending=False)
    members = await _members(viewer, classroom_id)
    return {"room": room, "term": term, "members": members, "today": clock.today(),
            "school_topics": await school_topics(viewer.school_id),
            "activities": [{**a, "present": present.get(a["id"], 0)} for a in activities], "meetings": meetings,
            "meeting_held": any(m["held_at"] and (m["school_year"], m["term"]) == (year_id, term) for m in meetings),
            "can_record": can_record_promotion(viewer, room)}


async def school_topics(school_id: int) -> list[str]:
    """The topics the school's guideline documents in use list (one a line), in order, each once: offered first
    when an activity is recorded. One query."""
    seen: list[str] = []
    for row in await GuidelineDocument.select(GuidelineDocument.topics).where(
            (GuidelineDocument.school == school_id) & GuidelineDocument.retired_at.is_null()
            & (GuidelineDocument.topics != "")).order_by(GuidelineDocument.id):
        for topic in row["topics"].splitlines():
            if topic and topic not in seen:
                seen.append(topic)
    return seen


async def class_counts(viewer: Viewer) -> list[dict]:
    """Each class this viewer oversees, with its activities and meetings held this term (three queries)."""
    year_id, term = await screening.current_term(viewer)
    return await held_in_term(viewer.school_id, year_id, term, promotion_counts_classrooms(viewer))


async def held_in_term(school_id: int, year_id: int, term: int, seen: frozenset[int] | None = None) -> list[dict]:
    """The school's active classes of the year (or only those seen), in grade and room order, with the homeroom
    activities recorded and the parents' meetings held in the term: three queries however many classes. The
    caller has decided who may see these counts (class_counts here, the care overview in care.reports)."""
    return (await held_in_terms([(school_id, year_id, term)], seen))[school_id]


async def held_in_terms(wanted: list[tuple[int, int, int]], seen: frozenset[int] | None = None
                        ) -> dict[int, list[dict]]:
    """held_in_term() of several schools (school, year, term), by school: the same three queries however many."""
    where = Classroom.school_year.is_in([year_id for _, year_id, _ in wanted] or [-1]) & (
        Classroom.active == True)  # noqa: E712 - a Piccolo column
    if seen is not None:
        where &= Classroom.id.is_in(list(seen) or [-1])
    rooms = await Classroom.select(Classroom.id, Classroom.school, Classroom.school_year, Classroom.room,
                                   Classroom.grade.code.as_alias("grade")).where(
        where).order_by(Classroom.grade.level).order_by(Classroom.room)
    ids = [r["id"] for r in rooms] or [-1]
    term_of = {year_id: term for _, year_id, term in wanted}
    counted = {}
    for table in (HomeroomActivity, ParentMeeting):
        where = table.classroom.is_in(ids) & table.school_year.is_in(list(term_of))
        if table is ParentMeeting:
            where &= ParentMeeting.held_at.is_not_null()
        rows = await table.select(table.classroom, table.school_year, table.term, Count(table.id, alias="n")).where(
            where).group_by(table.classroom, table.school_year, table.term)
        counted[table] = {row["classroom"]: row["n"] for row in rows if term_of[row["school_year"]] == row["term"]}
    found: dict[int, list[dict]] = {school_id: [] for school_id, _, _ in wanted}
    for r in rooms:
        school_id, _ = r.pop("school"), r.pop("school_year")
        found[school_id].append({**r, "label": f"{r['grade']}/{r['room']}",
                                 "activities": counted[HomeroomActivity].get(r["id"], 0),
                                 "meetings": counted[ParentMeeting].get(r["id"], 0)})
    return found


# Parents' classroom meetings -----------------------------------------------------------------------------------


async def schedule_meeting(viewer: Viewer, settings: Settings, queue: JobQueue, classroom_id: int,
                           form: dict) -> int:
    """The meeting, one invitation per guardian of the class (by push or SMS, as each can be reached; one message
    for a guardian of two children in the class) written with it, and every guardian kept as a guest, the ones who
    cannot be reached too, so that the teacher sees whom to tell another way."""
    await _classroom(viewer, classroom_id, write=True)
    errors = {}
    held_on, starts_at, place = when_and_where(form, errors)
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    year_id, term = viewer.school_year_id, await _term_of(viewer, held_on)
    members = await _members(viewer, classroom_id)
    school = await notify.school_row(viewer.school_id)
    async with db.transaction():
        rows = await ParentMeeting.insert(ParentMeeting(
            school=viewer.school_id, school_year=year_id, term=term, classroom=classroom_id, held_on=held_on,
            starts_at=starts_at, place=place, scheduled_by=viewer.user_id, scheduled_at=now())
        ).returning(ParentMeeting.id)
        meeting_id = rows[0]["id"]
        reaches = await notify.guardians_of([m["id"] for m in members])
        guests, first_child = [], {}
        for member in members:
            for reach in reaches.get(member["id"], []):
                guests.append(MeetingGuest(meeting=meeting_id, student=member["id"], guardian=reach.guardian_id,
                                           channel=reach.channel.value if reach.channel else "",
                                           unreachable=reach.reason or ""))
                first_child.setdefault(reach.guardian_id, (member["id"], reach))
        if guests:
            await MeetingGuest.insert(*guests)
        message_ids = await send_invitations(settings, school, "meeting", f"meeting:{meeting_id}", held_on, {
            "time": starts_at, "place": place}, list(first_child.values()))
    await queue.send(message_ids)
    return meeting_id


def when_and_where(form: dict, errors: dict) -> tuple[date | None, str, str]:
    """A meeting's day (today or later), its time as HH:MM and its place, as a form gives them; what is wrong goes
    into errors."""
    held_on = _date_field(form, "held_on", errors)
    if held_on and held_on < clock.today():
        errors["held_on"] = N_("That day has passed: choose today or a later day.")
    found = CLOCK_TIME.fullmatch(_plain(form.get("starts_at"), 5))
    if not found:
        errors["starts_at"] = N_("Enter the time, such as 18:00.")
    place = _plain(form.get("place"), 80)
    if not place:
        errors["place"] = N_("Say where the meeting is.")
    return held_on, f"{int(found.group(1)):02d}:{found.group(2)}" if found else "", place


async def send_invitations(settings: Settings, school: dict, kind: str, key: str, day: date, values: dict,
                           invitees: list[tuple[int | None, notify.Reach]]) -> list[int]:
    """An invitation to a meeting for each guardian, inside the caller's transaction: one alert each (keyed
    <key>:<guardian>, so that inviting again tells nobody twice) with one message, by push to their app or else by
    SMS with no link. A guardian who cannot be reached gets none: the caller keeps them as a guest, with why, for
    the teacher to tell another way. Returns the messages for the worker."""
    specs = [notify.AlertSpec(student_id, f"{key}:{reach.guardian_id}", kind, day, {"day": day, **values}, [reach])
             for student_id, reach in invitees]
    return await notify.create_alerts(settings, school, specs)


async def _meeting(viewer: Viewer, meeting_id: int, write: bool = False) -> tuple[dict, dict]:
    meeting = await ParentMeeting.select().where(ParentMeeting.id == meeting_id).first()
    if meeting is None:
        raise PromotionError(N_("No such meeting among those you look after."), status=404)
    return meeting, await _classroom(viewer, meeting["classroom"], write)


async def meeting_page(viewer: Viewer, meeting_id: int) -> dict:
    """The meeting with each student of the class: their guardians, how each was invited and replied, whether a
    guardian came; and the guardians who could not be invited."""
    meeting, room = await _meeting(viewer, meeting_id)
    members = await _members(viewer, room["id"])
    guests = await MeetingGuest.select(
        MeetingGuest.student, MeetingGuest.guardian, MeetingGuest.channel, MeetingGuest.unreachable,
        MeetingGuest.reply, MeetingGuest.guardian.name.as_alias("name")).where(
        MeetingGuest.meeting == meeting_id).order_by(MeetingGuest.id)
    came = {row["student"]: row["came"] for row in await MeetingAttendance.select(
        MeetingAttendance.student, MeetingAttendance.came).where(MeetingAttendance.meeting == meeting_id)}
    by_student: dict[int, list[dict]] = {}
    for guest in guests:
        by_student.setdefault(guest["student"], []).append(guest)
    rows = [{**m, "guests": by_student.get(m["id"], []), "came": came.get(m["id"])} for m in members]
    unreachable = [(row, guest["name"], guest["unreachable"]) for row in rows for guest in row["guests"]
                   if not guest["channel"]]
    unreachable += [(row, "", None) for row in rows if not row["guests"]]
    # Counted by guardian: a guardian of two children of the class was invited once and answers once.
    answered = {answer.value: len({g["guardian"] for g in guests if g["reply"] == answer.value}) for answer in Reply}
    rated = {score: meeting[f"rated_{score}"] for score in SCORES}
    answers = sum(rated.values())
    return {"meeting": meeting, "room": room, "students": rows, "unreachable": unreachable, "answered": answered,
            "invited": len({g["guardian"] for g in guests if g["channel"]}), "rated": rated, "answers": answers,
            "average": sum(s * n for s, n in rated.items()) / answers if answers else None,
            "came": sum(1 for value in came.values() if value),
            "can_record": can_record_promotion(viewer, room), "today": clock.today()}


async def record_meeting(viewer: Viewer, meeting_id: int, form: dict) -> None:
    """At or after the meeting: which students' guardians came, the minutes, follow-ups and the satisfaction
    counts. Recording again corrects it."""
    meeting, room = await _meeting(viewer, meeting_id, write=True)
    if meeting["held_on"] > clock.today():
        raise PromotionError(N_("The meeting has not happened yet: take its attendance on the day."), status=409)
    errors, rated = {}, {}
    for score in SCORES:
        text = _plain(form.get(f"rated_{score}"), 6) or "0"
        if not text.isdigit() or int(text) > MAX_COUNT:
            errors[f"rated_{score}"] = N_("Enter how many, from 0.")
        else:
            rated[score] = int(text)
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    members = await _members(viewer, room["id"])
    came = _ticked(form, "c")
    _only_members(came, members)
    async with db.transaction():
        await db.lock("parent_meeting", meeting_id)  # two saves of one meeting run one after the other
        await MeetingAttendance.delete().where(MeetingAttendance.meeting == meeting_id)
        if members:
            await MeetingAttendance.insert(*[MeetingAttendance(meeting=meeting_id, student=m["id"],
                                                               came=m["id"] in came) for m in members])
        await ParentMeeting.update({
            ParentMeeting.held_at: meeting["held_at"] or now(),
            ParentMeeting.minutes: _plain(form.get("minutes"), 8000),
            ParentMeeting.follow_ups: _plain(form.get("follow_ups"), 4000),
            **{getattr(ParentMeeting, f"rated_{score}"): n for score, n in rated.items()}}).where(
            ParentMeeting.id == meeting_id)


# A parent's invitations ----------------------------------------------------------------------------------------


async def invitations(viewer: Viewer) -> list[dict]:
    """The meetings of this term and later of the classes of the parent's children, with their reply."""
    year_id, term = await screening.current_term(viewer)
    rows = await MeetingGuest.select(
        MeetingGuest.meeting, MeetingGuest.reply, MeetingGuest.student.first_name.as_alias("child"),
        MeetingGuest.meeting.held_on.as_alias("held_on"), MeetingGuest.meeting.starts_at.as_alias("starts_at"),
        MeetingGuest.meeting.place.as_alias("place"), MeetingGuest.meeting.held_at.as_alias("held_at"),
        MeetingGuest.meeting.classroom.room.as_alias("room"),
        MeetingGuest.meeting.classroom.grade.code.as_alias("grade")).where(
        (MeetingGuest.guardian.user == viewer.user_id) & (MeetingGuest.guardian.school == viewer.school_id)
        & (MeetingGuest.meeting.school_year == year_id) & (MeetingGuest.meeting.term >= term)).order_by(
        MeetingGuest.meeting.held_on, ascending=False)
    meetings: dict[int, dict] = {}
    for row in rows:
        meeting = meetings.setdefault(row["meeting"], {**row, "children": []})
        if row["child"] not in meeting["children"]:
            meeting["children"].append(row["child"])
    today = clock.today()
    return [{**m, "open": m["held_at"] is None and m["held_on"] >= today} for m in meetings.values()]


@dataclass(frozen=True)
class UpcomingMeeting:
    """A meeting a guardian is invited to and that is still to come (the weekly family summary names it)."""

    kind: str  # the kind of its invitation: "meeting" (the parents' class meeting) or "network_meeting" (a committee's)
    day: date
    starts_at: str  # HH:MM, school time
    place: str
    room: str  # the class, as ม.1/1; "" for the school's parent committee


async def upcoming_for(school_id: int, guardian_ids: list[int], after: date) -> dict[int, list[UpcomingMeeting]]:
    """A fact for the family summary: the parents' class meetings each guardian is invited to after this day and
    not yet held, soonest first. One query however many guardians (the committees' are network.upcoming_for)."""
    found: dict[int, list[UpcomingMeeting]] = {}
    for chunk in db.chunks(guardian_ids, db.WHOLE_SCHOOL):
        rows = await MeetingGuest.select(
            MeetingGuest.guardian, MeetingGuest.meeting, MeetingGuest.meeting.held_on.as_alias("held_on"),
            MeetingGuest.meeting.starts_at.as_alias("starts_at"), MeetingGuest.meeting.place.as_alias("place"),
            MeetingGuest.meeting.classroom.room.as_alias("room"),
            MeetingGuest.meeting.classroom.grade.code.as_alias("grade")).where(
            MeetingGuest.guardian.is_in(chunk) & (MeetingGuest.meeting.school == school_id)
            & (MeetingGuest.meeting.held_on > after) & MeetingGuest.meeting.held_at.is_null()).order_by(
            MeetingGuest.meeting.held_on).order_by(MeetingGuest.meeting)
        seen = set()
        for row in rows:
            if (row["guardian"], row["meeting"]) in seen:
                continue  # invited for two children of the class: one meeting
            seen.add((row["guardian"], row["meeting"]))
            found.setdefault(row["guardian"], []).append(UpcomingMeeting(
                "meeting", row["held_on"], row["starts_at"], row["place"], f"{row['grade']}/{row['room']}"))
    return found


async def reply(viewer: Viewer, meeting_id: int, answer: str) -> None:
    """A guardian with the app says they will come, or cannot; they may change their mind until the meeting."""
    guests = await MeetingGuest.select(
        MeetingGuest.id, MeetingGuest.guardian.school.as_alias("school"), MeetingGuest.guardian.user.as_alias("user"),
        MeetingGuest.meeting.held_on.as_alias("held_on"), MeetingGuest.meeting.held_at.as_alias("held_at")).where(
        (MeetingGuest.meeting == meeting_id) & (MeetingGuest.guardian.user == viewer.user_id))
    if not guests or not all(can_answer_invitation(viewer, guest) for guest in guests):
        raise PromotionError(N_("No such invitation to your children's class meetings."), status=404)
    if answer not in Reply._value2member_map_:
        raise PromotionError(N_("Say whether you will come."))
    if guests[0]["held_at"] is not None or guests[0]["held_on"] < clock.today():
        raise PromotionError(N_("This meeting is over."), status=409)
    await MeetingGuest.update({MeetingGuest.reply: answer, MeetingGuest.replied_at: now()}).where(
        MeetingGuest.id.is_in([guest["id"] for guest in guests]))


# On a homeroom teacher's home page: one round trip (held_in_term's three read every class's counts).
NO_MEETING_SQL = (
    "SELECT c.id, c.room, g.code AS grade FROM classroom c LEFT JOIN grade g ON g.id = c.grade "
    "WHERE c.id IN (%s) AND c.school_year = {} AND c.active AND NOT EXISTS ("
    "SELECT 1 FROM parent_meeting m WHERE m.classroom = c.id AND m.school_year = {} AND m.term = {} "
    "AND m.held_at IS NOT NULL) ORDER BY g.level, c.room"
)


async def rooms_without_meeting(viewer: Viewer) -> list[dict]:
    """The viewer's homerooms (this year's, still active) with no parents' meeting held this term yet (for their
    to-do list)."""
    if not viewer.classroom_ids:
        return []
    year_id, term = await screening.current_term(viewer)
    rooms = ", ".join(str(int(room)) for room in sorted(viewer.classroom_ids))
    rows = await db.fetch(NO_MEETING_SQL % rooms, year_id, year_id, term)
    return [{**row, "label": f"{row['grade']}/{row['room']}"} for row in rows]
