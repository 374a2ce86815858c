"""Behaviour: incidents and good deeds (one record may name several students), the conduct-points ledger, the
school's rules that alert, and the homeroom teachers' weekly digests.

Thai rules (MoE regulation on punishing students, 2548) allow four sanctions only: a warning, written probation
with the guardian's acknowledgement, deducting conduct points, and a behaviour-change activity."""

from enum import Enum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Classroom, School, SchoolYear
from backend.students.tables import Student


class Kind(str, Enum):
    incident = "incident"  # against the school's rules
    good_deed = "good_deed"  # volunteering, helping others, honesty, representing the school, an award


class Sanction(str, Enum):
    """The four sanctions Thai rules allow (none for a good deed)."""

    warning = "warning"  # ว่ากล่าวตักเตือน
    probation = "probation"  # ทำทัณฑ์บน: a letter the student and the guardian sign
    deduct = "deduct"  # ตัดคะแนนความประพฤติ
    activity = "activity"  # กิจกรรมปรับเปลี่ยนพฤติกรรม, such as community service hours


SANCTION_LABELS = {
    Sanction.warning: N_("Warning"),
    Sanction.probation: N_("Written probation"),
    Sanction.deduct: N_("Points deducted"),
    Sanction.activity: N_("Behaviour-change activity"),
}
KIND_LABELS = {Kind.incident: N_("Incident"), Kind.good_deed: N_("Good deed")}


class BehaviourSettings(Table):
    """A school's choices; a school without a row has the defaults (behaviour.settings.DEFAULTS)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade, unique=True)
    start_points = Integer(default=100)  # every student's balance on the first day of the school year
    threshold = Integer(default=70)  # below it a student is listed for the discipline officer
    late_points = Integer(default=0)  # deducted for each late homeroom mark; 0 = off
    cut_points = Integer(default=0)  # deducted for each period cut; 0 = off
    points_per_service_hour = Integer(default=2)  # restored for each community service hour signed off
    digest_weekday = Integer(default=4)  # Monday = 0: Friday
    digest_hour = Integer(default=15)  # school time
    digest_pointer = Varchar(length=10, default="off")  # off, push, sms: a one-line pointer to the digest
    updated_at = Timestamptz()


class BehaviourCategory(Table):
    """The school's list: late, uniform or hair, fighting … and good deeds. Retired, never deleted (records
    name them)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    kind = Varchar(length=10, choices=Kind)
    code = Varchar(length=30, default="")  # our default's key (late, cut, fighting …); "" for the school's own
    name = Varchar(length=100)  # as staff read it
    parent_wording = Varchar(length=100, default="")  # as guardians are told it (an SMS names only this)
    points = Integer(default=0)  # the default deduction (incident) or addition (good deed)
    serious = Boolean(default=False)
    position = Integer(default=0)
    retired = Boolean(default=False)


class Incident(Table):
    """One happening, recorded once for every student in it (a fight names several)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    client_id = Varchar(length=40, unique=True)  # made on the phone: a replayed offline upload is a no-op
    kind = Varchar(length=10, choices=Kind)
    category = ForeignKey(BehaviourCategory, on_delete=OnDelete.restrict)
    happened_at = Timestamptz()
    place = Varchar(length=100, default="")
    description = Text(default="")  # staff only
    sanction = Varchar(length=10, default="")  # a Sanction; "" for a good deed
    recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz()
    voided_at = Timestamptz(null=True, default=None)  # never deleted: a wrong record is voided with a reason
    voided_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    void_reason = Text(default="")


class IncidentStudent(Table):
    """A student named in an incident or a good deed, with what it meant for them."""

    incident = ForeignKey(Incident, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.set_null, null=True)  # theirs on the day it happened
    points = Integer(default=0)  # asked to deduct (incident) or add (good deed); the ledger says what applied
    service_hours = Integer(default=0)  # community service assigned as the behaviour-change activity
    service_done_at = Timestamptz(null=True, default=None)  # signed off: hours count, points come back
    service_signed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    acknowledged_at = Timestamptz(null=True, default=None)  # by a guardian: in the app, or on paper (probation)
    acknowledged_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    acknowledged_how = Varchar(length=10, default="")  # app, paper
    # unique (incident, student): see migrations


class IncidentPhoto(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    incident = ForeignKey(Incident, on_delete=OnDelete.cascade)
    client_id = Varchar(length=40, unique=True)
    storage_key = Varchar(length=200)
    content_type = Varchar(length=30)
    size = Integer()
    uploaded_at = Timestamptz()


class PointsEntry(Table):
    """The conduct-points ledger: append-only, one line per change, explainable line by line. A balance never
    goes below 0: `requested` is what the cause asked for, `applied` what the balance could take."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    cause = Varchar(length=20)  # a points.Cause
    # What made it, once only: "incident:<incident_student>", "void:<incident_student>", "attendance:<mark>" …
    source_key = Varchar(length=80, unique=True)
    incident_student = ForeignKey(IncidentStudent, on_delete=OnDelete.set_null, null=True)
    requested = Integer()
    applied = Integer()
    balance_after = Integer()
    note = Varchar(length=200, default="")
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz()


class RuleKind(str, Enum):
    lates_in_days = "lates_in_days"  # `count` lates within `days` school days
    absences_in_row = "absences_in_row"  # `count` school days absent in a row without leave
    points_below = "points_below"  # the balance falls below `count`
    serious_incident = "serious_incident"  # any incident of a serious category


class BehaviourRule(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    kind = Varchar(length=20, choices=RuleKind)
    count = Integer(default=0)
    days = Integer(default=0)
    active = Boolean(default=True)
    created_at = Timestamptz()


class RuleFiring(Table):
    """A rule fired for a student: once per occurrence (occurrence_key). The homeroom teacher is told in the app,
    the guardians by their channel, and the student is flagged for the care team until someone clears it."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    rule = ForeignKey(BehaviourRule, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    occurrence_key = Varchar(length=120, unique=True)
    day = Date()
    detail = Varchar(length=200, default="")  # staff only, e.g. "late 3 times: 2, 4 and 5 Dec"
    fired_at = Timestamptz()
    seen_at = Timestamptz(null=True, default=None)  # first marked seen by a homeroom teacher (each: RuleFiringSeen)
    cleared_at = Timestamptz(null=True, default=None)  # the care team has taken it up
    cleared_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class RuleFiringSeen(Table):
    """A homeroom teacher marked a firing seen: a room with two homeroom teachers keeps it on the other's page until
    they mark it too (unique firing, user)."""

    firing = ForeignKey(RuleFiring, on_delete=OnDelete.cascade)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    seen_at = Timestamptz()


class WeeklyDigest(Table):
    """A homeroom teacher's week for one classroom, compiled once (unique teacher, classroom, week)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    week_start = Date()  # the Monday
    sections = JSON()  # each area's section, as that area built it
    built_at = Timestamptz()
    # unique (teacher, classroom, week_start): see migrations
