"""Each role's home page, drawn from the areas that role works in."""

from __future__ import annotations

from litestar import Request, Response, get


from backend.accounts.access import Permission, current_viewer, requires_sign_in
from backend.attendance import services as attendance
from backend.attendance.tables import STATUS_LABELS
from backend.students import services as students
from backend.web import page, redirect
from backend import clock

ATTENDANCE_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


@get("/", guards=[requires_sign_in])
async def home(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer.must_set_password:
        return redirect("/account/password")
    if viewer.is_student:
        return redirect("/screening")  # what a student signs in for: their questionnaires
    today = clock.today()
    context: dict = {"children": [], "rooms": [], "counts": None, "today": today}
    if viewer.can(Permission.view_children) or viewer.student_ids:
        context["children"] = await students.list_children(viewer)
        context["attendance"] = await attendance.children_today(viewer)  # a parent's: today and alerts not seen
    if viewer.can(Permission.view_homeroom):
        context["rooms"] = await students.list_homerooms(viewer)
    if viewer.can(Permission.view_school):
        context["counts"] = await students.count_students(viewer)
    return page(request, "home/home.html", {**context, "attendance_labels": ATTENDANCE_LABELS})
