"""Parents' one-time sign-in codes: one at a time by SMS, in bulk for a classroom or the whole school (printed slips
or SMS), and a parent's new phone number, which becomes their sign-in only once the code sent to it is entered.

Codes are six digits, so they are stored as an HMAC keyed with the server's secret: a copy of the database alone
cannot be searched for them (argon2 would cost ~0.1 s a code, minutes for a school's slips, and protect a six-digit
code less than the key does). Every code given is audited for the executives (AccountChange)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend import db
from backend.accounts.access import Viewer
from backend.accounts import staff
from backend.accounts.passwords import AccountError, attempt_keys, count_attempt, forget_attempt
from backend.accounts.tables import PhoneChange, Role, SignInCode, User
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify import outbox as notify
from backend.notify.outbox import AlertSpec, Reach
from backend.notify.segments import sms_segments
from backend.notify.tables import Channel
from backend.notify.queue import JobQueue
from backend.notify.wording import compose, school_templates
from backend.schools.tables import Classroom, School
from backend.students import guardians as guardian_records
from backend.students.phones import BadPhone, is_mobile, normalise_phone
from backend.students.tables import Guardian, Student, StudentGuardian

CODE_ATTEMPTS = 5
PHONE_CHANGE_MINUTES = 30


def _digest(settings: Settings, purpose: str, code: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


# One code, by SMS (admin) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str
    phone: str
    expires_at: datetime
    message_ids: list[int]  # the SMS carrying it, to enqueue after the transaction


async def ensure_parent_account(viewer: Viewer, guardian_id: int) -> int:
    """The parent account for a guardian of this school, made from their phone number if missing."""
    guardian = await Guardian.select().where(
        (Guardian.id == guardian_id) & (Guardian.school == viewer.school_id)
    ).first()
    if guardian is None:
        raise AccountError(N_("No such guardian in this school."), status=404)
    if guardian["user"]:
        return guardian["user"]
    if not guardian["phone"]:
        raise AccountError(N_("This guardian has no phone number. Add one to the roster first."))
    async with db.transaction():
        existing = await User.select(User.id, User.school, User.role).where(User.username == guardian["phone"]).first()
        if existing and (existing["school"] != viewer.school_id or existing["role"] != Role.parent.value):
            raise AccountError(N_("This phone number already belongs to another account."))
        if existing:
            user_id = existing["id"]
        else:
            rows = await User.insert(User(
                school=viewer.school_id, username=guardian["phone"], display_name=guardian["name"],
                role=Role.parent.value, phone=guardian["phone"], created_at=now(),
            )).returning(User.id)
            user_id = rows[0]["id"]
        # A parent may be listed more than once (one row per import source); link every row with this phone.
        await Guardian.update({Guardian.user: user_id}).where(
            (Guardian.school == viewer.school_id) & (Guardian.phone == guardian["phone"])
        )
    return user_id


async def issue_sign_in_code(settings: Settings, queue: JobQueue, viewer: Viewer, guardian_id: int) -> IssuedCode:
    """A six-digit code the parent types with their phone number, on its way to them by SMS; any earlier unused code
    (a printed slip's too) stops working."""
    user_id = await ensure_parent_account(viewer, guardian_id)
    code = _new_code()
    moment = now()
    expires_at = moment + timedelta(minutes=settings.sign_in_code_minutes)
    user = await User.select(User.phone, User.locale).where(User.id == user_id).first()
    async with db.transaction():
        await SignInCode.delete().where((SignInCode.user == user_id) & SignInCode.used_at.is_null())
        rows = await SignInCode.insert(SignInCode(user=user_id, code_hash=_digest(settings, str(user_id), code),
                                                  created_at=moment, expires_at=expires_at)).returning(SignInCode.id)
        await staff.record_change(viewer, [user_id], Role.parent.value, "parent_code")
        # A code, never a link: Thai rules restrict links in SMS.
        message_ids = await notify.text_person(
            settings, school_id=viewer.school_id, user_id=user_id, phone=user["phone"], locale=user["locale"],
            kind="sign_in_code", event_key=f"sign-in-code:{rows[0]['id']}",
            values={"code": code, "minutes": settings.sign_in_code_minutes})
    await queue.send(message_ids)
    return IssuedCode(code=code, phone=user["phone"], expires_at=expires_at, message_ids=message_ids)


async def redeem_sign_in_code(settings: Settings, phone: str, code: str, address: str) -> int:
    """The parent's user id for a right, unexpired, unused code; each code works once and allows five tries."""
    try:
        username = normalise_phone(phone)
    except BadPhone:
        raise AccountError(N_("Check the phone number: it should look like 081-234-5678."), field="phone") from None
    keys = attempt_keys(username, address)
    await count_attempt(settings, keys)
    spent = AccountError(N_("This code is not valid any more. Ask the school for a new one."), field="code")
    latest = await SignInCode.select(SignInCode.id).where(
        (SignInCode.user.username == username) & SignInCode.used_at.is_null()
    ).order_by(SignInCode.id, ascending=False).first()
    if latest is None:
        raise spent
    # The try is counted in the same statement that checks there are tries left, before the code is compared:
    # parallel guesses cannot all read "no tries yet".
    tried = await SignInCode.update({SignInCode.attempts: SignInCode.attempts + 1}).where(
        (SignInCode.id == latest["id"]) & (SignInCode.attempts < CODE_ATTEMPTS) & SignInCode.used_at.is_null()
        & (SignInCode.expires_at > now())
    ).returning(SignInCode.code_hash, SignInCode.user)
    if not tried:
        raise spent
    if not hmac.compare_digest(tried[0]["code_hash"], _digest(settings, str(tried[0]["user"]), code.strip())):
        raise AccountError(N_("The code is not right. Check the SMS and try again."), field="code")
    used = await SignInCode.update({SignInCode.used_at: now()}).where(
        (SignInCode.id == latest["id"]) & SignInCode.used_at.is_null()).returning(SignInCode.id)
    if not used:
        raise spent
    await forget_attempt(keys)
    return tried[0]["user"]


# Codes in bulk: slips to print, or SMS to a classroom (admin) -------------------------------------------------------
# A second print or send never silently spoils codes already given: a guardian whose code still works is left out
# and listed, unless the admin asks for new codes for them too ("again"), which says their earlier code stops
# working. Codes given after the preview was shown (a double submit) are never replaced. A slip goes by default to
# every guardian with a mobile number and no account: a roster rarely says who has a smartphone (a DMC export never
# does), and the slip itself is how a family without one finds out; the admin may narrow slips to those marked.

SLIP, SMS = "slip", "sms"
LEFT_OUT_REASONS = {
    "no_phone": N_("no phone number"),
    "no_smartphone": N_("not marked as having a smartphone"),
    "not_mobile": N_("not a mobile number"),
    "opted_out": N_("SMS turned off"),
    "taken": N_("the number belongs to another account"),
}


@dataclass
class Invitee:
    guardian_id: int
    name: str
    phone: str | None
    user_id: int | None
    locale: str
    children: list[str]  # "บัว รักเรียน (ม.1/1)"
    live_until: datetime | None = None  # a code given earlier that still works
    reason: str | None = None  # why they are left out (LEFT_OUT_REASONS)
    code: str = ""  # once given
    expires_at: datetime | None = None


@dataclass
class InvitePlan:
    via: str
    classroom_id: int | None
    label: str  # the classroom, or "" for the whole school
    as_of: datetime  # the moment of the preview: codes given since then are a double submit's
    to_give: list[Invitee] = field(default_factory=list)
    has_code: list[Invitee] = field(default_factory=list)  # a code that still works: left out unless "again"
    left_out: list[Invitee] = field(default_factory=list)
    signed_up: int = 0  # guardians already using the app
    segments: int = 0  # SMS parts the codes will cost

    @property
    def sms(self) -> int:
        return len(self.to_give) if self.via == SMS else 0


async def _scope(viewer: Viewer, classroom_id: int | None) -> tuple[list[dict], str]:
    """The current students of one classroom of this year (or of the whole school), with their classroom label."""
    label = ""
    where = (Student.school == viewer.school_id) & (Student.active == True)  # noqa: E712 - a Piccolo column
    if classroom_id:
        room = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
            (Classroom.id == classroom_id) & (Classroom.school == viewer.school_id)
            & (Classroom.school_year == viewer.school_year_id)).first()
        if room is None:
            raise AccountError(N_("No such classroom in this school."), status=404)
        label = f"{room['grade']}/{room['room']}"
        where &= Student.classroom == classroom_id
    else:
        where &= Student.classroom.school_year == viewer.school_year_id
    students = await Student.select(
        Student.id, Student.first_name, Student.last_name, Student.classroom.room.as_alias("room"),
        Student.classroom.grade.code.as_alias("grade")).where(where).order_by(Student.classroom.grade.level).order_by(
        Student.classroom.room).order_by(Student.number_in_class)
    return students, label


async def plan_invites(settings: Settings, viewer: Viewer, via: str, classroom_id: int | None, again: bool = False,
                       smartphones_only: bool = False, as_of: datetime | None = None) -> InvitePlan:
    """Who would be given a code: guardians of the scope's students with a phone and no account in use yet."""
    if via not in (SLIP, SMS):
        raise AccountError(N_("Choose slips or SMS."))
    students, label = await _scope(viewer, classroom_id)
    plan = InvitePlan(via=via, classroom_id=classroom_id, label=label, as_of=as_of or now())
    child_of = {s["id"]: f"{s['first_name']} {s['last_name']} ({s['grade']}/{s['room']})" for s in students}
    links = []
    for chunk in db.chunks(list(child_of), db.WHOLE_SCHOOL):
        links += await StudentGuardian.select(
            StudentGuardian.student, StudentGuardian.guardian.id.as_alias("id"),
            StudentGuardian.guardian.name.as_alias("name"), StudentGuardian.guardian.phone.as_alias("phone"),
            StudentGuardian.guardian.has_smartphone.as_alias("has_smartphone"),
            StudentGuardian.guardian.sms_opt_out.as_alias("sms_opt_out"),
            StudentGuardian.guardian.user.as_alias("user"),
            StudentGuardian.guardian.user.locale.as_alias("locale"),
            StudentGuardian.guardian.user.password_hash.as_alias("password_hash"),
        ).where(StudentGuardian.student.is_in(chunk)).order_by(StudentGuardian.position)
    # One invitation per phone number: the account is the number's, whichever guardian rows carry it.
    people: dict[str, Invitee] = {}
    signed_up: set[str] = set()
    for link in links:
        key = link["phone"] or f"guardian:{link['id']}"
        if link["user"] and link["password_hash"]:  # they chose a password: the app is theirs already
            signed_up.add(key)
            continue
        invitee = people.get(key)
        if invitee is None:
            invitee = people[key] = Invitee(link["id"], link["name"], link["phone"], link["user"],
                                            link["locale"] or "th", [])
            invitee.reason = _left_out_because(via, link, smartphones_only)
        if child_of[link["student"]] not in invitee.children:
            invitee.children.append(child_of[link["student"]])
    plan.signed_up = len(signed_up)
    await _mark_taken_numbers(viewer, people)
    await _mark_live_codes(people)
    for invitee in people.values():
        if invitee.reason:
            plan.left_out.append(invitee)
        elif invitee.live_until and not again:
            plan.has_code.append(invitee)
        else:
            plan.to_give.append(invitee)
    if via == SMS:
        templates = await school_templates(viewer.school_id)
        school = await notify.school_row(viewer.school_id)
        until = plan.as_of + timedelta(days=settings.invite_code_days)
        plan.segments = sum(sms_segments(compose(templates, "sign_in_invite", invitee.locale, {
            "school": school["short_name"], "code": "000000", "day": until.date()})).count
            for invitee in plan.to_give)
    return plan


def _left_out_because(via: str, guardian: dict, smartphones_only: bool) -> str | None:
    if not guardian["phone"]:
        return "no_phone"
    if via == SLIP and smartphones_only and not guardian["has_smartphone"]:
        return "no_smartphone"
    if via == SMS and not is_mobile(guardian["phone"]):
        return "not_mobile"
    if via == SMS and guardian["sms_opt_out"]:
        return "opted_out"
    return None


async def _mark_taken_numbers(viewer: Viewer, people: dict[str, Invitee]) -> None:
    """A number that is a staff member's sign-in, or another school's parent's, cannot become this parent's."""
    phones = [p.phone for p in people.values() if p.phone and not p.user_id]
    for chunk in db.chunks(phones, db.WHOLE_SCHOOL):
        for user in await User.select(User.id, User.username, User.school, User.role).where(
                User.username.is_in(chunk)):
            invitee = people[user["username"]]
            if user["school"] != viewer.school_id or user["role"] != Role.parent.value:
                invitee.reason = invitee.reason or "taken"
            else:
                invitee.user_id = user["id"]


async def _mark_live_codes(people: dict[str, Invitee]) -> None:
    by_user = {p.user_id: p for p in people.values() if p.user_id}
    for chunk in db.chunks(list(by_user), db.WHOLE_SCHOOL):
        for code in await SignInCode.select(SignInCode.user, SignInCode.expires_at).where(
                SignInCode.user.is_in(chunk) & SignInCode.used_at.is_null() & (SignInCode.expires_at > now())
                & (SignInCode.attempts < CODE_ATTEMPTS)):
            invitee = by_user[code["user"]]
            invitee.live_until = max(filter(None, [invitee.live_until, code["expires_at"]]))


async def give_codes(settings: Settings, queue: JobQueue, viewer: Viewer, via: str, classroom_id: int | None,
                     as_of: datetime, again: bool = False, smartphones_only: bool = False) -> InvitePlan:
    """Codes for everyone the preview listed, in one transaction: on slips to print (returned with their codes) or
    by SMS through the outbox. Guardians given a code since the preview (a double submit, another admin) are
    left as they are, so nobody gets two codes or two SMS."""
    async with db.transaction():
        await db.lock("invites", viewer.school_id)
        plan = await plan_invites(settings, viewer, via, classroom_id, again, smartphones_only, as_of)
        already = await _given_since(plan.to_give, as_of)
        plan.has_code += [p for p in plan.to_give if p.user_id in already]
        plan.to_give = [p for p in plan.to_give if p.user_id not in already]
        await _make_accounts(viewer, plan.to_give)
        moment = now()
        expires_at = moment + timedelta(days=settings.invite_code_days)
        users = [p.user_id for p in plan.to_give]
        for chunk in db.chunks(users):
            await SignInCode.delete().where(SignInCode.user.is_in(chunk) & SignInCode.used_at.is_null())
        for invitee in plan.to_give:
            invitee.code, invitee.expires_at = _new_code(), expires_at
        rows = []
        for start in range(0, len(plan.to_give), 500):
            rows += await SignInCode.insert(*[SignInCode(
                user=p.user_id, code_hash=_digest(settings, str(p.user_id), p.code), created_at=moment,
                expires_at=expires_at, via=via) for p in plan.to_give[start:start + 500]]).returning(
                SignInCode.id, SignInCode.user)
        await staff.record_change(viewer, users, Role.parent.value, "parent_slip" if via == SLIP else "parent_code")
        message_ids = []
        if via == SMS and plan.to_give:
            code_ids = {row["user"]: row["id"] for row in rows}
            school = await notify.school_row(viewer.school_id)
            # Not urgent, unlike a code someone is waiting for: an invitation waits for the morning in quiet hours.
            message_ids = await notify.create_alerts(settings, school, [AlertSpec(
                None, f"sign-in-code:{code_ids[p.user_id]}", "sign_in_invite", None,
                {"code": p.code, "day": expires_at.date()},
                [Reach(p.guardian_id, p.user_id, p.locale, Channel.sms, p.phone)]) for p in plan.to_give])
    await queue.send(message_ids)
    return plan


async def school_name(viewer: Viewer) -> str:
    return (await School.select(School.name).where(School.id == viewer.school_id).first())["name"]


async def _given_since(invitees: list[Invitee], as_of: datetime) -> set[int]:
    users = [p.user_id for p in invitees if p.user_id]
    found: set[int] = set()
    for chunk in db.chunks(users, db.WHOLE_SCHOOL):
        found |= {row["user"] for row in await SignInCode.select(SignInCode.user).where(
            SignInCode.user.is_in(chunk) & (SignInCode.created_at >= as_of))}
    return found


async def _make_accounts(viewer: Viewer, invitees: list[Invitee]) -> None:
    """Inside the caller's transaction: a parent account for each invitee without one (named by their number), and
    every guardian row with that number linked to it, whatever the number of guardians (a few statements)."""
    missing = [p for p in invitees if not p.user_id]
    for start in range(0, len(missing), 500):
        made = await User.insert(*[User(
            school=viewer.school_id, username=p.phone, display_name=p.name, role=Role.parent.value, phone=p.phone,
            created_at=now()) for p in missing[start:start + 500]]).returning(User.id, User.username)
        by_phone = {row["username"]: row["id"] for row in made}
        for p in missing[start:start + 500]:
            p.user_id = by_phone[p.phone]
    for chunk in db.chunks([p.phone for p in invitees]):
        await Guardian.raw(
            'UPDATE guardian SET "user" = (SELECT u.id FROM app_user u WHERE u.username = guardian.phone '
            "AND u.school = guardian.school AND u.role = {}) WHERE school = {} AND \"user\" IS NULL AND phone IN ("
            + ", ".join(["{}"] * len(chunk)) + ")", Role.parent.value, viewer.school_id, *chunk)


# A parent's new phone number (admin) --------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianSaved:
    phone_pending: str | None = None  # a new number waiting for its code (the guardian has an account)
    message_ids: list[int] = field(default_factory=list)


async def save_guardian(settings: Settings, queue: JobQueue, viewer: Viewer, guardian_id: int, name: str,
                        phone: str, has_smartphone: bool) -> GuardianSaved:
    """The admin corrects a guardian. A new number of a guardian who has an account is their sign-in: it is not
    changed but sent a code, and becomes theirs once the code is entered (confirm_phone_change)."""
    pending = await guardian_records.update_guardian(viewer, guardian_id, name, phone, has_smartphone)
    if pending is None:
        return GuardianSaved()
    return await _start_phone_change(settings, queue, viewer, pending.user_id, pending.new_phone)


async def _start_phone_change(settings: Settings, queue: JobQueue, viewer: Viewer, user_id: int,
                              new_phone: str) -> GuardianSaved:
    taken = await User.select(User.id).where((User.username == new_phone) & (User.id != user_id)).first()
    if taken:
        raise AccountError(N_("This phone number already belongs to another account."), field="phone")
    user = await User.select(User.locale).where(User.id == user_id).first()
    code = _new_code()
    moment = now()
    async with db.transaction():
        await PhoneChange.delete().where((PhoneChange.user == user_id) & PhoneChange.confirmed_at.is_null())
        rows = await PhoneChange.insert(PhoneChange(
            school=viewer.school_id, user=user_id, new_phone=new_phone, made_by=viewer.user_id, created_at=moment,
            code_hash=_digest(settings, f"phone:{user_id}:{new_phone}", code),
            expires_at=moment + timedelta(minutes=PHONE_CHANGE_MINUTES))).returning(PhoneChange.id)
        message_ids = await notify.text_person(
            settings, school_id=viewer.school_id, user_id=user_id, phone=new_phone, locale=user["locale"],
            kind="sign_in_code", event_key=f"phone-change:{rows[0]['id']}",
            values={"code": code, "minutes": PHONE_CHANGE_MINUTES})
    await queue.send(message_ids)
    return GuardianSaved(phone_pending=new_phone, message_ids=message_ids)


async def pending_phone(viewer: Viewer, guardian_id: int) -> dict | None:
    """The new number waiting for its code, for the guardian's page."""
    guardian = await Guardian.select(Guardian.user).where(
        (Guardian.id == guardian_id) & (Guardian.school == viewer.school_id)).first()
    if not guardian or not guardian["user"]:
        return None
    return await PhoneChange.select(PhoneChange.new_phone, PhoneChange.expires_at).where(
        (PhoneChange.user == guardian["user"]) & PhoneChange.confirmed_at.is_null()
        & (PhoneChange.expires_at > now()) & (PhoneChange.attempts < CODE_ATTEMPTS)).first()


async def confirm_phone_change(settings: Settings, viewer: Viewer, guardian_id: int, code: str) -> str:
    """The code sent to the new number, read out by the parent: the number becomes their sign-in and every guardian
    row of theirs takes it. Returns the new number."""
    guardian = await Guardian.select(Guardian.user).where(
        (Guardian.id == guardian_id) & (Guardian.school == viewer.school_id)).first()
    if guardian is None:
        raise AccountError(N_("No such guardian in this school."), status=404)
    spent = AccountError(N_("No new number is waiting for a code. Enter the new number again."), field="code")
    if not guardian["user"]:
        raise spent
    user_id = guardian["user"]
    tried = await PhoneChange.update({PhoneChange.attempts: PhoneChange.attempts + 1}).where(
        (PhoneChange.user == user_id) & PhoneChange.confirmed_at.is_null() & (PhoneChange.expires_at > now())
        & (PhoneChange.attempts < CODE_ATTEMPTS)).returning(PhoneChange.id, PhoneChange.new_phone,
                                                             PhoneChange.code_hash)
    if not tried:
        raise spent
    change = tried[0]
    if not hmac.compare_digest(change["code_hash"],
                               _digest(settings, f"phone:{user_id}:{change['new_phone']}", code.strip())):
        raise AccountError(N_("The code is not right. Check the SMS and try again."), field="code")
    new_phone = change["new_phone"]
    async with db.transaction():
        if await User.exists().where((User.username == new_phone) & (User.id != user_id)):
            raise AccountError(N_("This phone number already belongs to another account."), field="code")
        await PhoneChange.update({PhoneChange.confirmed_at: now()}).where(PhoneChange.id == change["id"])
        await User.update({User.username: new_phone, User.phone: new_phone}).where(User.id == user_id)
        await Guardian.update({Guardian.phone: new_phone, Guardian.updated_at: now()}).where(
            (Guardian.user == user_id) & (Guardian.school == viewer.school_id))
        await staff.record_change(viewer, [user_id], Role.parent.value, "parent_phone")
    return new_phone
