"""Survey pages: the term's survey for the school (opening it, its results, each class's response rate), a class's
results, a parent's answer in the app, and the public page where a guardian answers with the code from an SMS."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import Refusal, _
from backend.survey import services
from backend.web import client_address, on_refusal, page, redirect, typed

STAFF = [requires(Permission.use_surveys)]
PARENTS = [requires(Permission.answer_surveys)]


async def _front(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.overview(current_viewer(request))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "survey/front.html", {**found, "posted": posted, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/", guards=STAFF)
async def front(request: Request) -> Response:
    return await _front(request)


@post("/", guards=STAFF, opt=on_refusal(_front))
async def open_survey(request: Request) -> Response:
    await services.open_survey(current_viewer(request), request.app.state.settings, request.app.state.queue,
                               await typed(request))
    return redirect("/surveys", flash=_("The survey is open and each guardian's code is on its way."))


@get("/{survey_id:int}", guards=STAFF)
async def earlier(request: Request, survey_id: FromPath[int]) -> Response:
    found = await services.overview(current_viewer(request), survey_id)
    return page(request, "survey/front.html", {**found, "posted": {}, "error": None})


@post("/{survey_id:int}/close", guards=STAFF, opt=on_refusal(_front))
async def close(request: Request, survey_id: FromPath[int]) -> Response:
    await services.close_early(current_viewer(request), survey_id)
    return redirect("/surveys", flash=_("The survey is closed: its codes answer nothing from now on."))


@get("/{survey_id:int}/classrooms/{classroom_id:int}", guards=STAFF)
async def classroom(request: Request, survey_id: FromPath[int], classroom_id: FromPath[int]) -> Response:
    found = await services.class_results(current_viewer(request), survey_id, classroom_id)
    return page(request, "survey/classroom.html", found)


async def _mine(request: Request, refusal: Refusal | None = None) -> Response:
    survey = await services.waiting_for(current_viewer(request))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "survey/answer.html", {"survey": survey, "posted": posted, "error": refusal,
                                                "action": "/surveys/mine", "code": ""},
                status=refusal.status if refusal else 200)


@get("/mine", guards=PARENTS)
async def mine(request: Request) -> Response:
    return await _mine(request)


@post("/mine", guards=PARENTS, opt=on_refusal(_mine))
async def answer_mine(request: Request) -> Response:
    await services.answer_in_app(current_viewer(request), await typed(request))
    return redirect("/", flash=_("Thank you: your answers are counted, without your name."))


survey_router = Router(path="/surveys",
                       route_handlers=[front, open_survey, earlier, close, classroom, mine, answer_mine])


# The public page: no sign-in, a code from the school's SMS; plain forms that work on a basic phone's browser. ----


async def _code_page(request: Request, refusal: Refusal | None = None) -> Response:
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "survey/code.html", {"error": refusal, "code": posted.get("code", "")},
                status=refusal.status if refusal else 200)


@get("/")
async def code_form(request: Request) -> Response:
    return await _code_page(request)


@post("/", opt=on_refusal(_code_page))
async def enter_code(request: Request) -> Response:
    form = await typed(request)
    survey = await services.check_code(request.app.state.settings, form.get("code", ""), client_address(request))
    return _private(page(request, "survey/answer.html", {"survey": survey, "posted": {}, "error": None,
                                                         "action": "/survey/answer", "code": survey["code"]}))


def _private(response: Response) -> Response:
    """The questions carry the code in the form: a shared phone's Back button or cache must not offer it again."""
    response.headers["Cache-Control"] = "no-store"
    return response


async def _answer_refused(request: Request, refusal: Refusal) -> Response:
    """Questions left unanswered: the questions again with what was chosen. Anything else (a used code, a wrong
    one): the code form with the reason."""
    form = await typed(request)
    if not refusal.errors or "code" in refusal.errors:
        return await _code_page(request, refusal)
    survey = await services.check_code(request.app.state.settings, form.get("code", ""), client_address(request))
    return _private(page(request, "survey/answer.html", {"survey": survey, "posted": form, "error": refusal,
                                                         "action": "/survey/answer", "code": survey["code"]},
                         status=refusal.status))


@post("/answer", opt=on_refusal(_answer_refused))
async def answer(request: Request) -> Response:
    await services.answer_with_code(request.app.state.settings, await typed(request), client_address(request))
    return page(request, "survey/thanks.html", {})


public_survey_router = Router(path="/survey", route_handlers=[code_form, enter_code, answer])
