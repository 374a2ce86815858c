"""Behaviour pages: recording an incident or a good deed, a record, a student's year, the behaviour front page."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.exceptions import SerializationException
from litestar.params import FromPath

from backend import clock
from backend.accounts.access import Permission, behaviour_pickable, current_viewer, requires
from backend.behaviour import services
from backend.behaviour.points import CAUSE_LABELS
from backend.behaviour.tables import KIND_LABELS, SANCTION_LABELS, Kind, Sanction
from backend.i18n import N_, Refusal, _, ngettext
from backend.students import services as students
from backend.web import on_refusal, page, redirect, typed

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
    saved = await services.record(current_viewer(request), payload, request.app.state.settings,
                                  request.app.state.queue)  # a rule may fire: guardians told at once
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
    await services.void(current_viewer(request), incident_id, form.get("reason", ""), request.app.state.settings,
                        request.app.state.queue)
    return redirect(f"/behaviour/incidents/{incident_id}", flash=_("The record is void; its points are back."))


@get("/students/{student_id:int}", guards=[requires(Permission.use_behaviour)])
async def student(request: Request, student_id: FromPath[int]) -> Response:
    found = await services.student_behaviour(current_viewer(request), student_id)
    return page(request, "behaviour/student.html", {**found, **LABELS})


behaviour_router = Router(path="/behaviour", route_handlers=[front, new, pick, record, show, void, student])


# The school's behaviour settings and rules that alert (behaviour.configure, behaviour.rules) -------------------------

from backend.behaviour import configure, rules  # noqa: E402 - this section is added to the router above
from backend.behaviour.tables import RuleKind  # noqa: E402

RULE_LABELS = {kind.value: label for kind, label in rules.RULE_LABELS.items()}
DIGEST_POINTER_LABELS = {"off": N_("No pointer"), "push": N_("App notification"), "sms": N_("SMS")}
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


async def _settings_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await configure.settings_page(current_viewer(request))
    posted = await typed(request) if refusal is not None else {}
    return page(request, "behaviour/settings.html", {
        **found, **LABELS, "error": refusal, "posted": posted, "failed": request.url.path if refusal else "",
        "rule_labels": RULE_LABELS, "rule_kinds": [k.value for k in RuleKind], "pointers": DIGEST_POINTER_LABELS,
        "weekdays": WEEKDAYS, "bounds": configure.BOUNDS, "max_points": services.MAX_POINTS,
    }, status=refusal.status if refusal else 200)


@get("/settings", guards=[requires(Permission.manage_behaviour)])
async def settings_page(request: Request) -> Response:
    return await _settings_page(request)


@post("/settings", guards=[requires(Permission.manage_behaviour)], opt=on_refusal(_settings_page))
async def save_settings(request: Request) -> Response:
    await configure.save_settings(current_viewer(request), await typed(request))
    return redirect("/behaviour/settings", flash=_("Saved."))


@post("/settings/rules", guards=[requires(Permission.manage_behaviour)], opt=on_refusal(_settings_page))
async def add_rule(request: Request) -> Response:
    await rules.add_rule(current_viewer(request), await typed(request))
    return redirect("/behaviour/settings#rules", flash=_("The rule is on."))


@post("/settings/rules/{rule_id:int}/off", guards=[requires(Permission.manage_behaviour)],
      opt=on_refusal(_settings_page))
async def turn_off_rule(request: Request, rule_id: FromPath[int]) -> Response:
    await rules.turn_off_rule(current_viewer(request), rule_id)
    return redirect("/behaviour/settings#rules", flash=_("The rule is off."))


@post("/settings/categories", guards=[requires(Permission.manage_behaviour)], opt=on_refusal(_settings_page))
async def add_category(request: Request) -> Response:
    await configure.add_category(current_viewer(request), await typed(request))
    return redirect("/behaviour/settings#categories", flash=_("Saved."))


@post("/settings/categories/{category_id:int}", guards=[requires(Permission.manage_behaviour)],
      opt=on_refusal(_settings_page))
async def edit_category(request: Request, category_id: FromPath[int]) -> Response:
    await configure.edit_category(current_viewer(request), category_id, await typed(request))
    return redirect("/behaviour/settings#categories", flash=_("Saved."))


@post("/settings/categories/{category_id:int}/retire", guards=[requires(Permission.manage_behaviour)],
      opt=on_refusal(_settings_page))
async def retire_category(request: Request, category_id: FromPath[int]) -> Response:
    restore = (await typed(request)).get("restore") == "1"
    await configure.retire_category(current_viewer(request), category_id, retired=not restore)
    return redirect("/behaviour/settings#categories",
                    flash=_("The category is offered again.") if restore else _("The category is retired."))


@post("/firings/{firing_id:int}/seen", guards=[requires(Permission.view_homeroom)])
async def firing_seen(request: Request, firing_id: FromPath[int]) -> Response:
    """The homeroom teacher has read a rule's alert (on their home page)."""
    await rules.mark_seen(current_viewer(request), firing_id)
    return redirect("/")


for _handler in (settings_page, save_settings, add_rule, turn_off_rule, add_category, edit_category,
                 retire_category, firing_seen):
    behaviour_router.register(_handler)
