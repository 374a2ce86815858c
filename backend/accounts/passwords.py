"""Passwords: hashing and checking them, temporary ones, signing in with one, and slowing down guessing."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from backend.accounts.access import Viewer
from backend.accounts.tables import SignInFailure, User
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.students.phones import BadPhone, looks_like_phone, normalise_phone

hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


class AccountError(Refusal):
    """A refusal on a sign-in or account form; `field` is the one to fix, if one."""

    def __init__(self, message: str, field: str | None = None, **values):
        super().__init__(message, **values)
        self.field = field


class TooManyAttempts(AccountError):
    status = 429

    def __init__(self, minutes: int):
        super().__init__(N_("Too many failed attempts. Please wait %(minutes)s minutes and try again."), minutes=minutes)


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


# Throttling failed sign-ins ----------------------------------------------------------------------------------


async def check_throttle(settings: Settings, account_key: str, address_key: str) -> None:
    since = now() - timedelta(minutes=settings.sign_in_window_minutes)
    for key, limit in ((account_key, settings.sign_in_limit_per_account),
                       (address_key, settings.sign_in_limit_per_address)):
        failures = await SignInFailure.count().where((SignInFailure.key == key) & (SignInFailure.failed_at > since))
        if failures >= limit:
            raise TooManyAttempts(settings.sign_in_window_minutes)


async def record_failure(account_key: str, address_key: str) -> None:
    moment = now()
    await SignInFailure.insert(SignInFailure(key=account_key, failed_at=moment),
                               SignInFailure(key=address_key, failed_at=moment))


def _identifier(raw: str) -> str:
    """Usernames are case-insensitive; a phone number in any usual spelling is the parent's username."""
    text = raw.strip()
    if looks_like_phone(text):
        try:
            return normalise_phone(text)
        except BadPhone:
            pass
    return text.lower()


# Sign-in and sessions ---------------------------------------------------------------------------------------


async def authenticate(settings: Settings, identifier: str, password: str, address: str) -> dict:
    """The User row for a right username (or phone) and password; AccountError otherwise."""
    username = _identifier(identifier)
    account_key, address_key = f"account:{username}", f"address:{address}"
    await check_throttle(settings, account_key, address_key)
    user = await User.select(User.id, User.password_hash, User.active).where(User.username == username).first()
    if user is None or not user["active"] or not await matches_in_thread(user["password_hash"], password):
        await record_failure(account_key, address_key)
        # One message for an unknown name and a wrong password, so names cannot be probed.
        raise AccountError(N_("Wrong username or password."))
    await SignInFailure.delete().where(SignInFailure.key == account_key)
    if hasher.check_needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: await hashed_in_thread(password)}).where(User.id == user["id"])
    return user



# Own password -----------------------------------------------------------------------------------------------


async def change_own_password(viewer: Viewer, current: str | None, password: str, confirm: str) -> None:
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
    await User.update({User.password_hash: password_hash, User.must_change_password: False}).where(
        User.id == viewer.user_id
    )

