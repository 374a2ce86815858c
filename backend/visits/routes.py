"""The visit form (it works offline), the endpoints its queue sends to, photos, and visit progress."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response, Router, get, post, put
from litestar.exceptions import SerializationException
from litestar.params import FromPath, FromQuery

from backend.accounts.access import (Permission, current_viewer, reads_all_visits, requires, requires_sign_in,
                                     sees_school_visits)
from backend.i18n import N_, _
from backend.visits import services
from backend.visits.form import FORM
from backend.web import page, redirect


@get("/", guards=[requires(Permission.use_visits)])
async def progress(request: Request, view: FromQuery[str] = "") -> Response:
    """A homeroom teacher's own room; the school's table for executives and counsellors (?view=school for one who
    also keeps a homeroom)."""
    viewer = current_viewer(request)
    school = sees_school_visits(viewer)
    if viewer.classroom_ids and not (school and view == "school"):
        return page(request, "visits/progress.html", {"rows": await services.homeroom_progress(viewer),
                                                      "label": "", "records": True, "school_link": school})
    if school:
        return page(request, "visits/school.html", {"rows": await services.school_progress(viewer),
                                                    "drill": reads_all_visits(viewer)})
    return redirect("/")


@get("/classrooms/{classroom_id:int}", guards=[requires_sign_in])
async def classroom_progress(request: Request, classroom_id: FromPath[int]) -> Response:
    viewer = current_viewer(request)
    found = await services.classroom_progress(viewer, classroom_id)
    return page(request, "visits/progress.html", {**found, "records": viewer.keeps_homeroom(classroom_id),
                                                  "school_link": True})


@get("/form", guards=[requires(Permission.view_homeroom)])
async def form(request: Request, student: FromQuery[int] = 0) -> Response:
    viewer = current_viewer(request)
    return page(request, "visits/form.html", {"students": await services.form_students(viewer), "sections": FORM,
                                              "chosen": student})


@post("/sync", guards=[requires(Permission.view_homeroom)])
async def sync(request: Request) -> Response:
    """One visit from the phone's queue (JSON): 200 or 201 with its id, or (through the app's refusal handler) 422
    naming the fields to fix. A plain form post (a phone without JavaScript) gets pages instead."""
    plain_form = request.content_type[0] != "application/json"
    try:
        payload = dict((await request.form()).items()) if plain_form else await request.json()
    except (ValueError, SerializationException, msgspec.DecodeError):  # broken JSON, or not UTF-8
        payload = None
    if not isinstance(payload, dict):
        raise services.VisitError(N_("The visit could not be read. Save it again."), status=400)
    if plain_form and not payload.get("client_id"):
        payload["client_id"] = uuid.uuid4().hex
    saved = await services.save_visit(current_viewer(request), payload)
    if plain_form:
        return redirect("/visits", flash=_("The visit is saved."))
    return Response(saved, status_code=201 if saved["created"] else 200)


@put("/{visit_id:str}/photos/{photo_id:str}", guards=[requires(Permission.view_homeroom)],
     request_max_body_size=services.MAX_PHOTO_BYTES + 1024)
async def upload_photo(request: Request, visit_id: FromPath[str], photo_id: FromPath[str],
                       kind: FromQuery[str] = "other") -> Response:
    saved = await services.save_photo(current_viewer(request), request.app.state.photos, visit_id, photo_id, kind,
                                      await request.body())
    return Response(saved, status_code=201 if saved["created"] else 200)


@get("/photos/{photo_id:int}", guards=[requires_sign_in])
async def show_photo(request: Request, photo_id: FromPath[int]) -> Response:
    data, content_type = await services.photo(current_viewer(request), request.app.state.photos, photo_id)
    # private: a home's photo must not sit in a shared cache
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})


visits_router = Router(path="/visits", route_handlers=[progress, classroom_progress, form, sync, upload_photo,
                                                        show_photo])
