"""The first thin slice in a real browser at 360 px: a teacher's taps become a push on one parent's phone and an
SMS on another's basic phone, through the served app, the arq worker, Redis, and the local Twilio and push
services; the parent acknowledges and the teacher sees it."""

import asyncio

import pytest

from backend.notify import push as notify
from tests.attendance.test_register import PRASERT

pytestmark = pytest.mark.e2e


async def eventually(check, seconds: float = 15) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within the time allowed")


async def test_two_absences_reach_a_push_and_an_sms_and_the_parent_acknowledges(
        chromium, server_url, signed_in, people, fake_twilio, push_service, settings):
    viewer = await people.somsri.viewer()
    subscription = push_service.subscription("somsri-phone")
    await notify.save_subscription(settings, viewer, subscription["endpoint"], subscription["p256dh"],
                                   subscription["auth"])

    teacher = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url)
    await signed_in(teacher, people.somchai)
    page = await teacher.new_page()
    await page.goto(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")
    await page.get_by_text("ยังไม่เช็กชื่อ").wait_for()
    rows = page.locator("ol.marks > li")
    await rows.nth(0).get_by_text("ขาด", exact=True).click()  # อนันต์, number 1
    await rows.nth(1).get_by_text("ขาด", exact=True).click()  # บัว, number 2
    await page.screenshot(path="/tmp/e2e-register.png", full_page=True)
    wide = await page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 361)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    await page.get_by_role("button", name="บันทึกการเช็กชื่อ").click()
    await page.get_by_text("กำลังแจ้งผู้ปกครอง 2 ข้อความ").wait_for()

    await eventually(lambda: any(d.token == "somsri-phone" for d in push_service.delivered))
    await eventually(lambda: len(fake_twilio.sent_to(PRASERT)) == 1)
    assert "บัว ขาดเรียน" in fake_twilio.sent_to(PRASERT)[0].body
    assert fake_twilio.sent_to("+66811111111") == []  # Somsri has the app: no SMS for her

    parent = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url)
    await signed_in(parent, people.somsri)
    mine = await parent.new_page()
    await mine.goto("/attendance/children")
    child = mine.locator("section.child", has_text="อนันต์")
    await child.get_by_text("ขาด").first.wait_for()
    await child.get_by_role("button", name="รับทราบ").click()
    await mine.get_by_text("ขอบคุณ").wait_for()
    assert await mine.evaluate("document.documentElement.scrollWidth") <= 360
    await mine.screenshot(path="/tmp/e2e-parent-attendance.png", full_page=True)

    await page.reload()
    await page.get_by_text(f"{people.somsri.name} รับทราบแล้ว").wait_for()
    await teacher.close()
    await parent.close()
