"""The nurse, on a 360 px phone, types a student's name on her home page and opens the record from the results."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e


async def test_the_nurse_finds_a_student_as_she_types(context, page: Page, people, signed_in, server_url):
    await signed_in(context, people.nipa)
    await page.goto("/")
    main = page.locator("main")
    await main.get_by_label("ค้นหานักเรียน").fill("ใจดี")
    results = main.locator("#results li a")
    await expect(results).to_have_count(2)  # Anan and Chai: the nurse looks after the whole school
    await expect(results.nth(0)).to_have_text("เด็กชายอนันต์ ใจดี")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.screenshot(path="/tmp/e2e-nurse-search.png", full_page=True)
    await results.nth(0).click()
    await expect(page).to_have_url(f"{server_url}/records/{people.students['10001']}")
