"""create_app(): the Litestar application with every area's routes, sessions, CSRF, compression and errors."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from urllib.parse import quote

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.logging import LoggingConfig
from litestar.static_files import create_static_files_router

from backend import db, i18n
from backend.compression import Compression
from backend.accounts.middleware import SessionMiddleware
from backend.accounts import routes as accounts_web
from backend.accounts.admin_routes import school_admin_router
from backend.accounts.routes import account_router, admin_router
from backend.attendance.routes import attendance_router
from backend.behaviour.routes import behaviour_router
from backend.care import services as care
from backend.care.routes import care_router
from backend.promotion.routes import promotion_router
from backend.leave.routes import leave_router
from backend.conversations.routes import conversations_router
from backend.survey.routes import public_survey_router, survey_router
from backend.summary.routes import summary_router
from backend.supervision.routes import area_router, supervision_router
from backend.notify import delivery as notify
from backend.notify.queue import InProcessQueue, JobQueue, connect, queue_name
from backend.notify import routes as notify_web
from backend.notify.routes import notify_router
from backend.attendance import services as attendance
from backend.notify import outbox
from backend.records import services as records
from backend.records.routes import records_router
from backend.visits import services as visits
from backend.screening import services as screening
from backend.schools.routes import school_router
from backend.screening.routes import screening_router
from backend.visits.routes import visits_router
from backend.visits.storage import open_photo_store
from backend.config import Settings
from backend.home.routes import home, search
from backend.i18n import N_, Refusal, _
from backend.pwa.routes import health, manifest, offline, service_worker
from backend.students import routes as students_web
from backend.request_input import CheckRequestInput
from backend.students.routes import roster_router, students_router
from backend.web import (STATIC_PATH, Later, OneConnection, downloads_leave_htmx, inline_style_source, is_static,
                         make_environment, problem, redirect, served_static, wants_html)

CSRF_COOKIE = "csrftoken"
log = logging.getLogger("doolae")


REFUSAL_TITLES = {403: N_("Not allowed"), 404: N_("Not found"), 409: N_("Not done"), 429: N_("Please wait")}


def refused(request: Request, refusal: Refusal) -> Response:
    """Every refusal of the app (not allowed, not found, a form to fix) answered one way: a form's page again with
    what was typed (its handler's on_refusal), else a Thai page saying why; scripts get the same as JSON."""
    handler = request.scope.get("route_handler")
    build = handler.opt.get("refusal_page") if handler is not None else None
    if build is not None and wants_html(request) and refusal.status not in (401, 403, 404):
        return Later(lambda: _form_again(request, refusal, build))
    return _refusal_page(request, refusal)


def _refusal_page(request: Request, refusal: Refusal) -> Response:
    title = _(REFUSAL_TITLES.get(refusal.status, N_("Not done")))
    errors = {name: refusal.field_text(name) for name in refusal.errors}
    return problem(request, refusal.status, title, refusal.text(), errors)


async def _form_again(request: Request, refusal: Refusal, build) -> Response:
    """The form's page with what to fix; if even that page cannot be shown (the refusal was about the page itself,
    say a period that does not exist), the refusal's own words on a page of their own."""
    try:
        return await build(request, refusal)
    except Refusal:
        return _refusal_page(request, refusal)
    except Exception as error:  # noqa: BLE001 - past the app's handlers here: answer as they would
        return server_error(request, error)


def not_signed_in(request: Request, _exc: Exception) -> Response:
    expired = request.scope["state"].get("session_expired", False)
    target = f"/signin?next={quote(request.url.path)}" + ("&expired=1" if expired else "")
    if request.headers.get("hx-request") == "true":
        # htmx follows HX-Redirect even on an error status, taking the whole page to sign-in.
        return Response("", status_code=401, headers={"HX-Redirect": target})
    if not wants_html(request):
        return Response({"status": 401, "message": "sign in required", "errors": {}}, status_code=401)
    return redirect(target)


def forbidden(request: Request, exc: Exception) -> Response:
    if "CSRF" in str(getattr(exc, "detail", "")):
        return problem(request, 403, _("This form has expired"),
                        _("Reload the page and send the form again. Nothing was saved."))
    return problem(request, 403, _("Not allowed"), _("Your account cannot open this page."))


def not_found(request: Request, _exc: Exception) -> Response:
    return problem(request, 404, _("Not found"), _("This page does not exist. Check the address."))


def bad_request(request: Request, _exc: Exception) -> Response:
    return problem(request, 400, _("Something is wrong with the form"),
                    _("Some fields were missing or not in the right form. Go back, check them and send again."))


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 413:
        return problem(request, 413, _("The file is too large"), _("Choose a smaller file and try again."))
    if exc.status_code == 405 and request.method == "GET":  # a form's address, opened again from history
        return problem(request, 405, _("This address only receives forms"),
                        _("Nothing was sent again. Open the page from the menu to carry on."))
    return problem(request, exc.status_code, _("Something went wrong"), str(exc.detail))


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(request, 500, _("Something went wrong"),
                    _("The school's server had a problem. Nothing you sent is lost; try again in a minute."))


# No inline script anywhere (htmx and app.js are files, htmx's eval is off); inline style only the page's own
# stylesheet, named by its hash (htmx's indicator style is turned off). Photos preview from blob: URLs before they are
# sent.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", f"style-src 'self' {inline_style_source()}",
    "img-src 'self' data: blob:",
    "connect-src 'self'", "worker-src 'self'", "manifest-src 'self'", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'",
])


STATIC_DROPPED = {b"etag", b"last-modified", b"content-disposition", b"cache-control"}
STATIC_HEADERS = [(b"cache-control", b"public, max-age=31536000, immutable"), (b"x-content-type-options", b"nosniff")]


def security_headers(production: bool):
    """A before_send hook: every answer (pages, files, errors) gets the same protections."""
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]
    if production:  # served over HTTPS only (Fly forces it); the demo runs on plain http
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def add(message, scope) -> None:
        if message["type"] != "http.response.start":
            return
        if message["status"] == 200 and is_static(scope) and not scope["path"].endswith(".svg"):
            # A versioned file (?v= its hash) never changes: no validators, no download name, and none of a page's
            # policies, which a script or a stylesheet does not use (an SVG keeps them: opened alone it is a
            # document). About 500 bytes less on each such file of a first load, on a phone paying for each. Only
            # a file found: a "not found" cached for a year would outlive the deploy that brings the file.
            message["headers"] = [(name, value) for name, value in message.get("headers", [])
                                  if name.lower() not in STATIC_DROPPED] + STATIC_HEADERS
            return
        message["headers"] = [*message.get("headers", []), *headers]

    return add


def database_unreachable(request: Request, exc: Exception) -> Response:
    log.warning("database connection lost on %s: %r", request.url.path, exc)
    db.forget_connections()
    return problem(request, 503, _("Try again"),
                    _("The school's server lost its connection to the database for a moment. Try again."))


async def sweep_forever(delivery, every: float = 20) -> None:
    """The worker's sweep, for the in-process mode."""
    while True:
        try:
            await delivery.queue.send(await notify.sweep(delivery), tag="sweep")
        except Exception:  # noqa: BLE001 - keep sweeping; the next round may succeed
            log.exception("sweep failed")
        await asyncio.sleep(every)


class DoolaeApp(Litestar):
    """Litestar answers HEAD only where a route says so (405 everywhere else), and uptime monitors and link checkers
    ask HEAD. Here a HEAD is answered as its GET would be, headers and all, without the body."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await super().__call__(scope, receive, send)
            return

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await super().__call__({**scope, "method": "GET"}, receive, headers_only)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    db.configure(settings.database_url)  # the settings decide the database, whatever the environment says

    @asynccontextmanager
    async def lifespan(app: Litestar):
        engine = db.engine()
        opened = await db.start(engine)
        sweeper = None
        if settings.inprocess_jobs:
            log.warning("no worker: messages are sent by this web process (DOOLAE_INPROCESS_JOBS=1)")
            delivery = await notify.open_delivery(settings, None)
            app.state.queue = delivery.queue = InProcessQueue(lambda message_id: notify.deliver(delivery, message_id))
            sweeper = asyncio.get_running_loop().create_task(sweep_forever(delivery))
        else:
            app.state.queue = JobQueue(await connect(settings.redis_url, queue_name(settings.deployment)))
        try:
            yield
        finally:
            await app.state.queue.close()
            if sweeper is not None:
                sweeper.cancel()
                await notify.close_delivery(delivery)
            if opened:
                await db.stop(engine)

    i18n.catalogue("th")  # fail at start, not on the first Thai page, if the catalogue was not compiled
    for instrument in screening.INFORMANTS:  # the same for a broken questionnaire definition
        screening.base_instrument(instrument)
    app = DoolaeApp(
        route_handlers=[
            home, search, manifest, service_worker, offline, health,
            account_router, admin_router, school_admin_router, roster_router, students_router, attendance_router,
            notify_router, records_router, visits_router, screening_router, school_router,
            behaviour_router, care_router, promotion_router, leave_router, conversations_router,
            survey_router, public_survey_router, supervision_router, area_router, summary_router,
            create_static_files_router(path=STATIC_PATH, directories=[served_static()], name="static"),
        ],
        middleware=[OneConnection(), Compression(), SessionMiddleware(), CheckRequestInput()],
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_name=CSRF_COOKIE, cookie_secure=settings.production,
            cookie_httponly=False, header_name="x-csrftoken",
            exclude=f"^{STATIC_PATH}/",  # no cookie on a file cached for a year (the page gives it)
        ),
        exception_handlers={
            Refusal: refused,
            NotAuthorizedException: not_signed_in,
            PermissionDeniedException: forbidden,
            NotFoundException: not_found,
            ValidationException: bad_request,
            HTTPException: http_error,
            **{error: database_unreachable for error in db.CONNECTION_LOST},
            Exception: server_error,
        },
        lifespan=[lifespan],
        before_request=downloads_leave_htmx,
        before_send=[security_headers(settings.production)],
        openapi_config=None,  # no API schema or Swagger page: the app is its pages
        logging_config=LoggingConfig(log_exceptions="never"),
        debug=False,
    )
    app.state.settings = settings
    app.state.jinja = make_environment({**accounts_web.template_helpers, **notify_web.template_helpers},
                                       students_web.template_filters)
    app.state.queue = JobQueue(None)  # replaced at start-up; a bare queue leaves messages to the sweep
    app.state.photos = open_photo_store(settings)
    # The student's timeline: each area offers its own events (the record reads no other area's tables).
    app.state.timeline_sources = (records.timeline_events, attendance.timeline_events, visits.timeline_events,
                                  screening.timeline_events, outbox.timeline_events, care.timeline_events)
    return app
