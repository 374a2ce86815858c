"""The admin's work on staff accounts beyond making them: the roles each person holds, deactivating and reactivating
an account, and who heads which grade this school year."""

from __future__ import annotations

from backend import db
from backend.accounts.access import (
    Viewer,
    grant_needs_confirmation,
    may_head_grade,
    parse_roles,
)
from backend.accounts.passwords import AccountError
from backend.accounts.sessions import end_every_session
from backend.accounts.tables import STAFF_ROLES, AccountChange, GradeHeadAssignment, Role, User
from backend.clock import now
from backend.i18n import N_
from backend.schools.tables import Grade

STAFF_ROLE_VALUES = frozenset(r.value for r in STAFF_ROLES)
# The lifecycle of an account: its latest such change says whether it may be opened again by an admin.
LIFECYCLE = ("created", "deactivated", "reactivated")


def roles_of(person: dict) -> frozenset[Role]:
    return parse_roles(person.get("extra_roles") or "") | {Role(person["role"])}


def _roles_text(roles) -> str:
    return ",".join(sorted(role.value for role in roles))


async def _staff_member(viewer: Viewer, user_id: int) -> dict:
    person = await User.select(User.id, User.role, User.extra_roles, User.active, User.display_name).where(
        (User.id == user_id) & (User.school == viewer.school_id)).first()
    if person is None or person["role"] not in STAFF_ROLE_VALUES:
        raise AccountError(N_("No such staff account in this school."), status=404)
    return person


async def record_change(viewer: Viewer, user_ids: list[int], role: str, action: str, status: str = "done") -> None:
    """The one writer of AccountChange: whatever gives a way into an account (an account, a role, a password, a
    parent's code) is listed for the executives, with who did it."""
    if user_ids:
        await AccountChange.insert(*[AccountChange(school=viewer.school_id, account=user_id, role=role,
                                                   action=action, status=status, made_by=viewer.user_id,
                                                   made_at=now()) for user_id in user_ids])


async def list_staff(viewer: Viewer, only: int | None = None) -> list[dict]:
    """The school's staff (or one of them) with every role they hold, whether they may sign in, and the grants
    waiting for an executive (an account waiting to open, or a role waiting to be given)."""
    where = (User.school == viewer.school_id) & User.role.is_in(list(STAFF_ROLE_VALUES))
    pending_where = (AccountChange.school == viewer.school_id) & (AccountChange.status == "pending")
    if only is not None:
        where &= User.id == only
        pending_where &= AccountChange.account == only
    people = await User.select(User.id, User.username, User.display_name, User.role, User.extra_roles,
                               User.active).where(where).order_by(User.role).order_by(User.display_name)
    pending = await AccountChange.select(AccountChange.account, AccountChange.action, AccountChange.role).where(
        pending_where)
    waiting: dict[int, list[dict]] = {}
    for change in pending:
        waiting.setdefault(change["account"], []).append(change)
    rows = []
    for person in people:
        changes = waiting.get(person["id"], [])
        opening = any(c["action"] == "created" for c in changes)
        rows.append({**person, "roles": sorted(roles_of(person), key=STAFF_ROLES.index),
                     "extra": sorted(parse_roles(person["extra_roles"] or ""), key=STAFF_ROLES.index),
                     "waiting_roles": [c["role"] for c in changes if c["action"] == "role_granted"],
                     "state": "active" if person["active"] else "waiting" if opening else "deactivated"})
    return rows


async def staff_member(viewer: Viewer, user_id: int) -> dict:
    """One person of the staff list, for their page."""
    for person in await list_staff(viewer, only=user_id):
        return person
    raise AccountError(N_("No such staff account in this school."), status=404)


# Roles ------------------------------------------------------------------------------------------------------


async def grant_role(viewer: Viewer, user_id: int, role: str) -> bool:
    """Give a staff member another role. A role that reads children's sensitive data waits for an executive, as a
    new account with it does (returns False then); the person keeps what they hold meanwhile."""
    person = await _staff_member(viewer, user_id)
    if role not in STAFF_ROLE_VALUES:
        raise AccountError(N_("Choose a role."), field="role")
    if Role(role) in roles_of(person):
        raise AccountError(N_("%(name)s already holds this role."), name=person["display_name"])
    async with db.transaction():
        if await AccountChange.exists().where(
                (AccountChange.account == user_id) & (AccountChange.status == "pending")
                & (AccountChange.role == role) & AccountChange.action.is_in(["role_granted", "created"])):
            raise AccountError(N_("This role already waits for an executive's confirmation."))
        if grant_needs_confirmation(Role(role)):
            await record_change(viewer, [user_id], role, "role_granted", status="pending")
            return False
        await add_role(user_id, Role(role))
        await record_change(viewer, [user_id], role, "role_granted")
    return True


async def add_role(user_id: int, role: Role) -> None:
    """Inside the caller's transaction: the role among the person's extra roles (a grant made or confirmed)."""
    person = await User.select(User.role, User.extra_roles).where(User.id == user_id).first()
    extra = parse_roles(person["extra_roles"] or "")
    if role is not Role(person["role"]) and role not in extra:
        await User.update({User.extra_roles: _roles_text(extra | {role})}).where(User.id == user_id)


async def remove_role(viewer: Viewer, user_id: int, role: str) -> None:
    """Take back an extra role; the main role stays (a person always holds one)."""
    person = await _staff_member(viewer, user_id)
    extra = parse_roles(person["extra_roles"] or "")
    if role == person["role"]:
        raise AccountError(N_("This is the person's main role: it stays while the account exists."))
    if role not in {r.value for r in extra}:
        raise AccountError(N_("%(name)s does not hold this role."), name=person["display_name"])
    async with db.transaction():
        await User.update({User.extra_roles: _roles_text(extra - {Role(role)})}).where(User.id == user_id)
        await record_change(viewer, [user_id], role, "role_removed")


# Deactivating ------------------------------------------------------------------------------------------------


async def deactivate(viewer: Viewer, user_id: int) -> str:
    """The person cannot sign in any more and every session of theirs ends at once; everything they wrote stays,
    with their name. Returns their name."""
    if user_id == viewer.user_id:
        raise AccountError(N_("You cannot deactivate your own account. Ask another admin."))
    person = await _staff_member(viewer, user_id)
    if not person["active"]:
        raise AccountError(N_("%(name)s's account is not active already."), name=person["display_name"])
    async with db.transaction():
        await User.update({User.active: False}).where(User.id == user_id)
        await end_every_session(user_id)
        await record_change(viewer, [user_id], person["role"], "deactivated")
    return person["display_name"]


async def reactivate(viewer: Viewer, user_id: int) -> str:
    """Open a deactivated account again, with the roles, homerooms and password it had. An account that was never
    opened (it waits for an executive, or an executive refused it) opens only by an executive's confirmation."""
    person = await _staff_member(viewer, user_id)
    latest = await AccountChange.select(AccountChange.action).where(
        (AccountChange.account == user_id) & AccountChange.action.is_in(list(LIFECYCLE))).order_by(
        AccountChange.id, ascending=False).first()
    if person["active"] or latest is None or latest["action"] != "deactivated":
        raise AccountError(N_("Only a deactivated account can be reactivated. An account waiting for an executive "
                              "opens when they confirm it."))
    async with db.transaction():
        await User.update({User.active: True}).where(User.id == user_id)
        await record_change(viewer, [user_id], person["role"], "reactivated")
    return person["display_name"]


# Grade-level heads -------------------------------------------------------------------------------------------


async def list_grade_heads(viewer: Viewer) -> dict:
    """The school's grades with who heads each this school year, and who may be made a grade's head."""
    grades = await Grade.select(Grade.id, Grade.code).where(Grade.school == viewer.school_id).order_by(Grade.level)
    heads = await GradeHeadAssignment.select(
        GradeHeadAssignment.grade, GradeHeadAssignment.teacher,
        GradeHeadAssignment.teacher.display_name.as_alias("name"),
        GradeHeadAssignment.teacher.active.as_alias("active")).where(
        (GradeHeadAssignment.school == viewer.school_id) & (GradeHeadAssignment.school_year == viewer.school_year_id)
        & GradeHeadAssignment.removed_at.is_null())
    by_grade: dict[int, list[dict]] = {}
    for head in heads:
        by_grade.setdefault(head["grade"], []).append(head)
    candidates = [p for p in await list_staff(viewer) if p["state"] == "active" and may_head_grade(p["roles"])]
    return {"grades": [{**g, "heads": by_grade.get(g["id"], [])} for g in grades], "candidates": candidates}


async def assign_grade_head(viewer: Viewer, grade_id: int, teacher_id: int) -> None:
    """This school year, the teacher heads the grade: they read every classroom of it (access.Viewer.supervises)."""
    grade = await Grade.select(Grade.id).where((Grade.id == grade_id) & (Grade.school == viewer.school_id)).first()
    teacher = await User.select(User.id, User.role, User.extra_roles, User.active).where(
        (User.id == teacher_id) & (User.school == viewer.school_id)).first()
    if grade is None or teacher is None or not teacher["active"] or not may_head_grade(roles_of(teacher)):
        raise AccountError(N_("Choose a grade, and a grade-level head of this school (give the role on the staff "
                              "page first)."))
    async with db.transaction():
        if await GradeHeadAssignment.exists().where(
                (GradeHeadAssignment.grade == grade_id) & (GradeHeadAssignment.teacher == teacher_id)
                & (GradeHeadAssignment.school_year == viewer.school_year_id)
                & GradeHeadAssignment.removed_at.is_null()):
            return
        await GradeHeadAssignment.insert(GradeHeadAssignment(
            school=viewer.school_id, school_year=viewer.school_year_id, grade=grade_id, teacher=teacher_id,
            assigned_by=viewer.user_id, assigned_at=now()))


async def remove_grade_head(viewer: Viewer, grade_id: int, teacher_id: int) -> None:
    """The assignment ends today; its row stays, dated, as the grade's history."""
    await GradeHeadAssignment.update({GradeHeadAssignment.removed_at: now(),
                                      GradeHeadAssignment.removed_by: viewer.user_id}).where(
        (GradeHeadAssignment.school == viewer.school_id) & (GradeHeadAssignment.grade == grade_id)
        & (GradeHeadAssignment.teacher == teacher_id) & GradeHeadAssignment.removed_at.is_null())
