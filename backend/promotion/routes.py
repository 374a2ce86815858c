"""Promotion pages: the classes' counts, a class's activities and meetings, a meeting's guests and record, a
parent's invitations with their reply, the white classroom (a class's committee and monthly reports, the school's
overview) and the school's guideline documents."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend import i18n
from backend.i18n import Refusal, _
from backend.notify.tables import UNREACHABLE_REASONS
from backend.promotion import guidelines, network, services, white
from backend.promotion.tables import GUIDELINE_TOPICS, NETWORK_ROLE_LABELS, POST_LABELS, REPLY_LABELS
from backend.web import on_refusal, page, redirect, typed

REPLIES = {answer.value: label for answer, label in REPLY_LABELS.items()}
STAFF = [requires(Permission.use_promotion)]
PARENTS = [requires(Permission.answer_meetings)]
WHITE_READERS = [requires(Permission.use_promotion, Permission.view_white_classrooms)]
GUIDELINE_READERS = [requires(Permission.read_guidelines)]
GUIDELINE_KEEPERS = [requires(Permission.manage_guidelines)]
POSTS = {post.value: label for post, label in POST_LABELS.items()}
NETWORK_KEEPERS = [requires(Permission.keep_parent_network)]
NETWORK_STAFF = [requires(Permission.use_promotion, Permission.keep_parent_network)]
SEATS = {role.value: label for role, label in NETWORK_ROLE_LABELS.items()}


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


# The white classroom (promotion.white) -------------------------------------------------------------------------------


def _month_names() -> list[str]:
    return i18n.THAI_MONTHS_SHORT if i18n.current_locale.get() == "th" else i18n.ENGLISH_MONTHS_SHORT


@get("/white-classroom", guards=[requires(Permission.view_white_classrooms)])
async def white_classrooms(request: Request) -> Response:
    found = await white.school_page(current_viewer(request))
    return page(request, "promotion/white_school.html", {**found, "month_names": _month_names()})


async def _white_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await white.class_page(current_viewer(request), request.path_params["classroom_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/white_class.html", {
        **found, "posted": posted, "error": refusal, "posts": POSTS, "month_names": _month_names(),
        "form": request.url.path.rsplit("/", 1)[-1] if refusal else ""}, status=refusal.status if refusal else 200)


@get("/classrooms/{classroom_id:int}/white", guards=WHITE_READERS)
async def white_classroom(request: Request, classroom_id: FromPath[int]) -> Response:
    return await _white_page(request)


@post("/classrooms/{classroom_id:int}/white/committee", guards=STAFF, opt=on_refusal(_white_page))
async def save_committee(request: Request, classroom_id: FromPath[int]) -> Response:
    await white.save_committee(current_viewer(request), classroom_id, await typed(request))
    return redirect(f"/promotion/classrooms/{classroom_id}/white", flash=_("The committee is saved."))


@post("/classrooms/{classroom_id:int}/white/reports", guards=STAFF, opt=on_refusal(_white_page))
async def file_report(request: Request, classroom_id: FromPath[int]) -> Response:
    replaced = await white.file_report(current_viewer(request), classroom_id, await typed(request))
    return redirect(f"/promotion/classrooms/{classroom_id}/white", flash=_(
        "The report replaces the one filed for that month; the earlier one is kept below it.") if replaced else _(
        "The monthly report is filed."))


# Guideline documents (promotion.guidelines) ---------------------------------------------------------------------------


async def _guidelines_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await guidelines.documents(current_viewer(request))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/guidelines.html", {**found, "posted": posted, "error": refusal},
                status=refusal.status if refusal else 200)


async def _upload(request: Request) -> tuple[str, bytes] | None:
    upload = (await request.form()).get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return upload.filename, await upload.read()
    return None


@get("/guidelines", guards=GUIDELINE_READERS)
async def guideline_list(request: Request) -> Response:
    return await _guidelines_page(request)


@post("/guidelines", guards=GUIDELINE_KEEPERS, opt=on_refusal(_guidelines_page),
      request_max_body_size=guidelines.MAX_PDF_BYTES + 65536)
async def add_guideline(request: Request) -> Response:
    document_id = await guidelines.save_document(current_viewer(request), request.app.state.photos,
                                                 await typed(request), await _upload(request))
    return redirect(f"/promotion/guidelines/{document_id}", flash=_("The guideline is saved."))


async def _guideline_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await guidelines.document(current_viewer(request), request.path_params["document_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/guideline.html", {**found, "posted": posted, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/guidelines/{document_id:int}", guards=GUIDELINE_READERS)
async def guideline(request: Request, document_id: FromPath[int]) -> Response:
    return await _guideline_page(request)


@post("/guidelines/{document_id:int}", guards=GUIDELINE_KEEPERS, opt=on_refusal(_guideline_page),
      request_max_body_size=guidelines.MAX_PDF_BYTES + 65536)
async def edit_guideline(request: Request, document_id: FromPath[int]) -> Response:
    await guidelines.save_document(current_viewer(request), request.app.state.photos, await typed(request),
                                   await _upload(request), document_id)
    return redirect(f"/promotion/guidelines/{document_id}", flash=_("The guideline is saved."))


@post("/guidelines/{document_id:int}/retire", guards=GUIDELINE_KEEPERS)
async def retire_guideline(request: Request, document_id: FromPath[int]) -> Response:
    back = (await typed(request)).get("action") == "restore"
    await guidelines.retire(current_viewer(request), document_id, back=back)
    return redirect("/promotion/guidelines", flash=_("The guideline is back in use.") if back else _(
        "The guideline is retired: staff no longer see it in the list."))


@get("/guidelines/{document_id:int}/file", guards=GUIDELINE_READERS)
async def guideline_file(request: Request, document_id: FromPath[int]) -> Response:
    data, filename = await guidelines.pdf(current_viewer(request), request.app.state.photos, document_id)
    # attachment: the phone's own PDF reader opens the saved file (the app's Content-Security-Policy, object-src
    # 'none' on every answer, would blank Chrome's built-in viewer, and no PDF's script runs in the app's origin);
    # private: for the school's staff only, never a shared cache
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"guideline.pdf\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


# The parent network (promotion.network) ------------------------------------------------------------------------------


def _network_context(request: Request, found: dict, refusal: Refusal | None) -> dict:
    return {**found, "error": refusal, "seats": SEATS,
            "form": request.url.path.rsplit("/", 1)[-1] if refusal else ""}


async def _school_network_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await network.school_page(current_viewer(request))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/network.html", {**_network_context(request, found, refusal), "posted": posted},
                status=refusal.status if refusal else 200)


async def _class_network_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await network.class_page(current_viewer(request), request.path_params["classroom_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/network.html", {**_network_context(request, found, refusal), "posted": posted},
                status=refusal.status if refusal else 200)


def _network_of(classroom_id: int | None) -> str:
    return f"/promotion/classrooms/{classroom_id}/network" if classroom_id else "/promotion/network"


@get("/network", guards=NETWORK_KEEPERS)
async def school_network(request: Request) -> Response:
    return await _school_network_page(request)


@post("/network/members", guards=NETWORK_KEEPERS, opt=on_refusal(_school_network_page))
async def save_school_member(request: Request) -> Response:
    await network.save_member(current_viewer(request), None, await typed(request))
    return redirect("/promotion/network", flash=_("The committee is saved."))


@post("/network/meetings", guards=NETWORK_KEEPERS, opt=on_refusal(_school_network_page))
async def schedule_school_committee(request: Request) -> Response:
    meeting_id = await network.schedule(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                        None, await typed(request))
    return redirect(f"/promotion/network/meetings/{meeting_id}",
                    flash=_("The meeting is called and the invitations are on their way."))


@get("/classrooms/{classroom_id:int}/network", guards=NETWORK_STAFF)
async def class_network(request: Request, classroom_id: FromPath[int]) -> Response:
    return await _class_network_page(request)


@post("/classrooms/{classroom_id:int}/network/members", guards=STAFF, opt=on_refusal(_class_network_page))
async def save_class_member(request: Request, classroom_id: FromPath[int]) -> Response:
    await network.save_member(current_viewer(request), classroom_id, await typed(request))
    return redirect(_network_of(classroom_id), flash=_("The committee is saved."))


@post("/classrooms/{classroom_id:int}/network/meetings", guards=STAFF, opt=on_refusal(_class_network_page))
async def schedule_class_committee(request: Request, classroom_id: FromPath[int]) -> Response:
    meeting_id = await network.schedule(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                        classroom_id, await typed(request))
    return redirect(f"/promotion/network/meetings/{meeting_id}",
                    flash=_("The meeting is called and the invitations are on their way."))


@post("/network/members/{member_id:int}/end", guards=NETWORK_STAFF)
async def end_term(request: Request, member_id: FromPath[int]) -> Response:
    member = await network.end_term(current_viewer(request), member_id)
    return redirect(_network_of(member["classroom"]), flash=_("The member's term has ended; it stays in the history."))


async def _network_meeting_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await network.meeting_page(current_viewer(request), request.path_params["committee_meeting_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "promotion/network_meeting.html", {
        **found, "posted": posted, "error": refusal, "reasons": UNREACHABLE_REASONS, "replies": REPLIES},
        status=refusal.status if refusal else 200)


@get("/network/meetings/{committee_meeting_id:int}", guards=NETWORK_STAFF)
async def network_meeting(request: Request, committee_meeting_id: FromPath[int]) -> Response:
    return await _network_meeting_page(request)


@post("/network/meetings/{committee_meeting_id:int}/invite", guards=NETWORK_STAFF,
      opt=on_refusal(_network_meeting_page))
async def invite_members(request: Request, committee_meeting_id: FromPath[int]) -> Response:
    invited = await network.invite_new_members(current_viewer(request), request.app.state.settings,
                                               request.app.state.queue, committee_meeting_id)
    return redirect(f"/promotion/network/meetings/{committee_meeting_id}", flash=_(
        "The members named since are invited.") if invited else _("Every member is invited already."))


@post("/network/meetings/{committee_meeting_id:int}/record", guards=NETWORK_STAFF,
      opt=on_refusal(_network_meeting_page))
async def record_network_meeting(request: Request, committee_meeting_id: FromPath[int]) -> Response:
    await network.record(current_viewer(request), committee_meeting_id, await typed(request))
    return redirect(f"/promotion/network/meetings/{committee_meeting_id}", flash=_("The meeting is recorded."))


async def _my_network_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await network.member_page(current_viewer(request))
    return page(request, "promotion/network_mine.html", {"committees": found, "seats": SEATS, "replies": REPLIES,
                                                         "error": refusal}, status=refusal.status if refusal else 200)


@get("/network/mine", guards=PARENTS)
async def my_network(request: Request) -> Response:
    return await _my_network_page(request)


@post("/network/meetings/{committee_meeting_id:int}/reply", guards=PARENTS, opt=on_refusal(_my_network_page))
async def reply_network(request: Request, committee_meeting_id: FromPath[int]) -> Response:
    await network.reply(current_viewer(request), committee_meeting_id, (await typed(request)).get("answer", ""))
    return redirect("/promotion/network/mine", flash=_("Thank you: the committee's keeper sees your answer."))


promotion_router = Router(path="/promotion", route_handlers=[
    front, classroom, record_activity, schedule_meeting, meeting, record_meeting, invitations, reply,
    white_classrooms, white_classroom, save_committee, file_report,
    guideline_list, add_guideline, guideline, edit_guideline, retire_guideline, guideline_file,
    school_network, save_school_member, schedule_school_committee, class_network, save_class_member,
    schedule_class_committee, end_term, network_meeting, invite_members, record_network_meeting, my_network,
    reply_network])
