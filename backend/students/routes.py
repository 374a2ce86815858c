"""Roster import for the admin, the homeroom list for teachers."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import N_, Refusal, _, format_date, ngettext
from backend.students import enrolment, rollover, services
from backend.students.columns import FIELDS, field_label
from backend.students.tables import LEAVE_REASON_LABELS
from backend.students.phones import display_phone
from backend.web import on_refusal, page, redirect, typed


async def _import_page(request: Request, refusal: Refusal | None = None) -> Response:
    return page(request, "students/import.html", {"preview": None, "error": refusal},
                status=refusal.status if refusal else 200)


def _preview_page(request: Request, preview: services.RosterPreview) -> Response:
    return page(request, "students/import.html", {"preview": preview, "error": None, "fields": list(FIELDS)},
                status=422 if preview.errors else 200)


@get("/import", guards=[requires(Permission.manage_roster)])
async def import_page(request: Request) -> Response:
    return await _import_page(request)


@post("/import", guards=[requires(Permission.manage_roster)], request_max_body_size=services.MAX_UPLOAD_BYTES + 65536,
      opt=on_refusal(_import_page))
async def preview_import(request: Request) -> Response:
    # Read the form by hand: a missing file must get the page with a message, not a bare 400.
    upload = (await request.form()).get("data")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise services.RosterError(N_("Choose a CSV or Excel (.xlsx) file."))
    preview = await services.preview_roster(current_viewer(request), upload.filename, await upload.read())
    return _preview_page(request, preview)


@post("/import/{upload_id:int}/columns", guards=[requires(Permission.manage_roster)], opt=on_refusal(_import_page))
async def map_columns(request: Request, upload_id: FromPath[int]) -> Response:
    form = await typed(request)
    choices = {name.removeprefix("column-"): value for name, value in form.items() if name.startswith("column-")}
    preview = await services.map_columns(current_viewer(request), upload_id, choices, form.get("sheet", ""))
    return _preview_page(request, preview)


@post("/import/{upload_id:int}/apply", guards=[requires(Permission.manage_roster)])
async def apply_import(request: Request, upload_id: FromPath[int]) -> Response:
    same_person = set((await request.form()).getall("same", []))
    plan = await services.apply_roster(current_viewer(request), upload_id, same_person)
    return redirect("/", flash=ngettext("Roster imported: %(num)s new student.",
                                        "Roster imported: %(num)s new students.", len(plan.new_students)))


@get("/homeroom", guards=[requires(Permission.view_homeroom)])
async def homeroom(request: Request) -> Response:
    rooms = await services.list_homerooms(current_viewer(request))
    return page(request, "students/homeroom.html", {"rooms": rooms})


# The admin's changes, one student at a time (students.enrolment) ---------------------------------------------------

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
ADMIN = [requires(Permission.manage_roster)]


@get("/classrooms", guards=ADMIN)
async def classrooms_page(request: Request) -> Response:
    return page(request, "students/classrooms.html", {"classrooms": await enrolment.classrooms(
        current_viewer(request))})


@get("/classrooms/{classroom_id:int}", guards=ADMIN)
async def classroom_page(request: Request, classroom_id: FromPath[int]) -> Response:
    return page(request, "students/classroom.html", await enrolment.classroom_students(current_viewer(request),
                                                                                       classroom_id))


async def _edit_page(request: Request, refusal: Refusal | None = None) -> Response:
    student_id = request.path_params["student_id"]
    failed = request.url.path.rsplit("/", 1)[-1] if refusal else None  # edit, leave or readmit
    return page(request, "students/edit.html", {
        **await enrolment.student_page(current_viewer(request), student_id), "error": refusal, "failed": failed,
        "posted": await typed(request) if refusal else {}, "reasons": LEAVE_REASON_LABELS},
        status=refusal.status if refusal else 200)


@get("/{student_id:int}/edit", guards=ADMIN)
async def edit_page(request: Request, student_id: FromPath[int]) -> Response:
    return await _edit_page(request)


@post("/{student_id:int}/edit", guards=ADMIN, opt=on_refusal(_edit_page))
async def edit_student(request: Request, student_id: FromPath[int],
                       data: Annotated[enrolment.StudentChange, Form]) -> Response:
    changed = await enrolment.edit_student(current_viewer(request), student_id, data)
    return redirect(f"/students/{student_id}/edit", flash=_("Saved.") if changed else _("Nothing had changed."))


@post("/{student_id:int}/leave", guards=ADMIN, opt=on_refusal(_edit_page))
async def record_leaving(request: Request, student_id: FromPath[int],
                         data: Annotated[enrolment.Leaving, Form]) -> Response:
    day = await enrolment.record_leaving(current_viewer(request), student_id, data)
    return redirect(f"/students/{student_id}/edit", flash=_(
        "Recorded. From %(day)s the student is on no register or list; their history stays.", day=format_date(day)))


@post("/{student_id:int}/readmit", guards=ADMIN, opt=on_refusal(_edit_page))
async def readmit(request: Request, student_id: FromPath[int], data: Annotated[enrolment.Arrival, Form]) -> Response:
    await enrolment.readmit(current_viewer(request), student_id, data)
    return redirect(f"/students/{student_id}/edit", flash=_("Re-admitted."))


@get("/leavers", guards=ADMIN)
async def leavers_page(request: Request) -> Response:
    return page(request, "students/leavers.html", {"leavers": await enrolment.list_leavers(current_viewer(request)),
                                                   "reasons": LEAVE_REASON_LABELS})


async def _new_page(request: Request, refusal: Refusal | None = None) -> Response:
    return page(request, "students/new.html", {
        "classrooms": await enrolment.classrooms(current_viewer(request)), "error": refusal,
        "posted": await typed(request) if refusal else {}}, status=refusal.status if refusal else 200)


@get("/new", guards=ADMIN)
async def new_page(request: Request) -> Response:
    return await _new_page(request)


@post("/new", guards=ADMIN, opt=on_refusal(_new_page))
async def add_student(request: Request, data: Annotated[enrolment.Arrival, Form]) -> Response:
    student_id = await enrolment.add_student(current_viewer(request), data)
    return redirect(f"/students/{student_id}/edit", flash=_("Added to the classroom."))


# The year-end roll-over (students.rollover) -------------------------------------------------------------------------


async def _posted(request: Request) -> dict[str, str]:
    return {key: value for key, value in (await typed(request)).items() if isinstance(value, str)}


def _year_end(request: Request, found: rollover.Plan, refusal: Refusal | None = None) -> Response:
    if refusal is None and found.errors:
        refusal = rollover.RolloverError(N_("Check the fields marked."), errors=found.errors, **found.values)
    return page(request, "students/year_end.html", {
        "plan": found, "error": refusal, "reasons": LEAVE_REASON_LABELS, "orders": ROLLOVER_ORDERS,
        "homeroom_choices": HOMEROOM_CHOICES}, status=refusal.status if refusal else 200)


ROLLOVER_ORDERS = {"sex_name": N_("Boys then girls, each by first name"), "name": N_("By first name"),
                   "keep": N_("Keep this year's order")}
HOMEROOM_CHOICES = {"follow": N_("Homeroom teachers move up with their class"),
                    "room": N_("Homeroom teachers stay with their room"), "none": N_("Assign homerooms later")}


async def _year_end_refused(request: Request, refusal: Refusal) -> Response:
    return _year_end(request, await rollover.plan(current_viewer(request), await _posted(request)), refusal)


@get("/year-end", guards=ADMIN)
async def year_end_page(request: Request) -> Response:
    return _year_end(request, await rollover.plan(current_viewer(request), {}))


@post("/year-end", guards=ADMIN, request_max_body_size=rollover.MAX_MAPPING_BYTES + 65536)
async def year_end_preview(request: Request) -> Response:
    """The preview again with the admin's choices (and a file of room changes, if one is sent); nothing written."""
    upload = (await request.form()).get("mapping")
    mapping = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    return _year_end(request, await rollover.plan(current_viewer(request), await _posted(request), mapping))


@post("/year-end/apply", guards=ADMIN, opt=on_refusal(_year_end_refused))
async def year_end_apply(request: Request) -> Response:
    found = await rollover.apply(current_viewer(request), await _posted(request))
    return redirect("/students/year-end", flash=_(
        "Rolled over into %(year)s: %(promoted)s promoted, %(repeated)s repeating, %(graduated)s graduated, "
        "%(left)s left.", year=found.to_year_be, promoted=found.count("promote"), repeated=found.count("repeat"),
        graduated=found.count("graduate"), left=found.count("leave")))


template_filters = {"phone": display_phone, "field_label": field_label}

roster_router = Router(path="/roster", route_handlers=[import_page, preview_import, map_columns, apply_import])
students_router = Router(path="/students", route_handlers=[
    homeroom, classrooms_page, classroom_page, edit_page, edit_student, record_leaving, readmit, leavers_page,
    new_page, add_student, year_end_page, year_end_preview, year_end_apply,
])
