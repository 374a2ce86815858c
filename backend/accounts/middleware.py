"""Turns the session cookie into the request's Viewer and picks the language for the request."""

from __future__ import annotations


from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from backend import i18n
from backend.accounts import sessions
from backend import clock
from backend.web import is_static

SESSION_COOKIE = "doolae_session"
LANG_COOKIE = "lang"
PASSWORD_PAGE = "/account/password"
# What someone who must first choose a password may still open: that page, signing out, the language, and what
# the browser fetches by itself (static files never reach this middleware).
OPEN_BEFORE_PASSWORD = {PASSWORD_PAGE, "/signout", "/account/signout-everywhere", "/lang", "/healthz",
                        "/manifest.webmanifest", "/sw.js", "/offline"}
# What the browser or the service worker fetches by itself: not a sign that the person is at the phone, so it does
# not keep the session from counting as idle (accounts.sessions.note_activity).
NOT_ACTIVITY = {"/healthz", "/manifest.webmanifest", "/sw.js", "/offline"}


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            pairs = (part.strip().split("=", 1) for part in value.decode("latin-1").split(";"))
            return {p[0]: p[1] for p in pairs if len(p) == 2}
    return {}


def session_cookie(token: str, settings, max_age: int | None = None) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=token, httponly=True, secure=settings.production, samesite="lax",
                  max_age=max_age if max_age is not None else settings.session_days * 86400, path="/")


async def _to_password_page(scope: Scope, send: Send) -> None:
    """After a reset or a first sign-in by code, every page waits until a password is chosen."""
    htmx = any(name == b"hx-request" and value == b"true" for name, value in scope.get("headers", []))
    # htmx follows a 303 inside the page's target; HX-Redirect makes it load the password page whole.
    status, header = (200, b"hx-redirect") if htmx else (303, b"location")
    await send({"type": "http.response.start", "status": status,
                "headers": [(header, PASSWORD_PAGE.encode()), (b"content-length", b"0"),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static files need no session: skipping them saves a query per stylesheet and icon.
    should_bypass_for_scope = staticmethod(is_static)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cookies = _cookies(scope)
        token = cookies.get(SESSION_COOKIE)
        viewer = None
        if token:
            user = await sessions.session_user(token)
            if user is not None:
                if scope["path"] not in NOT_ACTIVITY:
                    user["password_fresh"] = await sessions.note_activity(scope["app"].state.settings, user)
                else:
                    user["password_fresh"] = False  # decides nothing there; no write for the browser's own fetches
                viewer = await sessions.load_viewer(user, clock.today())
            else:
                scope["state"]["session_expired"] = True
        scope["user"] = viewer
        if viewer is not None and viewer.must_set_password and scope["path"] not in OPEN_BEFORE_PASSWORD:
            await _to_password_page(scope, send)
            return
        locale = viewer.locale if viewer else i18n.pick_locale(cookies.get(LANG_COOKIE))
        reset = i18n.current_locale.set(locale)
        try:
            await next_app(scope, receive, send)
        finally:
            i18n.current_locale.reset(reset)
