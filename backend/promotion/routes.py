"""Promotion pages: the classes' counts, a class's activities and meetings, a meeting's guests and record, and a
parent's invitations with their reply."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import Refusal, _
from backend.notify.tables import UNREACHABLE_REASONS
from backend.promotion import services
from backend.promotion.tables import GUIDELINE_TOPICS, REPLY_LABELS
from backend.web import on_refusal, page, redirect, typed

REPLIES = {answer.value: label for answer, label in REPLY_LABELS.items()}
STAFF = [requires(Permission.use_promotion)]
PARENTS = [requires(Permission.answer_meetings)]


@get("/", guards=STAFF)
async def front(request: Request) -> Response:
    return page(request, "promotion/front.html", {"rooms": await services.class_counts(current_viewer(request))})


async def _class_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.class_page(current_viewer(request), request.path_params["classroom_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/classroom.html", {
        **found, "posted": posted, "error": refusal, "topics": GUIDELINE_TOPICS,
        "form": request.url.path.rsplit("/", 1)[-1] if refusal else ""}, status=refusal.status if refusal else 200)


@get("/classrooms/{classroom_id:int}", guards=STAFF)
async def classroom(request: Request, classroom_id: FromPath[int]) -> Response:
    return await _class_page(request)


@post("/classrooms/{classroom_id:int}/activities", guards=STAFF, opt=on_refusal(_class_page))
async def record_activity(request: Request, classroom_id: FromPath[int]) -> Response:
    await services.record_activity(current_viewer(request), classroom_id, await typed(request))
    return redirect(f"/promotion/classrooms/{classroom_id}", flash=_("The activity is recorded."))


@post("/classrooms/{classroom_id:int}/meetings", guards=STAFF, opt=on_refusal(_class_page))
async def schedule_meeting(request: Request, classroom_id: FromPath[int]) -> Response:
    meeting_id = await services.schedule_meeting(current_viewer(request), request.app.state.settings,
                                                 request.app.state.queue, classroom_id, await typed(request))
    return redirect(f"/promotion/meetings/{meeting_id}",
                    flash=_("The meeting is scheduled and the invitations are on their way."))


async def _meeting_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.meeting_page(current_viewer(request), request.path_params["meeting_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/meeting.html", {**found, "posted": posted, "error": refusal,
                                                    "reasons": UNREACHABLE_REASONS, "replies": REPLIES},
                status=refusal.status if refusal else 200)


@get("/meetings/{meeting_id:int}", guards=STAFF)
async def meeting(request: Request, meeting_id: FromPath[int]) -> Response:
    return await _meeting_page(request)


@post("/meetings/{meeting_id:int}/record", guards=STAFF, opt=on_refusal(_meeting_page))
async def record_meeting(request: Request, meeting_id: FromPath[int]) -> Response:
    await services.record_meeting(current_viewer(request), meeting_id, await typed(request))
    return redirect(f"/promotion/meetings/{meeting_id}", flash=_("The meeting is recorded."))


async def _invitations_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.invitations(current_viewer(request))
    return page(request, "promotion/invitations.html", {"meetings": found, "replies": REPLIES, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/invitations", guards=PARENTS)
async def invitations(request: Request) -> Response:
    return await _invitations_page(request)


@post("/meetings/{meeting_id:int}/reply", guards=PARENTS, opt=on_refusal(_invitations_page))
async def reply(request: Request, meeting_id: FromPath[int]) -> Response:
    await services.reply(current_viewer(request), meeting_id, (await typed(request)).get("answer", ""))
    return redirect("/promotion/invitations", flash=_("Thank you: the teacher sees your answer."))


promotion_router = Router(path="/promotion", route_handlers=[
    front, classroom, record_activity, schedule_meeting, meeting, record_meeting, invitations, reply])
