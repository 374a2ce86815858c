"""The outbox. Alerts and their messages are written in the caller's transaction, with their cause; a worker
delivers each message by id (claiming it first, so two workers never send one message); failures are retried
with backoff or recorded with their reason; a sweep finds whatever a lost job or a Redis outage left behind."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from piccolo.query.functions.aggregate import Count

from backend import db, i18n
from backend.accounts.access import Permission, Viewer, can_switch_sms
from backend.config import Settings
from backend.notify import push, sms
from backend.notify.queue import JobQueue, RateLimiter
from backend.notify.segments import sms_segments
from backend.i18n import N_, Refusal
from backend.notify.tables import Alert, Channel, Message, MessageStatus, PushSubscription, SmsTemplate
from backend.schools.tables import School
from backend.students.phones import is_mobile
from backend.students.tables import Guardian, StudentGuardian
from backend.clock import now

log = logging.getLogger("doolae.notify")
SMS_TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates" / "notify" / "sms"
# The fields each kind of SMS may name, written {{ name }}. Wording is plain text with these filled in: never a
# template language, so that what an admin types cannot run code in the web process or the worker.
FIELDS = {
    "absent": ("school", "name", "date"),
    "late": ("school", "name", "date"),
    "cut": ("school", "name", "date", "period", "subject"),
    "correction": ("school", "name", "date", "period", "subject"),
    "sign_in_code": ("school", "code", "minutes"),
}
KINDS = tuple(FIELDS)
FIELD = re.compile(r"\{\{\s*(\w+)\s*\}\}")
BRACES = re.compile(r"\{[{%#].*?(?:[}%#]\}|$)", re.S)  # anything that looks like a field, a tag or a comment


# Wording --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def default_template(kind: str, locale: str) -> str:
    return (SMS_TEMPLATES / locale / f"{kind}.txt").read_text(encoding="utf-8").strip()


def unknown_field(kind: str, wording: str) -> str | None:
    """The first thing in braces that is not one of this kind's fields (or a stray closing brace), if any."""
    for match in BRACES.finditer(wording):
        field = FIELD.fullmatch(match.group(0))
        if field is None or field.group(1) not in FIELDS[kind]:
            return match.group(0)[:60]
    leftover = BRACES.sub("", wording)
    return next((marker for marker in ("}}", "%}", "#}") if marker in leftover), None)


def check_wording(kind: str, wording: str) -> None:
    found = unknown_field(kind, wording)
    if found is not None:
        raise NotifyError(N_("The wording has a field it does not know: %(field)s. Fields for this message: "
                             "%(fields)s."), field=found,
                          fields=", ".join(f"{{{{ {name} }}}}" for name in FIELDS[kind]))


def render_text(template: str, values: dict) -> str:
    """Fill in the fields; nothing else in the text is read, so it is sent as it stands."""
    filled = FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
    return " ".join(filled.split())


def wording_in_use(templates: dict, kind: str, locale: str) -> str:
    """The school's own wording if it set one that passes today's check, else ours. A wording stored before the
    check existed (or written by hand) with an unknown field is never used: the guardian gets our words."""
    own = templates.get((kind, locale))
    if own and unknown_field(kind, own) is None:
        return own
    if own:
        log.warning("school wording for %s/%s has an unknown field; using the default", kind, locale)
    return default_template(kind, locale)


async def school_templates(school_id: int) -> dict[tuple[str, str], str]:
    rows = await SmsTemplate.select(SmsTemplate.kind, SmsTemplate.locale, SmsTemplate.body).where(
        SmsTemplate.school == school_id)
    return {(r["kind"], r["locale"]): r["body"] for r in rows}


def short_date(day: date, locale: str) -> str:
    """25 พ.ย. / 25 Nov: the year only costs SMS characters."""
    months = i18n.THAI_MONTHS_SHORT if locale == "th" else i18n.ENGLISH_MONTHS_SHORT
    return f"{day.day} {months[day.month - 1]}"


def compose(templates: dict, kind: str, locale: str, values: dict) -> str:
    """The text for one guardian: the school's own wording (from school_templates) if it set one, else ours.
    `day` becomes `date`."""
    template = wording_in_use(templates, kind, locale)
    if values.get("day"):
        values = {**values, "date": short_date(values["day"], locale)}
    return render_text(template, values)


class NotifyError(Refusal):
    pass


async def template_rows(viewer: Viewer) -> list[dict]:
    """Every SMS kind and language with the wording in use and what it costs, for the admin to review."""
    own = await school_templates(viewer.school_id)
    school = await school_row(viewer.school_id)
    sample = {"school": school["short_name"], "name": "กิตติพัฒน์", "day": date(2026, 11, 25), "period": 3,
              "subject": "คณิตศาสตร์", "code": "123456", "minutes": 30}
    rows = []
    for kind in KINDS:
        for locale in i18n.LOCALES:
            template = own.get((kind, locale)) or default_template(kind, locale)
            text = render_text(wording_in_use(own, kind, locale),
                               {**sample, "date": short_date(sample["day"], locale)})
            rows.append({"kind": kind, "locale": locale, "template": template, "own": (kind, locale) in own,
                         "sample": text, "segments": sms_segments(text)})
    return rows


async def save_template(viewer: Viewer, kind: str, locale: str, body: str) -> None:
    """A school's own wording; an empty body goes back to ours. Links only from the school's registered domain."""
    if kind not in KINDS or locale not in i18n.LOCALES:
        raise NotifyError(N_("Unknown message kind."))
    body = body.strip()
    if not body:
        await SmsTemplate.delete().where((SmsTemplate.school == viewer.school_id) & (SmsTemplate.kind == kind)
                                         & (SmsTemplate.locale == locale))
        return
    check_wording(kind, body)
    school = await School.select(School.short_name, School.sms_link_domain).where(School.id == viewer.school_id).first()
    sample = render_text(body, {"school": school["short_name"], "name": "กิตติพัฒน์", "date": "25 พ.ย.",
                                "period": 3, "subject": "", "code": "123456", "minutes": 30})
    if ("http" in sample or "www." in sample) and not (school["sms_link_domain"]
                                                        and school["sms_link_domain"] in sample):
        raise NotifyError(N_("Links in SMS must be on the school's registered link domain (NBTC rules)."))
    if sms_segments(sample).too_long:
        raise NotifyError(N_("Too long: Thai carriers join at most 3 SMS (about 200 Thai characters)."))
    async with db.transaction():
        await SmsTemplate.delete().where((SmsTemplate.school == viewer.school_id) & (SmsTemplate.kind == kind)
                                         & (SmsTemplate.locale == locale))
        await SmsTemplate.insert(SmsTemplate(school=viewer.school_id, kind=kind, locale=locale, body=body,
                                             updated_at=now()))


async def set_sms_opt_out(viewer: Viewer, guardian_id: int, opt_out: bool) -> bool:
    """The school (admin, or the student's homeroom teacher) or the guardian themself turns SMS off or on."""
    guardian = await Guardian.select(Guardian.id, Guardian.school, Guardian.user).where(Guardian.id == guardian_id).first()
    if guardian is None:
        return False
    children_classrooms = {row["classroom"] for row in await StudentGuardian.select(
        StudentGuardian.student.classroom.as_alias("classroom")).where(StudentGuardian.guardian == guardian_id)}
    if not can_switch_sms(viewer, guardian, children_classrooms):
        return False
    await Guardian.update({Guardian.sms_opt_out: opt_out}).where(Guardian.id == guardian_id)
    return True


# Quiet hours ----------------------------------------------------------------------------------------------------


def sendable_from(settings: Settings, moment: datetime, tz: str, urgent: bool) -> datetime:
    """When a message may leave: now, or 07:00 school time if it is quiet hours and not urgent."""
    if urgent or settings.quiet_from_hour is None:
        return moment
    local = moment.astimezone(ZoneInfo(tz))
    if local.hour >= settings.quiet_from_hour:
        morning = datetime.combine(local.date() + timedelta(days=1), time(settings.quiet_until_hour), local.tzinfo)
    elif local.hour < settings.quiet_until_hour:
        morning = datetime.combine(local.date(), time(settings.quiet_until_hour), local.tzinfo)
    else:
        return moment
    return morning.astimezone(timezone.utc)


# Creating alerts (inside the caller's transaction) ----------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """How one guardian can be told: push to their app, SMS, or not at all (and why)."""

    guardian_id: int | None
    user_id: int | None
    locale: str
    channel: Channel | None
    recipient: str | None
    reason: str | None = None  # when channel is None: no_phone, not_mobile, opted_out


def reach_guardian(guardian: dict, has_push: bool) -> Reach:
    locale = guardian.get("locale") or i18n.DEFAULT_LOCALE
    if has_push:
        return Reach(guardian["id"], guardian["user"], locale, Channel.push, f"user:{guardian['user']}")
    if not guardian["phone"]:
        return Reach(guardian["id"], guardian["user"], locale, None, None, "no_phone")
    if guardian["sms_opt_out"]:
        return Reach(guardian["id"], guardian["user"], locale, None, None, "opted_out")
    if not is_mobile(guardian["phone"]):
        return Reach(guardian["id"], guardian["user"], locale, None, None, "not_mobile")
    return Reach(guardian["id"], guardian["user"], locale, Channel.sms, guardian["phone"])


async def guardians_of(student_ids: list[int]) -> dict[int, list[Reach]]:
    """Every guardian of these students with how to reach them now."""
    if not student_ids:
        return {}
    links = await StudentGuardian.select(
        StudentGuardian.student, StudentGuardian.guardian.id.as_alias("id"),
        StudentGuardian.guardian.phone.as_alias("phone"), StudentGuardian.guardian.user.as_alias("user"),
        StudentGuardian.guardian.sms_opt_out.as_alias("sms_opt_out"),
        StudentGuardian.guardian.user.locale.as_alias("locale"),
    ).where(StudentGuardian.student.is_in(student_ids)).order_by(StudentGuardian.position)
    users = [link["user"] for link in links if link["user"]]
    pushed = set()
    if users:
        pushed = {r["user"] for r in await PushSubscription.select(PushSubscription.user).where(
            PushSubscription.user.is_in(users))}
    found: dict[int, list[Reach]] = {}
    for link in links:
        found.setdefault(link["student"], []).append(reach_guardian(link, link["user"] in pushed))
    return found


@dataclass(frozen=True)
class AlertSpec:
    """An event to tell guardians of: whose, which (event_key makes it once-only), what kind, and to whom."""

    student_id: int | None
    event_key: str
    kind: str
    day: date | None
    values: dict
    reaches: list[Reach]
    urgent: bool = False


async def create_alerts(settings: Settings, school: dict, specs: list[AlertSpec]) -> list[int]:
    """Alerts and a message per reachable guardian, in two inserts whatever their number (a whole register is
    saved at once). An event that already has its alert is skipped: creating it again does nothing."""
    if not specs:
        return []
    moment = now()
    created = await Alert.insert(*[
        Alert(school=school["id"], student=spec.student_id, event_key=spec.event_key, kind=spec.kind, day=spec.day,
              urgent=spec.urgent, created_at=moment) for spec in specs
    ]).on_conflict(action="DO NOTHING").returning(Alert.id, Alert.event_key)
    alert_ids = {row["event_key"]: row["id"] for row in created}
    templates = await school_templates(school["id"])
    rows = []
    for spec in specs:
        if spec.event_key not in alert_ids:
            continue
        not_before = sendable_from(settings, moment, school["timezone"], spec.urgent)
        for reach in spec.reaches:
            if reach.channel is None:
                continue
            body = compose(templates, spec.kind, reach.locale, {"school": school["short_name"], **spec.values})
            rows.append(Message(
                school=school["id"], alert=alert_ids[spec.event_key], guardian=reach.guardian_id,
                user=reach.user_id, channel=reach.channel.value,
                dedupe_key=f"{spec.event_key}|{reach.guardian_id}|{reach.channel.value}",
                recipient=reach.recipient, body=body, segments=sms_segments(body).count,
                not_before=not_before if reach.channel is Channel.sms else moment,  # push is silent, never held
                created_at=moment, updated_at=moment,
            ))
    if not rows:
        return []
    inserted = await Message.insert(*rows).on_conflict(action="DO NOTHING").returning(Message.id)
    return [row["id"] for row in inserted]


async def create_alert(settings: Settings, *, school: dict, student_id: int | None, event_key: str, kind: str,
                       day: date | None, values: dict, reaches: list[Reach], urgent: bool = False) -> list[int]:
    return await create_alerts(settings, school, [AlertSpec(student_id, event_key, kind, day, values, reaches,
                                                            urgent)])


async def text_person(settings: Settings, *, school_id: int, user_id: int, phone: str, locale: str, kind: str,
                      event_key: str, values: dict) -> list[int]:
    """A message for one person that they asked for (a sign-in code): by SMS, urgent, whatever the hour."""
    school = await school_row(school_id)
    reach = Reach(guardian_id=None, user_id=user_id, locale=locale, channel=Channel.sms, recipient=phone)
    return await create_alert(settings, school=school, student_id=None, event_key=event_key, kind=kind, day=None,
                              values=values, reaches=[reach], urgent=True)


async def withdraw_alert(settings: Settings, *, school: dict, event_key: str, values: dict,
                         reaches: list[Reach]) -> list[int]:
    """Its cause was corrected (absent → present). Messages still waiting are cancelled; where one already went
    out, that guardian gets one short correction. Returns the correction messages to send."""
    alert = await Alert.select(Alert.id, Alert.student, Alert.day).where(Alert.event_key == event_key).first()
    if alert is None:
        return []
    waiting = MessageStatus.queued.value
    await Message.update({Message.status: MessageStatus.cancelled.value, Message.updated_at: now()}).where(
        (Message.alert == alert["id"]) & (Message.status == waiting))
    told = {m["guardian"] for m in await Message.select(Message.guardian).where(
        (Message.alert == alert["id"]) & (Message.status != MessageStatus.cancelled.value))}
    # The withdrawn alert gives up its key (and its messages theirs), so the same event happening again — absent
    # after all — is a new alert that reaches guardians, not a duplicate silently skipped.
    retired = f":withdrawn:{alert['id']}"
    await Alert.update({Alert.event_key: Alert.event_key + retired}).where(Alert.id == alert["id"])
    await Message.update({Message.dedupe_key: Message.dedupe_key + retired}).where(Message.alert == alert["id"])
    if not told:
        return []
    return await create_alert(settings, school=school, student_id=alert["student"],
                              event_key=f"{event_key}:correction:{alert['id']}", kind="correction",
                              day=alert["day"], values=values, reaches=[r for r in reaches if r.guardian_id in told])


async def school_row(school_id: int) -> dict:
    return await School.select(School.id, School.short_name, School.timezone, School.sms_per_second).where(
        School.id == school_id).first()


# Delivering -----------------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a worker needs to deliver messages; made once per worker process (or the web process, in-process)."""

    settings: Settings
    twilio: object | None  # twilio.rest.Client, None when SMS is not set up
    http: object  # aiohttp.ClientSession, for Web Push
    limiter: object  # notify.queue.RateLimiter
    queue: object  # notify.queue.JobQueue, for retries and SMS fall-backs


async def open_delivery(settings: Settings, redis) -> Delivery:
    """Clients for Twilio and Web Push, made inside the running loop (aiohttp needs one)."""
    return Delivery(
        settings=settings,
        twilio=sms.make_client(settings) if settings.sms_enabled else None,
        http=aiohttp.ClientSession(),
        limiter=RateLimiter(redis),
        queue=JobQueue(redis),
    )


async def close_delivery(delivery: Delivery) -> None:
    if delivery.twilio is not None:
        await sms.close_client(delivery.twilio)
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
    return await Message.select(Message.all_columns(), Message.school.sms_per_second.as_alias("rate")).where(
        Message.id == message_id).first()


async def deliver(delivery: Delivery, message_id: int) -> str:
    """Send one message and record what happened; a retry is queued with backoff. Returns the new status."""
    message = await _claim(message_id)
    if message is None:
        return "skipped"  # settled, cancelled, not yet due, or another worker has it
    if message["channel"] == Channel.push.value:
        outcome = await _push(delivery, message)
        if outcome.state == "gone" or (outcome.state == "retry"
                                       and message["attempts"] >= delivery.settings.send_attempts):
            await _fall_back_to_sms(delivery, message, outcome)
            return MessageStatus.failed.value
    elif delivery.twilio is None:
        outcome = sms.Outcome("failed", code="not_configured", message="SMS is not set up on this server")
    else:
        await delivery.limiter.wait(f"sms:{message['school']}", message["rate"])
        outcome = await sms.send_sms(delivery.twilio, delivery.settings, message["recipient"], message["body"])
    status, retry_in = await _record(delivery.settings, message, outcome)
    if retry_in is not None:
        await delivery.queue.send([message_id], defer=retry_in, tag=f"try{message['attempts']}")
    return status


async def _push(delivery: Delivery, message: dict) -> sms.Outcome:
    if not delivery.settings.push_enabled:
        return sms.Outcome("gone", code="not_configured", message="Web Push is not set up")
    subscriptions = await PushSubscription.select().where(PushSubscription.user == message["user"])
    if not subscriptions:
        return sms.Outcome("gone", code="no_subscription", message="the app no longer allows notifications")
    payload = {"title": "ดูแล", "body": message["body"], "url": "/attendance/children", "tag": f"alert-{message['alert']}"}
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


async def _fall_back_to_sms(delivery: Delivery, message: dict, outcome: sms.Outcome) -> None:
    """The phone no longer takes pushes: settle the push and tell the guardian by SMS instead."""
    await _record(delivery.settings, message,
                  sms.Outcome("failed", code=outcome.code, message=f"{outcome.message}; SMS instead"))
    guardian = await Guardian.select(Guardian.id, Guardian.phone, Guardian.user, Guardian.sms_opt_out).where(
        Guardian.id == message["guardian"]).first()
    reach = reach_guardian({**guardian, "locale": None}, has_push=False) if guardian else None
    if reach is None or reach.channel is None:
        return
    moment = now()
    school = await school_row(message["school"])
    alert = await Alert.select(Alert.event_key, Alert.urgent).where(Alert.id == message["alert"]).first()
    created = await Message.insert(Message(
        school=message["school"], alert=message["alert"], guardian=reach.guardian_id, user=reach.user_id,
        channel=Channel.sms.value, dedupe_key=f"{alert['event_key']}|{reach.guardian_id}|sms",
        recipient=reach.recipient, body=message["body"], segments=sms_segments(message["body"]).count,
        not_before=sendable_from(delivery.settings, moment, school["timezone"], alert["urgent"]),
        created_at=moment, updated_at=moment,
    )).on_conflict(action="DO NOTHING").returning(Message.id)
    if created:
        await delivery.queue.send([created[0]["id"]])


async def _record(settings: Settings, message: dict, outcome: sms.Outcome) -> tuple[str, float | None]:
    """Store the outcome; returns the new status and, for a retry, the seconds to wait."""
    moment = now()
    changes: dict = {Message.updated_at: moment, Message.error_code: outcome.code, Message.error_message: outcome.message}
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
    await Message.update(changes).where(Message.id == message["id"])
    return changes[Message.status], retry_in


async def sweep(delivery: Delivery, stuck_after: timedelta = timedelta(minutes=5)) -> list[int]:
    """Messages that should be moving but are not: due and queued (their job was lost, Redis was down), or
    'sending' for minutes (the worker died mid-send). Returns the ids to enqueue again."""
    moment = now()
    stuck = await Message.select(Message.id, Message.channel, Message.recipient, Message.body, Message.created_at).where(
        (Message.status == MessageStatus.sending.value) & (Message.updated_at < moment - stuck_after))
    for message in stuck:
        sid = None
        if message["channel"] == Channel.sms.value and delivery.twilio is not None:
            # It may have reached Twilio before the worker died: look before sending it again.
            sid = await sms.find_sent(delivery.twilio, message["recipient"], message["body"],
                                      message["created_at"] - timedelta(minutes=1))
        if sid:
            await Message.update({Message.status: MessageStatus.sent.value, Message.provider_id: sid,
                                  Message.sent_at: moment, Message.updated_at: moment}).where(Message.id == message["id"])
        else:
            await Message.update({Message.status: MessageStatus.queued.value, Message.updated_at: moment}).where(
                (Message.id == message["id"]) & (Message.status == MessageStatus.sending.value))
    due = await Message.select(Message.id).where(
        (Message.status == MessageStatus.queued.value) & (Message.not_before <= moment)).order_by(Message.id)
    return [row["id"] for row in due]


# Status callbacks, acknowledgement, the admin's outbox -------------------------------------------------------------

STATUS_RANK = {"queued": 0, "sending": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2}


async def record_delivery_status(provider_id: str, status: str, error_code: str | None) -> bool:
    """Twilio's callback. Idempotent, and never moves a message backwards (callbacks can arrive out of order)."""
    if status not in STATUS_RANK:
        return False
    message = await Message.select(Message.id, Message.status).where(Message.provider_id == provider_id).first()
    if message is None:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(message["status"], 2):
        return True
    changes: dict = {Message.status: status, Message.updated_at: now()}
    if error_code:
        changes.update({Message.error_code: error_code, Message.error_message: f"Twilio error {error_code}"})
    await Message.update(changes).where(Message.id == message["id"])
    return True


async def acknowledge(viewer: Viewer, alert_id: int) -> bool:
    """A parent taps 'seen' on an alert about their own child."""
    alert = await Alert.select(Alert.id, Alert.student, Alert.school).where(Alert.id == alert_id).first()
    if alert is None or alert["school"] != viewer.school_id or alert["student"] not in viewer.student_ids:
        return False
    await Alert.update({Alert.acknowledged_at: now(), Alert.acknowledged_by: viewer.user_id}).where(
        (Alert.id == alert_id) & Alert.acknowledged_at.is_null())
    return True


async def list_outbox(viewer: Viewer, status: str | None = None, limit: int = 100) -> list[dict]:
    query = Message.select(
        Message.id, Message.channel, Message.recipient, Message.body, Message.segments, Message.status,
        Message.attempts, Message.error_code, Message.error_message, Message.created_at, Message.sent_at,
        Message.not_before, Message.guardian.name.as_alias("guardian"), Message.alert.kind.as_alias("kind"),
    ).where(Message.school == viewer.school_id)
    if status:
        query = query.where(Message.status == status)
    return await query.order_by(Message.id, ascending=False).limit(limit)


async def outbox_counts(viewer: Viewer) -> dict[str, int]:
    rows = await Message.select(Message.status, Count(Message.id, alias="n")).where(
        Message.school == viewer.school_id).group_by(Message.status)
    return {row["status"]: row["n"] for row in rows}


async def retry_message(viewer: Viewer, message_id: int) -> bool:
    """The admin sends a failed message again (after fixing the number, say)."""
    if not viewer.can(Permission.view_outbox):
        return False
    moment = now()
    updated = await Message.update({Message.status: MessageStatus.queued.value, Message.attempts: 0,
                                    Message.not_before: moment, Message.updated_at: moment}).where(
        (Message.id == message_id) & (Message.school == viewer.school_id)
        & Message.status.is_in([MessageStatus.failed.value, MessageStatus.undelivered.value])
    ).returning(Message.id)
    return bool(updated)


async def save_subscription(viewer: Viewer, endpoint: str, p256dh: str, auth: str) -> None:
    async with db.transaction():
        await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
        await PushSubscription.insert(PushSubscription(user=viewer.user_id, endpoint=endpoint, p256dh=p256dh,
                                                       auth=auth, created_at=now()))


async def drop_subscription(viewer: Viewer, endpoint: str) -> None:
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint) & (PushSubscription.user == viewer.user_id))
