"""A school's LINE Official Account: the admin's settings (channel secret and access token kept encrypted, never
shown back in full), parents linking their LINE with a one-time code they send to the account, staff groups given
to a grade by a code from the admin posted in the group, and the webhook's events, read only once their signature
proves they come from LINE. What is sent by LINE goes through the outbox like SMS (notify.outbox, notify.delivery)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken
from linebot.v3.webhooks import (FollowEvent, GroupSource, JoinEvent, LeaveEvent, MessageEvent,
                                 TextMessageContent, UnfollowEvent, UserSource)

from backend import db
from backend.accounts.access import Viewer, can_link_line, can_manage_line
from backend.accounts.passwords import TooManyAttempts, attempt_keys, count_attempt, forget_attempt
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, _
from backend.notify import choices, line
from backend.notify.outbox import school_row
from backend.notify.segments import sms_segments
from backend.notify.tables import (Alert, Channel, LineCode, LineEvent, LineGroup, LineLink, LineSettings, Message)
from backend.notify.wording import NotifyError
from backend.schools.tables import Grade
from backend.students.tables import Guardian

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


async def still_linked(guardian_id: int, line_user: str) -> bool:
    """The guardian's LINE is still this one, and they have not blocked the school's account."""
    return await LineLink.exists().where((LineLink.guardian == guardian_id) & (LineLink.line_user == line_user)
                                         & LineLink.blocked_at.is_null())


async def group_still_there(school_id: int, group_id: str) -> bool:
    return await LineGroup.exists().where((LineGroup.school == school_id) & (LineGroup.group_id == group_id)
                                          & LineGroup.left_at.is_null() & LineGroup.grade.is_not_null())


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


def _manager(viewer: Viewer) -> None:
    if not can_manage_line(viewer):
        raise LineError(N_("Only the school's admin sets up LINE."), status=403)


async def settings_page(viewer: Viewer, settings: Settings) -> dict:
    """What the admin sees: the account (secrets masked), the webhook address to give LINE, each grade with its
    staff group, groups waiting for a grade, and how many parents linked their LINE. Six queries."""
    _manager(viewer)
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
    _manager(viewer)
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


# One-time codes ----------------------------------------------------------------------------------------------------


def _digest(settings: Settings, school_id: int, code: str) -> str:
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


async def _issue(settings: Settings, school_id: int, user_id: int, *, guardian_id: int | None = None,
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
                school=school_id, digest=_digest(settings, school_id, code), user=user_id, guardian=guardian_id,
                grade=grade_id, created_at=moment, expires_at=moment + timedelta(minutes=CODE_MINUTES),
            )).on_conflict(action="DO NOTHING").returning(LineCode.id)
            if made:
                return code
    raise LineError(N_("No code could be made just now. Try again."), status=503)


async def _claim(settings: Settings, school_id: int, code: str, for_group: bool) -> dict | None:
    """The code's row, marked used (once: of two messages with one code, one claims it), if it is this school's,
    for this purpose, unused and not expired."""
    moment = now()
    kind = LineCode.grade.is_not_null() if for_group else LineCode.grade.is_null()
    claimed = await LineCode.update({LineCode.used_at: moment}).where(
        (LineCode.digest == _digest(settings, school_id, code)) & (LineCode.school == school_id) & kind
        & LineCode.used_at.is_null() & (LineCode.expires_at > moment)).returning(
        LineCode.id, LineCode.user, LineCode.grade)
    return claimed[0] if claimed else None


def _throttle_keys(school_id: int, source: str):
    """Wrong codes are counted per LINE user or group, and per school (many LINE accounts guessing at once)."""
    return attempt_keys(f"line:{school_id}:{source}", f"line-school:{school_id}")


# Parents -----------------------------------------------------------------------------------------------------------


async def _my_guardians(viewer: Viewer) -> list[dict]:
    if not can_link_line(viewer):
        raise LineError(N_("Only a parent links their own LINE."), status=403)
    return await Guardian.select(Guardian.id, Guardian.name).where(
        (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id)).order_by(Guardian.id)


async def link_page(viewer: Viewer, settings: Settings) -> dict:
    """The parent's LINE page: whether the school has LINE, its account to add, and whether theirs is linked."""
    guardians = await _my_guardians(viewer)
    account = await school_line(settings, viewer.school_id)
    link = await LineLink.select(LineLink.linked_at, LineLink.blocked_at).where(
        LineLink.guardian.is_in([g["id"] for g in guardians] or [-1])).first()
    return {"on": bool(account and account.on), "basic_id": account.basic_id if account else "",
            "add_url": add_friend_url(account.basic_id) if account else "", "link": link,
            "has_guardian": bool(guardians), "minutes": CODE_MINUTES}


async def link_code(viewer: Viewer, settings: Settings) -> str:
    """A code for the parent to send to the school's LINE account (shown once, in the app)."""
    guardians = await _my_guardians(viewer)
    account = await school_line(settings, viewer.school_id)
    if account is None or not account.on:
        raise LineError(N_("Your school does not send messages by LINE."), status=409)
    if not guardians:
        raise LineError(N_("No guardian record is linked to your account. Please contact the school."), status=409)
    return shown(await _issue(settings, viewer.school_id, viewer.user_id, guardian_id=guardians[0]["id"]))


async def unlink(viewer: Viewer) -> bool:
    """The parent unlinks their LINE: messages go by the app or SMS again."""
    guardians = await _my_guardians(viewer)
    gone = await LineLink.delete().where(LineLink.guardian.is_in([g["id"] for g in guardians] or [-1])
                                         & (LineLink.school == viewer.school_id)).returning(LineLink.id)
    return bool(gone)


async def _link(settings: Settings, school_id: int, line_user: str, code: str) -> str:
    keys = _throttle_keys(school_id, line_user)
    try:
        await count_attempt(settings, keys)
    except TooManyAttempts as waiting:
        return _("Too many wrong codes. Try again in %(minutes)s minutes.",
                 minutes=math.ceil(waiting.values["seconds"] / 60))
    claimed = await _claim(settings, school_id, code, for_group=False)
    if claimed is None:
        return _("This code is not right, or it expired or was used. Get a new code in the Doolae app (Message "
                 "settings, LINE) and send it here.")
    await forget_attempt(keys)
    guardians = await Guardian.select(Guardian.id, Guardian.name).where(
        (Guardian.user == claimed["user"]) & (Guardian.school == school_id)).order_by(Guardian.id)
    ids = [g["id"] for g in guardians]
    if not ids:
        return _("This code is not right, or it expired or was used. Get a new code in the Doolae app (Message "
                 "settings, LINE) and send it here.")
    moment = now()
    await LineLink.delete().where(LineLink.guardian.is_in(ids))
    await LineLink.insert(*[LineLink(school=school_id, guardian=guardian_id, line_user=line_user,
                                     linked_by=claimed["user"], linked_at=moment) for guardian_id in ids])
    await choices.prefer_line(school_id, ids, claimed["user"])
    return _("Linked: the school's messages to %(name)s now come to this LINE. To stop them, unlink LINE in the "
             "Doolae app.", name=guardians[0]["name"])


async def _user_text(settings: Settings, school_id: int, line_user: str, text: str) -> str:
    code = code_in(text)
    if code is not None:
        return await _link(settings, school_id, line_user, code)
    if await LineLink.exists().where((LineLink.school == school_id) & (LineLink.line_user == line_user)):
        return _("This account only sends the school's messages. To write to the homeroom teacher, use Messages in "
                 "the Doolae app.")
    return _("To get the school's messages here, open the Doolae app, go to Message settings, LINE, and send the "
             "code shown there to this account.")


async def _followed(school_id: int, line_user: str) -> str:
    """Added (or unblocked): a link they had works again."""
    again = await LineLink.update({LineLink.blocked_at: None}).where(
        (LineLink.school == school_id) & (LineLink.line_user == line_user)
        & LineLink.blocked_at.is_not_null()).returning(LineLink.id)
    if again or await LineLink.exists().where((LineLink.school == school_id) & (LineLink.line_user == line_user)):
        return _("Welcome back: the school's messages come to this LINE again.")
    return _("Welcome. To get the school's messages here, open the Doolae app, go to Message settings, LINE, and "
             "send the code shown there to this account.")


async def _blocked(school_id: int, line_user: str) -> None:
    """Blocked (unfollowed): nothing can reach them by LINE; their messages go by the app or SMS."""
    await LineLink.update({LineLink.blocked_at: now()}).where(
        (LineLink.school == school_id) & (LineLink.line_user == line_user) & LineLink.blocked_at.is_null())


# Staff groups --------------------------------------------------------------------------------------------------------


async def grade_code(viewer: Viewer, settings: Settings, grade_id: int) -> dict:
    """A code for the admin (or whoever they hand it to) to post in a grade's staff group on LINE."""
    _manager(viewer)
    grade = await Grade.select(Grade.id, Grade.code).where(
        (Grade.id == grade_id) & (Grade.school == viewer.school_id)).first()
    if grade is None:
        raise LineError(N_("No such grade in this school."), status=404)
    account = await school_line(settings, viewer.school_id)
    if account is None or not account.on:
        raise LineError(N_("Turn LINE on first: enter the channel secret and access token and save."), status=409)
    return {"grade": grade["code"], "code": shown(await _issue(settings, viewer.school_id, viewer.user_id,
                                                               grade_id=grade_id))}


async def remove_group(viewer: Viewer, group_row_id: int) -> bool:
    """The group gets no more summaries (the account stays in it until someone removes it in LINE)."""
    _manager(viewer)
    group = await LineGroup.select(LineGroup.id).where(
        (LineGroup.id == group_row_id) & (LineGroup.school == viewer.school_id)).first()
    if group is None:
        raise LineError(N_("No such LINE group in this school."), status=404)
    done = await LineGroup.update({LineGroup.grade: None}).where(
        (LineGroup.id == group_row_id) & LineGroup.grade.is_not_null()).returning(LineGroup.id)
    return bool(done)


async def _joined(school_id: int, group_id: str) -> None:
    existing = await LineGroup.select(LineGroup.id).where(
        (LineGroup.school == school_id) & (LineGroup.group_id == group_id)).first()
    if existing:
        await LineGroup.update({LineGroup.left_at: None, LineGroup.joined_at: now()}).where(
            LineGroup.id == existing["id"])
    else:
        await LineGroup.insert(LineGroup(school=school_id, group_id=group_id, joined_at=now()))


async def _group_text(settings: Settings, account: SchoolLine, group_id: str, text: str,
                      named: list[str]) -> str | None:
    """Staff talk in their group: the account answers only a message that is a code. A group given to a grade is
    added to `named`, for its name to be asked of LINE once the transaction is over."""
    code = code_in(text)
    if code is None:
        return None
    keys = _throttle_keys(account.school_id, group_id)
    try:
        await count_attempt(settings, keys)
    except TooManyAttempts as waiting:
        return _("Too many wrong codes. Try again in %(minutes)s minutes.",
                 minutes=math.ceil(waiting.values["seconds"] / 60))
    claimed = await _claim(settings, account.school_id, code, for_group=True)
    if claimed is None:
        return _("This code is not right, or it expired or was used. The admin gets a new one on the LINE page of "
                 "Doolae.")
    await forget_attempt(keys)
    await _joined(account.school_id, group_id)
    named.append(group_id)
    moment = now()
    # One group per grade: a grade's earlier group gets no more summaries.
    await LineGroup.update({LineGroup.grade: None}).where(
        (LineGroup.school == account.school_id) & (LineGroup.grade == claimed["grade"])
        & (LineGroup.group_id != group_id))
    await LineGroup.update({LineGroup.grade: claimed["grade"], LineGroup.assigned_by: claimed["user"],
                            LineGroup.assigned_at: moment}).where(
        (LineGroup.school == account.school_id) & (LineGroup.group_id == group_id))
    grade = await Grade.select(Grade.code).where(Grade.id == claimed["grade"]).first()
    when = account.summary_time if account.summaries else None
    if when:
        return _("This group will get %(grade)s's morning register summary at %(time)s on each school day.",
                 grade=grade["code"], time=when)
    return _("This group is now %(grade)s's staff group. The morning register summary starts once the admin turns "
             "it on.", grade=grade["code"])


# The webhook -------------------------------------------------------------------------------------------------------


async def receive_webhook(settings: Settings, school_id: int, body: bytes, signature: str) -> int:
    """LINE's call: refused, with nothing stored, unless its x-line-signature is the body signed with the school's
    channel secret. Each event is handled once (LINE sends one again when our answer was late) in its own
    transaction; a failure answers 500 and LINE sends the event again, so nothing is lost. Replies go after.
    Returns the number of events handled."""
    account = await school_line(settings, school_id)
    if account is None or not account.channel_secret:
        log.warning("LINE webhook for school %s refused: the school has no LINE channel secret", school_id)
        raise LineError(N_("This school has not set up LINE: nothing was stored."), status=404)
    events = line.parse_webhook(account.channel_secret, body, signature)
    if events is None:
        log.warning("LINE webhook for school %s refused: bad x-line-signature (%s bytes); nothing stored",
                    school_id, len(body))
        raise LineError(N_("Refused: the X-Line-Signature is not this request's body signed with the school's LINE "
                           "channel secret. Nothing was stored."), status=403)
    replies, named, handled = [], [], 0
    try:
        for event in events:
            async with db.transaction():
                fresh = await LineEvent.insert(LineEvent(
                    school=school_id, event_id=event.webhook_event_id[:64], kind=str(event.type)[:30],
                    received_at=now())).on_conflict(action="DO NOTHING").returning(LineEvent.id)
                if not fresh:
                    continue  # sent again by LINE: handled already
                answer = await _handle(settings, account, event, named)
            handled += 1
            if answer:
                replies.append((getattr(event, "reply_token", None), answer))
    finally:  # what was handled is answered, even when a later event failed (LINE sends that one again)
        for reply_token, answer in replies:
            await line.reply(settings, account.access_token, reply_token, answer)
        for group_id in named:  # asked of LINE outside any transaction
            name = await line.group_name(settings, account.access_token, group_id)
            if name:
                await LineGroup.update({LineGroup.name: name}).where(
                    (LineGroup.school == school_id) & (LineGroup.group_id == group_id))
    return handled


async def _handle(settings: Settings, account: SchoolLine, event, named: list[str]) -> str | None:
    source, school_id = event.source, account.school_id
    user = source.user_id if isinstance(source, UserSource) else None
    group = source.group_id if isinstance(source, GroupSource) else None
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        if group:
            return await _group_text(settings, account, group, event.message.text, named)
        if user:
            return await _user_text(settings, school_id, user, event.message.text)
    elif isinstance(event, FollowEvent) and user:
        return await _followed(school_id, user)
    elif isinstance(event, UnfollowEvent) and user:
        await _blocked(school_id, user)
    elif isinstance(event, JoinEvent) and group:
        await _joined(school_id, group)
        return _("Hello from the school. To get a grade's morning register summary in this group, the admin makes "
                 "a code on the LINE page of Doolae: post it here.")
    elif isinstance(event, LeaveEvent) and group:
        await LineGroup.update({LineGroup.left_at: now()}).where(
            (LineGroup.school == school_id) & (LineGroup.group_id == group))
    return None


# Messages to staff groups ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMessage:
    event_key: str  # once-only, as an alert's: "staff_summary:<grade>:<day>"
    kind: str
    day: object
    group_id: str
    body: str


async def grade_groups(school_id: int) -> dict[int, str]:
    """Each grade's staff group on LINE (groupId), for the grades that have one."""
    rows = await LineGroup.select(LineGroup.grade, LineGroup.group_id).where(
        (LineGroup.school == school_id) & LineGroup.grade.is_not_null() & LineGroup.left_at.is_null())
    return {row["grade"]: row["group_id"] for row in rows}


async def grade_labels(school_id: int, grade_ids) -> dict[int, str]:
    rows = await Grade.select(Grade.id, Grade.code).where((Grade.school == school_id)
                                                           & Grade.id.is_in(sorted(grade_ids) or [-1]))
    return {row["id"]: row["code"] for row in rows}


async def sent_already(event_keys: list[str]) -> set[str]:
    """Which of these once-only messages exist already (so that their contents are not worked out again)."""
    if not event_keys:
        return set()
    return {row["event_key"] for row in await Alert.select(Alert.event_key).where(Alert.event_key.is_in(event_keys))}


async def queue_group_messages(school_id: int, messages: list[GroupMessage]) -> list[int]:
    """Outbox rows for messages to staff groups, in one transaction: each event once (its alert's key), however
    many workers write it at the same moment. Returns the new messages to send."""
    if not messages:
        return []
    moment = now()
    school = await school_row(school_id)
    async with db.transaction():
        created = await Alert.insert(*[
            Alert(school=school["id"], student=None, event_key=m.event_key, kind=m.kind, day=m.day,
                  created_at=moment) for m in messages]).on_conflict(action="DO NOTHING").returning(
            Alert.id, Alert.event_key)
        ids = {row["event_key"]: row["id"] for row in created}
        rows = [Message(school=school["id"], alert=ids[m.event_key], guardian=None, user=None,
                        channel=Channel.line.value, dedupe_key=f"{m.event_key}|{m.group_id}|line",
                        recipient=m.group_id, body=m.body, segments=sms_segments(m.body).count, not_before=moment,
                        created_at=moment, updated_at=moment) for m in messages if m.event_key in ids]
        if not rows:
            return []
        inserted = await Message.insert(*rows).on_conflict(action="DO NOTHING").returning(Message.id)
    return [row["id"] for row in inserted]


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
