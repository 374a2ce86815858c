"""Promotion (part 3 of the Thai student care system, for every student): the homeroom's activities with who was
there, and the parents' classroom meeting of each term with its invitations, replies, attendance and minutes."""

from enum import Enum

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Classroom, School, SchoolYear
from backend.students.tables import Guardian, Student

# Topics of the homeroom guideline most Thai schools follow, offered as suggestions; any topic may be typed instead.
GUIDELINE_TOPICS = (
    N_("Getting to know each other and class rules"),
    N_("Study habits and planning"),
    N_("Morals and good conduct"),
    N_("Drug-free classroom (white classroom)"),
    N_("Safety online and on the road"),
    N_("Health, hygiene and sexual health"),
    N_("Emotions, stress and asking for help"),
    N_("Saving money and sufficiency economy"),
    N_("Careers and further study"),
    N_("Democracy and being a good citizen"),
)


class HomeroomActivity(Table):
    """One homeroom period's activity: its topic, a short note and evaluation; who was there is ActivityPresence."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    held_on = Date()
    topic = Varchar(length=200)
    note = Text(default="")
    evaluation = Text(default="")
    recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz()


class ActivityPresence(Table):
    """A student who was at a homeroom activity (unique per activity and student)."""

    activity = ForeignKey(HomeroomActivity, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)


class Reply(str, Enum):
    coming = "coming"
    not_coming = "not_coming"


REPLY_LABELS = {Reply.coming: N_("Will come"), Reply.not_coming: N_("Cannot come")}


class ParentMeeting(Table):
    """The parents' classroom meeting (ประชุมผู้ปกครองชั้นเรียน), at least one a term. Held once its attendance is
    taken; the minutes, follow-ups and the guardians' satisfaction (how many gave each score, 1 to 5) come then."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    held_on = Date()
    starts_at = Varchar(length=5)  # HH:MM, school time
    place = Varchar(length=80)
    scheduled_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    scheduled_at = Timestamptz()
    held_at = Timestamptz(null=True, default=None)  # when the teacher recorded the meeting
    minutes = Text(default="")
    follow_ups = Text(default="")
    rated_1 = Integer(default=0)
    rated_2 = Integer(default=0)
    rated_3 = Integer(default=0)
    rated_4 = Integer(default=0)
    rated_5 = Integer(default=0)


class MeetingGuest(Table):
    """A guardian invited for a student of the class: how they were told (push, sms, or why not) and their reply.
    Unique per meeting, student and guardian."""

    meeting = ForeignKey(ParentMeeting, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    channel = Varchar(length=8, default="")  # push or sms; "" when the guardian cannot be reached
    unreachable = Varchar(length=12, default="")  # no_phone, not_mobile, opted_out
    reply = Varchar(length=12, default="")
    replied_at = Timestamptz(null=True, default=None)


class MeetingAttendance(Table):
    """Whether a guardian of a student came to the meeting (unique per meeting and student)."""

    meeting = ForeignKey(ParentMeeting, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    came = Boolean(default=False)


# White classroom (ห้องเรียนสีขาว) --------------------------------------------------------------------------------


class Post(str, Enum):
    """The posts of a white classroom's student committee."""

    class_head = "class_head"
    study = "study"
    work = "work"
    activities = "activities"
    drug_free = "drug_free"


POST_LABELS = {Post.class_head: N_("Class head"), Post.study: N_("Head of study"), Post.work: N_("Head of work"),
               Post.activities: N_("Head of activities"), Post.drug_free: N_("Head of drug-free")}


class WhiteClassroom(Table):
    """A class's white-classroom programme: its motto (one row per classroom, made on first save)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    motto = Varchar(length=200, default="")
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()


class CommitteeMember(Table):
    """A student holding a post of the class's committee from one moment until another (ended_at is null while they
    hold it): a change ends the holder's row and starts the new one, so who was head when stays known."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    post = Varchar(length=12)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    set_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class CommitteeReport(Table):
    """The committee's report of one month (month is its first day). Filing the same month again replaces it: the
    earlier one is kept with replaced_at set, so only one per class and month has replaced_at null."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    month = Date()
    done = Text(default="")
    problems = Text(default="")
    recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    recorded_at = Timestamptz()
    replaced_at = Timestamptz(null=True, default=None)


# Guideline documents ---------------------------------------------------------------------------------------------


class GuidelineDocument(Table):
    """The school's guideline for homeroom or prevention work: a text written in the app, or an uploaded PDF kept in
    the photo store (storage_key). Its topics (one a line) are offered when a homeroom activity is recorded. Retired
    documents stay, unlisted."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    title = Varchar(length=200)
    body = Text(default="")
    topics = Text(default="")
    storage_key = Varchar(length=200, default="")
    filename = Varchar(length=200, default="")
    size = Integer(default=0)
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)


# The parent network (เครือข่ายผู้ปกครอง) ------------------------------------------------------------------------------


class NetworkRole(str, Enum):
    """A seat on a parent committee: one chair, vice-chair, secretary and treasurer each, any number of members."""

    chair = "chair"
    vice_chair = "vice_chair"
    secretary = "secretary"
    treasurer = "treasurer"
    member = "member"


NETWORK_ROLE_LABELS = {NetworkRole.chair: N_("Chair"), NetworkRole.vice_chair: N_("Vice-chair"),
                       NetworkRole.secretary: N_("Secretary"), NetworkRole.treasurer: N_("Treasurer"),
                       NetworkRole.member: N_("Committee member")}


class ParentCommittee(Table):
    """A class's parent committee, or the school's (classroom null), for one school year: its term of office.
    Made when its first member is named (one per school year and classroom, or school)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade, null=True)
    created_at = Timestamptz()


class NetworkMember(Table):
    """A guardian on a committee in one role from one moment until another (ended_at null while they sit): a
    change of role ends the row and starts another, so who held each seat when stays known. The contact number is
    for the school's staff only: fellow members never see it."""

    committee = ForeignKey(ParentCommittee, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    role = Varchar(length=12)
    phone = Varchar(length=20, default="")  # E.164; the guardian's own number unless another was given
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    set_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class NetworkMeeting(Table):
    """A committee meeting with its agenda; held once its minutes are recorded, with the follow-up actions."""

    committee = ForeignKey(ParentCommittee, on_delete=OnDelete.cascade)
    held_on = Date()
    starts_at = Varchar(length=5)  # HH:MM, school time
    place = Varchar(length=80)
    agenda = Text(default="")
    scheduled_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    scheduled_at = Timestamptz()
    held_at = Timestamptz(null=True, default=None)
    minutes = Text(default="")
    actions = Text(default="")


class NetworkGuest(Table):
    """A member invited to a committee meeting: how they were told (push, sms, or why not), their reply and whether
    they came. Unique per meeting and guardian, so inviting again never tells anyone twice."""

    meeting = ForeignKey(NetworkMeeting, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    channel = Varchar(length=8, default="")
    unreachable = Varchar(length=12, default="")
    reply = Varchar(length=12, default="")
    replied_at = Timestamptz(null=True, default=None)
    came = Boolean(default=False)
