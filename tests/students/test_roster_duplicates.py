"""Numbers in class and citizen IDs given twice: a number twice in a room is shown before importing (and refused one
at a time), a citizen ID on two students is refused by row, never merged, showing only its last 4 digits."""

import pytest

from backend.students import enrolment
from backend.students import services as students
from backend.students.roster import parse_roster
from tests.conftest import text_of

HEADER = "เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่\n"
CITIZEN_HEADER = "เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขประจำตัวประชาชน\n"
CITIZEN_ID = "1103700123458"


def test_a_number_twice_in_a_file_is_refused_naming_both_students():
    parsed = parse_roster((HEADER + "50001,หนึ่ง,ดีงาม,ม.1/1,3\n50002,สอง,ดีงาม,ม.1/1,3\n").encode(), {"ม.1"})
    [error] = parsed.errors
    text = error.message % error.values
    assert error.line == 3 and "หนึ่ง ดีงาม" in text and "สอง ดีงาม" in text and "ม.1/1" in text


async def test_numbers_taken_by_students_the_file_leaves_in_the_room_are_shown_in_the_preview(client, people,
                                                                                               settings):
    # Anan is number 1 and Bua number 2 of ม.1/1; the file does not list them, so they stay.
    data = HEADER + "50001,หนึ่ง,ดีงาม,ม.1/1,1\n50002,สอง,ดีงาม,ม.1/1,2\n50003,สาม,ดีงาม,ม.1/1,3\n"
    preview = await students.preview_roster(await people.kanya.viewer(), "r.csv", data.encode())
    assert [e.line for e in preview.plan.number_clashes] == [2, 3]
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    page = await client.post("/roster/import", files={"data": ("r.csv", data.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    text = text_of(page.text)
    assert "เลขที่ซ้ำกัน 2 รายการ" in text
    assert "เลขที่ 1 ของ ม.1/1 ให้ หนึ่ง ดีงาม แต่ อนันต์ ใจดี (10001) ซึ่งยังอยู่ห้องนี้มีเลขที่นี้แล้ว" in text
    assert "บัว รักเรียน (10002)" in text and "นำเข้าเลย" in text  # shown, not refused


async def test_a_file_that_renumbers_the_room_to_unique_numbers_is_fine(people):
    data = (HEADER + "10001,อนันต์,ใจดี,ม.1/1,2\n10002,บัว,รักเรียน,ม.1/1,3\n50001,หนึ่ง,ดีงาม,ม.1/1,1\n")
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "r.csv", data.encode())
    assert preview.errors == [] and preview.plan.number_clashes == []
    await students.apply_roster(kanya, preview.upload_id)


async def test_the_edit_and_arrival_forms_refuse_a_number_taken_in_the_room(client, people, settings):
    await people.kanya.sign_in(settings, client)
    bua = people.students["10002"]
    page = await client.submit(f"/students/{bua}/edit", {
        "title": "เด็กหญิง", "first_name": "บัว", "last_name": "รักเรียน", "number": "1",
        "classroom": str(people.classrooms["BKK ม.1/1"]), "from_day": ""})
    assert "เลขที่ 1 ในห้องนี้เป็นของ อนันต์ ใจดี แล้ว" in text_of(page.text)
    with pytest.raises(enrolment.EnrolmentError) as refused:
        await enrolment.add_student(await people.kanya.viewer(), enrolment.Arrival(
            classroom=people.classrooms["BKK ม.1/1"], number="2", code="50001", first_name="หนึ่ง",
            last_name="ดีงาม"))
    assert "number" in refused.value.errors and refused.value.values["holder"] == "บัว รักเรียน"
    # A number nobody has is kept.
    page = await client.submit(f"/students/{bua}/edit", {
        "title": "เด็กหญิง", "first_name": "บัว", "last_name": "รักเรียน", "number": "5",
        "classroom": str(people.classrooms["BKK ม.1/1"]), "from_day": ""})
    assert "บันทึกแล้ว" in text_of(page.text)


async def test_a_citizen_id_twice_in_a_file_is_refused_showing_its_last_4_digits(client, people, settings):
    data = CITIZEN_HEADER + f"50001,หนึ่ง,ดีงาม,ม.1/1,{CITIZEN_ID}\n50002,สอง,ดีงาม,ม.1/2,{CITIZEN_ID}\n"
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    page = await client.post("/roster/import", files={"data": ("r.csv", data.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    text = text_of(page.text)
    assert "เลขประจำตัวประชาชนที่ลงท้ายด้วย 3458 เป็นของ สอง ดีงาม ในแถวนี้ และของ หนึ่ง ดีงาม ในแถว 2" in text
    assert CITIZEN_ID not in text and "นำเข้าเลย" not in text


async def test_a_citizen_id_another_student_of_the_school_has_is_refused_by_row(people):
    kanya = await people.kanya.viewer()
    first = await students.preview_roster(kanya, "a.csv", (CITIZEN_HEADER + f"10001,อนันต์,ใจดี,ม.1/1,{CITIZEN_ID}\n"
                                                           ).encode())
    await students.apply_roster(kanya, first.upload_id)
    data = CITIZEN_HEADER + f"10002,บัว,รักเรียน,ม.1/1,\n50001,หนึ่ง,ดีงาม,ม.1/1,{CITIZEN_ID}\n"
    preview = await students.preview_roster(kanya, "b.csv", data.encode())
    assert preview.upload_id is None and preview.plan is None
    [error] = preview.errors
    text = error.message % error.values
    assert error.line == 3 and "3458" in text and CITIZEN_ID not in text
    assert "หนึ่ง ดีงาม (50001)" in text and "อนันต์ ใจดี (10001)" in text
    # Moving the ID to the student the file names instead: the file gives Anan another ID, nothing clashes.
    swap = CITIZEN_HEADER + f"10001,อนันต์,ใจดี,ม.1/1,G123456789012\n50001,หนึ่ง,ดีงาม,ม.1/1,{CITIZEN_ID}\n"
    assert (await students.preview_roster(kanya, "c.csv", swap.encode())).errors == []
