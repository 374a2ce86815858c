"""Messages pages: the inbox (a parent's children, a teacher's homerooms, the executive's list), a thread, a message
to a family or the class, and the school's hours for replies."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from backend.accounts.access import Permission, current_viewer, requires
from backend.conversations import services
from backend.conversations.tables import MAX_LENGTH
from backend.i18n import Refusal, _, format_date, format_time
from backend.notify.tables import UNREACHABLE_REASONS
from backend.web import on_refusal, page, redirect, typed

USERS = [requires(Permission.use_conversations)]
SETTINGS = [requires(Permission.manage_school)]
WHY = {**{key or "none": label for key, label in UNREACHABLE_REASONS.items()}}


def _before(request: Request) -> int | None:
    """?before=<message id>: the earlier messages of a long thread."""
    text = request.query_params.get("before", "")[:12]
    return int(text) if text.isdigit() else None


def _common(extra: dict) -> dict:
    return {"limit": MAX_LENGTH, "why": WHY, **extra}


@get("/", guards=USERS)
async def inbox(request: Request, q: FromQuery[str] = "") -> Response:
    viewer = current_viewer(request)
    if viewer.is_parent:
        return page(request, "conversations/children.html", {"children": await services.children_threads(viewer)})
    return page(request, "conversations/inbox.html", await services.inbox(viewer, q))


async def _child_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.parent_thread(current_viewer(request), request.path_params["student_id"],
                                         _before(request))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "conversations/thread.html", _common({**found, "posted": posted, "error": refusal}),
                status=refusal.status if refusal else 200)


@get("/children/{student_id:int}", guards=USERS)
async def child(request: Request, student_id: FromPath[int]) -> Response:
    return await _child_page(request)


def expect_answer(hours) -> str:
    """What a guardian is told after writing: the teachers answer now, or from the next school day's opening."""
    if hours.open_now:
        return _("Sent. The homeroom teacher sees it in the app.")
    if hours.next_opening is None:
        return _("Sent. It is a school break: the homeroom teacher answers when school reopens.")
    return _("Sent outside school hours. Expect an answer from %(day)s at %(time)s.",
             day=format_date(hours.next_opening, long=True), time=f"{hours.opens:%H:%M}")


@post("/children/{student_id:int}", guards=USERS, opt=on_refusal(_child_page))
async def write(request: Request, student_id: FromPath[int]) -> Response:
    hours = await services.write_to_teacher(current_viewer(request), student_id, await typed(request))
    return redirect(f"/conversations/children/{student_id}", flash=expect_answer(hours))


async def _thread_page(request: Request, refusal: Refusal | None = None, found: dict | None = None) -> Response:
    found = found or await services.open_thread(current_viewer(request), request.app.state.settings,
                                                request.path_params["thread_id"], _before(request))
    if "redirect" in found:
        return redirect(found["redirect"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "conversations/thread.html", _common({**found, "posted": posted, "error": refusal}),
                status=refusal.status if refusal else 200)


@get("/{thread_id:int}", guards=USERS)
async def thread(request: Request, thread_id: FromPath[int]) -> Response:
    return await _thread_page(request)


@post("/{thread_id:int}", guards=USERS, opt=on_refusal(_thread_page))
async def answer(request: Request, thread_id: FromPath[int]) -> Response:
    sms_at = await services.reply(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                  thread_id, await typed(request))
    if sms_at:
        return redirect(f"/conversations/{thread_id}", flash=_(
            "Saved in the conversation. Quiet hours: it will be sent by SMS at %(time)s.", time=format_time(sms_at)))
    return redirect(f"/conversations/{thread_id}", flash=_("Sent to the family."))


@post("/{thread_id:int}/audit", guards=USERS, opt=on_refusal(_thread_page))
async def audit(request: Request, thread_id: FromPath[int]) -> Response:
    """The executive's read: shown in answer to the form that gave the reason, never kept in a page to reload."""
    found = await services.audit_thread(current_viewer(request), thread_id, await typed(request))
    return await _thread_page(request, found=found)


async def _compose_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.compose_page(current_viewer(request), request.path_params["classroom_id"])
    posted = await typed(request) if request.method == "POST" else {}
    if posted.get("token"):
        found["token"] = posted["token"][:40]
    return page(request, "conversations/compose.html", _common({**found, "posted": posted, "error": refusal}),
                status=refusal.status if refusal else 200)


@get("/classrooms/{classroom_id:int}/send", guards=USERS)
async def compose(request: Request, classroom_id: FromPath[int]) -> Response:
    return await _compose_page(request)


@post("/classrooms/{classroom_id:int}/send", guards=USERS, opt=on_refusal(_compose_page))
async def send(request: Request, classroom_id: FromPath[int]) -> Response:
    form = await typed(request)
    found = await services.message_class(current_viewer(request), request.app.state.settings,
                                         request.app.state.queue, classroom_id, form)
    if found["sent"] is None:  # the teacher sees who gets it how, and the cost, before sending
        return page(request, "conversations/compose.html", _common({**found, "posted": form, "error": None}))
    sent = found["sent"]
    return redirect("/conversations", flash=_(
        "Sent: %(push)s in the app, %(sms)s by SMS; %(none)s could not be reached.",
        push=sent["push"], sms=sent["sms"], none=len(sent["unreachable"])))


async def _hours_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "conversations/hours.html", {
        "hours": await services.hours_of(viewer.school_id), "posted": posted, "error": refusal},
        status=refusal.status if refusal else 200)


@get("/hours", guards=SETTINGS)
async def hours(request: Request) -> Response:
    return await _hours_page(request)


@post("/hours", guards=SETTINGS, opt=on_refusal(_hours_page))
async def save_hours(request: Request) -> Response:
    await services.save_hours(current_viewer(request), await typed(request))
    return redirect("/conversations/hours", flash=_("The hours for replies are saved."))


conversations_router = Router(path="/conversations", route_handlers=[
    inbox, child, write, thread, answer, audit, compose, send, hours, save_hours])
