"""Leave requests (ใบลา): one per child asked for, with the school days it covers, who asked and how, and the
homeroom teacher's answer."""

from enum import Enum

from piccolo.columns import Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Classroom, School
from backend.students.tables import Guardian, Student


class LeaveKind(str, Enum):
    sick = "sick"  # ลาป่วย
    personal = "personal"  # ลากิจ


class LeaveState(str, Enum):
    waiting = "waiting"  # the homeroom teacher has not answered yet: the register shows it marked all the same
    accepted = "accepted"
    questioned = "questioned"  # the teacher asked about it: the register goes back to what the teacher records

    @property
    def label(self) -> str:
        """The one wording of this state, for the family and the staff alike (a msgid to translate)."""
        return STATE_LABELS[self]


KIND_LABELS = {LeaveKind.sick: N_("Sick leave"), LeaveKind.personal: N_("Personal leave")}
# What the register shows, already marked, when the morning register opens.
NOTIFIED_LABELS = {LeaveKind.sick: N_("Sick leave (notified by the parent)"),
                   LeaveKind.personal: N_("Personal leave (notified by the parent)")}
STATE_LABELS = {LeaveState.waiting: N_("Waiting for the teacher"), LeaveState.accepted: N_("Accepted by the teacher"),
                LeaveState.questioned: N_("The teacher has a question")}
# What pages read: each state's label by its stored value.
STATE_WORDS = {state.value: state.label for state in LeaveState}


class LeaveRequest(Table):
    """A leave for one child over one or more school days (LeaveDay). A parent asks in the app; a homeroom teacher
    enters it after a phone call from a guardian who has only SMS (by_phone, entered_by the teacher)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)  # the child's homeroom when asked: who answers
    kind = Varchar(length=20, choices=LeaveKind)
    reason = Text()
    first_day = Date()
    last_day = Date()
    guardian = ForeignKey(Guardian, on_delete=OnDelete.set_null, null=True)  # who asked, or who phoned
    entered_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the parent's account, or the teacher's
    by_phone = Boolean(default=False)
    photo_key = Varchar(length=200, null=True, default=None)  # a doctor's note, re-encoded, in the photo store
    state = Varchar(length=20, choices=LeaveState, default=LeaveState.waiting.value)
    question = Text(default="")  # the teacher's words when questioning it
    answered_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    answered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class LeaveDay(Table):
    """One school day of a leave. mark_before: the register's mark this leave replaced (a register taken as absent
    before the leave came), put back if the teacher questions the leave."""

    request = ForeignKey(LeaveRequest, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    day = Date()
    mark_before = Varchar(length=20, null=True, default=None)
    # index (student, day): see migrations
