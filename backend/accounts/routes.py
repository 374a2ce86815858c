"""Sign-in and sign-out, language, own password, and the admin's pages for accounts, homerooms and parents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import Body, FromPath, FromQuery

from backend import i18n
from backend.accounts import codes, passwords, services, sessions, staff as staff_accounts
from backend.accounts import access
from backend.accounts.access import Permission, current_viewer, requires, requires_sign_in
from backend.accounts.middleware import LANG_COOKIE, SESSION_COOKIE, session_cookie
from backend.accounts.tables import ACCOUNT_CHANGE_LABELS, ROLE_LABELS, STAFF_ROLES, Role
from backend.i18n import Refusal, _
from backend.students import services as students
from backend.web import client_address, on_refusal, page, redirect, safe_next, typed

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
CSRF_COOKIE = "csrftoken"  # app.py's CSRFConfig cookie_name


# Sign-in ------------------------------------------------------------------------------------------------------


@dataclass
class SignInForm:
    username: str = ""
    password: str = ""
    next: str = "/"


@get("/signin")
async def sign_in_page(request: Request, next: FromQuery[str] = "/", username: FromQuery[str] = "") -> Response:
    expired = bool(request.query_params.get("expired"))
    return page(request, "accounts/signin.html", {"form": SignInForm(next=next, username=username[:60]), "error": None,
                                                  "expired": expired})


async def _sign_in_refused(request: Request, refusal: Refusal) -> Response:
    form = SignInForm(**{k: v for k, v in (await typed(request)).items() if k in ("username", "next")})
    return page(request, "accounts/signin.html", {"form": form, "error": refusal, "expired": False},
                status=refusal.status)


@post("/signin", opt=on_refusal(_sign_in_refused))
async def sign_in(request: Request, data: Annotated[SignInForm, Form]) -> Response:
    settings = request.app.state.settings
    user = await passwords.authenticate(settings, data.username, data.password, client_address(request))
    token = await sessions.start_session(settings, user["id"])
    response = redirect(safe_next(data.next))
    response.cookies.extend([session_cookie(token, settings), fresh_csrf_cookie(settings)])
    return response


@post("/signout")
async def sign_out(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await sessions.end_session(token)
    response = redirect("/signin", flash=_("You have signed out."))
    response.cookies.extend(_signed_out_cookies(request.app.state.settings))
    return response


def fresh_csrf_cookie(settings) -> Cookie:
    """A new CSRF token whenever who is signed in changes, so a token seen before cannot be used after."""
    return Cookie(key=CSRF_COOKIE, value=generate_csrf_token(settings.secret_key), path="/", samesite="lax",
                  secure=settings.production, httponly=False)


def _signed_out_cookies(settings) -> list[Cookie]:
    return [session_cookie("", settings, max_age=0), fresh_csrf_cookie(settings)]


@dataclass
class CodeForm:
    phone: str = ""
    code: str = ""


@get("/signin/code")
async def code_page(request: Request) -> Response:
    return page(request, "accounts/code.html", {"form": CodeForm(), "error": None})


async def _code_refused(request: Request, refusal: Refusal) -> Response:
    form = CodeForm(phone=(await typed(request)).get("phone", ""))
    return page(request, "accounts/code.html", {"form": form, "error": refusal}, status=refusal.status)


@post("/signin/code", opt=on_refusal(_code_refused))
async def sign_in_with_code(request: Request, data: Annotated[CodeForm, Form]) -> Response:
    settings = request.app.state.settings
    user_id = await codes.redeem_sign_in_code(settings, data.phone, data.code, client_address(request))
    token = await sessions.start_session(settings, user_id, password_entered=False)
    response = redirect("/account/password", flash=_("Welcome! Now choose your own password."))
    response.cookies.extend([session_cookie(token, settings), fresh_csrf_cookie(settings)])
    return response


@dataclass
class LanguageForm:
    locale: str = "th"
    next: str = "/"


@post("/lang")
async def switch_language(request: Request, data: Annotated[LanguageForm, Form]) -> Response:
    locale = i18n.pick_locale(data.locale)
    viewer = request.scope.get("user")
    if viewer is not None:
        await services.set_locale(viewer, locale)
    response = redirect(safe_next(data.next))
    response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


# Own password -------------------------------------------------------------------------------------------------


@dataclass
class PasswordForm:
    current: str = ""
    password: str = ""
    confirm: str = ""


async def _password_page(request: Request, refusal: Refusal | None = None) -> Response:
    return page(request, "accounts/password.html", {"error": refusal}, status=refusal.status if refusal else 200)


@get("/account/password", guards=[requires_sign_in])
async def password_page(request: Request) -> Response:
    return await _password_page(request)


@post("/account/password", guards=[requires_sign_in], opt=on_refusal(_password_page))
async def change_password(request: Request, data: Annotated[PasswordForm, Form]) -> Response:
    await passwords.change_own_password(current_viewer(request), data.current, data.password, data.confirm,
                                        request.cookies.get(SESSION_COOKIE))
    return redirect("/", flash=_("Your password is saved."))


@post("/account/signout-everywhere", guards=[requires_sign_in])
async def sign_out_everywhere(request: Request) -> Response:
    await sessions.end_every_session(current_viewer(request).user_id)
    response = redirect("/signin", flash=_("You have signed out on every device."))
    response.cookies.extend(_signed_out_cookies(request.app.state.settings))
    return response


# Admin: staff accounts ------------------------------------------------------------------------------------------


@dataclass
class StaffForm:
    username: str = ""
    display_name: str = ""
    role: str = ""


async def _users_page(request: Request, form: StaffForm | None = None, error: Refusal | None = None,
                      issued=None) -> Response:
    staff = await staff_accounts.list_staff(current_viewer(request))
    return page(request, "accounts/users.html", {
        "staff": staff, "form": form or StaffForm(), "error": error, "issued": issued, "roles": STAFF_ROLES,
    }, status=error.status if error else 200)


async def _staff_refused(request: Request, refusal: Refusal) -> Response:
    typed_form = await typed(request)
    return await _users_page(request, StaffForm(**{k: typed_form.get(k, "") for k in ("username", "display_name",
                                                                                    "role")}), refusal)


@get("/users")
async def users_page(request: Request) -> Response:
    return await _users_page(request)


@post("/users", opt=on_refusal(_staff_refused))
async def create_staff(request: Request, data: Annotated[StaffForm, Form]) -> Response:
    password = await services.create_staff(current_viewer(request), data.username, data.display_name, data.role)
    username = data.username.strip().lower()
    issued = {"username": username, "password": password} if password else {"pending": username}
    return await _users_page(request, issued=issued)


@post("/users/{user_id:int}/reset")
async def reset_password(request: Request, user_id: FromPath[int]) -> Response:
    reset = await services.reset_password(request.app.state.settings, request.app.state.queue,
                                          current_viewer(request), user_id)
    if reset.code is not None:
        return await _users_page(request, issued={"user_id": user_id, "by_sms": reset.code.phone})
    return await _users_page(request, issued={"user_id": user_id, "password": reset.password})


# Admin: one staff member's roles and whether they may sign in ----------------------------------------------------


@dataclass
class RoleForm:
    role: str = ""


async def _person_page(request: Request, refusal: Refusal | None = None) -> Response:
    user_id = request.path_params["user_id"]
    person = await staff_accounts.staff_member(current_viewer(request), user_id)
    return page(request, "accounts/person.html", {"person": person, "roles": STAFF_ROLES, "error": refusal},
                status=refusal.status if refusal else 200)


@get("/users/{user_id:int}")
async def person_page(request: Request, user_id: FromPath[int]) -> Response:
    return await _person_page(request)


@post("/users/{user_id:int}/roles", opt=on_refusal(_person_page))
async def grant_role(request: Request, user_id: FromPath[int], data: Annotated[RoleForm, Form]) -> Response:
    given = await staff_accounts.grant_role(current_viewer(request), user_id, data.role)
    return redirect(f"/admin/users/{user_id}", flash=_("Role given.") if given else _(
        "This role reads children's sensitive data: it waits for an executive's confirmation."))


@post("/users/{user_id:int}/roles/remove", opt=on_refusal(_person_page))
async def remove_role(request: Request, user_id: FromPath[int], data: Annotated[RoleForm, Form]) -> Response:
    await staff_accounts.remove_role(current_viewer(request), user_id, data.role)
    return redirect(f"/admin/users/{user_id}", flash=_("Role taken back."))


@post("/users/{user_id:int}/deactivate", opt=on_refusal(_person_page))
async def deactivate(request: Request, user_id: FromPath[int]) -> Response:
    name = await staff_accounts.deactivate(current_viewer(request), user_id)
    return redirect(f"/admin/users/{user_id}", flash=_(
        "%(name)s can no longer sign in; they were signed out everywhere. What they recorded stays.", name=name))


@post("/users/{user_id:int}/reactivate", opt=on_refusal(_person_page))
async def reactivate(request: Request, user_id: FromPath[int]) -> Response:
    name = await staff_accounts.reactivate(current_viewer(request), user_id)
    return redirect(f"/admin/users/{user_id}", flash=_("%(name)s can sign in again.", name=name))


# Executives: who was given accounts and passwords --------------------------------------------------------------------


async def _changes_page(request: Request, refusal: Refusal | None = None, decided=None) -> Response:
    changes = await services.account_changes(current_viewer(request))
    return page(request, "accounts/changes.html", {"changes": changes, "decided": decided, "error": refusal},
                status=refusal.status if refusal else 200)


REVIEW_CHANGES = [requires(Permission.review_account_changes)]


@get("/account-changes", guards=REVIEW_CHANGES)
async def account_changes_page(request: Request) -> Response:
    return await _changes_page(request)


@post("/account-changes/{change_id:int}/{decision:str}", guards=REVIEW_CHANGES, opt=on_refusal(_changes_page))
async def decide_grant(request: Request, change_id: FromPath[int], decision: FromPath[str]) -> Response:
    if decision not in ("confirm", "refuse"):
        raise NotFoundException()
    password = await services.decide_grant(current_viewer(request), change_id, decision == "confirm")
    return await _changes_page(request, decided={"change_id": change_id, "password": password})


# Admin: homerooms -----------------------------------------------------------------------------------------------


@dataclass
class HomeroomForm:
    classroom: int = 0
    teacher: int = 0


async def _homerooms_page(request: Request, error: Refusal | None = None) -> Response:
    viewer = current_viewer(request)
    classrooms = await services.list_classrooms(viewer)
    staff = await services.homeroom_candidates(viewer)
    return page(request, "accounts/homerooms.html",
                {"classrooms": classrooms, "staff": staff, "error": error,
                 "grade_heads": await staff_accounts.list_grade_heads(viewer),
                 "changes": await services.homeroom_changes(viewer)}, status=error.status if error else 200)


@get("/homerooms")
async def homerooms_page(request: Request) -> Response:
    return await _homerooms_page(request)


@post("/homerooms", opt=on_refusal(_homerooms_page))
async def assign_homeroom(request: Request, data: Annotated[HomeroomForm, Form]) -> Response:
    await services.assign_homeroom(current_viewer(request), data.classroom, data.teacher)
    return redirect("/admin/homerooms", flash=_("Homeroom teacher assigned."))


@post("/homerooms/remove")
async def unassign_homeroom(request: Request, data: Annotated[HomeroomForm, Form]) -> Response:
    await services.unassign_homeroom(current_viewer(request), data.classroom, data.teacher)
    return redirect("/admin/homerooms", flash=_("Homeroom teacher removed."))


@dataclass
class GradeHeadForm:
    grade: int = 0
    teacher: int = 0


@post("/grade-heads", opt=on_refusal(_homerooms_page))
async def assign_grade_head(request: Request, data: Annotated[GradeHeadForm, Form]) -> Response:
    await staff_accounts.assign_grade_head(current_viewer(request), data.grade, data.teacher)
    return redirect("/admin/homerooms", flash=_("Grade-level head assigned for this school year."))


@post("/grade-heads/remove")
async def remove_grade_head(request: Request, data: Annotated[GradeHeadForm, Form]) -> Response:
    await staff_accounts.remove_grade_head(current_viewer(request), data.grade, data.teacher)
    return redirect("/admin/homerooms", flash=_("Grade-level head removed."))


# Admin: parent accounts and one-time codes -----------------------------------------------------------------------


@get("/parents")
async def parents_page(request: Request, q: FromQuery[str] = "") -> Response:
    guardians = await students.list_guardians(current_viewer(request), q)
    return page(request, "accounts/parents.html", {"guardians": guardians, "q": q, "issued": None, "error": None,
                                                    "by_sms": False}, block="results")


async def _parents_results(request: Request, issued=None, error: Refusal | None = None) -> Response:
    """The admin's search as it was, with the code just sent or what stopped it."""
    q = request.query_params.get("q", "")
    guardians = await students.list_guardians(current_viewer(request), q)
    return page(request, "accounts/parents.html", {"guardians": guardians, "q": q, "issued": issued, "error": error,
                                                    "by_sms": request.app.state.settings.sms_enabled},
                status=error.status if error else 200)


@post("/parents/{guardian_id:int}/code", opt=on_refusal(_parents_results))
async def issue_code(request: Request, guardian_id: FromPath[int]) -> Response:
    issued = await codes.issue_sign_in_code(request.app.state.settings, request.app.state.queue,
                                               current_viewer(request), guardian_id)
    return await _parents_results(request, issued)


template_helpers = {
    "menu": access.menu,
    "menu_parts": access.menu_parts,
    "Permission": Permission,
    "role_label": lambda role: _(ROLE_LABELS[Role(role)]),
    "change_label": lambda action: _(ACCOUNT_CHANGE_LABELS[action]),
}

account_router = Router(path="/", route_handlers=[
    sign_in_page, sign_in, sign_out, code_page, sign_in_with_code, switch_language, password_page, change_password,
    sign_out_everywhere, account_changes_page, decide_grant,
])
admin_router = Router(path="/admin", guards=[requires(Permission.manage_users)], route_handlers=[
    users_page, create_staff, reset_password, homerooms_page, assign_homeroom, unassign_homeroom, parents_page,
    issue_code, person_page, grant_role, remove_role, deactivate, reactivate, assign_grade_head, remove_grade_head,
])
