"""What makes Doolae installable and usable offline: manifest, service worker, offline page."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.enums import MediaType



@get("/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    static = request.app.state.jinja.globals["static"]
    body = {
        "name": "ดูแล — ระบบดูแลช่วยเหลือนักเรียน",
        "short_name": "ดูแล",
        "description": "ระบบดูแลช่วยเหลือนักเรียน สำหรับครู ผู้ปกครอง และนักเรียน",
        "lang": "th",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return Response(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@get("/sw.js")
async def service_worker(request: Request) -> Response:
    env = request.app.state.jinja
    script = env.get_template("pwa/sw.js").render(static=env.globals["static"], version=env.globals["static_version"])
    # no-cache: the browser must revalidate, so a new version reaches phones on their next visit.
    return Response(script, media_type="application/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@get("/offline")
async def offline(request: Request) -> Response:
    # Standalone and bilingual: the service worker caches it once for whoever is signed in.
    html = request.app.state.jinja.get_template("pwa/offline.html").render()
    return Response(html, media_type=MediaType.HTML)


@get("/healthz", media_type=MediaType.TEXT)
async def health() -> str:
    return "ok"
