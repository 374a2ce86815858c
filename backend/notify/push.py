"""Web Push to the installed app, signed with the school's VAPID keys (pywebpush)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import aiohttp
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from backend import db
from backend.accounts.access import Viewer
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify.sms import Outcome
from backend.notify.tables import PushSubscription
from backend.notify.wording import NotifyError

# The browsers' push services (2026): Chrome, Samsung and Opera use FCM; Firefox Mozilla's autopush; Safari on
# macOS and iOS 16.4+ Apple's; Edge on Windows WNS, on one of many *.notify.windows.com hosts. A subscription is
# an address the worker will POST to, so anything else (an internal address above all) is refused.
PUSH_SERVICE_HOSTS = {"fcm.googleapis.com", "updates.push.services.mozilla.com", "web.push.apple.com"}
PUSH_SERVICE_DOMAINS = (".notify.windows.com",)


def endpoint_allowed(settings: Settings, endpoint: str) -> bool:
    """https on a known push service's host (default port, no user in the address), or a host:port the settings
    name (the local stand-in in tests and the demo)."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    if parts.netloc and parts.netloc in settings.push_service_hosts:
        return parts.scheme in ("http", "https")
    host = parts.hostname or ""
    return (parts.scheme == "https" and port in (None, 443) and "@" not in parts.netloc
            and (host in PUSH_SERVICE_HOSTS or host.endswith(PUSH_SERVICE_DOMAINS)))


async def save_subscription(settings: Settings, viewer: Viewer, endpoint: str, p256dh: str, auth: str) -> None:
    """The parent's phone allows notifications. An endpoint belongs to whoever registered it first: another
    account registering the same one would take that parent's alerts."""
    if len(endpoint) > 600 or not endpoint_allowed(settings, endpoint):
        raise NotifyError(N_("This phone's notification service is not one we can send to."), status=422)
    async with db.transaction():
        owner = await PushSubscription.select(PushSubscription.user).where(
            PushSubscription.endpoint == endpoint).first()
        if owner is not None and owner["user"] != viewer.user_id:
            raise NotifyError(N_("These notifications are already turned on for another user on this phone."),
                              status=409)
        await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
        await PushSubscription.insert(PushSubscription(user=viewer.user_id, endpoint=endpoint, p256dh=p256dh[:200],
                                                       auth=auth[:100], created_at=now()))


async def drop_subscription(viewer: Viewer, endpoint: str) -> None:
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint) & (PushSubscription.user == viewer.user_id))


def vapid_key(settings: Settings) -> Vapid:
    return Vapid.from_pem(settings.vapid_private_key.encode())


async def send_push(settings: Settings, session: aiohttp.ClientSession, subscription: dict, payload: dict) -> Outcome:
    try:
        response = await webpush_async(
            {"endpoint": subscription["endpoint"], "keys": {"p256dh": subscription["p256dh"],
                                                             "auth": subscription["auth"]}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid_key(settings),
            vapid_claims={"sub": settings.vapid_subject},
            ttl=24 * 3600,
            timeout=10,
            aiohttp_session=session,
        )
    except WebPushException as error:
        status = error.response.status if error.response is not None else None
        if status in (404, 410):
            return Outcome("gone", code=str(status), message="subscription expired")
        return Outcome("retry", code=str(status or "push"), message=str(error.message)[:500])
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        return Outcome("retry", code="network", message=str(error)[:500] or type(error).__name__)
    if response.status >= 400:
        return Outcome("retry", code=str(response.status), message="push service refused")
    return Outcome("sent", provider_id=response.headers.get("Location"))


def generate_vapid_keys() -> tuple[str, str]:
    """A new key pair: the private key as PEM (for settings), the public key as the browser wants it."""
    from cryptography.hazmat.primitives import serialization
    from py_vapid import b64urlencode

    vapid = Vapid()
    vapid.generate_keys()
    private = vapid.private_pem().decode()
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return private, b64urlencode(public)


def public_key_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from py_vapid import b64urlencode

    vapid = Vapid.from_pem(private_pem.encode())
    return b64urlencode(vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                      serialization.PublicFormat.UncompressedPoint))
