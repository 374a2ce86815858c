"""Home visits on a 360 px phone with no signal, in Thai: the form opens from the service worker's cache, saved
visits wait in IndexedDB under a "รอส่ง (n)" badge, survive a reload, and reach the server exactly once when the
network returns, even when the connection drops in the middle of an upload. A field the server rejects is shown
to the teacher, who fixes it and sends it.

The photos are real multi-megabyte JPEGs drawn by Chromium on a canvas (as a phone camera would give), chosen
through the file input; the page's own script (frontend/static/visits.js) shrinks them to at most 200 KB.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import date, timedelta

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from backend import clock
from backend.visits.storage import open_photo_store
from backend.visits.tables import Visit, VisitPhoto
from tests.e2e.camera import CAMERA_JPEG

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "th-TH", "timezone_id": "Asia/Bangkok"}
MAX_PHOTO = 200 * 1024
WAIT_MS = 20_000  # for anything the queue does by itself; the checks return as soon as it is done
QUEUE_EMPTY = "VisitQueue.all().then((records) => records.length === 0)"


def today() -> date:
    return clock.today()


async def camera_photo(page: Page, seed: int) -> bytes:
    data = base64.b64decode(await page.evaluate(CAMERA_JPEG, seed))
    assert data[:3] == b"\xff\xd8\xff" and len(data) > 2 * 1024 * 1024, len(data)
    return data


@pytest.fixture
async def phone(chromium, server_url, signed_in, people):
    """Somchai's phone: 360×740, Thai, Bangkok time, signed in."""
    context = await chromium.new_context(base_url=server_url, **PHONE)
    context.set_default_timeout(10_000)
    await signed_in(context, people.somchai)
    try:
        yield context
    finally:
        await context.close()


async def controlled_by_service_worker(page: Page) -> None:
    """The first load installs the service worker; from the next one it serves the page (and works offline)."""
    # `ready` never settles when the worker fails to install (say, a script error in visits.js): fail, don't hang
    installed = page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert await asyncio.wait_for(installed, timeout=WAIT_MS / 1000), "the service worker did not install"
    if not await page.evaluate("navigator.serviceWorker.controller !== null"):
        await page.reload()
    await page.wait_for_function("navigator.serviceWorker.controller !== null")


async def form_ready(page: Page) -> None:
    await expect(page.locator("main h1")).to_have_text("เยี่ยมบ้าน")
    await expect(page.locator("form[data-visit-form]")).to_have_attribute("data-bound", "yes")


async def fill_visit(page: Page, student: int, day: date, area: str, met_with: str, income: str,
                     photo: bytes | None = None) -> None:
    form = page.locator("form[data-visit-form]")
    await form.locator("[name=student]").select_option(str(student))
    await form.locator("[name=visited_on]").fill(day.isoformat())
    await form.get_by_label("หมู่บ้านหรือพื้นที่").fill(area)
    await form.get_by_label("ผู้ที่พบ").fill(met_with)
    await form.get_by_label("รายได้เฉลี่ยต่อคนต่อเดือน (บาท)").fill(income)
    await form.locator("[name=tenure]").select_option("own")
    if photo is not None:
        await form.get_by_label("ภายนอกบ้าน").set_input_files(
            files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}])


async def save(page: Page) -> None:
    await page.get_by_role("button", name="บันทึกการเยี่ยมบ้าน").click()


async def eventually(check, seconds: float = WAIT_MS / 1000) -> None:
    """Wait for a condition on the server's side (the browser's are waited for with expect)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not within the time allowed")
        await asyncio.sleep(0.1)


async def server_has(visits: int, photos: int) -> None:
    async def check() -> bool:
        return await Visit.count() == visits and await VisitPhoto.count() == photos
    await eventually(check)


async def stored_photos(settings) -> list[dict]:
    """Each stored photo with the size of its file in the photo store."""
    store = open_photo_store(settings)
    rows = await VisitPhoto.select(VisitPhoto.visit, VisitPhoto.kind, VisitPhoto.size, VisitPhoto.storage_key,
                                   VisitPhoto.content_type)
    for row in rows:
        data = await store.get(row["storage_key"])
        row["file_size"] = len(data)
        row["jpeg"] = data[:3] == b"\xff\xd8\xff"
    return rows


def watch_uploads(context: BrowserContext) -> list[tuple[str, int]]:
    """(what, status) of every visit and photo upload answered, from the page or the service worker."""
    answered: list[tuple[str, int]] = []

    def seen(response) -> None:
        if response.request.method == "POST" and response.url.endswith("/visits/sync"):
            answered.append(("visit", response.status))
        elif response.request.method == "PUT" and "/photos/" in response.url:
            answered.append(("photo", response.status))

    context.on("response", seen)
    return answered


async def test_three_visits_saved_offline_reach_the_server_once(phone, people, settings):
    page = await phone.new_page()
    uploads = watch_uploads(phone)
    # Online: the teacher opens the progress page, then the form through its (boosted) link, as on a real day.
    await phone.grant_permissions(["geolocation"])
    await phone.set_geolocation({"latitude": 16.4419, "longitude": 102.835, "accuracy": 15})
    await page.goto("/visits")
    await controlled_by_service_worker(page)
    await page.get_by_role("link", name="บันทึกการเยี่ยมบ้าน").click()
    await form_ready(page)
    # The form is kept whole for offline use (a boosted link brought only its body).
    await page.wait_for_function("caches.open('doolae-pages').then((c) => c.match('/visits/form'))"
                                 ".then(Boolean)")
    photos = [await camera_photo(page, seed) for seed in (1, 2, 3)]

    await phone.set_offline(True)
    await page.wait_for_function("!navigator.onLine")
    anan, bua = people.students["10001"], people.students["10002"]
    visits = [  # student, day, area, who was met, income per person
        (anan, today() - timedelta(days=2), "บ้านหนองบัว หมู่ 3", "ยายของอนันต์", "2500"),
        (bua, today() - timedelta(days=1), "บ้านโคกสูง หมู่ 7", "พ่อประเสริฐ", "1800"),
        (anan, today(), "บ้านหนองบัว หมู่ 3", "แม่สมศรี", "3000"),
    ]
    houses = [(16.4419, 102.835), (16.4512, 102.8471), (16.4601, 102.8523)]  # the phone's GPS at each house
    queue = page.locator("#queue")
    form = page.locator("form[data-visit-form]")
    ids = []
    for number, (visit, photo, (lat, lng)) in enumerate(zip(visits, photos, houses, strict=True), start=1):
        await phone.set_geolocation({"latitude": lat, "longitude": lng, "accuracy": 15})
        ids.append(await form.locator("[name=client_id]").input_value())
        await fill_visit(page, *visit, photo=photo)
        await expect(page.locator("#gps")).to_contain_text("± 15")  # the position of this house, found offline
        await save(page)
        await expect(queue).to_contain_text(f"รอส่ง ({number})")
        await expect(queue).to_contain_text("ไม่มีสัญญาณ")
        # the form emptied: say so
        await expect(page.locator("#saved")).to_contain_text("ไว้ในโทรศัพท์แล้ว จะส่งเองเมื่อมีสัญญาณ")
        await expect(form.get_by_label("ผู้ที่พบ")).to_have_value("")  # ready for the next visit
    assert len(set(ids)) == 3, "each visit has its own id, made on the phone"
    await expect(queue).to_be_visible()
    assert await Visit.count() == 0 and uploads == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.screenshot(path="/tmp/e2e-visits-offline.png", full_page=True)

    # Still offline, the page is reloaded: the form comes from the service worker's cache, and
    # the three visits are still waiting.
    await page.reload()
    await form_ready(page)
    await expect(queue).to_contain_text("รอส่ง (3)")
    assert await page.evaluate("VisitQueue.all().then((records) => records.length)") == 3
    # A form kept before a deploy names the older version's files; offline, it gets this version's copies.
    assert await page.evaluate("fetch('/static/visits.js?v=0lder').then((r) => r.ok)")
    assert await Visit.count() == 0

    # Then the browser is closed, which drops the session's cookies (the CSRF one among them), and opened again,
    # still with no signal.
    await page.close()
    await phone.clear_cookies(name="csrftoken")
    page = await phone.new_page()
    await page.goto("/visits/form")
    await form_ready(page)
    queue = page.locator("#queue")
    await expect(queue).to_contain_text("รอส่ง (3)")

    # The network returns: everything is sent by itself, once.
    await phone.set_offline(False)
    await expect(queue).to_be_hidden(timeout=WAIT_MS)
    await server_has(visits=3, photos=3)
    assert await page.evaluate(QUEUE_EMPTY)
    stored = await Visit.select(Visit.id, Visit.client_id, Visit.student, Visit.visited_on, Visit.area,
                                Visit.answers, Visit.status, Visit.latitude, Visit.longitude).order_by(
        Visit.visited_on).output(load_json=True)
    assert [(v["student"], v["visited_on"], v["area"], v["answers"]["met_with"],
             str(v["answers"]["income_per_person"])) for v in stored] == visits
    assert sorted(v["client_id"] for v in stored) == sorted(ids)
    assert [(v["latitude"], v["longitude"]) for v in stored] == houses, "each visit has its own house's position"
    assert {v["status"] for v in stored} == {"done"} and {v["answers"]["tenure"] for v in stored} == {"own"}
    photos_stored = await stored_photos(settings)
    assert sorted(p["visit"] for p in photos_stored) == sorted(v["id"] for v in stored), "one photo each"
    for photo in photos_stored:
        assert photo["kind"] == "outside" and photo["content_type"] == "image/jpeg" and photo["jpeg"]
        assert photo["size"] == photo["file_size"] <= MAX_PHOTO, photo
    # Sent once: the page and the service worker's Background Sync take turns; neither sent a visit twice.
    assert sorted(uploads) == [("photo", 201)] * 3 + [("visit", 201)] * 3


async def test_a_connection_lost_mid_upload_loses_and_doubles_nothing(phone, people, settings):
    """The worst moments: the server has stored the visit (then the photo) but the answer never reaches the phone.
    The phone sends again when the network returns; the server recognises the ids and stores nothing twice."""
    page = await phone.new_page()
    await page.goto("/visits/form")
    await controlled_by_service_worker(page)
    await form_ready(page)
    photo = await camera_photo(page, seed=7)
    network = {"offline": False}
    answered: dict[str, list[int]] = {"visit": [], "photo": []}

    def cut_after_first(what: str):
        async def handle(route: Route) -> None:
            if network["offline"]:
                await route.abort("internetdisconnected")
                return
            response = await route.fetch()  # the request reaches the server...
            answered[what].append(response.status)
            if len(answered[what]) == 1:  # ...and the first time the signal goes before the answer arrives
                network["offline"] = True
                await phone.set_offline(True)
                await route.abort("connectionreset")
            else:
                await route.fulfill(response=response)
        return handle

    await phone.route("**/visits/sync", cut_after_first("visit"))
    await phone.route("**/visits/*/photos/*", cut_after_first("photo"))
    queue = page.locator("#queue")

    await fill_visit(page, people.students["10002"], today(), "บ้านโคกสูง หมู่ 7", "พ่อประเสริฐ", "1800", photo)
    await save(page)
    await expect(queue).to_contain_text("รอส่ง (1)")
    await expect(queue).to_contain_text("ไม่มีสัญญาณ")
    saved = page.locator("#saved")
    await expect(saved).to_contain_text("ไว้ในโทรศัพท์แล้ว")
    await server_has(visits=1, photos=0)  # stored, though the phone never heard so

    network["offline"] = False
    await phone.set_offline(False)  # the visit is sent again; this time the photo's answer is lost
    await server_has(visits=1, photos=1)
    await expect(queue).to_contain_text("รอส่ง (1)")

    network["offline"] = False
    await phone.set_offline(False)
    await expect(queue).to_be_hidden(timeout=WAIT_MS)
    await expect(saved).to_contain_text("ส่งถึงโรงเรียนแล้ว")  # the note follows the visit
    assert await page.evaluate(QUEUE_EMPTY)
    assert answered == {"visit": [201, 200], "photo": [201, 200]}  # each sent twice, stored once
    assert await Visit.count() == 1 and await VisitPhoto.count() == 1
    [stored] = await stored_photos(settings)
    assert stored["size"] == stored["file_size"] <= MAX_PHOTO


async def test_a_field_the_server_rejects_is_shown_fixed_and_sent(phone, people, settings):
    page = await phone.new_page()
    await page.goto("/visits/form")
    await controlled_by_service_worker(page)
    await form_ready(page)
    photo = await camera_photo(page, seed=11)
    form = page.locator("form[data-visit-form]")
    tomorrow = today() + timedelta(days=1)

    client_id = await form.locator("[name=client_id]").input_value()
    await fill_visit(page, people.students["10001"], tomorrow, "บ้านหนองบัว หมู่ 3", "ยายของอนันต์", "2500",
                     photo)
    await save(page)
    problems = page.locator("#queue-problems > li")
    await expect(problems).to_have_count(1)
    await expect(problems).to_contain_text("มีบางช่องต้องแก้ไข")
    await expect(page.locator("#queue")).to_contain_text("รอส่ง (1)")
    await expect(page.locator("#saved")).to_contain_text("โรงเรียนยังรับไม่ได้")
    assert await Visit.count() == 0

    # Nothing typed is lost: after closing the page and opening the form again, the visit still waits for a fix.
    await page.close()
    page = await phone.new_page()
    await page.goto("/visits/form")
    await form_ready(page)
    form = page.locator("form[data-visit-form]")
    problems = page.locator("#queue-problems > li")
    await expect(problems).to_contain_text("มีบางช่องต้องแก้ไข")
    await problems.get_by_role("button", name="แก้ไข").click()

    date_field = form.locator("[data-field=visited_on]")
    await expect(date_field).to_have_class("field invalid")
    error = date_field.locator("[data-error-for=visited_on]")
    await expect(error).to_have_text("วันที่เยี่ยมบ้านเป็นวันในอนาคตไม่ได้")
    await expect(form.locator("[name=visited_on]")).to_have_value(tomorrow.isoformat())
    await expect(form.get_by_label("ผู้ที่พบ")).to_have_value("ยายของอนันต์")
    await expect(form.locator("[name=client_id]")).to_have_value(client_id)

    await form.locator("[name=visited_on]").fill(today().isoformat())
    await save(page)
    await expect(page.locator("#queue")).to_be_hidden(timeout=WAIT_MS)
    await expect(page.locator("#saved")).to_contain_text("ส่งถึงโรงเรียนแล้ว")
    await expect(problems).to_have_count(0)
    await expect(date_field).not_to_have_class("field invalid")
    await server_has(visits=1, photos=1)  # with the photo taken before the fix
    stored = await Visit.select(Visit.client_id, Visit.visited_on, Visit.answers).output(load_json=True).first()
    assert (stored["client_id"], stored["visited_on"], stored["answers"]["met_with"]) == (
        client_id, today(), "ยายของอนันต์")
    assert await page.evaluate(QUEUE_EMPTY)
