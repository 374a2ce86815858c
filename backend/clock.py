"""The one clock of the program. Every "now" and every school "today" comes from here, so that a test can set the
time (a register saved at 22:30, a week with a holiday) and the code under test sees that time everywhere."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

SCHOOL_TIME = ZoneInfo("Asia/Bangkok")  # every Thai school's time zone

_fixed: datetime | None = None  # the time a test set; None: the machine's clock


def now() -> datetime:
    """This moment, in UTC (aware)."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def today() -> date:
    """The school's date: after 17:00 UTC it is already tomorrow in Bangkok."""
    return now().astimezone(SCHOOL_TIME).date()


@contextmanager
def set_to(moment: datetime):
    """For tests: the program's time stands at `moment` until the block ends, however slow the machine is, so
    that what depends on the time (a wait after wrong passwords, quiet hours) is decided by the test alone."""
    global _fixed
    if moment.tzinfo is None:
        raise ValueError("give the moment a time zone")
    before = _fixed
    _fixed = moment.astimezone(timezone.utc)
    try:
        yield
    finally:
        _fixed = before
