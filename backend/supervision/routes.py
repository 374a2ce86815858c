"""Supervision pages: the director's overview of the care system for a term, the students behind each figure, each
homeroom's progress, the term's targets and the care committee's reflection; and the area view, an area supervisor's
schools in numbers."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from backend import i18n
from backend import printing
from backend.accounts.access import (Permission, current_viewer, makes_care_report, requires, sets_care_targets,
                                     writes_care_reflection)
from backend.care import reports as care_reports
from backend.care.routes import LABELS as CARE_LABELS
from backend.i18n import Refusal, _
from backend.screening import export
from backend.supervision import area, behind, figures, report, services, year_report
from backend.web import on_refusal, page, redirect, typed

GUARDS = [requires(Permission.supervise_care)]


def _context() -> dict:
    month_names = i18n.THAI_MONTHS_SHORT if i18n.current_locale.get() == "th" else i18n.ENGLISH_MONTHS_SHORT
    return {"FIGURES": figures.FIGURES, "COMPONENTS": figures.COMPONENTS, "CHARTED": figures.CHARTED,
            "age_labels": care_reports.AGE_LABELS,
            "component_labels": figures.COMPONENT_LABELS, "target_labels": services.TARGETS,
            "month_names": month_names, "referral_states": CARE_LABELS["referral_states"],
            "groups": CARE_LABELS["groups"], "homeroom_figures": behind.HOMEROOM_FIGURES}


@get("/", guards=GUARDS)
async def front(request: Request, term: FromQuery[str] = "") -> Response:
    viewer = current_viewer(request)
    found = await services.overview(viewer, term)
    return page(request, "supervision/front.html", {"o": found, "sets_targets": sets_care_targets(viewer),
                                                    "reports": makes_care_report(viewer),
                                                    "reflects": writes_care_reflection(viewer), **_context()})


@get("/figures/{figure:str}", guards=GUARDS)
async def figure_gap(request: Request, figure: FromPath[str], term: FromQuery[str] = "",
                 classroom: FromQuery[int | None] = None) -> Response:
    viewer = current_viewer(request)
    found = await behind.students_behind(viewer, figure, await figures.find_term(viewer, term), classroom)
    return page(request, "supervision/behind.html", {"b": found, **_context()})


@get("/teachers", guards=GUARDS)
async def teachers(request: Request, term: FromQuery[str] = "") -> Response:
    viewer = current_viewer(request)
    chosen = await figures.find_term(viewer, term)
    found, rows = await behind.homerooms(viewer, chosen)
    return page(request, "supervision/teachers.html", {"f": found, "rows": rows, "terms": await figures.terms(viewer),
                                                        **_context()})


async def _targets_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.targets_page(current_viewer(request), request.query_params.get("term", ""))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "supervision/targets.html", {**found, "posted": posted, "error": refusal, **_context()},
                status=refusal.status if refusal else 200)


@get("/targets", guards=GUARDS)
async def targets(request: Request) -> Response:
    return await _targets_page(request)


@post("/targets", guards=GUARDS, opt=on_refusal(_targets_page))
async def save_targets(request: Request) -> Response:
    viewer = current_viewer(request)
    term = await figures.find_term(viewer, request.query_params.get("term", ""), begun=False)
    await services.save_targets(viewer, term, await typed(request))
    return redirect(f"/supervision?term={term.key}", flash=_("The term's targets are saved."))


async def _reflection_page(request: Request, refusal: Refusal | None = None) -> Response:
    found = await services.reflection_page(current_viewer(request), request.query_params.get("term", ""))
    posted = await typed(request) if request.method == "POST" else {}
    return page(request, "supervision/reflection.html", {**found, "posted": posted, "error": refusal,
                                                         **_context()}, status=refusal.status if refusal else 200)


@get("/reflection", guards=GUARDS)
async def reflection(request: Request) -> Response:
    return await _reflection_page(request)


@post("/reflection", guards=GUARDS, opt=on_refusal(_reflection_page))
async def save_reflection(request: Request) -> Response:
    viewer = current_viewer(request)
    term = await figures.find_term(viewer, request.query_params.get("term", ""))
    await services.save_reflection(viewer, term, await typed(request))
    return redirect(f"/supervision/reflection?term={term.key}", flash=_("The reflection is saved."))


@get("/report", guards=GUARDS)
async def report_pack(request: Request, term: FromQuery[str] = "", year: FromQuery[str] = "",
                      format: FromQuery[str] = "") -> Response:
    """The report pack of a term, or of a whole school year (year=2569): a page saying what it holds, and its PDF or
    workbook (format=pdf|xlsx)."""
    viewer = current_viewer(request)
    found = await (year_report.build(viewer, year) if year else report.build(viewer, term))
    if format == "pdf":
        return printing.response(await report.pdf(found), f"{found.filename}.pdf")
    if format == "xlsx":
        return export.response(await report.xlsx(found), f"{found.filename}.xlsx")
    return page(request, "supervision/report.html", {"r": found, "terms": await figures.terms(viewer), **_context()})


supervision_router = Router(path="/supervision", route_handlers=[front, figure_gap, teachers, targets, save_targets,
                                                                  reflection, save_reflection, report_pack])


# The area view: an area supervisor's schools (counts only) -----------------------------------------------------------

AREA_GUARDS = [requires(Permission.view_area)]


@get("/", guards=AREA_GUARDS)
async def area_front(request: Request, format: FromQuery[str] = "") -> Response:
    found = await area.overview(current_viewer(request))
    total = area.area_total(found)
    if format == "xlsx":
        table = area.side_by_side(found, total)
        return export.response(await report.xlsx(table), f"{table.filename}.xlsx")
    return page(request, "supervision/area.html", {"schools": found, "total": total, "HEADLINE": area.HEADLINE,
                                                   **_context()})


@get("/schools/{school_id:int}", guards=AREA_GUARDS)
async def area_school(request: Request, school_id: FromPath[int], term: FromQuery[str] = "") -> Response:
    found = await area.school(current_viewer(request), school_id, term)
    return page(request, "supervision/area_school.html", {"s": found, "HEADLINE": area.HEADLINE, **_context()})


@get("/schools/{school_id:int}/report", guards=AREA_GUARDS)
async def area_report(request: Request, school_id: FromPath[int], term: FromQuery[str] = "",
                      year: FromQuery[str] = "", format: FromQuery[str] = "pdf") -> Response:
    found = await area.report_pack(current_viewer(request), school_id, term, year)
    if format == "xlsx":
        return export.response(await report.xlsx(found), f"{found.filename}.xlsx")
    return printing.response(await report.pdf(found), f"{found.filename}.pdf")


area_router = Router(path="/area", route_handlers=[area_front, area_school, area_report])
