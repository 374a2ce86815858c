"""The school calendar's rules (pure, no database): weekends, the seeded holidays, closures, make-up days, and
counting school days."""

from datetime import date

import pytest

from backend.schools.calendar import Calendar, DayKind, DayOff, fixed_holidays
from backend.schoolyear import typed_date


def test_the_fixed_holidays_of_school_year_2569_fall_inside_it():
    holidays = fixed_holidays(date(2026, 5, 16), date(2027, 5, 15))
    starts = [h.starts_on for h in holidays]
    assert starts[0] == date(2026, 6, 3) and starts[-1] == date(2027, 5, 4)  # none before the year starts
    assert len(holidays) == 14
    songkran = next(h for h in holidays if h.name == "Songkran")
    assert (songkran.starts_on, songkran.ends_on) == (date(2027, 4, 13), date(2027, 4, 15))
    assert date(2026, 12, 5) in starts and date(2027, 1, 16) in starts  # Father's Day, Teachers' Day


def test_a_week_with_a_holiday_has_four_school_days():
    # 7–13 Dec 2026: Constitution Day is Thursday the 10th; the weekend is closed.
    week = Calendar(date(2026, 12, 7), date(2026, 12, 13),
                    (DayOff(date(2026, 12, 10), date(2026, 12, 10), DayKind.holiday, "Constitution Day"),))
    assert week.school_days() == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 11)]
    assert week.closed_because(date(2026, 12, 10)).name == "Constitution Day"
    assert week.closed_because(date(2026, 12, 12)).kind is DayKind.weekend
    assert week.closed_because(date(2026, 12, 9)) is None


def test_a_closure_range_and_a_make_up_saturday():
    exams = DayOff(date(2026, 12, 14), date(2026, 12, 16), DayKind.closure, "สอบกลางภาค")
    make_up = DayOff(date(2026, 12, 19), date(2026, 12, 19), DayKind.school_day, "วันเรียนชดเชย")
    span = Calendar(date(2026, 12, 14), date(2026, 12, 20), (exams, make_up))
    assert span.school_days() == [date(2026, 12, 17), date(2026, 12, 18), date(2026, 12, 19)]


def test_the_last_seven_school_days_skip_closed_days():
    span = Calendar(date(2026, 11, 30), date(2026, 12, 11),
                    (DayOff(date(2026, 12, 10), date(2026, 12, 10), DayKind.holiday, "Constitution Day"),))
    # "3 lates in 7 school days" looks back over seven school days, not seven dates.
    assert span.last_school_days(7, date(2026, 12, 11)) == [
        date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7),
        date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 11)][1:]


def test_a_day_outside_the_calendar_is_not_guessed():
    with pytest.raises(ValueError):
        Calendar(date(2026, 12, 7), date(2026, 12, 13)).is_school_day(date(2026, 12, 14))


@pytest.mark.parametrize("text, day", [
    ("11/05/2570", date(2027, 5, 11)), ("1/6/2569", date(2026, 6, 1)), ("13-4-2027", date(2027, 4, 13)),
    ("31/02/2570", None), ("2570-05-11", date(2027, 5, 11)), ("05/2570/11", None), ("", None), ("วันนี้", None),
])
def test_dates_are_typed_day_month_year_in_the_buddhist_era(text, day):
    # The year first is the date picker's order (a B.E. year typed into it is still read as B.E.).
    assert typed_date(text) == day
