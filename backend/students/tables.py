"""Students, their guardians, and roster files waiting for the admin to confirm."""

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import Classroom, School


class Student(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    code = Varchar(length=20)  # เลขประจำตัวนักเรียน: how imports recognise a student
    title = Varchar(length=30)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.set_null, null=True)
    number_in_class = Integer(null=True, default=None)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the student's own sign-in, if any
    active = Boolean(default=True)
    updated_at = Timestamptz()


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
    content = Text()  # decoded to text already
    created_at = Timestamptz()
    applied_at = Timestamptz(null=True, default=None)
