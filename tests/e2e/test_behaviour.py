"""Behaviour in a real browser at 360 px, in Thai: a subject teacher records a fight between students of two
homerooms on her phone, both homeroom teachers see it, and the mother acknowledges it in the app; an incident
recorded with no signal, with a photo, reaches the school once when the network returns."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from backend.behaviour import rules, services
from backend.behaviour.tables import Incident, IncidentPhoto, IncidentStudent
from tests.e2e.test_visits_offline import PHONE, WAIT_MS, camera_photo, controlled_by_service_worker, eventually

pytestmark = pytest.mark.e2e

INCIDENTS_QUEUE_EMPTY = "IncidentQueue.all().then((records) => records.length === 0)"


async def _phone(chromium, server_url, signed_in, person):
    context = await chromium.new_context(base_url=server_url, **PHONE)
    context.set_default_timeout(10_000)
    await signed_in(context, person)
    return context


async def _fits(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360


async def _form_ready(page) -> None:
    await expect(page.locator("main h1")).to_have_text("บันทึกพฤติกรรม")
    await expect(page.locator("form[data-incident-form]")).to_have_attribute("data-bound", "yes")


async def test_a_fight_between_two_homerooms_reaches_both_teachers_and_the_mother_acknowledges(
        chromium, server_url, signed_in, people, fake_twilio):
    fighting = next(c for c in await services.categories(people.bangkok) if c["code"] == "fighting")
    await rules.add_rule(await people.prasit.viewer(), {"kind": "serious_incident"})
    wipa = await _phone(chromium, server_url, signed_in, people.wipa)
    page = await wipa.new_page()
    await page.goto("/behaviour/new")
    await _form_ready(page)
    form = page.locator("form[data-incident-form]")
    # Anan from the class she teaches (its list is on the form); Chai, of another homeroom, by search.
    await form.get_by_text("ห้อง ม.1/1").click()
    await form.get_by_label("1 อนันต์ ใจดี").check()
    await form.get_by_role("searchbox").fill("ชัย")
    await form.locator("#found").get_by_text("ชัย ใจดี").click()
    await form.locator("[name=category]").select_option(str(fighting["id"]))
    await form.get_by_label("ตัดคะแนนความประพฤติ").check()
    await form.locator("[name=place]").fill("โรงอาหาร")
    await form.locator("[name=description]").fill("ต่อยกันตอนพักเที่ยง")
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-behaviour-form.png", full_page=True)
    await form.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator("#saved")).to_contain_text("ส่งถึงโรงเรียนแล้ว", timeout=WAIT_MS)
    incident = await Incident.select(Incident.id).first()
    named = await IncidentStudent.select(IncidentStudent.student).where(IncidentStudent.incident == incident["id"])
    assert {row["student"] for row in named} == {people.students["10001"], people.students["10003"]}

    for teacher, student in ((people.somchai, "อนันต์"), (people.malee, "ชัย")):
        context = await _phone(chromium, server_url, signed_in, teacher)
        seen = await context.new_page()
        await seen.goto(f"/behaviour/incidents/{incident['id']}")
        await expect(seen.locator("main")).to_contain_text("ทะเลาะวิวาท")
        await expect(seen.locator("main")).to_contain_text(student)
        await expect(seen.locator("main")).to_contain_text("ผู้ปกครองยังไม่ได้รับทราบ")
        await _fits(seen)
        await context.close()

    # The school's "any serious incident" rule: Somsri, the mother of both (no app notifications on this phone),
    # gets one SMS per child, each naming that child and only the kind of thing, never the place or the details.
    # Each SMS goes by its job, or by the outbox's sweep (every 20 s) if a busy machine lost the job's turn.
    for _ in range(2 * WAIT_MS // 100):
        if len(fake_twilio.messages) >= 2:
            break
        await asyncio.sleep(0.1)
    bodies = sorted(message.body for message in fake_twilio.messages)
    assert len(bodies) == 2 and all("ทะเลาะวิวาท" in body for body in bodies)
    assert {message.to for message in fake_twilio.messages} == {"+66811111111"}
    for body in bodies:
        assert "ต่อยกัน" not in body and "โรงอาหาร" not in body
        assert ("อนันต์" in body) != ("ชัย" in body)  # one child each, never the other

    mother = await _phone(chromium, server_url, signed_in, people.somsri)
    home = await mother.new_page()
    await home.goto("/")
    await expect(home.get_by_text("เหตุการณ์ที่ยังไม่ได้อ่าน 1 เรื่อง")).to_have_count(2)
    await _fits(home)
    await home.get_by_role("link", name="คะแนนความประพฤติ: 80").first.click()
    await expect(home.locator("main")).to_contain_text("ทะเลาะวิวาท")
    await expect(home.locator("main")).not_to_contain_text("ต่อยกันตอนพักเที่ยง")  # staff's words stay with staff
    await home.get_by_role("button", name="รับทราบแล้ว").click()
    await expect(home.locator(".flash")).to_contain_text("ขอบคุณ")
    await _fits(home)
    await home.screenshot(path="/tmp/e2e-behaviour-parent.png", full_page=True)
    await mother.close()

    await page.goto(f"/behaviour/incidents/{incident['id']}")
    await expect(page.locator("main")).to_contain_text("ผู้ปกครองรับทราบในแอปแล้ว")
    await wipa.close()


async def test_an_incident_recorded_with_no_signal_reaches_the_school_once(
        chromium, server_url, signed_in, people):
    fighting = next(c for c in await services.categories(people.bangkok) if c["code"] == "fighting")
    wipa = await _phone(chromium, server_url, signed_in, people.wipa)
    page = await wipa.new_page()
    await page.goto("/behaviour/new")
    await controlled_by_service_worker(page)
    await page.reload()  # through the service worker, which keeps the form for offline use
    await _form_ready(page)

    async def kept() -> bool:
        return await page.evaluate("caches.open('doolae-pages').then((c) => c.match('/behaviour/new')).then(Boolean)")
    await eventually(kept)
    photo = await camera_photo(page, 7)

    await wipa.set_offline(True)
    await page.wait_for_function("!navigator.onLine")
    await page.reload()  # the form comes from the phone's cache
    await _form_ready(page)
    form = page.locator("form[data-incident-form]")
    client_id = await form.locator("[name=client_id]").input_value()
    await form.get_by_text("ห้อง ม.1/1").click()
    await form.get_by_label("1 อนันต์ ใจดี").check()
    await form.locator("[name=category]").select_option(str(fighting["id"]))
    await form.get_by_label("รูปถ่าย (ไม่บังคับ เห็นเฉพาะครู)").set_input_files(
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    await form.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator("#queue")).to_contain_text("รอส่ง (1)")
    await expect(page.locator("#saved")).to_contain_text("เก็บไว้ในโทรศัพท์แล้ว")
    await _fits(page)
    assert await Incident.count() == 0
    assert await form.locator("[name=client_id]").input_value() != client_id  # ready for the next record

    await wipa.set_offline(False)
    await expect(page.locator("#queue")).to_be_hidden(timeout=WAIT_MS)

    async def arrived() -> bool:
        return await Incident.count() == 1 and await IncidentPhoto.count() == 1
    await eventually(arrived)
    assert await page.evaluate(INCIDENTS_QUEUE_EMPTY)
    stored = await Incident.select(Incident.client_id, Incident.recorded_by).first()
    assert stored == {"client_id": client_id, "recorded_by": people.wipa.user_id}
    size = (await IncidentPhoto.select(IncidentPhoto.size).first())["size"]
    assert size <= 300 * 1024

    # The phone sends the same record again (a reply lost on the way): still one.
    status = await page.evaluate("""async (id) => {
        const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)[1];
        const response = await fetch("/behaviour/incidents", {method: "POST", headers: {
            "content-type": "application/json", "x-csrftoken": token}, body: JSON.stringify({client_id: id})});
        return response.status; }""", client_id)
    assert status == 200 and await Incident.count() == 1
    await wipa.close()
