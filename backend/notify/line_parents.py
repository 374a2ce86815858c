"""Parents linking their LINE to the school's account: a code from the app sent to the account as a message, the
account's answers to what they write, and following, blocking and unlinking."""

from __future__ import annotations

import math


from backend.accounts.access import Viewer, can_link_line
from backend.accounts.passwords import TooManyAttempts, count_attempt, forget_attempt
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, _
from backend.notify import choices
from backend.notify.line_account import (CODE_MINUTES, LineError, add_friend_url, claim_code, code_in,
                                          code_throttle_keys, issue_code, school_line, shown)
from backend.notify.tables import LineLink
from backend.students.tables import Guardian


async def own_guardians(viewer: Viewer) -> list[dict]:
    if not can_link_line(viewer):
        raise LineError(N_("Only a parent links their own LINE."), status=403)
    return await Guardian.select(Guardian.id, Guardian.name).where(
        (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id)).order_by(Guardian.id)


async def link_page(viewer: Viewer, settings: Settings) -> dict:
    """The parent's LINE page: whether the school has LINE, its account to add, and whether theirs is linked."""
    guardians = await own_guardians(viewer)
    account = await school_line(settings, viewer.school_id)
    link = await LineLink.select(LineLink.linked_at, LineLink.blocked_at).where(
        LineLink.guardian.is_in([g["id"] for g in guardians] or [-1])).first()
    return {"on": bool(account and account.on), "basic_id": account.basic_id if account else "",
            "add_url": add_friend_url(account.basic_id) if account else "", "link": link,
            "has_guardian": bool(guardians), "minutes": CODE_MINUTES}


async def link_code(viewer: Viewer, settings: Settings) -> str:
    """A code for the parent to send to the school's LINE account (shown once, in the app)."""
    guardians = await own_guardians(viewer)
    account = await school_line(settings, viewer.school_id)
    if account is None or not account.on:
        raise LineError(N_("Your school does not send messages by LINE."), status=409)
    if not guardians:
        raise LineError(N_("No guardian record is linked to your account. Please contact the school."), status=409)
    return shown(await issue_code(settings, viewer.school_id, viewer.user_id, guardian_id=guardians[0]["id"]))


async def unlink(viewer: Viewer) -> bool:
    """The parent unlinks their LINE: messages go by the app or SMS again."""
    guardians = await own_guardians(viewer)
    gone = await LineLink.delete().where(LineLink.guardian.is_in([g["id"] for g in guardians] or [-1])
                                         & (LineLink.school == viewer.school_id)).returning(LineLink.id)
    return bool(gone)


async def link_with_code(settings: Settings, school_id: int, line_user: str, code: str) -> str:
    keys = code_throttle_keys(school_id, line_user)
    try:
        await count_attempt(settings, keys)
    except TooManyAttempts as waiting:
        return _("Too many wrong codes. Try again in %(minutes)s minutes.",
                 minutes=math.ceil(waiting.values["seconds"] / 60))
    claimed = await claim_code(settings, school_id, code, for_group=False)
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


async def answer_parent_text(settings: Settings, school_id: int, line_user: str, text: str) -> str:
    code = code_in(text)
    if code is not None:
        return await link_with_code(settings, school_id, line_user, code)
    if await LineLink.exists().where((LineLink.school == school_id) & (LineLink.line_user == line_user)):
        return _("This account only sends the school's messages. To write to the homeroom teacher, use Messages in "
                 "the Doolae app.")
    return _("To get the school's messages here, open the Doolae app, go to Message settings, LINE, and send the "
             "code shown there to this account.")


async def followed(school_id: int, line_user: str) -> str:
    """Added (or unblocked): a link they had works again."""
    again = await LineLink.update({LineLink.blocked_at: None}).where(
        (LineLink.school == school_id) & (LineLink.line_user == line_user)
        & LineLink.blocked_at.is_not_null()).returning(LineLink.id)
    if again or await LineLink.exists().where((LineLink.school == school_id) & (LineLink.line_user == line_user)):
        return _("Welcome back: the school's messages come to this LINE again.")
    return _("Welcome. To get the school's messages here, open the Doolae app, go to Message settings, LINE, and "
             "send the code shown there to this account.")


async def blocked(school_id: int, line_user: str) -> None:
    """Blocked (unfollowed): nothing can reach them by LINE; their messages go by the app or SMS."""
    await LineLink.update({LineLink.blocked_at: now()}).where(
        (LineLink.school == school_id) & (LineLink.line_user == line_user) & LineLink.blocked_at.is_null())


async def still_linked(guardian_id: int, line_user: str) -> bool:
    """The guardian's LINE is still this one, and they have not blocked the school's account."""
    return await LineLink.exists().where((LineLink.guardian == guardian_id) & (LineLink.line_user == line_user)
                                         & LineLink.blocked_at.is_null())

