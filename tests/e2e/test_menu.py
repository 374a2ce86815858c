"""The teacher's menu on a 360 px phone, in Thai: the daily links in two short lines, the rest under "More"
(<details>, no JavaScript), every link the same as before."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend.accounts import access, sessions
from tests.e2e.test_behaviour import _fits, _phone

pytestmark = pytest.mark.e2e


async def test_the_homeroom_teachers_menu_is_two_lines_and_the_rest_is_one_tap_away(
        chromium, server_url, signed_in, people):
    teacher = await _phone(chromium, server_url, signed_in, people.somchai)
    page = await teacher.new_page()
    await page.goto("/")
    nav = page.get_by_role("navigation")
    box = await nav.bounding_box()
    await page.screenshot(path="/tmp/e2e-menu.png")
    assert box["height"] <= 100, box  # was a third of the screen
    await _fits(page)
    every = access.menu(await sessions.viewer_of(people.somchai.user_id))
    assert len(every) > 8
    await expect(nav.get_by_role("link", name="การมาเรียน", exact=True)).to_be_visible()
    await expect(nav.get_by_role("link", name="การเยี่ยมบ้าน", exact=True)).to_be_hidden()
    await nav.get_by_text("เพิ่มเติม", exact=True).click()
    await page.screenshot(path="/tmp/e2e-menu-open.png")
    await nav.get_by_role("link", name="การเยี่ยมบ้าน", exact=True).click()
    await expect(page).to_have_url(f"{server_url}/visits")
    assert await page.locator("nav a[href]").count() == len(every) + 1  # Home, then each link once
