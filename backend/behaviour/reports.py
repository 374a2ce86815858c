"""Behaviour read out: the discipline officer's workspace, a homeroom's week, the good deeds for Monday's flagpole
and the executive's year against last year. Read-only, and each page costs the same few queries in a school of
any size: counts are made by the database (GROUP BY), lists stop at a page's worth and say how many more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from piccolo.query.functions.aggregate import Count, Max

from backend import db
from backend.accounts.access import Viewer, behaviour_rooms, can_see_behaviour_of, sees_school_behaviour
from backend.behaviour.services import categories, school_settings
from backend.behaviour.tables import Incident, IncidentStudent, Kind, PointsEntry, Sanction
from backend.clock import SCHOOL_TIME, now, today
from backend.schools import services as schools
from backend.schools.tables import SchoolYear
from backend.schoolyear import BE_OFFSET

SHOWN = 30  # names on one page; the count says how many more (a page stays under 14 KB on a phone)
REPEAT_COUNT = 3  # incidents within REPEAT_DAYS that make a pattern worth a talk
REPEAT_DAYS = 30
RISING_AT_LEAST = 3  # a category "rising" from 1 to 2 is noise, not a pattern

_NAMES = (IncidentStudent.student.title.as_alias("title"), IncidentStudent.student.first_name.as_alias("first_name"),
          IncidentStudent.student.last_name.as_alias("last_name"), IncidentStudent.classroom.room.as_alias("room"),
          IncidentStudent.classroom.grade.code.as_alias("grade"))
_RECORD = (IncidentStudent.incident.as_alias("incident"), IncidentStudent.incident.kind.as_alias("kind"),
           IncidentStudent.incident.happened_at.as_alias("happened_at"),
           IncidentStudent.incident.sanction.as_alias("sanction"),
           IncidentStudent.incident.category.name.as_alias("category_name"),
           IncidentStudent.incident.category.serious.as_alias("serious"))


def week_start(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def school_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SCHOOL_TIME)


def _label(row: dict) -> str:
    return f"{row['grade']}/{row['room']}" if row.get("grade") else ""


def _by_record(lines: list[dict], limit: int) -> list[dict]:
    """Lines (a student in a record), newest first, gathered into records naming their students."""
    records: dict[int, dict] = {}
    for line in lines:
        record = records.get(line["incident"])
        if record is None:
            if len(records) == limit:
                continue
            record = records[line["incident"]] = {
                key: line[key] for key in ("incident", "kind", "happened_at", "sanction", "category_name",
                                           "serious")} | {"students": []}
        record["students"].append({**line, "label": _label(line)})
    return list(records.values())


async def recorded_by_me(viewer: Viewer, limit: int = 20) -> list[dict]:
    """What this teacher recorded lately, newest first by when it happened (a record made late for last week comes
    after this week's), each naming its students: what a subject teacher comes back to. Two queries."""
    recent = await Incident.select(Incident.id, Incident.voided_at).where(
        (Incident.recorded_by == viewer.user_id) & (Incident.school == viewer.school_id)).order_by(
        Incident.happened_at, ascending=False).order_by(Incident.id, ascending=False).limit(limit)
    if not recent:
        return []
    lines = await IncidentStudent.select(*_RECORD, *_NAMES).where(
        db.among(IncidentStudent.incident, [row["id"] for row in recent])).order_by(IncidentStudent.id)
    records = {record["incident"]: record for record in _by_record(lines, limit)}
    return [{**records[row["id"]], "voided_at": row["voided_at"]} for row in recent if row["id"] in records]


@dataclass(frozen=True)
class Listed:
    """Some of a list, and how many there are in all."""

    rows: list[dict]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


async def below_threshold(school_id: int, school_year_id: int, threshold: int, rooms=None) -> list[dict]:
    """Students (still at the school) whose balance is below the threshold, lowest first: one query, over the last
    ledger line of each student. `rooms`: only these classrooms' students."""
    where = (PointsEntry.school == school_id) & (PointsEntry.school_year == school_year_id) & (
        PointsEntry.student.left_on.is_null())
    if rooms is not None:
        where &= PointsEntry.student.classroom.is_in(list(rooms) or [-1])
    last = PointsEntry.select(Max(PointsEntry.id)).where(where).group_by(PointsEntry.student)
    found = await PointsEntry.select(
        PointsEntry.student, PointsEntry.balance_after.as_alias("balance"),
        PointsEntry.student.school.as_alias("school"), PointsEntry.student.classroom.as_alias("classroom"),
        PointsEntry.student.title.as_alias("title"), PointsEntry.student.first_name.as_alias("first_name"),
        PointsEntry.student.last_name.as_alias("last_name"), PointsEntry.student.classroom.room.as_alias("room"),
        PointsEntry.student.classroom.grade.code.as_alias("grade"),
    ).where(PointsEntry.id.is_in(last) & (PointsEntry.balance_after < threshold))
    found.sort(key=lambda row: (row["balance"], row["grade"] or "", row["room"] or 0, row["first_name"]))
    return [{**row, "id": row["student"], "label": _label(row)} for row in found]


async def probations_awaiting(viewer: Viewer) -> list[dict]:
    """Written probations this school year whose guardian has not acknowledged them yet, oldest first: the whole
    school's for the discipline officer and executives, their classrooms' for homeroom teachers and grade heads."""
    year = await schools.school_year_now(viewer.school_id, today())
    # The year's probations first (few, found by their index), then who among them waits.
    probations = Incident.select(Incident.id).where(
        (Incident.school == viewer.school_id) & (Incident.school_year == year.school_year_id)
        & (Incident.sanction == Sanction.probation.value) & Incident.voided_at.is_null())
    where = IncidentStudent.incident.is_in(probations) & IncidentStudent.acknowledged_at.is_null()
    if not sees_school_behaviour(viewer):
        where &= IncidentStudent.classroom.is_in(list(behaviour_rooms(viewer)) or [-1])
    rows = await IncidentStudent.select(IncidentStudent.id, IncidentStudent.student, *_RECORD, *_NAMES).where(
        where).order_by(IncidentStudent.incident.happened_at)
    return [{**row, "label": _label(row)} for row in rows]


async def _per_kind(school_id: int, since: datetime) -> dict[str, int]:
    """Records (incidents, good deeds) since then, not void."""
    rows = await Incident.select(Incident.kind, Count(Incident.id).as_alias("n")).where(
        (Incident.school == school_id) & Incident.voided_at.is_null() & (Incident.happened_at >= since)).group_by(
        Incident.kind)
    return {row["kind"]: row["n"] for row in rows}


def _listed(rows: list[dict]) -> Listed:
    return Listed(rows[:SHOWN], len(rows))


async def _lines(where, limit: int) -> list[dict]:
    return await IncidentStudent.select(IncidentStudent.student, IncidentStudent.points, *_RECORD, *_NAMES).where(
        where & IncidentStudent.incident.voided_at.is_null()).order_by(
        IncidentStudent.incident.happened_at, ascending=False).order_by(IncidentStudent.id).limit(limit)


async def _repeaters(school_id: int, since: datetime) -> list[dict]:
    """Students with REPEAT_COUNT or more incidents since then, most first."""
    student = IncidentStudent.student
    names = (student.title, student.first_name, student.last_name, student.classroom.room, student.classroom.grade.code)
    counts = await IncidentStudent.select(
        student, *[column.as_alias(alias) for column, alias in zip(names, ("title", "first_name", "last_name", "room",
                                                                            "grade"), strict=True)],
        Count(IncidentStudent.id).as_alias("n")).where(
        (IncidentStudent.incident.school == school_id) & (IncidentStudent.incident.kind == Kind.incident.value)
        & IncidentStudent.incident.voided_at.is_null() & (IncidentStudent.incident.happened_at >= since)).group_by(
        student, *names)
    return sorted(({**row, "label": _label(row)} for row in counts if row["n"] >= REPEAT_COUNT),
                  key=lambda row: (-row["n"], row["first_name"]))


async def _per_category(school_id: int, since: datetime, until: datetime | None = None) -> dict[int, int]:
    where = ((Incident.school == school_id) & (Incident.kind == Kind.incident.value) & Incident.voided_at.is_null()
             & (Incident.happened_at >= since))
    if until is not None:
        where &= Incident.happened_at < until
    rows = await Incident.select(Incident.category, Count(Incident.id).as_alias("n")).where(where).group_by(
        Incident.category)
    return {row["category"]: row["n"] for row in rows}


async def workspace(viewer: Viewer) -> dict:
    """The discipline officer's front page: this week's records (today's first), students below the threshold,
    probations awaiting the guardian, and repeat patterns (students, and categories rising)."""
    year = await schools.school_year_now(viewer.school_id, today())
    settings = await school_settings(viewer.school_id)
    monday = school_midnight(week_start(today()))
    midnight = school_midnight(today())
    in_school = IncidentStudent.incident.school == viewer.school_id
    week = _by_record(await _lines(in_school & (IncidentStudent.incident.happened_at >= monday), 4 * SHOWN), SHOWN)
    week_counts, today_counts = await _per_kind(viewer.school_id, monday), await _per_kind(viewer.school_id, midnight)
    month_ago, two_months_ago = now() - timedelta(days=REPEAT_DAYS), now() - timedelta(days=2 * REPEAT_DAYS)
    recent = await _per_category(viewer.school_id, month_ago)
    before = await _per_category(viewer.school_id, two_months_ago, month_ago)
    names = {c["id"]: c["name"] for c in await categories(viewer.school_id, Kind.incident, with_retired=True)}
    rising = sorted(({"name": names.get(cid, "?"), "now": n, "before": before.get(cid, 0)}
                     for cid, n in recent.items() if n >= RISING_AT_LEAST and n > before.get(cid, 0)),
                    key=lambda row: row["before"] - row["now"])
    return {
        "today": [r for r in week if r["happened_at"] >= midnight],
        "week": [r for r in week if r["happened_at"] < midnight],
        "counts": {"today_incidents": today_counts.get(Kind.incident.value, 0),
                   "today_good": today_counts.get(Kind.good_deed.value, 0),
                   "week_incidents": week_counts.get(Kind.incident.value, 0),
                   "week_good": week_counts.get(Kind.good_deed.value, 0)},
        "below": _listed(await below_threshold(viewer.school_id, year.school_year_id, settings.threshold)),
        "threshold": settings.threshold,
        "probations": _listed(await probations_awaiting(viewer)),
        "repeaters": _listed(await _repeaters(viewer.school_id, month_ago)),
        "rising": rising, "repeat_count": REPEAT_COUNT, "repeat_days": REPEAT_DAYS,
    }


async def homeroom_week(viewer: Viewer) -> dict:
    """A homeroom teacher's or grade head's front page: their classrooms' records this week, and their students
    below the threshold and with probations awaiting the guardian."""
    rooms = behaviour_rooms(viewer)
    year = await schools.school_year_now(viewer.school_id, today())
    settings = await school_settings(viewer.school_id)
    monday = school_midnight(week_start(today()))
    lines = await _lines(IncidentStudent.classroom.is_in(list(rooms) or [-1])
                         & (IncidentStudent.incident.school == viewer.school_id)
                         & (IncidentStudent.incident.happened_at >= monday), 4 * SHOWN)
    return {
        "incidents": _by_record([line for line in lines if line["kind"] == Kind.incident.value], SHOWN),
        "good_deeds": _by_record([line for line in lines if line["kind"] == Kind.good_deed.value], SHOWN),
        "below": _listed(await below_threshold(viewer.school_id, year.school_year_id, settings.threshold, rooms)),
        "threshold": settings.threshold,
        "probations": _listed(await probations_awaiting(viewer)),
    }


async def good_deeds(viewer: Viewer, week_text: str = "") -> dict:
    """A week's good deeds, by class, for the Monday flagpole assembly. The week holds the given day (any day of
    it); by default last week on a Monday (the assembly announces it) and this week on other days."""
    day = None
    try:
        day = date.fromisoformat(week_text[:10]) if week_text else None
    except ValueError:
        day = None
    if day is None:
        day = today() - timedelta(days=1) if today().weekday() == 0 else today()
    monday = week_start(day)
    lines = await IncidentStudent.select(
        IncidentStudent.student, IncidentStudent.points, *_RECORD, *_NAMES,
        IncidentStudent.incident.description.as_alias("description")).where(
        (IncidentStudent.incident.school == viewer.school_id) & (IncidentStudent.incident.kind == Kind.good_deed.value)
        & IncidentStudent.incident.voided_at.is_null()
        & (IncidentStudent.incident.happened_at >= school_midnight(monday))
        & (IncidentStudent.incident.happened_at < school_midnight(monday + timedelta(days=7)))).order_by(
        IncidentStudent.incident.happened_at)
    rows = sorted(({**line, "label": _label(line)} for line in lines),
                  key=lambda r: (schools.grade_level(r["grade"]) if r["grade"] else 99, r["room"] or 0,
                                 r["first_name"]))
    return {"monday": monday, "sunday": monday + timedelta(days=6), "rows": rows,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7) if monday + timedelta(days=7) <= today() else None}


# Risk behaviours (พฤติกรรมเสี่ยง): incidents of the school's serious categories (smoking, alcohol, drugs, fighting,
# bullying, gambling, theft, sexual behaviour by default), not voided. What the school supervises and sets targets on
# (supervision.figures); lateness and uniform are not among them.


def _risk_incidents():
    return ((Incident.kind == Kind.incident.value) & Incident.voided_at.is_null()
            & (Incident.category.serious == True))  # noqa: E712 - a Piccolo column


async def risk_incidents_between(school_id: int, first: datetime, before: datetime) -> int:
    """Risk incidents that happened from `first` up to (not including) `before`: one query."""
    return (await risk_incidents_of({school_id: (first, before)}))[school_id]


async def risk_incidents_of(stretches: dict[int, tuple[datetime, datetime]]) -> dict[int, int]:
    """Risk incidents of several schools, each over its own stretch (first, before): one query however many."""
    if not stretches:
        return {}
    rows = await Incident.select(Incident.school, Count(Incident.id).as_alias("n")).where(
        _risk_incidents() & db.either((Incident.school == school_id) & (Incident.happened_at >= first)
                                      & (Incident.happened_at < before)
                                      for school_id, (first, before) in stretches.items())).group_by(Incident.school)
    counted = {row["school"]: row["n"] for row in rows}
    return {school_id: counted.get(school_id, 0) for school_id in stretches}


async def risk_incidents_by_month(school_id: int, year_ids: list[int]) -> dict[tuple[int, str], int]:
    """Risk incidents per school year and month ("YYYY-MM", school time): one GROUP BY, whatever their number."""
    rows = await Incident.select(Incident.school_year, db.school_month(Incident.happened_at, "month"),
                                 Count(Incident.id).as_alias("n")).where(
        (Incident.school == school_id) & Incident.school_year.is_in(list(year_ids) or [-1]) & _risk_incidents()
    ).group_by(Incident.school_year, db.school_month(Incident.happened_at))
    return {(row["school_year"], row["month"]): row["n"] for row in rows}


async def by_category_between(school_id: int, stretch: tuple[datetime, datetime],
                              last: tuple[datetime, datetime] | None) -> list[dict]:
    """Incidents per category over a stretch of time (from, before) and over the same stretch a year before, for a
    term's report: name, serious, this, last (None with no stretch a year before); the risk behaviours first, then
    the most this term. The risk behaviours' `this` add up to risk_incidents_between over the same stretch."""
    this_counts = await _per_category(school_id, *stretch)
    last_counts = await _per_category(school_id, *last) if last else {}
    known = await categories(school_id, Kind.incident, with_retired=True)
    rows = [{"name": c["name"], "serious": c["serious"], "this": this_counts.get(c["id"], 0),
             "last": last_counts.get(c["id"], 0) if last else None}
            for c in known if c["id"] in this_counts or c["id"] in last_counts]
    return sorted(rows, key=lambda row: (not row["serious"], -row["this"], -(row["last"] or 0)))


def school_year_months(year_be: int) -> list[str]:
    """The months of a school year as "YYYY-MM", May to April."""
    start = year_be - BE_OFFSET
    return [f"{start + (month < 5)}-{month:02d}" for month in (*range(5, 13), *range(1, 5))]


async def school_year(viewer: Viewer) -> dict:
    """The executive's page: incidents per month and per category, this school year against last, good deeds per
    month, and students below the threshold. One GROUP BY over both years' records (school year, month in school
    time, category, kind), so a year of 20,000 records costs what a week of them does."""
    year = await schools.school_year_now(viewer.school_id, today())
    last = await SchoolYear.select(SchoolYear.id).where(
        (SchoolYear.school == viewer.school_id) & (SchoolYear.year_be == year.year_be - 1)).first()
    years = {year.school_year_id: "this"} | ({last["id"]: "last"} if last else {})
    rows = await Incident.select(Incident.school_year, db.school_month(Incident.happened_at, "month"),
                                 Incident.category, Incident.kind, Count(Incident.id).as_alias("n")).where(
        (Incident.school == viewer.school_id) & Incident.school_year.is_in(list(years))
        & Incident.voided_at.is_null()).group_by(
        Incident.school_year, db.school_month(Incident.happened_at), Incident.category, Incident.kind)
    this_months, last_months = school_year_months(year.year_be), school_year_months(year.year_be - 1)
    current = today().strftime("%Y-%m")
    so_far = this_months.index(current) + 1 if current in this_months else 12
    months = [{"month": m, "index": i, "incidents": 0, "last": 0, "good": 0, "last_good": 0, "future": i >= so_far}
              for i, m in enumerate(this_months)]
    position = {m: i for i, m in enumerate(this_months)} | {m: i for i, m in enumerate(last_months)}
    per_category: dict[int, dict] = {}
    for row in rows:
        which, index = years[row["school_year"]], position.get(row["month"])
        if index is None:
            continue  # recorded outside its school year's months (an edited calendar): not in a month column
        slot = months[index]
        if row["kind"] == Kind.good_deed.value:
            slot["good" if which == "this" else "last_good"] += row["n"]
            continue
        slot["incidents" if which == "this" else "last"] += row["n"]
        counts = per_category.setdefault(row["category"], {"this": 0, "last_so_far": 0, "last": 0})
        if which == "this":
            counts["this"] += row["n"]
        else:
            counts["last"] += row["n"]
            counts["last_so_far"] += row["n"] if index < so_far else 0
    known = await categories(viewer.school_id, Kind.incident, with_retired=True)
    by_category = [{"name": c["name"], "serious": c["serious"], **per_category[c["id"]]}
                   for c in known if c["id"] in per_category]
    by_category.sort(key=lambda row: (not row["serious"], -row["this"], -row["last"]))
    settings = await school_settings(viewer.school_id)
    below = await below_threshold(viewer.school_id, year.school_year_id, settings.threshold)
    return {
        "months": months, "by_category": by_category, "so_far": so_far, "year_be": year.year_be,
        "has_last": last is not None, "threshold": settings.threshold,
        "totals": {key: sum(m[key] for m in months) for key in ("incidents", "last", "good", "last_good")},
        "last_so_far": sum(m["last"] for m in months[:so_far]),
        "below_count": len(below),
        "below": _listed([row for row in below if can_see_behaviour_of(viewer, row)]),
    }
