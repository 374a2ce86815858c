"""Promotion on a 360 px phone: the homeroom teacher schedules the parents' meeting and records a homeroom
activity with an absent student unticked; the parent answers the invitation; nothing scrolls sideways."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import expect

from tests.e2e.test_screening import SidewaysScroll, new_phone

pytestmark = pytest.mark.e2e


async def test_a_meeting_and_an_activity_on_a_360px_phone(chromium, server_url, signed_in, people):
    from backend import clock

    no_sideways_scroll = SidewaysScroll()
    teacher = await new_phone(chromium, server_url)
    await signed_in(teacher, people.somchai)
    page = await teacher.new_page()
    await page.goto(f"/promotion/classrooms/{people.classrooms['BKK ม.1/1']}")
    await expect(page.locator("main")).to_contain_text("ภาคเรียนนี้ยังไม่มีการประชุมผู้ปกครอง")
    await page.get_by_text("นัดประชุม", exact=True).click()
    await page.locator("input[name=held_on][min]").fill(clock.today().isoformat())
    await page.locator("input[name=starts_at]").fill("23:59")
    await page.locator("input[name=place]").fill("ห้อง 121")
    await page.get_by_role("button", name="นัดและส่งคำเชิญ").click()
    await expect(page.locator("main")).to_contain_text("ประชุมผู้ปกครอง ม.1/1")
    await no_sideways_scroll(page)
    if os.environ.get("SCREENSHOTS"):
        await page.screenshot(path=f"{os.environ['SCREENSHOTS']}/meeting.png", full_page=True)

    await page.get_by_role("link", name="ห้อง ม.1/1").click()
    await page.get_by_text("บันทึกกิจกรรม", exact=True).click()
    await page.locator("input[name=topic]").fill("การออมเงินและเศรษฐกิจพอเพียง")
    await page.get_by_label("บัว").uncheck()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator("main")).to_contain_text("มา 1 จาก 2 คน")
    await no_sideways_scroll(page)
    if os.environ.get("SCREENSHOTS"):
        await page.screenshot(path=f"{os.environ['SCREENSHOTS']}/classroom.png", full_page=True)

    parent = await new_phone(chromium, server_url)
    await signed_in(parent, people.somsri)
    invitation = await parent.new_page()
    await invitation.goto("/promotion/invitations")
    await invitation.get_by_role("button", name="จะมาร่วมประชุม").click()
    await expect(invitation.locator("main")).to_contain_text("คำตอบของท่าน: จะมาร่วมประชุม")
    await no_sideways_scroll(invitation)
    if os.environ.get("SCREENSHOTS"):
        await invitation.screenshot(path=f"{os.environ['SCREENSHOTS']}/invitations.png", full_page=True)
    no_sideways_scroll.assert_none()
    await teacher.close()
    await parent.close()


async def test_the_directors_promotion_pages_fit_a_360px_phone(chromium, server_url, signed_in, people):
    """The class lists of /promotion and /promotion/network scroll inside their box, never the page; the network's
    column says it counts the members."""
    no_sideways_scroll = SidewaysScroll()
    director = await new_phone(chromium, server_url)
    await signed_in(director, people.wichai)
    page = await director.new_page()
    for url in ("/promotion", "/promotion/network"):
        await page.goto(url)
        await no_sideways_scroll(page)
    no_sideways_scroll.assert_none()
    await expect(page.locator("main table th").nth(1)).to_have_text("จำนวนกรรมการ")
