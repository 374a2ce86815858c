"""The students behind a figure, as far as the viewer's role may see them, and each homeroom's progress."""

from __future__ import annotations

import re

from backend import clock
from backend.attendance import services as attendance
from backend.supervision import behind, figures
from tests.conftest import text_of
from tests.supervision.school import PROBLEMS_WITHOUT_PLAN, seed


def _listed(html: str) -> list[str]:
    """The names listed behind a figure (before its table of classes)."""
    body = html.split("<h2>", 1)[0]
    return re.findall(r'<li><span><a href="/records/\d+">([^<]+)</a>', body)


async def test_the_director_opens_the_problem_students_without_a_plan(client, people, settings, app):
    await seed(people, app)
    await people.wichai.sign_in(settings, client)
    page = await client.get("/supervision/figures/plans")
    assert [name.split()[0] for name in _listed(page.text)] == list(PROBLEMS_WITHOUT_PLAN)
    text = text_of(page.text)
    assert "นักเรียนกลุ่มมีปัญหาที่ยังไม่มีแผน: 3" in text and "บัว" not in text  # Bua has her plan
    # Each class's count, and one class's list.
    assert re.search(r"ม\.1/1 1/4 3", text) and "ม.1/2 0/0" not in text
    one = await client.get(f"/supervision/figures/plans?classroom={people.classrooms['BKK ม.1/1']}")
    assert len(_listed(one.text)) == 3
    other_school = await client.get(f"/supervision/figures/plans?classroom={people.classrooms['CNX ม.1/1']}")
    assert other_school.status_code == 404
    assert (await client.get("/supervision/figures/gossip")).status_code == 404


async def test_a_grade_head_sees_the_counts_of_care_but_names_only_where_she_reads_them(client, people, settings, app):
    await seed(people, app)
    await people.sunee.sign_in(settings, client)
    overview = text_of((await client.get("/supervision")).text)
    assert "ระดับชั้นที่คุณเป็นหัวหน้า" in overview and "นักเรียนกลุ่มมีปัญหาที่ยังไม่มีแผน: 3" in overview
    assert "พฤติกรรมเสี่ยง" not in overview  # the school's behaviour trend is not hers
    # Who has a case (or none) is the case team's: she sees the classes' counts, not the names.
    plans = await client.get("/supervision/figures/plans")
    assert _listed(plans.text) == []
    text = text_of(plans.text)
    assert "ในจำนวนนี้ 3 คนอยู่ในชั้นเรียนที่แสดงชื่อเฉพาะครูประจำชั้นและทีมดูแลช่วยเหลือ" in text
    assert not any(name in text for name in PROBLEMS_WITHOUT_PLAN) and re.search(r"ม\.1/1 1/4 3", text)
    visits = await client.get("/supervision/figures/visits")
    assert _listed(visits.text) == []  # home visits: the homeroom teachers, counsellors and executives
    # Screening she reads as the grade's head: the students not screened, by name.
    screened = await client.get("/supervision/figures/screened")
    assert [name.split()[0] for name in _listed(screened.text)] == ["นิด", "เรียม"]


async def test_the_counsellor_reads_every_name_and_teachers_none(client, people, settings, app, make_client):
    await seed(people, app)
    await people.ratana.sign_in(settings, client)
    assert len(_listed((await client.get("/supervision/figures/plans")).text)) == 3
    assert len(_listed((await client.get("/supervision/figures/visits")).text)) == 5
    for person in (people.somchai, people.wipa, people.kanya, people.somsri, people.preecha):
        other = make_client()
        await person.sign_in(settings, other)
        refused = await other.get("/supervision/figures/plans")
        assert refused.status_code == 403 and "ปอ" not in text_of(refused.text)


async def test_each_homeroom_s_progress_in_class_order(client, people, settings, app):
    await seed(people, app)
    somchai = await people.somchai.viewer()
    room = people.classrooms["BKK ม.1/1"]
    await attendance.save_register(somchai, app.state.settings, app.state.queue, room, clock.today(),
                                   {s: "present" for s in [people.students["10001"], people.students["10002"]]})
    wichai = await people.wichai.viewer()
    _, rows = await behind.homerooms(wichai, await figures.find_term(wichai))
    school_days = rows[0].registers.total
    assert school_days >= 1
    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get("/supervision/teachers")).text)
    # Class, teacher, registers taken, visits, screened, confirmed, with a case, parents' meeting.
    assert f"ม.1/1 ครูสมชาย 1/{school_days} 3/6 5/6 5/6 2/5 ประชุมแล้ว" in page
    assert f"ม.1/2 ครูมาลี 0/{school_days} 1/3 2/3 2/3 0/1 ยังไม่ได้ประชุม" in page
    assert page.index("ม.1/1 ครูสมชาย") < page.index("ม.1/2 ครูมาลี")  # by class, not by score
    assert "เรียงตามชั้นเรียน" in page
    # What is left, in words that help: ม.1/2 has two to visit, one to screen and confirm, a case, and its meeting.
    helping = page.split("ห้องที่อาจต้องการความช่วยเหลือ", 1)[1]
    assert (f"ม.1/2 · ครูมาลี {school_days} วันเรียนที่ยังไม่ได้เช็กชื่อ · เยี่ยมบ้านอีก 2 คน · คัดกรองอีก 1 คน · "
            "ยืนยันกลุ่มอีก 1 คน · กลุ่มเสี่ยงหรือมีปัญหาที่ยังไม่มีเคส 1 คน · ยังต้องจัดประชุมผู้ปกครอง") in helping


async def test_a_list_cut_short_comes_after_its_classes_where_everyone_can_be_reached(client, people, settings, app,
                                                                                      monkeypatch):
    await seed(people, app)
    monkeypatch.setattr(behind, "LIST_LIMIT", 2)  # a big school's hundred names, in a small one
    await people.wichai.sign_in(settings, client)
    html = (await client.get("/supervision/figures/visits")).text
    assert html.index("<h2>") < html.index('<li><span><a href="/records/')  # the classes' table first
    assert "และอีก 3 คน ดูรายชื่อทั้งหมดได้จากแต่ละห้องในตารางด้านบน" in text_of(html)
    assert "/supervision/figures/visits?term=" in html and "classroom=" in html  # each class opens its own list
