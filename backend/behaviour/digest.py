"""The homeroom teacher's weekly digest: each area's section of the class's week, assembled once per teacher,
classroom and week, when the school's chosen hour has passed (a cron job in workers/), never on a closed week.

Each area offers `digest_section(school_id, week, rosters) -> {classroom_id: section}` for the whole school at once,
so compiling costs the same few queries however many homerooms and students; this module only assembles them, picks
the three students who most need a check-in from the concerns the sections raise, and stores the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend import clock, db
from backend.accounts.access import Viewer, can_read_digest, readable_digests, reads_digests
from backend.accounts.tables import HomeroomAssignment, User
from backend.attendance import services as attendance
from backend.behaviour import services as behaviour
from backend.behaviour.tables import BehaviourSettings, WeeklyDigest
from backend.care import services as care
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify import outbox
from backend.notify.queue import JobQueue
from backend.notify.tables import Channel, PushSubscription
from backend.schools import services as schools
from backend.schools.calendar import Week
from backend.schools.tables import School
from backend.screening import services as screening
from backend.students import enrolment
from backend.students.phones import is_mobile
from backend.visits import services as visits

# (section name, the area's function). A name of None: the area names its own sections (behaviour gives three).
PROVIDERS = (
    (None, behaviour.digest_sections),
    ("attendance", attendance.digest_section),
    ("screening", screening.digest_section),
    ("visits", visits.digest_section),
    ("guardians", outbox.digest_section),
    ("care", care.digest_section),
)
# As the teacher reads them: good deeds first (care-facts: start from what goes well), the check-in last.
ORDER = ("good_deeds", "attendance", "incidents", "rules", "screening", "visits", "guardians", "care")
CHECK_INS = 3
POINTER_KIND = "digest"


@dataclass(frozen=True)
class Homeroom:
    teacher_id: int
    classroom_id: int
    label: str


def check_in(sections: dict, names: dict[int, str]) -> list[dict]:
    """The students who most need a word this week: the most weighty concerns raised by every section, with
    each reason once. Ties go to the concern raised first (sections in PROVIDERS order, students in class-number
    order), so that the pick is the same every run."""
    totals: dict[int, dict] = {}
    for section in sections.values():
        for concern in section.get("concerns", []):
            student = totals.setdefault(concern["student"], {"student": concern["student"], "weight": 0,
                                                             "reasons": [], "first": len(totals)})
            student["weight"] += concern["weight"]
            reason = {"why": concern["why"], "values": concern["values"]}
            if reason not in student["reasons"]:
                student["reasons"].append(reason)
    ranked = sorted(totals.values(), key=lambda s: (-s["weight"], s["first"]))
    # A student whose only concern is the weakest kind (not visited yet, say) is not a check-in of the week.
    return [{"student": s["student"], "name": names.get(s["student"], ""), "reasons": s["reasons"]}
            for s in ranked if s["weight"] > 1][:CHECK_INS]


async def _homerooms(school_id: int, school_year_id: int) -> list[Homeroom]:
    rows = await HomeroomAssignment.select(
        HomeroomAssignment.teacher, HomeroomAssignment.classroom,
        HomeroomAssignment.classroom.room.as_alias("room"),
        HomeroomAssignment.classroom.grade.code.as_alias("grade")).where(
        (HomeroomAssignment.school == school_id) & (HomeroomAssignment.school_year == school_year_id)
        & (HomeroomAssignment.teacher.active == True)).order_by(  # noqa: E712 - a column comparison
        HomeroomAssignment.classroom)
    return [Homeroom(r["teacher"], r["classroom"], f"{r['grade']}/{r['room']}") for r in rows]


async def compile_school(settings: Settings, school_id: int, week: Week, pointer: str = "off",
                         queue: JobQueue | None = None) -> list[int]:
    """Every homeroom teacher's digest of this week that is not built yet, in one go for the school. Built once:
    a second run (or a second worker at the same moment) inserts nothing, since the unique index on (teacher,
    classroom, week) keeps the first. Each new digest's pointer to its teacher is written with it. Returns the
    ids of the digests this run built."""
    year = await schools.school_year_now(school_id, week.friday)
    homerooms = await _homerooms(school_id, year.school_year_id)
    built = {(row["teacher"], row["classroom"]) for row in await WeeklyDigest.select(
        WeeklyDigest.teacher, WeeklyDigest.classroom).where(
        (WeeklyDigest.school == school_id) & (WeeklyDigest.week_start == week.monday))}
    todo = [h for h in homerooms if (h.teacher_id, h.classroom_id) not in built]
    if not todo:
        return []
    rosters = await enrolment.rosters(school_id, week.friday, {h.classroom_id for h in todo})
    assembled: dict[int, dict] = {classroom_id: {} for classroom_id in rosters}
    for name, provider in PROVIDERS:
        for classroom_id, section in (await provider(school_id, week, rosters)).items():
            assembled[classroom_id].update({name: section} if name else section)
    for classroom_id, sections in assembled.items():
        sections["check_in"] = check_in(sections, {e.student_id: e.name for e in rosters[classroom_id]})
    moment = now()
    message_ids: list[int] = []
    async with db.transaction():
        rows = await WeeklyDigest.insert(*[
            WeeklyDigest(school=school_id, teacher=h.teacher_id, classroom=h.classroom_id, week_start=week.monday,
                         sections={"label": h.label, **assembled[h.classroom_id]}, built_at=moment)
            for h in todo]).on_conflict(action="DO NOTHING").returning(
            WeeklyDigest.id, WeeklyDigest.teacher, WeeklyDigest.classroom)
        if rows and pointer != "off":
            message_ids = await _point(settings, school_id, week, pointer, rows,
                                       {h.classroom_id: h.label for h in todo})
    if queue is not None:
        await queue.send(message_ids)
    return [row["id"] for row in rows]


async def _point(settings: Settings, school_id: int, week: Week, pointer: str, digests: list[dict],
                 labels: dict[int, str]) -> list[int]:
    """A one-line pointer to each new digest, by the channel the school chose: once per digest (its alert's key
    names the digest). A teacher the channel cannot reach (no app subscription, no mobile number) gets none."""
    teachers = {row["id"]: row for row in await User.select(User.id, User.phone, User.locale).where(
        User.id.is_in([d["teacher"] for d in digests]))}
    subscribed = {row["user"] for row in await PushSubscription.select(PushSubscription.user).where(
        PushSubscription.user.is_in(list(teachers)))} if pointer == Channel.push.value else set()
    specs = []
    for digest in digests:
        teacher = teachers[digest["teacher"]]
        if pointer == Channel.push.value and teacher["id"] in subscribed:
            reach = outbox.Reach(None, teacher["id"], teacher["locale"], Channel.push, f"user:{teacher['id']}")
        elif pointer == Channel.sms.value and teacher["phone"] and is_mobile(teacher["phone"]):
            reach = outbox.Reach(None, teacher["id"], teacher["locale"], Channel.sms, teacher["phone"])
        else:
            continue
        specs.append(outbox.AlertSpec(None, f"digest:{digest['id']}", POINTER_KIND, week.friday,
                                      {"room": labels[digest["classroom"]]}, [reach]))
    return await outbox.create_alerts(settings, await outbox.school_row(school_id), specs)


def due_week(moment: datetime, timezone: str, weekday: int, hour: int) -> Week | None:
    """The week whose digest is due at this moment: this week once its day and hour have passed, else None."""
    local = moment.astimezone(ZoneInfo(timezone))
    week = Week.of(local.date())
    due = datetime.combine(week.monday + timedelta(days=weekday), time(hour), local.tzinfo)
    return week if local >= due else None


async def compile_due(settings: Settings, queue: JobQueue | None = None) -> dict[int, int]:
    """The cron's work: for each school whose digest day and hour have passed this week, the digests not yet
    built; a week the calendar closes all through (a term break) gets none. Returns digests built per school."""
    chosen = {row["school"]: row for row in await BehaviourSettings.select(
        BehaviourSettings.school, BehaviourSettings.digest_weekday, BehaviourSettings.digest_hour,
        BehaviourSettings.digest_pointer)}
    defaults = behaviour.DEFAULTS
    built = {}
    for school in await School.select(School.id, School.timezone).order_by(School.id):
        own = chosen.get(school["id"], {"digest_weekday": defaults.digest_weekday,
                                        "digest_hour": defaults.digest_hour,
                                        "digest_pointer": defaults.digest_pointer})
        week = due_week(now(), school["timezone"], own["digest_weekday"], own["digest_hour"])
        if week is None:
            continue
        calendar = await schools.calendar_between(school["id"], week.monday, week.friday)
        if not calendar.school_days():
            continue
        built[school["id"]] = len(await compile_school(settings, school["id"], week, own["digest_pointer"], queue))
    return built


# Reading ------------------------------------------------------------------------------------------------------------


class DigestError(behaviour.BehaviourError):
    pass


async def list_digests(viewer: Viewer, limit: int = 100) -> list[dict]:
    """The weeks one may read, newest first: one's own homerooms', and those of the classrooms one oversees."""
    if not reads_digests(viewer):
        raise DigestError(N_("Weekly digests are for homeroom teachers and those who oversee their classrooms."),
                          status=403)
    rows = await WeeklyDigest.select(
        WeeklyDigest.id, WeeklyDigest.teacher, WeeklyDigest.classroom, WeeklyDigest.week_start,
        WeeklyDigest.teacher.display_name.as_alias("teacher_name"),
        WeeklyDigest.classroom.room.as_alias("room"), WeeklyDigest.classroom.grade.code.as_alias("grade"),
    ).where((WeeklyDigest.school == viewer.school_id)
            & readable_digests(viewer, WeeklyDigest.teacher, WeeklyDigest.classroom)).order_by(
        WeeklyDigest.week_start, ascending=False).order_by(WeeklyDigest.classroom).limit(limit)
    return [{**row, "label": f"{row['grade']}/{row['room']}", "mine": row["teacher"] == viewer.user_id}
            for row in rows]


async def get_digest(viewer: Viewer, digest_id: int) -> dict:
    found = await WeeklyDigest.select(
        *WeeklyDigest.all_columns(), WeeklyDigest.teacher.display_name.as_alias("teacher_name")).where(
        WeeklyDigest.id == digest_id).output(load_json=True).first()
    if found is None or not can_read_digest(viewer, found):
        raise DigestError(N_("No such weekly digest among those you may read."), status=404)
    week, today = Week(found["week_start"]), clock.today()
    sections = _with_dates(found["sections"])
    waiting = sections.get("visits", {}).get("not_visited", [])
    if waiting and today > week.friday:
        # Who is still to visit is counted as the page is read, as the supervision's figure is: a visit made since
        # the digest was built (on the weekend, say) takes its student off the list.
        visited = await visits.visited_this_school_year(found["school"], [w["student"] for w in waiting],
                                                         week.friday, today)
        sections["visits"]["not_visited"] = [w for w in waiting if w["student"] not in visited]
        for student in sections.get("check_in", []):
            if student["student"] in visited:
                student["reasons"] = [r for r in student["reasons"] if r["why"] != visits.NOT_VISITED]
    return {**found, "week": week, "when": when(week, today), "sections": sections, "today": today}


def when(week: Week, today: date) -> str:
    """How the digest names its week to a reader today: Thai weeks turn on Sunday, so from that Sunday it is last
    week; after that, "that week" (the page shows its dates)."""
    if today < week.monday + timedelta(days=6):
        return N_("this week")
    if today < week.monday + timedelta(days=13):
        return N_("last week")
    return N_("that week")


def _with_dates(sections: dict) -> dict:
    """Days are stored as ISO text (JSON has no dates); the page shows them as dates."""
    for section in sections.values():
        for rows in section.values() if isinstance(section, dict) else ():
            for row in rows if isinstance(rows, list) else ():
                if isinstance(row, dict) and isinstance(row.get("day"), str):
                    row["day"] = date.fromisoformat(row["day"])
    return sections


async def latest_for_home(viewer: Viewer) -> list[dict]:
    """The newest week's digests of one's own homerooms, for the home page card (one query)."""
    if not viewer.classroom_ids:
        return []
    rows = await WeeklyDigest.select(WeeklyDigest.id, WeeklyDigest.week_start, WeeklyDigest.sections).where(
        (WeeklyDigest.teacher == viewer.user_id) & (WeeklyDigest.school == viewer.school_id)).order_by(
        WeeklyDigest.week_start, ascending=False).order_by(WeeklyDigest.classroom).limit(
        len(viewer.classroom_ids)).output(load_json=True)
    newest = rows[0]["week_start"] if rows else None
    return [{**row, "week": Week(row["week_start"])} for row in rows if row["week_start"] == newest]
