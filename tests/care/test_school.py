"""The school's care in numbers: per class and for the school, the students confirmed at risk or with problems and
how many have a case, a plan and a follow-up this month; referrals by status and age; homeroom activities and
parents' meetings held. For the executives and the counsellors, without a name, in as many queries for a big school
as for a small one."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

from backend import clock, db
from backend.care import referrals
from backend.care import services as care
from backend.care.tables import Referral
from backend.promotion import services as promotion
from backend.schools import services as schools
from backend.screening import services as screening
from backend.students.tables import Student
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture that counts statements


async def _seed(people) -> None:
    """Bua and Anan (ม.1/1) confirmed; Bua has a case with a plan, a follow-up today, and a referral sent five
    school days ago; Anan has nothing yet. A homeroom activity of ม.1/1 today."""
    somchai = await people.somchai.viewer()
    bua, anan = people.students["10002"], people.students["10001"]
    await screening.confirm_group(somchai, bua, "problem", "ครูเห็นเอง")
    await screening.confirm_group(somchai, anan, "risk", "ครูเห็นเอง")
    case_id = await care.open_case(somchai, bua, {"concern": "ขาดเรียนบ่อย"})
    today = clock.today()
    await care.add_activity(somchai, case_id, {"kind": "parents", "follow_up_on": today.isoformat()})
    await care.add_follow_up(somchai, case_id, {"done": "โทรคุยกับพ่อ", "progress": "same"})
    referral_id = await referrals.refer(somchai, case_id, {"to_role": "counsellor", "reason": "ร้องไห้บ่อย"})
    calendar = await schools.calendar_between(people.bangkok, today - timedelta(days=40), today)
    five_ago = calendar.school_days(today - timedelta(days=40), today)[-6]
    sent = clock.now() - timedelta(days=(today - five_ago).days)
    await Referral.update({Referral.sent_at: sent}).where(Referral.id == referral_id)
    await promotion.record_activity(somchai, people.classrooms["BKK ม.1/1"],
                                    {"held_on": today.isoformat(), "topic": "การจัดการอารมณ์"})


def _row(page: str, first_cell: str) -> list[str]:
    """The numbers of a table row that starts with this cell, as read."""
    found = re.search(re.escape(first_cell) + r"((?: \d+(?:/\d+)?)+)", page)
    assert found, page
    return found.group(1).split()


async def test_the_executive_sees_each_class_s_care_in_numbers(client, people, settings, make_client):
    await _seed(people)
    await people.wichai.sign_in(settings, client)
    response = await client.get("/care/school")
    page = text_of(response.text)
    # At risk or with problems, with a case, with a plan, followed up this month, activities, meetings.
    assert _row(page, "ม.1/1") == ["2", "1", "1", "1", "1", "0"]
    assert _row(page, "ม.1/2") == ["0", "0", "0", "0", "0", "0"]
    assert "ชั้นเรียนที่ประชุมผู้ปกครองแล้ว 0/2" in page
    # The referral to the counsellor, sent five school days ago and not yet accepted.
    assert _row(page, "ส่งแล้ว") == ["0", "1", "0"]
    assert "บัว" not in page and "อนันต์" not in page  # numbers only
    assert len(gzip.compress(response.content)) <= 14 * 1024

    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    assert 'href="/care/school"' in (await counsellor.get("/care")).text
    assert _row(text_of((await counsellor.get("/care/school")).text), "ม.1/1")[:4] == ["2", "1", "1", "1"]


async def test_a_homeroom_teacher_is_refused_the_school_s_numbers(client, people, settings):
    await _seed(people)
    await people.somchai.sign_in(settings, client)
    assert 'href="/care/school"' not in (await client.get("/care")).text
    refused = await client.get("/care/school")
    assert refused.status_code == 403 and "ม.1/1 2" not in text_of(refused.text)


async def test_as_many_queries_with_more_students(client, people, settings, queries):  # noqa: F811 - the fixture
    await _seed(people)
    await people.wichai.sign_in(settings, client)
    await client.get("/care/school")
    queries.clear()
    await client.get("/care/school")
    before = len(queries)

    # Twenty more students in ม.1/2, three of them confirmed at risk, one with a case and a plan.
    room = people.classrooms["BKK ม.1/2"]
    async with db.transaction():
        rows = await Student.insert(*[Student(school=people.bangkok, code=f"2{n:04d}", title="ด.ช.",
                                              first_name=f"นักเรียน{n}", last_name="ทดสอบ", classroom=room,
                                              updated_at=clock.now()) for n in range(20)]).returning(Student.id)
    malee = await people.malee.viewer()
    for row in rows[:3]:
        await screening.confirm_group(malee, row["id"], "risk", "ครูเห็นเอง")
    case_id = await care.open_case(malee, rows[0]["id"], {"concern": "เก็บตัว"})
    await care.add_activity(malee, case_id, {"kind": "counselling", "follow_up_on": clock.today().isoformat()})

    queries.clear()
    page = text_of((await client.get("/care/school")).text)
    assert len(queries) == before, queries
    assert _row(page, "ม.1/2") == ["3", "1", "1", "0", "0", "0"]


# The students behind each number ------------------------------------------------------------------------------------

LIST_LINK = re.compile(r'<a href="(/care/school/[^"]+)">(\d+)</a>')


def _names(page: str) -> list[str]:
    """The students listed, one per row of the list's table."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


async def test_each_number_opens_as_many_students_as_it_says(client, people, settings):
    await _seed(people)
    await people.wichai.sign_in(settings, client)
    links = LIST_LINK.findall((await client.get("/care/school")).text)
    # The school's four totals, ม.1/1's four counts, the referral's cell, its age's total and the year's total.
    assert len(links) == 11, links
    for href, number in links:
        listed = await client.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200, href
        assert len(_names(listed.text)) == int(number), (href, _names(listed.text))

    room = people.classrooms["BKK ม.1/1"]
    cases = _names((await client.get(f"/care/school/classrooms/{room}/students?count=cases")).text)
    assert len(cases) == 1 and "บัว" in cases[0] and "ม.1/1" in cases[0] and "เคสเปิดอยู่" in cases[0]
    at_risk = _names((await client.get(f"/care/school/classrooms/{room}/students?count=confirmed")).text)
    assert any("อนันต์" in row and "ยังไม่มีเคส" in row and "เสี่ยง" in row for row in at_risk)
    listed = (await client.get("/care/school/students?count=referrals&status=sent")).text
    referred = _names(listed)
    assert len(referred) == 1 and "บัว" in referred[0]
    # A line per referral says where it went, when, how it stands and how long it has waited: not the screening
    # group and follow-ups of the students' lists.
    head = text_of(listed.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert "ส่งต่อถึง" in head and "สถานะ" in head and "กลุ่ม" not in head and "ติดตามล่าสุด" not in head
    assert "ครูแนะแนว" in referred[0] and "ส่งแล้ว" in referred[0] and "3–7" in referred[0]
    assert (await client.get("/care/school/students?count=nothing")).status_code == 404


async def test_a_long_list_shows_its_first_students_and_how_many_more(client, people, settings, monkeypatch):
    from backend.care import reports

    await _seed(people)
    monkeypatch.setattr(reports, "LIST_LIMIT", 1)
    await people.ratana.sign_in(settings, client)
    page = (await client.get("/care/school/students?count=confirmed")).text
    assert len(_names(page)) == 1 and "และอีก 1" in text_of(page) and "นักเรียน 2 คน" in text_of(page)


async def test_a_class_s_list_opens_to_its_case_team_only(client, people, settings, make_client):
    await _seed(people)
    room = people.classrooms["BKK ม.1/1"]
    url = f"/care/school/classrooms/{room}/students?count=confirmed"
    await people.somchai.sign_in(settings, client)  # ม.1/1's homeroom teacher: of his students' case team
    assert "บัว" in text_of((await client.get(url)).text)
    assert (await client.get("/care/school/students?count=confirmed")).status_code == 403  # not the school's
    for person in (people.malee, people.somsri, people.sunee, people.wipa, people.preecha):
        browser = make_client()
        await person.sign_in(settings, browser)
        refused = await browser.get(url)
        assert refused.status_code in (403, 404) and "บัว" not in text_of(refused.text), person.username


async def test_a_list_costs_as_many_queries_with_more_students(client, people, settings, queries):  # noqa: F811
    await _seed(people)
    await people.wichai.sign_in(settings, client)
    url = "/care/school/students?count=plans"
    await client.get(url)
    queries.clear()
    await client.get(url)
    before = len(queries)

    room = people.classrooms["BKK ม.1/2"]
    async with db.transaction():
        rows = await Student.insert(*[Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ญ.",
                                              first_name=f"นักเรียน{n}", last_name="ทดสอบ", classroom=room,
                                              updated_at=clock.now()) for n in range(6)]).returning(Student.id)
    malee = await people.malee.viewer()
    for row in rows[:3]:
        await screening.confirm_group(malee, row["id"], "problem", "ครูเห็นเอง")
        case_id = await care.open_case(malee, row["id"], {"concern": "เก็บตัว"})
        await care.add_activity(malee, case_id, {"kind": "counselling", "follow_up_on": clock.today().isoformat()})
        await care.add_follow_up(malee, case_id, {"done": "คุยแล้ว", "progress": "same"})

    queries.clear()
    page = (await client.get(url)).text
    assert len(queries) == before, queries
    assert len(_names(page)) == 4
