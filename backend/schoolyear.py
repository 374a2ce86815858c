"""The Thai school year: named by the Buddhist-era year it starts in (May), with two terms. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BE_OFFSET = 543


def be_year(day: date) -> int:
    return day.year + BE_OFFSET


@dataclass(frozen=True)
class TermDates:
    number: int
    starts_on: date
    ends_on: date


def typed_date(text: str | None) -> date | None:
    """A date from a form: the date picker's 2026-11-30, or as Thai staff type it, 30/11/2569; a year in the
    Buddhist era (above 2400) either way, since a teacher typing by hand thinks in B.E. None if it is not a date."""
    text = (text or "").strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        parts = text.split("-")
        parts = [parts[2], parts[1], parts[0]]
    else:
        parts = text.replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.strip().isdecimal() for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    if year > 2400:
        year -= BE_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None


def school_year_of(day: date, start_month: int = 5, start_day: int = 16) -> int:
    """The B.E. school year a day belongs to: 10 Feb 2027 is still school year 2569."""
    starts_this_calendar_year = (day.month, day.day) >= (start_month, start_day)
    return be_year(day) if starts_this_calendar_year else be_year(day) - 1


def default_year_dates(year_be: int) -> tuple[date, date]:
    """Usual bounds of a school year; each school can change them. The year runs to the day before the next."""
    start_year = year_be - BE_OFFSET
    return date(start_year, 5, 16), date(start_year + 1, 5, 15)


def default_terms(year_be: int) -> list[TermDates]:
    """Term 1 mid-May to mid-October, term 2 November to March (usual OBEC calendar; varies by school)."""
    start_year = year_be - BE_OFFSET
    return [
        TermDates(1, date(start_year, 5, 16), date(start_year, 10, 10)),
        TermDates(2, date(start_year, 11, 1), date(start_year + 1, 3, 31)),
    ]


def term_on(day: date, terms: list[TermDates]) -> TermDates | None:
    """The term a day falls in, or None in a break between terms."""
    for term in terms:
        if term.starts_on <= day <= term.ends_on:
            return term
    return None
