"""The outbox: alerts and their messages, written in the caller's transaction with their cause (jobs carry only a
message's id); who can be reached and how; quiet hours; withdrawing an alert; a parent's acknowledgement; the
admin's view of the outbox and sending a failed message again."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from backend import db, i18n
from backend.accounts.access import Permission, Viewer, can_acknowledge, can_switch_sms
from backend.clock import now
from backend.config import Settings
from backend.notify import choices
from backend.notify.segments import sms_segments
from backend.notify.tables import Alert, Channel, Message, MessageStatus, PushSubscription, SummaryItem
from backend.i18n import N_
from backend.notify.queue import JobQueue
from backend.notify.wording import NotifyError, compose, school_templates
from backend.schools.tables import School
from backend.schools.calendar import Week
from backend.students.enrolment import RosterEntry
from backend.students.phones import is_mobile
from backend.students.tables import Guardian, StudentGuardian


async def set_sms_opt_out(viewer: Viewer, guardian_id: int, opt_out: bool) -> None:
    """The school (admin, or the student's homeroom teacher) or the guardian themself turns SMS off or on."""
    guardian = await Guardian.select(Guardian.id, Guardian.school, Guardian.user).where(
        Guardian.id == guardian_id).first()
    children_classrooms = {row["classroom"] for row in await StudentGuardian.select(
        StudentGuardian.student.classroom.as_alias("classroom")).where(StudentGuardian.guardian == guardian_id)}
    if guardian is None or not can_switch_sms(viewer, guardian, children_classrooms):
        raise NotifyError(N_("No such guardian among those whose messages you look after."), status=404)
    await Guardian.update({Guardian.sms_opt_out: opt_out}).where(Guardian.id == guardian_id)


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
    sms: str | None = None  # the phone an SMS would reach (for a guardian who chose SMS over the app)


def reach_guardian(guardian: dict, has_push: bool) -> Reach:
    locale = guardian.get("locale") or i18n.DEFAULT_LOCALE
    if has_push:
        phone = guardian["phone"]
        sms = phone if phone and not guardian["sms_opt_out"] and is_mobile(phone) else None
        return Reach(guardian["id"], guardian["user"], locale, Channel.push, f"user:{guardian['user']}", sms=sms)
    if not guardian["phone"]:
        return Reach(guardian["id"], guardian["user"], locale, None, None, "no_phone")
    if guardian["sms_opt_out"]:
        return Reach(guardian["id"], guardian["user"], locale, None, None, "opted_out")
    if not is_mobile(guardian["phone"]):
        return Reach(guardian["id"], guardian["user"], locale, None, None, "not_mobile")
    return Reach(guardian["id"], guardian["user"], locale, Channel.sms, guardian["phone"], sms=guardian["phone"])


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


async def reach_guardians(guardian_ids: list[int]) -> dict[int, Reach]:
    """How to reach each of these guardians now, whoever their children are (a parent committee's members)."""
    if not guardian_ids:
        return {}
    rows = await Guardian.select(Guardian.id, Guardian.phone, Guardian.user, Guardian.sms_opt_out,
                                 Guardian.user.locale.as_alias("locale")).where(Guardian.id.is_in(guardian_ids))
    users = [row["user"] for row in rows if row["user"]]
    pushed = set()
    if users:
        pushed = {r["user"] for r in await PushSubscription.select(PushSubscription.user).where(
            PushSubscription.user.is_in(users))}
    return {row["id"]: reach_guardian(row, row["user"] in pushed) for row in rows}


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
    # How long its messages wait before they may leave, so that a correction within it sends nothing at all. The
    # area that raises the alert decides (attendance holds its alerts for a grace period); notify only obeys.
    hold: timedelta = timedelta(0)


async def create_alerts(settings: Settings, school: dict, specs: list[AlertSpec]) -> list[int]:
    """Alerts and a message per reachable guardian, inserted db.BATCH_ROWS at a time (a whole register is saved at
    once; a survey's codes go to every guardian). An event that already has its alert is skipped: creating it again
    does nothing. Each guardian's channel choices are obeyed (notify.choices): a kind turned off sends them nothing,
    one left for the weekly summary is kept for it (SummaryItem); safety-critical kinds always go, by the app or SMS
    as they chose."""
    if not specs:
        return []
    moment = now()
    created = []
    for batch in db.batches([
            Alert(school=school["id"], student=spec.student_id, event_key=spec.event_key, kind=spec.kind, day=spec.day,
                  urgent=spec.urgent, created_at=moment) for spec in specs]):
        created += await Alert.insert(*batch).on_conflict(action="DO NOTHING").returning(Alert.id, Alert.event_key)
    alert_ids = {row["event_key"]: row["id"] for row in created}
    templates = await school_templates(school["id"])
    chosen = await choices.choices_of([reach.guardian_id for spec in specs if spec.event_key in alert_ids
                                       and spec.kind in choices.KIND_TOPICS for reach in spec.reaches])
    # Their LINE, only for those who chose it for something (no query otherwise).
    lined = await choices.line_links_of(school["id"], [
        guardian_id for guardian_id, theirs in chosen.items() if choices.Choice.line.value in theirs.values()])
    rows, kept = [], []
    for spec in specs:
        if spec.event_key not in alert_ids:
            continue
        held_until = moment + spec.hold
        not_before = sendable_from(settings, held_until, school["timezone"], spec.urgent)
        for reach in spec.reaches:
            way, reach = choices.route(spec.kind, spec.urgent, reach, chosen.get(reach.guardian_id, {}),
                                       lined.get(reach.guardian_id))
            if way == choices.Choice.weekly.value:
                kept.append(SummaryItem(school=school["id"], alert=alert_ids[spec.event_key],
                                        guardian=reach.guardian_id, student=spec.student_id, kind=spec.kind,
                                        day=spec.day, created_at=moment))
            if way != "now" or reach.channel is None:
                continue
            body = compose(templates, spec.kind, reach.locale, {"school": school["short_name"], **spec.values})
            rows.append(Message(
                school=school["id"], alert=alert_ids[spec.event_key], guardian=reach.guardian_id,
                user=reach.user_id, channel=reach.channel.value,
                dedupe_key=f"{spec.event_key}|{reach.guardian_id}|{reach.channel.value}",
                recipient=reach.recipient, body=body, segments=sms_segments(body).count,
                # Push is silent: quiet hours never hold it, the grace period does. LINE rings, as SMS does.
                not_before=not_before if reach.channel in (Channel.sms, Channel.line) else held_until,
                created_at=moment, updated_at=moment,
            ))
    for batch in db.batches(kept):
        await SummaryItem.insert(*batch).on_conflict(action="DO NOTHING")
    inserted = []
    for batch in db.batches(rows):
        inserted += await Message.insert(*batch).on_conflict(action="DO NOTHING").returning(Message.id)
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
    told = await _cancel_waiting(alert["id"])
    if not told:
        return []
    # A guardian told by LINE hears the correction there too, while their LINE is linked.
    by_line = {m["guardian"] for m in await Message.select(Message.guardian).where(
        (Message.alert == alert["id"]) & (Message.channel == Channel.line.value)
        & (Message.status != MessageStatus.cancelled.value))}
    lined = await choices.line_links_of(school["id"], by_line)
    reaches = [replace(r, channel=Channel.line, recipient=lined[r.guardian_id]) if r.guardian_id in lined else r
               for r in reaches if r.guardian_id in told]
    return await create_alert(settings, school=school, student_id=alert["student"],
                              event_key=f"{event_key}:correction:{alert['id']}", kind="correction",
                              day=alert["day"], values=values, reaches=reaches)


async def cancel_alert(event_key: str) -> bool:
    """Its cause turned out to be something guardians need not hear of (the family had asked for leave): messages
    still waiting are cancelled and nothing more is said. One already sent cannot be unsent, and no correction
    follows it (the absence was real; the leave explains it). True when a waiting message was stopped."""
    alert = await Alert.select(Alert.id).where(Alert.event_key == event_key).first()
    if alert is None:
        return False
    cancelled = await Message.update({Message.status: MessageStatus.cancelled.value, Message.updated_at: now()}).where(
        (Message.alert == alert["id"]) & Message.status.is_in(WAITING)).returning(Message.id)
    await SummaryItem.delete().where((SummaryItem.alert == alert["id"]) & SummaryItem.summarised_at.is_null())
    await _retire(alert["id"])
    return bool(cancelled)


# Not yet sent: queued, or held past the school's SMS budget for the admin's decision.
WAITING = [MessageStatus.queued.value, MessageStatus.held.value]


async def _cancel_waiting(alert_id: int) -> set[int | None]:
    """Cancels an alert's messages still waiting and retires it; returns the guardians its messages did reach."""
    await Message.update({Message.status: MessageStatus.cancelled.value, Message.updated_at: now()}).where(
        (Message.alert == alert_id) & Message.status.is_in(WAITING))
    await SummaryItem.delete().where((SummaryItem.alert == alert_id) & SummaryItem.summarised_at.is_null())
    told = {m["guardian"] for m in await Message.select(Message.guardian).where(
        (Message.alert == alert_id) & (Message.status != MessageStatus.cancelled.value))}
    await _retire(alert_id)
    return told


async def _retire(alert_id: int) -> None:
    """The withdrawn alert gives up its key (and its messages theirs), so the same event happening again — absent
    after all — is a new alert that reaches guardians, not a duplicate silently skipped."""
    retired = f":withdrawn:{alert_id}"
    await Alert.update({Alert.event_key: Alert.event_key + retired}).where(Alert.id == alert_id)
    await Message.update({Message.dedupe_key: Message.dedupe_key + retired}).where(Message.alert == alert_id)


async def school_row(school_id: int) -> dict:
    return await School.select(School.id, School.short_name, School.timezone, School.sms_per_second).where(
        School.id == school_id).first()


# Acknowledgement and the admin's outbox --------------------------------------------------------------------------


async def acknowledge(viewer: Viewer, alert_id: int) -> None:
    """A parent taps 'seen' on an alert about their own child."""
    alert = await Alert.select(Alert.id, Alert.student, Alert.school).where(Alert.id == alert_id).first()
    if alert is None or not can_acknowledge(viewer, alert):
        raise NotifyError(N_("No such message about your children."), status=404)
    await Alert.update({Alert.acknowledged_at: now(), Alert.acknowledged_by: viewer.user_id}).where(
        (Alert.id == alert_id) & Alert.acknowledged_at.is_null())
    # Seen in the app: its pushes to this parent count as read (no SMS stands in for them).
    await choices.messages_read((Message.alert == alert_id) & (Message.user == viewer.user_id))


# Messages that carry one guardian's secret: the school's outbox shows that they went, never the code, or whoever
# reads the outbox could sign in as the parent or answer the survey in their name.
SECRET_KINDS = frozenset({"sign_in_code", "survey_code"})
CODE = re.compile(r"\d{4,}")


def _without_code(row: dict) -> dict:
    return {**row, "body": CODE.sub(lambda found: "•" * len(found.group()), row["body"])} \
        if row["kind"] in SECRET_KINDS else row


async def list_outbox(viewer: Viewer, status: str | None = None, limit: int = 100) -> list[dict]:
    query = Message.select(
        Message.id, Message.channel, Message.recipient, Message.body, Message.segments, Message.status,
        Message.attempts, Message.error_code, Message.error_message, Message.created_at, Message.sent_at,
        Message.not_before, Message.guardian.name.as_alias("guardian"), Message.alert.kind.as_alias("kind"),
    ).where(Message.school == viewer.school_id)
    if status:
        query = query.where(Message.status == status)
    return [_without_code(row) for row in await query.order_by(Message.id, ascending=False).limit(limit)]


async def outbox_counts(viewer: Viewer) -> dict[str, int]:
    rows = await Message.select(Message.status, Count(Message.id, alias="n")).where(
        Message.school == viewer.school_id).group_by(Message.status)
    return {row["status"]: row["n"] for row in rows}


async def retry_message(viewer: Viewer, queue: JobQueue, message_id: int) -> bool:
    """The admin sends a failed message again (after fixing the number, say): queued and handed to the worker.
    False when the message is not one that failed; another school's message does not exist for this admin."""
    if not viewer.can(Permission.view_outbox) or not await Message.exists().where(
            (Message.id == message_id) & (Message.school == viewer.school_id)):
        raise NotifyError(N_("No such message in this school's outbox."), status=404)
    moment = now()
    updated = await Message.update({Message.status: MessageStatus.queued.value, Message.attempts: 0,
                                    Message.not_before: moment, Message.updated_at: moment}).where(
        (Message.id == message_id) & (Message.school == viewer.school_id)
        & Message.status.is_in([MessageStatus.failed.value, MessageStatus.undelivered.value])
    ).returning(Message.id)
    if updated:
        await queue.send([message_id], tag=f"admin{int(moment.timestamp())}")
    return bool(updated)


# What became of an alert, from its messages, in the order that decides it: one phone reached is "told".
_TOLD = (MessageStatus.sent.value, MessageStatus.delivered.value)
_WAITING = (MessageStatus.queued.value, MessageStatus.sending.value, MessageStatus.held.value)


def _outcome(statuses: set[str], seen: bool) -> str:
    if seen or statuses & set(_TOLD):  # a guardian who tapped "seen" was told, in the app if not by a message
        return "told"
    if statuses & set(_WAITING):
        return "waiting"
    if statuses and statuses <= {MessageStatus.cancelled.value}:
        return "withdrawn"  # corrected before anything left
    return "unreached"  # every message failed, or no guardian could be reached at all


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Alerts to the student's guardians, on the student's timeline, saying whether the guardians were told (an
    alert withdrawn before it left told no one). Its own keys only: the alert's kind must not become the event's."""
    alerts = await Alert.select(Alert.id, Alert.kind, Alert.created_at, Alert.acknowledged_at).where(
        Alert.student == student["id"]).order_by(Alert.id, ascending=False).limit(limit)
    statuses: dict[int, set[str]] = {alert["id"]: set() for alert in alerts}
    if alerts:
        for message in await Message.select(Message.alert, Message.status).where(Message.alert.is_in(list(statuses))):
            statuses[message["alert"]].add(message["status"])
    return [{"kind": "alert", "at": alert["created_at"], "alert_kind": alert["kind"],
             "outcome": _outcome(statuses[alert["id"]], alert["acknowledged_at"] is not None),
             "acknowledged_at": alert["acknowledged_at"]}
            for alert in alerts]


# The homeroom teacher's weekly digest --------------------------------------------------------------------------

UNREACHABLE_WHY = {
    None: N_("No guardian on record"),
    "no_phone": N_("No phone number"),
    "not_mobile": N_("The number is not a mobile"),
    "opted_out": N_("SMS turned off"),
}


async def digest_section(school_id: int, week: Week, rosters: dict[int, list[RosterEntry]]) -> dict[int, dict]:
    """Each classroom's students none of whose guardians can be told by SMS or the app, and why, as it stands when
    the digest is built (two queries for the whole school)."""
    ids = [entry.student_id for entries in rosters.values() for entry in entries]
    reaches = await guardians_of(ids)
    sections = {}
    for classroom_id, entries in rosters.items():
        rows = []
        for entry in entries:
            theirs = reaches.get(entry.student_id, [])
            if any(reach.channel for reach in theirs):
                continue
            rows.append({"student": entry.student_id, "name": entry.name,
                         "why": UNREACHABLE_WHY.get(theirs[0].reason if theirs else None, UNREACHABLE_WHY[None])})
        sections[classroom_id] = {"unreachable": rows, "concerns": [
            {"student": row["student"], "weight": 1, "why": N_("No guardian can be reached"), "values": {}}
            for row in rows]}
    return sections
