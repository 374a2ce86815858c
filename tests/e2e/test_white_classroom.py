"""The white classroom and the guidelines in a real browser at 360 px, in Thai: the homeroom teacher names the
class head and files the month's report; the director sees the class on the school page; a teacher reads the
school's guideline."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend.promotion import guidelines
from tests.e2e.test_behaviour import _fits, _phone

pytestmark = pytest.mark.e2e


async def test_a_teacher_records_the_committee_and_the_director_sees_the_class(chromium, server_url, signed_in,
                                                                              people, app):
    await guidelines.save_document(await people.ratana.viewer(), app.state.photos, {
        "title": "แนวปฏิบัติห้องเรียนสีขาว", "body": "ทุกห้องมีคณะกรรมการ 5 ฝ่าย"}, None)
    somchai = await _phone(chromium, server_url, signed_in, people.somchai)
    page = await somchai.new_page()
    await page.goto("/promotion")
    await page.get_by_role("link", name="คณะกรรมการ").first.click()
    await expect(page.locator("main h1")).to_have_text("ห้องเรียนสีขาว ม.1/1")
    await page.get_by_text("เปลี่ยนคณะกรรมการหรือคำขวัญ").click()
    await page.get_by_label("หัวหน้าห้อง").select_option(label="2 บัว รักเรียน")
    await page.get_by_label("คำขวัญ").fill("ห้องเราสีขาว ไร้ยาเสพติด")
    await _fits(page)
    await page.get_by_role("button", name="บันทึก").click()
    await expect(page.locator(".flash, [role=status]").first).to_contain_text("บันทึกคณะกรรมการห้องเรียนแล้ว")
    await page.get_by_text("ส่งรายงานประจำเดือน").click()
    await page.get_by_label("สิ่งที่คณะกรรมการได้ทำ").fill("รณรงค์ต้านบุหรี่ไฟฟ้าหน้าเสาธง")
    await _fits(page)
    await page.get_by_role("button", name="ส่งรายงาน").click()
    await expect(page.locator("main")).to_contain_text("รณรงค์ต้านบุหรี่ไฟฟ้าหน้าเสาธง")
    await page.goto("/promotion/guidelines")
    await page.get_by_role("link", name="แนวปฏิบัติห้องเรียนสีขาว").click()
    await expect(page.locator("main")).to_contain_text("ทุกห้องมีคณะกรรมการ 5 ฝ่าย")
    await _fits(page)

    wichai = await _phone(chromium, server_url, signed_in, people.wichai)
    page = await wichai.new_page()
    await page.goto("/promotion")
    await page.get_by_role("link", name="ห้องเรียนสีขาวทั้งโรงเรียน").click()
    await expect(page.locator("main")).to_contain_text("ห้องที่มีคณะกรรมการ")
    await expect(page.locator("tbody tr").first).to_contain_text("1/5")
    await _fits(page)
