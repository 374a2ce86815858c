"""The admin's changes one student at a time: an edit and a move, a leaver, a re-admission, a mid-year arrival.
Registers and homeroom lists follow each change from its day; the history (marks, record) stays readable."""

from datetime import timedelta

from backend import clock
from backend.attendance import services as attendance
from backend.students import enrolment
from backend.students.tables import Student, StudentEnrolment
from tests.conftest import text_of

ANAN, BUA, CHAI = "10001", "10002", "10003"


def register_url(people, room: str, day=None) -> str:
    return f"/attendance/classrooms/{people.classrooms[room]}" + (f"?day={day.isoformat()}" if day else "")


async def mark_absent_yesterday(client, people, settings, code: str) -> None:
    """Somchai took yesterday's register of ม.1/1 with this student absent."""
    yesterday = clock.now() - timedelta(days=1)
    with clock.set_to(yesterday):
        await people.somchai.sign_in(settings, client)
        form = {"day": clock.today().isoformat(), "period": "0",
                f"s-{people.students[ANAN]}": "present", f"s-{people.students[BUA]}": "present"}
        form[f"s-{people.students[code]}"] = "absent"
        page = await client.submit(register_url(people, "BKK ม.1/1"), form)
        assert page.status_code == 200, text_of(page.text)


async def test_admin_moves_a_student_and_the_registers_follow_with_history_kept(make_client, people, settings):
    admin, somchai, malee = make_client(), make_client(), make_client()
    await mark_absent_yesterday(somchai, people, settings, BUA)
    await people.kanya.sign_in(settings, admin)
    await people.somchai.sign_in(settings, somchai)
    await people.malee.sign_in(settings, malee)
    bua = people.students[BUA]

    page = await admin.get(f"/records/{bua}")
    assert "แก้ไข ย้ายห้อง หรือบันทึกการออก" in text_of(page.text)  # reached from the student's record
    page = await admin.get(f"/students/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert f"/students/{bua}/edit" in page.text  # and from the classroom list
    page = await admin.submit(f"/students/{bua}/edit", {
        "title": "เด็กหญิง", "first_name": "บัวขาว", "last_name": "รักเรียน", "number": "7",
        "classroom": str(people.classrooms["BKK ม.1/2"]), "from_day": ""})
    assert "บันทึกแล้ว" in text_of(page.text)
    assert "ม.1/1" in text_of(page.text) and "ม.1/2" in text_of(page.text)  # both classrooms in the history

    assert "บัวขาว" not in text_of((await somchai.get(register_url(people, "BKK ม.1/1"))).text)
    assert "บัวขาว" not in text_of((await somchai.get("/students/homeroom")).text)
    new_room = text_of((await malee.get(register_url(people, "BKK ม.1/2"))).text)
    assert "บัวขาว" in new_room and "ชัย" in new_room
    assert "บัวขาว" in text_of((await malee.get("/students/homeroom")).text)
    # Yesterday's register of her old room still shows her, absent, as it was taken.
    yesterday = clock.today() - timedelta(days=1)
    old = text_of((await admin.get(register_url(people, "BKK ม.1/1", yesterday))).text)
    assert "บัวขาว" in old and "ขาด" in old
    student = await Student.select(Student.classroom, Student.number_in_class).where(Student.id == bua).first()
    assert student == {"classroom": people.classrooms["BKK ม.1/2"], "number_in_class": 7}


async def test_a_move_is_refused_with_what_to_fix_and_what_was_typed(client, people, settings):
    await people.kanya.sign_in(settings, client)
    bua = people.students[BUA]
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    page = await client.submit(f"/students/{bua}/edit", {
        "title": "เด็กหญิง", "first_name": "", "last_name": "รักเรียนมาก", "number": "120",
        "classroom": str(people.classrooms["BKK ม.1/2"]), "from_day": tomorrow})
    assert page.status_code == 422
    text = text_of(page.text)
    assert "กรอกช่องนี้" in text and "ใส่ตัวเลข 1 ถึง 99" in text
    assert "การย้ายห้องมีผลตั้งแต่วันนี้หรือวันก่อนหน้าเท่านั้น" in text
    assert 'value="รักเรียนมาก"' in page.text  # what was typed stays
    # Another school's classroom is not one to move to.
    page = await client.submit(f"/students/{bua}/edit", {
        "title": "เด็กหญิง", "first_name": "บัว", "last_name": "รักเรียน", "number": "2",
        "classroom": str(people.classrooms["CNX ม.1/1"])})
    assert page.status_code == 422 and "เลือกห้องเรียนของโรงเรียนนี้" in text_of(page.text)
    assert await StudentEnrolment.count().where(StudentEnrolment.student == bua) == 1


async def test_a_leaver_leaves_registers_and_lists_but_their_history_stays_readable(make_client, people, settings):
    admin, somchai = make_client(), make_client()
    await mark_absent_yesterday(somchai, people, settings, ANAN)
    await people.kanya.sign_in(settings, admin)
    await people.somchai.sign_in(settings, somchai)
    anan = people.students[ANAN]
    page = await admin.submit(f"/students/{anan}/leave", {"reason": "moved_school", "day": "",
                                                          "note": "ย้ายไปโรงเรียนบ้านเกิด"})
    assert "ตั้งแต่" in text_of(page.text) and "ย้ายโรงเรียน" in text_of(page.text)

    assert "อนันต์" not in text_of((await somchai.get(register_url(people, "BKK ม.1/1"))).text)
    homeroom = text_of((await somchai.get("/students/homeroom")).text)
    assert "อนันต์" not in homeroom and "บัว" in homeroom
    screening = text_of((await somchai.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert "อนันต์" not in screening and "บัว" in screening
    # A register posted with him in it is refused rather than marking a student who has left.
    page = await somchai.submit(register_url(people, "BKK ม.1/1"), {
        "day": clock.today().isoformat(), "period": "0", f"s-{anan}": "absent"})
    assert page.status_code == 422
    # His history stays: the homeroom teacher who had him and the admin still read his record and his absence.
    record = await somchai.get(f"/records/{anan}")
    assert record.status_code == 200 and "อนันต์" in text_of(record.text) and "ขาด" in text_of(record.text)
    assert (await admin.get(f"/records/{anan}")).status_code == 200
    yesterday = clock.today() - timedelta(days=1)
    assert "อนันต์" in text_of((await admin.get(register_url(people, "BKK ม.1/1", yesterday))).text)
    leavers = text_of((await admin.get("/students/leavers")).text)
    assert "อนันต์" in leavers and "ย้ายไปโรงเรียนบ้านเกิด" in leavers
    counts = text_of((await admin.get("/")).text)
    assert "นักเรียน 2" in counts  # the school's count of current students
    today = await attendance.school_today(await people.wichai.viewer(), clock.today())
    assert {r["label"]: r["students"] for r in today["rooms"]} == {"ม.1/1": 1, "ม.1/2": 1}

    page = await admin.submit(f"/students/{anan}/leave", {"reason": "other"})
    assert page.status_code == 409 and "นักเรียนคนนี้ออกไปแล้ว" in text_of(page.text)
    page = await admin.submit(f"/students/{anan}/readmit", {"classroom": str(people.classrooms["BKK ม.1/1"]),
                                                            "number": "1", "day": ""})
    assert "รับกลับเข้าเรียนแล้ว" in text_of(page.text)
    assert "อนันต์" in text_of((await somchai.get(register_url(people, "BKK ม.1/1"))).text)
    assert "อนันต์" not in text_of((await admin.get("/students/leavers")).text)


async def test_a_room_everyone_has_left_is_not_counted_as_a_register_not_taken(people):
    kanya = await people.kanya.viewer()
    await enrolment.record_leaving(kanya, people.students[CHAI], enrolment.Leaving("moved_school"))
    today = await attendance.school_today(await people.wichai.viewer(), clock.today())
    assert [r["label"] for r in today["not_taken"]] == ["ม.1/1"]


async def test_a_leaver_from_a_later_day_stays_on_the_register_until_then(people):
    kanya = await people.kanya.viewer()
    anan = people.students[ANAN]
    in_a_week = clock.today() + timedelta(days=7)
    await enrolment.record_leaving(kanya, anan, enrolment.Leaving("dropped_out", in_a_week.isoformat()))
    room = [people.classrooms["BKK ม.1/1"]]
    today = await Student.select(Student.id).where(enrolment.enrolled(people.bangkok, clock.today(), room))
    then = await Student.select(Student.id).where(enrolment.enrolled(people.bangkok, in_a_week, room))
    assert anan in {s["id"] for s in today} and anan not in {s["id"] for s in then}


async def test_a_student_arriving_mid_year_is_on_the_register_from_their_first_day(make_client, people, settings):
    admin, somchai = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    tomorrow = clock.today() + timedelta(days=1)
    page = await admin.submit("/students/new", {
        "code": "10009", "title": "เด็กหญิง", "first_name": "ดาวเรือง", "last_name": "มาใหม่",
        "classroom": str(people.classrooms["BKK ม.1/1"]), "number": "3", "day": tomorrow.isoformat()})
    assert "เพิ่มเข้าห้องเรียนแล้ว" in text_of(page.text)
    await people.somchai.sign_in(settings, somchai)
    assert "ดาวเรือง" not in text_of((await somchai.get(register_url(people, "BKK ม.1/1"))).text)
    with clock.set_to(clock.now() + timedelta(days=1)):
        await people.somchai.sign_in(settings, somchai)
        register = text_of((await somchai.get(register_url(people, "BKK ม.1/1"))).text)
        assert "ดาวเรือง" in register and "อนันต์" in register
        assert "ดาวเรือง" in text_of((await somchai.get("/students/homeroom")).text)
    # The same code again is someone already on the roll.
    page = await admin.submit("/students/new", {
        "code": "10009", "title": "", "first_name": "ดาว", "last_name": "ซ้ำ",
        "classroom": str(people.classrooms["BKK ม.1/1"])})
    assert page.status_code == 422 and "มีนักเรียนของโรงเรียนใช้เลขประจำตัวนี้แล้ว" in text_of(page.text)
