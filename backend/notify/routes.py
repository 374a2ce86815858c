"""Twilio's status callbacks, push subscriptions from the app, the admin's outbox (with the SMS budget and held
messages), SMS wording and opt-outs, guardians' channel choices and their channel health, pushes opened, and LINE:
its webhook, a parent linking their LINE, and the admin's LINE settings and staff groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from twilio.request_validator import RequestValidator

from backend import i18n
from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.i18n import Refusal, _, ngettext
from backend.notify import budget, choices, delivery, line_account, line_groups, line_parents, push, wording
from backend.notify.line_webhook import receive_webhook
from backend.notify import outbox as alerts
from backend.schoolyear import be_year
from backend.notify.tables import FAILURE_REASONS, KIND_LABELS, OWN_FAILURES, STATUS_LABELS, MessageStatus
from backend.web import on_refusal, page, redirect, safe_next, typed


@post("/twilio/status", exclude_from_csrf=True)
async def twilio_status(request: Request) -> Response:
    """Delivery reports. Only Twilio can sign them: anything else is refused before it touches the outbox."""
    settings = request.app.state.settings
    form = dict((await request.form()).items())
    # Twilio signs the whole URL it was given, our message id in the query included.
    url = f"{settings.public_base_url}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("x-twilio-signature", "")
    validator = RequestValidator(settings.twilio_auth_token or "")
    if not settings.twilio_auth_token or not validator.validate(url, form, signature):
        return Response({"detail": "invalid signature"}, status_code=403)
    ours = request.query_params.get("m", "")
    our_id = int(ours) if ours.isdigit() and len(ours) < 19 else None
    await delivery.record_delivery_status(form.get("MessageSid", ""), form.get("MessageStatus", ""),
                                          form.get("ErrorCode"), our_id)
    return Response(b"", status_code=204)


@dataclass
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


@post("/push/subscribe", guards=[requires(Permission.view_children)])
async def subscribe(request: Request, data: JSONBody[Subscription]) -> Response:
    await push.save_subscription(request.app.state.settings, current_viewer(request), data.endpoint, data.p256dh,
                                 data.auth)
    return Response(b"", status_code=204)


@post("/push/unsubscribe", guards=[requires_sign_in], status_code=204)
async def unsubscribe(request: Request, data: JSONBody[Subscription]) -> None:
    await push.drop_subscription(current_viewer(request), data.endpoint)


HELD_SHOWN = 50  # the newest held SMS listed one by one; the decisions for all of them are above the list


async def _outbox_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    status = request.query_params.get("status", "")
    chosen = status if status in {s.value for s in MessageStatus} else ""
    messages = await alerts.list_outbox(viewer, chosen or None)
    held = await alerts.list_outbox(viewer, MessageStatus.held.value, limit=HELD_SHOWN)
    month = await budget.summary(viewer)
    return page(request, "notify/outbox.html", {
        "messages": messages, "counts": await alerts.outbox_counts(viewer), "held": held,
        "decisions": await budget.decisions([m["id"] for m in messages]),
        "budget": month, "planned": await budget.planned(viewer, month),
        "status": chosen, "statuses": [s.value for s in MessageStatus],
        "error": refusal, "typed": await typed(request) if refusal else {},
        "refused_form": request.url.path if refusal else "",
    }, status=refusal.status if refusal else 200)


@get("/outbox", guards=[requires(Permission.view_outbox)])
async def outbox(request: Request, status: FromQuery[str] = "") -> Response:
    return await _outbox_page(request)


@post("/budget", guards=[requires(Permission.manage_sms_budget)], opt=on_refusal(_outbox_page))
async def set_budget(request: Request) -> Response:
    if await budget.set_budget(current_viewer(request), await typed(request)):
        return redirect("/notify/outbox", flash=_("The SMS budget is saved."))
    return redirect("/notify/outbox", flash=_("No SMS budget: no SMS will be held."))


@post("/outbox/held/send-anyway", guards=[requires(Permission.manage_sms_budget)])
async def send_all_anyway(request: Request) -> Response:
    sent = await budget.send_anyway(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                    None)
    return redirect("/notify/outbox", flash=ngettext("%(num)s SMS will be sent, past the budget.",
                                                     "%(num)s SMS will be sent, past the budget.", sent))


@post("/outbox/held/drop", guards=[requires(Permission.manage_sms_budget)], opt=on_refusal(_outbox_page))
async def drop_all(request: Request) -> Response:
    dropped = await budget.drop(current_viewer(request), None, (await typed(request)).get("reason", ""))
    return redirect("/notify/outbox", flash=ngettext("%(num)s SMS dropped; the reason is kept with each.",
                                                     "%(num)s SMS dropped; the reason is kept with each.", dropped))


@post("/outbox/{message_id:int}/send-anyway", guards=[requires(Permission.manage_sms_budget)])
async def send_anyway(request: Request, message_id: FromPath[int]) -> Response:
    if await budget.send_anyway(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                message_id):
        return redirect("/notify/outbox", flash=_("The SMS will be sent, past the budget."))
    return redirect("/notify/outbox", flash=_("This message is not held any more."))


@post("/outbox/{message_id:int}/drop", guards=[requires(Permission.manage_sms_budget)],
      opt=on_refusal(_outbox_page))
async def drop(request: Request, message_id: FromPath[int]) -> Response:
    form = await typed(request)
    if await budget.drop(current_viewer(request), message_id, form.get("reason", "")):
        return redirect("/notify/outbox", flash=_("The SMS is dropped; the reason is kept."))
    return redirect("/notify/outbox", flash=_("This message is not held any more."))


@post("/outbox/{message_id:int}/retry", guards=[requires(Permission.view_outbox)])
async def retry(request: Request, message_id: FromPath[int]) -> Response:
    if await alerts.retry_message(current_viewer(request), request.app.state.queue, message_id):
        return redirect("/notify/outbox", flash=_("The message is queued again."))
    return redirect("/notify/outbox", flash=_("Only failed or undelivered messages can be sent again."))


async def _templates_page(request: Request, refusal: Refusal | None = None) -> Response:
    rows = await wording.template_rows(current_viewer(request))
    return page(request, "notify/templates.html", {"rows": rows, "error": refusal,
                                                   "typed": await typed(request) if refusal else {}},
                status=refusal.status if refusal else 200)


@get("/templates", guards=[requires(Permission.manage_users)])
async def templates(request: Request) -> Response:
    return await _templates_page(request)


@dataclass
class TemplateForm:
    kind: str
    locale: str
    body: str = ""


@post("/templates", guards=[requires(Permission.manage_users)], opt=on_refusal(_templates_page))
async def save_template(request: Request,
                        data: Annotated[TemplateForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    await wording.save_template(current_viewer(request), data.kind, data.locale, data.body)
    return redirect("/notify/templates", flash=_("Saved."))


@dataclass
class OptOutForm:
    opt_out: bool = False
    next: str = "/"


@post("/guardians/{guardian_id:int}/sms", guards=[requires_sign_in])
async def set_sms_opt_out(request: Request, guardian_id: FromPath[int],
                          data: Annotated[OptOutForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    """The school records a guardian's 'no SMS' (Thai numbers cannot reply STOP), or the parent does it in the app."""
    await alerts.set_sms_opt_out(current_viewer(request), guardian_id, data.opt_out)
    said = _("SMS turned off for this guardian.") if data.opt_out else _("SMS turned on for this guardian.")
    return redirect(safe_next(data.next), flash=said)


# Channel choices and channel health ------------------------------------------------------------------------------


@get("/choices", guards=[requires(Permission.choose_channels)])
async def my_choices(request: Request) -> Response:
    """The parent's own settings page (from their home page)."""
    viewer = current_viewer(request)
    forms = [await choices.choices_form(viewer, guardian_id) for guardian_id in await choices.my_guardian_ids(viewer)]
    return page(request, "notify/choices.html", {"forms": forms, "next": "/notify/choices", "error": None,
                                                 "typed": {}})


async def _choices_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    form = await choices.choices_form(viewer, request.path_params["guardian_id"])
    posted = await typed(request) if refusal else {}
    return page(request, "notify/choices.html", {
        "forms": [form], "error": refusal, "typed": posted,
        "next": safe_next(posted.get("next") or request.query_params.get("next"))},
        status=refusal.status if refusal else 200)


@get("/guardians/{guardian_id:int}/choices", guards=[requires_sign_in])
async def guardian_choices(request: Request, guardian_id: FromPath[int]) -> Response:
    """The homeroom teacher's copy of the form, for a guardian with no account (after a phone call)."""
    return await _choices_page(request)


@post("/guardians/{guardian_id:int}/choices", guards=[requires_sign_in], opt=on_refusal(_choices_page))
async def save_choices(request: Request, guardian_id: FromPath[int]) -> Response:
    form = await typed(request)
    await choices.save_choices(current_viewer(request), guardian_id, form)
    return redirect(safe_next(form.get("next")), flash=_("Message choices saved."))


@get("/classrooms/{classroom_id:int}/channels", guards=[requires(Permission.view_homeroom)])
async def channels(request: Request, classroom_id: FromPath[int]) -> Response:
    return page(request, "notify/channels.html", await choices.channel_health(current_viewer(request), classroom_id))


@get("/opened/{message_id:int}", guards=[requires_sign_in])
async def opened(request: Request, message_id: FromPath[int]) -> Response:
    """Where a push leads: recorded as read (so no SMS stands in for it), then the page it is about."""
    return redirect(await choices.open_push(current_viewer(request), message_id))


# LINE ----------------------------------------------------------------------------------------------------------------


@post("/line/webhook/{school_id:int}", exclude_from_csrf=True)
async def line_webhook(request: Request, school_id: FromPath[int]) -> Response:
    """LINE's calls for one school's account: public, and read only when signed with that school's channel secret
    (a bad signature is refused with words and logged, and nothing is stored)."""
    handled = await receive_webhook(request.app.state.settings, school_id, await request.body(),
                                               request.headers.get("x-line-signature", ""))
    return Response({"handled": handled}, status_code=200)


async def _line_page(request: Request, refusal: Refusal | None = None, code: str | None = None) -> Response:
    found = await line_parents.link_page(current_viewer(request), request.app.state.settings)
    return page(request, "notify/line.html", {**found, "code": code, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/line", guards=[requires(Permission.choose_channels)])
async def my_line(request: Request) -> Response:
    """The parent links their LINE: the school's account to add, and a code to send it."""
    return await _line_page(request)


@post("/line/code", guards=[requires(Permission.choose_channels)], opt=on_refusal(_line_page))
async def line_code(request: Request) -> Response:
    code = await line_parents.link_code(current_viewer(request), request.app.state.settings)
    return await _line_page(request, code=code)


@post("/line/unlink", guards=[requires(Permission.choose_channels)])
async def line_unlink(request: Request) -> Response:
    if await line_parents.unlink(current_viewer(request)):
        return redirect("/notify/line", flash=_("LINE is unlinked: the school's messages come by the app or SMS."))
    return redirect("/notify/line", flash=_("No LINE was linked."))


async def _line_settings_page(request: Request, refusal: Refusal | None = None,
                              issued: dict | None = None) -> Response:
    found = await line_account.settings_page(current_viewer(request), request.app.state.settings)
    return page(request, "notify/line_settings.html", {
        **found, "issued": issued, "error": refusal, "typed": await typed(request) if refusal else {}},
        status=refusal.status if refusal else 200)


@get("/line/settings", guards=[requires(Permission.manage_school)])
async def line_settings(request: Request) -> Response:
    return await _line_settings_page(request)


@post("/line/settings", guards=[requires(Permission.manage_school)], opt=on_refusal(_line_settings_page))
async def save_line_settings(request: Request) -> Response:
    await line_account.save_settings(current_viewer(request), request.app.state.settings, await typed(request))
    return redirect("/notify/line/settings", flash=_("LINE settings saved."))


@post("/line/grades/{grade_id:int}/code", guards=[requires(Permission.manage_school)],
      opt=on_refusal(_line_settings_page))
async def line_grade_code(request: Request, grade_id: FromPath[int]) -> Response:
    issued = await line_groups.grade_code(current_viewer(request), request.app.state.settings, grade_id)
    return await _line_settings_page(request, issued=issued)


@post("/line/groups/{line_group_id:int}/remove", guards=[requires(Permission.manage_school)])
async def line_group_remove(request: Request, line_group_id: FromPath[int]) -> Response:
    if await line_groups.remove_group(current_viewer(request), line_group_id):
        return redirect("/notify/line/settings", flash=_("The group gets no more summaries."))
    return redirect("/notify/line/settings", flash=_("The group was not getting summaries."))


def month_label(day) -> str:
    """พฤศจิกายน 2569 / November 2026."""
    if i18n.current_locale.get() == "th":
        return f"{i18n.THAI_MONTHS_LONG[day.month - 1]} {be_year(day)}"
    return f"{day:%B} {day.year}"


template_helpers = {
    "month_label": month_label,
    "message_status": lambda status: _(STATUS_LABELS[MessageStatus(status)]),
    "message_kind": lambda kind: _(KIND_LABELS.get(kind, kind)),
    "failure_reason": lambda code: _(FAILURE_REASONS[code]) if code in FAILURE_REASONS else "",
    "providers_failure": lambda code: code not in OWN_FAILURES,
}

notify_router = Router(path="/notify", route_handlers=[
    twilio_status, subscribe, unsubscribe, outbox, retry, templates, save_template, set_sms_opt_out,
    set_budget, send_all_anyway, drop_all, send_anyway, drop, my_choices, guardian_choices, save_choices, channels,
    opened,
    line_webhook, my_line, line_code, line_unlink, line_settings, save_line_settings, line_grade_code,
    line_group_remove,
])
