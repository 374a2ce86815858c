"""Web Push to the installed app, signed with the school's VAPID keys (pywebpush)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from backend import db
from backend.accounts.access import Viewer
from backend.clock import now
from backend.config import Settings
from backend.notify.sms import Outcome
from backend.notify.tables import PushSubscription


async def save_subscription(viewer: Viewer, endpoint: str, p256dh: str, auth: str) -> None:
    async with db.transaction():
        await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
        await PushSubscription.insert(PushSubscription(user=viewer.user_id, endpoint=endpoint, p256dh=p256dh,
                                                       auth=auth, created_at=now()))


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
