"""Attendance marks (one per student, day and period) with the history of every change."""

from enum import Enum

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Classroom, School
from backend.students.tables import Student

HOMEROOM_PERIOD = 0  # the morning register; periods of subject classes are 1, 2, …


class Status(str, Enum):
    present = "present"
    late = "late"
    absent = "absent"
    sick_leave = "sick_leave"
    personal_leave = "personal_leave"
    cut = "cut"  # หนีเรียน: at school (homeroom) but absent from a period


STATUS_LABELS = {
    Status.present: N_("Present"),
    Status.late: N_("Late"),
    Status.absent: N_("Absent"),
    Status.sick_leave: N_("Sick leave"),
    Status.personal_leave: N_("Personal leave"),
    Status.cut: N_("Cut class"),
}
# On the register's buttons, where five must fit across a 360 px phone.
STATUS_SHORT = {
    Status.present: N_("Here"),
    Status.late: N_("Late"),
    Status.absent: N_("Absent"),
    Status.sick_leave: N_("Sick"),
    Status.personal_leave: N_("Leave"),
    Status.cut: N_("Cut"),
}
# What guardians are told about, straight away.
ALERTED = {Status.late, Status.absent, Status.cut}


class AttendanceMark(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    day = Date()
    period = Integer(default=HOMEROOM_PERIOD)
    subject = Varchar(length=100, default="")  # for a period mark
    status = Varchar(length=20, choices=Status)
    marked_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    marked_at = Timestamptz()
    # unique (student, day, period): see migrations


class AttendanceChange(Table):
    """Every change of a mark, with who made it and when: the audit trail of corrections."""

    mark = ForeignKey(AttendanceMark, on_delete=OnDelete.cascade)
    status_before = Varchar(length=20, null=True, default=None)  # None for the first mark
    status_after = Varchar(length=20)
    changed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    changed_at = Timestamptz()
