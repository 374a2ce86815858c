"""People who sign in, their sessions and one-time codes, and which homeroom each teacher keeps."""

from enum import Enum

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from backend.i18n import N_
from backend.schools.tables import Classroom, Grade, School, SchoolYear


class Role(str, Enum):
    admin = "admin"
    executive = "executive"
    homeroom_teacher = "homeroom_teacher"
    subject_teacher = "subject_teacher"
    counsellor = "counsellor"
    discipline = "discipline"
    nurse = "nurse"
    grade_head = "grade_head"  # หัวหน้าระดับ: supervises every classroom of the grades assigned to them each year
    parent = "parent"
    student = "student"
    # ศึกษานิเทศก์ of the area office: oversees several schools of the deployment (SupervisedSchool), sees their
    # figures only, never a student; made by the deployment's operator (`doolae create-area-supervisor`), never by
    # a school, so it is not a staff role a school's admin can give, list or reset.
    area_supervisor = "area_supervisor"


STAFF_ROLES = [r for r in Role if r not in (Role.parent, Role.student, Role.area_supervisor)]

ROLE_LABELS = {
    Role.admin: N_("Admin"),
    Role.executive: N_("Executive"),
    Role.homeroom_teacher: N_("Homeroom teacher"),
    Role.subject_teacher: N_("Subject teacher"),
    Role.counsellor: N_("Guidance counsellor"),
    Role.discipline: N_("Discipline officer"),
    Role.nurse: N_("Nurse"),
    Role.grade_head: N_("Grade-level head"),
    Role.parent: N_("Parent"),
    Role.student: N_("Student"),
    Role.area_supervisor: N_("Area supervisor"),
}


class User(Table, tablename="app_user"):  # "user" is reserved in PostgreSQL
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    # Staff sign in with a username; parents with their phone number (E.164), which is their username.
    username = Varchar(length=60, unique=True)
    display_name = Varchar(length=200)
    role = Varchar(length=20, choices=Role)  # the main role
    # Roles held as well as the main one (a homeroom teacher who is also the counsellor), comma-separated Role
    # values like School.parent_sections: read with the session on every request at no extra query.
    extra_roles = Varchar(length=200, default="")
    phone = Varchar(length=20, null=True, default=None, index=True)
    password_hash = Varchar(length=200, null=True, default=None)  # None until a parent sets one
    must_change_password = Boolean(default=False)  # after an admin's reset
    locale = Varchar(length=5, default="th")
    active = Boolean(default=True)
    created_at = Timestamptz()


class SupervisedSchool(Table):
    """A school an area supervisor oversees: its figures open to them (accounts.access.oversees_school), never its
    students. Set by the deployment's operator with the `doolae` command. Unique per (user, school): see migrations."""

    user = ForeignKey(User, on_delete=OnDelete.cascade)
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    added_at = Timestamptz()


class UserSession(Table):
    # Only a hash of the cookie's token is stored, so a leaked database cannot be replayed as sessions.
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    # A student's session on their homeroom teacher's device, started by the teacher for their questionnaires.
    handed_over_by = ForeignKey(User, on_delete=OnDelete.cascade, null=True)
    # The session's last request, and when its password was last entered (signing in, or again to unlock the case
    # team's counselling notes) with no idle gap since: cleared by a gap longer than the idle limit
    # (accounts.sessions.note_activity).
    last_seen_at = Timestamptz(null=True, default=None)
    password_entered_at = Timestamptz(null=True, default=None)


class SignInCode(Table):
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    code_hash = Varchar(length=200)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    attempts = Integer(default=0)
    used_at = Timestamptz(null=True, default=None)
    via = Varchar(length=10, default="sms")  # "sms", or "slip" for a code printed on a paper slip (accounts.codes)


class PhoneChange(Table):
    """A parent's new phone number waiting for the code sent to it: their sign-in moves to it only once the code is
    entered, so a mistyped number never hands the account to whoever holds that number."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    new_phone = Varchar(length=20)  # E.164
    code_hash = Varchar(length=200)
    attempts = Integer(default=0)
    made_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)


class SignInThrottle(Table):
    """Attempts to sign in per account and per address, counted to slow guessing (accounts.passwords)."""

    key = Varchar(length=64, unique=True)  # a SHA-256 of "account:<name>" or "address:<ip>": bounded, whatever is typed
    failures = Integer(default=0)
    wait_until = Timestamptz()  # no attempt on this key is tried before then
    last_at = Timestamptz(index=True)


class HomeroomAssignment(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.cascade)


class GradeHeadAssignment(Table):
    """A grade-level head heads a grade this school year (every classroom of it), as homerooms are kept per year.
    Rows are never deleted: a removal is dated, so the school can always tell who supervised a grade and when."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    grade = ForeignKey(Grade, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.cascade)
    assigned_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    assigned_at = Timestamptz()
    removed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    removed_at = Timestamptz(null=True, default=None)


class TeachingAssignment(Table):
    """A teacher teaches a subject to a classroom in a term of the school year (accounts.teaching makes them)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.cascade)
    subject = Varchar(length=100)
    term = Integer(default=0)  # 1 or 2; 0 for the whole school year
    # unique (classroom, teacher, subject, term): see migrations


class HomeroomChange(Table):
    """Who was made, or stopped being, a homeroom teacher, by whom and when: a homeroom opens its children's
    records and screening, so the school can always tell who held it."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    teacher = ForeignKey(User, on_delete=OnDelete.cascade)
    action = Varchar(length=10)  # "assigned" or "removed"
    changed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    changed_at = Timestamptz()


SCREENING_READ = "screening"  # RecordRead.section for a read of the student's screening results
PHQA_READ = "phqa"  # … of the student's own PHQ-A answers (care)
CARE_NOTES_READ = "care_notes"  # … of the case team's counselling notes of the student's cases
CARE_NOTES_REFUSED = "care_notes_refused"  # … a wrong password given to open those notes
CARE_READ = "care"  # … of the student's care cases, help plans, follow-ups and referrals, on their care summary
MESSAGES_READ = "messages"  # … of a guardian's messages with the homeroom teacher, by an executive (conversations)
CARE_READS = (CARE_NOTES_READ, CARE_NOTES_REFUSED, CARE_READ)  # listed to the student's case team only
READ_LABELS = {SCREENING_READ: N_("Screening"), CARE_NOTES_READ: N_("Counselling notes (case team)"),
               CARE_NOTES_REFUSED: N_("Counselling notes: wrong password"), PHQA_READ: N_("PHQ-A answers"),
               MESSAGES_READ: N_("Messages with the homeroom teacher"),
               CARE_READ: N_("Care and referrals (the student's summary)")}


class RecordRead(Table):
    """Who opened a child's sensitive information (the record's family or health section, screening results) and
    when: every read, whichever area showed it (accounts.reads writes and lists them)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    # Lazy: students' tables already refer to User, so they cannot be imported from here.
    student = ForeignKey(LazyTableReference("Student", module_path="backend.students.tables"),
                         on_delete=OnDelete.cascade)
    section = Varchar(length=20)
    reader = ForeignKey(User, on_delete=OnDelete.cascade)
    read_at = Timestamptz()


# What each AccountChange.action reads as on the executives' page.
ACCOUNT_CHANGE_LABELS = {
    "created": N_("Account made"),
    "password_reset": N_("New password given"),
    "parent_code": N_("New sign-in code sent to the parent"),
    "parent_slip": N_("Sign-in code printed on a slip for the parent"),
    "parent_phone": N_("The parent's sign-in moved to a new number"),
    "role_granted": N_("Role given"),
    "role_removed": N_("Role taken back"),
    "deactivated": N_("Account deactivated"),
    "reactivated": N_("Account reactivated"),
}


class AccountChange(Table):
    """Who gave whom a staff account or a new password, and whether an executive confirmed it: a role that reads
    children's sensitive data, or a reset of such an account, is how an admin could let themself in."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    account = ForeignKey(User, on_delete=OnDelete.cascade)
    role = Varchar(length=20, choices=Role)  # the account's role at the time
    action = Varchar(length=20)  # a key of ACCOUNT_CHANGE_LABELS; for "role_granted", role is the one given
    status = Varchar(length=10)  # "done"; for a grant waiting on an executive "pending", then "confirmed"/"refused"
    made_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    made_at = Timestamptz()
    decided_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(null=True, default=None)
