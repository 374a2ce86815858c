"""Screening: questionnaire forms (SDQ, EQ) as filled, the school's criteria and checklists, and group decisions.
Every table keeps history: nothing here is updated in place except a draft being filled in."""

from enum import Enum

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import School, SchoolYear
from backend.students.tables import Student


class FormStatus(str, Enum):
    draft = "draft"  # being filled in
    submitted = "submitted"  # filed and scored: the current form of its kind this term
    replaced = "replaced"  # a second filing in the term took its place (kept)
    rescored = "rescored"  # scored again with the school's newer cut-offs (kept; the new row is current)


class FormSource(str, Enum):
    app = "app"  # filled in on a phone
    paper = "paper"  # a paper form the homeroom teacher or a counsellor typed in


class Group(str, Enum):
    normal = "normal"
    risk = "risk"
    problem = "problem"
    special = "special"


GROUP_LABELS = {
    Group.normal: N_("Normal"),
    Group.risk: N_("At risk"),
    Group.problem: N_("With problems"),
    Group.special: N_("Special (gifted)"),
}

# A student with no screening this term (no form, no sign ticked) and nothing found elsewhere is in no group yet:
# "normal" would claim a finding that was never made. A state shown and counted apart, never a group to confirm.
NOT_SCREENED = "not_screened"
NOT_SCREENED_LABEL = N_("Not screened")
STATES = (NOT_SCREENED, *(group.value for group in Group))  # how students are counted, coverage first

INFORMANT_LABELS = {"student": N_("Student"), "teacher": N_("Teacher"), "parent": N_("Parent")}
FORM_LABELS = {
    ("sdq", "student"): N_("SDQ by the student"),
    ("sdq", "teacher"): N_("SDQ by the homeroom teacher"),
    ("sdq", "parent"): N_("SDQ by a parent"),
    ("eq", "student"): N_("EQ by the student"),
}


class ScreeningForm(Table):
    """One questionnaire about one student by one informant in one term.
    `slot` keeps at most one draft per person ("d<user id>") and one current form per student, term, instrument
    and informant (a unique index); a newer submission turns the current one into history (slot NULL, status
    "replaced"), and so does re-scoring with the school's newer cut-offs (status "rescored"; the new current row
    carries the same answers, filler and dates, and says who re-scored it and when)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    instrument = Varchar(length=5)  # sdq, eq
    informant = Varchar(length=10)  # student, teacher, parent
    status = Varchar(length=10, default=FormStatus.draft.value, choices=FormStatus)
    slot = Varchar(length=10, null=True, default="draft")  # "d<user id>" (a draft), "current", NULL once replaced
    answers = JSON()  # {"1": 0, "2": 2, …} raw ticks by item number
    impact = JSON()  # the SDQ's back page: {"difficulty": 1, "distress": 0, …}
    step = Integer(default=0)  # the page to resume on
    source = Varchar(length=10, default=FormSource.app.value, choices=FormSource)
    filled_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    result = JSON()  # scoring.Result.to_json() plus which scales were pro-rated; {} for a draft
    version = Varchar(length=60, default="")  # the instrument definition that scored it
    started_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    rescored_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    rescored_at = Timestamptz(null=True, default=None)


class ScreeningCriteria(Table):
    """A school's screening criteria (screening.criteria), saved whole on each change; the newest is in force."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    document = JSON()
    saved_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    saved_at = Timestamptz()


class DomainChecklist(Table):
    """The homeroom teacher's ticks of risk, problem and special signs for one student and term, per domain.
    Append-only: the newest is current."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    ticks = JSON()  # {"learning": {"sign-key": "label as shown when ticked", …}, …}
    notes = JSON()  # {"learning": "…"}
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()


class GroupDecision(Table):
    """The homeroom teacher's confirmed group for a student and term, with the proposal it answered.
    Append-only: the newest row is the student's group; older rows are how it changed."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    proposed = Varchar(length=10, choices=Group)
    reasons = JSON()  # the proposal's reasons, as they were when the teacher decided
    group = Varchar(length=10, choices=Group)
    note = Text(default="")
    decided_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz()
