"""Each role's home page, drawn from the areas that role works in, and the staff's student search."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.params import FromQuery


from backend.accounts import services as accounts
from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.attendance import services as attendance
from backend.attendance.tables import STATUS_LABELS
from backend.behaviour import digest
from backend.behaviour import family as behaviour_family
from backend.behaviour import rules as behaviour_rules
from backend.care import todo as care_todo
from backend.leave import services as leave
from backend.leave.tables import KIND_LABELS as LEAVE_KINDS, STATE_WORDS as LEAVE_STATES
from backend.conversations import services as conversations
from backend.promotion import network
from backend.promotion.tables import NETWORK_ROLE_LABELS
from backend.promotion import services as promotion
from backend.records import services as records
from backend.students import services as students
from backend.survey import services as survey
from backend.summary import services as summary
from backend import clock, web
from backend.web import redirect

ATTENDANCE_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


@get("/", guards=[requires_sign_in])
async def home(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer.must_set_password:
        return redirect("/account/password")
    if viewer.is_student:
        return redirect("/screening")  # what a student signs in for: their questionnaires
    if viewer.can(Permission.view_area):
        return redirect("/area")  # an area supervisor has their schools' figures and nothing else
    today = clock.today()
    context: dict = {"children": [], "rooms": [], "counts": None, "today": today, "grade_rooms": [], "recent": [],
                     "waiting": 0, "digests": []}
    if viewer.can(Permission.view_children) or viewer.student_ids:
        context["children"] = await students.list_children(viewer)
        context["attendance"] = await attendance.children_today(viewer)  # a parent's: today and alerts not seen
        context["conduct"] = await behaviour_family.children_summary(viewer)  # balance, incidents to acknowledge
        context["leave"] = await leave.children_leave(viewer)  # leave asked for, with the teacher's answer
        context["network"] = await network.home_card(viewer)  # the parent committees they sit on, next meeting
        context["summaries"] = await summary.latest_for_home(viewer)  # the newest weekly family summary
    if viewer.can(Permission.answer_surveys):
        context["survey"] = await survey.waiting_for(viewer)  # the term's survey, until this parent answers it
    if viewer.can(Permission.view_homeroom):
        context["rooms"] = await students.list_homerooms(viewer)
        # Behaviour rules that fired for the homeroom's students, until the teacher marks them seen.
        context["firings"] = await behaviour_rules.unseen_firings(viewer)
        context["rule_labels"] = {kind.value: label for kind, label in behaviour_rules.RULE_LABELS.items()}
        context["digests"] = await digest.latest_for_home(viewer)  # the newest weekly digest, its own card
    if viewer.can(Permission.use_conversations):
        context["messages"] = await conversations.unread_for_home(viewer)  # unread messages, per child or in all
    if viewer.can(Permission.view_grade):
        context["grade_rooms"] = [room for room in await accounts.list_classrooms(viewer)
                                  if viewer.supervises(room["id"])]
    if viewer.can(Permission.use_care):
        # The same-day path until contact; follow-ups due, referrals waiting, students needing a case or a plan.
        care_work = await care_todo.for_home(viewer)
        context["urgent"], context["todo"] = care_work["urgent"], care_work["todo"]
        context["no_meeting"] = await promotion.rooms_without_meeting(viewer)
    if viewer.can(Permission.search_students):
        context["recent"] = await records.students_worked_on(viewer)
    if viewer.can(Permission.review_account_changes):
        context["waiting"] = await accounts.waiting_for_confirmation(viewer)
    if viewer.can(Permission.view_school):
        context["counts"] = await students.count_students(viewer)
    return web.page(request, "home/home.html", {**context, "attendance_labels": ATTENDANCE_LABELS,
                                                "leave_kinds": {k.value: v for k, v in LEAVE_KINDS.items()},
                                                "leave_states": LEAVE_STATES,
                                                "seats": {k.value: v for k, v in NETWORK_ROLE_LABELS.items()}})


@get("/search", guards=[requires(Permission.search_students)])
async def search(request: Request, q: FromQuery[str] = "", page: FromQuery[int] = 1) -> Response:
    """Students found among those the viewer may see; htmx asks for the results alone as the staff member types."""
    found = await students.search_students(current_viewer(request), q, page)
    return web.page(request, "home/search.html", {"found": found}, block="results")
