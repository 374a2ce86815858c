"""A teacher taps XLSX on the screening pages of a 360 px phone: the browser saves a workbook and the page stays as
it was (htmx boosts every link; a file must never be swapped into the page as text)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.test_screening import new_phone

pytestmark = pytest.mark.e2e


async def test_tapping_xlsx_downloads_the_workbook(chromium, server_url, signed_in, people):
    anan, room = people.students["10001"], people.classrooms["BKK ม.1/1"]
    device = await new_phone(chromium, server_url)
    await signed_in(device, people.somchai)
    page = await device.new_page()
    await page.goto(f"/screening/students/{anan}")
    await page.get_by_role("link", name="สรุปทั้งห้อง").click()  # a boosted navigation: htmx is in charge
    await expect(page).to_have_url(f"{server_url}/screening/classrooms/{room}")
    for address, name in ((f"/screening/classrooms/{room}", "screening-ม.1-1.xlsx"),
                          (f"/screening/students/{anan}", "screening-10001.xlsx")):
        if not page.url.endswith(address):
            await page.goto(address)
        async with page.expect_download() as downloading:
            await page.get_by_role("link", name="XLSX").click()
        download = await downloading.value
        assert download.suggested_filename == name
        with open(await download.path(), "rb") as saved:
            assert saved.read(2) == b"PK"  # a workbook (a zip), whole
        await expect(page.locator("h1")).to_be_visible()  # the page is still the page
        assert "PK\x03\x04" not in await page.content()
    await device.close()

