"""One pooled database connection per request (db.one_connection), given back as soon as the answer starts."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend import db


class OneConnection(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static files read no table.
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async with db.one_connection() as borrowed:
            if borrowed is None:  # SQLite: reads share the loop's own connection already
                await next_app(scope, receive, send)
                return

            async def give_back_first(message: Message) -> None:
                if message["type"] == "http.response.start":
                    borrowed.task = None  # what runs after (a file sent in parts) takes its own from the pool
                    await db.engine().give_back(borrowed)
                await send(message)

            await next_app(scope, receive, give_back_first)
