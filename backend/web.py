"""Shared HTTP helpers: the Jinja environment, page() for whole pages or htmx fragments, redirects with a flash."""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote

import rcssmin
import rjsmin
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from backend import db, i18n

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "frontend" / "templates"
STATIC = ROOT / "frontend" / "static"
STATIC_PATH = "/static"  # where STATIC is served: files named by their version, the same for every visitor


def is_static(scope) -> bool:
    """A request for one of the app's own files: no session, no database, no cookie; cached for a year."""
    return scope["path"].startswith(STATIC_PATH + "/")
FLASH_COOKIE = "flash"


def static_version() -> str:
    """A hash of every static file: it names the service worker's cache and busts browser caches on deploy."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update((TEMPLATES / "pwa" / "offline.html").read_bytes())
    return digest.hexdigest()[:10]


@cache
def served_static() -> Path:
    """The folder /static/ serves: frontend/static with its scripts and stylesheet minified (comments and
    indentation cost a slow phone about 2 KB on a first load), made once per version and shared by processes."""
    target = Path(tempfile.gettempdir()) / f"doolae-static-{static_version()}"
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix="doolae-static-staging-"))
    for path in STATIC.rglob("*"):
        copy = staging / path.relative_to(STATIC)
        if path.is_dir():
            copy.mkdir(parents=True, exist_ok=True)
        elif path.suffix == ".js" and not path.name.endswith(".min.js"):
            copy.write_text(rjsmin.jsmin(path.read_text(encoding="utf-8")), encoding="utf-8")
        elif path.suffix == ".css":
            copy.write_text(rcssmin.cssmin(path.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(path, copy)
    try:
        staging.rename(target)  # atomic: a process starting at the same moment sees all of it or none
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


@cache
def inline_css() -> str:
    """app.css, written into every page's <head>: on a slow phone a stylesheet fetched before the first paint costs a
    round trip, and the whole file is under 3 KB gzipped. Read once per process; a deploy changes it."""
    return (served_static() / "app.css").read_text(encoding="utf-8")


def inline_style_source() -> str:
    """For the Content-Security-Policy's style-src: the sha256 of the two inline <style>s Doolae writes (every page's
    and the offline page's), so that no other inline style is allowed."""
    offline = (TEMPLATES / "pwa" / "offline.html").read_text()
    styles = [inline_css(), offline.split("<style>", 1)[1].split("</style>", 1)[0]]
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles)


class TemplateEnvironment(Environment):
    """Jinja's Environment, but each template's globals are a plain dict copied when the template is loaded, not a
    ChainMap over the environment's: Jinja walks that ChainMap in Python on every render and every macro import
    (0.05 ms of a parent's home page). The globals are all set in make_environment, before any template is loaded,
    as Jinja asks anyway."""

    language: str | None = None  # set on each language's own environment (in_language)

    def make_globals(self, d: dict | None) -> dict:
        return {**self.globals, **(d or {})}

    def getattr(self, obj, attribute):
        # Rows are dicts, and `child.name` means the key. Jinja tries an attribute first and reaches the key through
        # a raised AttributeError (0.6 µs, some seventy times on a parent's home page); here a dict's key comes
        # first. A dict's own methods (`.get`, `.items`) are still found when no key has their name.
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def in_language(self, locale: str) -> Environment:
        """The templates compiled for one language, with their fixed phrases already translated (no lookup and
        no escaping of "Home" or "Sign out" on every render). Each language keeps its own compiled templates;
        everything else (globals, filters, loader) is this environment's."""
        return self.languages[locale]

    def _parse(self, source, name, filename):
        template = super()._parse(source, name, filename)
        if self.language is None:
            return template
        template = i18n.FixedPhrases(self.language).translate(template)
        template.set_environment(self)  # the new nodes too, as Jinja's parser does
        return template


def make_environment(helpers: dict | None = None, filters: dict | None = None) -> Environment:
    """The templates' environment; each area brings its own helpers and filters (its routes.py's template_helpers),
    so that this module knows no area."""
    env = TemplateEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    # `_` straight to the phrase, without Jinja's alias calling gettext through the context
    env.globals.update(_=i18n.template_gettext, gettext=i18n.template_gettext, ngettext=i18n.template_ngettext)
    version = static_version()
    env.globals.update(
        static=lambda name: f"{STATIC_PATH}/{name}?v={version}",
        static_version=version,
        inline_css=Markup(inline_css()),
        format_term=i18n.format_term,
        **(helpers or {}),
    )
    env.filters.update(date=i18n.format_date, datetime=i18n.format_datetime, time=i18n.format_time,
                       money=i18n.format_money,
                       typed_day=i18n.format_typed_day, **(filters or {}))
    # Made last: an overlay shares the globals and filters, and starts with an empty cache of its own.
    env.languages = {}
    for locale in i18n.LOCALES:
        env.languages[locale] = env.overlay()
        env.languages[locale].language = locale
    return env


def _context(request: Request, context: dict) -> dict:
    viewer = request.scope.get("user")
    return {
        "request": request,
        "viewer": viewer,
        "locale": i18n.current_locale.get(),
        "csrf_token": ScopeState.from_scope(request.scope).csrf_token or "",
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
        **context,
    }


def page(request: Request, template: str, context: dict | None = None, *, block: str | None = None,
         status: int = 200) -> Response:
    """Render a page template. htmx gets less: a named block when asked for one, the body alone when boosted.
    A block rendered alone does not see the page's top-level imports: import macros inside such blocks."""
    env: Environment = request.app.state.jinja.in_language(i18n.current_locale.get())
    tmpl = env.get_template(template)
    ctx = _context(request, context or {})
    headers = {"Vary": "HX-Request"}
    if ctx["viewer"] is not None:
        # Pages about children: a shared phone's Back button or cache must not show them to the next person.
        headers["Cache-Control"] = "no-store"
    htmx = request.headers.get("hx-request") == "true"
    boosted = htmx and request.headers.get("hx-boosted") == "true"
    if boosted and request.method != "GET":
        # A form answered with a page (a refusal, say): the address bar keeps the page's own address, since
        # reloading a form's POST address would open nothing.
        headers["HX-Push-Url"] = "false"
    if htmx and block is not None and not boosted:
        html = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
    else:
        # A boosted navigation gets only <title> and the body: the shell is already on the phone.
        html = tmpl.render({**ctx, "boosted": htmx})
    response = Response(html, media_type=MediaType.HTML, status_code=status, headers=headers)
    if ctx["flash"]:
        response.delete_cookie(FLASH_COOKIE)
    return response


def on_refusal(build) -> dict:
    """A form handler's option (`opt=on_refusal(build)`): when its service refuses the form (anything but "not
    allowed" or "not found": a field to fix, a wait, a conflict), the app-wide
    refusal handler answers with `await build(request, refusal)`, the form's page again with what was typed (read
    with typed()) and what to fix. Handlers never catch refusals themselves."""
    return {"refusal_page": build}


async def typed(request: Request) -> dict[str, str]:
    """The form being answered, as typed (Litestar keeps the parsed form, so reading it again costs nothing)."""
    return dict((await request.form()).items())


class Later(Response):
    """A response an async function makes when it is sent: the refusal handler's way to render a page that needs
    the database (Litestar's exception handlers are synchronous)."""

    def __init__(self, make):
        super().__init__(content=None)
        self.make = make

    def to_asgi_response(self, app, request, **kwargs):
        async def respond(scope, receive, send) -> None:
            response = await self.make()
            await response.to_asgi_response(app, request, **kwargs)(scope=scope, receive=receive, send=send)

        return respond


def redirect(url: str, flash: str | None = None) -> Redirect:
    """A 303 to a GET page; boosted forms follow it and show that page. The flash is shown there once."""
    response = Redirect(url, status_code=303)
    if flash:
        response.cookies.append(Cookie(key=FLASH_COOKIE, value=quote(flash), httponly=True, samesite="lax",
                                       max_age=60))
    return response


def safe_next(target: str | None) -> str:
    """Only paths on this site, so a crafted link cannot send people elsewhere after a form."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def client_address(request: Request) -> str:
    """The phone's address: from the one header the settings name (Fly's proxy sets Fly-Client-IP, replacing what a
    client sent), else the connection's. Never X-Forwarded-For, which any client can write. Bounded in length."""
    header = request.app.state.settings.client_ip_header
    if header and request.headers.get(header):
        return request.headers[header].strip()[:64]
    return request.client.host if request.client else "unknown"


def problem(request: Request, status: int, title: str, message: str,
            errors: dict[str, str] | None = None) -> Response:
    """Every error answer, one shape: a Thai page (why, and each field to fix) for people; for scripts the same as
    JSON {"status", "message", "errors"}, which the visit queue reads."""
    if wants_html(request):
        return page(request, "error.html", {"title": title, "message": message,
                                            "problems": list((errors or {}).values())}, status=status)
    return Response({"status": status, "message": message, "errors": errors or {}}, status_code=status)


def wants_html(request: Request) -> bool:
    """A page for people; JSON for scripts. A body that is not a form (the visit queue's JSON, a photo) comes from a
    script, which reads its answer as JSON whatever the browser's Accept says."""
    body_type = request.headers.get("content-type", "")
    if body_type and not body_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return False
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


# A file is asked for as ?format=<one of these> on the page it summarises (the screening summaries' XLSX, the care
# summaries' PDF, …).
DOWNLOAD_FORMATS = frozenset({"xlsx", "csv", "pdf"})


async def downloads_leave_htmx(request: Request) -> Response | None:
    """A download reached through htmx (a boosted link someone forgot to mark hx-boost="false", an hx-get) would be
    swapped into the page as binary garbage. Answer before any work (and any audited read) is done: htmx then opens
    the address as a plain navigation, which the browser saves as a file and stays on the page."""
    if request.headers.get("hx-request") == "true" and request.query_params.get("format") in DOWNLOAD_FORMATS:
        address = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Response(b"", status_code=200, headers={"HX-Redirect": address})
    return None


class OneConnection(ASGIMiddleware):
    """Each request's queries on one database connection, the session's read included (db.one_connection)."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(is_static)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async with db.one_connection():
            await next_app(scope, receive, send)
