"""A roster as a school has it, at 360 px: the guardian's phone sits under a header Doolae does not know. The admin
sees that column named as not recognised, says it is the guardian's phone, imports, and the homeroom teacher's
list then shows that phone."""

import pytest

pytestmark = pytest.mark.e2e

ROSTER = ("เลขประจำตัว,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง,ความสัมพันธ์,เบอร์บ้าน\n"
          "30001,เด็กชาย,ก้อง,ทองแท้,ม.1/1,9,ทองใบ ทองแท้,ยาย,081-999-0001\n")


async def fits(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360


async def test_the_admin_maps_an_odd_phone_column_and_the_teacher_sees_the_phone(chromium, server_url, signed_in,
                                                                                  people):
    admin = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url)
    admin.set_default_timeout(10_000)
    await signed_in(admin, people.kanya)
    page = await admin.new_page()
    await page.goto("/roster/import")
    await page.set_input_files("input[name=data]", files=[
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("utf-8")}])
    await page.get_by_role("button", name="ตรวจสอบไฟล์").click()

    unplaced = page.locator("tr.unplaced", has_text="เบอร์บ้าน")
    await unplaced.get_by_text("ไม่รู้จัก").wait_for()
    assert await page.get_by_role("button", name="นำเข้าเลย").count() == 0  # nothing imported with a column unplaced
    await fits(page)
    await page.screenshot(path="/tmp/e2e-roster-columns.png", full_page=True)
    await unplaced.locator("select").select_option("guardian_phone")
    await page.get_by_role("button", name="บันทึกคอลัมน์แล้วตรวจอีกครั้ง").click()
    await page.get_by_text("ผู้ปกครองใหม่ 1 คน").wait_for()
    await fits(page)
    await page.get_by_role("button", name="นำเข้าเลย").click()
    await page.get_by_text("นักเรียนใหม่ 1 คน").wait_for()

    teacher = await chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH", base_url=server_url)
    teacher.set_default_timeout(10_000)
    await signed_in(teacher, people.somchai)
    homeroom = await teacher.new_page()
    await homeroom.goto("/students/homeroom")
    student = homeroom.locator("ol.students > li", has_text="ก้อง")
    await student.get_by_text("081-999-0001").wait_for()
    await fits(homeroom)
    await homeroom.screenshot(path="/tmp/e2e-roster-homeroom.png", full_page=True)
    await admin.close()
    await teacher.close()
