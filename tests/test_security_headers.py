"""Every answer carries the browser's protections: no inline script may run, no other site may frame a page,
types are not sniffed, addresses do not leak to other sites, and in production HTTPS is remembered."""

import dataclasses

import httpx
import pytest

from backend.app import create_app

PATHS = ["/signin", "/static/icons/icon.svg", "/no-such-page", "/manifest.webmanifest", "/sw.js"]


@pytest.mark.parametrize("path", PATHS)
async def test_every_answer_forbids_inline_script_and_framing(client, path):
    response = await client.get(path)
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in directives["style-src"]  # only the page's own stylesheet, by its hash
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_https_is_remembered_in_production_only(client, settings, database, redis):
    assert "strict-transport-security" not in (await client.get("/signin")).headers  # the demo runs on http
    production = create_app(dataclasses.replace(settings, production=True))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=production), base_url="https://testserver") as web:
        response = await web.get("/signin")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.mark.parametrize("path", ["/schema", "/schema/openapi.json", "/schema/swagger"])
async def test_no_api_schema_is_served(client, path):
    response = await client.get(path)
    assert response.status_code == 404


async def test_a_static_file_not_found_is_not_cached_for_a_year(client):
    """During a deploy an old server may be asked for a new version's file: its "not found" must not stick on the
    phone for a year, and it is a page like any other."""
    found = await client.get("/static/app.js")
    missing = await client.get("/static/no-such-file.js")
    assert found.status_code == 200 and "immutable" in found.headers["cache-control"]
    assert missing.status_code == 404 and "immutable" not in missing.headers.get("cache-control", "")
    assert missing.headers["x-frame-options"] == "DENY"
