"""Schools and their calendar: every other record hangs off a School."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class School(Table):
    code = Varchar(length=20, unique=True)  # used on the command line and in logs
    name = Varchar(length=200)
    short_name = Varchar(length=30)  # goes into SMS, so keep it short
    timezone = Varchar(length=40, default="Asia/Bangkok")
    sms_per_second = Integer(default=10)  # what the school's Twilio sender may take
    sms_link_domain = Varchar(length=100, null=True, default=None)  # NBTC-registered; no links in SMS without one
    # The record sections parents see of their own children (records.sections names, comma-separated);
    # health and family only if the admin ticks them.
    parent_sections = Varchar(length=100, default="learning")
    # A parent may ask for leave for today in the app until this school time (HH:MM); later, they phone the school.
    leave_cutoff = Varchar(length=5, default="08:30")
    # For the school's letters (a referral to an agency): where it is and how to call it back.
    address = Varchar(length=300, default="")
    phone = Varchar(length=60, default="")
    created_at = Timestamptz()


class SchoolYear(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    year_be = Integer()  # named by the Buddhist-era year it starts in, e.g. 2569
    starts_on = Date()
    ends_on = Date()


class Term(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    number = Integer()  # 1 or 2
    starts_on = Date()
    ends_on = Date()


class Grade(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    code = Varchar(length=10)  # as written on the roster: ม.1, ป.6
    level = Integer()  # sort order: ป.1 = 1 … ม.6 = 12


class Classroom(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.restrict)
    grade = ForeignKey(Grade, on_delete=OnDelete.restrict)
    room = Integer()
    active = Boolean(default=True)


class CalendarDay(Table):
    """A day or range in a school's calendar (schools.calendar): a holiday or closure, or a make-up school day.
    The fixed-date holidays are written when a school year is first used; the admin adds and removes the rest."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    starts_on = Date(index=True)
    ends_on = Date()
    kind = Varchar(length=20)  # schools.calendar.DayKind
    name = Varchar(length=100)
    created_at = Timestamptz()
