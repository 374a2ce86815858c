"""The installable app shell: manifest, versioned service worker, offline page, our own static files."""

import base64
import gzip
import hashlib
import re

import pytest

from backend import web
from tests.conftest import text_of


async def test_manifest_names_the_app_in_thai_with_installable_icons(client):
    manifest = (await client.get("/manifest.webmanifest")).json()
    assert manifest["name"].startswith("ดูแล") and manifest["short_name"] == "ดูแล"
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        response = await client.get(icon["src"])
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


async def test_service_worker_is_versioned_and_always_revalidated(client, app):
    response = await client.get("/sw.js")
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["cache-control"] == "no-cache"
    version = app.state.jinja.globals["static_version"]
    assert f'const CACHE = "doolae-{version}"' in response.text
    assert f"/static/vendor/htmx-2.0.11.min.js?v={version}" in response.text  # served by us, no CDN


async def test_offline_page_is_bilingual_and_standalone(client):
    page = await client.get("/offline")
    assert "ไม่มีสัญญาณอินเทอร์เน็ต" in text_of(page.text) and "You are offline" in text_of(page.text)
    assert "<script src" not in page.text


async def test_static_files_are_cached_for_a_year_and_compressed(client):
    response = await client.get("/static/vendor/htmx-2.0.11.min.js", headers={"accept-encoding": "gzip"})
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["x-content-type-options"] == "nosniff"
    # A versioned file never changes: nothing a phone would pay for on every file of a first load.
    for needless in ("etag", "last-modified", "content-disposition", "content-security-policy", "x-frame-options"):
        assert needless not in response.headers
    assert sum(len(name) + len(value) + 4 for name, value in response.headers.items()) < 250
    assert len(gzip.compress(response.content, 9)) < 20_000


async def test_pages_load_no_web_fonts_or_outside_scripts(client, people, settings):
    await people.somsri.sign_in(settings, client)
    page = (await client.get("/")).text
    assert "https://" not in page and "@font-face" not in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


async def test_a_boosted_navigation_sends_only_the_body(client, people, settings):
    await people.somsri.sign_in(settings, client)
    full = await client.get("/")
    boosted = await client.get("/", headers={"hx-request": "true", "hx-boosted": "true"})
    assert boosted.text.lstrip().startswith("<title>หน้าแรก · ดูแล</title>")
    assert "<head>" not in boosted.text and "อนันต์" in boosted.text
    assert len(boosted.content) < len(full.content)


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


async def _pages_of_a_phone(client, people, settings) -> dict[str, str]:
    """Whole pages a parent, a teacher and someone signed out open first."""
    pages = {"sign-in": (await client.get("/signin")).text}
    await people.somsri.sign_in(settings, client)
    pages["parent home"] = (await client.get("/")).text
    await people.somchai.sign_in(settings, client)
    pages["teacher home"] = (await client.get("/")).text
    pages["visit form"] = (await client.get("/visits/form")).text
    return pages


async def test_a_page_paints_without_waiting_for_another_file(client, people, settings, app):
    # On a slow phone each file fetched before the first paint costs a round trip: the styles come in the page.
    for name, html in (await _pages_of_a_phone(client, people, settings)).items():
        head = html.split("</head>")[0]
        assert 'rel="stylesheet"' not in head, name
        assert "<style>" in head and ".bar" in head, name
        for attributes in SCRIPT_TAG.findall(html):
            assert "src=" in attributes and "defer" in attributes, (name, attributes)


async def test_no_page_runs_inline_javascript(client, people, settings):
    # The Content-Security-Policy allows no inline script: a handler written in the page would do nothing.
    pages = await _pages_of_a_phone(client, people, settings)
    pages["offline"] = (await client.get("/offline")).text
    for name, html in pages.items():
        assert not EVENT_ATTRIBUTE.search(html), name
        for attributes in SCRIPT_TAG.findall(html):
            assert "src=" in attributes, (name, attributes)


async def test_the_inline_styles_have_the_hashes_a_security_policy_names(client):
    # style-src names these hashes: a style that differs from them by one byte would leave the page unstyled.
    for path in ("/signin", "/offline"):
        html = (await client.get(path)).text
        style = re.search(r"<style>(.*?)</style>", html, re.DOTALL).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in web.inline_style_source().split(), path


async def test_the_visit_form_opens_with_at_most_four_files_beside_the_page(client, people, settings):
    # A teacher opens it at the gate of a house with one bar of signal: every file is a round trip.
    await people.somchai.sign_in(settings, client)
    html = (await client.get("/visits/form")).text
    fetched = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+rel="(?:stylesheet|icon)"[^>]+href="([^"]+)"', html)
    assert len(fetched) <= 4, fetched


async def test_the_service_worker_keeps_every_file_a_page_loads(client, people, settings):
    # Offline, the kept visit form must find its scripts in the service worker's cache.
    sw = (await client.get("/sw.js")).text
    await people.somchai.sign_in(settings, client)
    html = (await client.get("/visits/form")).text
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert f'"{src}"' in sw, src


@pytest.mark.parametrize("path", ["/signin", "/healthz", "/sw.js", "/manifest.webmanifest",
                                  "/static/vendor/htmx-2.0.11.min.js"])
async def test_a_head_request_is_answered_as_its_get_without_the_body(client, path):
    """Uptime monitors and link checkers ask HEAD: a page that answers 405 looks down to them."""
    got = await client.get(path, headers={"accept-encoding": "gzip"})
    head = await client.head(path, headers={"accept-encoding": "gzip"})
    assert (head.status_code, head.content) == (200, b"")
    for name in ("content-type", "content-encoding", "cache-control"):
        assert head.headers.get(name) == got.headers.get(name), name
