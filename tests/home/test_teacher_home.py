"""A homeroom teacher's home page, opened many times a day: the class, its alerts, the urgent cases and the to-do
list, in the same small number of queries for a class of 7 as for one of 42."""

from __future__ import annotations

from datetime import date

from backend import clock, db
from backend.accounts import reads
from backend.accounts.tables import CARE_READ
from backend.behaviour.tables import BehaviourRule, RuleFiring
from backend.care import services as care
from backend.records.tables import RecordEntry
from backend.screening.tables import GroupDecision
from backend.students.tables import Guardian, Student, StudentEnrolment, StudentGuardian
from benchmarks.bench_database import counting_queries
from tests.conftest import text_of

MOST_QUERIES = 12


async def _grow_class(people, first: int, count: int) -> None:
    """`count` more students in Somchai's homeroom, each with a guardian, a behaviour alert, an urgent case, a group
    this term (at risk, or special), a record entry he wrote and a section he read."""
    teacher = await people.somchai.viewer()
    room = people.classrooms["BKK ม.1/1"]
    moment = clock.now()
    numbers = range(first, first + count)
    new = await Student.insert(*[
        Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ช.", first_name=f"นักเรียน{n}", last_name="ทดสอบ",
                classroom=room, number_in_class=10 + n, updated_at=moment) for n in numbers]).returning(Student.id)
    ids = [row["id"] for row in new]
    await StudentEnrolment.insert(*[
        StudentEnrolment(school=people.bangkok, student=student, school_year=teacher.school_year_id, classroom=room,
                         number_in_class=10 + n, starts_on=date(2026, 5, 1), changed_at=moment)
        for n, student in zip(numbers, ids, strict=True)])
    guardians = await Guardian.insert(*[
        Guardian(school=people.bangkok, name=f"ผู้ปกครอง{n}", phone=f"+6689{n:07d}", updated_at=moment)
        for n in numbers]).returning(Guardian.id)
    await StudentGuardian.insert(*[
        StudentGuardian(school=people.bangkok, student=student, guardian=guardian["id"], relation="มารดา")
        for student, guardian in zip(ids, guardians, strict=True)])
    rule = await BehaviourRule.insert(BehaviourRule(school=people.bangkok, kind="lates_in_days", count=3, days=30,
                                                    created_at=moment)).returning(BehaviourRule.id)
    await RuleFiring.insert(*[
        RuleFiring(school=people.bangkok, rule=rule[0]["id"], student=student, occurrence_key=f"late-{student}",
                   day=clock.today(), detail="สาย 3 ครั้ง", fired_at=moment) for student in ids])
    _, term = teacher.school_year_id, teacher.term_number or 1
    await GroupDecision.insert(*[
        GroupDecision(school=people.bangkok, student=student, school_year=teacher.school_year_id, term=term,
                      proposed="risk", reasons=[], group="risk" if n % 2 else "special",
                      decided_by=teacher.user_id, decided_at=moment) for n, student in zip(numbers, ids, strict=True)])
    for student in ids[::3]:  # a third of them have an urgent case opened
        await care.open_case(teacher, student, {"concern": "ไม่มาเรียนหลายวัน", "urgency": "today"})
    await RecordEntry.insert(*[
        RecordEntry(school=people.bangkok, student=student, section="family", data={}, written_by=teacher.user_id,
                    written_at=moment) for student in ids])
    await reads.record_reads(teacher, ids, [CARE_READ])


async def test_the_teachers_home_takes_as_many_queries_for_a_big_class(client, people, settings):
    await people.somchai.sign_in(settings, client)

    async def counted() -> tuple[int, str]:
        await client.get("/")  # warm: the school year is cached, the session's last-seen time noted
        with counting_queries(db.engine()) as counter:
            page = await client.get("/")
        assert page.status_code == 200
        return counter["queries"], text_of(page.text)

    await _grow_class(people, 0, 5)
    small, page = await counted()
    assert "7 คน" in page, page  # Anan, Bua and the five new students
    assert "นักเรียน0" in page and "นักเรียน4" in page  # their alerts and urgent cases
    await _grow_class(people, 5, 35)
    big, page = await counted()
    assert "42 คน" in page
    assert "นักเรียน39" in page
    assert big == small <= MOST_QUERIES, f"{small} queries for 7 students, {big} for 42"
