"""A local stand-in for LINE's Messaging API, speaking its wire format, for the demo and the tests.

The production code path runs unchanged against it: the official `line-bot-sdk` (v3) posts JSON to
/v2/bot/message/push and /v2/bot/message/reply with `Authorization: Bearer <channel access token>` and gets LINE's
answers back — `{"sentMessages": [{"id", "quoteToken"}]}` with an `x-line-request-id` header, or an error body
`{"message": …, "details": [...]}`: 401 for a token LINE does not know, 400 for a bad reply token, 429 for the rate
limit or the month's quota, 5xx when LINE is unwell. Like LINE it remembers each accepted `X-Line-Retry-Key` and
answers a second request with the same key 409 with `x-line-accepted-request-id`, sending nothing twice.

Webhooks go the other way: webhook_body() and the *_event() helpers write events as LINE posts them, and sign()
makes their `x-line-signature` (base64 of the HMAC-SHA256 of the body with the channel secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from backend.notify.stand_in import LocalServer

ERRORS = {
    401: "Authentication failed. Confirm that the access token in the authorization header is valid.",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "An error occurred on the server.",
}
MONTHLY_LIMIT = "You have reached your monthly limit."


@dataclass
class Sent:
    """A message LINE accepted: to a user (U…) or a group (C…), by push, or as the reply to an event."""

    to: str  # the user or group; for a reply, the reply token's source
    text: str
    token: str  # the channel access token it came with (which school's account)
    request_id: str
    retry_key: str | None = None
    reply_token: str | None = None


@dataclass
class FakeLine(LocalServer):
    name = "LINE"

    tokens: dict[str, dict] = field(default_factory=dict)  # access token → the bot's info (basicId, displayName)
    sent: list[Sent] = field(default_factory=list)
    # (status, message, accept): the next requests' answers; accept=True takes the message first, as when LINE took
    # it but its answer was lost on the way back.
    scripted: list[tuple[int, str, bool]] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # groupId → group name
    requests: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(461230966842064897)
        self._accepted: dict[tuple[str, str], str] = {}  # (token, retry key) → request id
        self._reply_tokens: dict[str, str] = {}  # reply token → source (from events written by *_event())
        self._lock = threading.Lock()

    # Scripting, for tests -----------------------------------------------------------------------------------

    def add_account(self, token: str, basic_id: str = "@doolae", name: str = "Doolae") -> None:
        self.tokens[token] = {"userId": f"U{uuid.uuid4().hex}", "basicId": basic_id, "displayName": name,
                              "chatMode": "bot", "markAsReadMode": "auto"}

    def fail_next(self, status: int, message: str | None = None, times: int = 1, accept: bool = False) -> None:
        with self._lock:
            self.scripted.extend([(status, message or ERRORS.get(status, "Error"), accept)] * times)

    def sent_to(self, to: str) -> list[Sent]:
        return [m for m in self.sent if m.to == to]

    def forget(self) -> None:
        with self._lock:
            self.sent.clear()
            self.scripted.clear()
            self._accepted.clear()
            self.requests = 0

    # Webhooks, as LINE writes them --------------------------------------------------------------------------

    def _event(self, kind: str, source: dict, reply: bool = True, **more) -> dict:
        event = {"type": kind, "mode": "active", "timestamp": int(time.time() * 1000), "source": source,
                 "webhookEventId": uuid.uuid4().hex.upper()[:26], "deliveryContext": {"isRedelivery": False}, **more}
        if reply:
            event["replyToken"] = uuid.uuid4().hex
            self._reply_tokens[event["replyToken"]] = source.get("groupId") or source.get("userId", "")
        return event

    @staticmethod
    def _source(user_id: str | None, group_id: str | None) -> dict:
        if group_id:
            return {"type": "group", "groupId": group_id, **({"userId": user_id} if user_id else {})}
        return {"type": "user", "userId": user_id}

    def text_event(self, user_id: str | None, text: str, group_id: str | None = None) -> dict:
        return self._event("message", self._source(user_id, group_id), message={
            "type": "text", "id": str(next(self._ids)), "quoteToken": uuid.uuid4().hex, "text": text})

    def follow_event(self, user_id: str, unblocked: bool = False) -> dict:
        return self._event("follow", self._source(user_id, None), follow={"isUnblocked": unblocked})

    def unfollow_event(self, user_id: str) -> dict:
        return self._event("unfollow", self._source(user_id, None), reply=False)

    def join_event(self, group_id: str) -> dict:
        return self._event("join", self._source(None, group_id))

    def leave_event(self, group_id: str) -> dict:
        return self._event("leave", self._source(None, group_id), reply=False)

    def webhook_body(self, token: str, *events: dict) -> bytes:
        destination = self.tokens.get(token, {}).get("userId", "U" + "0" * 32)
        return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode()

    @staticmethod
    def sign(channel_secret: str, body: bytes) -> str:
        return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()

    # The API ----------------------------------------------------------------------------------------------

    def _token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        return token if header.startswith("Bearer ") and token in self.tokens else None

    @staticmethod
    def _error(status: int, message: str, details: list | None = None, headers: dict | None = None) -> Response:
        body = {"message": message, **({"details": details} if details else {})}
        return Response(body, status_code=status, headers=headers or {})

    def _texts(self, body: dict) -> list[str] | Response:
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return self._error(400, "The request body has 1 error(s)",
                               [{"message": "Size must be between 1 and 5", "property": "messages"}])
        for index, message in enumerate(messages):
            if message.get("type") != "text" or not message.get("text") or len(message["text"]) > 5000:
                return self._error(400, "The request body has 1 error(s)", [
                    {"message": "Length must be between 1 and 5000", "property": f"messages[{index}].text"}])
        return [m["text"] for m in messages]

    def _accept(self, token: str, to: str, texts: list[str], retry_key: str | None,
                reply_token: str | None = None) -> tuple[str, list[dict]]:
        request_id = uuid.uuid4().hex
        sent = []
        for text in texts:
            self.sent.append(Sent(to=to, text=text, token=token, request_id=request_id, retry_key=retry_key,
                                  reply_token=reply_token))
            sent.append({"id": str(next(self._ids)), "quoteToken": uuid.uuid4().hex})
        if retry_key:
            self._accepted[(token, retry_key)] = request_id
        return request_id, sent

    def app(self) -> Litestar:
        @post("/v2/bot/message/push", status_code=200)
        async def push(request: Request) -> Response:
            self.requests += 1
            token = self._token(request)
            if token is None:
                return self._error(401, ERRORS[401])
            body = await request.json()
            retry_key = request.headers.get("x-line-retry-key")
            if retry_key is not None:
                try:
                    uuid.UUID(retry_key)
                except ValueError:
                    return self._error(400, "The retry key is invalid")
            with self._lock:
                accepted = self._accepted.get((token, retry_key)) if retry_key else None
                scripted = self.scripted.pop(0) if self.scripted and accepted is None else None
            if accepted is not None:
                return self._error(409, "The retry key is already accepted",
                                   headers={"x-line-accepted-request-id": accepted, "x-line-request-id":
                                            uuid.uuid4().hex})
            texts = self._texts(body)
            if isinstance(texts, Response):
                return texts
            to = body.get("to", "")
            if not (isinstance(to, str) and len(to) == 33 and to[0] in "UCR"):
                return self._error(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
            if scripted:
                status, message, accept = scripted
                if accept:
                    with self._lock:
                        self._accept(token, to, texts, retry_key)
                return self._error(status, message)
            with self._lock:
                request_id, sent = self._accept(token, to, texts, retry_key)
            return Response({"sentMessages": sent}, headers={"x-line-request-id": request_id})

        @post("/v2/bot/message/reply", status_code=200)
        async def reply(request: Request) -> Response:
            self.requests += 1
            token = self._token(request)
            if token is None:
                return self._error(401, ERRORS[401])
            body = await request.json()
            texts = self._texts(body)
            if isinstance(texts, Response):
                return texts
            with self._lock:
                source = self._reply_tokens.pop(body.get("replyToken", ""), None)  # a reply token works once
                if source is None:
                    return self._error(400, "Invalid reply token")
                request_id, sent = self._accept(token, source, texts, None, reply_token=body["replyToken"])
            return Response({"sentMessages": sent}, headers={"x-line-request-id": request_id})

        @get("/v2/bot/info")
        async def info(request: Request) -> Response:
            token = self._token(request)
            if token is None:
                return self._error(401, ERRORS[401])
            return Response(self.tokens[token])

        @get("/v2/bot/group/{group_id:str}/summary")
        async def group_summary(request: Request, group_id: FromPath[str]) -> Response:
            if self._token(request) is None:
                return self._error(401, ERRORS[401])
            if group_id not in self.groups:
                return self._error(404, "Not found")
            return Response({"groupId": group_id, "groupName": self.groups[group_id]})

        return Litestar([push, reply, info, group_summary], debug=False)

