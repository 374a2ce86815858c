"""The weekly family summary (issue 13): on Friday evening (18:00 school time; the hourly job catches up until the
weekend ends) each guardian with a child enrolled gets their week, built once per guardian and school week in the
transaction that writes the outbox message carrying it, and skipped when nothing happened (summary.compose decides
what is told). It goes by LINE where the guardian linked theirs and chose it, by push to the app where they have one,
else as one short SMS with no link, through notify's outbox like any message that is not urgent: quiet hours,
retries, and the school's monthly SMS budget (past it, it waits for the admin). The parent reads it in the app too
(/summary, and a card on their home page); the admin sees beforehand what its SMS will cost each month, beside the
budget.

Its facts come from the areas that keep them, through their services (attendance.week_counts,
behaviour.family.family_week, promotion's meetings to come), and notify gives the guardians' choices, what they kept
for the summary and how each can be reached: this area reads no other area's tables. Compiling a school costs the
same few queries however many families it has."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend import clock, db
from backend.accounts.access import (Viewer, can_read_family_summary, readable_family_summaries,
                                     reads_family_summaries)
from backend.attendance import services as attendance
from backend.behaviour import digest
from backend.behaviour import family as behaviour_family
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.notify import budget, choices, outbox, wording
from backend.notify.queue import JobQueue
from backend.notify.segments import sms_segments
from backend.notify.tables import Channel
from backend.promotion import network
from backend.promotion import services as promotion
from backend.schools import services as schools
from backend.schools.calendar import Week
from backend.schools.tables import Classroom, School
from backend.students import enrolment
from backend.students.tables import StudentGuardian
from backend.summary import compose
from backend.summary.compose import Child
from backend.summary.tables import FamilySummary

SUMMARY_WEEKDAY = 4  # Friday (Monday = 0)
SUMMARY_HOUR = 18  # school time: after school, before quiet hours
BATCH = 500  # guardians per transaction: a crash loses at most one batch's work, which the next run does again
HOME_DAYS = 13  # the home page shows the newest summary for two weeks


class SummaryError(Refusal):
    pass


async def families(school_id: int, day: date) -> dict[int, list[Child]]:
    """Each guardian with a child enrolled on this day, and those children in grade, room and class-number order.
    Three queries for the whole school (classrooms, enrolments, guardians)."""
    year = await schools.school_year_now(school_id, day)
    rooms = {row["id"]: f"{row['grade']}/{row['room']}" for row in await Classroom.select(
        Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        (Classroom.school == school_id) & (Classroom.school_year == year.school_year_id)).order_by(
        Classroom.grade.level).order_by(Classroom.room)}
    rosters = await enrolment.rosters(school_id, day, rooms)
    children = {entry.student_id: Child(entry.student_id, entry.name, rooms[classroom_id])
                for classroom_id in rooms for entry in rosters.get(classroom_id, [])}
    order = {student_id: n for n, student_id in enumerate(children)}
    found: dict[int, list[Child]] = {}
    for chunk in db.chunks(list(children), db.WHOLE_SCHOOL):
        for link in await StudentGuardian.select(StudentGuardian.guardian, StudentGuardian.student).where(
                (StudentGuardian.school == school_id) & StudentGuardian.student.is_in(chunk)):
            found.setdefault(link["guardian"], []).append(children[link["student"]])
    for kids in found.values():
        kids.sort(key=lambda child: order[child.student_id])
    return found


# Compiling --------------------------------------------------------------------------------------------------------


@dataclass
class Built:
    built: int = 0  # summaries this run decided (sent or skipped)
    told: int = 0  # of them, those with something to tell
    message_ids: list[int] = field(default_factory=list)


async def compile_school(settings: Settings, school_id: int, week: Week, queue: JobQueue | None = None,
                         batch: int = BATCH) -> Built:
    """Every guardian's summary of this week not built yet. Built once: the unique key on (guardian, week) is
    written in the same transaction as the summary's outbox message and the marking of the items it told, so a
    second run (or a second worker at the same moment) builds and sends nothing again, and a run cut short (a
    crash, the job's timeout) leaves whole batches done, which the next run does not repeat."""
    result = Built()
    found = await families(school_id, week.friday)
    done = {row["guardian"] for row in await FamilySummary.select(FamilySummary.guardian).where(
        (FamilySummary.school == school_id) & (FamilySummary.week_start == week.monday))}
    todo = [guardian for guardian in sorted(found) if guardian not in done]
    if not todo:
        return result
    students = sorted({child.student_id for guardian in todo for child in found[guardian]})
    _, counts = await attendance.week_counts(school_id, students, week)
    records = await behaviour_family.family_week(school_id, students, week)
    meetings = await promotion.upcoming_for(school_id, todo, week.friday)
    for guardian, more in (await network.upcoming_for(school_id, todo, week.friday)).items():
        meetings[guardian] = meetings.get(guardian, []) + more
    items = await choices.summary_items(todo)
    chosen = await choices.choices_of(todo)
    reaches = await _reaches(school_id, todo, chosen)
    school = await outbox.school_row(school_id)
    templates = await wording.school_templates(school_id)
    for group in db.chunks(todo, batch):
        made = {guardian: compose.family_week(found[guardian], counts, records, items.get(guardian, []),
                                              meetings.get(guardian, []), chosen.get(guardian, {}), week.friday)
                for guardian in group}
        moment = now()
        async with db.transaction():
            rows = await FamilySummary.insert(*[
                FamilySummary(school=school_id, guardian=guardian, week_start=week.monday, skipped=not happened,
                              content=content, built_at=moment)
                for guardian, (content, happened) in made.items()]).on_conflict(action="DO NOTHING").returning(
                FamilySummary.guardian)
            new = [row["guardian"] for row in rows]
            specs = []
            for guardian in new:
                content, happened = made[guardian]
                reach = reaches.get(guardian)
                if not happened or reach is None or reach.channel is None:
                    continue  # nothing to tell; or no way to tell it but the app
                values = compose.sms_values(templates, school["short_name"], content, reach.locale, week.monday)
                specs.append(outbox.AlertSpec(None, f"{compose.KIND}:{guardian}:{week.monday}", compose.KIND,
                                              week.friday, values, [reach]))
            message_ids = await outbox.create_alerts(settings, school, specs)
            await choices.mark_summarised([item["id"] for guardian in new for item in items.get(guardian, [])],
                                          moment)
        if queue is not None:
            await queue.send(message_ids)  # after the commit, so that the job finds its message (else the sweep)
        result.built += len(new)
        result.told += sum(1 for guardian in new if made[guardian][1])
        result.message_ids += message_ids
    return result


async def _reaches(school_id: int, guardian_ids: list[int],
                   chosen: dict[int, dict[str, str]]) -> dict[int, outbox.Reach]:
    """How each guardian is told: by LINE where they linked theirs and chose LINE for the school's messages (the
    summary follows them there, at no SMS cost), else by push to the app, else by SMS."""
    reaches = await outbox.reach_guardians(guardian_ids)
    lined = await choices.line_links_of(school_id, [
        guardian for guardian in guardian_ids if choices.Choice.line.value in chosen.get(guardian, {}).values()])
    for guardian, line_user in lined.items():
        if guardian in reaches:
            reaches[guardian] = replace(reaches[guardian], channel=Channel.line, recipient=line_user)
    return reaches


def due_at(week: Week, timezone: str) -> datetime:
    return datetime.combine(week.monday + timedelta(days=SUMMARY_WEEKDAY), time(SUMMARY_HOUR), ZoneInfo(timezone))


async def compile_due(settings: Settings, queue: JobQueue | None = None) -> dict[int, int]:
    """The cron's work: for each school whose Friday evening has come this week, the summaries not yet built; a week
    the calendar closes all through (a term break) gets none. Returns the summaries built per school."""
    built = {}
    for school in await School.select(School.id, School.timezone).order_by(School.id):
        week = digest.due_week(now(), school["timezone"], SUMMARY_WEEKDAY, SUMMARY_HOUR)
        if week is None:
            continue
        calendar = await schools.calendar_between(school["id"], week.monday, week.friday)
        if not calendar.school_days():
            continue
        built[school["id"]] = (await compile_school(settings, school["id"], week, queue)).built
    return built


# Reading (the parent, in the app) -----------------------------------------------------------------------------------


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _shaped(row: dict) -> dict:
    """The week, and the content's days as dates (JSON keeps them as text)."""
    found = {**row, "week": Week(_day(row["week_start"]))}
    if "content" in row:
        content = row["content"]
        for child in content["children"]:
            for key in ("good_deeds", "incidents", "notices"):
                for entry in child.get(key) or []:
                    entry["day"] = _day(entry["day"])
        for meeting in content["meetings"]:
            meeting["day"] = _day(meeting["day"])
    return found


async def my_summaries(viewer: Viewer, limit: int = 20) -> list[dict]:
    """The parent's summaries, newest first (the weeks with something to tell; one query)."""
    if not reads_family_summaries(viewer):
        raise SummaryError(N_("Weekly summaries are for parents, of their own children."), status=403)
    rows = await FamilySummary.select(FamilySummary.id, FamilySummary.week_start).where(
        readable_family_summaries(viewer, FamilySummary.school, FamilySummary.guardian.user)
        & (FamilySummary.skipped == False)).order_by(  # noqa: E712 - a Piccolo column
        FamilySummary.week_start, ascending=False).order_by(FamilySummary.id).limit(limit)
    return [_shaped(row) for row in rows]


async def summary_page(viewer: Viewer, summary_id: int | None = None) -> dict:
    """One week's summary (the newest when none is named) and the weeks there are (two queries)."""
    weeks = await my_summaries(viewer)
    if summary_id is None and weeks:
        summary_id = weeks[0]["id"]
    return {"shown": await get_summary(viewer, summary_id) if summary_id is not None else None, "weeks": weeks}


async def get_summary(viewer: Viewer, summary_id: int) -> dict:
    found = await FamilySummary.select(
        FamilySummary.id, FamilySummary.school, FamilySummary.week_start, FamilySummary.skipped,
        FamilySummary.content, FamilySummary.guardian.user.as_alias("guardian_user")).where(
        FamilySummary.id == summary_id).output(load_json=True).first()
    if found is None or found["skipped"] or not can_read_family_summary(viewer, found):
        raise SummaryError(N_("No such weekly summary of your children."), status=404)
    return _shaped(found)


# On every parent's home page: written out, as Piccolo spends milliseconds of CPU building the joined select. From
# the parent's guardian rows to their summaries by the (guardian, week) index: CROSS JOIN keeps SQLite to that order
# (PostgreSQL plans it as a plain join), since before it has statistics it would read every summary of the school's
# recent weeks instead (4 ms a page for a school of 4,000 guardians). A guardian's summaries are of their school.
LATEST_SQL = (
    "SELECT fs.id, fs.school, fs.week_start, fs.content, gu.\"user\" AS guardian_user "
    "FROM guardian gu CROSS JOIN family_summary fs "
    "WHERE gu.\"user\" = {} AND gu.school = {} AND fs.guardian = gu.id AND NOT fs.skipped AND fs.week_start >= {} "
    "ORDER BY fs.week_start DESC, fs.id LIMIT 2"
)


async def latest_for_home(viewer: Viewer) -> list[dict]:
    """The parent's newest summary for their home page, for two weeks after it was built (one query)."""
    if not reads_family_summaries(viewer):
        return []
    rows = [row for row in await db.fetch(LATEST_SQL, viewer.user_id, viewer.school_id,
                                          clock.today() - timedelta(days=HOME_DAYS))
            if can_read_family_summary(viewer, row)]
    newest = _day(rows[0]["week_start"]) if rows else None
    return [_shaped({**row, "content": json.loads(row["content"]) if isinstance(row["content"], str)
                     else row["content"]}) for row in rows if _day(row["week_start"]) == newest]


# What its SMS will cost (the admin's budget page) -------------------------------------------------------------------


def _fridays(first: date) -> list[date]:
    """The Fridays of the month starting on this day."""
    day = first + timedelta(days=(SUMMARY_WEEKDAY - first.weekday()) % 7)
    found = []
    while day.month == first.month:
        found.append(day)
        day += timedelta(days=7)
    return found


async def sms_forecast(viewer: Viewer) -> budget.Plan:
    """This month's Fridays still to come and next month's, each with a school week: the families reached only by
    SMS as they are today (no app, no LINE chosen), and the parts each one's SMS would take in a busy week (every
    child late, absent, with a good deed and an incident, and a meeting to come). An upper bound: a quiet week sends
    a family nothing."""
    school_id = viewer.school_id
    today = clock.today()
    found = await families(school_id, today)
    reaches = await _reaches(school_id, list(found), await choices.choices_of(list(found)))
    school = await outbox.school_row(school_id)
    templates = await wording.school_templates(school_id)
    week = Week.of(today)
    recipients = parts = most = 0
    for guardian, kids in found.items():
        reach = reaches.get(guardian)
        if reach is None or reach.channel is not Channel.sms:
            continue
        values = compose.sms_values(templates, school["short_name"], compose.busy_week(kids, week.friday),
                                    reach.locale, week.monday)
        body = wording.compose(templates, compose.KIND, reach.locale, {"school": school["short_name"], **values})
        count = sms_segments(body).count
        recipients, parts, most = recipients + 1, parts + count, max(most, count)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    last = (following + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    calendar = await schools.calendar_between(school_id, first - timedelta(days=SUMMARY_WEEKDAY), last)
    moment = now()
    months = []
    for start in (first, following):
        sends = sum(1 for friday in _fridays(start)
                    if calendar.school_days(friday - timedelta(days=SUMMARY_WEEKDAY), friday)
                    and due_at(Week.of(friday), school["timezone"]) > moment)
        months.append(budget.PlannedMonth(start, sends, sends * parts))
    return budget.Plan(compose.KIND, recipients, most, tuple(months))


budget.plan_from(sms_forecast)
