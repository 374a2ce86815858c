"""Sessions: starting and ending them, the user behind a session cookie, and the worker's housekeeping."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from backend import clock, db
from backend.accounts.access import NO_SCHOOL, Viewer, oversees_school, parse_roles, teaching_terms
from backend.accounts.tables import (GradeHeadAssignment, Role, SignInCode, SignInThrottle, SupervisedSchool, User,
                                     UserSession)
from backend.clock import now
from backend.config import Settings
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.students.tables import Student, StudentGuardian


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(settings: Settings, user_id: int, password_entered: bool = True) -> str:
    """A new session; signed in with the password (not a one-time code), it counts as the password just entered."""
    token = secrets.token_urlsafe(32)
    moment = now()
    await UserSession.insert(UserSession(token_hash=token_hash(token), user=user_id, created_at=moment,
                                         expires_at=moment + timedelta(days=settings.session_days),
                                         last_seen_at=moment, password_entered_at=moment if password_entered else None))
    return token


# Idleness: the case team's counselling notes open only in a session whose password was entered (at sign-in, or
# again on the case's page) with no gap longer than settings.password_idle_minutes between its requests since: a
# phone left signed in on a desk does not show them to the next person. A session working without such a gap keeps
# them open all day; a session idle overnight asks again. The last request is written at most once a minute (not on
# every request), so a gap is measured from up to a minute early: the notes may lock a minute sooner, never later.
SEEN_EVERY = timedelta(minutes=1)


async def note_activity(settings: Settings, user: dict) -> bool:
    """Record this request as the session's activity; True while its password counts as freshly entered."""
    if not settings.password_idle_minutes:
        return True
    moment = now()
    last, entered = user["last_seen_at"], user["password_entered_at"]
    idle = last is None or moment - last > timedelta(minutes=settings.password_idle_minutes)
    if idle and entered is not None:  # the gap locks the notes until the password is entered again
        await UserSession.update({UserSession.last_seen_at: moment, UserSession.password_entered_at: None}).where(
            UserSession.id == user["session_id"])
        return False
    if idle or moment - last >= SEEN_EVERY:
        await UserSession.update({UserSession.last_seen_at: moment}).where(UserSession.id == user["session_id"])
    return entered is not None and not idle


async def password_entered(token: str) -> None:
    """The password was entered again in this session (accounts.passwords.confirm_password)."""
    moment = now()
    await UserSession.update({UserSession.last_seen_at: moment, UserSession.password_entered_at: moment}).where(
        UserSession.token_hash == token_hash(token))



async def end_session(token: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == token_hash(token))


async def end_other_sessions(user_id: int, keep_token: str | None) -> None:
    """Every session of this person but the one on this device (a password change: a thief's session ends)."""
    await UserSession.delete().where((UserSession.user == user_id)
                                     & (UserSession.token_hash != token_hash(keep_token or "")))


async def end_every_session(user_id: int) -> None:
    """Sign out everywhere, this device included."""
    await UserSession.delete().where(UserSession.user == user_id)


# What access.load_viewer needs of a user and their school.
VIEWER_COLUMNS = (
    "u.id, u.school, u.role, u.extra_roles, u.display_name, u.locale, u.password_hash, u.must_change_password, "
    "u.active, "
    "s.short_name AS school_short_name, s.parent_sections AS school_parent_sections"
)
# Every request runs this. Written out once, as Piccolo spends about 1.3 ms of CPU building and compiling the
# joined select; db.fetch() still binds the parameter safely on either engine.
# A parent's children (or a student's own row) come in the same round trip: one row per child.
SESSION_SQL = (
    f"SELECT {VIEWER_COLUMNS}, us.id AS session_id, us.expires_at, us.handed_over_by, us.last_seen_at, "
    "us.password_entered_at, COALESCE(sg.student, st.id) AS child "
    'FROM user_session us JOIN app_user u ON u.id = us."user" JOIN school s ON s.id = u.school '
    "LEFT JOIN guardian g ON g.\"user\" = u.id AND u.role = 'parent' "
    "LEFT JOIN student_guardian sg ON sg.guardian = g.id "
    "LEFT JOIN student st ON st.\"user\" = u.id AND u.role = 'student' "
    "WHERE us.token_hash = {}"
)


async def session_user(token: str) -> dict | None:
    """The active user behind a session cookie, or None when it is unknown or expired. Read on every request, so a
    sign-out or a reset takes effect at once."""
    rows = await db.fetch(SESSION_SQL, token_hash(token))
    row = rows[0] if rows else None
    if row is None or row["expires_at"] < now() or not row["active"]:
        return None
    return {**row, "student_ids": frozenset(r["child"] for r in rows if r["child"] is not None)}


async def viewer_of(user_id: int) -> Viewer:
    """A user as the Viewer a signed-in request would have: for the demo's seeding and for tests."""
    rows = await User.raw(f"SELECT {VIEWER_COLUMNS} FROM app_user u JOIN school s ON s.id = u.school "
                          "WHERE u.id = {}", user_id)
    return await load_viewer(rows[0], clock.today())


async def purge_expired(settings: Settings) -> int:
    """Housekeeping for the worker: expired sessions, used or stale codes, old failures."""
    moment = now()
    sessions = await UserSession.delete().where(UserSession.expires_at < moment).returning(UserSession.id)
    await SignInCode.delete().where(SignInCode.expires_at < moment - timedelta(days=1))
    await SignInThrottle.delete().where(
        (SignInThrottle.last_at < moment - timedelta(minutes=settings.sign_in_window_minutes))
        & (SignInThrottle.wait_until < moment)
    )
    return len(sessions)


# On every staff request: the homerooms one keeps and the classes one teaches this year, in one round trip.
CLASSES_SQL = (
    "SELECT 1 AS homeroom, classroom FROM homeroom_assignment WHERE teacher = {} AND school_year = {} "
    "UNION ALL SELECT 0, classroom FROM teaching_assignment WHERE teacher = {} AND school_year = {} AND term IN (%s)"
)


async def load_viewer(user: dict, today: date) -> Viewer:
    """Who is asking, with what they are given this school year (homerooms, classes taught, grades headed,
    children): built on every request from the session's row (session_user), so a change takes effect at once."""
    role = Role(user["role"])
    if role is Role.area_supervisor:
        return await _area_supervisor(user, today)
    extra_roles = parse_roles(user.get("extra_roles") or "")
    year = await schools.school_year_now(user["school"], today)
    classroom_ids: frozenset[int] = frozenset()
    teaching_ids: frozenset[int] = frozenset()
    student_ids: frozenset[int] = frozenset()
    supervised_ids: frozenset[int] = frozenset()
    if role not in (Role.parent, Role.student):
        terms = ", ".join(str(int(term)) for term in teaching_terms(year.term_number))
        rows = await db.fetch(CLASSES_SQL % terms, user["id"], year.school_year_id, user["id"], year.school_year_id)
        classroom_ids = frozenset(r["classroom"] for r in rows if r["homeroom"])
        teaching_ids = frozenset(r["classroom"] for r in rows if not r["homeroom"])
        if Role.grade_head in extra_roles or role is Role.grade_head:
            headed = GradeHeadAssignment.select(GradeHeadAssignment.grade).where(
                (GradeHeadAssignment.teacher == user["id"]) & (GradeHeadAssignment.school_year == year.school_year_id)
                & GradeHeadAssignment.removed_at.is_null())
            rows = await Classroom.select(Classroom.id).where(
                (Classroom.school == user["school"]) & (Classroom.school_year == year.school_year_id)
                & Classroom.grade.is_in(headed))
            supervised_ids = frozenset(r["id"] for r in rows)
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
        password_fresh=user.get("password_fresh", True),
        extra_roles=extra_roles,
        supervised_ids=supervised_ids,
    )


async def _area_supervisor(user: dict, today: date) -> Viewer:
    """An area supervisor's own Viewer: of no school (NO_SCHOOL), with no classroom, child or extra role, and the
    schools they oversee (see accounts.access, "The area view"). The year is that of the school the account is
    registered with, for the dates on their pages."""
    rows = await SupervisedSchool.select(SupervisedSchool.school).where(SupervisedSchool.user == user["id"])
    year = await schools.school_year_now(user["school"], today)
    return Viewer(
        user_id=user["id"], school_id=NO_SCHOOL, school_short_name="", role=Role.area_supervisor,
        name=user["display_name"], locale=user["locale"], school_year_id=year.school_year_id, year_be=year.year_be,
        term_number=year.term_number, term_dates=year.term_dates, classroom_ids=frozenset(),
        teaching_ids=frozenset(), student_ids=frozenset(), parent_sections=frozenset(),
        must_set_password=user["password_hash"] is None or user["must_change_password"],
        password_fresh=user.get("password_fresh", True), area_school_ids=frozenset(r["school"] for r in rows))


async def area_figures_viewer(viewer: Viewer, school_id: int) -> Viewer | None:
    """A school as its area supervisor's figures see it, or None when they do not oversee it: for the aggregate
    functions of supervision.figures ONLY (for_term, attendance_today, risk_trend), never for a page that lists
    students. It is the supervisor's own Viewer moved to that school (its year and term, no classroom, child or
    role besides area_supervisor) with aggregates_only set, which those functions alone accept."""
    return (await area_figures_viewers(viewer, [school_id])).get(school_id)


async def area_figures_viewers(viewer: Viewer, school_ids) -> dict[int, Viewer]:
    """area_figures_viewer() of each of these schools the supervisor oversees (the others are left out): two
    queries at most however many (each school's year and term, remembered a few minutes)."""
    overseen = [school_id for school_id in school_ids if oversees_school(viewer, school_id)]
    years = await schools.school_years_now(overseen, clock.today()) if overseen else {}
    return {school_id: Viewer(
        user_id=viewer.user_id, school_id=school_id, school_short_name="", role=Role.area_supervisor,
        name=viewer.name, locale=viewer.locale, school_year_id=year.school_year_id, year_be=year.year_be,
        term_number=year.term_number, term_dates=year.term_dates, classroom_ids=frozenset(),
        teaching_ids=frozenset(), student_ids=frozenset(), parent_sections=frozenset(),
        area_school_ids=viewer.area_school_ids, aggregates_only=True) for school_id, year in years.items()}
