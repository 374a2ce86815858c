"""Staff groups on LINE: a grade's group is given to it by a code from the admin posted in the group, and gets the
messages meant for the grade's staff (the morning register summary) through the outbox."""

from __future__ import annotations

import math
from dataclasses import dataclass


from backend import db
from backend.accounts.access import Viewer
from backend.accounts.passwords import TooManyAttempts, count_attempt, forget_attempt
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, _
from backend.notify.line_account import (LineError, SchoolLine, claim_code, code_in, code_throttle_keys,
                                          issue_code, require_manager, school_line, shown)
from backend.notify.outbox import school_row
from backend.notify.segments import sms_segments
from backend.notify.tables import Alert, Channel, LineGroup, Message
from backend.schools.tables import Grade


async def grade_code(viewer: Viewer, settings: Settings, grade_id: int) -> dict:
    """A code for the admin (or whoever they hand it to) to post in a grade's staff group on LINE."""
    require_manager(viewer)
    grade = await Grade.select(Grade.id, Grade.code).where(
        (Grade.id == grade_id) & (Grade.school == viewer.school_id)).first()
    if grade is None:
        raise LineError(N_("No such grade in this school."), status=404)
    account = await school_line(settings, viewer.school_id)
    if account is None or not account.on:
        raise LineError(N_("Turn LINE on first: enter the channel secret and access token and save."), status=409)
    return {"grade": grade["code"], "code": shown(await issue_code(settings, viewer.school_id, viewer.user_id,
                                                               grade_id=grade_id))}


async def remove_group(viewer: Viewer, group_row_id: int) -> bool:
    """The group gets no more summaries (the account stays in it until someone removes it in LINE)."""
    require_manager(viewer)
    group = await LineGroup.select(LineGroup.id).where(
        (LineGroup.id == group_row_id) & (LineGroup.school == viewer.school_id)).first()
    if group is None:
        raise LineError(N_("No such LINE group in this school."), status=404)
    done = await LineGroup.update({LineGroup.grade: None}).where(
        (LineGroup.id == group_row_id) & LineGroup.grade.is_not_null()).returning(LineGroup.id)
    return bool(done)


async def group_joined(school_id: int, group_id: str) -> None:
    existing = await LineGroup.select(LineGroup.id).where(
        (LineGroup.school == school_id) & (LineGroup.group_id == group_id)).first()
    if existing:
        await LineGroup.update({LineGroup.left_at: None, LineGroup.joined_at: now()}).where(
            LineGroup.id == existing["id"])
    else:
        await LineGroup.insert(LineGroup(school=school_id, group_id=group_id, joined_at=now()))


async def answer_group_text(settings: Settings, account: SchoolLine, group_id: str, text: str,
                      named: list[str]) -> str | None:
    """Staff talk in their group: the account answers only a message that is a code. A group given to a grade is
    added to `named`, for its name to be asked of LINE once the transaction is over."""
    code = code_in(text)
    if code is None:
        return None
    keys = code_throttle_keys(account.school_id, group_id)
    try:
        await count_attempt(settings, keys)
    except TooManyAttempts as waiting:
        return _("Too many wrong codes. Try again in %(minutes)s minutes.",
                 minutes=math.ceil(waiting.values["seconds"] / 60))
    claimed = await claim_code(settings, account.school_id, code, for_group=True)
    if claimed is None:
        return _("This code is not right, or it expired or was used. The admin gets a new one on the LINE page of "
                 "Doolae.")
    await forget_attempt(keys)
    await group_joined(account.school_id, group_id)
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


async def group_still_there(school_id: int, group_id: str) -> bool:
    return await LineGroup.exists().where((LineGroup.school == school_id) & (LineGroup.group_id == group_id)
                                          & LineGroup.left_at.is_null() & LineGroup.grade.is_not_null())


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


