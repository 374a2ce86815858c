"""The installable app shell: manifest, versioned service worker, offline page, our own static files."""

import gzip

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
    assert "max-age=31536000" in response.headers["cache-control"]
    assert response.headers["content-encoding"] == "gzip"
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
