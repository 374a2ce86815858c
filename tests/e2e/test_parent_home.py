"""A parent's home page on a 360 px phone: each child's card with today's mark and a "seen" for the alert."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.test_screening import new_phone

pytestmark = pytest.mark.e2e


async def test_the_parents_home_shows_an_unseen_alert_on_a_360px_phone(chromium, server_url, signed_in, people):
    from backend import clock
    from backend.attendance.services import event_key
    from backend.attendance.tables import HOMEROOM_PERIOD, AttendanceMark
    from backend.notify.tables import Alert
    from tests.e2e.test_screening import SidewaysScroll

    anan, day = people.students["10001"], clock.today()
    await AttendanceMark.insert(AttendanceMark(school=people.bangkok, student=anan, day=day, status="absent",
                                               classroom=people.classrooms["BKK ม.1/1"], period=HOMEROOM_PERIOD,
                                               marked_by=people.somchai.user_id, marked_at=clock.now()))
    await Alert.insert(Alert(school=people.bangkok, student=anan, event_key=event_key(anan, day, HOMEROOM_PERIOD),
                             kind="absent", day=day, created_at=clock.now()))
    device = await new_phone(chromium, server_url)
    await signed_in(device, people.somsri)
    page = await device.new_page()
    await page.goto("/")
    card = page.locator("ul.cards > li").filter(has_text="อนันต์")
    await expect(card).to_contain_text("วันนี้: ขาด")
    no_sideways_scroll = SidewaysScroll()
    await no_sideways_scroll(page)
    await card.get_by_role("button", name="รับทราบ").click()
    await expect(page.locator("main")).to_contain_text("ขอบคุณ")  # the attendance page thanks them
    await page.goto("/")
    await expect(page.locator("ul.cards > li").filter(has_text="อนันต์").get_by_role("button")).to_have_count(0)
    no_sideways_scroll.assert_none()
    await device.close()
