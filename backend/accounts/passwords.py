"""Passwords: hashing and checking them, temporary ones, signing in with one, and slowing down guessing."""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from backend import db
from backend.accounts.access import Viewer
from backend.accounts.sessions import end_other_sessions, password_entered
from backend.accounts.tables import SignInThrottle, User
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.students.phones import BadPhone, looks_like_phone, normalise_phone

hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


class AccountError(Refusal):
    """A refusal on a sign-in or account form; `field` names the one to fix, if one (the message shows there)."""

    def __init__(self, message: str, field: str | None = None, status: int | None = None, **values):
        super().__init__(message, status=status, errors={field: message} if field else None, **values)


class TooManyAttempts(AccountError):
    status = 429

    def __init__(self, seconds: int):
        super().__init__(N_("Too many failed attempts. Please wait %(seconds)s seconds and try again."),
                         seconds=seconds)


# Passwords ------------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


async def hashed_in_thread(password: str) -> str:
    # argon2 takes ~0.1 s of CPU by design: off the event loop, so one sign-in never stalls everyone else's pages.
    return await asyncio.to_thread(hash_password, password)


async def matches_in_thread(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(password_matches, password_hash, password)


def check_new_password(password: str, confirm: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("Use at least %(n)s characters."), field="password", n=MIN_PASSWORD_LENGTH)
    if password != confirm:
        raise AccountError(N_("The two passwords do not match."), field="confirm")


def temporary_password() -> str:
    # Easy to read aloud or copy from a screen: no 0/O or 1/l confusion.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


# Slowing down guessing ---------------------------------------------------------------------------------------
# Every attempt is counted, per account and per address, BEFORE its password or code is checked, under a lock on
# those counters: parallel guesses queue behind one another instead of all reading "no failures yet". After a few
# failures each further attempt must wait, twice as long each time, instead of a hard lock-out that anyone who
# knows a name (a parent's phone number) could set off. A success forgets the account's failures.


@dataclass(frozen=True)
class AttemptKeys:
    account: str
    address: str


def attempt_keys(username: str, address: str) -> AttemptKeys:
    """What is stored of an attempt: hashes of fixed length, whatever length of name or address was sent."""
    return AttemptKeys(account=_digest(f"account:{username}"), address=_digest(f"address:{address}"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def wait_after(failures: int, free: int, longest: int) -> int:
    """Seconds the next attempt waits after this many failures: none for the first few, then 1, 2, 4, …"""
    return 0 if failures < free else min(2 ** (failures - free), longest)


async def count_attempt(settings: Settings, keys: AttemptKeys) -> None:
    """Count this attempt as a failure until it proves right; TooManyAttempts (uncounted) while it must wait."""
    limits = {keys.account: settings.sign_in_limit_per_account, keys.address: settings.sign_in_limit_per_address}
    waiting = 0
    async with db.transaction():
        await db.lock("acct", int(keys.account[:7], 16))
        await db.lock("addr", int(keys.address[:7], 16))
        moment = now()  # after the wait for the lock: an earlier attempt's moment is never later than this one's
        rows = {row["key"]: row for row in await SignInThrottle.select().where(SignInThrottle.key.is_in(list(limits)))}
        for row in rows.values():
            if row["wait_until"] > moment:
                waiting = max(waiting, math.ceil((row["wait_until"] - moment).total_seconds()))
        if not waiting:
            forgotten = moment - timedelta(minutes=settings.sign_in_window_minutes)
            for key, free in limits.items():
                row = rows.get(key)
                failures = 1 if row is None or row["last_at"] < forgotten else row["failures"] + 1
                wait = wait_after(failures, free, settings.sign_in_longest_wait_seconds)
                wait_until = moment + timedelta(seconds=wait)
                if row is None:
                    await SignInThrottle.insert(SignInThrottle(key=key, failures=failures, wait_until=wait_until,
                                                               last_at=moment))
                else:
                    await SignInThrottle.update({SignInThrottle.failures: failures,
                                                 SignInThrottle.wait_until: wait_until,
                                                 SignInThrottle.last_at: moment}).where(SignInThrottle.key == key)
    if waiting:
        raise TooManyAttempts(waiting)


async def forget_attempt(keys: AttemptKeys) -> None:
    """A right password or code: the account starts afresh, and the address gets back the attempt it was counted."""
    # Under the same locks as counting: a give-back between another attempt's read and its write would be lost,
    # and a school whose teachers share one address would drift into waiting (found with 24 sign-ins at once).
    async with db.transaction():
        await db.lock("acct", int(keys.account[:7], 16))
        await db.lock("addr", int(keys.address[:7], 16))
        await SignInThrottle.delete().where(SignInThrottle.key == keys.account)
        await SignInThrottle.update({SignInThrottle.failures: SignInThrottle.failures - 1}).where(
            (SignInThrottle.key == keys.address) & (SignInThrottle.failures > 0))


def _identifier(raw: str) -> str:
    """Usernames are case-insensitive; a phone number in any usual spelling is the parent's username."""
    text = raw.strip()
    if looks_like_phone(text):
        try:
            return normalise_phone(text)
        except BadPhone:
            pass
    return text.lower()


@cache
def _stand_in_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


# Signing in ----------------------------------------------------------------------------------------------------


async def authenticate(settings: Settings, identifier: str, password: str, address: str) -> dict:
    """The User row for a right username (or phone) and password; AccountError otherwise."""
    username = _identifier(identifier)
    keys = attempt_keys(username, address)
    await count_attempt(settings, keys)
    user = await User.select(User.id, User.password_hash, User.active).where(User.username == username).first()
    usable = user is not None and user["active"] and user["password_hash"]
    # An unknown name is checked against a stand-in hash, so the answer takes as long as for a wrong password
    # and the time cannot tell whether an account (a parent's phone number) exists.
    right = await matches_in_thread(user["password_hash"] if usable else _stand_in_hash(), password)
    if not (usable and right):
        # One message for an unknown name and a wrong password, so names cannot be probed.
        raise AccountError(N_("Wrong username or password."))
    await forget_attempt(keys)
    if hasher.check_needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: await hashed_in_thread(password)}).where(User.id == user["id"])
    return user


async def confirm_password(settings: Settings, viewer: Viewer, session_token: str, password: str,
                           address: str) -> None:
    """The password entered again in a signed-in session (the case team's notes after an idle gap), counted and
    slowed down as a sign-in is, on the same account's counters: guessing here brings the sign-in page no nearer.
    Right, the session's password counts as just entered."""
    user = await User.select(User.username, User.password_hash).where(User.id == viewer.user_id).first()
    keys = attempt_keys(user["username"], address)
    await count_attempt(settings, keys)
    # No password (a one-time code's session before one is chosen): checked against a stand-in, never right.
    right = await matches_in_thread(user["password_hash"] or _stand_in_hash(), password)
    if not (right and user["password_hash"]):
        raise AccountError(N_("That is not your password."), field="password")
    await forget_attempt(keys)
    await password_entered(session_token)


# Own password -----------------------------------------------------------------------------------------------


async def change_own_password(viewer: Viewer, current: str | None, password: str, confirm: str,
                              session_token: str | None = None) -> None:
    """A new password of one's own; every other session of theirs ends (the one with `session_token` stays)."""
    if viewer.handed_over_by is not None:
        # On the teacher's device, for questionnaires only: a sign-in of their own comes from a slip.
        raise AccountError(N_("Ask your homeroom teacher for a sign-in slip to choose a password."))
    user = await User.select(User.password_hash, User.must_change_password).where(User.id == viewer.user_id).first()
    # A parent who came in by one-time code, or anyone after a reset, has no password to repeat.
    if user["password_hash"] and not user["must_change_password"] and not await matches_in_thread(
        user["password_hash"], current or ""
    ):
        raise AccountError(N_("Your current password is not right."), field="current")
    check_new_password(password, confirm)
    password_hash = await hashed_in_thread(password)
    async with db.transaction():
        await User.update({User.password_hash: password_hash, User.must_change_password: False}).where(
            User.id == viewer.user_id
        )
        await end_other_sessions(viewer.user_id, session_token)

