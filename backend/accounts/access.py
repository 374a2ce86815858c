"""Who may see what: the one place that decides. Every route guard and every scoped query comes from here.

Rules:
- Everyone sees only their own school.
- Admins, executives, counsellors, discipline officers and nurses see the whole school's roster.
- A homeroom teacher sees the students of the classrooms assigned to them this school year.
- A parent sees only the children linked to them as a guardian; a student sees only themself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.tables import HomeroomAssignment, Role, TeachingAssignment
from backend.i18n import N_
from backend.schools import services as schools
from backend.schools.tables import School
from backend.students.tables import Student, StudentGuardian


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


SCHOOL_WIDE = {Role.admin, Role.executive, Role.counsellor, Role.discipline, Role.nurse}

ROLE_PERMISSIONS: dict[Role, set[Permission]] = {
    Role.admin: {Permission.manage_roster, Permission.manage_users, Permission.view_school, Permission.view_students,
                 Permission.view_outbox, Permission.manage_school, Permission.manage_screening},
    Role.executive: {Permission.view_school, Permission.view_students, Permission.view_screening_school,
                     Permission.review_account_changes},
    Role.counsellor: {Permission.view_students, Permission.manage_screening, Permission.view_screening_school},
    Role.discipline: {Permission.view_students},
    Role.nurse: {Permission.view_students},
    Role.homeroom_teacher: set(),
    Role.subject_teacher: set(),
    Role.parent: {Permission.view_children, Permission.fill_questionnaires},
    Role.student: {Permission.fill_questionnaires},
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, with everything access decisions need, loaded once per request."""

    user_id: int
    school_id: int
    school_short_name: str
    role: Role
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

    def can(self, permission: Permission) -> bool:
        # Homeroom and teaching rights follow this year's assignments, whatever the staff role.
        if permission in (Permission.view_homeroom, Permission.take_register):
            return bool(self.classroom_ids)
        if permission is Permission.mark_periods:
            return bool(self.classroom_ids or self.teaching_ids)
        if permission is Permission.use_attendance:
            return any(self.can(p) for p in (Permission.mark_periods, Permission.view_children, Permission.view_school))
        if permission is Permission.use_visits:
            return self.can(Permission.view_homeroom) or sees_school_visits(self)
        if permission is Permission.use_screening:
            return self.is_staff and any(self.can(p) for p in (
                Permission.view_homeroom, Permission.view_screening_school, Permission.manage_screening))
        if permission is Permission.hand_back:
            return self.handed_over_by is not None
        return permission in ROLE_PERMISSIONS[self.role]

    def keeps_homeroom(self, classroom_id: int) -> bool:
        return classroom_id in self.classroom_ids

    def teaches(self, classroom_id: int) -> bool:
        return classroom_id in self.teaching_ids or classroom_id in self.classroom_ids

    @property
    def is_staff(self) -> bool:
        return self.role not in (Role.parent, Role.student)

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


# The navigation, in order. A link shows exactly when its page opens: both ask viewer.can(item.permission), and
# tests/test_privacy_routes.py checks every link against the route table.
MENU = (
    MenuItem("/students/homeroom", N_("My homeroom"), Permission.view_homeroom),
    MenuItem("/attendance", N_("Attendance"), Permission.use_attendance),
    MenuItem("/visits", N_("Home visits"), Permission.use_visits),
    MenuItem("/screening", N_("Questionnaires"), Permission.fill_questionnaires),
    MenuItem("/screening", N_("Screening"), Permission.use_screening),
    MenuItem("/roster/import", N_("Roster"), Permission.manage_roster),
    MenuItem("/admin/users", N_("Staff"), Permission.manage_users),
    MenuItem("/admin/homerooms", N_("Homerooms"), Permission.manage_users),
    MenuItem("/admin/parents", N_("Parents"), Permission.manage_users),
    MenuItem("/notify/outbox", N_("Messages"), Permission.view_outbox),
    MenuItem("/account-changes", N_("Accounts and passwords given"), Permission.review_account_changes),
)


def menu(viewer: Viewer) -> list[MenuItem]:
    return [item for item in MENU if viewer.can(item.permission)]


async def load_viewer(user: dict, today: date) -> Viewer:
    """Build a Viewer from the session's user row (see accounts.services.session_user)."""
    role = Role(user["role"])
    year = await schools.school_year_now(user["school"], today)
    classroom_ids: frozenset[int] = frozenset()
    teaching_ids: frozenset[int] = frozenset()
    student_ids: frozenset[int] = frozenset()
    if role not in (Role.parent, Role.student):
        rows = await HomeroomAssignment.select(HomeroomAssignment.classroom).where(
            (HomeroomAssignment.teacher == user["id"]) & (HomeroomAssignment.school_year == year.school_year_id)
        )
        classroom_ids = frozenset(r["classroom"] for r in rows)
        rows = await TeachingAssignment.select(TeachingAssignment.classroom).where(
            (TeachingAssignment.teacher == user["id"]) & (TeachingAssignment.school_year == year.school_year_id))
        teaching_ids = frozenset(r["classroom"] for r in rows)
    elif "student_ids" in user:  # read with the session (accounts.sessions.session_user)
        student_ids = user["student_ids"]
    elif role is Role.parent:
        # On every parent request: written out, as Piccolo spends about 1 ms of CPU building this select.
        rows = await StudentGuardian.raw(
            'SELECT sg.student FROM student_guardian sg JOIN guardian g ON g.id = sg.guardian WHERE g."user" = {}',
            user["id"])
        student_ids = frozenset(r["student"] for r in rows)
    else:
        rows = await Student.select(Student.id).where(Student.user == user["id"])
        student_ids = frozenset(r["id"] for r in rows)
    return Viewer(
        user_id=user["id"],
        school_id=user["school"],
        school_short_name=user["school_short_name"],
        role=role,
        name=user["display_name"],
        locale=user["locale"],
        school_year_id=year.school_year_id,
        year_be=year.year_be,
        term_number=year.term_number,
        term_dates=year.term_dates,
        classroom_ids=classroom_ids,
        teaching_ids=teaching_ids,
        student_ids=student_ids,
        parent_sections=frozenset(name for name in user["school_parent_sections"].split(",") if name),
        must_set_password=(user["password_hash"] is None or user["must_change_password"])
        and not user.get("handed_over_by"),
        handed_over_by=user.get("handed_over_by"),
    )


def visible_students(viewer: Viewer):
    """The where-clause for the students this viewer may see; use it in every Student query."""
    same_school = Student.school == viewer.school_id
    if viewer.role in SCHOOL_WIDE:
        return same_school
    if viewer.classroom_ids or viewer.teaching_ids:
        # Homerooms, and the classes one teaches (for their registers: names, not records).
        return same_school & Student.classroom.is_in(list(viewer.classroom_ids | viewer.teaching_ids))
    if viewer.student_ids:
        return same_school & Student.id.is_in(list(viewer.student_ids))
    return Student.id < 0  # sees no student


def can_see_student(viewer: Viewer, student: dict) -> bool:
    """The same rule as visible_students, for a row already loaded (needs school, id, classroom)."""
    if student["school"] != viewer.school_id:
        return False
    if viewer.role in SCHOOL_WIDE:
        return True
    return (student["classroom"] in viewer.classroom_ids or student["classroom"] in viewer.teaching_ids
            or student["id"] in viewer.student_ids)


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
        return student["id"] in viewer.student_ids and section.name in viewer.parent_sections
    if viewer.role is Role.subject_teacher or viewer.role is Role.homeroom_teacher:
        # Teachers of other rooms see a section only where it is open to subject teachers, for classes they teach.
        return "subject_teacher" in section.readers and viewer.teaches(student["classroom"])
    return viewer.role.value in section.readers


def can_see_record_reads(viewer: Viewer, student: dict, family_section) -> bool:
    """The audit trail of family and health reads names the staff who read them: for staff who may read the
    family section themselves, never for parents, whatever the school shares with them."""
    return viewer.is_staff and can_read_section(viewer, student, family_section)


def can_edit_section(viewer: Viewer, student: dict, section) -> bool:
    if student["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(student["classroom"]) or viewer.role.value in section.editors


def can_switch_sms(viewer: Viewer, guardian: dict, children_classrooms: set[int]) -> bool:
    """Turning a guardian's SMS off or on: the school's admin, the homeroom teacher of one of their children, or
    the guardian themself."""
    if guardian["school"] != viewer.school_id:
        return False
    return (viewer.can(Permission.manage_users) or guardian["user"] == viewer.user_id
            or bool(children_classrooms & viewer.classroom_ids))


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
    return viewer.role in VISIT_READERS


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


# Screening -------------------------------------------------------------------------------------------------
# Results are about a child's mental health: the student's homeroom teachers, counsellors and executives read them.
# Admins, subject teachers, discipline officers and nurses see none. A parent sees their own parent form and the
# confirmed group; a student fills in their own forms and sees no scores.

SCREENING_READERS = {Role.counsellor, Role.executive}


def can_see_screening(viewer: Viewer, student: dict) -> bool:
    if student["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(student["classroom"]) or viewer.role in SCREENING_READERS


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
    return viewer.keeps_homeroom(student["classroom"]) or viewer.role is Role.counsellor


def can_see_classroom_screening(viewer: Viewer, classroom: dict) -> bool:
    """A classroom's screening summary: its homeroom teachers, counsellors and executives."""
    if classroom["school"] != viewer.school_id:
        return False
    return viewer.keeps_homeroom(classroom["id"]) or viewer.role in SCREENING_READERS


def can_confirm_group(viewer: Viewer, student: dict) -> bool:
    return student["school"] == viewer.school_id and viewer.keeps_homeroom(student["classroom"])


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
ROLES_READING_SENSITIVE_DATA = frozenset({Role.counsellor, Role.executive, Role.nurse, Role.discipline})


# Roles that may keep a homeroom (which opens its children's records and screening): staff, but not admins, who
# read no screening results.
HOMEROOM_ROLES = frozenset(r for r in Role if r not in (Role.parent, Role.student, Role.admin))


def grant_needs_confirmation(role: Role) -> bool:
    """An admin's grant of this role waits for an executive before the account can sign in."""
    return role in ROLES_READING_SENSITIVE_DATA

