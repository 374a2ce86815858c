"""The director's overview in a real browser at 360 px, in Thai: from the menu to the care system's five components,
and from "problem students without a plan: 3" to the three students."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.test_behaviour import _fits, _phone
from tests.supervision.school import PROBLEMS_WITHOUT_PLAN, seed

pytestmark = pytest.mark.e2e


async def test_the_director_drills_from_problem_students_without_a_plan_to_the_three(
        chromium, server_url, signed_in, people, app):
    await seed(people, app)
    director = await _phone(chromium, server_url, signed_in, people.wichai)
    page = await director.new_page()
    await page.goto("/")
    await page.get_by_role("navigation").get_by_role("link", name="ภาพรวมระบบดูแล", exact=True).click()
    await expect(page).to_have_url(f"{server_url}/supervision")
    await expect(page.get_by_role("heading", name="4. การป้องกันและแก้ไขปัญหา")).to_be_visible()
    # No targets set in this school: the bars alone, and the chart says so (with targets: "…เทียบกับเป้าหมาย").
    await expect(page.get_by_role("img", name="ร้อยละของแต่ละตัวชี้วัด", exact=True)).to_be_visible()
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-supervision.png", full_page=True)

    await page.get_by_role("link", name="นักเรียนกลุ่มมีปัญหาที่ยังไม่มีแผน: 3").click()
    await expect(page.get_by_role("heading", name="นักเรียนกลุ่มมีปัญหาที่ยังไม่มีแผน: 3")).to_be_visible()
    students = page.locator("main ol.list > li")
    await expect(students).to_have_count(3)
    for n, name in enumerate(PROBLEMS_WITHOUT_PLAN):
        await expect(students.nth(n)).to_contain_text(name)
        await expect(students.nth(n)).to_contain_text("ม.1/1")
    await expect(page.locator("main")).not_to_contain_text("บัว")  # her case has a plan
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-supervision-plans.png", full_page=True)

    # Printed, the page drops its menu and its term selector.
    await page.emulate_media(media="print")
    await expect(page.locator("nav.tabs")).to_be_hidden()
