"""Delivering the outbox. A worker delivers each message by id, claiming it first so that two workers never send
one message; failures are retried with backoff or recorded with their reason; a push that no longer reaches
the phone falls back to SMS, and so, once, does one not opened in time; an SMS past the school's monthly budget is
held for the admin; a sweep finds whatever a lost job or a Redis outage left behind; Twilio's status callbacks settle
what was sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

from backend import db
from backend.clock import now
from backend.config import Settings
from backend.notify import budget, line, line_account, line_groups, line_parents, push, sms
from backend.notify.outbox import reach_guardian, school_row, sendable_from
from backend.notify.queue import JobQueue, RateLimiter
from backend.notify.segments import sms_segments
from backend.notify.tables import Alert, Channel, Message, MessageStatus, PushSubscription
from backend.students.tables import Guardian

log = logging.getLogger("doolae.notify")


# Delivering -----------------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a worker needs to deliver messages; made once per worker process (or the web process, in-process)."""

    settings: Settings
    twilio: object | None  # twilio.rest.Client, None when SMS is not set up
    http: object  # aiohttp.ClientSession, for Web Push
    limiter: object  # notify.queue.RateLimiter
    queue: object  # notify.queue.JobQueue, for retries and SMS fall-backs
    line: line.LineClients | None = None  # one client per school's LINE account, made as they are needed


async def open_delivery(settings: Settings, redis) -> Delivery:
    """Clients for Twilio and Web Push, made inside the running loop (aiohttp needs one)."""
    return Delivery(
        settings=settings,
        twilio=sms.make_client(settings) if settings.sms_enabled else None,
        http=aiohttp.ClientSession(),
        limiter=RateLimiter(redis),
        queue=JobQueue(redis),
        line=line.LineClients(settings),
    )


async def close_delivery(delivery: Delivery) -> None:
    if delivery.twilio is not None:
        await sms.close_client(delivery.twilio)
    if delivery.line is not None:
        await delivery.line.close()
    await delivery.http.close()


def backoff_seconds(settings: Settings, attempt: int, retry_after: float | None) -> float:
    return max(retry_after or 0, min(settings.retry_base_seconds * 2 ** (attempt - 1), 600))


async def _claim(message_id: int) -> dict | None:
    """Take a queued, due message for this worker. The conditional update is what stops two workers (or a job
    and its sweep-made twin) from sending one message twice."""
    moment = now()
    claimed = await Message.update({Message.status: MessageStatus.sending.value, Message.attempts: Message.attempts + 1,
                                    Message.updated_at: moment}).where(
        (Message.id == message_id) & (Message.status == MessageStatus.queued.value) & (Message.not_before <= moment)
    ).returning(Message.id)
    if not claimed:
        return None
    return await Message.select(Message.all_columns(), Message.school.sms_per_second.as_alias("rate"),
                                Message.school.timezone.as_alias("timezone"), Message.alert.kind.as_alias("kind"),
                                Message.alert.urgent.as_alias("urgent")).where(Message.id == message_id).first()


async def _wait_for_morning(delivery: Delivery, message: dict) -> bool:
    """Quiet hours again at the moment of sending: a message queued by day can reach a worker at night (after an
    outage, a Redis restart, a retry's backoff). Unless urgent (a sign-in code), an SMS or LINE message goes back
    to the outbox until the morning, not counting as an attempt. A push is silent and goes. True if it waits."""
    if message["channel"] == Channel.push.value:
        return False
    moment = now()
    morning = sendable_from(delivery.settings, moment, message["timezone"], message["urgent"])
    if morning <= moment:
        return False
    await Message.update({Message.status: MessageStatus.queued.value, Message.attempts: Message.attempts - 1,
                          Message.not_before: morning, Message.updated_at: moment}).where(
        (Message.id == message["id"]) & (Message.status == MessageStatus.sending.value))
    return True  # the sweep sends it when it falls due, as it does a message held when it was made


async def deliver(delivery: Delivery, message_id: int) -> str:
    """Send one message and record what happened; a retry is queued with backoff. Returns the new status."""
    message = await _claim(message_id)
    if message is None:
        return "skipped"  # settled, cancelled, not yet due, or another worker has it
    if await _wait_for_morning(delivery, message):
        return MessageStatus.queued.value
    if message["channel"] == Channel.push.value:
        outcome = await _push(delivery, message)
        if outcome.state == "gone" or (outcome.state == "retry"
                                       and message["attempts"] >= delivery.settings.send_attempts):
            await _fall_back_to_sms(delivery, message, outcome)
            return MessageStatus.failed.value
    elif message["channel"] == Channel.line.value:
        outcome = await _line(delivery, message)
        # A guardian LINE cannot reach now or at all is told by SMS instead, once (the alert's SMS key).
        if message["guardian"] and (outcome.state in ("failed", "gone") or (
                outcome.state == "retry" and message["attempts"] >= delivery.settings.send_attempts)):
            await _fall_back_to_sms(delivery, message, outcome)
            return MessageStatus.failed.value
    elif delivery.twilio is None:
        outcome = sms.Outcome("failed", code="not_configured", message="SMS is not set up on this server")
    elif await budget.should_hold(message):
        # Past the month's budget: the admin decides (budget.send_anyway / drop). Not an attempt.
        await Message.update({Message.status: MessageStatus.held.value, Message.attempts: Message.attempts - 1,
                              Message.error_code: "over_budget", Message.error_message: "past the monthly SMS budget",
                              Message.updated_at: now()}).where(
            (Message.id == message_id) & (Message.status == MessageStatus.sending.value))
        return MessageStatus.held.value
    else:
        await delivery.limiter.wait(f"sms:{message['school']}", message["rate"])
        outcome = await sms.send_sms(delivery.twilio, delivery.settings, message["id"], message["recipient"],
                                     message["body"])
    status, retry_in = await _record(delivery.settings, message, outcome)
    if retry_in is not None:
        await delivery.queue.send([message_id], defer=retry_in, tag=f"try{message['attempts']}")
    return status


async def _push(delivery: Delivery, message: dict) -> sms.Outcome:
    if not delivery.settings.push_enabled:
        return sms.Outcome("gone", code="not_configured", message="Web Push is not set up")
    subscriptions = [s for s in await PushSubscription.select().where(PushSubscription.user == message["user"])
                     if push.endpoint_allowed(delivery.settings, s["endpoint"])]  # none stored before the check
    if not subscriptions:
        return sms.Outcome("gone", code="no_subscription", message="the app no longer allows notifications")
    # Opening it goes through /notify/opened/<id>: that is how the school knows it was read (no SMS in its place).
    payload = {"title": "ดูแล", "body": message["body"], "url": f"/notify/opened/{message['id']}",
               "tag": f"alert-{message['alert']}"}
    outcomes = []
    for subscription in subscriptions:
        outcome = await push.send_push(delivery.settings, delivery.http, subscription, payload)
        if outcome.state == "gone":
            await PushSubscription.delete().where(PushSubscription.id == subscription["id"])
        outcomes.append(outcome)
    sent = [o for o in outcomes if o.state == "sent"]
    if sent:
        return sent[0]
    return next((o for o in outcomes if o.state == "retry"), outcomes[0])


async def _line(delivery: Delivery, message: dict) -> sms.Outcome:
    """A message by the school's LINE account: to the guardian's linked LINE while it is linked and not blocked,
    or to a grade's staff group while the account is in it; the message's retry key makes LINE take it once."""
    account = await line_account.school_line(delivery.settings, message["school"])
    if account is None or not account.on:
        return sms.Outcome("gone", code="line_off", message="LINE is off for the school")
    if message["guardian"] and not await line_parents.still_linked(message["guardian"], message["recipient"]):
        return sms.Outcome("gone", code="line_unlinked", message="the guardian's LINE is unlinked or blocked")
    if not message["guardian"] and not await line_groups.group_still_there(message["school"], message["recipient"]):
        return sms.Outcome("failed", code="line_group_gone", message="the account is no longer in the group")
    return await line.push(delivery.settings, delivery.line,
                           account.access_token, message["id"], message["recipient"], message["body"])


async def _fall_back_to_sms(delivery: Delivery, message: dict, outcome: sms.Outcome) -> None:
    """The phone no longer takes pushes, or LINE cannot reach the guardian: settle the message and tell the
    guardian by SMS instead."""
    await _record(delivery.settings, message,
                  sms.Outcome("failed", code=outcome.code, message=f"{outcome.message}; SMS instead"))
    created = await _sms_in_place_of(delivery.settings, message)
    if created:
        await delivery.queue.send([created])


async def _sms_in_place_of(settings: Settings, message: dict) -> int | None:
    """An SMS to the push's guardian with its words, once: its key is the alert's SMS key for that guardian, so
    neither a second fall-back nor an SMS already sent for the alert makes another. Quiet hours hold it unless the
    alert is urgent. Returns its id when it is new."""
    guardian = await Guardian.select(Guardian.id, Guardian.phone, Guardian.user, Guardian.sms_opt_out).where(
        Guardian.id == message["guardian"]).first()
    reach = reach_guardian({**guardian, "locale": None}, has_push=False) if guardian else None
    if reach is None or reach.channel is None:
        return None
    moment = now()
    school = await school_row(message["school"])
    alert = await Alert.select(Alert.event_key, Alert.urgent).where(Alert.id == message["alert"]).first()
    created = await Message.insert(Message(
        school=message["school"], alert=message["alert"], guardian=reach.guardian_id, user=reach.user_id,
        channel=Channel.sms.value, dedupe_key=f"{alert['event_key']}|{reach.guardian_id}|sms",
        recipient=reach.recipient, body=message["body"], segments=sms_segments(message["body"]).count,
        not_before=sendable_from(settings, moment, school["timezone"], alert["urgent"]),
        created_at=moment, updated_at=moment, fallback_of=message["id"],
    )).on_conflict(action="DO NOTHING").returning(Message.id)
    return created[0]["id"] if created else None


async def fall_back_unread(delivery: Delivery) -> list[int]:
    """Pushes not read in time (settings.push_fallback_minutes, per kind: two hours for an absence): one SMS each,
    exactly once. The push is claimed (fell_back_at) in the same transaction as its SMS is written, so two runs at
    once, a run repeated, or a worker dying half-way make one SMS or none, never two; and the SMS's key is the
    alert's for that guardian, as a second guard. A push opened, or its alert marked "seen", is never followed by an
    SMS. Returns the new SMS to send."""
    moment = now()
    created = []
    for kind, minutes in delivery.settings.push_fallback_minutes:
        due = await Message.select(Message.id, Message.school, Message.alert, Message.guardian, Message.body).where(
            (Message.channel == Channel.push.value)
            & Message.status.is_in([MessageStatus.sent.value, MessageStatus.delivered.value])
            & Message.read_at.is_null() & Message.fell_back_at.is_null() & Message.guardian.is_not_null()
            & (Message.alert.kind == kind) & Message.alert.acknowledged_at.is_null()
            & (Message.sent_at <= moment - timedelta(minutes=minutes))).order_by(Message.id)
        for message in due:
            async with db.transaction():
                claimed = await Message.update({Message.fell_back_at: moment}).where(
                    (Message.id == message["id"]) & Message.fell_back_at.is_null() & Message.read_at.is_null()
                ).returning(Message.id)
                if claimed:
                    sms_id = await _sms_in_place_of(delivery.settings, message)
                    if sms_id:
                        created.append(sms_id)
    return created


async def _record(settings: Settings, message: dict, outcome: sms.Outcome) -> tuple[str, float | None]:
    """Store the outcome; returns the new status and, for a retry, the seconds to wait."""
    moment = now()
    changes: dict = {Message.updated_at: moment, Message.error_code: outcome.code,
                     Message.error_message: outcome.message}
    retry_in = None
    if outcome.state == "sent":
        changes.update({Message.status: MessageStatus.sent.value, Message.provider_id: outcome.provider_id,
                        Message.sent_at: moment, Message.error_code: None, Message.error_message: None})
        if outcome.segments:
            changes[Message.segments] = outcome.segments
    elif outcome.state == "retry" and message["attempts"] < settings.send_attempts:
        retry_in = backoff_seconds(settings, message["attempts"], outcome.retry_after)
        changes.update({Message.status: MessageStatus.queued.value,
                        Message.not_before: moment + timedelta(seconds=retry_in)})
    else:
        changes[Message.status] = MessageStatus.failed.value
        log.warning("message %s failed: %s %s", message["id"], outcome.code, outcome.message)
    settled = Message.id == message["id"]
    if outcome.state == "sent":
        # Twilio's callback (naming our id) may have come first and moved it on: never back to 'sent'.
        settled &= Message.status == MessageStatus.sending.value
    await Message.update(changes).where(settled)
    return changes[Message.status], retry_in


async def sweep(delivery: Delivery, stuck_after: timedelta = timedelta(minutes=5)) -> list[int]:
    """Messages that should be moving but are not: due and queued (their job was lost, Redis was down), or
    'sending' for minutes (the worker died mid-send). Returns the ids to enqueue again.

    A message that reached Twilio before its worker died is settled by Twilio's status callback, which names it
    by our id (sms.status_callback) within seconds. One still 'sending' after minutes never reached Twilio, so
    it is sent again. It is never matched to Twilio's log by phone and text: an earlier SMS with the same words
    is not this one."""
    moment = now()
    stuck = (Message.status == MessageStatus.sending.value) & (Message.updated_at < moment - stuck_after)
    await Message.update({Message.status: MessageStatus.sent.value, Message.updated_at: moment}).where(
        stuck & Message.provider_id.is_not_null())  # Twilio named it by our id; only its "sent" was lost
    await Message.update({Message.status: MessageStatus.queued.value, Message.updated_at: moment}).where(
        stuck & Message.provider_id.is_null())
    due = await Message.select(Message.id).where(
        (Message.status == MessageStatus.queued.value) & (Message.not_before <= moment)).order_by(Message.id)
    return [row["id"] for row in due]


# Status callbacks ----------------------------------------------------------------------------------------------------

STATUS_RANK = {"queued": 0, "sending": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2}


async def record_delivery_status(provider_id: str, status: str, error_code: str | None,
                                 message_id: int | None = None) -> bool:
    """Twilio's callback. Idempotent, and never moves a message backwards (callbacks can arrive out of order).
    The callback's URL names our message: if its worker died before recording Twilio's answer, this is how the
    message learns its sid (and is not sent twice)."""
    if status not in STATUS_RANK:
        return False
    message = await Message.select(Message.id, Message.status).where(Message.provider_id == provider_id).first()
    if message is None and message_id is not None:
        message = await Message.select(Message.id, Message.status).where(
            (Message.id == message_id) & Message.provider_id.is_null()
            & (Message.channel == Channel.sms.value)).first()
        if message is not None:
            await Message.update({Message.provider_id: provider_id, Message.sent_at: now()}).where(
                Message.id == message_id)
    if message is None:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(message["status"], 2):
        return True
    changes: dict = {Message.status: status, Message.updated_at: now()}
    if error_code:
        changes.update({Message.error_code: error_code, Message.error_message: f"Twilio error {error_code}"})
    await Message.update(changes).where(Message.id == message["id"])
    return True
