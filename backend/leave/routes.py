"""Leave pages: a parent's form and requests; a homeroom teacher's list, phone entry and answer; a request's page."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.i18n import Refusal, _, format_date, ngettext
from backend.leave import services
from backend.leave.tables import KIND_LABELS, STATE_WORDS
from backend.schools.calendar import KIND_LABELS as CLOSED_LABELS
from backend.students import services as students
from backend.web import on_refusal, page, redirect, typed

LABELS = {"kinds": {k.value: v for k, v in KIND_LABELS.items()},
          "states": STATE_WORDS}


async def _list_page(request: Request, refusal: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    posted = {k: v for k, v in (await typed(request)).items() if isinstance(v, str)} if request.method == "POST" else {}
    children = []
    if viewer.can(Permission.view_children):
        children = await students.list_children(viewer)
    family_day, phone_day = await services.days_to_offer(viewer)
    return page(request, "leave/list.html", {
        "children": children, "family": await services.list_for_family(viewer) if children else [],
        "staff": await services.list_for_staff(viewer), "choices": await services.phone_choices(viewer),
        **LABELS, "error": refusal, "posted": posted, "family_day": family_day, "phone_day": phone_day,
        "form": request.url.path.rsplit("/", 1)[-1] if refusal else ""},
        status=refusal.status if refusal else 200)


def _listed(days: list[str]) -> str:
    """"20 Nov 2026", "20 Nov 2026 and 23 Nov 2026", "a, b and c"."""
    if len(days) < 2:
        return "".join(days)
    return _("%(first)s and %(last)s", first=", ".join(days[:-1]), last=days[-1])


def _told(asked: services.Asked, to_parent: bool = True) -> str:
    """What the parent is told, a sentence a line (the flash keeps the lines): the school days asked for, the days
    left out and why, and where the teacher sees it."""
    lines = [ngettext("Leave asked for %(num)s school day: %(days)s.", "Leave asked for %(num)s school days: %(days)s.",
                      len(asked.days), days=_listed([format_date(day) for day in asked.days]))]
    if asked.skipped:
        off = _listed([f"{format_date(off.starts_on)} ({_(off.name) if off.name else _(CLOSED_LABELS[off.kind])})"
                       for off in asked.skipped])
        lines.append(ngettext("%(days)s is not a school day, so it is not counted as leave.",
                              "%(days)s are not school days, so they are not counted as leave.",
                              len(asked.skipped), days=off))
    if to_parent:
        lines.append(_("The homeroom teacher sees it on the register."))
    return "\n".join(lines)


@get("/", guards=[requires(Permission.use_leave)])
async def leave_list(request: Request) -> Response:
    return await _list_page(request)


@post("/", guards=[requires(Permission.view_children)], request_max_body_size=services.MAX_UPLOAD_BYTES + 65536,
      opt=on_refusal(_list_page))
async def ask(request: Request) -> Response:
    form = await request.form()
    chosen = [int(key[1:]) for key in form if key.startswith("c") and key[1:].isdecimal() and len(key) <= 10]
    upload = form.get("photo")
    photo = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    asked = await services.ask_leave(current_viewer(request), request.app.state.photos,
                                     {k: v for k, v in form.items() if isinstance(v, str)}, chosen, photo)
    return redirect("/leave", flash=_told(asked))


@post("/phone", guards=[requires(Permission.view_homeroom)], opt=on_refusal(_list_page))
async def enter_by_phone(request: Request) -> Response:
    asked = await services.enter_by_phone(current_viewer(request), await typed(request))
    return redirect(f"/leave/{asked.ids[0]}", flash=_told(asked, to_parent=False))


async def _detail_page(request: Request, refusal: Refusal | None = None) -> Response:
    leave = await services.get_leave(current_viewer(request), request.path_params["leave_id"])
    return page(request, "leave/detail.html", {"leave": leave, **LABELS, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/{leave_id:int}", guards=[requires(Permission.use_leave)])
async def detail(request: Request, leave_id: FromPath[int]) -> Response:
    return await _detail_page(request)


@post("/{leave_id:int}/accept", guards=[requires(Permission.view_homeroom)], opt=on_refusal(_detail_page))
async def accept(request: Request, leave_id: FromPath[int]) -> Response:
    await services.accept(current_viewer(request), leave_id)
    return redirect(f"/leave/{leave_id}", flash=_("Accepted. The family sees it in the app."))


@post("/{leave_id:int}/question", guards=[requires(Permission.view_homeroom)], opt=on_refusal(_detail_page))
async def question(request: Request, leave_id: FromPath[int]) -> Response:
    form = await typed(request)
    restored = await services.question(current_viewer(request), request.app.state.settings, request.app.state.queue,
                                       leave_id, form.get("question", ""))
    message = _("Your question is on the family's page in the app. The register now shows what you record.")
    if restored:
        message += " " + _("The absence you had recorded stands again, and the guardians are told of it.")
    return redirect(f"/leave/{leave_id}", flash=message)


@get("/{leave_id:int}/photo", guards=[requires(Permission.use_leave)])
async def photo(request: Request, leave_id: FromPath[int]) -> Response:
    data = await services.photo(current_viewer(request), request.app.state.photos, leave_id)
    # private: a doctor's note must not sit in a shared cache
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


leave_router = Router(path="/leave", route_handlers=[leave_list, ask, enter_by_phone, detail, accept, question, photo])
