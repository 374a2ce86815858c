"""The cumulative record as an append-only history: each save of a section is a new entry, the newest is current."""

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import School
from backend.students.tables import Student


class RecordEntry(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    section = Varchar(length=20)  # records.sections.SECTIONS
    data = JSON()
    source = Varchar(length=10, default="school")  # "school", or "parent" when a parent corrected it
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()
