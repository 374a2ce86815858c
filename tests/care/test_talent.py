"""Development plans for students in the special group: only for a student confirmed special this term, one a
school year, revised with its history kept and closed; activities with a responsible staff member of the school;
achievements read by the parents and the student on the student's page; the teacher's to-do list and the
executive's counts."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

from backend import clock, db
from backend.care import talent
from backend.care.tables import TalentPlan
from backend.screening import services as screening
from backend.students.tables import Student
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture that counts statements

PLAN = {"talent": "academic", "talent_detail": "คณิตศาสตร์", "goals": "เตรียมแข่งขันคณิตศาสตร์โอลิมปิก"}


async def _confirm(people, code: str, group: str = "special", teacher: str = "somchai") -> None:
    viewer = await getattr(people, teacher).viewer()
    await screening.confirm_group(viewer, people.students[code], group, "เก่งคณิตมาก")


async def _plan(people, code: str = "10002", teacher: str = "somchai") -> int:
    await _confirm(people, code, teacher=teacher)
    return await talent.create_plan(await getattr(people, teacher).viewer(), people.students[code], PLAN)


async def test_a_plan_is_written_only_for_a_student_confirmed_special(client, people, settings):
    await _confirm(people, "10002", "normal")
    await people.somchai.sign_in(settings, client)
    new_url = f"/care/talent/students/{people.students['10002']}/new"
    assert "ยืนยันกลุ่มในหน้าคัดกรอง" in text_of((await client.get(new_url)).text)
    refused = await client.submit(new_url, PLAN)
    assert refused.status_code == 409 and "กลุ่มพิเศษ" in text_of(refused.text)
    assert await TalentPlan.count() == 0

    await _confirm(people, "10002")
    missing = await client.submit(new_url, {"talent": "academic", "goals": ""})
    assert missing.status_code == 422
    assert "ระบุวิชา" in text_of(missing.text) and "เขียนเป้าหมายของแผน" in text_of(missing.text)
    saved = await client.submit(new_url, PLAN)
    page = text_of(saved.text)
    assert saved.status_code == 200 and "วิชาการ: คณิตศาสตร์" in page and "โอลิมปิก" in page
    again = await client.submit(new_url, PLAN)
    assert again.status_code == 409 and "ปรับปรุงแผนเดิม" in text_of(again.text)
    assert await TalentPlan.count() == 1


async def test_activities_name_a_staff_member_of_the_school(client, people, settings):
    plan_id = await _plan(people)
    await people.somchai.sign_in(settings, client)
    url = f"/care/talent/{plan_id}/activities"
    other_school = await client.submit(url, {"what": "ติวเข้มทุกเย็น", "schedule": "ทุกวันพุธ",
                                             "responsible": people.dao.user_id})
    assert other_school.status_code == 422 and "เลือกบุคลากรของโรงเรียนนี้" in text_of(other_school.text)
    a_parent = await client.submit(url, {"what": "ติวเข้มทุกเย็น", "schedule": "ทุกวันพุธ",
                                         "responsible": people.somsri.user_id})
    assert a_parent.status_code == 422
    empty = await client.submit(url, {"what": "", "schedule": ""})
    assert empty.status_code == 422 and "ระบุว่าทำเมื่อไร" in text_of(empty.text)
    saved = await client.submit(url, {"what": "ติวเข้มทุกเย็น", "schedule": "ทุกวันพุธ",
                                      "responsible": people.wipa.user_id})
    assert saved.status_code == 200 and "ติวเข้มทุกเย็น" in text_of(saved.text)

    # Wipa, responsible for it (and Bua's mathematics teacher), reads the plan but writes nothing in it.
    await people.wipa.sign_in(settings, client)
    page = (await client.get(f"/care/talent/{plan_id}")).text
    assert "โอลิมปิก" in text_of(page) and f"/care/talent/{plan_id}/revise" not in page
    assert (await client.submit(f"/care/talent/{plan_id}/revise", PLAN)).status_code == 404


async def test_revising_keeps_the_history_and_a_closed_plan_takes_nothing_new(client, people, settings):
    plan_id = await _plan(people)
    await people.ratana.sign_in(settings, client)  # the counsellor writes plans too
    revised = await client.submit(f"/care/talent/{plan_id}/revise", {"talent": "technology", "talent_detail": "",
                                                                     "goals": "เขียนโปรแกรมหุ่นยนต์"})
    page = text_of(revised.text)
    assert "เทคโนโลยี" in page and "หุ่นยนต์" in page
    assert "ฉบับก่อนหน้า" in page and "โอลิมปิก" in page.rsplit("ฉบับก่อนหน้า", 1)[1]
    await client.submit(f"/care/talent/{plan_id}/close", {"note": "จบปีการศึกษา"})
    late = await client.submit(f"/care/talent/{plan_id}/achievements", {
        "achieved_on": clock.today().isoformat(), "title": "เหรียญทอง", "level": "province"})
    assert late.status_code == 409 and "ปิดไปแล้ว" in text_of(late.text)
    assert (await client.submit(f"/care/talent/{plan_id}/close", {})).status_code == 409


async def test_the_parent_reads_the_achievements_on_the_child_s_page(client, people, settings, make_client):
    plan_id = await _plan(people, "10001")  # Anan, Somsri's son
    await people.somchai.sign_in(settings, client)
    url = f"/care/talent/{plan_id}/achievements"
    future = await client.submit(url, {"achieved_on": (clock.today() + timedelta(days=2)).isoformat(),
                                       "title": "เหรียญทอง", "level": "province"})
    assert future.status_code == 422 and "วันนี้หรือก่อนหน้า" in text_of(future.text)
    no_level = await client.submit(url, {"achieved_on": clock.today().isoformat(), "title": "เหรียญทอง"})
    assert no_level.status_code == 422 and "เลือกระดับ" in text_of(no_level.text)
    await client.submit(url, {"achieved_on": clock.today().isoformat(), "title": "เหรียญทองคณิตศาสตร์",
                              "level": "province", "note": "สพม.กรุงเทพฯ"})

    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    record = text_of((await parent.get(f"/records/{people.students['10001']}")).text)
    assert "ความสามารถพิเศษและผลงาน" in record and "เหรียญทองคณิตศาสตร์" in record and "ระดับจังหวัด" in record
    plan_page = await parent.get(f"/care/talent/{plan_id}")
    assert plan_page.status_code == 200 and "โอลิมปิก" in text_of(plan_page.text)
    assert "บันทึกผลงาน" not in text_of(plan_page.text)  # reads, writes nothing
    assert (await parent.submit(url, {"title": "x"})).status_code == 403

    # Bua's plan is not hers; the nurse and a teacher of another school read neither.
    bua_plan = await _plan(people, "10002")
    assert (await parent.get(f"/care/talent/{bua_plan}")).status_code == 404
    for outsider in (people.nipa, people.dao, people.malee):
        other = make_client()
        await outsider.sign_in(settings, other)
        refused = await other.get(f"/care/talent/{plan_id}")
        assert refused.status_code == 404 and "เหรียญทอง" not in text_of(refused.text)
        assert "เหรียญทอง" not in text_of((await other.get(f"/records/{people.students['10001']}")).text)


async def test_the_student_reads_their_own_plan(client, people, settings):
    plan_id = await _plan(people, "10003", teacher="malee")  # Chai, ม.1/2, who has an account
    await people.chai.sign_in(settings, client)
    page = await client.get(f"/care/talent/{plan_id}")
    assert page.status_code == 200 and "โอลิมปิก" in text_of(page.text)
    assert "ความสามารถพิเศษและผลงาน" in text_of((await client.get(f"/records/{people.students['10003']}")).text)


async def test_the_to_do_list_counts_special_students_without_a_plan(client, people, settings, make_client):
    await _confirm(people, "10001")
    await _confirm(people, "10002")
    await people.somchai.sign_in(settings, client)
    assert "นักเรียนกลุ่มพิเศษที่ยังไม่มีแผนพัฒนา 2 คน" in text_of((await client.get("/")).text)
    listing = text_of((await client.get("/care/talent")).text)
    assert "อนันต์" in listing and "บัว" in listing
    await talent.create_plan(await people.somchai.viewer(), people.students["10002"], PLAN)
    home = await client.get("/")
    assert "นักเรียนกลุ่มพิเศษที่ยังไม่มีแผนพัฒนา 1 คน" in text_of(home.text) and 'href="/care/talent"' in home.text

    # Another homeroom's teacher is not asked; a subject teacher of ม.1/1 sees the plan, not who is special
    # without one (a screening finding).
    malee = make_client()
    await people.malee.sign_in(settings, malee)
    assert "กลุ่มพิเศษที่ยังไม่มีแผน" not in text_of((await malee.get("/")).text)
    wipa = make_client()
    await people.wipa.sign_in(settings, wipa)
    listing = text_of((await wipa.get("/care/talent")).text)
    assert "บัว" in listing and "อนันต์" not in listing


async def test_the_executive_sees_special_students_and_plans_per_class(client, people, settings):
    await _confirm(people, "10001")
    await _plan(people, "10002")
    await _confirm(people, "10003", "risk", teacher="malee")
    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get("/care/school")).text)
    special = page.split("นักเรียนกลุ่มพิเศษ (มีความสามารถพิเศษ)")[1]
    assert "กลุ่มพิเศษภาคเรียนนี้ 2 คน มีแผนพัฒนาในปีการศึกษานี้ 1 คน" in special
    assert re.search(r"ม\.1/1 2 1", special) and "ม.1/2" not in special.split("การส่งต่อ")[0]
    assert "อนันต์" not in page and "บัว" not in page


async def test_the_list_asks_as_many_queries_with_more_special_students(client, people, settings,
                                                                         queries):  # noqa: F811 - the fixture
    await _plan(people, "10002")
    await _confirm(people, "10001")
    await people.ratana.sign_in(settings, client)
    await client.get("/care/talent")
    queries.clear()
    await client.get("/care/talent")
    before = len(queries)

    room = people.classrooms["BKK ม.1/2"]
    async with db.transaction():
        rows = await Student.insert(*[Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ญ.",
                                              first_name=f"เก่ง{n}", last_name="ทดสอบ", classroom=room,
                                              updated_at=clock.now()) for n in range(20)]).returning(Student.id)
    malee = await people.malee.viewer()
    for row in rows[:3]:
        await screening.confirm_group(malee, row["id"], "special", "ชนะการแข่งขัน")
    await talent.create_plan(malee, rows[0]["id"], PLAN)

    queries.clear()
    response = await client.get("/care/talent")
    assert len(queries) == before, queries
    page = text_of(response.text)
    assert "เก่ง0" in page and "เก่ง1" in page and "เก่ง2" in page
    assert len(gzip.compress(response.content)) <= 14 * 1024
