"""Students' own sign-ins, and the admin's work on staff accounts and homerooms (parents' codes: accounts.codes)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

from backend import db
from backend.accounts import staff
from backend.accounts.access import Permission, Viewer, grant_needs_confirmation, may_keep_homeroom
from backend.accounts.codes import IssuedCode, issue_sign_in_code
from backend.accounts.passwords import (
    AccountError,
    hashed_in_thread,
    temporary_password,
)
from backend.accounts.sessions import end_session, token_hash
from backend.accounts.tables import (
    STAFF_ROLES,
    AccountChange,
    HomeroomAssignment,
    HomeroomChange,
    Role,
    SupervisedSchool,
    User,
    UserSession,
)
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify.queue import JobQueue
from backend.schools.tables import Classroom, School
from backend.students import enrolment
from backend.students.tables import Guardian, Student

HANDED_OVER_HOURS = 2  # a lesson or two: a forgotten tablet does not stay signed in as a child for long


# Handing a device over (homeroom teacher) ----------------------------------------------------------------------


async def hand_over(viewer: Viewer, student_id: int, teacher_token: str) -> str:
    """The homeroom teacher lends their device to one student for their questionnaires: the teacher's session on
    this device ends (a child never holds it), and a short session of the student's own begins, marked as handed
    over. The teacher signs in again to take the device back."""
    student = await _homeroom_student(viewer, student_id, AccountError(
        N_("Only the student's homeroom teacher can hand them the device."), status=403))
    token = secrets.token_urlsafe(32)
    moment = now()
    async with db.transaction():
        # No sign-in of their own yet: an account without a password, used only through hand-over.
        user_id = student["user"] or await _create_student_account(viewer, student, password_hash=None)
        await UserSession.delete().where(UserSession.token_hash == token_hash(teacher_token))
        await UserSession.insert(UserSession(token_hash=token_hash(token), user=user_id, created_at=moment,
                                             expires_at=moment + timedelta(hours=HANDED_OVER_HOURS),
                                             handed_over_by=viewer.user_id))
    return token


async def hand_back(viewer: Viewer, token: str) -> str:
    """The student is done: their session on the teacher's device ends. Returns the teacher's username, so the
    sign-in page can ask only for the password."""
    teacher = await User.select(User.username).where(User.id == viewer.handed_over_by).first()
    await end_session(token)
    return teacher["username"] if teacher else ""



async def set_locale(viewer: Viewer, locale: str) -> None:
    await User.update({User.locale: locale}).where(User.id == viewer.user_id)


# Students' own sign-ins (homeroom teacher) ---------------------------------------------------------------------


async def _check_student_username(username: str) -> None:
    if await User.exists().where(User.username == username):
        raise AccountError(N_("The username %(username)s is already someone else's: ask the admin to rename that "
                              "account."), username=username)


def _student_username(student: dict) -> str:
    return f"{student['school_code']}-{student['code']}".lower()


async def _homeroom_student(viewer: Viewer, student_id: int, refusal: AccountError) -> dict:
    """A current student of the viewer's homeroom, whose sign-in name is free if they have no account yet."""
    student = await Student.select(Student.id, Student.code, Student.user, Student.classroom, Student.first_name,
                                   Student.last_name, Student.school.code.as_alias("school_code")).where(
        (Student.id == student_id) & (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id)
    ).first()
    if student is None or not viewer.keeps_homeroom(student["classroom"]):
        raise refusal
    if not student["user"]:
        await _check_student_username(_student_username(student))
    return student


async def _create_student_account(viewer: Viewer, student: dict, password_hash: str | None) -> int:
    """Inside the caller's transaction: the student's account, linked to their roster row."""
    rows = await User.insert(User(
        school=viewer.school_id, username=_student_username(student), role=Role.student.value,
        password_hash=password_hash, must_change_password=password_hash is not None, created_at=now(),
        display_name=f"{student['first_name']} {student['last_name']}")).returning(User.id)
    await Student.update({Student.user: rows[0]["id"]}).where(Student.id == student["id"])
    return rows[0]["id"]


def _slip_refusal() -> AccountError:
    return AccountError(N_("Only the student's homeroom teacher can make their sign-in."))


async def issue_student_password(viewer: Viewer, student_id: int) -> dict:
    """A student account for a student of the teacher's homeroom, with a new temporary password to hand over on
    a slip (the student chooses their own at first sign-in). Their username is the school code and student code."""
    student = await _homeroom_student(viewer, student_id, _slip_refusal())
    username = _student_username(student)
    password = temporary_password()
    password_hash = await hashed_in_thread(password)
    async with db.transaction():
        if student["user"]:
            await User.update({User.password_hash: password_hash, User.must_change_password: True,
                               User.username: username}).where(User.id == student["user"])
            await UserSession.delete().where(UserSession.user == student["user"])
        else:
            await _create_student_account(viewer, student, password_hash)
    return {"student_id": student_id, "username": username, "password": password}


async def issue_student_passwords(viewer: Viewer, student_ids: list[int]) -> list[dict]:
    """Slips for a class at once, or none: every student is checked before any password changes. Hashing is most
    of the cost (~0.13 s a slip), so a few run side by side."""
    for student_id in student_ids:
        await _homeroom_student(viewer, student_id, _slip_refusal())
    side_by_side = asyncio.Semaphore(4)

    async def one(student_id: int) -> dict:
        async with side_by_side:
            return await issue_student_password(viewer, student_id)

    return list(await asyncio.gather(*(one(student_id) for student_id in student_ids)))


# Staff accounts and homerooms (admin) -------------------------------------------------------------------------


async def create_staff(viewer: Viewer, username: str, display_name: str, role: str) -> str | None:
    """A new staff account in the admin's school; returns the temporary password to hand over, or None when the
    role waits for an executive's confirmation."""
    username = username.strip().lower()
    if not username or not all(c.isalnum() or c in "._-" for c in username):
        raise AccountError(N_("Use letters, digits, dots, dashes or underscores for the username."), field="username")
    if not display_name.strip():
        raise AccountError(N_("Enter the person's name."), field="display_name")
    # The columns' lengths, checked here so that both engines refuse alike (PostgreSQL would fail with a 500).
    if len(username) > User.username.length:
        raise AccountError(N_("A username can be at most %(n)s characters."), field="username",
                           n=User.username.length)
    if len(display_name.strip()) > User.display_name.length:
        raise AccountError(N_("A name can be at most %(n)s characters."), field="display_name",
                           n=User.display_name.length)
    if role not in {r.value for r in STAFF_ROLES}:
        raise AccountError(N_("Choose a role."), field="role")
    if await User.exists().where(User.username == username):
        raise AccountError(N_("This username is taken."), field="username")
    if grant_needs_confirmation(Role(role)):
        # A role that reads children's sensitive data: the account waits, without a password, for an executive,
        # who hands the person their temporary password. The admin never holds a way into it.
        async with db.transaction():
            user_id = await _insert_staff(viewer, username, display_name, role, password_hash=None, active=False)
            await staff.record_change(viewer, [user_id], role, "created", status="pending")
        return None
    password = temporary_password()
    password_hash = await hashed_in_thread(password)
    async with db.transaction():
        user_id = await _insert_staff(viewer, username, display_name, role, password_hash=password_hash, active=True)
        await staff.record_change(viewer, [user_id], role, "created")
    return password


async def _insert_staff(viewer: Viewer, username: str, display_name: str, role: str, password_hash: str | None,
                        active: bool) -> int:
    rows = await User.insert(User(
        school=viewer.school_id, username=username, display_name=display_name.strip(), role=role,
        password_hash=password_hash, must_change_password=True, active=active, created_at=now(),
    )).returning(User.id)
    return rows[0]["id"]


async def create_user(school_id: int, username: str, display_name: str, role: Role, password: str) -> int:
    """For the command line and the demo: an account with a known password."""
    rows = await User.insert(User(
        school=school_id, username=username.lower(), display_name=display_name, role=role.value,
        password_hash=await hashed_in_thread(password), created_at=now(),
    )).returning(User.id)
    return rows[0]["id"]


# Area supervisors (the deployment's operator, on the command line) -------------------------------------------------


async def _schools_by_code(codes: list[str]) -> list[int]:
    codes = [code.strip() for code in codes if code.strip()]
    if not codes:
        raise AccountError(N_("Name at least one school the area supervisor oversees."), field="schools")
    rows = await School.select(School.id, School.code).where(School.code.is_in(codes))
    found = {row["code"]: row["id"] for row in rows}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise AccountError(N_("No school with the code %(codes)s."), field="schools", codes=", ".join(unknown))
    return list(dict.fromkeys(found[code] for code in codes))


async def create_area_supervisor(username: str, display_name: str, password: str, school_codes: list[str]) -> int:
    """An area supervisor (ศึกษานิเทศก์) over these schools, registered with the first of them (every account belongs
    to a school; this one opens nothing of it: accounts.access, "The area view")."""
    school_ids = await _schools_by_code(school_codes)
    username = username.strip().lower()
    if not username or not display_name.strip() or not password:
        raise AccountError(N_("An area supervisor needs a username, a name and a password."))
    if await User.exists().where(User.username == username):
        raise AccountError(N_("This username is taken."), field="username")
    async with db.transaction():
        user_id = await create_user(school_ids[0], username, display_name.strip(), Role.area_supervisor, password)
        await _oversee(user_id, school_ids)
    return user_id


async def set_area_schools(username: str, school_codes: list[str]) -> list[int]:
    """Replace the schools an area supervisor oversees (their pages change at their next request)."""
    school_ids = await _schools_by_code(school_codes)
    person = await User.select(User.id).where((User.username == username.strip().lower())
                                              & (User.role == Role.area_supervisor.value)).first()
    if person is None:
        raise AccountError(N_("No area supervisor with this username."), field="username")
    async with db.transaction():
        await SupervisedSchool.delete().where(SupervisedSchool.user == person["id"])
        await _oversee(person["id"], school_ids)
    return school_ids


async def _oversee(user_id: int, school_ids: list[int]) -> None:
    await SupervisedSchool.insert(*[SupervisedSchool(user=user_id, school=school_id, added_at=now())
                                    for school_id in school_ids])


@dataclass(frozen=True)
class Reset:
    password: str | None = None  # a temporary password to hand over (staff, students)
    code: IssuedCode | None = None  # a parent's new sign-in code, on its way by SMS to the parent's own phone


async def reset_password(settings: Settings, queue: JobQueue, viewer: Viewer, user_id: int) -> Reset:
    """A fresh start for someone in the admin's school; their open sessions end. A parent gets a one-time code by
    SMS (the admin learns no password of theirs); staff get a temporary password. Resets of accounts that read
    sensitive data are audited for the executives."""
    user = await User.select(User.id, User.role).where(
        (User.id == user_id) & (User.school == viewer.school_id)).first()
    if user is None:
        raise AccountError(N_("No such account in this school."), status=404)
    if user["role"] == Role.parent.value:
        guardian = await Guardian.select(Guardian.id).where(
            (Guardian.user == user_id) & (Guardian.school == viewer.school_id)).first()
        if guardian is None:
            raise AccountError(N_("No such guardian in this school."), status=404)
        async with db.transaction():
            await User.update({User.password_hash: None, User.must_change_password: True}).where(User.id == user_id)
            await UserSession.delete().where(UserSession.user == user_id)
        return Reset(code=await issue_sign_in_code(settings, queue, viewer, guardian["id"]))
    password = temporary_password()
    password_hash = await hashed_in_thread(password)
    async with db.transaction():
        await User.update({User.password_hash: password_hash, User.must_change_password: True}).where(
            User.id == user_id
        )
        await UserSession.delete().where(UserSession.user == user_id)
        if grant_needs_confirmation(Role(user["role"])):
            await staff.record_change(viewer, [user_id], user["role"], "password_reset")
    return Reset(password=password)


# An executive's review of account changes ---------------------------------------------------------------------


async def waiting_for_confirmation(viewer: Viewer) -> int:
    """How many grants wait for an executive of the viewer's school (shown on the executive's home page)."""
    return await AccountChange.count().where((AccountChange.school == viewer.school_id)
                                             & (AccountChange.status == "pending"))


async def account_changes(viewer: Viewer, limit: int = 50) -> list[dict]:
    """The school's latest grants and resets, pending ones first."""
    rows = await AccountChange.select(
        AccountChange.id, AccountChange.role, AccountChange.action, AccountChange.status, AccountChange.made_at,
        AccountChange.decided_at, AccountChange.account.display_name.as_alias("name"),
        AccountChange.account.username.as_alias("username"), AccountChange.made_by.display_name.as_alias("by"),
        AccountChange.decided_by.display_name.as_alias("decided_by_name"),
    ).where(AccountChange.school == viewer.school_id).order_by(AccountChange.id, ascending=False).limit(limit)
    return sorted(rows, key=lambda row: row["status"] != "pending")


async def decide_grant(viewer: Viewer, change_id: int, confirm: bool) -> str | None:
    """An executive confirms a pending grant (a new account opens, or an open account gets the role asked for;
    returns a new temporary password to hand to the person) or refuses it (the account stays as it was)."""
    if not viewer.can(Permission.review_account_changes):
        raise AccountError(N_("Only an executive can confirm or refuse this."), status=403)
    password = temporary_password() if confirm else None
    password_hash = await hashed_in_thread(password) if password else None
    async with db.transaction():
        decided = await AccountChange.update({
            AccountChange.status: "confirmed" if confirm else "refused", AccountChange.decided_by: viewer.user_id,
            AccountChange.decided_at: now(),
        }).where((AccountChange.id == change_id) & (AccountChange.school == viewer.school_id)
                 & (AccountChange.status == "pending")).returning(AccountChange.account, AccountChange.action,
                                                                  AccountChange.role)
        if not decided:
            raise AccountError(N_("This request was already decided."))
        if decided[0]["action"] == "role_granted" and confirm:
            # Another role for an open account. Its password may be one the admin handed out (or set, having
            # signed in with it): the role opens only with a new password that the executive hands over, as for a
            # new account, and every session of the account ends.
            await staff.add_role(decided[0]["account"], Role(decided[0]["role"]))
            await UserSession.delete().where(UserSession.user == decided[0]["account"])
        if confirm:
            # A new account opens; one an admin deactivated stays shut until the admin reactivates it.
            opens = {User.active: True} if decided[0]["action"] == "created" else {}
            await User.update({**opens, User.password_hash: password_hash,
                               User.must_change_password: True}).where(User.id == decided[0]["account"])
    return password


async def homeroom_candidates(viewer: Viewer) -> list[dict]:
    """The active staff who may be given a homeroom (access.may_keep_homeroom), by name."""
    return [person for person in await staff.list_staff(viewer)
            if person["state"] == "active" and may_keep_homeroom(person["roles"])]


async def homeroom_teacher_names(classroom_id: int) -> list[str]:
    """The classroom's active homeroom teachers, by name (a letter's signature lines)."""
    return (await homeroom_teachers_of([classroom_id]))[classroom_id]


async def homeroom_teachers_of(classroom_ids: list[int]) -> dict[int, list[str]]:
    """Each classroom's active homeroom teachers, by name: one query for any number of classrooms."""
    found: dict[int, list[str]] = {classroom_id: [] for classroom_id in classroom_ids}
    for row in await HomeroomAssignment.select(
            HomeroomAssignment.classroom, HomeroomAssignment.teacher.display_name.as_alias("name")).where(
            HomeroomAssignment.classroom.is_in(list(classroom_ids) or [-1])
            & (HomeroomAssignment.teacher.active == True)).order_by(HomeroomAssignment.id):  # noqa: E712
        found[row["classroom"]].append(row["name"])
    return found


async def homeroom_teachers(school_id: int, school_year_id: int) -> dict[int, list[dict]]:
    """Each classroom's homeroom teachers in a school year (teacher, name, active), in one query."""
    teachers = await HomeroomAssignment.select(
        HomeroomAssignment.classroom, HomeroomAssignment.teacher,
        HomeroomAssignment.teacher.display_name.as_alias("name"),
        HomeroomAssignment.teacher.active.as_alias("active"),
    ).where((HomeroomAssignment.school_year == school_year_id) & (HomeroomAssignment.school == school_id))
    by_room: dict[int, list[dict]] = {}
    for t in teachers:
        by_room.setdefault(t["classroom"], []).append(t)
    return by_room


async def list_classrooms(viewer: Viewer) -> list[dict]:
    """This year's classrooms with their homeroom teachers, in grade and room order."""
    rooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade"),
                                   Classroom.grade.level.as_alias("level")).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id)
    ).order_by(Classroom.grade.level).order_by(Classroom.room)
    by_room = await homeroom_teachers(viewer.school_id, viewer.school_year_id)
    # A deactivated teacher's classroom has no teacher until they are back (their assignment stays for then).
    return [{**r, "label": f"{r['grade']}/{r['room']}", "teachers": by_room.get(r["id"], []),
             "has_teacher": any(t["active"] for t in by_room.get(r["id"], []))} for r in rooms]


async def assign_homeroom(viewer: Viewer, classroom_id: int, teacher_id: int) -> None:
    classroom = await Classroom.select(Classroom.id, Classroom.school_year).where(
        (Classroom.id == classroom_id) & (Classroom.school == viewer.school_id)
    ).first()
    teacher = await User.select(User.id, User.role, User.extra_roles).where(
        (User.id == teacher_id) & (User.school == viewer.school_id)).first()
    if classroom is None or teacher is None or not may_keep_homeroom(staff.roles_of(teacher)):
        raise AccountError(N_("Choose a classroom and a teacher of this school."))
    if await HomeroomAssignment.exists().where(
        (HomeroomAssignment.classroom == classroom_id) & (HomeroomAssignment.teacher == teacher_id)
    ):
        return
    async with db.transaction():
        await HomeroomAssignment.insert(HomeroomAssignment(
            school=viewer.school_id, school_year=classroom["school_year"], classroom=classroom_id, teacher=teacher_id))
        await _log_homeroom(viewer, classroom_id, teacher_id, "assigned")


async def unassign_homeroom(viewer: Viewer, classroom_id: int, teacher_id: int) -> None:
    async with db.transaction():
        removed = await HomeroomAssignment.delete().where(
            (HomeroomAssignment.school == viewer.school_id) & (HomeroomAssignment.classroom == classroom_id)
            & (HomeroomAssignment.teacher == teacher_id)
        ).returning(HomeroomAssignment.id)
        if removed:
            await _log_homeroom(viewer, classroom_id, teacher_id, "removed")


async def _log_homeroom(viewer: Viewer, classroom_id: int, teacher_id: int, action: str) -> None:
    await HomeroomChange.insert(HomeroomChange(school=viewer.school_id, classroom=classroom_id, teacher=teacher_id,
                                               action=action, changed_by=viewer.user_id, changed_at=now()))


async def homeroom_changes(viewer: Viewer, limit: int = 30) -> list[dict]:
    return await HomeroomChange.select(
        HomeroomChange.action, HomeroomChange.changed_at, HomeroomChange.teacher.display_name.as_alias("teacher"),
        HomeroomChange.changed_by.display_name.as_alias("by"), HomeroomChange.classroom.room.as_alias("room"),
        HomeroomChange.classroom.grade.code.as_alias("grade"),
    ).where(HomeroomChange.school == viewer.school_id).order_by(HomeroomChange.id, ascending=False).limit(limit)
