"""Home visits and their photos. Each carries an id made on the phone, so a replayed offline upload is a no-op."""

from enum import Enum

from piccolo.columns import JSON, Date, Float, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import School
from backend.students.tables import Student


class VisitStatus(str, Enum):
    planned = "planned"  # the teacher means to visit (a date set)
    done = "done"  # the visit took place


class Visit(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    client_id = Varchar(length=40, unique=True)  # a UUID made on the phone
    status = Varchar(length=10, default=VisitStatus.done.value, choices=VisitStatus)
    visited_on = Date()
    area = Varchar(length=100, default="")  # village or area: the progress list is sorted by it
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    accuracy_m = Float(null=True, default=None)
    answers = JSON()  # the form's other fields (visits.form.VISIT_FIELDS), shown, never queried
    created_at = Timestamptz()
    updated_at = Timestamptz()


class VisitPhoto(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    visit = ForeignKey(Visit, on_delete=OnDelete.cascade)
    client_id = Varchar(length=40, unique=True)
    kind = Varchar(length=10)  # outside, inside, student, other
    storage_key = Varchar(length=200)
    content_type = Varchar(length=30)
    size = Integer()
    uploaded_at = Timestamptz()
