"""Leave requests (ใบลา): Somsri asks for leave for Anan (ม.1/1, Somchai's homeroom); the register opens with Anan
already marked, no absence alert goes out, and a leave that comes after an absence was marked stops the alert still
in the outbox. Refusals (a past week, a child not hers, after the cut-off, a file that is not a photo) store nothing.
Somchai accepts or questions; a guardian with only SMS (Prasert, Bua's father) phones and Somchai enters the leave.

The clock stands on Wednesday 18 Nov 2026 (term 2 of 2569): Saturday 21 and Sunday 22 are the weekend after it."""

import dataclasses
import gzip
import re
from datetime import date, datetime, time
from html import unescape
from pathlib import Path

import pytest

from backend import clock
from backend.attendance.tables import AttendanceChange, AttendanceMark
from backend.leave.tables import LeaveDay, LeaveRequest
from backend.notify.tables import Alert, Message
from tests.attendance.test_register import ANAN, BUA, PRASERT, SOMSRI, save
from tests.conftest import text_of
from tests.personas import build_personas
from tests.test_privacy_routes import JPEG

WEDNESDAY = date(2026, 11, 18)


def at(hour: int, minute: int, day: date = WEDNESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), clock.SCHOOL_TIME)


@pytest.fixture
async def school(app, settings):
    """The personas on that Wednesday; attendance alerts wait three minutes in the outbox, as in a school."""
    with clock.set_to(at(7, 0)):
        people = await build_personas(settings)
    app.state.settings = dataclasses.replace(settings, alert_grace_minutes=3)
    yield people
    app.state.settings = settings


async def ask(client, people, child: str = ANAN, day: date = WEDNESDAY, last: date | None = None,
              kind: str = "sick", reason: str = "มีไข้ ปวดหัว", photo: tuple | None = None):
    form = {f"c{people.students[child]}": "on", "kind": kind, "first_day": day.isoformat(),
            "last_day": last.isoformat() if last else "", "reason": reason}
    if photo is None:
        return await client.submit("/leave", form)
    if not client.csrf_token():
        await client.get("/signin")
    return await client.post("/leave", data={"_csrf_token": client.csrf_token(), **form}, files={"photo": photo})


async def messages_about(people, child: str) -> list[dict]:
    return await Message.select(Message.status, Message.body).where(
        Message.alert.student == people.students[child])


def register_url(people) -> str:
    return f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}"


async def test_leave_before_the_register_is_marked_there_and_no_alert_goes(make_client, school, settings, drain,
                                                                           fake_twilio):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 40)):
        page = await ask(parent, school)
        assert "ส่งใบลาแล้ว ลา 1 วันเรียน" in text_of(page.text)
        register = await teacher.get(register_url(school))
        assert "ลาป่วย (ผู้ปกครองแจ้ง)" in text_of(register.text)
        assert f'id="s{school.students[ANAN]}-sick_leave" name="s-{school.students[ANAN]}" value="sick_leave" checked' \
            in register.text
    with clock.set_to(at(8, 0)):
        # A register opened before the leave came still says "absent" for Anan: the leave stands all the same.
        page = await save(teacher, school, **{f"s{ANAN}": "absent", f"s{BUA}": "absent"})
    with clock.set_to(at(8, 10)):
        await drain()
    mark = await AttendanceMark.select(AttendanceMark.status).where(
        AttendanceMark.student == school.students[ANAN]).first()
    assert mark["status"] == "sick_leave"
    assert await messages_about(school, ANAN) == []  # not even a cancelled row: no alert was made
    assert fake_twilio.sent_to(SOMSRI) == []
    assert len(fake_twilio.sent_to(PRASERT)) == 1  # Bua, absent without leave, is told of as always


async def test_leave_after_an_absence_stops_the_alert_still_in_the_outbox(make_client, school, settings, drain,
                                                                         fake_twilio):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 50)):
        await save(teacher, school, **{f"s{ANAN}": "absent"})
    assert [m["status"] for m in await messages_about(school, ANAN)] == ["queued"]  # held until 07:53
    with clock.set_to(at(7, 51)):
        await ask(parent, school)
    with clock.set_to(at(8, 0)):
        await drain()
    assert [m["status"] for m in await messages_about(school, ANAN)] == ["cancelled"]
    assert fake_twilio.sent_to(SOMSRI) == []
    history = await AttendanceChange.select(AttendanceChange.status_before, AttendanceChange.status_after,
                                            AttendanceChange.changed_by).where(
        AttendanceChange.mark.student == school.students[ANAN]).order_by(AttendanceChange.id)
    assert [(h["status_before"], h["status_after"], h["changed_by"]) for h in history] == [
        (None, "absent", school.somchai.user_id), ("absent", "sick_leave", school.somsri.user_id)]
    with clock.set_to(at(8, 5)):
        register = await teacher.get(register_url(school))
    assert "ลาป่วย (ผู้ปกครองแจ้ง)" in text_of(register.text)


async def test_an_alert_already_sent_stays_sent_and_no_correction_follows(make_client, school, settings, drain,
                                                                         fake_twilio):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 30)):
        await save(teacher, school, **{f"s{ANAN}": "absent"})
    with clock.set_to(at(7, 40)):
        await drain()
        await ask(parent, school)
        await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1  # the absence, sent before the leave came; nothing after it


async def test_a_questioned_leave_puts_the_absence_back_and_the_guardian_is_told(make_client, school, settings,
                                                                                drain, fake_twilio):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 50)):
        await save(teacher, school, **{f"s{ANAN}": "absent"})
        await ask(parent, school, kind="personal", reason="ไปธุระต่างจังหวัด")
    leave = await LeaveRequest.select(LeaveRequest.id).first()
    with clock.set_to(at(9, 0)):
        page = await teacher.submit(f"/leave/{leave['id']}/question", {"question": "ขอเอกสารเพิ่มเติมด้วยค่ะ"})
        assert "ครอบครัวจะเห็นคำถามนี้ในแอป" in text_of(page.text)
        register = await teacher.get(register_url(school))
        assert "ลากิจ (ผู้ปกครองแจ้ง)" not in text_of(register.text)
    with clock.set_to(at(9, 10)):
        await drain()
        home = await parent.get("/")
    mark = await AttendanceMark.select(AttendanceMark.status).where(
        AttendanceMark.student == school.students[ANAN]).first()
    assert mark["status"] == "absent"
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert "อนันต์ ขาดเรียน" in sms.body
    assert "ครูมีคำถาม" in text_of(home.text) and "ขอเอกสารเพิ่มเติมด้วยค่ะ" in text_of(home.text)


async def test_the_parent_sees_the_teachers_answer_on_the_home_page(make_client, school, settings):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 0)):
        await ask(parent, school, day=date(2026, 11, 19))
        home = await parent.get("/")
        assert "ลาป่วย 19 พ.ย. 2569 · รอครูประจำชั้นตอบ" in text_of(home.text)
        leave = await LeaveRequest.select(LeaveRequest.id).first()
        await teacher.submit(f"/leave/{leave['id']}/accept")
        home = await parent.get("/")
        assert "ครูประจำชั้นรับทราบแล้ว" in text_of(home.text)
        # Once answered, it cannot be answered again.
        again = await teacher.submit(f"/leave/{leave['id']}/question", {"question": "?"})
        assert again.status_code == 409 and "ตอบใบลานี้แล้ว" in text_of(again.text)


async def test_a_range_over_the_weekend_leaves_it_out_and_says_so(client, school, settings):
    await school.somsri.sign_in(settings, client)
    with clock.set_to(at(7, 0)):
        page = await ask(client, school, day=date(2026, 11, 20), last=date(2026, 11, 23))
    # One sentence a line (the flash keeps its lines): what was asked, what was left out and why, who sees it.
    flash = re.search(r'<p class="flash" role="status">(.*?)</p>', page.text, flags=re.S).group(1)
    assert unescape(flash).split("\n") == [
        "ส่งใบลาแล้ว ลา 2 วันเรียน คือ 20 พ.ย. 2569 และ 23 พ.ย. 2569",
        "21 พ.ย. 2569 (วันหยุดสุดสัปดาห์) และ 22 พ.ย. 2569 (วันหยุดสุดสัปดาห์) ไม่ใช่วันเรียน จึงไม่นับเป็นวันลา",
        "ครูประจำชั้นจะเห็นในหน้าเช็กชื่อ"]
    days = [row["day"] for row in await LeaveDay.select(LeaveDay.day).order_by(LeaveDay.day)]
    assert [str(d)[:10] for d in days] == ["2026-11-20", "2026-11-23"]


async def test_refusals_say_why_and_store_nothing(client, school, settings):
    await school.somsri.sign_in(settings, client)
    photos = Path(settings.photo_dir) / "leave"
    before = sorted(photos.rglob("*")) if photos.exists() else []
    with clock.set_to(at(8, 45)):
        past = await ask(client, school, day=date(2026, 11, 9), last=date(2026, 11, 13))
        assert past.status_code == 422 and "ไม่สามารถลาย้อนหลังได้" in text_of(past.text)
        late = await ask(client, school)
        assert late.status_code == 422
        assert "เลยเวลา 08:30 แล้ว" in text_of(late.text) and "โทรศัพท์" in text_of(late.text)
        assert "มีไข้ ปวดหัว" in late.text  # what was typed is kept
        not_hers = await ask(client, school, child=BUA, day=date(2026, 11, 19))
        assert not_hers.status_code == 404 and "บัว" not in text_of(not_hers.text)
        not_a_photo = await ask(client, school, day=date(2026, 11, 19),
                                photo=("note.jpg", b"<html>not a photo</html>", "image/jpeg"))
        assert not_a_photo.status_code == 422 and "ไฟล์นี้ไม่ใช่รูปภาพ" in text_of(not_a_photo.text)
    assert await LeaveRequest.count() == 0 and await LeaveDay.count() == 0
    assert (sorted(photos.rglob("*")) if photos.exists() else []) == before
    with clock.set_to(at(8, 45)):  # after the cut-off, tomorrow is still fine, with a photo of the note
        page = await ask(client, school, day=date(2026, 11, 19), photo=("note.jpg", JPEG, "image/jpeg"))
    assert page.status_code == 200 and await LeaveRequest.count() == 1
    leave = await LeaveRequest.select(LeaveRequest.id).first()
    shown = await client.get(f"/leave/{leave['id']}/photo")
    assert shown.status_code == 200 and shown.content.startswith(b"\xff\xd8")


async def test_a_teacher_enters_leave_after_a_phone_call(client, school, settings):
    await school.somchai.sign_in(settings, client)
    bua, prasert = school.students[BUA], school.guardians[PRASERT]
    with clock.set_to(at(9, 15)):  # after the parents' cut-off: a phone call is how a late leave comes
        page = await client.submit("/leave/phone", {"who": f"{bua}-{prasert}", "kind": "sick",
                                                    "first_day": WEDNESDAY.isoformat(), "reason": "ท้องเสีย"})
        assert "บันทึกโดยครูสมชายหลังผู้ปกครองโทรแจ้ง: ประเสริฐ รักเรียน" in text_of(page.text)
        register = await client.get(register_url(school))
    assert "ลาป่วย (ผู้ปกครองแจ้ง)" in text_of(register.text)
    assert f'name="s-{bua}" value="sick_leave" checked' in register.text
    # A child of another homeroom is not the teacher's to enter.
    chai = school.students["10003"]
    with clock.set_to(at(9, 20)):
        refused = await client.submit("/leave/phone", {"who": f"{chai}-{school.guardians[SOMSRI]}", "kind": "sick",
                                                       "first_day": WEDNESDAY.isoformat(), "reason": "x"})
    assert refused.status_code == 404 and await LeaveRequest.count() == 1


async def test_pages_are_light(make_client, school, settings):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 0)):
        await ask(parent, school)
        for browser, url in ((parent, "/leave"), (teacher, "/leave"), (parent, "/"), (teacher, register_url(school))):
            page = await browser.get(url)
            assert page.status_code == 200
            assert len(gzip.compress(page.content)) <= 14 * 1024, url
        leave = await LeaveRequest.select(LeaveRequest.id).first()
        page = await teacher.get(f"/leave/{leave['id']}")
        assert "มีไข้ ปวดหัว" in text_of(page.text) and "รับทราบ" in text_of(page.text)
    assert await Alert.count() == 0


async def test_the_demo_has_leave_in_each_state():
    from backend.demo import create_demo_school, seed_leave
    from backend.schools.tables import School

    with clock.set_to(at(12, 0)):
        await create_demo_school(grades=("ม.1",), rooms_per_grade=1)
        assert await seed_leave((await School.select(School.id).first())["id"]) == 4
    rows = await LeaveRequest.select(LeaveRequest.state, LeaveRequest.by_phone).order_by(LeaveRequest.id)
    assert [(row["state"], row["by_phone"]) for row in rows] == [
        ("accepted", False), ("questioned", False), ("waiting", False), ("accepted", True)]


async def test_the_admin_sets_the_cut_off_and_parents_meet_it(make_client, school, settings):
    admin, parent = make_client(), make_client()
    await school.kanya.sign_in(settings, admin)
    await school.somsri.sign_in(settings, parent)
    with clock.set_to(at(7, 0)):
        wrong = await admin.submit("/school/leave-cutoff", {"leave_cutoff": "25:00"})
        assert wrong.status_code == 422 and "ใส่เวลาช่วงเช้าระหว่าง 06:00 ถึง 12:00" in text_of(wrong.text)
        page = await admin.submit("/school/leave-cutoff", {"leave_cutoff": "07:45"})
        assert "ผู้ปกครองแจ้งลาสำหรับวันนั้นทางแอปได้ถึงเวลา 07:45" in text_of(page.text)
    with clock.set_to(at(7, 50)):
        late = await ask(parent, school)
    assert late.status_code == 422 and "เลยเวลา 07:45 แล้ว" in text_of(late.text)


async def test_one_request_for_two_children_reaches_each_homeroom_and_is_not_asked_twice(make_client, school,
                                                                                         settings):
    parent, malee = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.malee.sign_in(settings, malee)
    anan, chai = school.students[ANAN], school.students["10003"]
    form = {f"c{anan}": "on", f"c{chai}": "on", "kind": "personal", "first_day": "2026-11-19",
            "reason": "งานศพคุณตา"}
    with clock.set_to(at(7, 0)):
        page = await parent.submit("/leave", form)
        assert "ส่งใบลาแล้ว ลา 1 วันเรียน" in text_of(page.text)
        again = await parent.submit("/leave", {**form, "first_day": "2026-11-18", "last_day": "2026-11-19"})
        assert again.status_code == 422 and "มีใบลาวันที่ 19 พ.ย. 2569 อยู่แล้ว" in text_of(again.text)
        theirs = text_of((await malee.get("/leave")).text)
    assert await LeaveRequest.count() == 2 and await LeaveDay.count() == 2
    assert "ชัย" in theirs and "อนันต์" not in theirs  # each homeroom sees its own child only


async def test_the_form_starts_on_the_first_day_leave_can_still_be_asked_for(school, client, settings):
    """Before the cut-off, today; after it, or on a Saturday, the next school day (Friday's after Thursday's
    cut-off; Monday's on the weekend): the form never offers a day it would refuse."""
    await school.somsri.sign_in(settings, client)
    for moment, offered in ((at(7, 40), "2026-11-18"), (at(9, 0), "2026-11-19"), (at(9, 0, date(2026, 11, 19)),
                                                                                  "2026-11-20"),
                            (at(10, 0, date(2026, 11, 21)), "2026-11-23")):
        with clock.set_to(moment):
            form = (await client.get("/leave")).text
        assert f'name="first_day" type="date" value="{offered}"' in form, (moment, offered)


async def test_a_waiting_leave_reads_the_same_to_the_parent_and_the_teacher(make_client, school, settings):
    parent, teacher = make_client(), make_client()
    await school.somsri.sign_in(settings, parent)
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(7, 0)):
        await ask(parent, school)
        leave = await LeaveRequest.select(LeaveRequest.id).first()
        pages = {"parent's home": text_of((await parent.get("/")).text),
                 "parent's list": text_of((await parent.get("/leave")).text),
                 "teacher's register": text_of((await teacher.get(register_url(school))).text),
                 "teacher's list": text_of((await teacher.get("/leave")).text),
                 "the request": text_of((await teacher.get(f"/leave/{leave['id']}")).text)}
    for where, shown in pages.items():
        assert "รอครูประจำชั้นตอบ" in shown, where
        assert "รอตอบ" not in shown.replace("รอครูประจำชั้นตอบ", "") and "รอครูประจำชั้นรับทราบ" not in shown, where


async def test_the_form_says_its_first_day_in_thai_with_the_buddhist_year(client, school, settings):
    """A phone's date field shows 11/20/2026: the line under it names the day in Thai, without JavaScript."""
    await school.somsri.sign_in(settings, client)
    with clock.set_to(at(9, 0)):  # past the cut-off: the form starts on Thursday
        page = text_of((await client.get("/leave")).text)
    assert "วันพฤหัสบดีที่ 19 พฤศจิกายน 2569" in page
