"""The one clock of the program. Every "now" and every school "today" comes from here, so that a test can set the
time (a register saved at 22:30, a week with a holiday) and the code under test sees that time everywhere."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SCHOOL_TIME = ZoneInfo("Asia/Bangkok")  # every Thai school's time zone

_offset = timedelta(0)  # how far the program's time is from the machine's; zero outside tests


def now() -> datetime:
    """This moment, in UTC (aware)."""
    return datetime.now(timezone.utc) + _offset


def today() -> date:
    """The school's date: after 17:00 UTC it is already tomorrow in Bangkok."""
    return now().astimezone(SCHOOL_TIME).date()


@contextmanager
def set_to(moment: datetime):
    """For tests: the program's time is `moment` (and goes on from there) until the block ends."""
    global _offset
    if moment.tzinfo is None:
        raise ValueError("give the moment a time zone")
    before = _offset
    _offset = moment - datetime.now(timezone.utc)
    try:
        yield
    finally:
        _offset = before
