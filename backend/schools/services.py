"""Creating a school with its grades, finding its school year and term for a day, and its calendar: the
closed days of a span in one query, and the admin's holidays and closures."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from datetime import date, timedelta

from backend import db, schoolyear
from backend.i18n import N_, Refusal, format_date
from backend.schools.calendar import Calendar, DayKind, DayOff, fixed_holidays
from backend.schools.tables import CalendarDay, Classroom, Grade, School, SchoolYear, Term
from backend import clock

SECONDARY_GRADES = ["ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"]
PRIMARY_GRADES = ["ป.1", "ป.2", "ป.3", "ป.4", "ป.5", "ป.6"]


def grade_level(code: str) -> int:
    """Sort order across the whole system: ป.1–ป.6 are 1–6, ม.1–ม.6 are 7–12."""
    prefix, number = code.split(".")
    return int(number) + (6 if prefix == "ม" else 0)


async def create_school(code: str, name: str, short_name: str, grades: list[str]) -> int:
    async with db.transaction():
        school = await School.insert(
            School(code=code, name=name, short_name=short_name, created_at=clock.now())
        ).returning(School.id)
        school_id = school[0]["id"]
        await Grade.insert(*[Grade(school=school_id, code=g, level=grade_level(g)) for g in grades])
    return school_id


@dataclass(frozen=True)
class SchoolYearNow:
    school_year_id: int
    year_be: int
    term_number: int | None
    term_dates: tuple[date, date] | None = None  # the first and last day of that term


async def ensure_school_year(school_id: int, year_be: int) -> int:
    """The school year row (with its two terms at the usual dates), made on first use."""
    found = await SchoolYear.select(SchoolYear.id).where(
        (SchoolYear.school == school_id) & (SchoolYear.year_be == year_be)
    ).first()
    if found:
        return found["id"]
    starts_on, ends_on = schoolyear.default_year_dates(year_be)
    try:
        async with db.transaction():
            row = await SchoolYear.insert(
                SchoolYear(school=school_id, year_be=year_be, starts_on=starts_on, ends_on=ends_on)
            ).returning(SchoolYear.id)
            year_id = row[0]["id"]
            await Term.insert(
                *[
                    Term(school=school_id, school_year=year_id, number=t.number,
                         starts_on=t.starts_on, ends_on=t.ends_on)
                    for t in schoolyear.default_terms(year_be)
                ]
            )
            moment = clock.now()
            await CalendarDay.insert(*[
                CalendarDay(school=school_id, starts_on=off.starts_on, ends_on=off.ends_on, kind=off.kind.value,
                            name=off.name, created_at=moment)
                for off in fixed_holidays(starts_on, ends_on)
            ])
        return year_id
    except db.UNIQUE_VIOLATIONS:  # made by a concurrent first use
        return await ensure_school_year(school_id, year_be)


# Every request needs the current school year and term, and they change a few times a year at most:
# remember them for a few minutes per process rather than asking the database each time.
_YEAR_CACHE: dict[tuple[int, date], tuple[float, SchoolYearNow]] = {}
YEAR_CACHE_SECONDS = 300


async def school_year_now(school_id: int, today: date) -> SchoolYearNow:
    return (await school_years_now([school_id], today))[school_id]


async def school_years_now(school_ids, today: date) -> dict[int, SchoolYearNow]:
    """Each school's current school year and term (an area supervisor's schools): two queries for those not
    remembered, however many."""
    found: dict[int, SchoolYearNow] = {}
    for school_id in school_ids:
        cached = _YEAR_CACHE.get((school_id, today))
        if cached and time.monotonic() - cached[0] < YEAR_CACHE_SECONDS:
            found[school_id] = cached[1]
    missing = [school_id for school_id in school_ids if school_id not in found]
    if missing:
        for school_id, year in (await _school_years_now(missing, today)).items():
            _YEAR_CACHE[(school_id, today)] = (time.monotonic(), year)
            found[school_id] = year
    return found


def forget_school_years() -> None:
    """After term dates change, and between tests whose databases reuse ids."""
    _YEAR_CACHE.clear()


async def _school_years_now(school_ids: list[int], today: date) -> dict[int, SchoolYearNow]:
    year_be = schoolyear.school_year_of(today)
    year_ids = {row["school"]: row["id"] for row in await SchoolYear.select(SchoolYear.school, SchoolYear.id).where(
        SchoolYear.school.is_in(school_ids) & (SchoolYear.year_be == year_be))}
    for school_id in school_ids:
        if school_id not in year_ids:  # the first use of a new school year: made once
            year_ids[school_id] = await ensure_school_year(school_id, year_be)
    terms: dict[int, list] = {year_id: [] for year_id in year_ids.values()}
    for row in await Term.select(Term.school_year, Term.number, Term.starts_on, Term.ends_on).where(
            Term.school_year.is_in(list(terms))):
        terms[row.pop("school_year")].append(schoolyear.TermDates(**row))
    found = {}
    for school_id, year_id in year_ids.items():
        term = schoolyear.term_on(today, terms[year_id])
        found[school_id] = SchoolYearNow(year_id, year_be, term.number if term else None,
                                         (term.starts_on, term.ends_on) if term else None)
    return found


async def classroom(classroom_id: int) -> dict | None:
    """A classroom with its school and label ("ม.1/1"); the caller decides who may see it."""
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    return {**room, "label": f"{room['grade']}/{room['room']}"} if room else None


async def classroom_ids(school_id: int) -> list[int]:
    """This school's classrooms in use, of every school year (students are listed by who is enrolled today)."""
    return [row["id"] for row in await Classroom.select(Classroom.id).where(
        (Classroom.school == school_id) & (Classroom.active == True))]  # noqa: E712 - a Piccolo column


async def term_dates(school_year_id: int, number: int) -> tuple[date, date] | None:
    """A term's first and last day."""
    row = await Term.select(Term.starts_on, Term.ends_on).where(
        (Term.school_year == school_year_id) & (Term.number == number)).first()
    return (_day(row["starts_on"]), _day(row["ends_on"])) if row else None


@dataclass(frozen=True)
class SchoolTerm:
    """One term of a school year, as pages and reports name it: "2569-2" in addresses, its dates, and its year's
    first day (home visits count from it)."""

    school_year_id: int
    year_be: int
    number: int
    starts_on: date
    ends_on: date
    year_starts_on: date

    @property
    def key(self) -> str:
        return f"{self.year_be}-{self.number}"

    def begun(self, today: date) -> bool:
        return self.starts_on <= today

    def as_of(self, today: date) -> date:
        """The day its figures stand at: today in a term under way, its last day once it is over."""
        return min(self.ends_on, today)

    def moment(self, today: date) -> datetime.datetime:
        """The end of that day in school time (what was written by then counts)."""
        return datetime.datetime.combine(self.as_of(today), datetime.time.max, clock.SCHOOL_TIME)

    def began_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.starts_on, datetime.time.min, clock.SCHOOL_TIME)


async def school_terms(school_id: int) -> list[SchoolTerm]:
    """Every term of the school's years known here, newest first (one query)."""
    return (await terms_of([school_id]))[school_id]


async def terms_of(school_ids) -> dict[int, list[SchoolTerm]]:
    """Each school's terms, newest first: one query however many schools."""
    rows = await Term.select(Term.school, Term.school_year, Term.number, Term.starts_on, Term.ends_on,
                             Term.school_year.year_be.as_alias("year_be"),
                             Term.school_year.starts_on.as_alias("year_starts_on")).where(
        Term.school.is_in(list(school_ids) or [-1]))
    found: dict[int, list[SchoolTerm]] = {school_id: [] for school_id in school_ids}
    for row in rows:
        found.setdefault(row["school"], []).append(SchoolTerm(
            row["school_year"], row["year_be"], row["number"], _day(row["starts_on"]), _day(row["ends_on"]),
            _day(row["year_starts_on"])))
    return {school_id: sorted(terms, key=lambda t: (t.year_be, t.number), reverse=True)
            for school_id, terms in found.items()}


async def names(school_ids) -> list[dict]:
    """Schools' id, code, name and short name, by name (an area supervisor's list)."""
    return await School.select(School.id, School.code, School.name, School.short_name).where(
        School.id.is_in(list(school_ids) or [-1])).order_by(School.name)


async def list_grades(school_id: int) -> dict[str, int]:
    rows = await Grade.select(Grade.id, Grade.code).where(Grade.school == school_id).order_by(Grade.level)
    return {row["code"]: row["id"] for row in rows}


# The calendar ------------------------------------------------------------------------------------------------------
# These take the school's id, not a Viewer: accounts.access imports this module, and the route's guard
# (Permission.manage_school) is who may change them.


class CalendarError(Refusal):
    pass


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def calendar_between(school_id: int, first: date, last: date) -> Calendar:
    """The school's calendar from one day to another, in one query whatever the span."""
    return (await calendars_between({school_id: (first, last)}))[school_id]


async def calendars_between(spans: dict[int, tuple[date, date]]) -> dict[int, Calendar]:
    """Each school's calendar over its span (first, last): one query however many schools."""
    if not spans:
        return {}
    rows = await CalendarDay.select(CalendarDay.school, CalendarDay.starts_on, CalendarDay.ends_on, CalendarDay.kind,
                                    CalendarDay.name).where(db.either(
        (CalendarDay.school == school_id) & (CalendarDay.starts_on <= last) & (CalendarDay.ends_on >= first)
        for school_id, (first, last) in spans.items()))
    found = {school_id: [] for school_id in spans}
    for row in rows:
        found[row.pop("school")].append(row)
    return {school_id: Calendar(first, last, _days_off(found[school_id])) for school_id, (first, last) in spans.items()}


def _days_off(rows: list[dict]) -> tuple[DayOff, ...]:
    return tuple(DayOff(_day(r["starts_on"]), _day(r["ends_on"]), DayKind(r["kind"]), r["name"]) for r in rows)


async def first_school_day(school_id: int, day: date) -> date:
    """That day if the school opens then, else the next day it opens (a due date that falls on a Sunday or a
    holiday moves to the next school day); the day itself when nothing opens in the two months after it. One query."""
    days = (await calendar_between(school_id, day, day + timedelta(days=62))).school_days()
    return days[0] if days else day


# On every parent's home page (is there school today?): written out, as a Piccolo select costs a millisecond of CPU.
DAY_SQL = ("SELECT starts_on, ends_on, kind, name FROM calendar_day "
           "WHERE school = {} AND starts_on <= {} AND ends_on >= {}")


async def closed_on(school_id: int, day: date) -> DayOff | None:
    """Why the school is closed that day (a weekend, a holiday, a closure), or None when it opens."""
    rows = await db.fetch(DAY_SQL, school_id, day, day)
    return Calendar(day, day, _days_off(rows)).closed_because(day)


async def calendar_of_year(school_id: int, year_be: int) -> dict:
    """The admin's page: the year's holidays, closures and make-up days, and the school days of each term."""
    year_id = await ensure_school_year(school_id, year_be)
    year = await SchoolYear.select(SchoolYear.starts_on, SchoolYear.ends_on).where(SchoolYear.id == year_id).first()
    first, last = _day(year["starts_on"]), _day(year["ends_on"])
    rows = await CalendarDay.select(CalendarDay.id, CalendarDay.starts_on, CalendarDay.ends_on, CalendarDay.kind,
                                    CalendarDay.name).where(
        (CalendarDay.school == school_id) & (CalendarDay.starts_on <= last) & (CalendarDay.ends_on >= first)
    ).order_by(CalendarDay.starts_on)
    days = [{**r, "starts_on": _day(r["starts_on"]), "ends_on": _day(r["ends_on"]), "kind": DayKind(r["kind"])}
            for r in rows]
    calendar = Calendar(first, last, tuple(DayOff(d["starts_on"], d["ends_on"], d["kind"], d["name"]) for d in days))
    terms = await Term.select(Term.number, Term.starts_on, Term.ends_on).where(
        Term.school_year == year_id).order_by(Term.number)
    return {"year_be": year_be, "first": first, "last": last, "days": days,
            "terms": [{"number": t["number"], "starts_on": _day(t["starts_on"]), "ends_on": _day(t["ends_on"]),
                       "school_days": len(calendar.school_days(_day(t["starts_on"]), _day(t["ends_on"])))}
                      for t in terms]}


LONGEST_CLOSURE_DAYS = 200  # a term break is about a month; longer is surely a typing slip


async def add_calendar_day(school_id: int, kind: str, name: str, starts_on: str, ends_on: str = "") -> int:
    """A holiday, a closure (a day or a range) or a make-up school day, named."""
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = N_("Give the day a name, e.g. Visakha Bucha or sports day.")
    elif len(name) > 100:
        errors["name"] = N_("The name is too long (100 characters at most).")
    if kind not in (DayKind.holiday.value, DayKind.closure.value, DayKind.school_day.value):
        errors["kind"] = N_("Choose holiday, school closed or make-up school day.")
    first = schoolyear.typed_date(starts_on)
    last = schoolyear.typed_date(ends_on) if (ends_on or "").strip() else first
    if first is None:
        errors["starts_on"] = N_("Write the date as day/month/year, e.g. 11/05/2570.")
    if (ends_on or "").strip() and last is None:
        errors["ends_on"] = N_("Write the date as day/month/year, e.g. 11/05/2570.")
    elif first and last and last < first:
        errors["ends_on"] = N_("The last day comes before the first.")
    elif first and last and (last - first).days >= LONGEST_CLOSURE_DAYS:
        errors["ends_on"] = N_("That is more than %(days)s days. Check the dates.")
    if errors:
        raise CalendarError(N_("The day was not added: see what to fix below."), errors=errors,
                            days=LONGEST_CLOSURE_DAYS)
    for other in await CalendarDay.select(CalendarDay.kind, CalendarDay.name, CalendarDay.starts_on).where(
            (CalendarDay.school == school_id) & (CalendarDay.starts_on <= last) & (CalendarDay.ends_on >= first)):
        # A make-up school day and a closure on one day contradict each other: say which stands, never guess.
        opens = DayKind.school_day.value
        if (kind == opens) != (other["kind"] == opens):
            raise CalendarError(N_("%(day)s is already in the calendar as %(name)s. Take it out first if the school "
                                   "now opens or closes that day instead."), errors={"starts_on": N_("See above.")},
                                day=format_date(other["starts_on"]), name=other["name"])
        if other["kind"] == kind and other["name"] == name:
            raise CalendarError(N_("%(name)s is already in the calendar."), name=name)
    row = await CalendarDay.insert(CalendarDay(school=school_id, starts_on=first, ends_on=last, kind=kind, name=name,
                                               created_at=clock.now())).returning(CalendarDay.id)
    return row[0]["id"]


async def remove_calendar_day(school_id: int, day_id: int | None) -> dict:
    """Take a day out of the calendar (a holiday the Cabinet moved, a closure called off). Returns what it was."""
    if day_id is None:
        raise CalendarError(N_("Choose the day to take out of the calendar."))
    found = await CalendarDay.select(CalendarDay.name, CalendarDay.starts_on).where(
        (CalendarDay.id == day_id) & (CalendarDay.school == school_id)).first()
    if found is None:
        raise CalendarError(N_("No such day in this school's calendar."), status=404)
    await CalendarDay.delete().where((CalendarDay.id == day_id) & (CalendarDay.school == school_id))
    return {**found, "starts_on": _day(found["starts_on"])}


DEFAULT_LEAVE_CUTOFF = datetime.time(8, 30)


async def leave_cutoff(school_id: int) -> datetime.time:
    """Until when (school time) a parent may ask in the app for leave for the same day: the school's setting, or
    08:30 where it is missing or mistyped."""
    row = await School.select(School.leave_cutoff).where(School.id == school_id).first()
    try:
        return datetime.time.fromisoformat(row["leave_cutoff"]) if row else DEFAULT_LEAVE_CUTOFF
    except ValueError:
        return DEFAULT_LEAVE_CUTOFF


EARLIEST_CUTOFF, LATEST_CUTOFF = datetime.time(6, 0), datetime.time(12, 0)


async def set_leave_cutoff(school_id: int, text: str) -> datetime.time:
    """The admin sets until when parents may ask in the app for leave for the same day (HH:MM, a morning time)."""
    text = (text or "").strip().replace(".", ":")[:5]
    try:
        cutoff = datetime.time.fromisoformat(text if len(text) == 5 else text.zfill(5))
    except ValueError:
        cutoff = None
    if cutoff is None or not EARLIEST_CUTOFF <= cutoff <= LATEST_CUTOFF:
        raise CalendarError(N_("Enter a morning time between 06:00 and 12:00, such as 08:30."),
                            errors={"leave_cutoff": N_("Enter a time such as 08:30.")})
    await School.update({School.leave_cutoff: f"{cutoff:%H:%M}"}).where(School.id == school_id)
    return cutoff


MAX_ADDRESS, MAX_PHONE = 300, 60


async def contact(school_id: int) -> dict:
    return await School.select(School.address, School.phone).where(School.id == school_id).first()


async def set_contact(school_id: int, address: str, phone: str) -> None:
    """The school's address and phone as its letters print them: typed as the school writes them (a phone may
    carry an extension), refused when too long rather than cut."""
    address = " ".join(str(address or "").replace("\x00", "").split())
    phone = " ".join(str(phone or "").replace("\x00", "").split())
    errors = {}
    if len(address) > MAX_ADDRESS:
        errors["address"] = N_("Keep the address under 300 characters.")
    if len(phone) > MAX_PHONE:
        errors["phone"] = N_("Keep the phone under 60 characters.")
    if errors:
        raise CalendarError(N_("Some fields need fixing."), errors=errors)
    await School.update({School.address: address, School.phone: phone}).where(School.id == school_id)
