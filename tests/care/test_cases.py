"""Care after screening: a student confirmed "with problems" is asked about until a case opens or the teacher says
why not; the plan's help, follow-ups, notes by sensitivity (reads of the case team's audited), closing."""

from __future__ import annotations

import re
from datetime import timedelta

from backend import clock
from backend.accounts.tables import RecordRead
from backend.care.tables import CareCase
from backend.screening import services as screening
from tests.conftest import text_of


async def _confirm(people, code: str, group: str = "problem") -> None:
    await screening.confirm_group(await people.somchai.viewer(), people.students[code], group, "ครูเห็นเอง")


async def _open_case(client, people, settings, code="10002") -> str:
    await people.somchai.sign_in(settings, client)
    response = await client.submit(f"/care/students/{people.students[code]}/new",
                                   {"concern": "ขาดเรียนบ่อย เก็บตัว", "urgency": "routine", "source": "screening"})
    assert response.status_code == 200, text_of(response.text)
    return str(response.url.path)


async def test_a_student_with_problems_is_asked_about_until_a_case_opens(client, people, settings):
    await _confirm(people, "10002")
    await _confirm(people, "10001", "normal")
    await people.somchai.sign_in(settings, client)
    page = text_of((await client.get("/care")).text)
    assert "ควรเปิดเคส" in page and "บัว" in page and "อนันต์" not in page
    await _open_case(client, people, settings)
    assert "บัว" not in text_of((await client.get("/care")).text).split("เคสที่เปิดอยู่")[0]
    again = await client.submit(f"/care/students/{people.students['10002']}/new", {"concern": "อีกครั้ง"})
    assert again.status_code == 409 and await CareCase.count() == 1


async def test_a_reason_for_no_case_stops_the_asking_for_the_term(client, people, settings):
    await _confirm(people, "10002", "risk")
    await people.somchai.sign_in(settings, client)
    refused = await client.submit(f"/care/students/{people.students['10002']}/decline", {"reason": ""})
    assert refused.status_code == 422
    await client.submit(f"/care/students/{people.students['10002']}/decline", {"reason": "ผู้ปกครองดูแลใกล้ชิดแล้ว"})
    assert "บัว" not in text_of((await client.get("/care")).text)


async def test_the_plan_follow_ups_and_notes_each_read_by_whom_they_should(client, people, settings, make_client):
    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    today = clock.today()
    wrong = await client.submit(f"{case_url}/activities", {
        "kind": "buddy", "buddy": people.students["10003"], "follow_up_on": today.isoformat()})
    assert wrong.status_code == 422 and "เพื่อนร่วมห้อง" in text_of(wrong.text)  # Chai is in ม.1/2
    early = await client.submit(f"{case_url}/activities", {
        "kind": "counselling", "follow_up_on": (today - timedelta(days=3)).isoformat()})
    assert early.status_code == 422
    await client.submit(f"{case_url}/activities", {"kind": "buddy", "buddy": people.students["10001"],
                                                   "follow_up_on": (today + timedelta(days=7)).isoformat()})
    ratana = (await people.ratana.viewer()).user_id
    await client.submit(f"{case_url}/activities", {"kind": "counselling", "responsible": ratana,
                                                   "follow_up_on": today.isoformat()})
    await client.submit(f"{case_url}/notes", {"body": "พ่อแม่แยกทางกัน", "sensitivity": "case_team"})
    await client.submit(f"{case_url}/notes", {"body": "ให้นั่งหน้าห้อง", "sensitivity": "teachers"})
    page = text_of((await client.get(case_url)).text)
    assert "เพื่อนช่วยเพื่อน" in page and "อนันต์" in page and "พ่อแม่แยกทางกัน" in page

    # The counsellor is told of the help due today, and writes its follow-up.
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    assert "ให้การปรึกษาเบื้องต้น" in text_of((await counsellor.get("/care")).text)
    activity = re.search(r'<option value="(\d+)">ให้การปรึกษาเบื้องต้น', (await counsellor.get(case_url)).text)
    await counsellor.submit(f"{case_url}/follow-ups", {"activity": activity.group(1), "done": "คุยครั้งแรก",
                                                        "progress": "same",
                                                        "next_on": (today + timedelta(days=7)).isoformat()})
    assert "คุยครั้งแรก" in text_of((await client.get(case_url)).text)

    # A subject teacher of the class reads neither the case nor its notes; the case team's notes are audited.
    teacher = make_client()
    await people.wipa.sign_in(settings, teacher)
    assert (await teacher.get(case_url)).status_code == 404
    reads = await RecordRead.select(RecordRead.reader).where(RecordRead.section == "care_notes")
    readers = {r["reader"] for r in reads}
    assert readers == {(await people.somchai.viewer()).user_id, ratana}


async def test_closing_with_an_outcome_and_reopening(client, people, settings):
    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    assert (await client.submit(f"{case_url}/close", {})).status_code == 422
    await client.submit(f"{case_url}/close", {"outcome": "improved", "note": "มาเรียนสม่ำเสมอ"})
    assert "ดีขึ้น" in text_of((await client.get(case_url)).text)
    assert (await client.submit(f"{case_url}/close", {"outcome": "improved"})).status_code == 409
    await client.submit(f"{case_url}/reopen", {})
    assert await CareCase.count().where(CareCase.status == "open") == 1


async def test_a_buddhist_era_year_is_read_as_such_and_a_far_year_is_refused(client, people, settings):
    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    be = clock.today() + timedelta(days=7)
    await client.submit(f"{case_url}/activities", {"kind": "parents", "follow_up_on": f"{be.year + 543}-{be:%m-%d}"})
    assert f"ติดตาม {be.day} " in text_of((await client.get(case_url)).text)  # the same day, this year
    far = await client.submit(f"{case_url}/activities", {"kind": "parents", "follow_up_on": "3112-11-30"})
    assert far.status_code == 422 and "ตรวจปี" in text_of(far.text)


async def test_the_homeroom_teacher_reviews_the_group_as_the_case_closes(client, people, settings, make_client):
    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    assert "กลุ่มคัดกรองจากนี้ไป" not in text_of((await counsellor.get(case_url)).text)  # the homeroom teacher's call
    refused = await counsellor.submit(f"{case_url}/close", {"outcome": "improved", "group": "normal"})
    assert refused.status_code == 403 and await CareCase.count().where(CareCase.status == "open") == 1
    page = text_of((await client.get(case_url)).text)
    assert "คงกลุ่มเดิม: มีปัญหา" in page
    await client.submit(f"{case_url}/close", {"outcome": "improved", "group": "normal"})
    year_id, term = await screening.current_term(await people.somchai.viewer())
    decided = await screening.decisions([people.students["10002"]], year_id, term)
    assert decided[people.students["10002"]]["group"] == "normal"
    assert "ปิดเคส (ดีขึ้น)" in decided[people.students["10002"]]["note"]
    assert "บัว" not in text_of((await client.get("/care")).text)  # no longer asked about, no open case


async def test_the_homeroom_teachers_home_page_lists_what_waits_on_them(client, people, settings):
    await _confirm(people, "10002")
    await _confirm(people, "10001")
    case_url = await _open_case(client, people, settings)  # Bua's; Anan still needs one
    await client.submit(f"{case_url}/activities", {"kind": "parents", "follow_up_on": clock.today().isoformat()})
    home = text_of((await client.get("/")).text)
    todo = home[home.index("งานที่ต้องทำ"):]
    assert "ถึงกำหนดติดตาม 1 รายการ" in todo and "นักเรียน 1 คนควรเปิดเคส" in todo
    assert "ห้อง ม.1/1 ยังไม่ได้ประชุมผู้ปกครองในภาคเรียนนี้" in todo


async def test_the_weekly_digest_counts_the_class_s_care_without_naming_anyone(client, people, settings):
    from backend.behaviour import digest
    from backend.behaviour.tables import WeeklyDigest
    from backend.schools.calendar import Week

    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    await client.submit(f"{case_url}/activities", {"kind": "parents", "follow_up_on": clock.today().isoformat()})
    await client.submit(f"{case_url}/referrals", {"to_role": "counsellor", "reason": "ร้องไห้บ่อย"})
    week = Week.of(clock.today() + timedelta(days=7))  # next week: today's follow-up is overdue by its Friday
    with clock.set_to(week.ends):
        await digest.compile_school(settings, people.bangkok, week)
    built = await WeeklyDigest.select(WeeklyDigest.sections).where(
        WeeklyDigest.classroom == people.classrooms["BKK ม.1/1"]).output(load_json=True).first()
    assert built["sections"]["care"] == {"open": 1, "overdue": 1, "waiting": 1, "reported": 0}


async def test_a_long_list_on_care_shows_its_first_students_and_how_many_more(client, people, settings, monkeypatch):
    """A big school's counsellor would get hundreds of names on one page: the first ones, in class order, and
    a line saying how many more (the limit is made 1 here for two students, rather than seeding 41)."""
    from backend.care import services

    monkeypatch.setattr(services, "FRONT_LIST_LIMIT", 1)
    await _confirm(people, "10001")
    await _confirm(people, "10002", "risk")
    await people.ratana.sign_in(settings, client)
    page = text_of((await client.get("/care")).text)
    assert "อนันต์" in page and "บัว" not in page and "และอีก 1 รายการ" in page


async def test_the_timeline_shows_the_case_to_the_case_team_only(client, people, settings, make_client):
    await _confirm(people, "10002")
    case_url = await _open_case(client, people, settings)
    await client.submit(f"{case_url}/referrals", {"to_role": "counsellor", "reason": "ร้องไห้บ่อย"})
    record = f"/records/{people.students['10002']}"
    timeline = text_of((await client.get(record)).text)
    assert "เปิดเคสดูแลช่วยเหลือ" in timeline and "ส่งต่อ" in timeline
    teacher = make_client()
    await people.wipa.sign_in(settings, teacher)  # she teaches the class and reads its record, not its cases
    page = await teacher.get(record)
    assert page.status_code == 200 and "เปิดเคสดูแลช่วยเหลือ" not in text_of(page.text)


async def test_a_note_written_for_the_parents_too_reaches_them_on_their_childs_page(
        client, people, settings, make_client):
    await _confirm(people, "10001")
    case_url = await _open_case(client, people, settings, code="10001")
    await client.submit(f"{case_url}/notes", {"body": "เชิญคุณแม่มาคุยวันศุกร์ เรื่องการบ้าน", "sensitivity": "parents"})
    await client.submit(f"{case_url}/notes", {"body": "สงสัยมีปัญหาในครอบครัว", "sensitivity": "case_team"})
    mother = make_client()
    await people.somsri.sign_in(settings, mother)
    page = text_of((await mother.get(f"/records/{people.students['10001']}")).text)
    assert "จากทีมดูแลช่วยเหลือนักเรียน" in page and "เชิญคุณแม่มาคุยวันศุกร์" in page
    assert "สงสัยมีปัญหาในครอบครัว" not in page
    assert "เชิญคุณแม่" not in text_of((await mother.get(f"/records/{people.students['10003']}")).text)  # Chai's


async def test_a_concern_too_long_is_refused_in_thai_and_what_was_typed_is_kept(client, people, settings):
    await _confirm(people, "10002")
    await people.somchai.sign_in(settings, client)
    typed = "ขาดเรียนบ่อย " * 400  # about 5,200 characters
    response = await client.submit(f"/care/students/{people.students['10002']}/new",
                                   {"concern": typed, "urgency": "routine", "source": "screening"})
    assert response.status_code == 422
    assert "ยาวได้ไม่เกิน 4,000 ตัวอักษร" in text_of(response.text)
    assert typed.strip() in response.text  # nothing lost: the teacher shortens it there
    assert await CareCase.count() == 0


async def test_a_new_helps_follow_up_is_proposed_a_week_on_and_on_a_school_day(client, people, settings):
    """Opened on Sunday 29 Nov 2569: a week on is Sunday 6 Dec, so the form proposes Monday 7 Dec."""
    from datetime import datetime

    await _confirm(people, "10002")
    with clock.set_to(datetime(2026, 11, 29, 10, tzinfo=clock.SCHOOL_TIME)):
        case_url = await _open_case(client, people, settings)
        page = (await client.get(case_url)).text
    proposed = re.search(r'name="follow_up_on" type="date" value="([^"]*)"', page).group(1)
    assert proposed == "2026-12-07"
    # A phone shows the field as mm/dd/yyyy: under it, the day in Thai with the Buddhist-era year.
    assert 'data-day-of="follow_up_on" aria-live="polite">วันจันทร์ที่ 7 ธันวาคม 2569</small>' in page
