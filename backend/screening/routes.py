"""Screening pages: questionnaires step by step, the teacher's quick entry, summaries, criteria, school overview."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery

from backend.accounts import services as accounts
from backend.accounts.middleware import SESSION_COOKIE, session_cookie
from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.i18n import N_, Refusal, _, current_locale, ngettext
from backend.request_input import fits_id
from backend.screening import criteria as rules
from backend.screening import export, filling, school_settings, services
from backend.screening.services import band_label, scale_label
from backend.screening.tables import (GROUP_LABELS, INFORMANT_LABELS, NOT_SCREENED, NOT_SCREENED_LABEL, STATES,
                                      Group)
from backend.web import on_refusal, page, redirect, typed

INSTRUMENT_LABELS = {"sdq": N_("SDQ"), "eq": N_("EQ")}
INSTRUMENT_TITLES = {"sdq": N_("Strengths and Difficulties Questionnaire (SDQ)"),
                     "eq": N_("Emotional quotient (EQ) for ages 12–17")}
# What a confirmed group means for a parent: what the school will do, never a diagnosis.
GROUP_FOR_PARENTS = {
    "normal": N_("Your child is doing well. The school goes on supporting them as it does every student."),
    "risk": N_("The homeroom teacher will keep a closer eye on your child and may contact you to help together."),
    "problem": N_("The homeroom teacher or the school counsellor will contact you to plan help together."),
    "special": N_("Your child has a special ability. The school will help them develop it."),
}
LEVEL_LABELS = {"normal": N_("Normal"), "risk": N_("At risk"), "problem": N_("With problems"),
                "special": N_("Special (gifted)"), "missing": N_("Not in yet"), NOT_SCREENED: NOT_SCREENED_LABEL}


def _text(thing) -> str:
    """An instrument's own bilingual text (items, choices, scales) in the reader's language."""
    return thing.th if current_locale.get() == "th" else thing.en


def reason_text(reason: dict) -> str:
    values, why = dict(reason["values"]), reason["why"]
    if "informant" in values:
        label = INFORMANT_LABELS[values["informant"]]
        values["informant"] = _(label)
    if "scale" in values:
        values["scale"] = scale_label("sdq", values["scale"])
    return _(why, **values)


HELPERS = {"informant_label": lambda name: _(INFORMANT_LABELS[name]),
           "instrument_label": lambda name: _(INSTRUMENT_LABELS[name]),
           "instrument_title": lambda name: _(INSTRUMENT_TITLES[name]),
           "group_label": lambda name: (_(NOT_SCREENED_LABEL) if name == NOT_SCREENED else
                                        _(GROUP_LABELS[Group(name)]) if name else "—"),
           "group_for_parents": lambda name: _(GROUP_FOR_PARENTS[name]),
           "level_label": lambda name: _(LEVEL_LABELS[name]),
           "domain_label": lambda name: _(rules.DOMAINS[name]),
           "scale_label": scale_label, "band_label": band_label, "reason_text": reason_text,
           "groups": [group.value for group in Group], "states": STATES, "domains": rules.DOMAINS, "text": _text}


@get("/", guards=[requires(Permission.fill_questionnaires, Permission.use_screening)])
async def home(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer.can(Permission.fill_questionnaires):
        return page(request, "screening/mine.html", {"forms": await services.my_forms(viewer), **HELPERS})
    if len(viewer.classroom_ids) == 1 and not viewer.can(Permission.view_screening_school):
        return redirect(f"/screening/classrooms/{next(iter(viewer.classroom_ids))}")
    rooms = await accounts.list_classrooms(viewer)
    if not viewer.can(Permission.view_screening_school):
        rooms = [room for room in rooms if viewer.oversees(room["id"])]
    return page(request, "screening/home.html", {
        "rooms": rooms, "school_view": viewer.can(Permission.view_screening_school),
        "manage": viewer.can(Permission.manage_screening), **HELPERS})


# --- A questionnaire, a screen at a time ------------------------------------------------------------------


async def _form_page(request: Request, opened: dict, step: int | None, error: Refusal | None = None) -> Response:
    form = opened["form"]
    name = form["instrument"]
    instrument = services.base_instrument(name)
    total = services.steps_of(name)
    step = form["step"] if step is None else max(0, min(step, total - 1))
    numbers = filling.step_items(name, step)
    blank = [n for n in range(1, len(instrument.items) + 1) if str(n) not in form["answers"]]
    return page(request, "screening/form.html", {
        **opened, "instrument": instrument, "step": step, "total": total, "numbers": numbers,
        "items": {item.number: item for item in instrument.items}, "blank": blank, "error": error,
        "per_step": services.ITEMS_PER_STEP[name], **HELPERS,
    }, status=error.status if error else 200)


async def _step_refused(request: Request, refusal: Refusal) -> Response:
    """The same screen again, with what to fix (the answers saved so far are kept on the server)."""
    opened = await filling.reopen(current_viewer(request), request.path_params["form_id"])
    return await _form_page(request, opened, request.path_params["step"], refusal)


@get("/forms/{student_id:int}/{instrument:str}/{informant:str}", guards=[requires_sign_in])
async def form_page(request: Request, student_id: FromPath[int], instrument: FromPath[str],
                    informant: FromPath[str], step: FromQuery[int | None] = None) -> Response:
    opened = await filling.open_form(current_viewer(request), student_id, instrument, informant)
    return await _form_page(request, opened, step)


@post("/forms/{form_id:int}/steps/{step:int}", guards=[requires_sign_in], opt=on_refusal(_step_refused))
async def save_step(request: Request, form_id: FromPath[int], step: FromPath[int]) -> Response:
    viewer = current_viewer(request)
    raw = await typed(request)
    action = raw.get("action", "next")
    form = await filling.save_step(viewer, form_id, step, raw, action)
    base = f"/screening/forms/{form['student']}/{form['instrument']}/{form['informant']}"
    if action == "stop":
        return redirect("/screening", flash=_("Saved. You can go on from here later."))
    if action == "back":
        return redirect(f"{base}?step={max(step - 1, 0)}")
    if action == "send":
        await filling.submit(viewer, form_id)
        return redirect("/screening", flash=_("Sent. Thank you!"))
    return redirect(f"{base}?step={step + 1}")


# --- Teachers: whole forms at once (their own SDQ, or a paper form typed in) ----------------------------------


async def _entry_page(request: Request, refusal: Refusal | None = None) -> Response:
    """A paper form to type in; after a refusal, the digits as typed with what to fix."""
    params = request.path_params
    sheet = await filling.entry_sheet(current_viewer(request), params["student_id"], params["instrument"],
                                       params["informant"])
    raw = await typed(request) if refusal else {}
    return page(request, "screening/entry.html", {**sheet, "raw": raw, "error": refusal, **HELPERS},
                status=refusal.status if refusal else 200)


@get("/students/{student_id:int}/enter/{instrument:str}/{informant:str}", guards=[requires_sign_in])
async def entry_page(request: Request, student_id: FromPath[int], instrument: FromPath[str],
                     informant: FromPath[str]) -> Response:
    return await _entry_page(request)


@post("/students/{student_id:int}/enter/{instrument:str}/{informant:str}", guards=[requires_sign_in],
      opt=on_refusal(_entry_page))
async def enter(request: Request, student_id: FromPath[int], instrument: FromPath[str],
                informant: FromPath[str]) -> Response:
    raw = await typed(request)
    filed = await filling.enter_paper(current_viewer(request), student_id, instrument, informant, raw)
    flash = _("Saved for %(name)s.", name=filed["student"]["first_name"])
    if filed["blank"]:
        flash += " " + _("Blank: %(items)s.", items=", ".join(map(str, filed["blank"])))
    impact = filed["result"]["scales"].get("impact")
    if impact and impact["score"] is None:
        flash += " " + _("The impact on the back page is not scored: difficulties were ticked, but not every "
                         "question after them was answered.")
    after = raw.get("next_student")
    if after and after.isdecimal():
        return redirect(f"/screening/students/{after}/enter/{instrument}/{informant}", flash=flash)
    return redirect(f"/screening/classrooms/{filed['student']['classroom']}", flash=flash)


# --- Summaries, checklists, the group --------------------------------------------------------------------------


async def _student_page(request: Request, refusal: Refusal | None = None) -> Response:
    """A student's screening; after a refused group, the group as chosen and the note as typed."""
    summary = await services.student_summary(current_viewer(request), request.path_params["student_id"], _)
    raw = await typed(request) if refusal else {}
    return page(request, "screening/student.html", {**summary, "error": refusal, "typed": raw, **HELPERS},
                status=refusal.status if refusal else 200)


@get("/students/{student_id:int}", guards=[requires_sign_in])
async def student_page(request: Request, student_id: FromPath[int], format: FromQuery[str] = "html") -> Response:
    if format == "xlsx":
        summary = await services.student_summary(current_viewer(request), student_id, _)
        return export.response(export.student_workbook(summary, HELPERS),
                               f"screening-{summary['student']['code']}.xlsx")
    return await _student_page(request)


@post("/students/{student_id:int}/checklist", guards=[requires_sign_in])
async def save_checklist(request: Request, student_id: FromPath[int]) -> Response:
    await services.save_checklist(current_viewer(request), student_id, (await request.form()).dict(), _)
    return redirect(f"/screening/students/{student_id}#group", flash=_("Screening record saved."))


@post("/students/{student_id:int}/group", guards=[requires_sign_in], opt=on_refusal(_student_page))
async def confirm_group(request: Request, student_id: FromPath[int]) -> Response:
    raw = await typed(request)
    await services.confirm_group(current_viewer(request), student_id, raw.get("group", ""), raw.get("note", ""))
    return redirect(f"/screening/students/{student_id}", flash=_("Group confirmed."))


@get("/classrooms/{classroom_id:int}", guards=[requires_sign_in])
async def classroom_page(request: Request, classroom_id: FromPath[int], format: FromQuery[str] = "html",
                         term: FromQuery[str] = "") -> Response:
    summary = await services.classroom_summary(current_viewer(request), classroom_id, term=term)
    if format == "xlsx" and summary["came_from"] is None:
        return export.response(export.classroom_workbook(summary, HELPERS),
                               f"screening-{summary['classroom']['label'].replace('/', '-')}.xlsx")
    return page(request, "screening/classroom.html", {**summary, **HELPERS})


# --- Students' sign-ins ---------------------------------------------------------------------------------------


@get("/classrooms/{classroom_id:int}/sign-ins", guards=[requires_sign_in])
async def sign_ins_page(request: Request, classroom_id: FromPath[int]) -> Response:
    return await _sign_ins(request, classroom_id, chosen=set())


@post("/classrooms/{classroom_id:int}/sign-ins", guards=[requires_sign_in])
async def issue_sign_ins(request: Request, classroom_id: FromPath[int]) -> Response:
    """New sign-in slips for the ticked students (a new password each: earlier slips stop working)."""
    chosen = {int(value) for value in (await request.form()).getall("student", [])
              if value.isdecimal() and fits_id(int(value))}
    return await _sign_ins(request, classroom_id, chosen)


async def _sign_ins(request: Request, classroom_id: int, chosen: set[int]) -> Response:
    slips = await services.sign_in_slips(current_viewer(request), classroom_id, chosen)
    return page(request, "screening/sign_ins.html", {**slips, **HELPERS})


# --- A shared device: the teacher hands it to one student at a time -----------------------------------------------


@post("/students/{student_id:int}/hand-over", guards=[requires_sign_in])
async def hand_over(request: Request, student_id: FromPath[int]) -> Response:
    settings = request.app.state.settings
    token = await accounts.hand_over(current_viewer(request), student_id, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/screening")
    response.cookies.append(session_cookie(token, settings, max_age=accounts.HANDED_OVER_HOURS * 3600))
    return response


@post("/hand-back", guards=[requires(Permission.hand_back)])
async def hand_back(request: Request) -> Response:
    viewer = current_viewer(request)
    classroom = await services.own_classroom(viewer)
    username = await accounts.hand_back(viewer, request.cookies.get(SESSION_COOKIE, ""))
    target = "/signin?" + urlencode({"next": f"/screening/classrooms/{classroom}" if classroom else "/screening",
                                     "username": username})
    response = redirect(target, flash=_("Thank you! Give the device back to your teacher."))
    response.cookies.append(session_cookie("", request.app.state.settings, max_age=0))
    return response


# --- The school's criteria, and the school overview -----------------------------------------------------------


async def _criteria_page(request: Request, refusal: Refusal | None = None) -> Response:
    """The school's criteria; after a refusal, the numbers as typed with what to fix."""
    viewer = current_viewer(request)
    document = await services.criteria_of(viewer.school_id)
    return page(request, "screening/criteria.html", {
        "document": document, "to_rescore": await school_settings.forms_to_rescore(viewer), "error": refusal,
        "typed": await typed(request) if refusal else {}, "sign_label": lambda sign: rules.sign_label(sign, _),
        "cutoffs": school_settings.cutoff_starts(services.instrument_for("sdq", document)),
        "eq_ranges": school_settings.eq_normal_ranges(services.instrument_for("eq", document)),
        "informants": rules.SDQ_INFORMANTS, "scales": rules.SDQ_SCALES, **HELPERS},
        status=refusal.status if refusal else 200)


@get("/criteria", guards=[requires(Permission.manage_screening)])
async def criteria_page(request: Request) -> Response:
    return await _criteria_page(request)


MANAGE_CRITERIA = {"guards": [requires(Permission.manage_screening)], "opt": on_refusal(_criteria_page)}


@post("/criteria", **MANAGE_CRITERIA)
async def save_criteria(request: Request) -> Response:
    await school_settings.save_criteria(current_viewer(request), (await request.form()).dict(), _)
    return redirect("/screening/criteria", flash=_("Screening criteria saved."))


@post("/criteria/cutoffs", **MANAGE_CRITERIA)
async def save_cutoffs(request: Request) -> Response:
    return await _save_cut_offs(request, school_settings.save_cutoffs, "#cutoffs", _("SDQ cut-offs saved."))


@post("/criteria/eq-ranges", **MANAGE_CRITERIA)
async def save_eq_ranges(request: Request) -> Response:
    return await _save_cut_offs(request, school_settings.save_eq_ranges, "#eq-ranges", _("EQ normal ranges saved."))


async def _save_cut_offs(request: Request, save, anchor: str, said: str) -> Response:
    """Save SDQ cut-offs or EQ ranges; then back to that section, or to the top, where the page offers to re-score
    the forms that now differ. A refusal shows the numbers as typed, to fix."""
    viewer = current_viewer(request)
    await save(viewer, await typed(request))
    stale = await school_settings.forms_to_rescore(viewer)
    return redirect(f"/screening/criteria{'' if stale else anchor}", flash=said)


@post("/criteria/rescore", guards=[requires(Permission.manage_screening)])
async def rescore(request: Request) -> Response:
    count, unchanged = await school_settings.rescore_term(current_viewer(request))
    said = ngettext("%(num)s questionnaire scored again with the current cut-offs.",
                    "%(num)s questionnaires scored again with the current cut-offs.", count)
    if unchanged:
        said += " " + ngettext("%(num)s other came out the same.", "%(num)s others came out the same.", unchanged)
    return redirect("/screening/criteria#cutoffs", flash=said)


@post("/criteria/wording/{instrument:str}", **MANAGE_CRITERIA)
async def save_wording(request: Request, instrument: FromPath[str]) -> Response:
    form = await request.form()
    upload = form.get("file")
    if form.get("action") == "remove":
        await school_settings.save_wording(current_viewer(request), instrument, None)
    elif isinstance(upload, UploadFile) and upload.filename:
        await school_settings.save_wording(current_viewer(request), instrument, await upload.read())
    else:
        raise services.ScreeningError(N_("Choose the file with the wording first."))
    return redirect("/screening/criteria#wording", flash=_("Questionnaire wording saved."))


@get("/school", guards=[requires(Permission.view_screening_school)])
async def school_page(request: Request, term: FromQuery[str] = "") -> Response:
    overview = await services.school_overview(current_viewer(request), term)
    return page(request, "screening/school.html", {**overview, **HELPERS})


screening_router = Router(path="/screening", route_handlers=[
    home, form_page, save_step, entry_page, enter, student_page, save_checklist, confirm_group, classroom_page,
    sign_ins_page, issue_sign_ins, hand_over, hand_back, criteria_page, save_criteria, save_cutoffs, save_eq_ranges,
    rescore, save_wording, school_page,
])
