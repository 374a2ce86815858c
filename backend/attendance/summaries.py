"""The morning register summary to each grade's staff group on LINE (a school setting, notify.line_account): from the
school's hour (09:00 by default) for the rest of the morning, on school days only, each grade's group gets one
message with its classrooms' absent, late and registers not yet taken — counts only, unless the school turned names
on. Once per grade and day (the alert's key), however many workers run the job at the same moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from backend.attendance.tables import HOMEROOM_PERIOD, AttendanceMark, Status
from backend.clock import now
from backend.config import Settings
from backend.i18n import _, format_date
from backend.notify import line_account, line_groups
from backend.notify.outbox import school_row
from backend.notify.queue import JobQueue
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.students import enrolment

KIND = "staff_summary"
# Sent from the school's hour until this much later: a summary found due in the afternoon (the worker was down all
# morning) would tell staff what they no longer need.
WINDOW = timedelta(hours=3)


@dataclass
class Room:
    label: str
    students: int
    taken: bool = False
    absent: int = 0
    late: int = 0
    absent_names: list[str] = field(default_factory=list)
    late_names: list[str] = field(default_factory=list)


def due_day(moment: datetime, timezone: str, at) -> date | None:
    """The school day whose summary is due at this moment: today, from the school's hour for WINDOW."""
    local = moment.astimezone(ZoneInfo(timezone))
    start = datetime.combine(local.date(), at, local.tzinfo)
    return local.date() if start <= local < start + WINDOW else None


def event_key(grade_id: int, day: date) -> str:
    return f"{KIND}:{grade_id}:{day.isoformat()}"


def summary_text(grade: str, day: date, at: datetime, rooms: list[Room], with_names: bool) -> str:
    """The message, in the school's language: a line per classroom, then the grade's totals."""
    lines = [_("Morning register, %(grade)s", grade=grade),
             _("%(day)s at %(time)s", day=format_date(day, long=True), time=f"{at:%H:%M}")]
    not_taken = 0
    for room in rooms:
        if not room.taken:
            not_taken += 1
            lines.append(_("%(room)s: register not taken yet", room=room.label))
            continue
        lines.append(_("%(room)s: absent %(absent)s, late %(late)s", room=room.label, absent=room.absent,
                       late=room.late))
        if with_names and room.absent_names:
            lines.append("  " + _("Absent: %(names)s", names=", ".join(room.absent_names)))
        if with_names and room.late_names:
            lines.append("  " + _("Late: %(names)s", names=", ".join(room.late_names)))
    lines.append(_("Total: absent %(absent)s, late %(late)s, registers not taken %(rooms)s",
                   absent=sum(r.absent for r in rooms), late=sum(r.late for r in rooms), rooms=not_taken))
    return "\n".join(lines)


async def grade_rooms(school_id: int, day: date, grade_ids: set[int], with_names: bool) -> dict[int, list[Room]]:
    """Each grade's classrooms this day with their morning register (rooms nobody is enrolled in left out). Four
    queries for the school, five with names."""
    year = await schools.school_year_now(school_id, day)
    classrooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade,
                                        Classroom.grade.code.as_alias("code")).where(
        (Classroom.school == school_id) & (Classroom.school_year == year.school_year_id)
        & Classroom.grade.is_in(sorted(grade_ids) or [-1])).order_by(Classroom.room)
    sizes = await enrolment.class_sizes(school_id, day)
    rooms = {c["id"]: Room(f"{c['code']}/{c['room']}", sizes.get(c["id"], 0)) for c in classrooms}
    for row in await AttendanceMark.select(AttendanceMark.classroom, AttendanceMark.status,
                                           Count(AttendanceMark.id, alias="n")).where(
            (AttendanceMark.school == school_id) & (AttendanceMark.day == day)
            & (AttendanceMark.period == HOMEROOM_PERIOD) & AttendanceMark.classroom.is_in(list(rooms) or [-1])
    ).group_by(AttendanceMark.classroom, AttendanceMark.status):
        room = rooms[row["classroom"]]
        room.taken = True
        if row["status"] == Status.absent.value:
            room.absent = row["n"]
        elif row["status"] == Status.late.value:
            room.late = row["n"]
    if with_names:
        marked = {(r["student"], r["classroom"]): r["status"] for r in await AttendanceMark.select(
            AttendanceMark.student, AttendanceMark.classroom, AttendanceMark.status).where(
            (AttendanceMark.school == school_id) & (AttendanceMark.day == day)
            & (AttendanceMark.period == HOMEROOM_PERIOD) & AttendanceMark.classroom.is_in(list(rooms) or [-1])
            & AttendanceMark.status.is_in([Status.absent.value, Status.late.value]))}
        for classroom_id, entries in (await enrolment.rosters(school_id, day, [k[1] for k in marked])).items():
            for entry in entries:  # in class-number order
                status = marked.get((entry.student_id, classroom_id))
                named = f"{entry.number}. {entry.name}" if entry.number else entry.name
                if status == Status.absent.value:
                    rooms[classroom_id].absent_names.append(named)
                elif status == Status.late.value:
                    rooms[classroom_id].late_names.append(named)
    found: dict[int, list[Room]] = {grade_id: [] for grade_id in grade_ids}
    for c in classrooms:
        if rooms[c["id"]].students or rooms[c["id"]].taken:
            found[c["grade"]].append(rooms[c["id"]])
    return found


async def send_school(settings: Settings, account: line_account.SchoolLine, day: date,
                      queue: JobQueue | None = None) -> list[int]:
    """One school's summaries for the day, to the grades that have a staff group and none yet today."""
    groups = await line_groups.grade_groups(account.school_id)
    keys = {grade_id: event_key(grade_id, day) for grade_id in groups}
    done = await line_groups.sent_already(list(keys.values()))
    todo = {grade_id for grade_id, key in keys.items() if key not in done}
    if not todo:
        return []
    rooms = await grade_rooms(account.school_id, day, todo, account.summary_names)
    school = await school_row(account.school_id)
    at = now().astimezone(ZoneInfo(school["timezone"]))
    grades = await line_groups.grade_labels(account.school_id, todo)
    messages = [line_groups.GroupMessage(keys[grade_id], KIND, day, groups[grade_id],
                                        summary_text(grades[grade_id], day, at, rooms[grade_id],
                                                     account.summary_names))
                for grade_id in sorted(todo) if rooms[grade_id]]
    ids = await line_groups.queue_group_messages(account.school_id, messages)
    if queue is not None:
        await queue.send(ids)
    return ids


async def send_due(settings: Settings, queue: JobQueue | None = None) -> dict[int, int]:
    """The cron's work: each school with summaries on whose hour has come today, on a school day, sends what it has
    not sent yet. Returns the messages queued per school."""
    sent = {}
    for account in await line_account.summary_schools(settings):
        school = await school_row(account.school_id)
        at = line_account.parse_time(account.summary_time)
        day = due_day(now(), school["timezone"], at) if at else None
        if day is None or not (await schools.calendar_between(account.school_id, day, day)).is_school_day(day):
            continue
        sent[account.school_id] = len(await send_school(settings, account, day, queue))
    return sent
