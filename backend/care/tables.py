"""Care after screening (parts 4 and 5 of the Thai student care system): a case for a student at risk or with
problems, its help plan of the five kinds of help, follow-ups, counselling notes with their sensitivity, and
referrals inside and outside the school with their report back."""

from enum import Enum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import School, SchoolYear
from backend.students.tables import Student


class CaseStatus(str, Enum):
    open = "open"
    closed = "closed"


class Urgency(str, Enum):
    routine = "routine"
    soon = "soon"  # within the week
    today = "today"  # the same-day path: contact with the student and the guardian today


URGENCY_LABELS = {Urgency.routine: N_("Routine"), Urgency.soon: N_("This week"), Urgency.today: N_("Today")}


class Source(str, Enum):
    """What raised the concern."""

    screening = "screening"  # the homeroom teacher confirmed the group at risk or with problems
    behaviour = "behaviour"  # a behaviour rule flagged the student
    visit = "visit"  # a home visit
    staff = "staff"  # a counsellor or a teacher, by hand
    phqa = "phqa"  # the student's own answers on the PHQ-A called for contact today


SOURCE_LABELS = {Source.screening: N_("Screening"), Source.behaviour: N_("Behaviour"), Source.visit: N_("Home visit"),
                 Source.staff: N_("Raised by staff"), Source.phqa: N_("The student's PHQ-A answers")}


class Outcome(str, Enum):
    improved = "improved"
    unchanged = "unchanged"
    worse = "worse"
    referred = "referred"
    left_school = "left_school"


OUTCOME_LABELS = {Outcome.improved: N_("Improved"), Outcome.unchanged: N_("Unchanged"), Outcome.worse: N_("Worse"),
                  Outcome.referred: N_("Referred"), Outcome.left_school: N_("Left school")}


class HelpKind(str, Enum):
    """The five kinds of help the Thai system names (with contact with the parents)."""

    counselling = "counselling"  # ให้การปรึกษาเบื้องต้น
    in_class = "in_class"  # ช่วยเหลือในห้องเรียน
    extracurricular = "extracurricular"  # กิจกรรมนอกหลักสูตร
    buddy = "buddy"  # เพื่อนช่วยเพื่อน
    remedial = "remedial"  # สอนซ่อมเสริม
    parents = "parents"  # ประสานงานกับผู้ปกครอง


HELP_LABELS = {HelpKind.counselling: N_("Basic counselling"), HelpKind.in_class: N_("Help in class"),
               HelpKind.extracurricular: N_("Extracurricular activity"), HelpKind.buddy: N_("Buddy (peer helper)"),
               HelpKind.remedial: N_("Remedial teaching"), HelpKind.parents: N_("Working with the parents")}


class Progress(str, Enum):
    better = "better"
    same = "same"
    worse = "worse"


PROGRESS_LABELS = {Progress.better: N_("Better"), Progress.same: N_("The same"), Progress.worse: N_("Worse")}


class Sensitivity(str, Enum):
    """Who reads a counselling note."""

    case_team = "case_team"  # counsellors, the homeroom teacher, executives; every read audited
    teachers = "teachers"  # also everyone who teaches the student
    parents = "parents"  # also the student's parents


SENSITIVITY_LABELS = {Sensitivity.case_team: N_("Case team only"),
                      Sensitivity.teachers: N_("Also the student's teachers"),
                      Sensitivity.parents: N_("Also the parents")}


class CareCase(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    source = Varchar(length=12, choices=Source)
    source_note = Varchar(length=300, default="")  # what raised it, as shown to the case team (reasons, rule)
    concern = Text()
    urgency = Varchar(length=8, choices=Urgency, default=Urgency.routine.value)
    status = Varchar(length=8, choices=CaseStatus, default=CaseStatus.open.value)
    opened_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    opened_at = Timestamptz()
    contact_recorded_at = Timestamptz(null=True, default=None)  # the same-day path: student and guardian reached
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    outcome = Varchar(length=12, default="")
    closing_note = Text(default="")


class CaseDecline(Table):
    """The homeroom teacher's reason for not opening a case for a student who seemed to need one (this term)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    reason = Text()
    decided_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz()


class PlanActivity(Table):
    """One help in the case's plan: its kind, who does it, from when, and when to follow up."""

    care_case = ForeignKey(CareCase, on_delete=OnDelete.cascade)
    kind = Varchar(length=16, choices=HelpKind)
    description = Text(default="")
    responsible = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    buddy = ForeignKey(Student, on_delete=OnDelete.set_null, null=True)  # the classmate, for a buddy
    starts_on = Date()
    follow_up_on = Date()
    ended_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class FollowUp(Table):
    care_case = ForeignKey(CareCase, on_delete=OnDelete.cascade)
    activity = ForeignKey(PlanActivity, on_delete=OnDelete.set_null, null=True)
    done = Text()  # what was done
    progress = Varchar(length=8, choices=Progress)
    next_on = Date(null=True, default=None)  # the activity's next follow-up
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()


class CaseNote(Table):
    """A counselling note. Never edited: a correction is a new note."""

    care_case = ForeignKey(CareCase, on_delete=OnDelete.cascade)
    sensitivity = Varchar(length=10, choices=Sensitivity, default=Sensitivity.case_team.value)
    body = Text()
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()


class Agency(Table):
    """The school's directory of services outside the school, seeded with the national ones."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    name = Varchar(length=200)
    phone = Varchar(length=40, default="")
    address = Varchar(length=300, default="")
    national = Boolean(default=False)  # one of the seeded national services
    retired = Boolean(default=False)


class ReferralStatus(str, Enum):
    sent = "sent"
    accepted = "accepted"
    in_progress = "in_progress"
    reported = "reported"  # the receiver reported back
    closed = "closed"


REFERRAL_LABELS = {ReferralStatus.sent: N_("Sent"), ReferralStatus.accepted: N_("Accepted"),
                   ReferralStatus.in_progress: N_("In progress"), ReferralStatus.reported: N_("Reported back"),
                   ReferralStatus.closed: N_("Closed")}


class Referral(Table):
    """A case referred inside the school (to a role, or a named teacher) or to an agency outside, with its report
    back. An external referral needs the guardian's consent and prints as a numbered letter."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    care_case = ForeignKey(CareCase, on_delete=OnDelete.cascade)
    to_role = Varchar(length=20, default="")  # counsellor, discipline, nurse, subject_teacher (inside)
    to_user = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, null=True)  # outside
    reason = Text()
    tried = Text(default="")  # what has been tried
    urgency = Varchar(length=8, choices=Urgency, default=Urgency.routine.value)
    status = Varchar(length=12, choices=ReferralStatus, default=ReferralStatus.sent.value)
    letter_number = Integer(null=True, default=None)  # running number per school year, outside referrals
    consent_from = Varchar(length=200, default="")  # the guardian who consented (outside)
    consent_at = Timestamptz(null=True, default=None)
    sent_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    sent_at = Timestamptz()
    accepted_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    accepted_at = Timestamptz(null=True, default=None)
    report = Text(default="")
    reported_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    reported_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class SupportStatus(str, Enum):
    nominated = "nominated"  # the homeroom teacher put the student forward
    received = "received"  # the grant or scholarship came
    not_received = "not_received"


SUPPORT_LABELS = {SupportStatus.nominated: N_("Nominated"), SupportStatus.received: N_("Received"),
                  SupportStatus.not_received: N_("Not received")}
EEF = "eef"  # the Equitable Education Fund's conditional cash transfer (ทุนเสมอภาค)


class SupportAward(Table):
    """A student put forward for the EEF grant or another scholarship, and what came of it. A recipient of the EEF
    grant must attend at least 80 % of each term's school days."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    programme = Varchar(length=10, default=EEF)  # eef, other
    name = Varchar(length=200, default="")  # the scholarship's name (other)
    status = Varchar(length=14, choices=SupportStatus, default=SupportStatus.nominated.value)
    amount = Integer(default=0)  # baht, when received
    note = Varchar(length=500, default="")
    nominated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    nominated_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class PhqaFiling(Table):
    """A student's own answers on the PHQ-A depression screen (care/instruments/phqa.json), kept whole: each filing
    is a new row. Read by the school's counsellors and executives only, every read audited."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    answers = JSON()  # {"1": 0, …, "9": 3, "past_year": 1, "difficulty": 2, "thoughts": 0, "attempt": 0}
    total = Integer()  # items 1-9
    band = Varchar(length=20)
    suicide_risk = Boolean(default=False)  # a yes to a suicide-risk question: the same-day path started
    care_case = ForeignKey(CareCase, on_delete=OnDelete.set_null, null=True)  # the urgent case it opened or raised
    filled_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    submitted_at = Timestamptz()


# Development plans for students in the special group (care.talent) ------------------------------------------------


class TalentArea(str, Enum):
    academic = "academic"  # a subject, named in the detail
    sport = "sport"
    arts = "arts"
    music = "music"
    leadership = "leadership"
    technology = "technology"
    other = "other"  # named in the detail


TALENT_LABELS = {TalentArea.academic: N_("Academic subject"), TalentArea.sport: N_("Sport"),
                 TalentArea.arts: N_("Arts"), TalentArea.music: N_("Music"), TalentArea.leadership: N_("Leadership"),
                 TalentArea.technology: N_("Technology"), TalentArea.other: N_("Other talent")}
TALENT_NEEDS_DETAIL = (TalentArea.academic, TalentArea.other)


class Level(str, Enum):
    """How far an achievement reached, as Thai certificates name it."""

    school = "school"
    district = "district"  # อำเภอ / เขตพื้นที่
    province = "province"
    region = "region"  # ภาค
    national = "national"
    international = "international"


LEVEL_LABELS = {Level.school: N_("School level"), Level.district: N_("District level"),
                Level.province: N_("Province level"), Level.region: N_("Region level"),
                Level.national: N_("National level"), Level.international: N_("International level")}


class TalentPlan(Table):
    """A development plan for a student confirmed in the special group, for one school year (one a year). Its talent
    and goals are the newest revision's (TalentPlanRevision keeps each)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    talent = Varchar(length=12, choices=TalentArea)
    talent_detail = Varchar(length=200, default="")  # the subject, the sport, the instrument…
    goals = Text()
    status = Varchar(length=8, choices=CaseStatus, default=CaseStatus.open.value)
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()
    revised_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    closed_at = Timestamptz(null=True, default=None)
    closing_note = Text(default="")


class TalentPlanRevision(Table):
    """Each version of a plan's talent and goals as saved, the first being the plan as written. Never edited."""

    plan = ForeignKey(TalentPlan, on_delete=OnDelete.cascade)
    talent = Varchar(length=12, choices=TalentArea)
    talent_detail = Varchar(length=200, default="")
    goals = Text()
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()


class TalentActivity(Table):
    """One activity of a plan: what, when (a date or a rhythm, as the teacher puts it), and who is responsible (any
    staff member of the school)."""

    plan = ForeignKey(TalentPlan, on_delete=OnDelete.cascade)
    what = Varchar(length=500)
    schedule = Varchar(length=200)  # when: "ทุกวันพุธ คาบชุมนุม", "ก.ค. – ส.ค. 2569"
    responsible = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz()


class TalentAchievement(Table):
    plan = ForeignKey(TalentPlan, on_delete=OnDelete.cascade)
    achieved_on = Date()
    title = Varchar(length=300)
    level = Varchar(length=14, choices=Level)
    note = Varchar(length=1000, default="")
    recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz()
