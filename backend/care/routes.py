"""Care pages: who needs a case, a student's new case, a case with its plan, follow-ups and notes."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from backend.accounts.access import (Permission, behaviour_pickable, can_see_phqa, current_viewer, manages_agencies,
                                     requires, requires_sign_in, school_of, sees_school_care)
from backend.care import phqa, referrals, reports, services, support, talent, urgent
from backend.care.tables import (HELP_LABELS, OUTCOME_LABELS, PROGRESS_LABELS, REFERRAL_LABELS, SENSITIVITY_LABELS,
                                 SOURCE_LABELS, SUPPORT_LABELS, URGENCY_LABELS)
from backend.care.tables import LEVEL_LABELS, TALENT_LABELS
from backend.accounts.middleware import SESSION_COOKIE
from backend.i18n import N_, Refusal, _, current_locale
from backend.screening.tables import GROUP_LABELS
from backend.students import services as students
from backend.web import client_address, on_refusal, page, redirect, typed


def _labels(enum_labels: dict) -> dict:
    return {member.value: label for member, label in enum_labels.items()}


LABELS = {"help_kinds": _labels(HELP_LABELS), "outcomes": _labels(OUTCOME_LABELS),
          "progress_labels": _labels(PROGRESS_LABELS), "sensitivities": _labels(SENSITIVITY_LABELS),
          "sources": _labels(SOURCE_LABELS), "urgencies": _labels(URGENCY_LABELS), "groups": _labels(GROUP_LABELS),
          "referral_states": _labels(REFERRAL_LABELS)}


@get("/", guards=[requires(Permission.use_care)])
async def front(request: Request) -> Response:
    viewer = current_viewer(request)
    return page(request, "care/front.html", {**await services.cases(viewer), **LABELS,
                                             "school_view": sees_school_care(viewer)})


async def _new_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    student = await services.student_for_case(viewer, request.path_params["student_id"])
    posted = await typed(request) if request.method == "POST" else dict(request.query_params)
    return page(request, "care/new.html", {"student": student, "posted": posted, "error": refusal, **LABELS},
                status=refusal.status if refusal else 200)


@get("/students/{student_id:int}/new", guards=[requires(Permission.use_care)])
async def new(request: Request, student_id: FromPath[int]) -> Response:
    return await _new_page(request)


@post("/students/{student_id:int}/new", guards=[requires(Permission.use_care)], opt=on_refusal(_new_page))
async def open_case(request: Request, student_id: FromPath[int]) -> Response:
    case_id = await services.open_case(current_viewer(request), student_id, await typed(request))
    return redirect(f"/care/cases/{case_id}", flash=_("The case is open: add the help planned."))


@post("/students/{student_id:int}/decline", guards=[requires(Permission.use_care)], opt=on_refusal(_new_page))
async def decline(request: Request, student_id: FromPath[int]) -> Response:
    await services.decline(current_viewer(request), student_id, (await typed(request)).get("reason", ""))
    return redirect("/care", flash=_("Recorded: no case for now."))


async def _case_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    found = await services.case_page(viewer, request.path_params["case_id"])
    posted = await typed(request) if request.method == "POST" else {}
    refer_out = await referrals.can_refer_outside_case(viewer, found["case"]["id"], found["student"])
    return page(request, "care/case.html", {
        **found, **LABELS, "error": refusal, "posted": posted,
        "referrals": await referrals.of_case(found["case"]["id"]),
        "refer_out": refer_out, "agencies": await referrals.agencies(viewer.school_id) if refer_out else [],
        "inside_roles": referrals.INSIDE_ROLES, "reads_phqa": can_see_phqa(viewer, found["student"])},
        status=refusal.status if refusal else 200)


@get("/cases/{case_id:int}", guards=[requires(Permission.use_care)])
async def show(request: Request, case_id: FromPath[int]) -> Response:
    return await _case_page(request)


@post("/cases/{case_id:int}/unlock", guards=[requires(Permission.use_care)], opt=on_refusal(_case_page))
async def unlock_notes(request: Request, case_id: FromPath[int]) -> Response:
    """The password again, after an idle gap, to open the case team's notes (services.unlock_notes)."""
    await services.unlock_notes(current_viewer(request), request.app.state.settings,
                                request.cookies.get(SESSION_COOKIE, ""), client_address(request), case_id,
                                await typed(request))
    return redirect(f"/care/cases/{case_id}#notes", flash=_("The notes are open."))


# The students behind a number of the school's care page (reports.students_behind): the school's, or one class's.


def _behind(request: Request, classroom_id: int | None = None):
    query = request.query_params
    return reports.students_behind(current_viewer(request), query.get("count", "confirmed"), classroom_id,
                                   query.get("status", ""), query.get("age", ""))


@get("/school/students", guards=[requires(Permission.use_care)])
async def school_list(request: Request) -> Response:
    return page(request, "care/school_list.html", {**await _behind(request), **LABELS})


@get("/school/classrooms/{classroom_id:int}/students", guards=[requires(Permission.use_care)])
async def class_list(request: Request, classroom_id: FromPath[int]) -> Response:
    return page(request, "care/school_list.html", {**await _behind(request, classroom_id), **LABELS})


def _form_action(path: str, action, flash: str, page_builder, back: str):
    """A form on a case's or a referral's page: the service acts on the page's record (the path's one id), and the
    page comes back with a word, or (through the refusal handler) as typed with what to fix."""

    @post(path, guards=[requires(Permission.use_care)], opt=on_refusal(page_builder), name=action.__name__)
    async def handler(request: Request) -> Response:
        record_id = next(iter(request.path_params.values()))
        await action(current_viewer(request), record_id, await typed(request))
        return redirect(back.format(record_id), flash=_(flash))

    return handler


def _case_action(path: str, action, flash: str):
    return _form_action(path, action, flash, _case_page, "/care/cases/{}")


async def _reopen(viewer, case_id: int, _form: dict) -> None:
    await services.reopen_case(viewer, case_id)


async def _contact(viewer, case_id: int, form: dict) -> None:
    await urgent.record_contact(viewer, case_id, form)


async def _refer(viewer, case_id: int, form: dict) -> None:
    await referrals.refer(viewer, case_id, form)


router_handlers = [
    unlock_notes, school_list, class_list,
    _case_action("/cases/{case_id:int}/referrals", _refer, N_("The referral is sent.")),
    _case_action("/cases/{case_id:int}/contact", _contact, N_("Contact recorded.")),
    _case_action("/cases/{case_id:int}/activities", services.add_activity, N_("The help is in the plan.")),
    _case_action("/cases/{case_id:int}/follow-ups", services.add_follow_up, N_("The follow-up is saved.")),
    _case_action("/cases/{case_id:int}/notes", services.add_note, N_("The note is saved.")),
    _case_action("/cases/{case_id:int}/close", services.close_case, N_("The case is closed.")),
    _case_action("/cases/{case_id:int}/reopen", _reopen, N_("The case is open again.")),
]

# The same-day path ------------------------------------------------------------------------------------------------


async def _urgent_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    found = await students.list_by_ids(viewer, [request.path_params["student_id"]], among=behaviour_pickable(viewer))
    if not found:
        raise services.CareError(N_("No such student in this school."), status=404)
    return page(request, "care/urgent.html", {"student": found[0], "error": refusal,
                                               "posted": await typed(request) if refusal else {}},
                status=refusal.status if refusal else 200)


@get("/students/{student_id:int}/urgent", guards=[requires(Permission.record_behaviour)])
async def urgent_form(request: Request, student_id: FromPath[int]) -> Response:
    return await _urgent_page(request)


@post("/students/{student_id:int}/urgent", guards=[requires(Permission.record_behaviour)],
      opt=on_refusal(_urgent_page))
async def raise_urgent(request: Request, student_id: FromPath[int]) -> Response:
    raised = await urgent.raise_urgent(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                       student_id, await typed(request))
    told = _("Told by SMS: %(names)s.", names=", ".join(raised.told)) if raised.told else ""
    app_only = _("No mobile number, told in the app only: %(names)s.", names=", ".join(raised.app_only)) \
        if raised.app_only else ""
    return redirect("/", flash=" ".join(filter(None, [_("The care team is told: contact today."), told, app_only])))


# Support with money -----------------------------------------------------------------------------------------------


async def _support_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await support.overview(current_viewer(request))
    return page(request, "care/support.html", {**found, "error": refusal, "support_states": _labels(SUPPORT_LABELS)},
                status=refusal.status if refusal else 200)


@get("/support", guards=[requires(Permission.use_care)])
async def support_page(request: Request) -> Response:
    return await _support_page(request)


@post("/support/{student_id:int}/nominate", guards=[requires(Permission.use_care)], opt=on_refusal(_support_page))
async def nominate(request: Request, student_id: FromPath[int]) -> Response:
    await support.nominate(current_viewer(request), student_id, await typed(request))
    return redirect("/care/support", flash=_("Put forward."))


@post("/support/awards/{award_id:int}", guards=[requires(Permission.use_care)], opt=on_refusal(_support_page))
async def decide_support(request: Request, award_id: FromPath[int]) -> Response:
    await support.decide(current_viewer(request), award_id, await typed(request))
    return redirect("/care/support", flash=_("Saved."))


# Referrals --------------------------------------------------------------------------------------------------------


@get("/referrals", guards=[requires(Permission.use_care)])
async def referral_inbox(request: Request) -> Response:
    return page(request, "care/referrals.html", {**await referrals.inbox(current_viewer(request)), **LABELS})


async def _referral_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await referrals.referral_page(current_viewer(request), request.path_params["referral_id"])
    return page(request, "care/referral.html", {**found, **LABELS, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/referrals/{referral_id:int}", guards=[requires(Permission.use_care)])
async def referral(request: Request, referral_id: FromPath[int]) -> Response:
    return await _referral_page(request)


@get("/referrals/{referral_id:int}/letter", guards=[requires(Permission.use_care)])
async def referral_letter(request: Request, referral_id: FromPath[int]) -> Response:
    viewer = current_viewer(request)
    found = await referrals.letter(viewer, referral_id)
    return page(request, "care/letter.html", {**found, **LABELS, "school": await school_of(viewer)})


def _referral_action(path: str, action, flash: str):
    return _form_action(path, action, flash, _referral_page, "/care/referrals/{}")


async def _accept(viewer, referral_id: int, _form: dict) -> None:
    await referrals.accept(viewer, referral_id)


async def _agencies_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    return page(request, "care/agencies.html", {
        "agencies": await referrals.agencies(viewer.school_id), "manages": manages_agencies(viewer),
        "error": refusal, "posted": await typed(request) if refusal else {}}, status=refusal.status if refusal else 200)


@get("/agencies", guards=[requires(Permission.use_care)])
async def agency_list(request: Request) -> Response:
    return await _agencies_page(request)


@post("/agencies", guards=[requires(Permission.use_care)], opt=on_refusal(_agencies_page))
async def add_agency(request: Request) -> Response:
    await referrals.add_agency(current_viewer(request), await typed(request))
    return redirect("/care/agencies", flash=_("The agency is in the directory."))


@post("/agencies/{agency_id:int}/retire", guards=[requires(Permission.use_care)])
async def retire_agency(request: Request, agency_id: FromPath[int]) -> Response:
    await referrals.retire_agency(current_viewer(request), agency_id)
    return redirect("/care/agencies", flash=_("The agency is no longer offered."))


referral_handlers = [
    referral_inbox, referral, referral_letter, agency_list, add_agency, retire_agency,
    _referral_action("/referrals/{referral_id:int}/accept", _accept, N_("Accepted: report back when you can.")),
    _referral_action("/referrals/{referral_id:int}/report", referrals.report_back, N_("The report is sent back.")),
    _referral_action("/referrals/{referral_id:int}/close", referrals.close, N_("The referral is closed.")),
]

# The school's care in numbers (executives and counsellors) ---------------------------------------------------------


@get("/school", guards=[requires(Permission.use_care)])
async def school_care(request: Request) -> Response:
    return page(request, "care/school.html", {**await reports.school_care(current_viewer(request)), **LABELS})


# The PHQ-A: the student answers; the school's counsellors and executives read -----------------------------------


def _instrument_text(thing: dict) -> str:
    return thing["th"] if current_locale.get() == "th" else thing["en"]


PHQA_HELPERS = {"instrument": phqa.instrument(), "text": _instrument_text}


async def _phqa_page(request: Request, refusal: Refusal | None = None) -> Response:
    return page(request, "care/phqa.html", {
        **PHQA_HELPERS, "last": await phqa.last_filed(current_viewer(request)), "error": refusal,
        "posted": await typed(request) if refusal else {}}, status=refusal.status if refusal else 200)


@get("/phqa", guards=[requires(Permission.answer_phqa)])
async def phqa_form(request: Request) -> Response:
    return await _phqa_page(request)


@post("/phqa", guards=[requires(Permission.answer_phqa)], opt=on_refusal(_phqa_page))
async def phqa_file(request: Request) -> Response:
    found = await phqa.file(current_viewer(request), request.app.state.settings, request.app.state.queue,
                            await typed(request))
    # The answer page is drawn here, not after a redirect: reloading it asks before sending again, and no address
    # left in the history says how the student answered.
    return page(request, "care/phqa_sent.html", {"urgent": found.suicide_risk})


@get("/phqa/results", guards=[requires(Permission.use_care)])
async def phqa_results(request: Request) -> Response:
    return page(request, "care/phqa_results.html", {**PHQA_HELPERS, **await phqa.school_results(
        current_viewer(request))})


@get("/students/{student_id:int}/phqa", guards=[requires(Permission.use_care)])
async def phqa_student(request: Request, student_id: FromPath[int]) -> Response:
    return page(request, "care/phqa_student.html", {**PHQA_HELPERS, **await phqa.student_filings(
        current_viewer(request), student_id)})


phqa_handlers = [phqa_form, phqa_file, phqa_results, phqa_student]

# Development plans for students in the special group (care.talent) ------------------------------------------------

TALENT_CONTEXT = {"talents": _labels(TALENT_LABELS), "levels": _labels(LEVEL_LABELS)}


@get("/talent", guards=[requires(Permission.use_care)])
async def talent_list(request: Request) -> Response:
    return page(request, "care/talents.html", {**await talent.overview(current_viewer(request)), **TALENT_CONTEXT})


async def _talent_new_page(request: Request, refusal: Refusal | None = None) -> Response:
    student = await talent.student_for_plan(current_viewer(request), request.path_params["student_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "care/talent_new.html", {"student": student, "posted": posted, "error": refusal,
                                                  **TALENT_CONTEXT}, status=refusal.status if refusal else 200)


@get("/talent/students/{student_id:int}/new", guards=[requires(Permission.use_care)])
async def talent_new(request: Request, student_id: FromPath[int]) -> Response:
    return await _talent_new_page(request)


@post("/talent/students/{student_id:int}/new", guards=[requires(Permission.use_care)],
      opt=on_refusal(_talent_new_page))
async def talent_create(request: Request, student_id: FromPath[int]) -> Response:
    plan_id = await talent.create_plan(current_viewer(request), student_id, await typed(request))
    return redirect(f"/care/talent/{plan_id}", flash=_("The development plan is saved: add its activities."))


async def _talent_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await talent.plan_page(current_viewer(request), request.path_params["plan_id"])
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "care/talent.html", {**found, **TALENT_CONTEXT, "error": refusal, "posted": posted,
                                              "failed": request.url.path.rsplit("/", 1)[-1] if refusal else ""},
                status=refusal.status if refusal else 200)


# The plan is read by its student and their parents too: the service decides who (access.can_read_talent_plan).
@get("/talent/{plan_id:int}", guards=[requires_sign_in])
async def talent_plan(request: Request, plan_id: FromPath[int]) -> Response:
    return await _talent_page(request)


def _talent_action(path: str, action, flash: str):
    return _form_action(path, action, flash, _talent_page, "/care/talent/{}")


talent_handlers = [
    talent_list, talent_new, talent_create, talent_plan,
    _talent_action("/talent/{plan_id:int}/revise", talent.revise_plan, N_("The plan is revised; the earlier "
                                                                           "version is kept.")),
    _talent_action("/talent/{plan_id:int}/activities", talent.add_activity, N_("The activity is in the plan.")),
    _talent_action("/talent/{plan_id:int}/achievements", talent.add_achievement, N_("The achievement is recorded.")),
    _talent_action("/talent/{plan_id:int}/close", talent.close_plan, N_("The development plan is closed.")),
]


care_router = Router(path="/care", route_handlers=[front, new, open_case, decline, show, *router_handlers,
                                                   urgent_form, raise_urgent, support_page, nominate, decide_support,
                                                   *referral_handlers, school_care, *phqa_handlers,
                                                   *talent_handlers])
