"""At 360 px: the admin makes sign-in slips for a classroom and prints them, two slips across an A4 page."""

import pytest

from backend.students.tables import Guardian

pytestmark = pytest.mark.e2e

OVERFLOW = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
    .map(e => e.tagName + '.' + e.className)"""


async def test_the_admin_prints_sign_in_slips_for_a_classroom(chromium, server_url, signed_in, people):
    await Guardian.update({Guardian.has_smartphone: True}).where(Guardian.phone == "+66822222222")
    admin = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url)
    await signed_in(admin, people.kanya)
    page = await admin.new_page()
    await page.goto("/admin/parents/invite")
    await page.select_option("select[name=classroom]", str(people.classrooms["BKK ม.1/1"]))
    await page.get_by_text("แสดงรายชื่อ").click()
    await page.get_by_text("ผู้ปกครองที่จะได้รับรหัส 1 คน").wait_for()
    assert await page.evaluate(OVERFLOW) == []
    await page.get_by_text("ทำใบรหัส 1 ใบสำหรับพิมพ์").click()
    await page.get_by_text("ทำใบรหัสแล้ว 1 ใบ").wait_for()
    slip = page.locator("ul.slips li").first
    assert "082-222-2222" in await slip.inner_text() and "บัว รักเรียน" in await slip.inner_text()
    assert await page.evaluate(OVERFLOW) == []
    await page.screenshot(path="/tmp/e2e-slips.png", full_page=True)
    await page.emulate_media(media="print")
    await page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    columns = await page.evaluate("getComputedStyle(document.querySelector('ul.slips')).gridTemplateColumns")
    assert len(columns.split()) == 2  # two slips across the page
    await admin.close()
