"""The cumulative record as an append-only history: each save of a section is a new entry, the newest is current."""

from enum import Enum

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import School
from backend.students.tables import Student


class EntrySource(str, Enum):
    school = "school"  # a teacher, counsellor or nurse wrote it
    parent = "parent"  # a parent corrected it in the app (the teacher sees that it came from them)


class RecordEntry(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    section = Varchar(length=20)  # records.sections.SECTIONS
    data = JSON()
    source = Varchar(length=10, default=EntrySource.school.value, choices=EntrySource)
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()
