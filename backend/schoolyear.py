"""The Thai school year: named by the Buddhist-era year it starts in (May), with two terms. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

BE_OFFSET = 543
TYPED_MONTHS = {
    name: number for number, names in enumerate((
        ("มกราคม", "มค"), ("กุมภาพันธ์", "กพ"), ("มีนาคม", "มีค"), ("เมษายน", "เมย"), ("พฤษภาคม", "พค"),
        ("มิถุนายน", "มิย"), ("กรกฎาคม", "กค"), ("สิงหาคม", "สค"), ("กันยายน", "กย"), ("ตุลาคม", "ตค"),
        ("พฤศจิกายน", "พย"), ("ธันวาคม", "ธค")), start=1) for name in names
}


def be_year(day: date) -> int:
    return day.year + BE_OFFSET


@dataclass(frozen=True)
class TermDates:
    number: int
    starts_on: date
    ends_on: date


def typed_date(text: str | None) -> date | None:
    """A date from a form or a file: the date picker's (or Excel's) 2026-11-30, or as Thai schools write it,
    30/11/2569, 30-11-2569, 30 พ.ย. 2569, 30 พฤศจิกายน 2569; a year in the Buddhist era (above 2400) either way,
    since a teacher typing by hand thinks in B.E. None if it is not a date."""
    text = (text or "").strip()
    iso = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$", text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        parts = re.match(r"^(\d{1,2})\s*[/.\- ]\s*([^\s/.\-\d]+\.?\s*[^\s/.\-\d]*\.?|\d{1,2})\s*[/.\- ]\s*(\d{4})$",
                         text)
        if not parts:
            return None
        day, year = int(parts.group(1)), int(parts.group(3))
        month_text = parts.group(2)
        if month_text.isdigit():
            month = int(month_text)
        else:
            month = TYPED_MONTHS.get(re.sub(r"[\s.]", "", month_text), 0)
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
