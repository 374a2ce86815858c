"""LINE's webhook: its events read only once their signature proves they come from LINE, each handled once, in its
own transaction, by the parents' or the staff groups' side; the answers replied after."""

from __future__ import annotations

import logging

from linebot.v3.webhooks import (FollowEvent, GroupSource, JoinEvent, LeaveEvent, MessageEvent,
                                 TextMessageContent, UnfollowEvent, UserSource)

from backend import db
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, _
from backend.notify import line
from backend.notify.line_account import LineError, SchoolLine, school_line
from backend.notify.line_groups import answer_group_text, group_joined
from backend.notify.line_parents import answer_parent_text, blocked, followed
from backend.notify.tables import LineEvent, LineGroup

log = logging.getLogger("doolae.notify")


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
                answer = await handle_event(settings, account, event, named)
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


async def handle_event(settings: Settings, account: SchoolLine, event, named: list[str]) -> str | None:
    source, school_id = event.source, account.school_id
    user = source.user_id if isinstance(source, UserSource) else None
    group = source.group_id if isinstance(source, GroupSource) else None
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        if group:
            return await answer_group_text(settings, account, group, event.message.text, named)
        if user:
            return await answer_parent_text(settings, school_id, user, event.message.text)
    elif isinstance(event, FollowEvent) and user:
        return await followed(school_id, user)
    elif isinstance(event, UnfollowEvent) and user:
        await blocked(school_id, user)
    elif isinstance(event, JoinEvent) and group:
        await group_joined(school_id, group)
        return _("Hello from the school. To get a grade's morning register summary in this group, the admin makes "
                 "a code on the LINE page of Doolae: post it here.")
    elif isinstance(event, LeaveEvent) and group:
        await LineGroup.update({LineGroup.left_at: now()}).where(
            (LineGroup.school == school_id) & (LineGroup.group_id == group))
    return None

