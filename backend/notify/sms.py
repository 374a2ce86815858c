"""Sending SMS through Twilio's official library. The base URL comes from settings, so the demo and the tests
point the same code at a local server that speaks Twilio's wire format."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from backend.config import Settings

# Twilio errors that will not change on a retry (invalid number, unsubscribed, not a mobile, region closed…).
PERMANENT_ERRORS = {21211, 21408, 21602, 21603, 21604, 21606, 21610, 21612, 21614, 21617, 30004, 30006}
_last_headers: ContextVar[dict | None] = ContextVar("twilio_last_headers", default=None)


class HeaderKeepingHttpClient(AsyncTwilioHttpClient):
    """The library drops response headers on errors; Retry-After lives there. Kept per task (one job = one task)."""

    async def request(self, *args, **kwargs):
        response = await super().request(*args, **kwargs)
        _last_headers.set(dict(response.headers or {}))
        return response


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: sent (with the provider's id), retry later, or failed for good."""

    state: str  # "sent", "retry", "failed", "gone" (push subscription expired)
    provider_id: str | None = None
    segments: int | None = None
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None


def make_client(settings: Settings) -> Client:
    """Must be called inside a running event loop (aiohttp)."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=HeaderKeepingHttpClient(timeout=15))
    if settings.twilio_api_url:
        client.api.base_url = settings.twilio_api_url
    return client


async def close_client(client: Client) -> None:
    await client.http_client.close()


def _sender(settings: Settings) -> dict:
    if settings.twilio_messaging_service_sid:
        return {"messaging_service_sid": settings.twilio_messaging_service_sid}
    return {"from_": settings.twilio_from}


def status_callback(settings: Settings, message_id: int) -> str:
    """Where Twilio reports on a message. It carries our id: Twilio's Message resource has no field of ours
    (no metadata, and it does not show the callback), so the callback is the only way Twilio can say "your
    message <id> is my SM…" when a worker died between handing it over and recording the answer."""
    return f"{settings.public_base_url}/notify/twilio/status?m={message_id}"


async def send_sms(client: Client, settings: Settings, message_id: int, to: str, body: str) -> Outcome:
    callback = status_callback(settings, message_id)
    try:
        message = await client.messages.create_async(to=to, body=body, status_callback=callback, **_sender(settings))
    except TwilioRestException as error:
        code = str(error.code or error.status)
        if error.code in PERMANENT_ERRORS or (400 <= error.status < 500 and error.status != 429):
            return Outcome("failed", code=code, message=str(error.msg)[:500])
        retry_after = (_last_headers.get() or {}).get("Retry-After")
        return Outcome("retry", code=code, message=str(error.msg)[:500],
                       retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        return Outcome("retry", code="network", message=str(error)[:500] or type(error).__name__)
    return Outcome("sent", provider_id=message.sid, segments=int(message.num_segments or 1))
