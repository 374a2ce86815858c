"""Creating a school with its grades, and finding its school year and term for a day."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from backend import db, schoolyear
from backend.schools.tables import Grade, School, SchoolYear, Term
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
        return year_id
    except db.UNIQUE_VIOLATIONS:  # made by a concurrent first use
        return await ensure_school_year(school_id, year_be)


# Every request needs the current school year and term, and they change a few times a year at most:
# remember them for a few minutes per process rather than asking the database each time.
_YEAR_CACHE: dict[tuple[int, date], tuple[float, SchoolYearNow]] = {}
YEAR_CACHE_SECONDS = 300


async def school_year_now(school_id: int, today: date) -> SchoolYearNow:
    cached = _YEAR_CACHE.get((school_id, today))
    if cached and time.monotonic() - cached[0] < YEAR_CACHE_SECONDS:
        return cached[1]
    found = await _school_year_now(school_id, today)
    _YEAR_CACHE[(school_id, today)] = (time.monotonic(), found)
    return found


def forget_school_years() -> None:
    """After term dates change, and between tests whose databases reuse ids."""
    _YEAR_CACHE.clear()


async def _school_year_now(school_id: int, today: date) -> SchoolYearNow:
    year_be = schoolyear.school_year_of(today)
    year_id = await ensure_school_year(school_id, year_be)
    terms = await Term.select(Term.number, Term.starts_on, Term.ends_on).where(Term.school_year == year_id)
    term = schoolyear.term_on(today, [schoolyear.TermDates(**t) for t in terms])
    return SchoolYearNow(year_id, year_be, term.number if term else None,
                         (term.starts_on, term.ends_on) if term else None)


async def list_grades(school_id: int) -> dict[str, int]:
    rows = await Grade.select(Grade.id, Grade.code).where(Grade.school == school_id).order_by(Grade.level)
    return {row["code"]: row["id"] for row in rows}
