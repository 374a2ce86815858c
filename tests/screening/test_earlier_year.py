"""The screening summaries of a term of last school year: last year's classrooms with that term's results, read by
the director and counsellor whole, by this year's homeroom teachers and grade-level head for the students now theirs
(the care record follows the student), by last year's homeroom teacher not at all; a term with no data says so."""

from __future__ import annotations

from datetime import timedelta

from backend import clock, db
from backend.accounts.tables import HomeroomAssignment
from backend.schools import services as schools
from backend.schools.tables import Classroom, Grade
from backend.screening.tables import GroupDecision
from backend.students.tables import StudentEnrolment
from tests.conftest import text_of


async def _last_year(people) -> dict:
    """Last year's ป.6/1 (อนันต์ no. 1, ชัย no. 2; its homeroom teacher was ครูวิภา) and ป.6/2 (บัว no. 1), written as
    rows as last year's records would be, with the groups confirmed in its term 2: อนันต์ at risk, ชัย with
    problems; บัว not screened. Term 1 has no screening at all."""
    viewer = await people.wichai.viewer()
    year_be = viewer.year_be - 1
    year_id = await schools.ensure_school_year(people.bangkok, year_be)
    year = next(t for t in await schools.school_terms(people.bangkok) if t.school_year_id == year_id)
    grade = (await Grade.insert(Grade(school=people.bangkok, code="ป.6", level=6)).returning(Grade.id))[0]["id"]
    rooms = {}
    for room in (1, 2):
        rooms[room] = (await Classroom.insert(Classroom(school=people.bangkok, school_year=year_id, grade=grade,
                                                        room=room)).returning(Classroom.id))[0]["id"]
    seats = [("10001", 1, 1), ("10003", 1, 2), ("10002", 2, 1)]
    _, year_ends = await schools.term_dates(year_id, 2)
    async with db.transaction():
        await StudentEnrolment.insert(*[StudentEnrolment(
            school=people.bangkok, student=people.students[code], school_year=year_id, classroom=rooms[room],
            number_in_class=number, starts_on=year.year_starts_on, ends_on=year_ends + timedelta(days=1),
            changed_at=clock.now()) for code, room, number in seats])
        await HomeroomAssignment.insert(HomeroomAssignment(school=people.bangkok, school_year=year_id,
                                                           classroom=rooms[1], teacher=people.wipa.user_id))
        await GroupDecision.insert(*[GroupDecision(
            school=people.bangkok, student=people.students[code], school_year=year_id, term=2, proposed="normal",
            reasons=[], group=group, note="ครูเห็นเอง", decided_by=people.wipa.user_id, decided_at=clock.now())
            for code, group in (("10001", "risk"), ("10003", "problem"))])
    return {"year_be": year_be, "this_year": viewer.year_be, "p61": rooms[1], "p62": rooms[2]}


async def _page(client, settings, person, url: str):
    await person.sign_in(settings, client)
    return await client.get(url)


async def test_the_director_sees_last_years_classrooms_with_that_terms_groups(client, people, settings):
    last = await _last_year(people)
    term = f"{last['year_be']}-2"
    response = await _page(client, settings, people.wichai, f"/screening/school?term={term}")
    page = text_of(response.text)
    assert f"ภาคเรียนที่ 2/{last['year_be']}" in page and "คัดกรองแล้ว 2 จาก 3 คน" in page
    assert f'<option value="{term}" selected>' in response.text  # the selector names every begun term by its year
    # By grade and by classroom as they were then: ป.6, not this year's ม.1.
    assert "ป.6/1" in page and "ป.6/2" in page and "ม.1/" not in page
    assert f"/screening/classrooms/{last['p61']}?term={term}" in response.text
    assert f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}" not in response.text
    room = text_of((await client.get(f"/screening/classrooms/{last['p61']}")).text)  # the year's last term
    assert f"ภาคเรียนที่ 2/{last['year_be']}" in room and "คัดกรองแล้ว 2 จาก 2 คน" in room
    assert "อนันต์" in room and "ชัย" in room and "บัว" not in room
    by_group = room.split("แยกตามกลุ่ม")[1]
    assert "เสี่ยง (1)" in by_group and "มีปัญหา (1)" in by_group
    refused = await client.get(f"/screening/classrooms/{last['p61']}?term={last['this_year']}-1")
    assert refused.status_code == 404 and "ไม่พบภาคเรียนนี้" in text_of(refused.text)


async def test_a_term_of_last_year_with_no_screening_says_so(client, people, settings):
    last = await _last_year(people)
    page = text_of((await _page(client, settings, people.ratana, f"/screening/school?term={last['year_be']}-1")).text)
    assert f"ภาคเรียนที่ 1/{last['year_be']} ไม่มีการบันทึกผลการคัดกรอง จึงไม่มีผลให้แสดง" in page
    assert "คัดกรองแล้ว 0 จาก 3 คน" in page
    room = text_of((await client.get(f"/screening/classrooms/{last['p62']}?term={last['year_be']}-2")).text)
    assert f"ภาคเรียนที่ 2/{last['year_be']} ไม่มีการบันทึกผลการคัดกรอง" in room  # บัว alone, not screened
    with_data = text_of((await client.get(f"/screening/school?term={last['year_be']}-2")).text)
    assert "ไม่มีการบันทึกผลการคัดกรอง" not in with_data


async def test_teachers_read_last_years_class_for_the_students_now_theirs(client, people, settings, make_client):
    last = await _last_year(people)
    term = f"{last['year_be']}-2"
    p61 = f"/screening/classrooms/{last['p61']}?term={term}"
    somchai = text_of((await _page(client, settings, people.somchai, p61)).text)
    assert "อนันต์" in somchai and "ชัย" not in somchai and "แสดงเฉพาะนักเรียน 1 คนจาก 2 คน" in somchai
    malee = make_client()
    page = text_of((await _page(malee, settings, people.malee, p61)).text)
    assert "ชัย" in page and "อนันต์" not in page
    assert (await malee.get(f"/screening/classrooms/{last['p62']}?term={term}")).status_code == 404  # บัว is not hers
    head = make_client()
    page = text_of((await _page(head, settings, people.sunee, p61)).text)
    assert "อนันต์" in page and "ชัย" in page and "แสดงเฉพาะ" not in page
    # Last year's homeroom teacher of ป.6/1, whose class has moved on, reads nothing of it.
    wipa = make_client()
    assert (await _page(wipa, settings, people.wipa, p61)).status_code == 404
    # This year's class with last year's term: where its students were then, to open there.
    mine = await client.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}?term={term}")
    page = text_of(mine.text)
    assert f"ภาคเรียนที่ 2/{last['year_be']} นักเรียนห้องนี้อยู่ในห้องเรียนต่อไปนี้" in page
    assert "ป.6/1 นักเรียนห้องนี้ 1 คน" in page and "ป.6/2 นักเรียนห้องนี้ 1 คน" in page
    assert f"/screening/classrooms/{last['p62']}?term={term}" in mine.text and "บัว" not in page
    now = await client.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert f'<option value="{term}">' in now.text and "บัว" in text_of(now.text)
