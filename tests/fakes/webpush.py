"""A local push service endpoint. It decrypts nothing, but checks what a real one checks first: a VAPID
Authorization header for its own origin, aes128gcm content, and an encrypted body. It answers 201, or 410 for a
subscription marked gone, as FCM and Mozilla's service do."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar, Request, Response, post
from litestar.params import FromPath


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Delivered:
    token: str
    body_length: int
    claims: dict


@dataclass
class FakePushService:
    delivered: list[Delivered] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # tokens answered with 410
    url: str = ""

    def subscription(self, token: str) -> dict:
        """A browser-like subscription: endpoint plus the client's P-256 public key and auth secret."""
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{token}", "p256dh": _b64(public), "auth": _b64(b"0123456789abcdef")}

    def app(self) -> Litestar:
        @post("/push/{token:str}")
        async def receive(request: Request, token: FromPath[str]) -> Response:
            authorization = request.headers.get("authorization", "")
            if not authorization.startswith("vapid t="):
                return Response({"reason": "missing VAPID"}, status_code=401)
            jwt = authorization.split("t=", 1)[1].split(",", 1)[0]
            claims = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "=="))
            body = await request.body()
            if request.headers.get("content-encoding") != "aes128gcm" or not body:
                return Response({"reason": "not encrypted"}, status_code=400)
            if claims.get("aud") != self.url:
                return Response({"reason": "wrong audience"}, status_code=403)
            if token in self.gone:
                return Response({"reason": "subscription expired"}, status_code=410)
            self.delivered.append(Delivered(token, len(body), claims))
            return Response(b"", status_code=201, headers={"Location": f"{self.url}/messages/{len(self.delivered)}"})

        return Litestar([receive])

    def start(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._server = uvicorn.Server(uvicorn.Config(self.app(), host="127.0.0.1", port=port, log_level="warning",
                                                     lifespan="off"))
        threading.Thread(target=self._server.run, daemon=True).start()
        while not self._server.started:
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
