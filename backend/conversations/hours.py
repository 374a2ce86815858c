"""When a message will be answered: the school's hours for replies on its school days. Pure (the calendar is given)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from backend.clock import SCHOOL_TIME
from backend.schools.calendar import Calendar

CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
DEFAULT_OPENS, DEFAULT_CLOSES = "07:30", "16:30"
LOOK_AHEAD_DAYS = 45  # past the longest term break a calendar is read for; beyond it: "when school reopens"


def parse_clock(text: str) -> time | None:
    found = CLOCK.fullmatch((text or "").strip())
    return time(int(found.group(1)), int(found.group(2))) if found else None


@dataclass(frozen=True)
class Availability:
    """Whether the teachers answer now, and if not, from when (None: not within the calendar read)."""

    open_now: bool
    next_opening: datetime | None
    opens: time
    closes: time


def availability(moment: datetime, calendar: Calendar, opens: time, closes: time) -> Availability:
    """Within hours on a school day, or the next school day's opening (today's, before it opens)."""
    local = moment.astimezone(SCHOOL_TIME)
    today = local.date()
    if calendar.is_school_day(today) and opens <= local.time() < closes:
        return Availability(True, None, opens, closes)
    first = today if local.time() < opens else today + timedelta(days=1)
    day: date = first
    while day <= calendar.last:
        if calendar.is_school_day(day):
            return Availability(False, datetime.combine(day, opens, SCHOOL_TIME), opens, closes)
        day += timedelta(days=1)
    return Availability(False, None, opens, closes)
