"""Behaviour pages: recording an incident or a good deed, a record, a student's year, the behaviour front page."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response, Router, get, post, put
from litestar.exceptions import SerializationException
from litestar.params import FromPath, FromQuery

from backend import clock, i18n
from backend.accounts.access import (Permission, behaviour_pickable, behaviour_rooms, current_viewer, requires,
                                     sees_school_behaviour)
from backend.behaviour import configure, digest, family, offline, reports, rules, services
from backend.behaviour.points import CAUSE_LABELS
from backend.behaviour.tables import KIND_LABELS, SANCTION_LABELS, Kind, RuleKind, Sanction
from backend.screening.tables import GROUP_LABELS
from backend.i18n import N_, Refusal, _, ngettext
from backend.students import services as students
from backend.visits.services import MAX_PHOTO_BYTES
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
        return page(request, "behaviour/front.html", {"children": children, "mine": [], "school": None,
                                                      "rooms": None, **LABELS})
    mine = await reports.recorded_by_me(viewer) if viewer.can(Permission.record_behaviour) else []
    # The discipline officer's (and executives') workspace, or a homeroom teacher's or grade head's week.
    school = await reports.workspace(viewer) if sees_school_behaviour(viewer) else None
    rooms = await reports.homeroom_week(viewer) if school is None and behaviour_rooms(viewer) else None
    return page(request, "behaviour/front.html", {"children": [], "mine": mine, "school": school, "rooms": rooms,
                                                  **LABELS})


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
        "class_lists": await offline.class_lists(viewer) if block is None else [],
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
    found = await family.incident_page(current_viewer(request), request.path_params["incident_id"])
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
    found = await family.student_page(current_viewer(request), student_id)
    return page(request, "behaviour/student.html", {**found, **LABELS})


# Notices to families: acknowledgements, the probation letter, community service, photos (family.py) ----------------


def _back(line: dict, request: Request) -> str:
    """Back where the button was: the student's page or the record's."""
    if request.query_params.get("back") == "student":
        return f"/behaviour/students/{line['student']}"
    return f"/behaviour/incidents/{line['incident']}"


@post("/lines/{line_id:int}/acknowledge", guards=[requires(Permission.use_behaviour)])
async def acknowledge(request: Request, line_id: FromPath[int]) -> Response:
    """A guardian has read their child's incident (in the app)."""
    line = await family.acknowledge(current_viewer(request), line_id)
    return redirect(_back(line, request), flash=_("Thank you: the school sees that you have read it.")
                    if line["changed"] else _("This was already acknowledged."))


@get("/lines/{line_id:int}/probation", guards=[requires(Permission.record_behaviour)])
async def probation_letter(request: Request, line_id: FromPath[int]) -> Response:
    """The written probation as an A4 page to print and sign."""
    letter = await family.probation_letter(current_viewer(request), line_id)
    return page(request, "behaviour/probation.html", {**letter, **LABELS})


@post("/lines/{line_id:int}/paper", guards=[requires(Permission.record_behaviour)])
async def acknowledged_on_paper(request: Request, line_id: FromPath[int]) -> Response:
    """The guardian signed the probation letter."""
    line = await family.acknowledge_on_paper(current_viewer(request), line_id)
    return redirect(_back(line, request), flash=_("The guardian's signature is recorded.")
                    if line["changed"] else _("This was already acknowledged."))


@post("/lines/{line_id:int}/service", guards=[requires(Permission.record_behaviour)])
async def service_done(request: Request, line_id: FromPath[int]) -> Response:
    """Community service hours done and signed off: their points come back."""
    done = await family.sign_off_service(current_viewer(request), line_id)
    return redirect(_back(done, request), flash=ngettext(
        "Signed off: %(hours)s h of community service, %(num)s point back.",
        "Signed off: %(hours)s h of community service, %(num)s points back.", done["points"],
        hours=done["service_hours"]))


@put("/uploads/{incident_key:str}/{photo_key:str}", guards=[requires(Permission.record_behaviour)],
     request_max_body_size=MAX_PHOTO_BYTES + 1024)
async def upload_photo(request: Request, incident_key: FromPath[str], photo_key: FromPath[str]) -> Response:
    """A record's photo from the phone's queue, after the record (both by the ids the phone made)."""
    saved = await offline.save_photo(current_viewer(request), request.app.state.photos, incident_key, photo_key,
                                    await request.body())
    return Response(saved, status_code=201 if saved["created"] else 200)


@get("/photos/{incident_photo_id:int}", guards=[requires(Permission.use_behaviour)])
async def show_photo(request: Request, incident_photo_id: FromPath[int]) -> Response:
    data, content_type = await offline.photo(current_viewer(request), request.app.state.photos, incident_photo_id)
    # private: a photo of children must not sit in a shared cache
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})



# The school's behaviour: the flagpole's good deeds and the year against last (behaviour.reports) ---------------------


@get("/good-deeds", guards=[requires(Permission.view_behaviour_school)])
async def good_deeds(request: Request, week: FromQuery[str] = "") -> Response:
    """A week's good deeds by class, printable for the Monday flagpole assembly."""
    found = await reports.good_deeds(current_viewer(request), week)
    return page(request, "behaviour/good_deeds.html", {**found, **LABELS})


@get("/school", guards=[requires(Permission.view_behaviour_school)])
async def school_year(request: Request) -> Response:
    """Incidents by month and category, this school year against last; good deeds; students below the threshold."""
    found = await reports.school_year(current_viewer(request))
    month_names = i18n.THAI_MONTHS_SHORT if i18n.current_locale.get() == "th" else i18n.ENGLISH_MONTHS_SHORT
    return page(request, "behaviour/school.html", {**found, **LABELS, "month_names": month_names})




# The school's behaviour settings and rules that alert (behaviour.configure, behaviour.rules) -------------------------

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


# The homeroom teacher's weekly digest ---------------------------------------------------------------------------


@get("/digests", guards=[requires(Permission.use_behaviour)])
async def digests(request: Request) -> Response:
    found = await digest.list_digests(current_viewer(request))
    return page(request, "behaviour/digests.html", {"digests": found})


@get("/digests/{digest_id:int}", guards=[requires(Permission.use_behaviour)])
async def one_digest(request: Request, digest_id: FromPath[int]) -> Response:
    found = await digest.get_digest(current_viewer(request), digest_id)
    return page(request, "behaviour/digest.html", {"digest": found, "group_labels": GROUP_NAMES, **LABELS})


behaviour_router = Router(path="/behaviour", route_handlers=[
    front, new, pick, record, show, void, student,
    acknowledge, probation_letter, acknowledged_on_paper, service_done, upload_photo, show_photo,
    good_deeds, school_year,
    settings_page, save_settings, add_rule, turn_off_rule, add_category, edit_category, retire_category, firing_seen,
    digests, one_digest])
