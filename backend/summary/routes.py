"""The parent's weekly summaries in the app: the newest week, and the earlier ones."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.params import FromPath

from backend.accounts.access import Permission, current_viewer, requires
from backend.summary import services
from backend.web import page

PARENTS = [requires(Permission.read_family_summaries)]


@get("/", guards=PARENTS)
async def newest(request: Request) -> Response:
    """Where the summary's push leads: the newest week, and the list of earlier ones."""
    return page(request, "summary/week.html", await services.summary_page(current_viewer(request)))


@get("/{summary_id:int}", guards=PARENTS)
async def week(request: Request, summary_id: FromPath[int]) -> Response:
    return page(request, "summary/week.html", await services.summary_page(current_viewer(request), summary_id))


summary_router = Router(path="/summary", route_handlers=[newest, week])
