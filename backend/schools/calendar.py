"""The school calendar as pure rules: which days a school is open. Weekends and the closed days a school keeps
(holidays and its own closures) are closed; a make-up school day opens a weekend. Table-driven, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum

from backend.clock import SCHOOL_TIME
from backend.i18n import N_

WEEKEND = frozenset({5, 6})  # Saturday and Sunday (date.weekday()); a school's Saturday classes are make-up days


class DayKind(str, Enum):
    holiday = "holiday"  # a national or Buddhist holiday
    closure = "closure"  # the school's own: exam days, sports day, term breaks, teacher training
    school_day = "school_day"  # a make-up school day (วันเรียนชดเชย), usually a Saturday: open whatever else
    weekend = "weekend"  # never stored: Saturdays and Sundays


KIND_LABELS = {
    DayKind.holiday: N_("Holiday"),
    DayKind.closure: N_("School closed"),
    DayKind.school_day: N_("Make-up school day"),
    DayKind.weekend: N_("Weekend"),
}

# Fixed-date national holidays, as the Cabinet usually sets them (each year's list may differ: the admin edits
# them); (first month, first day), (last month, last day), name. The lunar ones move every year: the admin adds
# them (Makha Bucha, Visakha Bucha, Asanha Bucha, Khao Phansa).
FIXED_HOLIDAYS: list[tuple[tuple[int, int], tuple[int, int], str]] = [
    ((1, 1), (1, 1), N_("New Year's Day")),
    ((1, 16), (1, 16), N_("Teachers' Day")),
    ((4, 6), (4, 6), N_("Chakri Day")),
    ((4, 13), (4, 15), N_("Songkran")),
    ((5, 1), (5, 1), N_("Labour Day")),
    ((5, 4), (5, 4), N_("Coronation Day")),
    ((6, 3), (6, 3), N_("Queen Suthida's Birthday")),
    ((7, 28), (7, 28), N_("The King's Birthday")),
    ((8, 12), (8, 12), N_("The Queen Mother's Birthday (Mother's Day)")),
    ((10, 13), (10, 13), N_("King Bhumibol Memorial Day")),
    ((10, 23), (10, 23), N_("Chulalongkorn Day")),
    ((12, 5), (12, 5), N_("King Bhumibol's Birthday (Father's Day)")),
    ((12, 10), (12, 10), N_("Constitution Day")),
    ((12, 31), (12, 31), N_("New Year's Eve")),
]


@dataclass(frozen=True)
class DayOff:
    """A named day or range in a school's calendar."""

    starts_on: date
    ends_on: date
    kind: DayKind
    name: str


def fixed_holidays(first: date, last: date) -> list[DayOff]:
    """The fixed-date holidays that start between two dates (a school year), in order."""
    found = []
    for year in range(first.year, last.year + 1):
        for (month, day), (end_month, end_day), name in FIXED_HOLIDAYS:
            starts = date(year, month, day)
            if first <= starts <= last:
                found.append(DayOff(starts, date(year, end_month, end_day), DayKind.holiday, name))
    return sorted(found, key=lambda d: d.starts_on)


def each_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """A school's calendar over a span of days: what closes or opens each day. Built from the rows of the span
    (one query, schools.services.calendar_between); every question after that is answered here."""

    first: date
    last: date
    days_off: tuple[DayOff, ...] = ()
    weekend: frozenset[int] = WEEKEND
    _closed: dict[date, DayOff] = field(default_factory=dict, init=False, repr=False, compare=False)
    _opened: dict[date, DayOff] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for off in self.days_off:
            into = self._opened if off.kind is DayKind.school_day else self._closed
            for day in each_day(max(off.starts_on, self.first), min(off.ends_on, self.last)):
                into.setdefault(day, off)

    def closed_because(self, day: date) -> DayOff | None:
        """Why the school is closed that day, or None on a school day. A make-up school day is the admin's
        explicit word that the school opens, so it wins over a weekend and a holiday alike."""
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside this calendar ({self.first} to {self.last})")
        if day in self._opened:
            return None
        if day in self._closed:
            return self._closed[day]
        if day.weekday() in self.weekend:
            return DayOff(day, day, DayKind.weekend, "")
        return None

    def is_school_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def school_days(self, first: date | None = None, last: date | None = None) -> list[date]:
        """The school days between two dates, both included (the whole span by default)."""
        return [day for day in each_day(first or self.first, last or self.last) if self.is_school_day(day)]

    def last_school_days(self, count: int, until: date) -> list[date]:
        """The last `count` school days up to `until`, oldest first ("3 lates in 7 school days")."""
        return self.school_days(self.first, until)[-count:]


@dataclass(frozen=True)
class Week:
    """A school week, Monday to Friday (the weekly digest's span); make-up Saturdays are not in it."""

    monday: date

    @classmethod
    def of(cls, day: date) -> Week:
        """The week containing this day (a Saturday or Sunday belongs to the week just ended)."""
        return cls(day - timedelta(days=day.weekday()))

    @property
    def friday(self) -> date:
        return self.monday + timedelta(days=4)

    @property
    def begins(self) -> datetime:
        """Monday 00:00 school time."""
        return datetime.combine(self.monday, time(0), SCHOOL_TIME)

    @property
    def ends(self) -> datetime:
        """Saturday 00:00 school time: the first moment after the week."""
        return datetime.combine(self.monday + timedelta(days=5), time(0), SCHOOL_TIME)
