"""Subject teachers and their classes: the admin assigns teaching on a screen or from a timetable file (CSV, XLSX),
previewed first with every refused row named; the same file again changes nothing; the teacher then takes the
period register of that class."""

import io

import xlsxwriter

from backend.accounts import services as accounts
from backend.accounts.tables import Role, TeachingAssignment
from backend.attendance.services import today
from backend.attendance.tables import AttendanceMark
from tests.conftest import text_of

TIMETABLE = """ครูผู้สอน,รหัสวิชา,รายวิชา,ชั้น/ห้อง,ภาคเรียน
pim,ว21101,วิทยาศาสตร์,ม.1/2,1
ครูพิมพ์,ว21101,วิทยาศาสตร์,ม.1/1,
ครูสมหมาย,ส21101,สังคมศึกษา,ม.1/1,1
ครูเก่ง,อ21101,ภาษาอังกฤษ,ม.1/1,1
pim,ว21101,วิทยาศาสตร์,ม.3/9,1
pim,ว21101,วิทยาศาสตร์,ม.1/2,3
"""


async def _staff(people):
    await accounts.create_user(people.bangkok, "pim", "ครูพิมพ์", Role.subject_teacher, "x" * 12)
    # Two staff share a name: a row naming them only by it cannot say which one is meant.
    await accounts.create_user(people.bangkok, "keng1", "ครูเก่ง", Role.subject_teacher, "x" * 12)
    await accounts.create_user(people.bangkok, "keng2", "ครูเก่ง", Role.homeroom_teacher, "x" * 12)


async def _upload(client, content: bytes, filename="timetable.csv"):
    return await client.post("/admin/teaching/import", files={"data": (filename, content)},
                             data={"_csrf_token": client.csrf_token()})


async def test_admin_assigns_teaching_on_the_screen_and_the_teacher_takes_the_period_register(
        make_client, people, settings):
    admin, teacher = make_client(), make_client()
    await _staff(people)
    pim = await accounts.create_user(people.bangkok, "pim2", "ครูพิมพา", Role.subject_teacher, "x" * 12)
    room = people.classrooms["BKK ม.1/2"]
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit("/admin/teaching", {"teacher": pim, "classroom": room, "subject": "ศิลปะ", "term": "0"})
    assert "มอบหมายการสอนแล้ว" in text_of(page.text)
    assert "ศิลปะ · ครูพิมพา · ทั้งปี" in text_of(page.text)
    again = await admin.submit("/admin/teaching", {"teacher": pim, "classroom": room, "subject": "ศิลปะ", "term": "0"})
    assert "มอบหมายการสอนนี้ไว้แล้ว" in text_of(again.text)
    assert await TeachingAssignment.count().where(TeachingAssignment.teacher == pim) == 1

    from tests.personas import Person
    await Person(pim, "pim2", "ครูพิมพา").sign_in(settings, teacher)
    register = await teacher.get(f"/attendance/classrooms/{room}?period=3&subject=ศิลปะ")
    assert register.status_code == 200 and "ชัย" in text_of(register.text)
    saved = await teacher.submit(f"/attendance/classrooms/{room}", {
        "day": today().isoformat(), "period": "3", "subject": "ศิลปะ", f"s-{people.students['10003']}": "present"})
    assert saved.status_code == 200
    assert await AttendanceMark.exists().where((AttendanceMark.period == 3) & (AttendanceMark.marked_by == pim))


async def test_an_empty_subject_is_refused_with_what_was_chosen_kept(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/teaching", {"teacher": people.wipa.user_id,
                                                   "classroom": people.classrooms["BKK ม.1/2"], "subject": " "})
    assert page.status_code == 422 and "กรอกรายวิชา" in text_of(page.text)
    assert await TeachingAssignment.count() == 1  # Wipa's mathematics from the personas only


async def test_a_timetable_is_previewed_with_each_refused_row_named_then_imported_once(client, people, settings):
    await _staff(people)
    await people.kanya.sign_in(settings, client)
    await client.get("/admin/teaching")
    preview = await _upload(client, TIMETABLE.encode())
    text = text_of(preview.text)
    assert "การสอนใหม่ 2 รายการ" in text and "แถวที่ไม่รับ 4 แถว" in text
    assert "ไม่มีครูในโรงเรียนนี้ที่มีชื่อผู้ใช้หรือชื่อ “ครูสมหมาย”" in text
    assert "มีบุคลากรชื่อ “ครูเก่ง” มากกว่าหนึ่งคน (ครูเก่ง (keng1), ครูเก่ง (keng2)) ให้ใส่ชื่อผู้ใช้แทน" in text
    assert "ไม่มีห้องเรียน ม.3/9 ในปีการศึกษานี้" in text
    assert "ภาคเรียน “3” ต้องเป็น 1 หรือ 2" in text
    assert await TeachingAssignment.count() == 1  # nothing written by the preview

    rows = preview.text.split('<textarea name="rows" hidden>')[1].split("</textarea>")[0]
    import html
    done = await client.submit("/admin/teaching/import/apply", {"rows": html.unescape(rows)})
    assert "นำเข้าตารางสอนแล้ว: มอบหมายการสอน 2 รายการ" in text_of(done.text)
    made = await TeachingAssignment.select(TeachingAssignment.subject, TeachingAssignment.term,
                                           TeachingAssignment.teacher.username.as_alias("teacher")).where(
        TeachingAssignment.teacher.username == "pim").order_by(TeachingAssignment.term)
    assert [(m["subject"], m["term"]) for m in made] == [("ว21101 วิทยาศาสตร์", 0), ("ว21101 วิทยาศาสตร์", 1)]

    # The same confirm again (a double submit) and the same file again change nothing, and say so.
    twice = await client.submit("/admin/teaching/import/apply", {"rows": html.unescape(rows)})
    assert "ไม่มีอะไรใหม่: ทุกแถวมอบหมายไว้แล้ว" in text_of(twice.text)
    again = text_of((await _upload(client, TIMETABLE.encode())).text)
    assert "การสอนใหม่ 0 รายการ" in again and "มอบหมายไว้แล้ว 2 แถว" in again
    assert await TeachingAssignment.count() == 3


async def test_a_timetable_in_excel_is_read_and_a_broken_workbook_gets_a_message(client, people, settings):
    await _staff(people)
    book = io.BytesIO()
    workbook = xlsxwriter.Workbook(book)
    sheet = workbook.add_worksheet("ตารางสอน")
    for r, row in enumerate([["ครูผู้สอน", "รายวิชา", "ชั้น", "ห้อง", "ภาคเรียน"], ["pim", "ดนตรี", "ม.1", 2, 2]]):
        sheet.write_row(r, 0, row)
    workbook.close()
    await people.kanya.sign_in(settings, client)
    await client.get("/admin/teaching")
    text = text_of((await _upload(client, book.getvalue(), "ตารางสอน.xlsx")).text)
    assert "การสอนใหม่ 1 รายการ" in text and "ครูพิมพ์ · ดนตรี · ม.1/2 · ภาคเรียนที่ 2" in text
    broken = await _upload(client, b"PK\x03\x04 not really a workbook", "ตารางสอน.xlsx")
    assert broken.status_code == 422
    assert "อ่านไฟล์นี้เป็นไฟล์ Excel (.xlsx) ไม่ได้" in text_of(broken.text)


async def test_a_teacher_of_the_other_term_has_no_period_register_now(client, people, settings):
    viewer = await people.kanya.viewer()
    other_term = 2 if viewer.term_number == 1 else 1
    await TeachingAssignment.update({TeachingAssignment.term: other_term}).where(
        TeachingAssignment.teacher == people.wipa.user_id)
    await people.wipa.sign_in(settings, client)
    page = await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}?period=2")
    assert page.status_code == (403 if viewer.term_number else 200)


async def test_a_timetable_names_teachers_with_another_title_or_none_and_a_name_two_share_stays_refused(
        client, people, settings):
    await accounts.create_user(people.bangkok, "somjai", "ครูสมใจ  ดวงแก้ว", Role.subject_teacher, "x" * 12)
    # Without their titles these two share a name: neither is chosen on a guess.
    await accounts.create_user(people.bangkok, "dang1", "ครูแดง ใจดี", Role.subject_teacher, "x" * 12)
    await accounts.create_user(people.bangkok, "dang2", "นายแดง ใจดี", Role.homeroom_teacher, "x" * 12)
    timetable = """ครูผู้สอน,รายวิชา,ชั้น/ห้อง,ภาคเรียน
สมใจ ดวงแก้ว,ศิลปะ,ม.1/1,1
นางสมใจ ดวงแก้ว,ศิลปะ,ม.1/2,1
น.ส. สมใจ  ดวงแก้ว,ดนตรี,ม.1/2,1
แดง ใจดี,พลศึกษา,ม.1/1,1
ครูสมใจ ดวงดี,ศิลปะ,ม.1/2,2
"""
    await people.kanya.sign_in(settings, client)
    await client.get("/admin/teaching")
    text = text_of((await _upload(client, timetable.encode())).text)
    assert "การสอนใหม่ 3 รายการ" in text and "แถวที่ไม่รับ 2 แถว" in text
    assert "ครูสมใจ ดวงแก้ว · ศิลปะ · ม.1/1 · ภาคเรียนที่ 1" in text
    assert "ครูสมใจ ดวงแก้ว · ดนตรี · ม.1/2 · ภาคเรียนที่ 1" in text
    assert "มีบุคลากรชื่อ “แดง ใจดี” มากกว่าหนึ่งคน (ครูแดง ใจดี (dang1), นายแดง ใจดี (dang2))" in text
    # Another surname: suggested by the first name, never applied.
    assert "ไม่มีครูในโรงเรียนนี้ที่มีชื่อผู้ใช้หรือชื่อ “ครูสมใจ ดวงดี” หมายถึง ครูสมใจ ดวงแก้ว หรือไม่" in text
    assert await TeachingAssignment.count() == 1  # nothing written by the preview
