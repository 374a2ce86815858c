"""The school's monthly SMS budget, in baht: what the month's SMS cost so far (parts sent × the school's price per
part, as Twilio bills each part), a forecast at the month's pace, and the guard. Past the budget a non-critical SMS
is held for the admin, who sends it anyway or drops it with a reason (both recorded); critical ones (absence, serious
incident, urgent, a correction) always go. Nothing is lost silently: held messages are listed on the Messages page.
SMS that another area sends on its own schedule (the weekly family summary) are forecast here beforehand, month by
month, from that area's own plan."""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from backend import db
from backend.accounts.access import Permission, Viewer
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify.choices import always_sent
from backend.notify.outbox import school_row, sendable_from
from backend.notify.queue import JobQueue
from backend.notify.tables import Alert, BudgetDecision, Channel, Message, MessageStatus, SmsBudget
from backend.notify.wording import NotifyError
from backend.schools.tables import School

# What the month's spend counts: parts Twilio accepted (it bills them whether or not the phone got them).
BILLED = (MessageStatus.sent.value, MessageStatus.delivered.value, MessageStatus.undelivered.value)
MAX_BUDGET_BAHT = Decimal(10_000_000)
MAX_PRICE_BAHT = Decimal(100)


def month_start(moment: datetime, tz: str) -> datetime:
    local = moment.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date().replace(day=1), time(0), local.tzinfo).astimezone(timezone.utc)


async def _spent_parts(school_id: int, since: datetime) -> int:
    row = await Message.select(Sum(Message.segments, alias="parts")).where(
        (Message.school == school_id) & (Message.channel == Channel.sms.value) & Message.status.is_in(list(BILLED))
        & (Message.sent_at >= since)).first()
    return int(row["parts"] or 0) if row else 0


async def should_hold(message: dict) -> bool:
    """Whether this SMS, about to leave, waits for the admin: not critical, the school has a budget, and sending it
    would take the month's spend past it — unless the admin already said to send it anyway."""
    if always_sent(message["kind"], message["urgent"]):
        return False
    budget = await SmsBudget.select().where(SmsBudget.school == message["school"]).first()
    if budget is None:
        return False
    school = await School.select(School.timezone).where(School.id == message["school"]).first()
    spent = await _spent_parts(message["school"], month_start(now(), school["timezone"]))
    if (spent + message["segments"]) * budget["price_satang"] <= budget["monthly_satang"]:
        return False
    return not await BudgetDecision.exists().where(
        (BudgetDecision.message == message["id"]) & (BudgetDecision.decision == "send"))


# The admin's view and decisions --------------------------------------------------------------------------------------


def _baht(satang: int) -> Decimal:
    return (Decimal(satang) / 100).quantize(Decimal("0.01"))


async def summary(viewer: Viewer) -> dict:
    """This month: the budget, parts sent and their cost, the forecast at the month's pace, and what is held."""
    school = await School.select(School.timezone).where(School.id == viewer.school_id).first()
    moment = now()
    local = moment.astimezone(ZoneInfo(school["timezone"]))
    budget = await SmsBudget.select().where(SmsBudget.school == viewer.school_id).first()
    parts = await _spent_parts(viewer.school_id, month_start(moment, school["timezone"]))
    held = await Message.select(Count(Message.id, alias="n"), Sum(Message.segments, alias="parts")).where(
        (Message.school == viewer.school_id) & (Message.status == MessageStatus.held.value)).first()
    days = calendar.monthrange(local.year, local.month)[1]
    result = {"budget": None, "parts": parts, "forecast_parts": round(parts * days / local.day),
              "held": held["n"] if held else 0, "held_parts": int(held["parts"] or 0) if held else 0,
              "month": local.date().replace(day=1)}
    if budget:
        spent = parts * budget["price_satang"]
        forecast = round(spent * days / local.day)
        result.update({"budget": _baht(budget["monthly_satang"]), "price": _baht(budget["price_satang"]),
                       "spent": _baht(spent), "forecast": _baht(forecast),
                       "over": spent >= budget["monthly_satang"],
                       "forecast_over": forecast > budget["monthly_satang"],
                       "used_percent": round(100 * spent / budget["monthly_satang"])
                       if budget["monthly_satang"] else 100})
    return result


# SMS sent on a schedule, forecast -----------------------------------------------------------------------------------
# An area that sends SMS on its own schedule (the weekly family summary) registers a planner saying how many guardians
# it reaches by SMS and how many parts each month's sends take at most; notify imports no area, so the area comes to
# it. The admin sees each plan beside the budget before the month's SMS go.


@dataclass(frozen=True)
class PlannedMonth:
    month: date  # its first day
    sends: int  # how many times they go out that month (the Fridays still to come)
    parts: int  # SMS parts at most, all sends together


@dataclass(frozen=True)
class Plan:
    kind: str  # the alert kind that carries them (its label names the plan)
    recipients: int  # guardians reached only by SMS
    parts_each: int  # the most parts one of them takes
    months: tuple[PlannedMonth, ...]


Planner = Callable[[Viewer], Awaitable[Plan]]
_planners: list[Planner] = []


def plan_from(planner: Planner) -> None:
    if planner not in _planners:
        _planners.append(planner)


async def planned(viewer: Viewer, month: dict) -> list[dict]:
    """Each plan with its cost at the school's price per part, whether this month's sends would take the spend
    past the budget, and what its latest send cost (counted in the outbox). `month` is summary()'s."""
    if not _planners:
        return []
    budget = await SmsBudget.select(SmsBudget.price_satang, SmsBudget.monthly_satang).where(
        SmsBudget.school == viewer.school_id).first()
    price = budget["price_satang"] if budget else None
    found = []
    for planner in _planners:
        plan = await planner(viewer)
        months = [{"month": m.month, "sends": m.sends, "parts": m.parts,
                   "baht": _baht(m.parts * price) if price is not None else None} for m in plan.months]
        last = await _last_send(viewer.school_id, plan.kind)
        if last is not None:
            last["baht"] = _baht(last["parts"] * price) if price is not None else None
        over = bool(budget and months and month["parts"] * price + months[0]["parts"] * price
                    > budget["monthly_satang"])
        found.append({"kind": plan.kind, "recipients": plan.recipients, "parts_each": plan.parts_each,
                      "months": months, "last": last, "over": over})
    return found


async def _last_send(school_id: int, kind: str) -> dict | None:
    """The latest day this kind went out: how many SMS of it, and their parts (cancelled and dropped ones apart)."""
    latest = await Alert.select(Alert.day).where((Alert.school == school_id) & (Alert.kind == kind)
                                                 & Alert.day.is_not_null()).order_by(Alert.day, ascending=False).first()
    if latest is None:
        return None
    row = await Message.select(Count(Message.id, alias="n"), Sum(Message.segments, alias="parts")).where(
        (Message.school == school_id) & (Message.channel == Channel.sms.value) & (Message.alert.kind == kind)
        & (Message.alert.day == latest["day"])
        & Message.status.not_in([MessageStatus.cancelled.value, MessageStatus.dropped.value])).first()
    return {"day": latest["day"], "sms": row["n"] if row else 0, "parts": int(row["parts"] or 0) if row else 0}


def _amount(text: str | None, most: Decimal) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > most:
        return None
    return value.quantize(Decimal("0.01"))


async def set_budget(viewer: Viewer, form: dict) -> bool:
    """The admin's monthly budget (baht) and price per SMS part (baht). An empty budget removes it: no SMS is held.
    Returns whether a budget is set."""
    if not viewer.can(Permission.manage_sms_budget):
        raise NotifyError(N_("Only the school's admin sets the SMS budget."), status=403)
    if not (form.get("monthly") or "").strip():
        await SmsBudget.delete().where(SmsBudget.school == viewer.school_id)
        return False
    monthly, price = _amount(form.get("monthly"), MAX_BUDGET_BAHT), _amount(form.get("price"), MAX_PRICE_BAHT)
    errors = {}
    if monthly is None:
        errors["monthly"] = N_("Enter the month's budget in baht, such as 1500.")
    if price is None or price == 0:
        errors["price"] = N_("Enter what one SMS part costs in baht, such as 0.75.")
    if errors:
        raise NotifyError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        await SmsBudget.delete().where(SmsBudget.school == viewer.school_id)
        await SmsBudget.insert(SmsBudget(school=viewer.school_id, monthly_satang=int(monthly * 100),
                                         price_satang=int(price * 100), updated_by=viewer.user_id,
                                         updated_at=now()))
    return True


async def _held(viewer: Viewer, message_id: int) -> dict | None:
    """A message of this school's outbox (else 404), if it is held (else None)."""
    if not viewer.can(Permission.manage_sms_budget):
        raise NotifyError(N_("No such message in this school's outbox."), status=404)
    message = await Message.select(Message.id, Message.status).where(
        (Message.id == message_id) & (Message.school == viewer.school_id)).first()
    if message is None:
        raise NotifyError(N_("No such message in this school's outbox."), status=404)
    return message if message["status"] == MessageStatus.held.value else None


async def _held_ids(viewer: Viewer, message_id: int | None) -> list[int]:
    """What a decision is about: one message of this school (404 if not), if it is still held; or, with no id,
    every SMS of the school held now."""
    if message_id is not None:
        return [message_id] if await _held(viewer, message_id) else []
    if not viewer.can(Permission.manage_sms_budget):
        raise NotifyError(N_("No such message in this school's outbox."), status=404)
    return [row["id"] for row in await Message.select(Message.id).where(
        (Message.school == viewer.school_id) & (Message.status == MessageStatus.held.value))]


async def send_anyway(viewer: Viewer, settings: Settings, queue: JobQueue, message_id: int | None) -> int:
    """The admin sends held SMS past the budget, each decision recorded: one, or every held one (message_id None).
    How many were released (0 when none is held any more)."""
    ids = await _held_ids(viewer, message_id)
    if not ids:
        return 0
    school = await school_row(viewer.school_id)
    moment = now()
    async with db.transaction():
        released = [row["id"] for row in await Message.update({
            Message.status: MessageStatus.queued.value, Message.updated_at: moment, Message.error_code: None,
            Message.error_message: None,
            Message.not_before: sendable_from(settings, moment, school["timezone"], False),  # quiet hours still
        }).where(Message.id.is_in(ids) & (Message.status == MessageStatus.held.value)).returning(Message.id)]
        if released:
            await BudgetDecision.insert(*[BudgetDecision(school=viewer.school_id, message=released_id,
                                                         decision="send", decided_by=viewer.user_id,
                                                         decided_at=moment) for released_id in released])
    await queue.send(released, tag=f"budget{int(moment.timestamp())}")
    return len(released)


async def drop(viewer: Viewer, message_id: int | None, reason: str) -> int:
    """The admin drops held SMS, saying why, each decision recorded: one, or every held one (message_id None).
    How many were dropped (0 when none is held any more)."""
    ids = await _held_ids(viewer, message_id)
    if not ids:
        return 0
    reason = " ".join((reason or "").split())
    if not reason:
        raise NotifyError(N_("Say why this SMS is not sent."), errors={"reason": N_("Say why this SMS is not sent.")})
    if len(reason) > 300:
        raise NotifyError(N_("Keep the reason under 300 characters."),
                          errors={"reason": N_("Keep the reason under 300 characters.")})
    moment = now()
    async with db.transaction():
        dropped = [row["id"] for row in await Message.update({
            Message.status: MessageStatus.dropped.value, Message.updated_at: moment}).where(
            Message.id.is_in(ids) & (Message.status == MessageStatus.held.value)).returning(Message.id)]
        if dropped:
            await BudgetDecision.insert(*[BudgetDecision(school=viewer.school_id, message=dropped_id,
                                                         decision="drop", reason=reason, decided_by=viewer.user_id,
                                                         decided_at=moment) for dropped_id in dropped])
    return len(dropped)


async def decisions(message_ids: list[int]) -> dict[int, dict]:
    """The admin's decision on each of these messages, if any (for the outbox list)."""
    if not message_ids:
        return {}
    rows = await BudgetDecision.select(
        BudgetDecision.message, BudgetDecision.decision, BudgetDecision.reason, BudgetDecision.decided_at,
        BudgetDecision.decided_by.display_name.as_alias("decided_by")).where(BudgetDecision.message.is_in(message_ids))
    return {row["message"]: row for row in rows}
