"""A student's page: the cumulative record by section, visits, and the timeline; parents' corrections."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.accounts.tables import READ_LABELS
from backend.attendance.tables import STATUS_LABELS
from backend.care import services as care, talent
from backend.care.tables import LEVEL_LABELS, TALENT_LABELS
from backend.i18n import Refusal, _
from backend import printing
from backend.records import services, summary
from backend.records.sections import LIVES_WITH, SECTIONS
from backend.visits import services as visits
from backend.visits.form import FORM
from backend.web import on_refusal, page, redirect, typed



async def _student_page(request: Request, student_id: int, error: Refusal | None = None, failed: str | None = None,
                        posted: dict | None = None) -> Response:
    """The student's page; after a refused form, that form shows again with what was typed and what to fix."""
    viewer = current_viewer(request)
    record = await services.student_record(viewer, student_id)
    return page(request, "records/student.html", {
        **record, "timeline": await services.timeline(viewer, student_id, request.app.state.timeline_sources),
        "visit_list": await visits.visits_of(viewer, record["student"]),
        "talent": await talent.for_student_page(viewer, record["student"]),  # a special student's plan, achievements
        "family_notes": await care.notes_for_family(viewer, record["student"]),  # what the case team shares
        "errors": error.errors if error else {}, "failed": failed, "posted": posted or {}, "visit_sections": FORM,
        "lives_with_options": LIVES_WITH,
        "attendance_labels": {status.value: label for status, label in STATUS_LABELS.items()},
        "talent_labels": {k.value: v for k, v in TALENT_LABELS.items()},
        "level_labels": {k.value: v for k, v in LEVEL_LABELS.items()},
    }, status=error.status if error else 200)


async def _section_refused(request: Request, refusal: Refusal) -> Response:
    failed = request.path_params.get("section", "parent")
    return await _student_page(request, request.path_params["student_id"], refusal, failed, await typed(request))


@get("/{student_id:int}", guards=[requires_sign_in])
async def student_page(request: Request, student_id: FromPath[int]) -> Response:
    return await _student_page(request, student_id)


@post("/{student_id:int}/sections/{section:str}", guards=[requires_sign_in], opt=on_refusal(_section_refused))
async def save_section(request: Request, student_id: FromPath[int], section: FromPath[str]) -> Response:
    changed = await services.save_section(current_viewer(request), student_id, section, await typed(request))
    return redirect(f"/records/{student_id}#{section}", flash=_("Saved.") if changed else _("Nothing had changed."))


@post("/{student_id:int}/parent", guards=[requires_sign_in], opt=on_refusal(_section_refused))
async def parent_correction(request: Request, student_id: FromPath[int]) -> Response:
    await services.parent_correction(current_viewer(request), student_id, await typed(request))
    return redirect(f"/records/{student_id}", flash=_("Thank you. The homeroom teacher will see your correction."))


@get("/{student_id:int}/sections/{section:str}/history", guards=[requires_sign_in])
async def history(request: Request, student_id: FromPath[int], section: FromPath[str]) -> Response:
    viewer = current_viewer(request)
    student = await services.get_student(viewer, student_id)
    entries = await services.section_history(viewer, student_id, section)
    return page(request, "records/history.html", {"student": student, "entries": entries,
                                                  "section": services.SECTIONS[section]})


@get("/{student_id:int}/reads", guards=[requires_sign_in])
async def reads(request: Request, student_id: FromPath[int]) -> Response:
    viewer = current_viewer(request)
    student = await services.get_student(viewer, student_id)
    rows = await services.reads_of(viewer, student_id)
    return page(request, "records/reads.html", {"student": student, "rows": rows, "sections": SECTIONS,
                                                "read_labels": READ_LABELS})


@get("/{student_id:int}/summary", guards=[requires_sign_in])
async def summary_page(request: Request, student_id: FromPath[int], format: FromQuery[str] = "html") -> Response:
    """The student's care summary (แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล); ?format=pdf: the same on A4."""
    found = await summary.student_summary(current_viewer(request), student_id)
    if format == "pdf":
        return printing.response(await summary.pdf([found]), f"summary-{found.student['code']}.pdf")
    return page(request, "records/summary.html", {"summary": found})


@get("/classrooms/{classroom_id:int}/summaries", guards=[requires_sign_in])
async def class_summaries(request: Request, classroom_id: FromPath[int], format: FromQuery[str] = "html") -> Response:
    """The class's students, each to their summary; ?format=pdf: all of them, one A4 page each in number order."""
    viewer = current_viewer(request)
    if format == "pdf":
        room, found = await summary.classroom_summaries(viewer, classroom_id)
        return printing.response(await summary.pdf(found), f"summaries-{room['label'].replace('/', '-')}.pdf")
    return page(request, "records/summaries.html", await summary.class_list(viewer, classroom_id))


@get("/sharing", guards=[requires(Permission.manage_school)])
async def sharing_page(request: Request) -> Response:
    return page(request, "records/sharing.html", {"rows": services.parent_sharing(current_viewer(request))})


@post("/sharing", guards=[requires(Permission.manage_school)])
async def share_with_parents(request: Request) -> Response:
    await services.share_with_parents(current_viewer(request), (await request.form()).getall("sections", []))
    return redirect("/records/sharing", flash=_("Saved."))


records_router = Router(path="/records", route_handlers=[student_page, save_section, parent_correction, history,
                                                           reads, summary_page, class_summaries, sharing_page,
                                                           share_with_parents])
