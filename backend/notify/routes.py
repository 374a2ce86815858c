"""Twilio's status callbacks, push subscriptions from the app, the admin's outbox, SMS wording and opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from twilio.request_validator import RequestValidator

from backend import clock
from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.i18n import Refusal, _
from backend.notify import delivery, push, wording
from backend.notify import outbox as alerts
from backend.notify.tables import FAILURE_REASONS, KIND_LABELS, STATUS_LABELS, MessageStatus
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


@get("/outbox", guards=[requires(Permission.view_outbox)])
async def outbox(request: Request, status: FromQuery[str] = "") -> Response:
    viewer = current_viewer(request)
    chosen = status if status in {s.value for s in MessageStatus} else ""
    return page(request, "notify/outbox.html", {
        "messages": await alerts.list_outbox(viewer, chosen or None), "counts": await alerts.outbox_counts(viewer),
        "status": chosen, "statuses": [s.value for s in MessageStatus],
    })


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


template_helpers = {
    "message_status": lambda status: _(STATUS_LABELS[MessageStatus(status)]),
    "message_kind": lambda kind: _(KIND_LABELS.get(kind, kind)),
    "failure_reason": lambda code: _(FAILURE_REASONS[code]) if code in FAILURE_REASONS else "",
    "school_time": lambda moment: f"{moment.astimezone(clock.SCHOOL_TIME):%H:%M}",  # a held message's hour
}

notify_router = Router(path="/notify", route_handlers=[
    twilio_status, subscribe, unsubscribe, outbox, retry, templates, save_template, set_sms_opt_out,
])
