"""What every request must be before a handler sees it: plain text in its address, query, form and JSON, and ids
that fit the database's integer columns. One check for the whole app, so both engines see the same input."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.i18n import _
from backend.web import problem

# Control characters (tab, newline and carriage return are typed text) and lone surrogates: PostgreSQL refuses
# NUL and both engines refuse unpaired surrogates, so they are refused here, before anything is written.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Ids are PostgreSQL's 4-byte serials; a larger number names nothing (and overflows the query's parameter).
ID_RANGE = range(-(2**31), 2**31)


def fits_id(number: int) -> bool:
    """Whether a number read from a form can be an id in the database; a larger one names nothing."""
    return number in ID_RANGE


def plain_text(text: str) -> bool:
    return CONTROL.search(text) is None


def _all_plain(value) -> bool:
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, dict):
        return all(_all_plain(k) and _all_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_all_plain(item) for item in value)
    return True


async def _body_is_plain(request: Request) -> bool:
    """Forms and JSON only: photos and other files are checked where they are read. A body that does not parse is
    left to the handler, which says so in its own words."""
    content_type = request.content_type[0]
    if content_type == "application/x-www-form-urlencoded":
        return plain_text(unquote_plus((await request.body()).decode("utf-8", "replace")))
    if content_type == "multipart/form-data":
        form = await request.form()
        return all(plain_text(k) and (isinstance(v, UploadFile) or plain_text(v)) for k, v in form.multi_items())
    if content_type.endswith("json"):
        try:
            return _all_plain(await request.json())
        except Exception:  # noqa: BLE001 - malformed JSON is the handler's to refuse
            return True
    return True


def _refusal(request: Request) -> Response:
    title = _("Some text cannot be saved")
    message = _("Something typed or pasted contains invisible control characters. Type it again without them and "
                "send again. Nothing was saved.")
    return problem(request, 400, title, message)


class CheckRequestInput(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        for value in scope.get("path_params", {}).values():
            if isinstance(value, int) and not fits_id(value):
                raise NotFoundException()
        if scope["method"] in ("GET", "HEAD") and not scope["query_string"] and plain_text(scope["path"]):
            await next_app(scope, receive, send)  # most pages: nothing typed to check
            return
        request: Request = Request(scope, receive, send)
        plain = plain_text(scope["path"]) and all(
            plain_text(k) and plain_text(v) for k, v in request.query_params.multi_items())
        if plain and request.method not in ("GET", "HEAD"):
            plain = await _body_is_plain(request)
        if not plain:
            response = _refusal(request).to_asgi_response(app=None, request=request)
            await response(scope, receive, send)
            return
        await next_app(scope, receive, send)
