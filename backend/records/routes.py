"""A student's page: the cumulative record by section, visits, and the timeline; parents' corrections."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.i18n import _
from backend.records import services
from backend.attendance.tables import STATUS_LABELS
from backend.records.sections import LIVES_WITH, SECTIONS, Invalid
from backend.visits.form import FORM
from backend.visits import services as visits
from backend.web import page, redirect


async def _student_page(request: Request, student_id: int, errors: dict | None = None, failed: str | None = None,
                        status: int = 200, posted: dict | None = None) -> Response:
    """The student's page; after a refused form, that form shows again with what was typed and what to fix."""
    viewer = current_viewer(request)
    try:
        record = await services.student_record(viewer, student_id)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not found"), "message": _(error.message)}, status=error.status)
    return page(request, "records/student.html", {
        **record, "timeline": await services.timeline(viewer, student_id),
        "visit_list": await visits.visits_of(viewer, record["student"]),
        "errors": errors or {}, "failed": failed, "posted": posted or {}, "visit_sections": FORM, "lives_with_options": LIVES_WITH,
        "attendance_labels": {status.value: label for status, label in STATUS_LABELS.items()},
    }, status=status)


@get("/{student_id:int}", guards=[requires_sign_in])
async def student_page(request: Request, student_id: FromPath[int]) -> Response:
    return await _student_page(request, student_id)


@post("/{student_id:int}/sections/{section:str}", guards=[requires_sign_in])
async def save_section(request: Request, student_id: FromPath[int], section: FromPath[str]) -> Response:
    raw = dict((await request.form()).items())
    try:
        changed = await services.save_section(current_viewer(request), student_id, section, raw)
    except Invalid as invalid:
        return await _student_page(request, student_id, invalid.errors, failed=section, status=422, posted=raw)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not allowed"), "message": _(error.message)},
                    status=error.status)
    return redirect(f"/records/{student_id}#{section}", flash=_("Saved.") if changed else _("Nothing had changed."))


@post("/{student_id:int}/parent", guards=[requires_sign_in])
async def parent_correction(request: Request, student_id: FromPath[int]) -> Response:
    raw = dict((await request.form()).items())
    try:
        await services.parent_correction(current_viewer(request), student_id, raw)
    except Invalid as invalid:
        return await _student_page(request, student_id, invalid.errors, failed="parent", status=422, posted=raw)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not allowed"), "message": _(error.message)},
                    status=error.status)
    return redirect(f"/records/{student_id}", flash=_("Thank you. The homeroom teacher will see your correction."))


@get("/{student_id:int}/sections/{section:str}/history", guards=[requires_sign_in])
async def history(request: Request, student_id: FromPath[int], section: FromPath[str]) -> Response:
    viewer = current_viewer(request)
    try:
        student = await services.get_student(viewer, student_id)
        entries = await services.section_history(viewer, student_id, section)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not allowed"), "message": _(error.message)},
                    status=error.status)
    return page(request, "records/history.html", {"student": student, "entries": entries,
                                                  "section": services.SECTIONS[section]})


@get("/{student_id:int}/reads", guards=[requires_sign_in])
async def reads(request: Request, student_id: FromPath[int]) -> Response:
    viewer = current_viewer(request)
    try:
        student = await services.get_student(viewer, student_id)
        rows = await services.reads_of(viewer, student_id)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not allowed"), "message": _(error.message)},
                    status=error.status)
    return page(request, "records/reads.html", {"student": student, "rows": rows, "sections": SECTIONS})


@get("/sharing", guards=[requires(Permission.manage_school)])
async def sharing_page(request: Request) -> Response:
    return page(request, "records/sharing.html", {"rows": services.parent_sharing(current_viewer(request))})


@post("/sharing", guards=[requires(Permission.manage_school)])
async def share_with_parents(request: Request) -> Response:
    ticked = (await request.form()).getall("sections", [])
    try:
        await services.share_with_parents(current_viewer(request), ticked)
    except services.RecordError as error:
        return page(request, "error.html", {"title": _("Not allowed"), "message": _(error.message)},
                    status=error.status)
    return redirect("/records/sharing", flash=_("Saved."))


records_router = Router(path="/records", route_handlers=[student_page, save_section, parent_correction, history,
                                                           reads, sharing_page, share_with_parents])
