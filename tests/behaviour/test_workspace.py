"""The behaviour pages that read the school's records: the discipline officer's workspace, a homeroom teacher's and
a grade head's week, the flagpole's good deeds, and the executive's year against last (months in school time)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest

from backend import clock, schoolyear
from backend.behaviour import reports, services
from backend.behaviour.tables import BehaviourSettings, Incident, IncidentStudent
from backend.schools import services as schools
from tests.conftest import text_of


@pytest.fixture
def moment():
    """A Wednesday in December of the running school year, 10:00 in Bangkok: the week began on Monday the 7th."""
    start = schoolyear.school_year_of(clock.today()) - schoolyear.BE_OFFSET
    day = datetime(start, 12, 9, 3, 0, tzinfo=timezone.utc)
    while day.weekday() != 2:
        day = day.replace(day=day.day - 1)
    with clock.set_to(day):
        yield day


async def _record(people, who, students, code, sanction="deduct", when="", kind="incident", **extra) -> int:
    category = next(c for c in await services.categories(people.bangkok) if c["code"] == code)
    saved = await services.record(await getattr(people, who).viewer(), {
        "client_id": uuid.uuid4().hex, "kind": kind, "students": [people.students[s] for s in students],
        "category": category["id"], "sanction": sanction, "happened_at": when, **extra})
    return saved.incident_id


def _local(moment: datetime, days: int, hour: int = 9) -> str:
    """A day `days` before the moment's, at that hour in Bangkok, as the form sends it."""
    day = moment.astimezone(clock.SCHOOL_TIME).date().toordinal() - days
    return f"{datetime.fromordinal(day):%Y-%m-%d}T{hour:02d}:00"


async def _page(client, settings, person, url: str) -> str:
    await person.sign_in(settings, client)
    response = await client.get(url)
    assert response.status_code == 200
    return text_of(response.text)


async def test_the_discipline_officer_sees_the_week_the_students_below_the_threshold_and_probations_waiting(
        client, people, settings, moment):
    await BehaviourSettings.insert(BehaviourSettings(school=people.bangkok, threshold=90, updated_at=clock.now()))
    await _record(people, "wipa", ["10001", "10003"], "fighting")  # today: 20 points each
    await _record(people, "somchai", ["10002"], "uniform", sanction="probation", when=_local(moment, 2))  # Monday
    await _record(people, "somchai", ["10002"], "honesty", kind="good_deed", sanction="", when=_local(moment, 1))
    await _record(people, "prasit", ["10003"], "phone", sanction="warning", when=_local(moment, 7))  # last week
    void = await _record(people, "prasit", ["10002"], "smoking")
    await services.void(await people.prasit.viewer(), void, "ผิดคน")

    page = await _page(client, settings, people.prasit, "/behaviour")
    figures = dict(re.findall(r"(พฤติกรรมวันนี้|พฤติกรรมสัปดาห์นี้|ความดีสัปดาห์นี้) (\d+)", page))
    assert figures == {"พฤติกรรมวันนี้": "1", "พฤติกรรมสัปดาห์นี้": "2", "ความดีสัปดาห์นี้": "1"}
    today = page[page.index("วันนี้ ทะเลาะ"):page.index("ก่อนหน้านี้ในสัปดาห์")]
    assert "อนันต์ ใจดี" in today and "ชัย ใจดี" in today
    assert "สูบบุหรี่" not in page[:page.index("ที่คุณบันทึก")]  # the void is gone (but for its recorder)
    earlier = page[page.index("ก่อนหน้านี้ในสัปดาห์"):page.index("ทัณฑ์บนที่รอผู้ปกครองรับทราบ")]
    assert "แต่งกาย" in earlier and "ใช้โทรศัพท์" not in earlier
    waiting = page[page.index("ทัณฑ์บนที่รอผู้ปกครองรับทราบ"):page.index("นักเรียนที่คะแนนต่ำกว่า 90")]
    assert "บัว" in waiting
    below = page[page.index("นักเรียนที่คะแนนต่ำกว่า 90"):page.index("รูปแบบที่เกิดซ้ำ")]
    assert "อนันต์ ใจดี ม.1/1 · 80" in below and "ชัย ใจดี ม.1/2 · 80" in below and "บัว" not in below
    assert "บันทึกพฤติกรรม" in page and "ที่คุณบันทึก" in page

    # The guardian signs the probation letter: it no longer waits.
    await IncidentStudent.update({IncidentStudent.acknowledged_at: clock.now()}).where(
        IncidentStudent.student == people.students["10002"])
    assert await reports.probations_awaiting(await people.prasit.viewer()) == []


async def test_repeat_patterns_name_students_with_three_incidents_in_thirty_days_and_categories_rising(
        client, people, settings, moment):
    for days in (0, 3, 20):
        await _record(people, "somchai", ["10001"], "late", when=_local(moment, days, 7))
    await _record(people, "somchai", ["10002"], "late", when=_local(moment, 40, 7))  # too long ago
    await _record(people, "somchai", ["10002"], "late", when=_local(moment, 1, 7))
    page = await _page(client, settings, people.prasit, "/behaviour")
    patterns = page[page.index("รูปแบบที่เกิดซ้ำ"):]
    assert "อนันต์ ใจดี ม.1/1 · พฤติกรรมที่ไม่เหมาะสม 3 ครั้ง" in patterns and "บัว" not in patterns.split("หมวดที่เพิ่มขึ้น")[0]
    assert re.search(r"มาสาย 4 1", patterns)  # 4 lates in the last 30 days against 1 in the 30 before


async def test_homeroom_teachers_and_the_grade_head_see_their_classrooms_week(client, people, settings, moment,
                                                                              make_client):
    await BehaviourSettings.insert(BehaviourSettings(school=people.bangkok, threshold=90, updated_at=clock.now()))
    await _record(people, "wipa", ["10001", "10003"], "fighting")
    await _record(people, "wipa", ["10002"], "helping", kind="good_deed", sanction="")
    await _record(people, "wipa", ["10003"], "damage", sanction="probation")

    somchai = await _page(client, settings, people.somchai, "/behaviour")
    week = somchai[somchai.index("ชั้นเรียนของคุณสัปดาห์นี้"):somchai.index("ที่คุณบันทึก")]
    assert "ช่วยเหลือผู้อื่น · บัว" in week and "อนันต์ ใจดี" in week
    assert "ชัย ใจดี" not in week and "ทำลายทรัพย์สิน" not in week  # Malee's student, Malee's business
    assert "อนันต์ ใจดี ม.1/1 · 80" in week

    sunee = await _page(make_client(), settings, people.sunee, "/behaviour")  # head of ม.1: both rooms
    assert "ชัย ใจดี" in sunee and "ทำลายทรัพย์สิน" in sunee and "บัว" in sunee
    waiting = sunee[sunee.index("ทัณฑ์บนที่รอผู้ปกครองรับทราบ"):]
    assert "ชัย ใจดี" in waiting

    wipa = await _page(make_client(), settings, people.wipa, "/behaviour")  # no homeroom: what she recorded
    assert "ชั้นเรียนของคุณ" not in wipa and "ทัณฑ์บน" not in wipa and "ทำลายทรัพย์สิน" in wipa


async def test_the_flagpole_list_has_the_weeks_good_deeds_by_class(client, people, settings, moment):
    await _record(people, "somchai", ["10002"], "honesty", kind="good_deed", sanction="", when=_local(moment, 1),
                  description="เก็บกระเป๋าเงินได้ส่งคืนเจ้าของ")
    await _record(people, "malee", ["10003"], "volunteer", kind="good_deed", sanction="", when=_local(moment, 2))
    await _record(people, "malee", ["10003"], "award", kind="good_deed", sanction="", when=_local(moment, 8))
    wrong = await _record(people, "somchai", ["10001"], "helping", kind="good_deed", sanction="")
    await services.void(await people.somchai.viewer(), wrong, "บันทึกผิดคน")
    await _record(people, "somchai", ["10001"], "late")

    page = await _page(client, settings, people.prasit, "/behaviour/good-deeds")
    rows = page[page.index("นักเรียน ชั้น ความดี"):]
    assert re.search(r"เด็กหญิงบัว รักเรียน ม\.1/1 ซื่อสัตย์.*: เก็บกระเป๋าเงินได้ส่งคืนเจ้าของ .*"
                     r"เด็กชายชัย ใจดี ม\.1/2 จิตอาสา", rows)
    assert "อนันต์" not in rows and "ได้รับรางวัล" not in rows and "ความดี 2 ครั้ง" in rows
    last_week = await client.get(f"/behaviour/good-deeds?week={_local(moment, 8)[:10]}")
    assert "ได้รับรางวัล" in text_of(last_week.text) and "บัว" not in text_of(last_week.text)


async def test_the_executive_compares_months_in_school_time_with_last_year(client, people, settings, moment):
    year_be = schoolyear.school_year_of(clock.today())
    start = year_be - schoolyear.BE_OFFSET
    # 01:00 on 1 November in Bangkok is still 31 October in UTC: it is November's.
    await _record(people, "prasit", ["10001"], "fighting", when=f"{start}-11-01T01:00")
    await _record(people, "prasit", ["10002"], "late", when=f"{start}-10-31T23:30")
    await _record(people, "prasit", ["10002"], "late", when=_local(moment, 0, 8))
    await _record(people, "prasit", ["10003"], "volunteer", kind="good_deed", sanction="", when=_local(moment, 0, 8))
    wrong = await _record(people, "prasit", ["10003"], "theft", when=_local(moment, 0, 8))
    await services.void(await people.prasit.viewer(), wrong, "ไม่ใช่เขา")
    last_year = await schools.ensure_school_year(people.bangkok, year_be - 1)
    late = next(c for c in await services.categories(people.bangkok) if c["code"] == "late")
    fighting = next(c for c in await services.categories(people.bangkok) if c["code"] == "fighting")
    await Incident.insert(*[Incident(
        school=people.bangkok, school_year=last_year, client_id=uuid.uuid4().hex, kind="incident", category=cat["id"],
        happened_at=when, sanction="warning", recorded_at=when) for cat, when in (
        (fighting, datetime(start - 1, 10, 31, 18, 30, tzinfo=timezone.utc)),  # 1 Nov, 01:30 in Bangkok
        (late, datetime(start - 1, 11, 20, 2, 0, tzinfo=timezone.utc)),
        (late, datetime(start, 2, 1, 2, 0, tzinfo=timezone.utc)),  # February: after December, not "so far"
    )])

    found = await reports.school_year(await people.wichai.viewer())
    months = {m["month"]: m for m in found["months"]}
    assert months[f"{start}-11"]["incidents"] == 1 and months[f"{start}-10"]["incidents"] == 1
    assert months[f"{start}-12"]["incidents"] == 1 and months[f"{start}-12"]["good"] == 1
    assert months[f"{start}-11"]["last"] == 2 and months[f"{start + 1}-02"]["last"] == 1
    assert months[f"{start + 1}-01"]["future"] and not months[f"{start}-12"]["future"]
    assert (found["totals"]["incidents"], found["last_so_far"], found["totals"]["last"]) == (3, 2, 3)
    categories = {c["name"]: c for c in found["by_category"]}
    assert categories["มาสาย"] == {"name": "มาสาย", "serious": False, "this": 2, "last_so_far": 1, "last": 2}
    assert categories["ทะเลาะวิวาท"]["this"] == 1 and "ลักทรัพย์" not in categories  # the void is not counted

    page = await _page(client, settings, people.wichai, "/behaviour/school")
    assert "<svg" in (await client.get("/behaviour/school")).text
    assert re.search(r"พฤติกรรมที่บันทึกแล้ว 3 เดือนเดียวกันปีที่แล้ว 2 ความดีที่บันทึกแล้ว 1", page)
    assert re.search(r"พ\.ย\. 1 2 0 0", page) and re.search(r"ทะเลาะวิวาท ร้ายแรง 1 1 1", page)


async def test_what_a_teacher_recorded_is_listed_by_when_it_happened_with_the_students_named(
        client, people, settings, moment):
    """Somchai records last week's phone (late, so it is the newest record), then today's fight, then Monday's
    uniform: his list reads today, Monday, last week, each with the students it is about."""
    await _record(people, "somchai", ["10002"], "phone", sanction="warning", when=_local(moment, 7))
    await _record(people, "somchai", ["10001", "10003"], "fighting")
    await _record(people, "somchai", ["10002"], "uniform", sanction="warning", when=_local(moment, 2))
    page = await _page(client, settings, people.somchai, "/behaviour")
    mine = page[page.index("ที่คุณบันทึก"):]
    order = [mine.index(word) for word in ("ทะเลาะ", "แต่งกาย", "ใช้โทรศัพท์")]
    assert order == sorted(order), mine
    fight = mine[mine.index("ทะเลาะ"):mine.index("แต่งกาย")]
    assert "อนันต์ ใจดี" in fight and "ชัย ใจดี" in fight
    assert "บัว" in mine[mine.index("แต่งกาย"):mine.index("ใช้โทรศัพท์")]
