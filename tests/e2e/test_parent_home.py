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


async def test_the_weekly_summary_reads_on_a_360px_phone(chromium, server_url, signed_in, people):
    from backend import clock
    from backend.attendance.tables import HOMEROOM_PERIOD, AttendanceMark
    from backend.config import Settings
    from backend.schools.calendar import Week
    from backend.summary import services as summary
    from tests.e2e.test_screening import SidewaysScroll

    from backend.schools import services as schools

    week = Week.of(clock.today())
    anan, day = people.students["10001"], week.monday
    if not (await schools.calendar_between(people.bangkok, day, day)).is_school_day(day):
        await schools.add_calendar_day(people.bangkok, "school_day", "วันเรียนชดเชย", day.strftime("%d/%m/") + str(
            day.year + 543))
    await AttendanceMark.insert(AttendanceMark(school=people.bangkok, student=anan, day=day, status="late",
                                               classroom=people.classrooms["BKK ม.1/1"], period=HOMEROOM_PERIOD,
                                               marked_by=people.somchai.user_id, marked_at=clock.now()))
    await summary.compile_school(Settings.from_env(), people.bangkok, week)
    device = await new_phone(chromium, server_url)
    await signed_in(device, people.somsri)
    page = await device.new_page()
    no_sideways_scroll = SidewaysScroll()
    await page.goto("/")
    await no_sideways_scroll(page)
    await page.get_by_role("link", name="สรุปประจำสัปดาห์").first.click()
    await expect(page.locator("main")).to_contain_text("มาสาย 1 ครั้ง")
    await no_sideways_scroll(page)
    no_sideways_scroll.assert_none()
    await device.close()
