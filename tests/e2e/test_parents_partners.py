"""Parents as partners on 360 px phones: a mother asks sick leave in the morning, the homeroom teacher's register
shows it already marked and no absence alert goes out; she writes to the teacher and reads the reply."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from backend.attendance.tables import AttendanceMark
from backend.leave.tables import LeaveRequest
from backend.notify.tables import Alert, Message
from backend.schools.tables import School
from tests.e2e.test_screening import SidewaysScroll, new_phone

pytestmark = pytest.mark.e2e


async def test_sick_leave_before_the_register_then_a_message_and_its_reply(
        chromium, server_url, signed_in, people, fake_twilio, push_service):
    anan = people.students["10001"]
    # The served app keeps the machine's clock, which may be past the school's cut-off (08:30) when this runs:
    # a cut-off at the end of the day stands in for asking at 07:40 (tests/leave test the cut-off itself).
    await School.update({School.leave_cutoff: "23:59"}).where(School.id == people.bangkok)

    mother = await new_phone(chromium, server_url)
    await signed_in(mother, people.somsri)
    page = await mother.new_page()
    sideways = SidewaysScroll()
    await page.goto("/leave")
    form = page.locator("form[action='/leave']")
    await form.get_by_label("อนันต์", exact=False).check()
    await form.get_by_label("ลาป่วย", exact=False).check()
    await form.locator("[name=reason]").fill("มีไข้ตั้งแต่เมื่อคืน")
    await sideways(page)
    await form.get_by_role("button", name="ส่งถึงครูประจำชั้น").click()
    await expect(page.locator("main")).to_contain_text("ส่งใบลาแล้ว ลา 1 วันเรียน")
    await expect(page.locator("ul.cards")).to_contain_text("รอครูประจำชั้นตอบ")
    asked = await LeaveRequest.select(LeaveRequest.student, LeaveRequest.kind)
    assert asked == [{"student": anan, "kind": "sick"}]  # for Anan only, not his brother Chai in ม.1/2

    teacher = await new_phone(chromium, server_url)
    await signed_in(teacher, people.somchai)
    register = await teacher.new_page()
    await register.goto(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")
    anan_row = register.locator("ol.marks > li").filter(has_text="อนันต์")
    await expect(anan_row).to_contain_text("ลาป่วย (ผู้ปกครองแจ้ง)")
    await expect(anan_row.locator("input[type=radio]:checked")).to_have_count(1)
    await sideways(register)
    bua_row = register.locator("ol.marks > li").filter(has_text="บัว")
    await bua_row.get_by_text("มา", exact=True).click()
    await register.get_by_role("button", name="บันทึกการเช็กชื่อ").click()
    await expect(register.locator("main")).not_to_contain_text("ยังไม่เช็กชื่อ")
    marks = {row["student"]: row["status"] for row in await AttendanceMark.select(AttendanceMark.student,
                                                                                   AttendanceMark.status)}
    assert marks[anan] != "absent"
    await asyncio.sleep(2)  # what the worker would send goes within a second; nothing should
    assert await Alert.count() == 0 and await Message.count() == 0
    assert fake_twilio.messages == [] and push_service.delivered == []

    await page.goto("/conversations")
    await page.locator("ul.cards > li").filter(has_text="อนันต์").get_by_role("link").first.click()
    await page.locator("textarea[name=body]").fill("อนันต์จะกลับมาเรียนวันจันทร์ค่ะ ฝากการบ้านด้วย")
    await sideways(page)
    await page.get_by_role("button", name="ส่ง", exact=True).click()
    await expect(page.locator("ul.posts")).to_contain_text("กลับมาเรียนวันจันทร์")

    inbox = await teacher.new_page()
    await inbox.goto("/conversations")
    thread = inbox.locator("ul.list > li").filter(has_text="กลับมาเรียนวันจันทร์")  # the preview, under his name
    await thread.get_by_role("link", name="อนันต์", exact=False).click()
    await expect(inbox.locator("ul.posts")).to_contain_text("ฝากการบ้านด้วย")
    await inbox.locator("textarea[name=body]").fill("รับทราบครับ การบ้านคณิตหน้า 12 หายไวๆ นะครับ")
    await sideways(inbox)
    await inbox.get_by_role("button", name="ส่ง", exact=True).click()
    await expect(inbox.locator("ul.posts")).to_contain_text("หายไวๆ")

    await page.reload()
    await expect(page.locator("ul.posts")).to_contain_text("การบ้านคณิตหน้า 12")
    await sideways(page)
    sideways.assert_none()
    await mother.close()
    await teacher.close()


async def test_the_leave_forms_days_read_in_thai_with_the_buddhist_year(chromium, server_url, signed_in, people):
    """A phone's date field shows mm/dd/yyyy in the Christian era; the line under it names the chosen day in Thai."""
    mother = await new_phone(chromium, server_url)
    await signed_in(mother, people.somsri)
    page = await mother.new_page()
    await page.goto("/leave")
    form = page.locator("form[action='/leave']")
    await expect(form.locator("[data-day-of=first_day]")).to_contain_text("2569")  # written by the server
    await form.locator("[name=last_day]").fill("2026-12-04")
    await expect(form.locator("[data-day-of=last_day]")).to_have_text("วันศุกร์ที่ 4 ธันวาคม 2569")
    await form.locator("[name=first_day]").fill("2026-12-07")
    await expect(form.locator("[data-day-of=first_day]")).to_have_text("วันจันทร์ที่ 7 ธันวาคม 2569")
