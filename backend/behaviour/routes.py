"""Behaviour pages: recording an incident or a good deed, a record, a student's year, the behaviour front page."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.exceptions import SerializationException
from litestar.params import FromPath

from backend import clock
from backend.accounts.access import Permission, behaviour_pickable, current_viewer, requires
from backend.behaviour import digest, services
from backend.behaviour.points import CAUSE_LABELS
from backend.behaviour.tables import KIND_LABELS, SANCTION_LABELS, Kind, Sanction
from backend.screening.tables import GROUP_LABELS
from backend.i18n import N_, Refusal, _, ngettext
from backend.students import services as students
from backend.web import on_refusal, page, redirect, typed

GROUP_NAMES = {group.value: label for group, label in GROUP_LABELS.items()}
LABELS = {"kinds": {k.value: v for k, v in KIND_LABELS.items()},
          "sanctions": {s.value: v for s, v in SANCTION_LABELS.items()},
          "causes": {c.value: v for c, v in CAUSE_LABELS.items()}}


@get("/", guards=[requires(Permission.use_behaviour)])
async def front(request: Request) -> Response:
    viewer = current_viewer(request)
    if not viewer.is_staff:
        children = await students.list_children(viewer)
        if len(children) == 1:
            return redirect(f"/behaviour/students/{children[0]['id']}")
        return page(request, "behaviour/front.html", {"children": children, "mine": [], **LABELS})
    mine = await services.recorded_by_me(viewer) if viewer.can(Permission.record_behaviour) else []
    return page(request, "behaviour/front.html", {"children": [], "mine": mine, **LABELS})


async def _form_page(request: Request, refusal: Refusal | None = None, block: str | None = None) -> Response:
    """The recording form: as typed, with the students chosen so far and those just found."""
    viewer = current_viewer(request)
    posted = await typed(request) if request.method == "POST" else dict(request.query_params)
    chosen_ids = request.query_params.getall("students", []) if request.method == "GET" else (
        (await request.form()).getall("students", []))
    kind = Kind.good_deed if posted.get("kind") == Kind.good_deed.value else Kind.incident
    chosen = await students.list_by_ids(viewer, [int(s) for s in chosen_ids if s.isdigit() and len(s) < 12],
                                        among=behaviour_pickable(viewer))
    found = await services.student_choices(viewer, posted.get("q", "")) if posted.get("q") else None
    return page(request, "behaviour/form.html", {
        "kind": kind.value, "posted": posted, "error": refusal, "chosen": chosen, "found": found,
        "categories": await services.categories(viewer.school_id, kind),
        "client_id": posted.get("client_id") or uuid.uuid4().hex,
        "now": clock.now().astimezone(clock.SCHOOL_TIME).strftime("%Y-%m-%dT%H:%M"), **LABELS,
        "sanction_order": [s.value for s in Sanction],
    }, status=refusal.status if refusal else 200, block=block)


@get("/new", guards=[requires(Permission.record_behaviour)])
async def new(request: Request) -> Response:
    return await _form_page(request)


@get("/pick", guards=[requires(Permission.record_behaviour)])
async def pick(request: Request) -> Response:
    """Students found as the teacher types, as boxes to tick into the form (htmx; the whole form without it)."""
    return await _form_page(request, block="found")


@post("/incidents", guards=[requires(Permission.record_behaviour)], opt=on_refusal(_form_page))
async def record(request: Request) -> Response:
    """A record from the form, or (JSON) from the phone's offline queue: 201/200 with its id."""
    as_json = request.content_type[0] == "application/json"
    if as_json:
        try:
            payload = await request.json()
        except (ValueError, SerializationException, msgspec.DecodeError):
            payload = None
        if not isinstance(payload, dict):
            raise services.BehaviourError(N_("The record could not be read. Save it again."), status=400)
    else:
        form = await request.form()
        payload = {**dict(form.items()), "students": form.getall("students", [])}
    saved = await services.record(current_viewer(request), payload)
    if as_json:
        return Response({"id": saved.incident_id, "created": saved.created},
                        status_code=201 if saved.created else 200)
    floored = [line for line in saved.lines if line["applied"] != line["requested"]]
    message = _("Saved.") if not floored else ngettext(
        "Saved. %(num)s balance stopped at 0: points never go below 0.",
        "Saved. %(num)s balances stopped at 0: points never go below 0.", len(floored))
    return redirect(f"/behaviour/incidents/{saved.incident_id}", flash=message)


async def _incident_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.incident(current_viewer(request), request.path_params["incident_id"])
    return page(request, "behaviour/incident.html", {**found, **LABELS, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/incidents/{incident_id:int}", guards=[requires(Permission.use_behaviour)])
async def show(request: Request, incident_id: FromPath[int]) -> Response:
    return await _incident_page(request)


@post("/incidents/{incident_id:int}/void", guards=[requires(Permission.record_behaviour)],
      opt=on_refusal(_incident_page))
async def void(request: Request, incident_id: FromPath[int]) -> Response:
    form = await typed(request)
    await services.void(current_viewer(request), incident_id, form.get("reason", ""))
    return redirect(f"/behaviour/incidents/{incident_id}", flash=_("The record is void; its points are back."))


@get("/students/{student_id:int}", guards=[requires(Permission.use_behaviour)])
async def student(request: Request, student_id: FromPath[int]) -> Response:
    found = await services.student_behaviour(current_viewer(request), student_id)
    return page(request, "behaviour/student.html", {**found, **LABELS})


# The homeroom teacher's weekly digest ---------------------------------------------------------------------------


@get("/digests", guards=[requires(Permission.use_behaviour)])
async def digests(request: Request) -> Response:
    found = await digest.list_digests(current_viewer(request))
    return page(request, "behaviour/digests.html", {"digests": found})


@get("/digests/{digest_id:int}", guards=[requires(Permission.use_behaviour)])
async def one_digest(request: Request, digest_id: FromPath[int]) -> Response:
    found = await digest.get_digest(current_viewer(request), digest_id)
    return page(request, "behaviour/digest.html", {"digest": found, "group_labels": GROUP_NAMES, **LABELS})


behaviour_router = Router(path="/behaviour", route_handlers=[front, new, pick, record, show, void, student,
                                                                 digests, one_digest])
