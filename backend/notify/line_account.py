"""A school's LINE Official Account: its settings as the admin keeps them (the channel secret and access token kept
encrypted, never shown back in full), read by the webhook (notify.line_webhook), the delivery of LINE messages and
the morning summaries; and the one-time codes with which parents link their LINE (notify.line_parents) and a
grade's staff group is given to it (notify.line_groups)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken

from backend import db
from backend.accounts.access import Viewer, can_manage_line
from backend.accounts.passwords import attempt_keys
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify import line
from backend.notify.tables import LineCode, LineEvent, LineGroup, LineLink, LineSettings
from backend.notify.wording import NotifyError
from backend.schools.tables import Grade


log = logging.getLogger("doolae.notify")
CODE_DIGITS = 8
CODE_MINUTES = 10
CODES_PER_HOUR = 5  # a parent (or an admin) asking for more waits: codes are not to be collected
SECRET = re.compile(r"[0-9a-f]{32}")
TOKEN = re.compile(r"[A-Za-z0-9+/=._-]{20,400}")


class LineError(NotifyError):
    pass


# The school's account ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolLine:
    school_id: int
    enabled: bool
    basic_id: str
    channel_secret: str
    access_token: str
    summaries: bool
    summary_time: str
    summary_names: bool

    @property
    def on(self) -> bool:
        return self.enabled and bool(self.access_token and self.channel_secret)


def _fernet(settings: Settings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"line-secrets:{settings.secret_key}".encode()).digest()))


def seal(settings: Settings, text: str) -> str:
    return _fernet(settings).encrypt(text.encode()).decode() if text else ""


def unseal(settings: Settings, sealed: str) -> str:
    """The stored secret, or "" when it was sealed with another SECRET_KEY (the admin enters it again)."""
    if not sealed:
        return ""
    try:
        return _fernet(settings).decrypt(sealed.encode()).decode()
    except InvalidToken:
        log.warning("a LINE secret could not be read with this SECRET_KEY: it must be entered again")
        return ""


def masked(text: str) -> str:
    return f"••••••••{text[-4:]}" if text else ""


async def school_line(settings: Settings, school_id: int) -> SchoolLine | None:
    row = await LineSettings.select().where(LineSettings.school == school_id).first()
    if row is None:
        return None
    return SchoolLine(school_id, row["enabled"], row["basic_id"], unseal(settings, row["channel_secret"]),
                      unseal(settings, row["access_token"]), row["summaries"], row["summary_time"],
                      row["summary_names"])


def add_friend_url(basic_id: str) -> str:
    return f"https://line.me/R/ti/p/{quote(basic_id)}" if basic_id else ""


def webhook_url(settings: Settings, school_id: int) -> str:
    return f"{settings.public_base_url}/notify/line/webhook/{school_id}"


def parse_time(text: str) -> time | None:
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


# The admin's settings --------------------------------------------------------------------------------------------


def require_manager(viewer: Viewer) -> None:
    if not can_manage_line(viewer):
        raise LineError(N_("Only the school's admin sets up LINE."), status=403)


async def settings_page(viewer: Viewer, settings: Settings) -> dict:
    """What the admin sees: the account (secrets masked), the webhook address to give LINE, each grade with its
    staff group, groups waiting for a grade, and how many parents linked their LINE. Six queries."""
    require_manager(viewer)
    account = await school_line(settings, viewer.school_id)
    grades = await Grade.select(Grade.id, Grade.code).where(Grade.school == viewer.school_id).order_by(Grade.level)
    groups = await LineGroup.select(LineGroup.id, LineGroup.grade, LineGroup.name, LineGroup.assigned_at,
                                    LineGroup.joined_at).where(
        (LineGroup.school == viewer.school_id) & LineGroup.left_at.is_null()).order_by(LineGroup.id)
    by_grade = {g["grade"]: g for g in groups if g["grade"]}
    linked = await LineLink.count().where((LineLink.school == viewer.school_id) & LineLink.blocked_at.is_null())
    blocked = await LineLink.count().where((LineLink.school == viewer.school_id) & LineLink.blocked_at.is_not_null())
    counts = {"linked": linked, "blocked": blocked}
    return {
        "account": {"enabled": account.enabled if account else False,
                    "basic_id": account.basic_id if account else "",
                    "secret": masked(account.channel_secret) if account else "",
                    "token": masked(account.access_token) if account else "",
                    "summaries": account.summaries if account else False,
                    "summary_time": account.summary_time if account else "09:00",
                    "summary_names": account.summary_names if account else False,
                    "on": account.on if account else False},
        "webhook_url": webhook_url(settings, viewer.school_id),
        "grades": [{**g, "group": by_grade.get(g["id"])} for g in grades],
        "waiting_groups": [g for g in groups if not g["grade"]],
        "counts": counts, "minutes": CODE_MINUTES,
    }


async def save_settings(viewer: Viewer, settings: Settings, form: dict) -> SchoolLine:
    """The admin's form. A blank secret or token keeps the one stored; a new token is checked with LINE first
    (which also tells the account's LINE ID). Nothing is saved when anything is refused."""
    require_manager(viewer)
    current = await school_line(settings, viewer.school_id)
    secret, token = form.get("channel_secret", "").strip(), "".join(form.get("access_token", "").split())
    enabled, summaries = form.get("enabled") == "1", form.get("summaries") == "1"
    names = form.get("summary_names") == "1"
    errors = {}
    at = parse_time(form.get("summary_time", "") or "09:00")
    if at is None:
        errors["summary_time"] = N_("Write the time as hours and minutes, such as 09:00.")
    if secret and not SECRET.fullmatch(secret):
        errors["channel_secret"] = N_("The channel secret is 32 letters and digits: copy it from the channel's "
                                      "Basic settings in the LINE Developers Console.")
    if token and not TOKEN.fullmatch(token):
        errors["access_token"] = N_("This is not a channel access token: copy the long-lived token from the "
                                    "channel's Messaging API tab.")
    secret = secret or (current.channel_secret if current else "")
    new_token = token or (current.access_token if current else "")
    if enabled and not (secret and new_token) and not errors:
        errors["enabled"] = N_("To turn LINE on, enter the channel secret and the channel access token.")
    if errors:
        raise LineError(N_("Some settings need fixing; nothing was saved."), errors=errors)
    basic_id = current.basic_id if current else ""
    if token:
        try:
            info = await line.bot_info(settings, token)
        except line.LineUnreachable as error:
            log.warning("LINE could not check a token: %s", error)
            raise LineError(N_("LINE could not be reached to check the access token; nothing was saved. Try again "
                               "in a moment."), status=503) from error
        if info is None:
            raise LineError(N_("LINE does not accept this channel access token; nothing was saved."),
                            errors={"access_token": N_("LINE does not accept this channel access token: issue a "
                                                       "new one on the channel's Messaging API tab.")})
        basic_id = info["basic_id"]
    values = {LineSettings.enabled: enabled, LineSettings.basic_id: basic_id[:40],
              LineSettings.channel_secret: seal(settings, secret), LineSettings.access_token: seal(settings, new_token),
              LineSettings.summaries: summaries, LineSettings.summary_time: f"{at:%H:%M}",
              LineSettings.summary_names: names, LineSettings.updated_by: viewer.user_id,
              LineSettings.updated_at: now()}
    async with db.transaction():
        if current is None:
            await LineSettings.insert(LineSettings(school=viewer.school_id, **{c._meta.name: v
                                                                               for c, v in values.items()}))
        else:
            await LineSettings.update(values).where(LineSettings.school == viewer.school_id)
    return await school_line(settings, viewer.school_id)


# One-time codes: a parent sends theirs to the account, an admin's is posted in a grade's staff group ----------


def code_digest(settings: Settings, school_id: int, code: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"line:{school_id}:{code}".encode(), hashlib.sha256).hexdigest()


def shown(code: str) -> str:
    """1234 5678: easier to read from one phone and type on another."""
    return f"{code[:4]} {code[4:]}"


def code_in(text: str) -> str | None:
    """The code a message is, if it is one: 8 digits, perhaps with spaces or dashes (as shown, or as typed)."""
    if len(text) > 40 or not re.fullmatch(r"[\d\s-]+", text.strip()):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == CODE_DIGITS else None


async def issue_code(settings: Settings, school_id: int, user_id: int, *, guardian_id: int | None = None,
                 grade_id: int | None = None) -> str:
    """A new code for 10 minutes; the asker's earlier codes for the same purpose stop working. At most five an
    hour per person."""
    moment = now()
    if await LineCode.count().where((LineCode.user == user_id)
                                    & (LineCode.created_at > moment - timedelta(hours=1))) >= CODES_PER_HOUR:
        raise LineError(N_("You asked for %(n)s codes in the last hour. Wait a little, then ask again."), status=429,
                        n=CODES_PER_HOUR)
    same = (LineCode.grade == grade_id) if grade_id else LineCode.grade.is_null()
    async with db.transaction():
        await LineCode.update({LineCode.expires_at: moment}).where(
            (LineCode.user == user_id) & (LineCode.school == school_id) & LineCode.used_at.is_null()
            & (LineCode.expires_at > moment) & same)
        for _try in range(5):
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            made = await LineCode.insert(LineCode(
                school=school_id, digest=code_digest(settings, school_id, code), user=user_id, guardian=guardian_id,
                grade=grade_id, created_at=moment, expires_at=moment + timedelta(minutes=CODE_MINUTES),
            )).on_conflict(action="DO NOTHING").returning(LineCode.id)
            if made:
                return code
    raise LineError(N_("No code could be made just now. Try again."), status=503)


async def claim_code(settings: Settings, school_id: int, code: str, for_group: bool) -> dict | None:
    """The code's row, marked used (once: of two messages with one code, one claims it), if it is this school's,
    for this purpose, unused and not expired."""
    moment = now()
    kind = LineCode.grade.is_not_null() if for_group else LineCode.grade.is_null()
    claimed = await LineCode.update({LineCode.used_at: moment}).where(
        (LineCode.digest == code_digest(settings, school_id, code)) & (LineCode.school == school_id) & kind
        & LineCode.used_at.is_null() & (LineCode.expires_at > moment)).returning(
        LineCode.id, LineCode.user, LineCode.grade)
    return claimed[0] if claimed else None


def code_throttle_keys(school_id: int, source: str):
    """Wrong codes are counted per LINE user or group, and per school (many LINE accounts guessing at once)."""
    return attempt_keys(f"line:{school_id}:{source}", f"line-school:{school_id}")


# Housekeeping ------------------------------------------------------------------------------------------------------


async def summary_schools(settings: Settings) -> list[SchoolLine]:
    """The schools whose LINE is on and which send the morning summary."""
    rows = await LineSettings.select(LineSettings.school).where(
        (LineSettings.enabled == True) & (LineSettings.summaries == True))  # noqa: E712 - column comparisons
    found = [await school_line(settings, row["school"]) for row in rows]
    return [account for account in found if account and account.on]


async def purge_old() -> None:
    """Hourly housekeeping: webhook events older than LINE's redelivery (a day at most; kept a week) and codes long
    expired."""
    moment = now()
    await LineEvent.delete().where(LineEvent.received_at < moment - timedelta(days=7))
    await LineCode.delete().where(LineCode.expires_at < moment - timedelta(days=1))
