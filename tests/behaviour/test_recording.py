"""Recording incidents and good deeds: several students at once, the ledger's arithmetic and its floor at 0,
voiding, replays from a phone, and what each person reads."""

from __future__ import annotations

import re
import uuid

from backend.behaviour import services
from backend.behaviour.tables import BehaviourSettings, Incident, PointsEntry
from backend import clock
from tests.conftest import text_of


async def _category(people, code: str) -> dict:
    return next(c for c in await services.categories(people.bangkok) if c["code"] == code)


async def _record(client, people, settings, who, students, code="fighting", sanction="deduct", **extra):
    await who.sign_in(settings, client)
    category = await _category(people, code)
    return await client.submit("/behaviour/incidents", {
        "client_id": extra.pop("client_id", uuid.uuid4().hex), "kind": extra.pop("kind", "incident"),
        "students": [people.students[s] for s in students], "category": category["id"], "sanction": sanction,
        "description": "ต่อยกันที่โรงอาหาร", "place": "โรงอาหาร", **extra})


async def _balance(client, people, student_code: str) -> int:
    page = text_of((await client.get(f"/behaviour/students/{people.students[student_code]}")).text)
    return int(re.search(r"คะแนนความประพฤติ: (\d+)", page).group(1))


async def test_a_subject_teacher_records_a_fight_between_two_homerooms_and_both_teachers_see_it(
        client, people, settings, make_client):
    response = await _record(client, people, settings, people.wipa, ["10001", "10003"])
    assert response.status_code == 200
    assert "บันทึกแล้ว" in text_of(response.text)
    incident_url = str(response.url.path)
    for teacher, student in ((people.somchai, "10001"), (people.malee, "10003")):
        browser = make_client()
        await teacher.sign_in(settings, browser)
        page = text_of((await browser.get(incident_url)).text)
        assert "ทะเลาะวิวาท" in page and "ต่อยกันที่โรงอาหาร" in page
        assert await _balance(browser, people, student) == 80
    # The other classroom's student is not named to a homeroom teacher who does not look after them.
    browser = make_client()
    await people.somchai.sign_in(settings, browser)
    page = text_of((await browser.get(incident_url)).text)
    assert "อนันต์" in page and "ชัย ใจดี" not in page and "นักเรียนอีก 1 คน" in page


async def test_deductions_stop_at_zero_and_a_void_gives_back_exactly_what_was_taken(client, people, settings):
    await BehaviourSettings.insert(BehaviourSettings(school=people.bangkok, start_points=25, updated_at=clock.now()))
    await _record(client, people, settings, people.prasit, ["10001"], points="20")
    response = await _record(client, people, settings, people.prasit, ["10001"], points="20")
    assert "หยุดที่ 0" in text_of(response.text)
    assert await _balance(client, people, "10001") == 0
    lines = await PointsEntry.select(PointsEntry.requested, PointsEntry.applied, PointsEntry.balance_after).order_by(
        PointsEntry.id)
    assert lines == [{"requested": -20, "applied": -20, "balance_after": 5},
                     {"requested": -20, "applied": -5, "balance_after": 0}]
    second = str(response.url.path)
    response = await client.submit(f"{second}/void", {"reason": "บันทึกซ้ำ"})
    assert "ยกเลิก" in text_of(response.text)
    assert await _balance(client, people, "10001") == 5  # 5 came back, not the 20 asked
    again = await client.submit(f"{second}/void", {"reason": "อีกครั้ง"})
    assert again.status_code == 409
    assert await _balance(client, people, "10001") == 5


async def test_a_good_deed_adds_points_and_a_warning_takes_none(client, people, settings):
    await _record(client, people, settings, people.somchai, ["10002"], code="honesty", kind="good_deed",
                  sanction="")
    await _record(client, people, settings, people.somchai, ["10002"], code="uniform", sanction="warning")
    assert await _balance(client, people, "10002") == 110


async def test_a_replayed_record_is_saved_once(client, people, settings):
    client_id = uuid.uuid4().hex
    for _ in range(2):
        await _record(client, people, settings, people.wipa, ["10001"], client_id=client_id)
    assert await Incident.count() == 1
    # A subject teacher reads what they recorded, not the student's year: the homeroom teacher does.
    assert (await client.get(f"/behaviour/students/{people.students['10001']}")).status_code == 404
    await people.somchai.sign_in(settings, client)
    assert await _balance(client, people, "10001") == 80


async def test_bad_records_are_refused_with_what_to_fix_and_nothing_written(client, people, settings):
    response = await _record(client, people, settings, people.wipa, ["10001"], happened_at="2999-01-01T10:00")
    assert response.status_code == 422 and "อนาคต" in text_of(response.text)
    response = await _record(client, people, settings, people.wipa, [])
    assert response.status_code == 422 and "เลือกนักเรียน" in text_of(response.text)
    other_school = await _category(people, "fighting")
    await people.wipa.sign_in(settings, client)
    response = await client.submit("/behaviour/incidents", {
        "client_id": uuid.uuid4().hex, "students": [people.students["20001"]], "category": other_school["id"],
        "sanction": "deduct"})
    assert response.status_code == 422
    assert await Incident.count() == 0


async def test_families_read_the_schools_words_for_their_own_child_only(client, people, settings, make_client):
    response = await _record(client, people, settings, people.prasit, ["10001", "10002"])
    url = str(response.url.path)
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    page = text_of((await parent.get(url)).text)
    assert "ทะเลาะวิวาท" in page and "อนันต์" in page
    assert "บัว" not in page and "โรงอาหาร" not in page and "ต่อยกัน" not in page
    assert (await parent.get(f"/behaviour/students/{people.students['10002']}")).status_code == 404
    other = make_client()
    await people.noi.sign_in(settings, other)
    assert (await other.get(url)).status_code == 404


async def test_typing_a_class_lists_it_whole_to_tick_students_from(client, people, settings):
    """A teacher on duty picks from a class list: typing "ม.1/2" lists that class, whoever teaches it."""
    await people.wipa.sign_in(settings, client)
    listed = text_of((await client.get("/behaviour/pick", params={"q": "ม 1/2"},
                                       headers={"hx-request": "true"})).text)
    assert "ชัย ใจดี" in listed and "อนันต์" not in listed
    listed = text_of((await client.get("/behaviour/pick", params={"q": "ม.1/1"},
                                       headers={"hx-request": "true"})).text)
    assert "อนันต์" in listed and "บัว" in listed and "ชัย" not in listed


async def test_an_incident_before_the_student_arrived_is_refused(client, people, settings):
    from datetime import timedelta

    from backend.students.tables import StudentEnrolment

    # Bua arrived (moved in) this morning: nothing of hers can have happened at school yesterday.
    await StudentEnrolment.update({StudentEnrolment.starts_on: clock.today()}).where(
        StudentEnrolment.student == people.students["10002"])
    yesterday = (clock.now().astimezone(clock.SCHOOL_TIME) - timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    response = await _record(client, people, settings, people.somchai, ["10002"], happened_at=yesterday)
    assert response.status_code == 422 and "ยังไม่ย้ายเข้า" in text_of(response.text)
    response = await _record(client, people, settings, people.somchai, ["10002"])
    assert response.status_code == 200


async def test_the_counsellor_reads_the_behaviour_of_students_the_care_team_follows_only(
        client, people, settings, make_client):
    from backend.care import services as care

    anan_url = str((await _record(client, people, settings, people.prasit, ["10001"])).url.path)
    bua_url = str((await _record(client, people, settings, people.prasit, ["10002"])).url.path)
    await care.open_case(await people.somchai.viewer(), people.students["10002"], {"concern": "ซึม ไม่พูดกับใคร"})
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    assert (await counsellor.get(bua_url)).status_code == 200  # Bua has an open case
    assert (await counsellor.get(f"/behaviour/students/{people.students['10002']}")).status_code == 200
    assert (await counsellor.get(anan_url)).status_code == 404  # Anan is not followed
