"""The school's calendar for its admin: the year's closed days, and holidays, closures and make-up days added or
taken out."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromQuery

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import Refusal, _
from backend.request_input import fits_id
from backend.schools import services
from backend.schools.calendar import KIND_LABELS, DayKind
from backend.web import on_refusal, page, redirect, typed

CHOOSABLE = [DayKind.holiday, DayKind.closure, DayKind.school_day]


async def _calendar_page(request: Request, year_be: int | None = None, error: Refusal | None = None,
                         posted: dict | None = None) -> Response:
    viewer = current_viewer(request)
    year = year_be if year_be and abs(year_be - viewer.year_be) <= 1 else viewer.year_be
    return page(request, "schools/calendar.html", {
        "calendar": await services.calendar_of_year(viewer.school_id, year), "this_year": viewer.year_be,
        "kinds": [(k.value, KIND_LABELS[k]) for k in CHOOSABLE], "labels": KIND_LABELS,
        "error": error, "posted": posted or {}, "leave_cutoff": await services.leave_cutoff(viewer.school_id),
        "contact": await services.contact(viewer.school_id),
    }, status=error.status if error else 200)


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdecimal() and len(text) == 4 else None


def _back(form: dict) -> str:
    year = _year(form.get("year"))
    return f"/school/calendar?year={year}" if year else "/school/calendar"


async def _add_refused(request: Request, refusal: Refusal) -> Response:
    posted = await typed(request)
    return await _calendar_page(request, _year(posted.get("year")), refusal, posted)


@get("/calendar", guards=[requires(Permission.manage_school)])
async def calendar_page(request: Request, year: FromQuery[str] = "") -> Response:
    return await _calendar_page(request, _year(year))


@post("/calendar", guards=[requires(Permission.manage_school)], opt=on_refusal(_add_refused))
async def add_day(request: Request) -> Response:
    form = await typed(request)
    await services.add_calendar_day(current_viewer(request).school_id, form.get("kind", ""), form.get("name", ""),
                                    form.get("starts_on", ""), form.get("ends_on", ""))
    return redirect(_back(form), flash=_("Added to the calendar."))


@post("/calendar/remove", guards=[requires(Permission.manage_school)])
async def remove_day(request: Request) -> Response:
    form = await typed(request)
    day_id = form.get("day_id", "")
    chosen = (int(day_id) if fits_id(int(day_id)) else -1) if day_id.isdecimal() else None
    removed = await services.remove_calendar_day(current_viewer(request).school_id, chosen)
    return redirect(_back(form), flash=_("Taken out of the calendar: %(name)s.", name=removed["name"]))


@post("/leave-cutoff", guards=[requires(Permission.manage_school)], opt=on_refusal(_add_refused))
async def leave_cutoff(request: Request) -> Response:
    form = await typed(request)
    cutoff = await services.set_leave_cutoff(current_viewer(request).school_id, form.get("leave_cutoff", ""))
    return redirect("/school/calendar#leave",
                    flash=_("Parents may ask in the app for leave for today until %(time)s.", time=f"{cutoff:%H:%M}"))


@post("/contact", guards=[requires(Permission.manage_school)], opt=on_refusal(_add_refused))
async def contact(request: Request) -> Response:
    form = await typed(request)
    await services.set_contact(current_viewer(request).school_id, form.get("address", ""), form.get("phone", ""))
    return redirect("/school/calendar#contact", flash=_("The school's address and phone are saved."))


school_router = Router(path="/school", route_handlers=[calendar_page, add_day, remove_day, leave_cutoff, contact])
