"""The admin's school calendar in Chromium at 360 px with JavaScript off: the year's closed days, a Buddhist holiday
added with a Buddhist-era date, and the page fits the phone."""

import gzip

import pytest

pytestmark = pytest.mark.e2e


async def test_the_admin_adds_visakha_bucha_on_a_phone_without_javascript(chromium, server_url, signed_in, people):
    context = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url,
                                         java_script_enabled=False)
    context.set_default_timeout(10_000)
    await signed_in(context, people.kanya)
    page = await context.new_page()
    response = await page.goto("/school/calendar")
    assert len(gzip.compress(await response.body(), 9)) <= 14 * 1024  # as sent: one TCP window
    await page.get_by_text("วันรัฐธรรมนูญ").first.wait_for()
    await page.get_by_label("ชื่อวัน").fill("วันวิสาขบูชา")
    await page.get_by_label("ประเภทของวัน").select_option("holiday")
    await page.get_by_label("วันแรก (วัน/เดือน/ปี พ.ศ.)").fill("31/05/2569")
    await page.get_by_role("button", name="เพิ่มในปฏิทิน").click()
    await page.get_by_text("เพิ่มในปฏิทินแล้ว").wait_for()
    await page.get_by_text("วันวิสาขบูชา").first.wait_for()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.screenshot(path="/tmp/e2e-calendar.png", full_page=True)
    await context.close()
