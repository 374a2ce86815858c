"""The year-end roll-over: previewed without writing, applied once, graduates off the roll, repeaters in their grade,
renumbered by the school's order, homerooms copied; last year's classroom and attendance readable under last year."""

import asyncio
from datetime import datetime

from backend import clock
from backend.schools.tables import Classroom, SchoolYear
from backend.students import enrolment, ordering, rollover
from backend.students import services as students
from backend.students.tables import Student, StudentEnrolment, YearRollover
from tests.conftest import text_of
from tests.personas import BANGKOK_ROSTER, build_personas

# Built in term 2 of 2569; the last term ends 31 Mar 2027, school year 2570 starts on 16 May 2027.
IN_TERM = datetime(2026, 11, 20, 9, tzinfo=clock.SCHOOL_TIME)
AFTER_TERM = datetime(2027, 4, 5, 10, tzinfo=clock.SCHOOL_TIME)
NEXT_YEAR = datetime(2027, 5, 20, 8, tzinfo=clock.SCHOOL_TIME)
# Dam is in the top grade (ม.2 at the personas' school), so he graduates.
WITH_TOP_GRADE = BANGKOK_ROSTER + "10004,นาย,ดำ,ใจกล้า,ม.2/1,1,สมใจ ใจกล้า,มารดา,084-444-4444,ไม่ใช่\n"


def test_thai_class_order_puts_boys_first_then_names_as_a_dictionary_does():
    names = [("เด็กหญิง", "เก่ง"), ("เด็กชาย", "ขวัญ"), ("เด็กหญิง", "กานดา"), ("นาย", "เอก"), ("ด.ญ.", "ไข่มุก")]
    ordered = sorted(({"title": t, "first_name": n, "last_name": ""} for t, n in names),
                     key=lambda s: ordering.class_order(s, "sex_name"))
    assert [s["first_name"] for s in ordered] == ["ขวัญ", "เอก", "กานดา", "เก่ง", "ไข่มุก"]


async def _school(settings):
    with clock.set_to(IN_TERM):
        people = await build_personas(settings)
        await students.import_roster(await people.kanya.viewer(), "roster.csv", WITH_TOP_GRADE.encode())
    return people


async def test_the_roll_over_is_previewed_applied_once_and_last_year_stays_readable(make_client, settings):
    people = await _school(settings)
    admin, somchai = make_client(), make_client()
    codes = {s["code"]: s["id"] for s in await Student.select(Student.id, Student.code)}
    anan, bua, chai = codes["10001"], codes["10002"], codes["10003"]
    old_room = people.classrooms["BKK ม.1/1"]
    with clock.set_to(IN_TERM):  # Bua is absent on a day of 2569
        await people.somchai.sign_in(settings, somchai)
        await somchai.submit(f"/attendance/classrooms/{old_room}", {
            "day": clock.today().isoformat(), "period": "0", f"s-{anan}": "present", f"s-{bua}": "absent"})
        await people.kanya.sign_in(settings, admin)
        await enrolment.edit_student(await people.kanya.viewer(), bua, enrolment.StudentChange(
            "เด็กหญิง", "บัว", "รักเรียน", old_room, "5"))  # her number in 2569
        page = await admin.submit("/students/year-end/apply", {"confirm": "2569"})
        assert page.status_code == 422 and "ปีการศึกษา 2569 ยังไม่สิ้นสุดจนถึง" in text_of(page.text)

    with clock.set_to(AFTER_TERM):
        await people.kanya.sign_in(settings, admin)
        page = await admin.get("/students/year-end")
        text = text_of(page.text)
        assert "2569 → 2570" in text and "จบการศึกษา" in text
        assert "เลื่อนชั้น 3 คน ซ้ำชั้น 0 คน จบการศึกษา 1 คน ออก 0 คน" in text
        enrolments = await StudentEnrolment.count()
        # Room changes from a file, Chai repeats ม.1: the preview says so and writes nothing.
        page = await admin.post("/students/year-end", data={"_csrf_token": admin.csrf_token(), "repeaters": "10003"},
                                files={"mapping": ("rooms.csv", "ห้องเดิม,ห้องใหม่\nม.1/1,ม.2/3\n".encode(),
                                                   "text/csv")})
        text = text_of(page.text)
        assert page.status_code == 200, text
        assert f'name="room-{old_room}" value="3"' in page.text
        assert "ซ้ำชั้น: เด็กชายชัย ใจดี (10003)" in text
        assert "เลื่อนชั้น 2 คน ซ้ำชั้น 1 คน จบการศึกษา 1 คน ออก 0 คน" in text
        assert "ม.2/3 นักเรียน 2 คน ครูสมชาย" in text
        assert await StudentEnrolment.count() == enrolments
        assert not await YearRollover.exists()
        assert not await SchoolYear.exists().where(SchoolYear.year_be == 2570)
        choices = {"room-" + str(old_room): "3", "repeaters": "10003", "leavers": "", "order": "sex_name",
                   "homerooms": "follow", "leave_reason": "moved_school"}
        page = await admin.submit("/students/year-end/apply", choices)
        assert page.status_code == 422 and "ติ๊กช่องเพื่อยืนยันการเลื่อนชั้น" in text_of(page.text)
        page = await admin.submit("/students/year-end/apply", {**choices, "confirm": "2569"})
        assert ("เลื่อนชั้นเข้าปีการศึกษา 2570 แล้ว: เลื่อนชั้น 2 คน ซ้ำชั้น 1 คน จบการศึกษา 1 คน ออก 0 คน"
                in text_of(page.text))
        page = await admin.submit("/students/year-end/apply", {**choices, "confirm": "2569"})
        assert page.status_code == 409 and "เลื่อนชั้นนี้ทำไปแล้ว" in text_of(page.text)
        assert await YearRollover.count() == 1
        done = text_of((await admin.get("/students/year-end")).text)
        assert "เลื่อนชั้นแล้วเมื่อ" in done and "จบการศึกษา 1 คน" in done
        # The new intake, imported now, fills next year's ม.1.
        intake = (BANGKOK_ROSTER.splitlines()[0]
                  + "\n10010,เด็กหญิง,แก้ว,มาใหม่,ม.1/1,1,แม่แก้ว มาใหม่,มารดา,085-555-5555,ไม่ใช่\n")
        preview = await students.import_roster(await people.kanya.viewer(), "intake.csv", intake.encode())
        assert not preview.errors and len(preview.plan.new_students) == 1

    with clock.set_to(NEXT_YEAR):
        await people.somchai.sign_in(settings, somchai)
        await people.kanya.sign_in(settings, admin)
        rooms = {f"{r['grade']}/{r['room']}": r["id"] for r in await Classroom.select(
            Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
            (Classroom.school_year.year_be == 2570) & (Classroom.school == people.bangkok))}
        assert set(rooms) == {"ม.2/3", "ม.1/2", "ม.1/1"}
        assert "แก้ว" in text_of((await admin.get(f"/attendance/classrooms/{rooms['ม.1/1']}")).text)
        # Somchai moved up with his class: this year's register of ม.2/3, boys first, then girls.
        page = await somchai.get(f"/attendance/classrooms/{rooms['ม.2/3']}")
        text = text_of(page.text)
        assert page.status_code == 200 and "อนันต์" in text and "บัว" in text and "ชัย" not in text
        assert text.index("อนันต์") < text.index("บัว")
        numbers = {s["id"]: s["number_in_class"] for s in await Student.select(Student.id, Student.number_in_class)}
        assert (numbers[anan], numbers[bua], numbers[chai]) == (1, 2, 1)
        assert "อนันต์" in text_of((await somchai.get("/students/homeroom")).text)
        # Chai repeats ม.1 (room 2, as before); Dam graduated and is on no register.
        assert "ชัย" in text_of((await admin.get(f"/attendance/classrooms/{rooms['ม.1/2']}")).text)
        leavers = text_of((await admin.get("/students/leavers")).text)
        assert "ดำ" in leavers and "จบการศึกษา" in leavers
        assert "ดำ" not in text_of((await admin.get("/attendance/school")).text)
        # Last year's classroom and attendance are read under last year.
        page = await admin.get(f"/attendance/classrooms/{old_room}?day=2026-11-20")
        assert "บัว" in text_of(page.text) and "ขาด" in text_of(page.text)
        assert "5 เด็กหญิงบัว" in text_of(page.text)  # her number that year
        assert "บัว" not in text_of((await admin.get(f"/attendance/classrooms/{old_room}")).text)
        history = text_of((await admin.get(f"/students/{bua}/edit")).text)
        assert "2569 · ม.1/1" in history and "2570 · ม.2/3" in history
        assert "อนันต์" in text_of((await somchai.get(f"/records/{anan}")).text)
        assert "2570 → 2571" in text_of((await admin.get("/students/year-end")).text)  # next year's, in its time


async def test_two_applies_at_once_roll_over_once(settings):
    people = await _school(settings)
    with clock.set_to(AFTER_TERM):
        kanya = await people.kanya.viewer()
        outcomes = await asyncio.gather(*(rollover.apply(kanya, {"confirm": "2569"}) for _ in range(2)),
                                        return_exceptions=True)
        refused = [o for o in outcomes if isinstance(o, rollover.RolloverError)]
        assert len(refused) == 1 and refused[0].status == 409, outcomes
        assert await YearRollover.count() == 1
        # Each student has one enrolment in 2570 (or none, for the graduate).
        rows = await StudentEnrolment.select(StudentEnrolment.student).where(
            StudentEnrolment.school_year.year_be == 2570)
        assert len(rows) == len({r["student"] for r in rows}) == 3


async def test_a_room_change_not_understood_is_named_and_nothing_is_applied(make_client, settings):
    people = await _school(settings)
    admin = make_client()
    with clock.set_to(AFTER_TERM):
        await people.kanya.sign_in(settings, admin)
        await admin.get("/students/year-end")
        page = await admin.post("/students/year-end", data={"_csrf_token": admin.csrf_token()},
                                files={"mapping": ("rooms.csv", "ม.1/9,ม.2/1\n".encode(), "text/csv")})
        assert page.status_code == 422 and "ไม่ใช่ห้องเรียนของปีนี้ หรืออ่านไม่ออก: ม.1/9" in text_of(page.text)
        room = people.classrooms["BKK ม.1/1"]
        page = await admin.submit("/students/year-end/apply", {f"room-{room}": "31", "leavers": "99999",
                                                               "confirm": "2569"})
        text = text_of(page.text)
        assert page.status_code == 422 and "ไม่มีนักเรียนในห้องเรียนปีนี้ที่มีเลขประจำตัว 99999" in text
        assert 'value="31"' in page.text  # what was typed stays, to fix
        assert not await YearRollover.exists()
