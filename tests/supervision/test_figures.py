"""The care system's figures for a term, each against a school where the right answer is known by construction
(tests/supervision/school.py), as the API gives them and as the director's page shows them; a term with no data;
the same term last year; the same number of queries however big the school."""

from __future__ import annotations

import gzip
import re
from datetime import datetime, time, timedelta

from backend import clock, db
from backend.accounts.tables import Role, User
from backend.behaviour import services as behaviour
from backend.behaviour.tables import Incident, IncidentStudent
from backend.schools import services as schools
from backend.schools.tables import Classroom, Grade
from backend.screening import services as screening
from backend.students.tables import Student, StudentEnrolment
from backend.supervision import figures
from backend.visits.tables import Visit
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture that counts statements
from tests.supervision.school import seed

KNOWN = {"records": (2, 9), "visits": (4, 9), "sdq_student": (1, 9), "sdq_teacher": (2, 9), "sdq_parent": (1, 9),
         "eq": (0, 9), "screened": (7, 9), "confirmed": (7, 9), "activities": (1, 2), "meetings": (1, 2),
         "cases": (2, 6), "plans": (1, 4), "followed": (1, 2), "reported": (1, 2)}


def _row(page: str, label: str) -> str:
    """The line of a figure as read on the director's page: "done/total · percent %"."""
    found = re.search(re.escape(label) + r" (\d+/\d+(?: · \d+ %)?)", page)
    assert found, (label, page)
    return found.group(1)


async def test_each_figure_is_what_the_school_did(people, app):
    known = await seed(people, app)
    wichai = await people.wichai.viewer()
    term = await figures.find_term(wichai)
    found = await figures.for_term(wichai, term)
    assert {key: (m.done, m.total) for key, m in found.measures.items()} == KNOWN
    assert found.students == 9 and found.whole_school and found.has_data
    assert found.groups == {"normal": 1, "risk": 2, "problem": 4, "special": 0, "not_confirmed": 2}
    assert found.activities == 1
    assert found.referrals["total"] == 2 and found.referrals["reported"] == 1
    assert found.referrals["by_status"]["sent"]["fresh"] == 1 and found.referrals["by_status"]["reported"]["fresh"] == 1
    assert found.risk_incidents == 1  # the fight; lateness is not a risk behaviour
    # Each gap names exactly the students still to reach, in class order.
    names = {v: k for k, v in known.students.items()}
    assert [names[i] for i in found.behind["plans"]] == ["ปอ", "ปาน", "ปลา"]
    assert [names[i] for i in found.behind["screened"]] == ["นิด", "เรียม"]
    assert [names[i] for i in found.behind["cases"]] == ["อนันต์", "ปาน", "ปลา", "ชัย"]
    assert [names[i] for i in found.behind["reported"]] == ["ปอ"]
    assert found.behind["meetings"] == [people.classrooms["BKK ม.1/2"]]
    by_class = {c.label: {k: (m.done, m.total) for k, m in c.measures.items()} for c in found.classes}
    assert [c.label for c in found.classes] == ["ม.1/1", "ม.1/2"]
    assert by_class["ม.1/1"]["visits"] == (3, 6) and by_class["ม.1/2"]["visits"] == (1, 3)
    assert by_class["ม.1/1"]["plans"] == (1, 4) and by_class["ม.1/2"]["plans"] == (0, 0)
    assert by_class["ม.1/2"]["meetings"] == (0, 1)


async def test_the_director_reads_the_five_components_and_each_gap_opens_its_students(client, people, settings, app):
    await seed(people, app)
    await people.wichai.sign_in(settings, client)
    home = await client.get("/")
    assert 'href="/supervision"' in home.text
    response = await client.get("/supervision")
    page = text_of(response.text)
    for heading in ("1. การรู้จักนักเรียนเป็นรายบุคคล", "2. การคัดกรองนักเรียน", "3. การส่งเสริมและพัฒนานักเรียน",
                    "4. การป้องกันและแก้ไขปัญหา", "5. การส่งต่อ"):
        assert heading in page
    assert _row(page, "ระเบียนสะสมครบถ้วน") == "2/9 · 22 %"
    assert _row(page, "เยี่ยมบ้านแล้วในปีการศึกษานี้") == "4/9 · 44 %"
    assert _row(page, "SDQ ฉบับครูประจำชั้น") == "2/9 · 22 %"
    assert _row(page, "คัดกรองแล้ว") == "7/9 · 78 %"
    assert _row(page, "กลุ่มมีปัญหาที่มีแผนช่วยเหลือ") == "1/4 · 25 %"
    assert _row(page, "การส่งต่อที่รายงานผลกลับแล้ว") == "1/2 · 50 %"
    assert "ยืนยันกลุ่มเสี่ยง 2 คน · กลุ่มมีปัญหา 4 คน" in page
    assert "พฤติกรรมเสี่ยงในภาคเรียนนี้ 1 ครั้ง" in page
    assert "ยังไม่เช็กชื่อ 2 จาก 2 ห้อง" in page  # attendance today, beside the components
    assert "<svg" in response.text and "<polyline" in response.text  # the charts, drawn on the server
    assert "ยังไม่มีตัวเลขของภาคเรียนเดียวกันปีที่แล้วให้เทียบ" in page  # the school has no last year here, said once
    assert "ภาคเรียนเดียวกันปีที่แล้ว: ไม่มีข้อมูล" not in page
    assert len(gzip.compress(response.content)) <= 14 * 1024
    # Every gap is a link, and it lists as many as it says.
    links = re.findall(r'<a href="(/supervision/figures/[^"]+)">([^<]+): (\d+)</a>', response.text)
    assert len(links) == 14
    for href, _, number in links:
        listed = await client.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200, href
        body = listed.text.split("<h2>", 1)[0]
        shown = len(re.findall(r'<li><span><a href="/records/', body)) + len(re.findall(
            r'<li><a href="/promotion/classrooms/', body))
        assert shown == int(number), (href, text_of(body))


async def test_a_term_with_no_data_says_so(client, people, settings, app):
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await schools.ensure_school_year(people.bangkok, wichai.year_be - 1)
    term = await figures.find_term(wichai)
    earlier = f"{wichai.year_be - 1}-{term.number}"
    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get(f"/supervision?term={earlier}")).text)
    assert f"ภาคเรียนที่ {term.number}/{wichai.year_be - 1} ไม่มีการบันทึกข้อมูล จึงไม่มีตัวเลขให้แสดง" in page
    assert "0/0" not in page and "ระเบียนสะสมครบถ้วน" not in page  # no zeros pretending
    found = await figures.for_term(wichai, await figures.find_term(wichai, earlier))
    assert not found.has_data
    # A term not known, or not begun, is refused with words.
    refused = await client.get(f"/supervision?term={wichai.year_be + 5}-1")
    assert refused.status_code == 404 and "ไม่พบภาคเรียนนี้" in text_of(refused.text)


async def _last_year(people, visited: int, enrolled: int) -> str:
    """Last year's ม.1/1 with `enrolled` of the persona students, `visited` of them visited at home in the same term
    last year, and two fights in its first week: written as rows, as last year's records would be."""
    viewer = await people.wichai.viewer()
    term = await figures.find_term(viewer)
    year_id = await schools.ensure_school_year(people.bangkok, viewer.year_be - 1)
    last = next(t for t in await schools.school_terms(people.bangkok)
                if t.year_be == viewer.year_be - 1 and t.number == term.number)
    grade = await Grade.select(Grade.id).where((Grade.school == people.bangkok) & (Grade.code == "ม.1")).first()
    room = (await Classroom.insert(Classroom(school=people.bangkok, school_year=year_id, grade=grade["id"],
                                             room=1)).returning(Classroom.id))[0]["id"]
    students = await Student.select(Student.id).where(Student.school == people.bangkok).order_by(Student.id)
    chosen = [s["id"] for s in students[:enrolled]]
    teacher = await User.select(User.id).where(User.role == Role.homeroom_teacher.value).first()
    async with db.transaction():
        await StudentEnrolment.insert(*[StudentEnrolment(
            school=people.bangkok, student=s, school_year=year_id, classroom=room, number_in_class=n,
            starts_on=last.year_starts_on, ends_on=last.ends_on + timedelta(days=1), changed_at=clock.now())
            for n, s in enumerate(chosen, start=1)])
        await Visit.insert(*[Visit(school=people.bangkok, student=s, teacher=teacher["id"],
                                   client_id=f"last-year-{s}", status="done", visited_on=last.starts_on,
                                   answers={}, created_at=clock.now(), updated_at=clock.now())
                                   for s in chosen[:visited]])
    fighting = next(c for c in await behaviour.categories(people.bangkok) if c["code"] == "fighting")
    for n in range(2):
        moment = datetime.combine(last.starts_on, time(10), clock.SCHOOL_TIME)
        incident = await Incident.insert(Incident(
            school=people.bangkok, school_year=year_id, client_id=f"last-year-fight-{n}", kind="incident",
            category=fighting["id"], happened_at=moment, sanction="warning", recorded_at=moment)).returning(Incident.id)
        await IncidentStudent.insert(IncidentStudent(incident=incident[0]["id"], student=chosen[0]))
    return last.key


async def test_each_figure_beside_the_same_term_last_year(client, people, settings, app):
    await seed(people, app)
    last = await _last_year(people, visited=3, enrolled=4)
    wichai = await people.wichai.viewer()
    found = await figures.for_term(wichai, await figures.find_term(wichai, last))
    assert (found.measures["visits"].done, found.measures["visits"].total) == (3, 4)
    assert found.recorded["known"] and not found.recorded["screened"]
    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get("/supervision")).text)
    assert "เยี่ยมบ้านแล้วในปีการศึกษานี้ 4/9 · 44 % เป้าหมาย" not in page  # no target set yet
    assert re.search(r"เยี่ยมบ้านแล้วในปีการศึกษานี้ 4/9 · 44 % ภาคเรียนเดียวกันปีที่แล้ว: 75 %", page), page
    assert re.search(r"คัดกรองแล้ว 7/9 · 78 % ภาคเรียนเดียวกันปีที่แล้ว: ไม่มีข้อมูล", page)
    # The fights of last year's first week are compared with the same weeks of this term.
    this_term = await figures.for_term(wichai, await figures.find_term(wichai))
    assert this_term.risk_last_year == 2
    # Last year's own page: visits shown, screening "no data".
    earlier = text_of((await client.get(f"/supervision?term={last}")).text)
    assert "เยี่ยมบ้านแล้วในปีการศึกษานี้ 3/4 · 75 %" in earlier
    assert "2. การคัดกรองนักเรียน ไม่มีข้อมูลในภาคเรียนนี้" in earlier


async def test_as_many_queries_with_more_students(client, people, settings, app, queries):  # noqa: F811 - fixture
    await seed(people, app)
    await people.wichai.sign_in(settings, client)
    await client.get("/supervision")
    queries.clear()
    await client.get("/supervision")
    before = len(queries)

    # Thirty more students in ม.1/2, five confirmed at risk, and two more visits.
    room = people.classrooms["BKK ม.1/2"]
    async with db.transaction():
        rows = await Student.insert(*[Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ช.",
                                              first_name=f"นักเรียน{n}", last_name="ทดสอบ", classroom=room,
                                              updated_at=clock.now()) for n in range(30)]).returning(Student.id)
        term = await figures.find_term(await people.wichai.viewer())
        await StudentEnrolment.insert(*[StudentEnrolment(
            school=people.bangkok, student=row["id"], school_year=term.school_year_id, classroom=room,
            starts_on=term.year_starts_on, changed_at=clock.now()) for row in rows])
    malee = await people.malee.viewer()
    for row in rows[:5]:
        await screening.confirm_group(malee, row["id"], "risk", "ครูเห็นเอง")
    queries.clear()
    page = text_of((await client.get("/supervision")).text)
    assert len(queries) == before, queries
    assert "ยืนยันกลุ่มเสี่ยง 7 คน" in page and _row(page, "คัดกรองแล้ว") == "12/39 · 31 %"


async def test_a_term_that_is_over_is_counted_once_in_a_while(people, app, queries):  # noqa: F811 - the fixture
    await seed(people, app)
    last = await _last_year(people, visited=3, enrolled=4)
    wichai = await people.wichai.viewer()
    term = await figures.find_term(wichai, last)
    first = await figures.for_term(wichai, term)
    queries.clear()
    assert await figures.for_term(wichai, term) is first and len(queries) <= 2  # the terms, the scope
    figures.forget()
    assert (await figures.for_term(wichai, term)).measures == first.measures
    # The term under way is counted every time.
    current = await figures.find_term(wichai)
    await figures.for_term(wichai, current)
    queries.clear()
    await figures.for_term(wichai, current)
    assert len(queries) > 10
