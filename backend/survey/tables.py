"""The parents' satisfaction survey: one a term per school, a one-time code per guardian, and the answers, which
carry no guardian (nor a code, a time or a serial id), so that nobody can learn who answered what."""

import uuid

from piccolo.columns import UUID, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import Classroom, School, SchoolYear
from backend.students.tables import Guardian


class Survey(Table):
    """A term's survey (unique per school, year and term): its Likert questions (one a line, each scored 1 to 5) and
    one question answered in words."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    questions = Text()
    free_question = Varchar(length=300)
    closes_on = Date()
    opened_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    opened_at = Timestamptz()


class SurveyCode(Table):
    """A guardian's one-time code, kept only as an HMAC (unique), with the class it counts for. Says that the code
    was used, never when or what it answered: it exists to refuse a second answer and to count each class's
    responses."""

    survey = ForeignKey(Survey, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade, null=True)
    digest = Varchar(length=64, unique=True)
    used = Boolean(default=False)


class SurveyAnswer(Table):
    """One guardian's answers, anonymous: a random id (a serial id would order answers as codes were used), the
    class, the scores in question order (comma-separated, 1 to 5) and the words."""

    id = UUID(primary_key=True, default=uuid.uuid4)
    survey = ForeignKey(Survey, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade, null=True)
    scores = Varchar(length=40)
    free_text = Text(default="")
