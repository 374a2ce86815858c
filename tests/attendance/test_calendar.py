"""The school calendar in attendance: on a closed day (a weekend, a seeded holiday, a closure the admin added) no
register is expected and no guardian is told; term counts and days absent count school days only.

The week of 7 Dec 2026 (school year 2569, term 2) has Constitution Day on Thursday the 10th: the personas are made
on Wednesday the 9th (an ordinary school day), and the clock moves from there."""

from datetime import date, datetime, time

import pytest

from backend import clock
from backend.attendance import services as attendance
from backend.attendance.tables import AttendanceMark
from backend.notify.tables import Message
from backend.schools.tables import CalendarDay
from tests.attendance.test_register import ANAN, BUA, CHAI, PRASERT, SOMSRI, save
from tests.conftest import text_of
from tests.personas import build_personas


def at(day: date, hour: int = 8, minute: int = 10) -> datetime:
    return datetime.combine(day, time(hour, minute), clock.SCHOOL_TIME)


WEDNESDAY, HOLIDAY, SATURDAY = date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 12)


@pytest.fixture
async def school(settings):
    with clock.set_to(at(WEDNESDAY, 7, 0)):
        return await build_personas(settings)


@pytest.mark.parametrize("day, why", [(HOLIDAY, "วันรัฐธรรมนูญ"), (SATURDAY, "วันหยุดสุดสัปดาห์")])
async def test_on_a_closed_day_no_register_is_expected_and_no_alert_goes(make_client, school, settings, drain,
                                                                         fake_twilio, day, why):
    teacher, director = make_client(), make_client()
    with clock.set_to(at(day)):
        await school.somchai.sign_in(settings, teacher)
        await school.wichai.sign_in(settings, director)
        page = text_of((await teacher.get(f"/attendance/classrooms/{school.classrooms['BKK ม.1/1']}")).text)
        assert f"วันนี้โรงเรียนปิด ({why}): ไม่ต้องเช็กชื่อ" in page and "ยังไม่เช็กชื่อ" not in page
        today = text_of((await director.get("/attendance/school")).text)
        assert f"วันนี้โรงเรียนปิด ({why}): ไม่ต้องเช็กชื่อ" in today
        assert "ยังไม่เช็กชื่อ" not in today  # no homeroom is "not taken" on a closed day

        # Taken anyway (a Saturday activity, say): kept, but guardians hear nothing, and the teacher is told why.
        page = await save(teacher, school, **{f"s{ANAN}": "absent"})
        assert f"วันนี้โรงเรียนปิด ({why}): บันทึกการเช็กชื่อไว้แล้ว แต่ไม่ส่งข้อความถึงผู้ปกครอง" in text_of(page.text)
        await drain()
    assert await AttendanceMark.count() == 2
    assert await Message.count() == 0 and fake_twilio.messages == []


async def test_the_admin_adds_a_closure_and_that_day_is_closed(make_client, school, settings, drain, fake_twilio):
    admin, teacher = make_client(), make_client()
    with clock.set_to(at(WEDNESDAY, 7, 30)):
        await school.kanya.sign_in(settings, admin)
        page = text_of((await admin.get("/school/calendar")).text)
        assert "ปฏิทินโรงเรียน 2569" in page
        assert "10 ธ.ค. 2569 วันรัฐธรรมนูญ วันหยุด" in page  # seeded with the school year
        # A typing slip is refused in Thai, with what was typed kept.
        refused = await admin.submit("/school/calendar", {"name": "สอบกลางภาค", "kind": "closure",
                                                          "starts_on": "9/12/2569", "ends_on": "8/12/2569"})
        assert refused.status_code == 422
        assert "วันสุดท้ายอยู่ก่อนวันแรก" in text_of(refused.text) and 'value="สอบกลางภาค"' in refused.text
        page = await admin.submit("/school/calendar", {"name": "สอบกลางภาค", "kind": "closure",
                                                       "starts_on": "9/12/2569", "ends_on": "11/12/2569"})
        assert "เพิ่มในปฏิทินแล้ว" in text_of(page.text)
        assert "9 ธ.ค. 2569 – 11 ธ.ค. 2569 สอบกลางภาค โรงเรียนปิด" in text_of(page.text)

        await school.somchai.sign_in(settings, teacher)
        page = await save(teacher, school, **{f"s{ANAN}": "absent"})
        assert "วันนี้โรงเรียนปิด (สอบกลางภาค)" in text_of(page.text)
        await drain()
        assert fake_twilio.messages == []

        # Called off: the day is a school day again, and the next absence is told.
        closure = await CalendarDay.select(CalendarDay.id).where(CalendarDay.name == "สอบกลางภาค").first()
        page = await admin.submit("/school/calendar/remove", {"day_id": str(closure["id"]), "year": "2569"})
        assert "นำออกจากปฏิทินแล้ว: สอบกลางภาค" in text_of(page.text)
        page = await save(teacher, school, **{f"s{ANAN}": "absent", f"s{BUA}": "absent"})
        assert "กำลังแจ้งผู้ปกครอง 1 ข้อความ" in text_of(page.text)
        await drain()
        assert [m.to for m in fake_twilio.messages] == [PRASERT]  # Anan's absence was taken on the closed day


async def test_a_closure_and_a_make_up_day_on_one_day_are_never_both_kept(make_client, school, settings):
    admin = make_client()
    with clock.set_to(at(WEDNESDAY, 7, 30)):
        await school.kanya.sign_in(settings, admin)
        page = await admin.submit("/school/calendar", {"name": "เรียนชดเชย", "kind": "school_day",
                                                       "starts_on": "12/12/2569"})
        assert "เพิ่มในปฏิทินแล้ว" in text_of(page.text)
        # The flood closes the school that Saturday: the admin is told the day is a make-up day, and chooses.
        refused = await admin.submit("/school/calendar", {"name": "น้ำท่วม", "kind": "closure",
                                                          "starts_on": "11/12/2569", "ends_on": "13/12/2569"})
        assert refused.status_code == 422
        assert "12 ธ.ค. 2569 มีในปฏิทินแล้วเป็น เรียนชดเชย" in text_of(refused.text)
        # The same holiday twice is one holiday.
        refused = await admin.submit("/school/calendar", {"name": "เรียนชดเชย", "kind": "school_day",
                                                          "starts_on": "12/12/2569"})
        assert refused.status_code == 422 and "เรียนชดเชย มีในปฏิทินแล้ว" in text_of(refused.text)
    assert await CalendarDay.count().where(CalendarDay.name.is_in(["เรียนชดเชย", "น้ำท่วม"])) == 1


async def test_another_schools_admin_cannot_remove_a_holiday(client, school, settings):
    holiday = await CalendarDay.select(CalendarDay.id).where(CalendarDay.school == school.bangkok).first()
    await school.preecha.sign_in(settings, client)
    assert (await client.submit("/school/calendar/remove", {"day_id": str(holiday["id"])})).status_code == 404
    assert await CalendarDay.exists().where(CalendarDay.id == holiday["id"])


async def test_counts_use_school_days_only_with_a_holiday_in_the_week(make_client, school, settings):
    """Chai is absent on Monday and Tuesday, and marked absent on the holiday too (a register taken anyway): the
    holiday is not a day missed, neither in his term's share nor in the screening fact."""
    teacher = make_client()
    await school.malee.sign_in(settings, teacher)
    for day in (date(2026, 12, 7), date(2026, 12, 8), HOLIDAY):
        with clock.set_to(at(day)):
            await save(teacher, school, "BKK ม.1/2", **{f"s{CHAI}": "absent"})
    chai = school.students[CHAI]
    assert await attendance.days_absent(school.bangkok, [chai], date(2026, 12, 7), date(2026, 12, 13)) == {chai: 2}

    student, parent = make_client(), make_client()
    with clock.set_to(at(date(2026, 12, 11), 12)):
        await school.chai.sign_in(settings, student)
        await school.somsri.sign_in(settings, parent)
        page = await student.get("/attendance")  # a student lands on their own attendance
        assert str(page.url).endswith("/attendance/mine")
        mine = text_of(page.text)
        # Term 2 from 1 Nov: 29 school days to Friday 11 Dec (Constitution Day and weekends left out); 2 missed.
        assert "การมาเรียนของฉัน" in mine and "วันเรียนถึงวันนี้ 29" in mine and "มาเรียน 93%" in mine
        assert "ขาด 2" in mine
        assert "ไม่ถึง 80%" not in mine  # 93 % is enough to sit the term's assessment
        children = text_of((await parent.get("/attendance/children")).text)
        assert "วันเรียนถึงวันนี้ 29" in children and "มาเรียน 93%" in children


async def test_a_student_below_eighty_per_cent_is_warned(make_client, school, settings):
    teacher, student = make_client(), make_client()
    await school.malee.sign_in(settings, teacher)
    await CalendarDay.delete().where(CalendarDay.school == school.bangkok)  # no holidays: plain weekdays
    await CalendarDay.insert(CalendarDay(school=school.bangkok, starts_on=date(2026, 11, 1),
                                         ends_on=date(2026, 12, 6), kind="closure", name="ปิดภาคเรียน",
                                         created_at=clock.now()))
    for day in (date(2026, 12, 7), date(2026, 12, 8)):  # two of the term's first four school days missed
        with clock.set_to(at(day)):
            await save(teacher, school, "BKK ม.1/2", **{f"s{CHAI}": "absent"})
    with clock.set_to(at(date(2026, 12, 10), 12)):
        await school.chai.sign_in(settings, student)
        mine = text_of((await student.get("/attendance/mine")).text)
    assert "วันเรียนถึงวันนี้ 4" in mine and "มาเรียน 50%" in mine
    assert "มาเรียนไม่ถึง 80% ของวันเรียน" in mine


async def test_a_correction_still_goes_when_the_day_was_closed_after_the_alert(make_client, school, settings, drain,
                                                                              fake_twilio):
    """Closed at noon (a flood): this morning's absence was already told; correcting it still tells the guardian."""
    teacher = make_client()
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(WEDNESDAY, 8, 10)):
        await save(teacher, school, **{f"s{ANAN}": "absent"})
        await drain()
    with clock.set_to(at(WEDNESDAY, 12, 0)):
        await CalendarDay.insert(CalendarDay(school=school.bangkok, starts_on=WEDNESDAY, ends_on=WEDNESDAY,
                                             kind="closure", name="น้ำท่วม", created_at=clock.now()))
        await save(teacher, school, **{f"s{ANAN}": "present"})
        await drain()
    absent, correction = fake_twilio.sent_to(SOMSRI)
    assert "ขาดเรียน" in absent.body and "ขออภัย แก้ไข อนันต์" in correction.body
