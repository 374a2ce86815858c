"""The admin's pages for who teaches which class (the screen and the timetable file), parents' sign-in codes for a
classroom or the whole school (printed slips or SMS), and correcting a guardian and their links to students."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from backend.accounts import codes, teaching
from backend.accounts.access import Permission, current_viewer, requires
from backend.clock import now
from backend.i18n import N_, Refusal, _, ngettext
from backend.students import guardians
from backend.web import on_refusal, page, redirect, typed

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


# Teaching assignments -------------------------------------------------------------------------------------------


@dataclass
class TeachingForm:
    teacher: int = 0
    classroom: int = 0
    subject: str = ""
    term: int = 0


async def _teaching_page(request: Request, error: Refusal | None = None, preview=None,
                         form: TeachingForm | None = None) -> Response:
    viewer = current_viewer(request)
    wanted = request.query_params.get("classroom", "")
    chosen = (form.classroom if form else 0) or (int(wanted) if wanted.isdecimal() and len(wanted) < 10 else None)
    context = await teaching.teaching_page(viewer, chosen)
    return page(request, "accounts/teaching.html", {**context, "error": error, "preview": preview,
                                                     "form": form or TeachingForm()},
                status=error.status if error else 200)


async def _teaching_refused(request: Request, refusal: Refusal) -> Response:
    typed_form = await typed(request)
    number = lambda name: int(typed_form.get(name, "0")) if typed_form.get(name, "0").isdecimal() else 0  # noqa: E731
    form = TeachingForm(teacher=number("teacher"), classroom=number("classroom"),
                        subject=typed_form.get("subject", "")[:100], term=number("term"))
    return await _teaching_page(request, refusal, form=form)


@get("/teaching")
async def teaching_screen(request: Request) -> Response:
    return await _teaching_page(request)


@post("/teaching", opt=on_refusal(_teaching_refused))
async def assign_teaching(request: Request, data: Annotated[TeachingForm, Form]) -> Response:
    made = await teaching.assign_teaching(current_viewer(request), data.teacher, data.classroom, data.subject,
                                          data.term)
    return redirect(f"/admin/teaching?classroom={data.classroom}",
                    flash=_("Teaching assigned.") if made else _("This teaching was assigned already."))


@dataclass
class RemoveTeachingForm:
    assignment: int = 0
    classroom: int = 0


@post("/teaching/remove")
async def remove_teaching(request: Request, data: Annotated[RemoveTeachingForm, Form]) -> Response:
    await teaching.remove_teaching(current_viewer(request), data.assignment)
    return redirect(f"/admin/teaching?classroom={data.classroom}", flash=_("Teaching removed."))


async def _import_refused(request: Request, refusal: Refusal) -> Response:
    return await _teaching_page(request, refusal)


@post("/teaching/import", request_max_body_size=teaching.MAX_UPLOAD_BYTES + 65536, opt=on_refusal(_import_refused))
async def preview_timetable(request: Request) -> Response:
    # Read the form by hand: a missing file must get the page with a message, not a bare 400.
    upload = (await request.form()).get("data")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise teaching.TeachingError(N_("Choose a timetable file (CSV or XLSX)."))
    preview = await teaching.preview_timetable(current_viewer(request), upload.filename, await upload.read())
    return await _teaching_page(request, preview=preview)


@dataclass
class ApplyTimetableForm:
    rows: str = ""


@post("/teaching/import/apply", opt=on_refusal(_import_refused))
async def apply_timetable(request: Request, data: Annotated[ApplyTimetableForm, Form]) -> Response:
    made = await teaching.apply_timetable(current_viewer(request), data.rows)
    if not made:
        return redirect("/admin/teaching", flash=_("Nothing new: every row was assigned already."))
    return redirect("/admin/teaching", flash=ngettext("Timetable imported: %(num)s teaching assignment made.",
                                                      "Timetable imported: %(num)s teaching assignments made.", made))


# Parents' sign-in codes for a classroom or the whole school ------------------------------------------------------


def _flag(value: str | None) -> bool:
    return value in ("1", "on", "true")


def _classroom(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and len(value) < 10 and int(value) else None


async def _invite_page(request: Request, error: Refusal | None = None, done=None) -> Response:
    viewer = current_viewer(request)
    params = {**request.query_params, **(await typed(request) if request.method == "POST" else {})}
    via = params.get("via") if params.get("via") in (codes.SLIP, codes.SMS) else codes.SLIP
    classroom_id = _classroom(params.get("classroom"))
    plan = await codes.plan_invites(request.app.state.settings, viewer, via, classroom_id,
                                    again=_flag(params.get("again")),
                                    smartphones_only=_flag(params.get("smartphones_only")))
    context = await teaching.teaching_page(viewer, None)
    return page(request, "accounts/invite.html", {"plan": plan, "classrooms": context["classrooms"], "error": error,
                                                   "done": done, "again": _flag(params.get("again")),
                                                   "reasons": codes.LEFT_OUT_REASONS,
                                                   "smartphones_only": _flag(params.get("smartphones_only"))},
                status=error.status if error else 200)


@get("/parents/invite")
async def invite_page(request: Request) -> Response:
    return await _invite_page(request)


@dataclass
class InviteForm:
    via: str = ""
    classroom: str = ""
    as_of: str = ""
    again: str = ""
    smartphones_only: str = ""


@post("/parents/invite", opt=on_refusal(_invite_page))
async def give_codes(request: Request, data: Annotated[InviteForm, Form]) -> Response:
    try:
        as_of = datetime.fromisoformat(data.as_of).astimezone(timezone.utc)
    except ValueError:
        as_of = now()
    plan = await codes.give_codes(request.app.state.settings, request.app.state.queue, current_viewer(request),
                                  data.via, _classroom(data.classroom), as_of, again=_flag(data.again),
                                  smartphones_only=_flag(data.smartphones_only))
    if data.via == codes.SLIP:
        school = await codes.school_name(current_viewer(request))
        return page(request, "accounts/slips.html", {"plan": plan, "school": school,
                                                     "address": request.app.state.settings.public_base_url})
    return await _invite_page(request, done=plan)


# A guardian and their links to students --------------------------------------------------------------------------


@dataclass
class GuardianForm:
    name: str = ""
    phone: str = ""
    has_smartphone: str = ""


async def _guardian_page(request: Request, guardian_id: int, error: Refusal | None = None,
                         typed_form: dict | None = None, pending=None) -> Response:
    viewer = current_viewer(request)
    guardian = await guardians.guardian_page(viewer, guardian_id)
    return page(request, "accounts/guardian.html", {
        "guardian": guardian, "error": error, "typed": typed_form or {}, "pending": pending
        or await codes.pending_phone(viewer, guardian_id)}, status=error.status if error else 200)


async def _guardian_refused(request: Request, refusal: Refusal) -> Response:
    return await _guardian_page(request, request.path_params["guardian_id"], refusal, await typed(request))


@get("/guardians/{guardian_id:int}")
async def guardian_screen(request: Request, guardian_id: FromPath[int]) -> Response:
    return await _guardian_page(request, guardian_id)


@post("/guardians/{guardian_id:int}", opt=on_refusal(_guardian_refused))
async def save_guardian(request: Request, guardian_id: FromPath[int], data: Annotated[GuardianForm, Form]) -> Response:
    saved = await codes.save_guardian(request.app.state.settings, request.app.state.queue, current_viewer(request),
                                      guardian_id, data.name, data.phone, _flag(data.has_smartphone))
    if saved.phone_pending:
        return await _guardian_page(request, guardian_id)
    return redirect(f"/admin/guardians/{guardian_id}", flash=_("Guardian saved."))


@dataclass
class PhoneCodeForm:
    code: str = ""


@post("/guardians/{guardian_id:int}/phone", opt=on_refusal(_guardian_refused))
async def confirm_phone(request: Request, guardian_id: FromPath[int], data: Annotated[PhoneCodeForm, Form]) -> Response:
    await codes.confirm_phone_change(request.app.state.settings, current_viewer(request), guardian_id, data.code)
    return redirect(f"/admin/guardians/{guardian_id}",
                    flash=_("The new number is confirmed: the parent now signs in with it."))


@dataclass
class LinkForm:
    student_code: str = ""
    relation: str = ""
    first_contact: str = ""


@post("/guardians/{guardian_id:int}/links", opt=on_refusal(_guardian_refused))
async def add_link(request: Request, guardian_id: FromPath[int], data: Annotated[LinkForm, Form]) -> Response:
    await guardians.link_student(current_viewer(request), guardian_id, data.student_code, data.relation)
    return redirect(f"/admin/guardians/{guardian_id}", flash=_("Student linked."))


@post("/guardians/{guardian_id:int}/links/{link_id:int}", opt=on_refusal(_guardian_refused))
async def update_link(request: Request, guardian_id: FromPath[int], link_id: FromPath[int],
                      data: Annotated[LinkForm, Form]) -> Response:
    await guardians.update_link(current_viewer(request), guardian_id, link_id, data.relation,
                                _flag(data.first_contact))
    return redirect(f"/admin/guardians/{guardian_id}", flash=_("Link saved."))


@post("/guardians/{guardian_id:int}/links/{link_id:int}/remove")
async def remove_link(request: Request, guardian_id: FromPath[int], link_id: FromPath[int]) -> Response:
    await guardians.unlink(current_viewer(request), guardian_id, link_id)
    return redirect(f"/admin/guardians/{guardian_id}", flash=_("Link removed."))


school_admin_router = Router(path="/admin", guards=[requires(Permission.manage_users)], route_handlers=[
    teaching_screen, assign_teaching, remove_teaching, preview_timetable, apply_timetable, invite_page, give_codes,
    guardian_screen, save_guardian, confirm_phone, add_link, update_link, remove_link,
])
