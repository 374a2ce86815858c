"""Students, their guardians, and roster files waiting for the admin to confirm."""

from enum import Enum

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Classroom, School, SchoolYear


class LeaveReason(str, Enum):
    moved_school = "moved_school"
    dropped_out = "dropped_out"
    graduated = "graduated"
    other = "other"


LEAVE_REASON_LABELS = {
    LeaveReason.moved_school: N_("Moved to another school"),
    LeaveReason.dropped_out: N_("Dropped out"),
    LeaveReason.graduated: N_("Graduated"),
    LeaveReason.other: N_("Other reason"),
}


class Student(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    code = Varchar(length=20)  # เลขประจำตัวนักเรียน: how imports recognise a student
    title = Varchar(length=30)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    # The classroom of the student's latest enrolment (StudentEnrolment, which says from when): a leaver keeps
    # their last one, so that the homeroom teacher who had them can still read their history.
    classroom = ForeignKey(Classroom, on_delete=OnDelete.set_null, null=True)
    number_in_class = Integer(null=True, default=None)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the student's own sign-in, if any
    active = Boolean(default=True)  # False once a leaving is recorded (students.enrolment keeps it)
    left_on = Date(null=True, default=None)  # the first day no longer at the school
    leave_reason = Varchar(length=20, null=True, default=None, choices=LeaveReason)
    leave_note = Varchar(length=300, default="")
    updated_at = Timestamptz()
    # From the national register (DMC). The citizen ID is sensitive: see access.can_see_citizen_id.
    citizen_id = Varchar(length=13, null=True, default=None)  # 13 digits, or a G-code for a student without one
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=1, default="")  # m, f, or "" when the school has not said


class Guardian(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    name = Varchar(length=200)
    phone = Varchar(length=20, null=True, default=None, index=True)  # E.164, e.g. +66812345678
    has_smartphone = Boolean(default=False)
    # Thai numbers cannot reply STOP, so the school (or the parent in the app) records it here.
    sms_opt_out = Boolean(default=False)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the parent account, once made
    updated_at = Timestamptz()


class StudentGuardian(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    relation = Varchar(length=50)  # บิดา มารดา ยาย ลุง …
    position = Integer(default=1)  # 1 = first contact


class RosterUpload(Table):
    """A roster file kept between preview and confirm, so nothing is written until the admin says so."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    uploaded_by = ForeignKey(User, on_delete=OnDelete.cascade)
    filename = Varchar(length=200)
    content = Text()  # CSV: decoded to text already; Excel: the file in base64
    format = Varchar(length=10, default="csv")  # csv or xlsx
    sheet = Varchar(length=100, default="")  # the sheet of an Excel file the admin picked ("" = the first)
    created_at = Timestamptz()
    applied_at = Timestamptz(null=True, default=None)


class StudentEnrolment(Table):
    """Which classroom a student sat in, with which number, from when until when: registers and lists of a day ask
    this (students.enrolment.enrolled), and last year's classroom of each student stays known after the roll-over."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade, index=True)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade, index=True)
    number_in_class = Integer(null=True, default=None)
    starts_on = Date()
    ends_on = Date(null=True, default=None)  # the first day no longer in this classroom; None while still in it
    changed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    changed_at = Timestamptz()


class YearRollover(Table):
    """A school year rolled over into the next: at most once (from_year is unique), with what it did."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    from_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade, unique=True)
    to_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    promoted = Integer(default=0)
    repeated = Integer(default=0)
    graduated = Integer(default=0)
    left = Integer(default=0)
    applied_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    applied_at = Timestamptz()


class RosterColumnMapping(Table):
    """What the admin said a column of the school's roster files holds (a field, or "ignore"), remembered for the
    next file with the same header."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    header_key = Varchar(length=200)  # the header as compared (columns.header_key), unique per school
    field = Varchar(length=40)
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()
