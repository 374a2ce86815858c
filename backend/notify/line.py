"""LINE's Messaging API through its official library (line-bot-sdk v3): a push with a retry key, a reply to a
webhook event, the account's own info, a group's name, and the webhook's signature. The API's address comes from
settings, so the demo and the tests point the same code at a local server that speaks LINE's wire format
(notify.fake_line). LINE Notify closed in 2025; the Messaging API is what remains."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import aiohttp
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (AsyncApiClient, AsyncMessagingApi, Configuration, PushMessageRequest,
                                  ReplyMessageRequest, TextMessage)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhook import WebhookParser

from backend.config import Settings
from backend.notify.sms import Outcome

log = logging.getLogger("doolae.notify")
TIMEOUT = 15  # seconds for one call to LINE
MAX_TEXT = 5000  # LINE's limit for one text message
# The retry key of a message is made from its id: every try of one message carries the same key, so LINE takes it
# once however often a lost answer makes the worker try again (LINE answers the second 409, "already accepted").
RETRY_KEYS = uuid.UUID("5b0c1a62-3f44-4c2e-9a39-7a0f6c0e2d10")


def retry_key(deployment: str, message_id: int) -> str:
    return str(uuid.uuid5(RETRY_KEYS, f"{deployment}:{message_id}"))


def configuration(settings: Settings, token: str) -> Configuration:
    # Configuration.host replaces the address of every API of the SDK (api.line.me, api-data.line.me).
    return Configuration(access_token=token, host=settings.line_api_url or None)


class LineClients:
    """One SDK client per channel access token (one per school), made inside the running loop (aiohttp needs one)
    and closed with the worker's delivery."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._clients: dict[str, AsyncApiClient] = {}

    def api(self, token: str) -> AsyncMessagingApi:
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = AsyncApiClient(configuration(self.settings, token))
        return AsyncMessagingApi(client)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()


def _said(error: ApiException) -> str:
    """LINE's own words from an error body: its message and each detail."""
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return str(error.body or error.reason or error.status)[:500]
    details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}" for d in body.get("details") or [])
    return (str(body.get("message") or error.reason or error.status) + (f" ({details})" if details else ""))[:500]


def _header(error: ApiException, name: str) -> str | None:
    headers = error.headers or {}
    return headers.get(name) or headers.get(name.lower())


async def push(settings: Settings, clients: LineClients, token: str, message_id: int, to: str,
               text: str) -> Outcome:
    """One text message to a user or a group, with the message's retry key. "sent", "retry" (rate limit, LINE
    unwell, no answer) or "failed" (refused, or the month's quota used up: retrying would not help)."""
    request = PushMessageRequest(to=to, messages=[TextMessage(text=text[:MAX_TEXT])])
    try:
        response = await clients.api(token).push_message_with_http_info(
            request, x_line_retry_key=retry_key(settings.deployment, message_id), _request_timeout=TIMEOUT)
    except ApiException as error:
        said = _said(error)
        if error.status == 409 and _header(error, "x-line-accepted-request-id"):
            # An earlier try reached LINE but its answer did not reach us: sent once, not twice.
            return Outcome("sent", provider_id=_header(error, "x-line-accepted-request-id"))
        if error.status == 429 and "monthly limit" in said:
            return Outcome("failed", code="line_quota", message=said)
        if error.status == 429 or error.status >= 500:
            retry_after = _header(error, "Retry-After")
            return Outcome("retry", code=str(error.status), message=said,
                           retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
        return Outcome("failed", code="line_refused", message=f"{error.status}: {said}")
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        return Outcome("retry", code="network", message=str(error)[:500] or type(error).__name__)
    headers = response.headers or {}
    return Outcome("sent", provider_id=headers.get("x-line-request-id") or headers.get("X-Line-Request-Id"))


async def reply(settings: Settings, token: str, reply_token: str | None, text: str) -> bool:
    """The answer to a webhook event (free, and only within a minute of it). A failure is logged, never raised:
    what the event did is already stored."""
    if not reply_token:
        return False
    try:
        async with AsyncApiClient(configuration(settings, token)) as client:
            await AsyncMessagingApi(client).reply_message(
                ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text[:MAX_TEXT])]),
                _request_timeout=TIMEOUT)
    except ApiException as error:
        log.warning("LINE refused a reply: %s %s", error.status, _said(error))
        return False
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.warning("LINE could not be reached for a reply: %r", error)
        return False
    return True


class LineUnreachable(Exception):
    pass


async def bot_info(settings: Settings, token: str) -> dict | None:
    """The account a channel access token belongs to ({"basic_id", "name"}), or None when LINE does not accept the
    token. LineUnreachable when LINE cannot say."""
    try:
        async with AsyncApiClient(configuration(settings, token)) as client:
            info = await AsyncMessagingApi(client).get_bot_info(_request_timeout=TIMEOUT)
    except ApiException as error:
        if error.status in (401, 403):
            return None
        raise LineUnreachable(f"{error.status}: {_said(error)}") from error
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        raise LineUnreachable(repr(error)) from error
    return {"basic_id": info.basic_id or "", "name": info.display_name or ""}


async def group_name(settings: Settings, token: str, group_id: str) -> str:
    """A group's name as its members see it, or "" when LINE does not tell."""
    try:
        async with AsyncApiClient(configuration(settings, token)) as client:
            summary = await AsyncMessagingApi(client).get_group_summary(group_id, _request_timeout=TIMEOUT)
    except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.info("no name for LINE group: %r", error)
        return ""
    return (summary.group_name or "")[:100]


def parse_webhook(channel_secret: str, body: bytes, signature: str):
    """The events of a webhook call, or None when its x-line-signature is not the body's HMAC-SHA256 with this
    channel secret (or the body is not what LINE sends)."""
    if not channel_secret or not signature:
        return None
    try:
        return WebhookParser(channel_secret).parse(body.decode("utf-8"), signature)
    except (InvalidSignatureError, UnicodeDecodeError):
        return None
    except (ValueError, KeyError, TypeError) as error:  # signed, but not LINE's shape
        log.warning("a signed LINE webhook could not be read: %r", error)
        return None
