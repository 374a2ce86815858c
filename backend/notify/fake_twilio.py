"""A local stand-in for Twilio's Messages API, speaking its wire format, for the demo and the tests.

The production code path runs unchanged against it: the official `twilio` library posts form-encoded messages
to /2010-04-01/Accounts/<sid>/Messages.json with Basic auth and gets Twilio's JSON resource back, or an error
body with code and message (400 with 21211 for an invalid number, 429 with Retry-After when throttled). Like
Twilio it then posts signed status callbacks (sent, then delivered or undelivered) to the StatusCallback URL.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath
from twilio.request_validator import RequestValidator

from backend.notify.stand_in import LocalServer
from backend.notify.segments import sms_segments
from backend import clock

ERRORS = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20429: "Too Many Requests",
    30008: "Unknown error",
}


@dataclass
class SentMessage:
    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    created: datetime
    status: str = "queued"


@dataclass
class FakeTwilio(LocalServer):
    name = "Twilio"

    account_sid: str = "ACfake00000000000000000000000000"
    auth_token: str = "fake-auth-token"
    deliver_after: float | None = 0.2  # seconds until the "delivered" callback; None: no callbacks
    messages: list[SentMessage] = field(default_factory=list)
    invalid_numbers: set[str] = field(default_factory=set)  # answered with 21211
    undeliverable_numbers: set[str] = field(default_factory=set)  # accepted, then "undelivered" (30008)
    scripted: list[tuple[int, int, int | None]] = field(default_factory=list)  # (status, code, retry-after)
    requests: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # Scripting, for tests -----------------------------------------------------------------------------------

    def fail_next(self, status: int, code: int, retry_after: int | None = None, times: int = 1) -> None:
        with self._lock:
            self.scripted.extend([(status, code, retry_after)] * times)

    def sent_to(self, phone: str) -> list[SentMessage]:
        return [m for m in self.messages if m.to == phone]

    # The API ----------------------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _resource(self, message: SentMessage) -> dict:
        counted = sms_segments(message.body)
        return {
            "sid": message.sid, "account_sid": self.account_sid, "to": message.to, "from": message.sender,
            "messaging_service_sid": message.sender if message.sender.startswith("MG") else None,
            "body": message.body, "status": message.status, "num_segments": str(counted.count),
            "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01", "price": None,
            "price_unit": "USD", "error_code": None, "error_message": None,
            "date_created": format_datetime(message.created), "date_updated": format_datetime(message.created),
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
        }

    def _error(self, status: int, code: int, retry_after: int | None = None, **values) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"code": code, "message": ERRORS.get(code, "Error").format(**values),
                "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
        return Response(body, status_code=status, headers=headers)

    def app(self) -> Litestar:
        @post("/2010-04-01/Accounts/{account:str}/Messages.json", status_code=201)
        async def create(request: Request, account: FromPath[str]) -> Response:
            self.requests += 1
            if account != self.account_sid or not self._authorised(request):
                return self._error(401, 20003)
            form = dict((await request.form()).items())
            with self._lock:
                scripted = self.scripted.pop(0) if self.scripted else None
            if scripted:
                return self._error(scripted[0], scripted[1], scripted[2], to=form.get("To"))
            to = form.get("To", "")
            if to in self.invalid_numbers:
                return self._error(400, 21211, to=to)
            message = SentMessage(
                sid=f"SM{next(self._ids):032x}", to=to, sender=form.get("MessagingServiceSid") or form.get("From", ""),
                body=form.get("Body", ""), status_callback=form.get("StatusCallback"),
                created=clock.now(),
            )
            self.messages.append(message)
            if message.status_callback and self.deliver_after is not None:
                asyncio.get_running_loop().create_task(self._callbacks(message))
            return Response(self._resource(message), status_code=201)

        @get("/2010-04-01/Accounts/{account:str}/Messages.json")
        async def listing(request: Request, account: FromPath[str]) -> Response:
            if account != self.account_sid or not self._authorised(request):
                return self._error(401, 20003)
            to = request.query_params.get("To")
            found = [self._resource(m) for m in reversed(self.messages) if to is None or m.to == to]
            return Response({"messages": found, "page": 0, "page_size": 50, "next_page_uri": None,
                             "previous_page_uri": None, "first_page_uri": None, "uri": str(request.url.path)})

        return Litestar([create, listing], debug=False)

    async def _callbacks(self, message: SentMessage) -> None:
        """Signed status callbacks, as Twilio posts them: sent, then delivered (or undelivered)."""
        final = "undelivered" if message.to in self.undeliverable_numbers else "delivered"
        validator = RequestValidator(self.auth_token)
        async with httpx.AsyncClient(timeout=5) as client:
            for status in ("sent", final):
                await asyncio.sleep(self.deliver_after or 0)
                message.status = status
                params = {"MessageSid": message.sid, "MessageStatus": status, "AccountSid": self.account_sid,
                          "To": message.to, "From": message.sender, "ApiVersion": "2010-04-01"}
                if status == "undelivered":
                    params.update(ErrorCode="30008")
                signature = validator.compute_signature(message.status_callback, params)
                try:
                    await client.post(message.status_callback, data=params, headers={"X-Twilio-Signature": signature})
                except httpx.HTTPError:
                    pass  # Twilio does not retry callbacks either; the app polls what it misses

