"""The area view in a real browser at 360 px, in Thai: Supervisor Areerat signs in, sees her three schools, opens
Bangkok, switches to last year's term, downloads its term report, and reads no student's name on the way."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend import clock, schoolyear
from backend.schools import services as schools
from backend.students.tables import Student
from tests.e2e.test_behaviour import _fits, _phone
from tests.supervision.school import seed_area

pytestmark = pytest.mark.e2e


async def _no_student_named(page, names: list[dict]) -> None:
    html = await page.content()
    for student in names:
        assert student["first_name"] not in html and student["last_name"] not in html, student


async def test_the_area_supervisor_reads_her_schools_and_downloads_one_schools_report(
        chromium, server_url, signed_in, people, app):
    made = await seed_area(people, app)
    last_year = schoolyear.school_year_of(clock.today()) - 1
    await schools.ensure_school_year(people.bangkok, last_year)  # last year's terms, to switch to
    names = await Student.select(Student.first_name, Student.last_name)
    assert len(names) > 10
    areerat = await _phone(chromium, server_url, signed_in, people.areasup)
    page = await areerat.new_page()
    await page.goto("/")
    await expect(page).to_have_url(f"{server_url}/area")
    await expect(page.get_by_role("heading", name="โรงเรียนในความดูแล", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="เทียบโรงเรียนในความดูแล")).to_be_visible()  # side by side
    cards = page.locator("main ul.cards > li")
    await expect(cards).to_have_count(len(made.schools))
    for name in ("โรงเรียนกรุงเทพศึกษา", "โรงเรียนเชียงใหม่วิทยา", "โรงเรียนขอนแก่นวิทยา"):
        await expect(page.get_by_role("heading", name=name)).to_be_visible()
    await _fits(page)
    await _no_student_named(page, names)
    await page.screenshot(path="/tmp/e2e-area.png", full_page=True)

    await page.locator("main ul.cards").get_by_role("link", name="โรงเรียนกรุงเทพศึกษา").first.click()
    await expect(page).to_have_url(f"{server_url}/area/schools/{people.bangkok}")
    await expect(page.get_by_role("heading", name="1. การรู้จักนักเรียนเป็นรายบุคคล")).to_be_visible()
    await expect(page.get_by_role("heading", name="รายระดับชั้น")).to_be_visible()
    await _fits(page)
    await _no_student_named(page, names)
    await page.screenshot(path="/tmp/e2e-area-school.png", full_page=True)

    await page.get_by_label("ภาคเรียน").select_option(f"{last_year}-1")
    await page.get_by_role("button", name="แสดง").click()
    await expect(page).to_have_url(f"{server_url}/area/schools/{people.bangkok}?term={last_year}-1")
    await expect(page.locator("main")).to_contain_text(f"1/{last_year}")
    await _fits(page)
    await _no_student_named(page, names)

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="PDF").first.click()  # the term's (the year's is beside it)
    download = await downloading.value
    assert download.suggested_filename.endswith(".pdf")
    with open(await download.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"
    await expect(page.locator("h1")).to_have_text("โรงเรียนกรุงเทพศึกษา")  # the page is still the page
    await areerat.close()
