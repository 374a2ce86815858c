"""Registers for teachers, attendance for parents, today's picture and the term's trend for executives."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.attendance import services
from backend.attendance.tables import HOMEROOM_PERIOD, STATUS_LABELS, STATUS_SHORT
from backend import clock
from backend.i18n import Refusal, _, ngettext
from backend.notify import outbox as notify
from backend.notify.tables import UNREACHABLE_REASONS
from backend.schools.calendar import KIND_LABELS
from backend.request_input import fits_id
from backend.students import services as students
from backend.web import on_refusal, page, redirect, typed


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else services.today()
    except ValueError:
        return services.today()


def _period(text: str | None) -> int:
    text = (text or "0").strip()
    return int(text) if text.isdecimal() else -1  # refused by the service, with words to act on


async def _register_page(request: Request, classroom_id: int, day: date, period: int,
                         error: Refusal | None = None) -> Response:
    register = await services.register(current_viewer(request), classroom_id, day, period)
    return page(request, "attendance/register.html", {
        "register": register, "error": error,
        "statuses": [(s.value, STATUS_SHORT[s], STATUS_LABELS[s]) for s in services.HOMEROOM_STATUSES],
        "labels": {s.value: STATUS_LABELS[s] for s in STATUS_LABELS},
        "subject": request.query_params.get("subject", ""), "closed_labels": KIND_LABELS,
    }, status=error.status if error else 200)


async def _register_refused(request: Request, refusal: Refusal) -> Response:
    form = await typed(request)
    return await _register_page(request, request.path_params["classroom_id"], _day(form.get("day")),
                                _period(form.get("period")), refusal)


@get("/", guards=[requires(Permission.use_attendance)])
async def start(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer.can(Permission.view_children):
        return redirect("/attendance/children")
    if viewer.can(Permission.view_own_attendance):
        return redirect("/attendance/mine")
    if viewer.can(Permission.view_school) and not viewer.classroom_ids and not viewer.teaching_ids:
        return redirect("/attendance/school")
    return page(request, "attendance/start.html", {"teaching": await services.teaching_classes(viewer),
                                                   "homerooms": await services.homeroom_classes(viewer)})


@get("/classrooms/{classroom_id:int}", guards=[requires_sign_in])
async def register_page(request: Request, classroom_id: FromPath[int], day: FromQuery[str] = "",
                        period: FromQuery[int] = HOMEROOM_PERIOD) -> Response:
    return await _register_page(request, classroom_id, _day(day), period)


@post("/classrooms/{classroom_id:int}", guards=[requires(Permission.mark_periods)],
      opt=on_refusal(_register_refused))
async def save_register(request: Request, classroom_id: FromPath[int]) -> Response:
    form = await request.form()
    period = _period(form.get("period"))
    day, subject = _day(form.get("day")), (form.get("subject") or "")[:100]
    statuses = {}
    for key, value in form.items():
        if key.startswith("s-"):
            student_id = int(key[2:]) if key[2:].isdecimal() else -1
            statuses[student_id if fits_id(student_id) else -1] = value  # -1: no such student, refused below
    saved = await services.save_register(current_viewer(request), request.app.state.settings,
                                         request.app.state.queue, classroom_id, day, statuses, period, subject)
    if saved.first:
        message = ngettext("Register saved: %(num)s student.", "Register saved: %(num)s students.", saved.changed)
    elif saved.changed:
        message = ngettext("Saved: %(num)s change.", "Saved: %(num)s changes.", saved.changed)
    else:
        message = _("Saved. Nothing had changed.")
    message += " " + _saved_messages(saved)
    query = "?" + urlencode({"period": period, "subject": subject}) if period != HOMEROOM_PERIOD else ""
    return redirect(f"/attendance/classrooms/{classroom_id}{query}", flash=message)




def _saved_messages(saved: services.Saved) -> str:
    """What the teacher is told of guardians after a save: nothing sent on a closed day, when held messages go,
    and who could not be told at all."""
    if saved.closed is not None:
        why = _(saved.closed.name) if saved.closed.name else _(KIND_LABELS[saved.closed.kind])
        return _("The school is closed on this day (%(why)s): the register is kept, but no message goes to "
                 "guardians.", why=why)
    words = []
    if saved.held:
        words.append(ngettext("%(num)s message to guardians will be sent at %(time)s; a correction before then "
                              "sends nothing.", "%(num)s messages to guardians will be sent at %(time)s; a correction "
                              "before then sends nothing.", saved.held,
                              time=f"{saved.send_at.astimezone(clock.SCHOOL_TIME):%H:%M}"))
    if len(saved.message_ids) > saved.held:
        words.append(ngettext("%(num)s message to guardians is on its way.",
                              "%(num)s messages to guardians are on their way.", len(saved.message_ids) - saved.held))
    if saved.unreachable:
        names = ", ".join(f"{name} ({_(UNREACHABLE_REASONS.get(why, UNREACHABLE_REASONS[None]))})"
                          for name, why in saved.unreachable)
        words.append(_("No guardian of %(names)s can be reached, so nobody was told: call them, or ask the admin to "
                       "add a mobile number.", names=names))
    return " ".join(words)


@get("/children", guards=[requires(Permission.view_children)])
async def children(request: Request) -> Response:
    viewer = current_viewer(request)
    records = [await services.child_attendance(viewer, student_id) for student_id in sorted(viewer.student_ids)]
    return page(request, "attendance/children.html", {
        "records": records, "vapid_key": request.app.state.settings.vapid_public_key,
        "my_records": await students.my_guardian_records(viewer),
        "labels": {s.value: STATUS_LABELS[s] for s in STATUS_LABELS}})


@get("/mine", guards=[requires(Permission.view_own_attendance)])
async def mine(request: Request) -> Response:
    """A student's own attendance this term (school days only)."""
    viewer = current_viewer(request)
    records = [await services.child_attendance(viewer, student_id) for student_id in sorted(viewer.student_ids)]
    return page(request, "attendance/mine.html", {
        "records": records, "labels": {s.value: STATUS_LABELS[s] for s in STATUS_LABELS},
        "closed_labels": KIND_LABELS})


@post("/alerts/{alert_id:int}/ack", guards=[requires(Permission.view_children)])
async def acknowledge(request: Request, alert_id: FromPath[int], back: FromQuery[str] = "") -> Response:
    await notify.acknowledge(current_viewer(request), alert_id)
    # Back where the parent tapped "Seen": the home page or the attendance page (a fixed choice, not an address).
    return redirect("/" if back == "home" else "/attendance/children",
                    flash=_("Thank you. The school can see that you have read it."))


@get("/school", guards=[requires(Permission.view_school)])
async def school(request: Request, day: FromQuery[str] = "") -> Response:
    viewer = current_viewer(request)
    chosen = _day(day)
    return page(request, "attendance/school.html", {
        "today": await services.school_today(viewer, chosen), "day": chosen,
        "trend": await services.term_trend(viewer),
        "labels": {s.value: STATUS_LABELS[s] for s in STATUS_LABELS}, "closed_labels": KIND_LABELS,
    })


attendance_router = Router(path="/attendance", route_handlers=[
    start, register_page, save_register, children, mine, acknowledge, school,
])
