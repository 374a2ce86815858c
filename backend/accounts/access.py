"""Who may see what: the one place that decides. Every route guard and every scoped query comes from here.

Rules:
- Everyone sees only their own school.
- Admins, executives, counsellors, discipline officers and nurses see the whole school's roster.
- A homeroom teacher sees the students of the classrooms assigned to them this school year.
- A grade-level head sees the students of every classroom of the grades they head this school year, and reads
  their registers, screening and records as those rooms' homeroom teacher would, but not the counsellor's notes.
- Staff may hold several roles: they may do what any of their roles may (the union).
- A parent sees only the children linked to them as a guardian; a student sees only themself.
- An area supervisor (ศึกษานิเทศก์) belongs to no school's staff: they see the figures of the schools they oversee and
  nothing else, never a student (see "The area view" below).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from functools import lru_cache

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.tables import CARE_READS, PHQA_READ, SCREENING_READ, Role
from backend.i18n import N_
from backend.schools.tables import School
from backend.students.tables import Student


class Permission(Enum):
    manage_roster = "manage_roster"
    manage_users = "manage_users"
    view_school = "view_school"  # school-wide figures and lists
    view_students = "view_students"  # any student of the school
    view_homeroom = "view_homeroom"  # the students of one's own homerooms
    view_children = "view_children"  # a parent's own children
    take_register = "take_register"  # the homeroom's morning register
    mark_periods = "mark_periods"  # attendance of a period one teaches
    view_outbox = "view_outbox"  # every message the school sent, and retrying failed ones
    manage_screening = "manage_screening"  # the school's screening criteria
    view_screening_school = "view_screening_school"  # group distribution and completion, school-wide
    manage_school = "manage_school"  # the school's own settings, such as what parents see of the record
    # The areas' front pages: each opens for those with something to do there, and the menu shows the same.
    use_attendance = "use_attendance"  # registers to take, one's children's attendance, or the school's figures
    use_visits = "use_visits"  # one's homeroom's visits, or the school's progress
    use_screening = "use_screening"  # classrooms' screening, the school's, or its criteria
    fill_questionnaires = "fill_questionnaires"  # a student's or a parent's own questionnaires
    hand_back = "hand_back"  # a student on their teacher's device gives it back
    review_account_changes = "review_account_changes"  # staff accounts made and reset, grants of sensitive roles
    view_own_attendance = "view_own_attendance"  # a student's own attendance this term
    search_students = "search_students"  # find a student by name or code among those one may see (staff)
    view_grade = "view_grade"  # the classrooms of the grades one heads this year
    record_behaviour = "record_behaviour"  # record an incident or a good deed for any student of the school
    use_behaviour = "use_behaviour"  # the behaviour pages: one's records, one's homeroom's, the school's, a child's
    view_behaviour_school = "view_behaviour_school"  # every incident and balance of the school
    manage_behaviour = "manage_behaviour"  # the school's categories, points, rules and digest settings
    use_care = "use_care"  # care cases: the case team's, or help one is responsible for
    use_promotion = "use_promotion"  # homeroom activities and parents' meetings: one's homeroom's, or the counts
    answer_meetings = "answer_meetings"  # a parent's invitations to their children's classroom meetings
    answer_phqa = "answer_phqa"  # a student's own PHQ-A depression screen
    view_white_classrooms = "view_white_classrooms"  # which classes have a white-classroom committee and reports
    read_guidelines = "read_guidelines"  # the school's guideline documents for homeroom and prevention work
    manage_guidelines = "manage_guidelines"  # adding, editing and retiring them
    keep_parent_network = "keep_parent_network"  # the school's parent committee and each class's committee status
    use_leave = "use_leave"  # leave requests: a parent's for their children, a homeroom teacher's to answer
    use_conversations = "use_conversations"  # messages: a parent's with the homeroom teacher, a homeroom's inbox
    manage_sms_budget = "manage_sms_budget"  # the school's monthly SMS budget, and held SMS: send anyway or drop
    choose_channels = "choose_channels"  # a parent's own choices of how each kind of message reaches them
    use_surveys = "use_surveys"  # the parents' survey: opening it (admin, executive), its results, one's class's
    answer_surveys = "answer_surveys"  # a parent answers the school's survey in the app
    read_family_summaries = "read_family_summaries"  # a parent's own weekly family summaries, in the app
    supervise_care = "supervise_care"  # the care system's figures term by term, targets, homerooms' progress
    view_area = "view_area"  # an area supervisor's schools: each one's figures, no student


NOT_STAFF = frozenset({Role.parent, Role.student, Role.area_supervisor})
SCHOOL_WIDE = {Role.admin, Role.executive, Role.counsellor, Role.discipline, Role.nurse}

ROLE_PERMISSIONS: dict[Role, set[Permission]] = {
    Role.admin: {Permission.manage_roster, Permission.manage_users, Permission.view_school, Permission.view_students,
                 Permission.view_outbox, Permission.manage_school, Permission.manage_screening,
                 Permission.manage_sms_budget},
    Role.executive: {Permission.view_school, Permission.view_students, Permission.view_screening_school,
                     Permission.review_account_changes, Permission.view_behaviour_school},
    Role.counsellor: {Permission.view_students, Permission.manage_screening, Permission.view_screening_school},
    Role.discipline: {Permission.view_students, Permission.view_behaviour_school, Permission.manage_behaviour},
    Role.nurse: {Permission.view_students},
    Role.homeroom_teacher: set(),
    Role.subject_teacher: set(),
    Role.grade_head: set(),  # what they read comes with this year's grades (GradeHeadAssignment)
    Role.parent: {Permission.view_children, Permission.fill_questionnaires, Permission.choose_channels},
    Role.student: {Permission.fill_questionnaires, Permission.view_own_attendance},
    Role.area_supervisor: {Permission.view_area},  # and nothing of any school: see "The area view" below
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, with everything access decisions need, loaded once per request."""

    user_id: int
    school_id: int
    school_short_name: str
    role: Role  # the main role
    name: str
    locale: str
    school_year_id: int
    year_be: int
    term_number: int | None  # None between terms
    term_dates: tuple[date, date] | None  # that term's first and last day
    classroom_ids: frozenset[int]  # homerooms kept this school year
    teaching_ids: frozenset[int]  # classrooms taught a subject this school year
    student_ids: frozenset[int]  # a parent's children, or a student themself
    parent_sections: frozenset[str]  # the record sections the school shares with parents
    must_set_password: bool = False
    handed_over_by: int | None = None  # a student on their homeroom teacher's device (accounts.services.hand_over)
    # The session's password entered with no idle gap since (accounts.sessions.note_activity): the case team's notes
    # open only then. True outside a signed-in request (the demo's seeding, tests calling services).
    password_fresh: bool = True
    extra_roles: frozenset[Role] = frozenset()  # roles held besides the main one
    supervised_ids: frozenset[int] = frozenset()  # classrooms of the grades headed this school year
    area_school_ids: frozenset[int] = frozenset()  # an area supervisor's schools (SupervisedSchool)
    # A school as its area supervisor's figures see it (accounts.sessions.area_figures_viewer): opens the aggregate
    # functions of supervision.figures and nothing else. Never a request's viewer.
    aggregates_only: bool = False
    # Worked out once: can() is asked a dozen times a page (the menu, the page's own links).
    roles: frozenset[Role] = field(init=False, repr=False, compare=False)
    granted: frozenset[Permission] = field(init=False, repr=False, compare=False)  # what the roles give
    # can()'s answers, each worked out once: a page asks the same ones again (a parent's home page, twenty times).
    answered: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        roles = self.extra_roles | {self.role}
        object.__setattr__(self, "roles", roles)
        object.__setattr__(self, "granted", frozenset().union(*(ROLE_PERMISSIONS[role] for role in roles)))
        object.__setattr__(self, "answered", {})

    def holds(self, roles) -> bool:
        """Whether any of this person's roles is one of these."""
        return not self.roles.isdisjoint(roles)

    def can(self, permission: Permission) -> bool:
        answer = self.answered.get(permission)
        if answer is None:
            answer = self.answered[permission] = self._decide(permission)
        return answer

    def _decide(self, permission: Permission) -> bool:
        # Homeroom and teaching rights follow this year's assignments, whatever the staff role.
        if permission in (Permission.view_homeroom, Permission.take_register):
            return bool(self.classroom_ids)
        if permission is Permission.mark_periods:
            return bool(self.classroom_ids or self.teaching_ids)
        if permission is Permission.use_attendance:
            return any(self.can(p) for p in (Permission.mark_periods, Permission.view_children, Permission.view_school,
                                             Permission.view_own_attendance))
        if permission is Permission.view_own_attendance:
            # Not on the teacher's device: a handed-over session sees its questionnaires only.
            return self.role is Role.student and self.handed_over_by is None
        if permission is Permission.use_visits:
            return self.can(Permission.view_homeroom) or sees_school_visits(self)
        if permission is Permission.use_screening:
            return self.is_staff and any(self.can(p) for p in (
                Permission.view_homeroom, Permission.view_grade, Permission.view_screening_school,
                Permission.manage_screening))
        if permission is Permission.hand_back:
            return self.handed_over_by is not None
        if permission is Permission.search_students:
            return self.is_staff
        if permission is Permission.view_grade:
            return bool(self.supervised_ids)
        if permission is Permission.use_care:
            # Any teacher may be made responsible for a help in a case's plan (the admin may not).
            return self.is_staff and self.handed_over_by is None and self.holds(HOMEROOM_ROLES)
        if permission is Permission.record_behaviour:
            return self.is_staff and self.handed_over_by is None and self.holds(HOMEROOM_ROLES)
        if permission is Permission.answer_phqa:
            return can_answer_phqa(self)
        if permission is Permission.use_conversations:
            return uses_conversations(self)
        if permission in PROMOTION_PERMISSIONS:
            return promotion_permission(self, permission)
        if permission is Permission.use_leave:
            return leave_permission(self)
        if permission is Permission.use_surveys:
            return uses_surveys(self)
        if permission is Permission.supervise_care:
            return sees_supervision(self)
        if permission is Permission.answer_surveys:
            return self.can(Permission.view_children) and self.handed_over_by is None
        if permission is Permission.read_family_summaries:
            return reads_family_summaries(self)
        if permission is Permission.use_behaviour:
            return (self.can(Permission.record_behaviour) or self.can(Permission.view_children)
                    or self.can(Permission.view_own_attendance) or self.can(Permission.manage_behaviour))
        return permission in self.granted

    def keeps_homeroom(self, classroom_id: int) -> bool:
        return classroom_id in self.classroom_ids

    def teaches(self, classroom_id: int) -> bool:
        return classroom_id in self.teaching_ids or classroom_id in self.classroom_ids

    def supervises(self, classroom_id: int) -> bool:
        """A classroom of a grade this grade-level head heads this year."""
        return classroom_id in self.supervised_ids

    def oversees(self, classroom_id: int) -> bool:
        """Reads a classroom's register, screening and records as its homeroom teacher: its homeroom teachers and
        the head of its grade (who writes nothing there: the homeroom teacher does)."""
        return self.keeps_homeroom(classroom_id) or self.supervises(classroom_id)

    @property
    def is_staff(self) -> bool:
        """Of a school's staff: not a parent, a student or an area supervisor (who is of no school's staff)."""
        return self.role not in NOT_STAFF

    @property
    def is_parent(self) -> bool:
        return self.role is Role.parent

    @property
    def is_student(self) -> bool:
        return self.role is Role.student

    def is_parent_of(self, student_id: int) -> bool:
        return self.role is Role.parent and student_id in self.student_ids


@dataclass(frozen=True)
class MenuItem:
    path: str
    label: str  # English msgid
    permission: Permission
    staff_label: str | None = None  # what the school's staff read instead, where the page is the other side of it
    daily: bool = False  # used every day: shown first; the rest of a long menu folds under "More"


# The navigation, in order. A link shows exactly when its page opens: both ask viewer.can(item.permission), and
# tests/test_privacy_routes.py checks every link against the route table.
MENU = (
    MenuItem("/students/homeroom", N_("My homeroom"), Permission.view_homeroom, daily=True),
    MenuItem("/attendance", N_("Attendance"), Permission.use_attendance, daily=True),
    MenuItem("/summary", N_("Weekly summary"), Permission.read_family_summaries, daily=True),
    MenuItem("/visits", N_("Home visits"), Permission.use_visits),
    MenuItem("/screening", N_("Questionnaires"), Permission.fill_questionnaires),
    MenuItem("/care/phqa", N_("How I feel"), Permission.answer_phqa),
    MenuItem("/screening", N_("Screening"), Permission.use_screening),
    MenuItem("/behaviour", N_("Behaviour"), Permission.use_behaviour),
    MenuItem("/care", N_("Care"), Permission.use_care),
    MenuItem("/supervision", N_("Care overview"), Permission.supervise_care, daily=True),
    MenuItem("/area", N_("Schools overseen"), Permission.view_area, daily=True),
    MenuItem("/promotion", N_("Homeroom activities"), Permission.use_promotion),
    MenuItem("/promotion/invitations", N_("Class meetings"), Permission.answer_meetings),
    MenuItem("/notify/choices", N_("Message settings"), Permission.choose_channels),
    MenuItem("/promotion/guidelines", N_("Guidelines"), Permission.read_guidelines),
    MenuItem("/promotion/network", N_("Parent network"), Permission.keep_parent_network),
    MenuItem("/leave", N_("Leave requests"), Permission.use_leave, daily=True),
    MenuItem("/conversations", N_("Messages with the teacher"), Permission.use_conversations,
             N_("Messages from families"), daily=True),
    MenuItem("/surveys", N_("Parents' survey"), Permission.use_surveys),
    MenuItem("/roster/import", N_("Roster"), Permission.manage_roster),
    MenuItem("/admin/users", N_("Staff"), Permission.manage_users),
    MenuItem("/admin/homerooms", N_("Homerooms"), Permission.manage_users),
    MenuItem("/admin/teaching", N_("Teaching"), Permission.manage_users),
    MenuItem("/admin/parents", N_("Parents"), Permission.manage_users),
    MenuItem("/notify/outbox", N_("Messages"), Permission.view_outbox, daily=True),
    MenuItem("/school/calendar", N_("School calendar"), Permission.manage_school),
    MenuItem("/notify/line/settings", N_("LINE"), Permission.manage_school),
    MenuItem("/account-changes", N_("Accounts and passwords given"), Permission.review_account_changes),
)


MENU_SHOWN_WHOLE = 6  # links a phone shows in two lines; a longer menu shows its daily links and folds the rest


@lru_cache(maxsize=4096)
def menu(viewer: Viewer) -> tuple[MenuItem, ...]:
    # Asked on every page, and the same for the same Viewer (every predicate reads the Viewer alone): worked out once
    # per Viewer seen. A Viewer is rebuilt from the database on each request, so a change makes a new one.
    return tuple(replace(item, label=item.staff_label) if item.staff_label and viewer.is_staff else item
                 for item in MENU if viewer.can(item.permission))


@lru_cache(maxsize=4096)
def menu_parts(viewer: Viewer) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...]]:
    """The menu as a 360 px screen shows it: the links shown, and those under "More" (none when it is short)."""
    items = menu(viewer)
    if len(items) <= MENU_SHOWN_WHOLE:
        return items, ()
    return tuple(item for item in items if item.daily), tuple(item for item in items if not item.daily)


def parse_roles(text: str) -> frozenset[Role]:
    """User.extra_roles as Roles; a name no longer known is ignored rather than failing every request."""
    return frozenset(Role(name) for name in text.split(",") if name in ROLE_NAMES)


ROLE_NAMES = frozenset(role.value for role in Role)


def visible_students(viewer: Viewer):
    """The where-clause for the students this viewer may see; use it in every Student query."""
    same_school = Student.school == viewer.school_id
    if viewer.holds(SCHOOL_WIDE):
        return same_school
    rooms = viewer.classroom_ids | viewer.teaching_ids | viewer.supervised_ids
    if rooms:
        # Homerooms, the classes one teaches (for their registers: names, not records) and the grade one heads.
        return same_school & Student.classroom.is_in(list(rooms))
    if viewer.student_ids:
        return same_school & Student.id.is_in(list(viewer.student_ids))
    return Student.id < 0  # sees no student


def can_see_student(viewer: Viewer, student: dict) -> bool:
    """The same rule as visible_students, for a row already loaded (needs school, id, classroom)."""
    if student["school"] != viewer.school_id:
        return False
    if viewer.holds(SCHOOL_WIDE):
        return True
    return (viewer.teaches(student["classroom"]) or viewer.supervises(student["classroom"])
            or student["id"] in viewer.student_ids)


def can_see_guardians(viewer: Viewer, student: dict) -> bool:
    """Who may read a student's guardians and how to reach them (on the record): the staff who may see the student
    (a counsellor or the nurse calls home); a parent knows their own, a student needs none."""
    return viewer.is_staff and can_see_student(viewer, student)


def can_see_citizen_id(viewer: Viewer, student: dict) -> bool:
    """A student's citizen ID (from the national register) is sensitive: the school's admins, who import it, and
    the student's homeroom teachers only."""
    if student["school"] != viewer.school_id:
        return False
    return viewer.role is Role.admin or viewer.keeps_homeroom(student["classroom"])


# The cumulative record and home visits ------------------------------------------------------------------------
# A student's homeroom teachers read and write every section; other roles as each section says
# (records.sections); a parent reads the sections their school shares with parents, of their own child only.

VISIT_READERS = {Role.counsellor, Role.executive}


def can_read_section(viewer: Viewer, student: dict, section) -> bool:
    if student["school"] != viewer.school_id:
        return False
    if viewer.keeps_homeroom(student["classroom"]):
        return True
    if viewer.role is Role.parent:
        return (student["id"] in viewer.student_ids and section.name in viewer.parent_sections
                and can_share_with_parents(section))
    return any(_role_reads(viewer, role, student, section) for role in viewer.roles)


def _role_reads(viewer: Viewer, role: Role, student: dict, section) -> bool:
    if role is Role.subject_teacher or role is Role.homeroom_teacher:
        # Teachers of other rooms see a section only where it is open to subject teachers, for classes they teach.
        return "subject_teacher" in section.readers and viewer.teaches(student["classroom"])
    if role is Role.grade_head:
        # The grade's rooms, as their homeroom teacher reads them, except what only counsellors read (their notes).
        return "grade_head" in section.readers and viewer.supervises(student["classroom"])
    return role.value in section.readers


def can_share_with_parents(section) -> bool:
    """Whether a school may share a section of the record with parents at all: never protection and safety, whose
    risks at home may come from a parent (whatever a school's setting said before)."""
    return section.parents_may_see


def can_see_record_reads(viewer: Viewer, student: dict, family_section) -> bool:
    """The audit trail of family and health reads names the staff who read them: for staff who may read the
    family section themselves, never for parents, whatever the school shares with them."""
    return viewer.is_staff and can_read_section(viewer, student, family_section)


def hidden_reads(viewer: Viewer, student: dict) -> set[str]:
    """The audited reads a reader of the audit trail does not see: reads of what they may not read themselves
    (that the counsellor opened a student's PHQ-A answers tells that there are some)."""
    hidden = set()
    if not can_see_screening(viewer, student):
        hidden.add(SCREENING_READ)
    if not can_see_phqa(viewer, student):
        hidden.add(PHQA_READ)
    if not in_case_team(viewer, student):  # that a counsellor read a case's notes tells that there is a case
        hidden.update(CARE_READS)
    return hidden


def can_edit_section(viewer: Viewer, student: dict, section) -> bool:
    if student["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(student["classroom"]) or any(role.value in section.editors for role in viewer.roles)


def can_switch_sms(viewer: Viewer, guardian: dict, children_classrooms: set[int]) -> bool:
    """Turning a guardian's SMS off or on: the school's admin, the homeroom teacher of one of their children, or
    the guardian themself."""
    if guardian["school"] != viewer.school_id:
        return False
    return (viewer.can(Permission.manage_users) or guardian["user"] == viewer.user_id
            or bool(children_classrooms & viewer.classroom_ids))


# Channel choices and channel health (notify.choices) ------------------------------------------------------------------
# A guardian chooses, per kind of message, instant, weekly summary or off (safety-critical kinds: app or SMS only). The
# parent does it in the app. A guardian without an account (SMS only) cannot: their children's homeroom teacher sets
# it for them after a phone call, recorded as such. The homeroom teacher sees each of their class's guardians' channel
# health (last delivered, last read).


def can_set_channel_choices(viewer: Viewer, guardian: dict, children_classrooms: set[int]) -> bool:
    """Needs the guardian's school and user. The guardian themself; for a guardian with no account, the homeroom
    teacher of one of their children."""
    if guardian["school"] != viewer.school_id or viewer.handed_over_by is not None:
        return False
    if guardian["user"] is not None:
        return guardian["user"] == viewer.user_id and viewer.can(Permission.choose_channels)
    return viewer.is_staff and bool(children_classrooms & viewer.classroom_ids)


def can_see_channel_health(viewer: Viewer, classroom: dict) -> bool:
    """A class's guardians, how each chose to be told and whether messages reach them: its homeroom teachers."""
    return (classroom["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and viewer.keeps_homeroom(classroom["id"]))


def can_link_line(viewer: Viewer) -> bool:
    """Linking a LINE account to the school's messages (notify.line_links): a parent, for themself only, on their
    own session (not a device handed over)."""
    return viewer.can(Permission.choose_channels) and viewer.handed_over_by is None


def can_manage_line(viewer: Viewer) -> bool:
    """The school's LINE account, its staff groups and their morning summaries: the school's admin."""
    return viewer.can(Permission.manage_school) and viewer.handed_over_by is None


def can_mark_read(viewer: Viewer, message: dict) -> bool:
    """Opening a push records that it was read: only by the account it was sent to."""
    return message["school"] == viewer.school_id and message["user"] is not None and message["user"] == viewer.user_id


def can_see_attendance_of(viewer: Viewer, student_id: int) -> bool:
    """A student's attendance this term, as a family sees it: their parents, and the student themself."""
    return student_id in viewer.student_ids and (viewer.can(Permission.view_children)
                                                 or viewer.can(Permission.view_own_attendance))


def can_acknowledge(viewer: Viewer, alert: dict) -> bool:
    """Tapping "seen" on an alert: a parent, about their own child."""
    return alert["school"] == viewer.school_id and viewer.is_parent_of(alert["student"])


def can_see_visits(viewer: Viewer, student: dict) -> bool:
    """Visits show the family's home: only the student's homeroom teachers, counsellors and executives."""
    if student["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(student["classroom"]) or reads_all_visits(viewer)


def reads_all_visits(viewer: Viewer) -> bool:
    """Counsellors and executives read every visit of their school; homeroom teachers, their homeroom's."""
    return viewer.holds(VISIT_READERS)


def sees_school_visits(viewer: Viewer) -> bool:
    """The school's visit progress table (counts per classroom): executives, counsellors and admins."""
    return viewer.can(Permission.view_school) or reads_all_visits(viewer)


def can_see_classroom_visits(viewer: Viewer, classroom: dict) -> bool:
    """A classroom's visit progress lists its students by village: the same readers as a student's visits."""
    if classroom["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(classroom["id"]) or reads_all_visits(viewer)


def can_see_visit_dates(viewer: Viewer, student: dict) -> bool:
    """When the school visited: also for the student's parents (the visit itself stays with the school)."""
    return can_see_visits(viewer, student) or (viewer.role is Role.parent and student["id"] in viewer.student_ids)


def searches_citizen_ids(viewer: Viewer) -> bool:
    """Finding a student by citizen ID (sensitive: issue 10 shows it only to admins and the homeroom teacher):
    admins only."""
    return viewer.holds({Role.admin})


def can_see_register(viewer: Viewer, classroom_id: int, homeroom_period: bool) -> bool:
    """A classroom's register of a day: the morning one for its homeroom teachers, a lesson's for its teachers; the
    head of its grade and the school's leaders read both (only those who take a register mark it)."""
    if viewer.can(Permission.view_school) or viewer.supervises(classroom_id):
        return True
    return viewer.keeps_homeroom(classroom_id) if homeroom_period else viewer.teaches(classroom_id)


# Screening -------------------------------------------------------------------------------------------------
# Results are about a child's mental health: the student's homeroom teachers, counsellors and executives read them.
# Admins, subject teachers, discipline officers and nurses see none. A parent sees their own parent form and the
# confirmed group; a student fills in their own forms and sees no scores.

SCREENING_READERS = {Role.counsellor, Role.executive}


def can_see_screening(viewer: Viewer, student: dict) -> bool:
    if student["school"] != viewer.school_id:
        return False
    return viewer.oversees(student["classroom"]) or viewer.holds(SCREENING_READERS)


def can_fill_form(viewer: Viewer, student: dict, informant: str) -> bool:
    """Each informant fills in their own form: the student about themself, a parent about their child, the
    homeroom teacher about a student of their homeroom."""
    if student["school"] != viewer.school_id:
        return False
    if informant == "student":
        return viewer.role is Role.student and student["id"] in viewer.student_ids
    if informant == "parent":
        return viewer.role is Role.parent and student["id"] in viewer.student_ids
    return informant == "teacher" and viewer.keeps_homeroom(student["classroom"])


def can_enter_paper(viewer: Viewer, student: dict) -> bool:
    """A form filled on paper is typed in by the homeroom teacher or a counsellor."""
    if student["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(student["classroom"]) or viewer.holds({Role.counsellor})


def can_see_classroom_screening(viewer: Viewer, classroom: dict) -> bool:
    """A classroom's screening summary: its homeroom teachers, counsellors and executives."""
    if classroom["school"] != viewer.school_id:
        return False
    return viewer.oversees(classroom["id"]) or viewer.holds(SCREENING_READERS)


def can_confirm_group(viewer: Viewer, student: dict) -> bool:
    return student["school"] == viewer.school_id and viewer.keeps_homeroom(student["classroom"])


# An earlier school year's screening (a classroom of last year, with a term of it). The care record follows the
# student, as Thai schools hand a class's records over to its new homeroom teacher at the start of the year:
# counsellors and executives read every earlier classroom; this year's homeroom teachers and grade-level heads read
# there the students now in the classrooms they oversee, and nobody else; last year's homeroom teacher, whose class
# has moved on, reads nothing of it (the students' new homeroom teachers do).


def earlier_screening_students(viewer: Viewer):
    """A where-clause on Student: whose screening of an earlier school year this viewer reads (see above)."""
    same_school = Student.school == viewer.school_id
    if viewer.holds(SCREENING_READERS):
        return same_school
    rooms = viewer.classroom_ids | viewer.supervised_ids
    return same_school & Student.classroom.is_in(list(rooms)) if rooms else Student.id < 0


def can_see_earlier_classroom_screening(viewer: Viewer, classroom: dict, followed: int) -> bool:
    """An earlier school year's classroom: counsellors and executives; a homeroom teacher or grade-level head when
    `followed` (how many of its students earlier_screening_students gives them) is not zero, and only those."""
    if classroom["school"] != viewer.school_id:
        return False
    return viewer.holds(SCREENING_READERS) or followed > 0


# Behaviour ---------------------------------------------------------------------------------------------------------
# Any teacher records an incident or a good deed for any student of the school (a teacher on gate duty does not
# teach the smoker they catch). Reading: the discipline officer and executives the whole school; homeroom teachers
# and the grade's head their classrooms; the counsellor the students flagged for the care team; a teacher what they
# recorded; a parent their own child and a student themself, as the school words it for families.


def behaviour_pickable(viewer: Viewer):
    """The where-clause for the students a recorder may name: the whole school (names and classes, no records)."""
    if not viewer.can(Permission.record_behaviour):
        return Student.id < 0
    return Student.school == viewer.school_id


def can_see_behaviour_of(viewer: Viewer, student: dict, flagged: bool = False) -> bool:
    """A student's incidents, good deeds and conduct points (needs school, id, classroom). `flagged`: the care team
    follows the student (a rule flagged them, or a care case is open), which opens them to counsellors."""
    if student["school"] != viewer.school_id:
        return False
    if viewer.can(Permission.view_behaviour_school) or viewer.oversees(student["classroom"]):
        return True
    if flagged and viewer.holds({Role.counsellor}):
        return True
    return student["id"] in viewer.student_ids and (viewer.can(Permission.view_children)
                                                    or viewer.can(Permission.view_own_attendance))


def reads_behaviour_as_family(viewer: Viewer) -> bool:
    """Parents and students read what the school words for families: the category's parent wording, never the
    staff's description, the recorder or other students' names."""
    return not viewer.is_staff


def can_see_incident(viewer: Viewer, incident: dict, students: list[dict], followed: frozenset[int] = frozenset()
                     ) -> bool:
    """An incident opens to whoever recorded it and to whoever may see the behaviour of one of its students
    (`followed`: those of them the care team follows, see can_see_behaviour_of)."""
    if incident["school"] != viewer.school_id:
        return False
    return incident["recorded_by"] == viewer.user_id or any(
        can_see_behaviour_of(viewer, s, s["id"] in followed) for s in students)


def can_void_incident(viewer: Viewer, incident: dict) -> bool:
    """A wrong record is voided (never deleted) by whoever recorded it or by the discipline officer."""
    return incident["school"] == viewer.school_id and (
        incident["recorded_by"] == viewer.user_id or viewer.can(Permission.manage_behaviour))


def can_sign_off_service(viewer: Viewer, student: dict) -> bool:
    """Community service hours done: signed off by the discipline officer or the student's homeroom teacher."""
    return student["school"] == viewer.school_id and (
        viewer.can(Permission.manage_behaviour) or viewer.keeps_homeroom(student["classroom"]))


# Behaviour: notices to families (acknowledgements, probation letters, incident photos) ---------------------------


def can_acknowledge_incident(viewer: Viewer, student: dict) -> bool:
    """A guardian acknowledges, in the app, an incident of their own child (a student does not sign for themself;
    a guardian of another child gets "no such record")."""
    return student["school"] == viewer.school_id and viewer.is_parent_of(student["id"])


def handles_probation(viewer: Viewer, student: dict) -> bool:
    """The probation letter is printed, and the guardian's signature on it recorded, by those who meet the guardian
    about it: the discipline officer and the student's homeroom teacher (as for community service)."""
    return can_sign_off_service(viewer, student)


def can_see_incident_photo(viewer: Viewer) -> bool:
    """An incident's photo may show other children (a fight): staff who may see the record, never families."""
    return viewer.is_staff


MAX_CARRIED_CLASSES = 12  # a teacher's week of classes; the whole school is too long a list for a phone page


def carried_class_lists(viewer: Viewer) -> frozenset[int]:
    """The classrooms whose lists the incident form carries, to tick students with no signal: one's homerooms and
    the classes one teaches (names only, as recorders may search the whole school). Staff of the whole school, or
    with more classes than a page can carry, search instead."""
    if not viewer.can(Permission.record_behaviour):
        return frozenset()
    rooms = viewer.classroom_ids | viewer.teaching_ids
    return rooms if len(rooms) <= MAX_CARRIED_CLASSES else frozenset()


def can_add_incident_photo(viewer: Viewer, incident: dict) -> bool:
    """The photo comes from the phone that recorded the incident."""
    return incident["school"] == viewer.school_id and incident["recorded_by"] == viewer.user_id


# Behaviour: the workspaces (behaviour.reports) --------------------------------------------------------------------


def behaviour_rooms(viewer: Viewer) -> frozenset[int]:
    """The classrooms whose week a homeroom teacher or grade head follows on the behaviour page: the same rooms
    can_see_behaviour_of opens to them."""
    return viewer.classroom_ids | viewer.supervised_ids


def sees_school_behaviour(viewer: Viewer) -> bool:
    """The school's behaviour workspace, its year against last and the flagpole's good deeds: the discipline
    officer and executives."""
    return viewer.can(Permission.view_behaviour_school)


# Behaviour: rules that alert (behaviour.rules) ----------------------------------------------------------------------


def can_mark_firing_seen(viewer: Viewer, firing: dict) -> bool:
    """A rule fired for a student (needs school, classroom): their homeroom teacher is told, and marks it seen."""
    return firing["school"] == viewer.school_id and viewer.keeps_homeroom(firing["classroom"])


# Behaviour: the weekly digest -----------------------------------------------------------------------------------
# A homeroom teacher's week is theirs, and the grade's head and the executives read it too (they oversee the
# classroom); the discipline officer and counsellors read behaviour and screening elsewhere, not the teacher's digest.

DIGEST_OVERSEERS = {Role.executive}


def reads_digests(viewer: Viewer) -> bool:
    """The list of weekly digests: homeroom teachers (their own), grade heads (their grades'), executives."""
    return viewer.is_staff and bool(viewer.classroom_ids or viewer.supervised_ids or viewer.holds(DIGEST_OVERSEERS))


def can_read_digest(viewer: Viewer, digest: dict) -> bool:
    """One week's digest (needs school, teacher, classroom): the teacher it was built for, and who oversees it."""
    return digest["school"] == viewer.school_id and viewer.is_staff and (
        digest["teacher"] == viewer.user_id or viewer.supervises(digest["classroom"])
        or viewer.holds(DIGEST_OVERSEERS))


def readable_digests(viewer: Viewer, teacher, classroom):
    """The where-clause of can_read_digest on a digest's teacher and classroom columns (the school apart)."""
    if viewer.holds(DIGEST_OVERSEERS):
        return teacher.is_not_null()
    return (teacher == viewer.user_id) | classroom.is_in(list(viewer.supervised_ids) or [-1])


# The weekly family summary (summary) -------------------------------------------------------------------------------
# A guardian's week of their children is theirs: the parent account linked to that guardian reads it in the app, beside
# the push or SMS that carried it. No one else reads it there (a child's other guardian has their own; staff read the
# facts where they keep them, and the admin sees the messages sent in the outbox).


def reads_family_summaries(viewer: Viewer) -> bool:
    return viewer.is_parent and viewer.handed_over_by is None and viewer.can(Permission.view_children)


def can_read_family_summary(viewer: Viewer, summary: dict) -> bool:
    """One week's summary (needs school and guardian_user): the parent it was built for."""
    return (reads_family_summaries(viewer) and summary["school"] == viewer.school_id
            and summary["guardian_user"] is not None and summary["guardian_user"] == viewer.user_id)


def readable_family_summaries(viewer: Viewer, school, guardian_user):
    """The where-clause of can_read_family_summary on a summary's school and its guardian's user columns."""
    return (school == viewer.school_id) & (guardian_user == viewer.user_id)


def same_school(viewer: Viewer, school_id: int) -> None:
    if school_id != viewer.school_id:
        raise PermissionDeniedException()


def current_viewer(connection: ASGIConnection) -> Viewer:
    viewer = connection.scope.get("user")
    if not isinstance(viewer, Viewer):
        raise NotAuthorizedException()
    return viewer


def requires(*permissions: Permission):
    """A route guard: the signed-in viewer must hold one of these permissions."""

    # async: Litestar runs a plain function guard in a thread pool, a cost on every request for no gain.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        viewer = current_viewer(connection)
        if not any(viewer.can(permission) for permission in permissions):
            raise PermissionDeniedException()

    guard.__name__ = "requires_" + "_or_".join(permission.value for permission in permissions)
    return guard


async def requires_sign_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_viewer(connection)


async def school_of(viewer: Viewer) -> dict:
    return await School.select().where(School.id == viewer.school_id).first()


# accounts: role grants and resets (issue 9, finding 7) ------------------------------------------------------------
# Roles that read children's sensitive data school-wide (screening results, the health and family sections, …).
# Homeroom teachers read their homeroom's, which comes by an assignment (audited as HomeroomChange), not a role.
# A grade-level head reads a whole grade's records and screening: granted like the counsellor.
ROLES_READING_SENSITIVE_DATA = frozenset({Role.counsellor, Role.executive, Role.nurse, Role.discipline,
                                          Role.grade_head})


# Roles that may keep a homeroom (which opens its children's records and screening): staff, but not admins, who
# read no screening results.
HOMEROOM_ROLES = frozenset(r for r in Role if r not in NOT_STAFF | {Role.admin})


def may_keep_homeroom(roles) -> bool:
    """Whether someone holding these roles may be given a homeroom: an admin may not, whatever else they hold (they
    could otherwise give themself any classroom's records)."""
    roles = frozenset(roles)
    return Role.admin not in roles and not roles.isdisjoint(HOMEROOM_ROLES)


def may_head_grade(roles) -> bool:
    """A grade is headed by someone granted the grade-level head role (an executive confirmed it), never an admin."""
    roles = frozenset(roles)
    return Role.grade_head in roles and Role.admin not in roles


# Who may be given a class to teach (accounts.teaching): the same staff as may keep a homeroom.
TEACHING_ROLES = HOMEROOM_ROLES


def teaching_terms(term_number: int | None) -> list[int]:
    """The assignments that open a class's period registers now: the whole year's (term 0) and this term's; between
    terms, both terms' (a teacher may still correct the last day's register)."""
    return [0, term_number] if term_number else [0, 1, 2]


def grant_needs_confirmation(role: Role) -> bool:
    """An admin's grant of this role waits for an executive before the account can sign in."""
    return role in ROLES_READING_SENSITIVE_DATA



# Care: cases, help plans, follow-ups, counselling notes --------------------------------------------------------------
# A case is the case team's: counsellors, executives and the student's homeroom teacher. Whoever is responsible for
# an activity of its plan (any staff member) sees the case's plan and follow-ups and writes follow-ups, but reads
# only the notes written for the student's teachers. Notes for the case team only are audited on every read.
CASE_TEAM_ROLES = frozenset({Role.counsellor, Role.executive})


# Who is never made responsible for a help in a case's plan (any other staff member may be).
NEVER_RESPONSIBLE_ROLES = frozenset({Role.parent, Role.student, Role.admin})
# The head of the care system: told of referrals nobody accepted in time.
CARE_HEADS = frozenset({Role.executive})


def care_rooms(viewer: Viewer) -> frozenset[int] | None:
    """Whose care lists (students needing a case, open cases, support) a person follows: None for the whole school
    (counsellors and executives), else the classrooms of their homerooms."""
    return None if viewer.is_staff and viewer.holds(CASE_TEAM_ROLES) else viewer.classroom_ids


def hears_of_late_referrals(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.holds(CARE_HEADS)


def in_case_team(viewer: Viewer, student: dict) -> bool:
    """Opens, plans, closes and reads every note of a student's cases (needs school, classroom)."""
    if student["school"] != viewer.school_id or not viewer.is_staff:
        return False
    return viewer.holds(CASE_TEAM_ROLES) or viewer.keeps_homeroom(student["classroom"])


def can_see_case(viewer: Viewer, student: dict, responsible_ids: set[int]) -> bool:
    return in_case_team(viewer, student) or (student["school"] == viewer.school_id
                                             and viewer.user_id in responsible_ids)


def can_follow_up(viewer: Viewer, student: dict, responsible_ids: set[int]) -> bool:
    """A follow-up is written by the case team or by someone responsible for a help in the plan."""
    return can_see_case(viewer, student, responsible_ids)


def can_read_note(viewer: Viewer, student: dict, sensitivity: str, responsible_ids: set[int]) -> bool:
    if in_case_team(viewer, student):
        return True
    if sensitivity == "case_team":
        return False
    if student["school"] == viewer.school_id and viewer.is_staff and (
            viewer.teaches(student["classroom"]) or viewer.user_id in responsible_ids):
        return True
    return sensitivity == "parents" and viewer.is_parent_of(student["id"])


def notes_need_password(viewer: Viewer) -> bool:
    """The case team's notes, readable by this person, wait for their password after an idle gap. Parents and
    students never read those notes; a session without a password (a one-time code, a student's handed-over device)
    has none entered, so nothing of the case team's opens before one is chosen and entered."""
    return not viewer.password_fresh


def reads_family_notes(viewer: Viewer, student: dict) -> bool:
    """A parent reads the notes written "also for the parents" on their child's page (they never open the case);
    staff read notes on the case itself."""
    return viewer.is_parent and can_read_note(viewer, student, "parents", set())


def can_receive_referral(viewer: Viewer, referral: dict) -> bool:
    """A referral inside the school is received by the teacher it names, or by whoever holds the role it names."""
    if referral["school"] != viewer.school_id or not viewer.is_staff or not referral["to_role"]:
        return False
    if referral["to_user"] is not None:
        return referral["to_user"] == viewer.user_id
    return referral["to_role"] in {role.value for role in viewer.roles}


def can_refer_outside(viewer: Viewer, student: dict, receives_a_referral: bool) -> bool:
    """Outside the school: a counsellor of the case team, or the discipline officer a referral of the case reached."""
    if student["school"] != viewer.school_id:
        return False
    return (viewer.holds({Role.counsellor}) and in_case_team(viewer, student)) or (
        viewer.holds({Role.discipline, Role.counsellor}) and receives_a_referral)


def manages_agencies(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.holds({Role.counsellor, Role.discipline})


def can_raise_urgent(viewer: Viewer, student: dict) -> bool:
    """Any teacher of the school who fears for a student starts the same-day path (they see nothing more of the case
    than they could before)."""
    return student["school"] == viewer.school_id and viewer.can(Permission.record_behaviour)


def can_nominate_support(viewer: Viewer, student: dict) -> bool:
    """Putting a student forward for the EEF grant or a scholarship (and reading the household's income beside it):
    the student's homeroom teacher, counsellors and executives, as for home visits."""
    return student["school"] == viewer.school_id and viewer.is_staff and (
        viewer.keeps_homeroom(student["classroom"]) or viewer.holds(CASE_TEAM_ROLES))


def can_answer_phqa(viewer: Viewer) -> bool:
    """The PHQ-A is answered by the student about themself (on their own phone or their teacher's device)."""
    return viewer.is_student and len(viewer.student_ids) == 1


def sees_school_phqa(viewer: Viewer) -> bool:
    """The PHQ-A answers are the school's counsellors' and executives' only: not the homeroom teacher's, not the
    parents'."""
    return viewer.is_staff and viewer.holds(CASE_TEAM_ROLES) and viewer.handed_over_by is None


def can_see_phqa(viewer: Viewer, student: dict) -> bool:
    return student["school"] == viewer.school_id and sees_school_phqa(viewer)


def can_decide_support(viewer: Viewer) -> bool:
    """What came of a nomination (received, the amount): the school's executives and counsellors."""
    return viewer.is_staff and viewer.holds(CASE_TEAM_ROLES)


# The student's care summary (records.summary) -----------------------------------------------------------------------
# แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล: screening, help and referral on one page, as Thai schools print it. It opens
# to the staff who read its core, the student's screening or their care: the homeroom teachers, the head of the grade
# (screening only), the counsellors and the executives; not a subject teacher, the admin, the nurse or the discipline
# officer, who read none of it. Each section then shows what its own rule lets the viewer read: screening by
# can_see_screening, cases and referrals by in_case_team, behaviour by can_see_behaviour_of, attendance to whoever
# may see the student. A section the viewer may not read is left out and said to be, never shown empty. A class's
# summaries (one page each) are for its homeroom teachers and those above them: the head of its grade, the
# counsellors and the executives.
SUMMARY_READERS = SCREENING_READERS | CASE_TEAM_ROLES


def can_see_care_summary(viewer: Viewer, student: dict) -> bool:
    """A student's summary (needs school, classroom)."""
    return (viewer.is_staff and viewer.handed_over_by is None
            and (can_see_screening(viewer, student) or in_case_team(viewer, student)))


def can_print_class_summaries(viewer: Viewer, classroom: dict) -> bool:
    """A class's summaries, one page per student (needs id, school)."""
    return (classroom["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and (viewer.oversees(classroom["id"]) or viewer.holds(SUMMARY_READERS)))


# Care: development plans for students in the special group (care.talent) --------------------------------------------
# A plan for a gifted or talented student is good news: the student's homeroom teachers and the counsellors write it;
# the case team, the grade's head, everyone who teaches the student and whoever is responsible for one of its
# activities read it; so do the student's parents and the student themself (nothing on it is for staff only). Who is
# in the special group without a plan yet is a screening finding: only those who read screening see that list.
TALENT_WRITERS = frozenset({Role.counsellor})


def can_write_talent_plan(viewer: Viewer, student: dict) -> bool:
    """Writing, revising and closing a plan, its activities and achievements (needs school, classroom)."""
    return (student["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and (viewer.keeps_homeroom(student["classroom"]) or viewer.holds(TALENT_WRITERS)))


def can_read_talent_plan(viewer: Viewer, student: dict, responsible_ids=frozenset()) -> bool:
    """Reading a student's plans and achievements (needs school, id, classroom)."""
    if student["school"] != viewer.school_id or viewer.handed_over_by is not None:
        return False
    if viewer.is_staff:
        return (viewer.holds(CASE_TEAM_ROLES) or viewer.oversees(student["classroom"])
                or viewer.teaches(student["classroom"]) or viewer.user_id in responsible_ids)
    return student["id"] in viewer.student_ids  # a parent's own child, or the student themself


def talent_rooms(viewer: Viewer) -> frozenset[int] | None:
    """Whose plans a member of staff lists: None for the whole school (the case team), else the classrooms they keep,
    head or teach."""
    if viewer.holds(CASE_TEAM_ROLES):
        return None
    return viewer.classroom_ids | viewer.supervised_ids | viewer.teaching_ids


def sees_special_without_plan(viewer: Viewer, student: dict) -> bool:
    """Being told a student is in the special group with no plan yet: those who read the student's screening."""
    return viewer.is_staff and can_see_screening(viewer, student)


# Promotion: homeroom activities and parents' classroom meetings -----------------------------------------------------
# A homeroom's teachers record its activities and its parents' meetings. The head of its grade and the executives
# read them and see each class's counts this term. A parent answers the invitations of their own children's classes.
PROMOTION_PERMISSIONS = frozenset({Permission.use_promotion, Permission.answer_meetings,
                                   Permission.view_white_classrooms, Permission.read_guidelines,
                                   Permission.manage_guidelines, Permission.keep_parent_network})
PROMOTION_READERS = frozenset({Role.executive})


def promotion_permission(viewer: Viewer, permission: Permission) -> bool:
    if permission is Permission.answer_meetings:
        return viewer.can(Permission.view_children)
    if permission is Permission.view_white_classrooms:
        return sees_white_classrooms(viewer)
    if permission is Permission.read_guidelines:
        return reads_guidelines(viewer)
    if permission is Permission.manage_guidelines:
        return manages_guidelines(viewer)
    if permission is Permission.keep_parent_network:
        return keeps_school_network(viewer)
    return viewer.is_staff and viewer.handed_over_by is None and bool(
        viewer.classroom_ids or viewer.supervised_ids or viewer.holds(PROMOTION_READERS))


def can_see_class_promotion(viewer: Viewer, classroom: dict) -> bool:
    """A class's activities and meetings, with its guardians' replies and attendance (needs id, school)."""
    if classroom["school"] != viewer.school_id or not viewer.is_staff:
        return False
    return viewer.oversees(classroom["id"]) or viewer.holds(PROMOTION_READERS)


def can_record_promotion(viewer: Viewer, classroom: dict) -> bool:
    """Recording an activity, scheduling a meeting and recording it: the homeroom's own teachers."""
    return (classroom["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and viewer.keeps_homeroom(classroom["id"]))


def promotion_counts_classrooms(viewer: Viewer) -> frozenset[int] | None:
    """Whose per-class counts this viewer sees: None for the whole school (executives), else the grade's classes
    one heads and one's own homerooms."""
    if viewer.holds(PROMOTION_READERS):
        return None
    return viewer.supervised_ids | viewer.classroom_ids


def can_answer_invitation(viewer: Viewer, guardian: dict) -> bool:
    """A guardian's reply to an invitation is theirs to give (needs school, user)."""
    return (viewer.can(Permission.answer_meetings) and guardian["school"] == viewer.school_id
            and guardian["user"] == viewer.user_id)


# Promotion: the white classroom (ห้องเรียนสีขาว) ---------------------------------------------------------------------
# A class's homeroom teachers record its student committee (each member a student of the class), its motto and the
# committee's monthly reports. The class's page is read by those who oversee the class (its homeroom teachers, the
# head of its grade), the executives and the counsellors (who run the drug-free programme). The school page (which
# classes have a committee, which months have a report: class labels and counts, no names) is for the executives and
# counsellors (the whole school) and grade heads (their grades). Students and parents have no access: the committee
# is the class's own business, read on the classroom's board, and nothing here needs a phone at home.
WHITE_CLASSROOM_READERS = frozenset({Role.executive, Role.counsellor})


def _staff_in_person(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.handed_over_by is None


def sees_white_classrooms(viewer: Viewer) -> bool:
    return _staff_in_person(viewer) and bool(viewer.holds(WHITE_CLASSROOM_READERS) or viewer.supervised_ids)


def white_classroom_rooms(viewer: Viewer) -> frozenset[int] | None:
    """The classes on the school page: None for the whole school (executives, counsellors), else the grades one
    heads."""
    return None if viewer.holds(WHITE_CLASSROOM_READERS) else viewer.supervised_ids


def can_see_white_classroom(viewer: Viewer, classroom: dict) -> bool:
    """A class's committee, its history, its motto and its monthly reports (needs id, school)."""
    if classroom["school"] != viewer.school_id or not _staff_in_person(viewer):
        return False
    return viewer.oversees(classroom["id"]) or viewer.holds(WHITE_CLASSROOM_READERS)


def can_record_white_classroom(viewer: Viewer, classroom: dict) -> bool:
    """The committee, the motto and the monthly reports are recorded by the class's homeroom teachers."""
    return can_record_promotion(viewer, classroom)


# Promotion: guideline documents ---------------------------------------------------------------------------------------
# The school's guidelines for homeroom and prevention work are read by every staff member of the school (not
# parents, students or another school), and added, edited and retired by its admins, executives and counsellors.
GUIDELINE_MANAGERS = frozenset({Role.admin, Role.executive, Role.counsellor})


def reads_guidelines(viewer: Viewer) -> bool:
    return _staff_in_person(viewer)


def manages_guidelines(viewer: Viewer) -> bool:
    return _staff_in_person(viewer) and viewer.holds(GUIDELINE_MANAGERS)


def can_read_guideline(viewer: Viewer, document: dict) -> bool:
    """A guideline document, its text or its PDF (needs school)."""
    return document["school"] == viewer.school_id and reads_guidelines(viewer)


def can_manage_guideline(viewer: Viewer, document: dict) -> bool:
    return document["school"] == viewer.school_id and manages_guidelines(viewer)


# Promotion: the parent network (เครือข่ายผู้ปกครอง) ----------------------------------------------------------------------
# Each class's committee is made of guardians of its students, named by its homeroom teachers; the school's, of any
# guardian of the school, named by the admins and executives, who also see each class's committee and when it last
# met (the class's page, for them and those who oversee the class). Contact numbers are for those staff only.
# Sitting on a committee opens nothing of another family: a member reads their committee's page only (fellow
# members' names and roles, the meetings and their minutes), never a phone number or a child.
NETWORK_KEEPERS = frozenset({Role.admin, Role.executive})


def keeps_school_network(viewer: Viewer) -> bool:
    return _staff_in_person(viewer) and viewer.holds(NETWORK_KEEPERS)


def can_see_class_network(viewer: Viewer, classroom: dict) -> bool:
    """A class's committee with its members' numbers, its meetings and invitations (needs id, school)."""
    if classroom["school"] != viewer.school_id or not _staff_in_person(viewer):
        return False
    return viewer.oversees(classroom["id"]) or viewer.holds(NETWORK_KEEPERS)


def can_record_class_network(viewer: Viewer, classroom: dict) -> bool:
    """Naming a class's committee and calling and recording its meetings: the class's homeroom teachers."""
    return can_record_promotion(viewer, classroom)


def keeps_committee(viewer: Viewer, committee: dict) -> bool:
    """A committee's staff side (needs school, classroom: None for the school's): its members' seats and meetings.
    The staff above; never a parent, even one who sits on it."""
    if committee["school"] != viewer.school_id or viewer.handed_over_by is not None or viewer.is_parent:
        return False
    if committee["classroom"] is None:
        return keeps_school_network(viewer)
    return can_see_class_network(viewer, {"id": committee["classroom"], "school": committee["school"]})


def can_see_committee(viewer: Viewer, committee: dict, member_users: set[int]) -> bool:
    """A committee's page: the staff who keep it, or a parent who sits on it now (member_users: the accounts of its
    current members)."""
    if viewer.is_parent:
        return (committee["school"] == viewer.school_id and viewer.handed_over_by is None
                and viewer.can(Permission.answer_meetings) and viewer.user_id in member_users)
    return keeps_committee(viewer, committee)


def can_record_committee(viewer: Viewer, committee: dict) -> bool:
    if committee["school"] != viewer.school_id:
        return False
    if committee["classroom"] is None:
        return keeps_school_network(viewer)
    return can_record_class_network(viewer, {"id": committee["classroom"], "school": committee["school"]})


def sees_member_contacts(viewer: Viewer) -> bool:
    """Members' contact numbers: the staff who may see the committee; never a fellow member."""
    return _staff_in_person(viewer)


# Care: the school's care in numbers (care.reports) -------------------------------------------------------------------
# The executives (the head of the care system) and the counsellors see, per class and for the school, how many
# students at risk or with problems have a case, a plan and a follow-up, the referrals by status and age, and the
# homeroom activities and parents' meetings held: counts only, no names (the names stay on /care, for the case team).
CARE_OVERVIEW_ROLES = frozenset({Role.executive, Role.counsellor})


def sees_school_care(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.handed_over_by is None and viewer.holds(CARE_OVERVIEW_ROLES)


def sees_class_care_list(viewer: Viewer, classroom: dict) -> bool:
    """The students behind a class's care numbers, by name, with their case's status (needs id, school): those of
    its students' case team, the executives and counsellors (for any class) and the class's homeroom teacher. Not
    the head of its grade, who is not of the case team and learns no case by name (counts only, as in the digest)."""
    if classroom["school"] != viewer.school_id or not viewer.is_staff or viewer.handed_over_by is not None:
        return False
    return viewer.holds(CARE_OVERVIEW_ROLES) or viewer.keeps_homeroom(classroom["id"])


# Leave requests (ใบลา) --------------------------------------------------------------------------------------------
# A parent asks for leave for their own children (a student on a teacher's device does not). The child's homeroom
# teachers read it, answer it (accept or question) and enter one after a guardian's phone call; the head of the grade
# reads it. A reason may be about the child's health: nobody else reads it (the register shows only the kind).


def leave_permission(viewer: Viewer) -> bool:
    if viewer.handed_over_by is not None:
        return False
    if viewer.can(Permission.view_children):
        return True
    return viewer.is_staff and bool(viewer.classroom_ids or viewer.supervised_ids)


def can_ask_leave(viewer: Viewer, student_id: int) -> bool:
    return viewer.handed_over_by is None and viewer.can(Permission.view_children) and viewer.is_parent_of(student_id)


def can_see_leave(viewer: Viewer, leave: dict) -> bool:
    """A leave request (needs school, student, classroom): the child's parents, its homeroom teachers and grade head."""
    if leave["school"] != viewer.school_id or viewer.handed_over_by is not None:
        return False
    if viewer.is_parent:
        return viewer.is_parent_of(leave["student"])
    return viewer.is_staff and viewer.oversees(leave["classroom"])


def can_answer_leave(viewer: Viewer, leave: dict) -> bool:
    """Accepting or questioning a leave, and entering one after a phone call: the homeroom's own teachers."""
    return (leave["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and viewer.keeps_homeroom(leave["classroom"]))


def leave_rooms(viewer: Viewer) -> frozenset[int]:
    """The classrooms whose leave requests a member of staff reads: their homerooms and the grade they head."""
    return viewer.classroom_ids | viewer.supervised_ids if viewer.is_staff else frozenset()
# Conversations: messages between a guardian and their child's homeroom teachers (conversations) -------------------
# A thread is the guardian's and the child's homeroom teachers' (this year's, of the child's classroom): no other
# parent, not even the child's other guardian, and no other teacher reads it. The executive reads a thread only when a
# complaint arises, saying why; the read is audited. The teacher writes to one family or the whole class of their
# homeroom. No one else sends or reads these messages.
CONVERSATION_AUDITORS = frozenset({Role.executive})


def uses_conversations(viewer: Viewer) -> bool:
    """The messages page: a parent (their children's threads), a homeroom teacher (the inbox of their homerooms), an
    executive (threads of the school, each opened with a reason)."""
    if viewer.handed_over_by is not None:
        return False
    return viewer.can(Permission.view_children) or (viewer.is_staff and (
        bool(viewer.classroom_ids) or viewer.holds(CONVERSATION_AUDITORS)))


def can_write_to_teacher(viewer: Viewer, student: dict) -> bool:
    """A guardian writes about their own child (needs school, id); a child who is not theirs does not exist."""
    return (student["school"] == viewer.school_id and viewer.can(Permission.view_children)
            and viewer.is_parent_of(student["id"]))


def is_own_thread(viewer: Viewer, thread: dict) -> bool:
    """The guardian's own thread (needs school, student, guardian_user): never another guardian's of the child."""
    return (thread["school"] == viewer.school_id and viewer.can(Permission.view_children)
            and thread["guardian_user"] == viewer.user_id and viewer.is_parent_of(thread["student"]))


def can_answer_thread(viewer: Viewer, thread: dict) -> bool:
    """The child's homeroom teachers read and answer (needs school, classroom: the child's classroom)."""
    return (thread["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and thread["classroom"] is not None and viewer.keeps_homeroom(thread["classroom"]))


def can_audit_thread(viewer: Viewer, thread: dict) -> bool:
    """An executive of the school, with a reason that is recorded."""
    return (thread["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and viewer.holds(CONVERSATION_AUDITORS))


def audits_conversations(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.handed_over_by is None and viewer.holds(CONVERSATION_AUDITORS)


def can_message_class(viewer: Viewer, classroom: dict) -> bool:
    """A message to a family of the class or the whole class: its homeroom teachers (needs id, school)."""
    return (classroom["school"] == viewer.school_id and viewer.is_staff and viewer.handed_over_by is None
            and viewer.keeps_homeroom(classroom["id"]))


def sets_reply_hours(viewer: Viewer) -> bool:
    """The school's hours for replies: who keeps the school's settings."""
    return viewer.can(Permission.manage_school)


# The parents' satisfaction survey (survey) -------------------------------------------------------------------------
# The school's admin or an executive opens the term's survey. Answers are anonymous: they carry no guardian, and a
# class's results are shown to its homeroom teachers only once enough guardians answered that no single parent can be
# picked out (with two answers, a teacher who knows one parent's views reads the other's). Executives read the
# school's results and every class's; nobody sees who answered what.
SURVEY_OPENERS = frozenset({Role.admin, Role.executive})
SURVEY_READERS = frozenset({Role.executive})
SURVEY_MIN_ANSWERS = 5


def uses_surveys(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.handed_over_by is None and (
        viewer.holds(SURVEY_OPENERS) or bool(viewer.classroom_ids))


def opens_surveys(viewer: Viewer) -> bool:
    return viewer.is_staff and viewer.handed_over_by is None and viewer.holds(SURVEY_OPENERS)


def reads_school_survey(viewer: Viewer) -> bool:
    """The school's results and every class's, whatever their number of answers."""
    return viewer.is_staff and viewer.handed_over_by is None and viewer.holds(SURVEY_READERS)


def can_open_class_survey(viewer: Viewer, classroom: dict) -> bool:
    """A class's survey page (needs id, school): the executives, and the class's homeroom teachers, who may be told
    there is too little to show."""
    return classroom["school"] == viewer.school_id and (
        reads_school_survey(viewer) or (uses_surveys(viewer) and viewer.keeps_homeroom(classroom["id"])))


def can_read_class_survey(viewer: Viewer, classroom: dict, answered: int) -> bool:
    """A class's results: the executives; its homeroom teachers only when at least SURVEY_MIN_ANSWERS answered."""
    if not can_open_class_survey(viewer, classroom):
        return False
    return reads_school_survey(viewer) or answered >= SURVEY_MIN_ANSWERS


def can_answer_survey(viewer: Viewer, code: dict) -> bool:
    """A parent answers in the app with their own guardian's code (needs school, user)."""
    return (viewer.can(Permission.answer_surveys) and code["school"] == viewer.school_id
            and code["user"] == viewer.user_id)


# Supervision and PDCA (supervision) --------------------------------------------------------------------------------
# The director and the head of the care system watch the whole care system of the school term by term: its five
# components in numbers, each opening the classes and students behind it; attendance today; the risk-behaviour trend;
# each homeroom's progress. The executives and the counsellors see the whole school; a grade-level head sees the same
# figures for the grades they head (and no trend of the school's behaviour). A figure's students are named only as
# far as the area that keeps them names them to this person (a grade head sees the classes' care counts, not who has a
# case). The school's targets are set by its executives; the care committee (executives and counsellors) records what
# a term taught (the PDCA "act").
SUPERVISION_ROLES = frozenset({Role.executive, Role.counsellor})
TARGET_SETTERS = frozenset({Role.executive})
CARE_COMMITTEE = frozenset({Role.executive, Role.counsellor})


def sees_supervision(viewer: Viewer) -> bool:
    """The supervision pages, whose figures open the students behind them (as far as each area names them)."""
    return _staff_in_person(viewer) and (viewer.holds(SUPERVISION_ROLES) or bool(viewer.supervised_ids))


def counts_figures(viewer: Viewer) -> bool:
    """The figures themselves (supervision.figures): those who see the supervision pages, and a school seen from
    its area supervisor's office (counts only: the students behind them stay closed, see sees_figure_names)."""
    return sees_supervision(viewer) or _area_aggregates(viewer)


def supervision_rooms(viewer: Viewer) -> frozenset[int] | None:
    """The classrooms (this school year's) whose figures a person sees: None for the whole school."""
    return None if viewer.holds(SUPERVISION_ROLES) or _area_aggregates(viewer) else viewer.supervised_ids


def sees_risk_trend(viewer: Viewer) -> bool:
    """The school's risk incidents month by month (counts, no names): those who see the whole school's figures."""
    return (sees_supervision(viewer) and viewer.holds(SUPERVISION_ROLES)) or _area_aggregates(viewer)


def sees_figure_names(viewer: Viewer, area: str, classroom: dict) -> bool:
    """The students behind a figure of a class, by name (needs id, school): as far as the area keeping the figure
    names them to this person on its own pages. Promotion's figures are of classes, never of students."""
    if classroom["school"] != viewer.school_id or not sees_supervision(viewer):
        return False
    if area == "screening":
        return can_see_classroom_screening(viewer, classroom)
    if area == "visits":
        return can_see_classroom_visits(viewer, classroom)
    if area == "care":
        return sees_class_care_list(viewer, classroom)
    if area == "records":  # who has a record still to complete (no section's content): those who read the class
        return viewer.oversees(classroom["id"]) or viewer.holds(SUPERVISION_ROLES)
    return False


def makes_care_report(viewer: Viewer) -> bool:
    """The school's term report pack (PDF, XLSX): the care committee, who see the whole school's figures. A grade-level
    head is refused it: the pack is the school's report to the area office, while their own grades' figures are on
    their supervision pages. Its parts follow their areas' rules: the parents' survey only for those who read the
    school's results, the behaviour by category (counts, no names) for those who see the risk-behaviour trend.
    An area supervisor gets the same pack of a school they oversee, made with that school's aggregates-only viewer
    (see "The area view" below): counts and its homeroom teachers' names, no student's."""
    return (sees_supervision(viewer) and viewer.holds(SUPERVISION_ROLES)) or _area_aggregates(viewer)


def sets_care_targets(viewer: Viewer) -> bool:
    return _staff_in_person(viewer) and viewer.holds(TARGET_SETTERS)


def writes_care_reflection(viewer: Viewer) -> bool:
    """The term's reflection: what worked, what did not, what changes next term (read and written by the committee)."""
    return _staff_in_person(viewer) and viewer.holds(CARE_COMMITTEE)


# The area view (supervision.area) -----------------------------------------------------------------------------------
# An area supervisor (ศึกษานิเทศก์ of the educational service area office) oversees several schools of the deployment,
# named by the deployment's operator (SupervisedSchool, `doolae create-area-supervisor`), and sees each one's care
# system in numbers: coverage per component and per grade, attendance today, risk incidents against last year.
# Counts only: never a student's name, a class's list or any record. How that holds:
# - Their own (request's) Viewer belongs to no school (school_id NO_SCHOOL matches no row), holds no classroom,
#   class taught, grade or child, no extra role (load_viewer ignores any), is not staff (NOT_STAFF), and their role
#   grants view_area alone: every predicate above refuses them every record, as it refuses a stranger.
# - A school's figures are counted with a Viewer of that school made by accounts.sessions.area_figures_viewer only
#   for a school they oversee. It is still an area supervisor's Viewer (the same empty ids, not staff, view_area
#   only); its one difference, aggregates_only, is read by counts_figures, supervision_rooms and sees_risk_trend
#   alone: the aggregate functions of supervision.figures. Handed by mistake to anything that lists students, it
#   would be refused like any stranger (sees_figure_names is False for it: figures' gaps name nobody).
# - Accounts of this role are not staff roles (STAFF_ROLES): a school's admin cannot list, reset, widen or make one.
NO_SCHOOL = 0  # the school id of an area supervisor's own Viewer: no row has it


def _area_aggregates(viewer: Viewer) -> bool:
    return viewer.aggregates_only and viewer.role is Role.area_supervisor and viewer.school_id in viewer.area_school_ids


def oversees_school(viewer: Viewer, school_id: int) -> bool:
    """A school whose figures an area supervisor sees (the area pages, and the school's report pack when it comes)."""
    return viewer.can(Permission.view_area) and not viewer.aggregates_only and school_id in viewer.area_school_ids
