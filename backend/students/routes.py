"""Roster import for the admin, the homeroom list for teachers."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import N_, Refusal, ngettext
from backend.students import services
from backend.students.columns import FIELDS, field_label
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


template_filters = {"phone": display_phone, "field_label": field_label}

roster_router = Router(path="/roster", route_handlers=[import_page, preview_import, map_columns, apply_import])
students_router = Router(path="/students", route_handlers=[homeroom])
