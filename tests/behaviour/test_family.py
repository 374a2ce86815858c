"""What reaches families: the parent reads the school's wording and acknowledges in the app (never for another's
child), the printable probation letter and the guardian's signature on paper, community service signed off with
its points back (never above the year's start), the parent's home line per child, and an incident's photo."""

from __future__ import annotations

import gzip
import io
import re
import uuid

from PIL import Image

from backend import db
from backend.behaviour import reports
from backend.behaviour.tables import IncidentPhoto, IncidentStudent, PointsEntry
from backend.students.tables import StudentGuardian
from tests.behaviour.test_recording import _balance, _category, _record
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture

ANAN, BUA, CHAI = "10001", "10002", "10003"


def _jpeg(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 60, 60)).save(out, format="JPEG")
    return out.getvalue()


async def _line(people, code: str) -> dict:
    return await IncidentStudent.select().where(IncidentStudent.student == people.students[code]).order_by(
        IncidentStudent.id, ascending=False).first()


async def test_the_parent_reads_the_schools_words_and_acknowledges_in_the_app(make_client, people, settings):
    teacher, parent = make_client(), make_client()
    await _record(teacher, people, settings, people.wipa, [ANAN, CHAI], code="drugs")
    await people.somsri.sign_in(settings, parent)
    home = (await parent.get("/")).text
    assert text_of(home).count("คะแนนความประพฤติ: 70") == 2
    assert text_of(home).count("เหตุการณ์ที่ยังไม่ได้อ่าน 1 เรื่อง") == 2
    assert f'href="/behaviour/students/{people.students[ANAN]}"' in home

    page = (await parent.get(f"/behaviour/students/{people.students[ANAN]}")).text
    # The school's words for parents; not the staff's category name or description.
    assert "เรื่องร้ายแรงที่ต้องพบครู" in text_of(page) and "ยาเสพติด" not in text_of(page)
    assert "ต่อยกันที่โรงอาหาร" not in text_of(page)
    line = await _line(people, ANAN)
    response = await parent.submit(f"/behaviour/lines/{line['id']}/acknowledge?back=student")
    assert "ขอบคุณ" in text_of(response.text) and "รับทราบแล้ว" in text_of(response.text)
    saved = await _line(people, ANAN)
    assert saved["acknowledged_how"] == "app" and saved["acknowledged_by"] == people.somsri.user_id
    assert text_of((await parent.get("/")).text).count("เหตุการณ์ที่ยังไม่ได้อ่าน 1 เรื่อง") == 1  # Chai's waits

    # Staff see that the guardian has read it.
    await people.somchai.sign_in(settings, teacher)
    staff_page = text_of((await teacher.get(f"/behaviour/incidents/{line['incident']}")).text)
    assert "ผู้ปกครองรับทราบในแอปแล้ว" in staff_page


async def test_a_guardian_of_another_child_cannot_acknowledge(make_client, people, settings):
    teacher, parent = make_client(), make_client()
    await _record(teacher, people, settings, people.prasit, [BUA], code="smoking")
    line = await _line(people, BUA)
    await people.somsri.sign_in(settings, parent)
    response = await parent.submit(f"/behaviour/lines/{line['id']}/acknowledge")
    assert response.status_code == 404 and "บัว" not in text_of(response.text)
    assert (await _line(people, BUA))["acknowledged_at"] is None
    # Nor may a teacher acknowledge for a family.
    response = await teacher.submit(f"/behaviour/lines/{line['id']}/acknowledge")
    assert response.status_code == 404


async def test_a_probation_letter_prints_in_thai_and_the_guardians_signature_is_recorded(
        make_client, people, settings):
    teacher = make_client()
    await _record(teacher, people, settings, people.prasit, [ANAN], code="fighting", sanction="probation")
    line = await _line(people, ANAN)
    prasit = await people.prasit.viewer()
    assert [p["id"] for p in await reports.probations_awaiting(prasit)] == [line["id"]]
    assert await reports.probations_awaiting(await people.malee.viewer()) == []  # not her homeroom

    await people.somchai.sign_in(settings, teacher)
    letter = await teacher.get(f"/behaviour/lines/{line['id']}/probation")
    text = text_of(letter.text)
    assert letter.status_code == 200
    assert "ทำทัณฑ์บน" in text and "ทะเลาะวิวาท" in text and "ต่อยกันที่โรงอาหาร" in text
    assert re.search(r"25\d\d", text)  # Buddhist-era year
    assert "นักเรียน" in text and "ผู้ปกครอง" in text and "หัวหน้าฝ่ายปกครอง" in text and "อนันต์" in text
    assert "@page{size:A4" in letter.text

    other = make_client()
    await people.malee.sign_in(settings, other)
    assert (await other.get(f"/behaviour/lines/{line['id']}/probation")).status_code == 404

    response = await teacher.submit(f"/behaviour/lines/{line['id']}/paper")
    assert "บันทึกลายมือชื่อผู้ปกครองแล้ว" in text_of(response.text)
    assert (await _line(people, ANAN))["acknowledged_how"] == "paper"
    assert await reports.probations_awaiting(prasit) == []

    # A record that is not a probation has no letter.
    await _record(teacher, people, settings, people.prasit, [BUA], code="late", sanction="warning")
    warning = await _line(people, BUA)
    assert (await teacher.get(f"/behaviour/lines/{warning['id']}/probation")).status_code == 404


async def test_community_service_signed_off_gives_points_back_up_to_what_was_lost(make_client, people, settings):
    teacher = make_client()
    await _record(teacher, people, settings, people.prasit, [ANAN], code="fighting", sanction="deduct")  # −20
    await _record(teacher, people, settings, people.prasit, [ANAN], code="damage", sanction="activity",
                  service_hours="5")
    five = await _line(people, ANAN)
    await _record(teacher, people, settings, people.prasit, [ANAN], code="damage", sanction="activity",
                  service_hours="20")
    twenty = await _line(people, ANAN)

    other = make_client()
    await people.malee.sign_in(settings, other)  # not Anan's homeroom teacher
    assert (await other.submit(f"/behaviour/lines/{five['id']}/service")).status_code == 404

    await people.somchai.sign_in(settings, teacher)
    response = await teacher.submit(f"/behaviour/lines/{five['id']}/service")
    assert "5 ชั่วโมง" in text_of(response.text) and "คืน 10 คะแนน" in text_of(response.text)
    assert await _balance(teacher, people, ANAN) == 90
    again = await teacher.submit(f"/behaviour/lines/{five['id']}/service")
    assert again.status_code == 409
    # 20 h × 2 = 40, but only 10 were still lost: the balance comes back to the start, not above it.
    await teacher.submit(f"/behaviour/lines/{twenty['id']}/service")
    assert await _balance(teacher, people, ANAN) == 100
    lines = await PointsEntry.select(PointsEntry.cause, PointsEntry.applied).where(
        PointsEntry.cause == "service").order_by(PointsEntry.id)
    assert [line["applied"] for line in lines] == [10, 10]
    page = text_of((await teacher.get(f"/behaviour/students/{people.students[ANAN]}")).text)
    assert "ทำจิตอาสาแล้ว 25 ชั่วโมง" in page  # the hours count as credit


async def test_an_incidents_photo_is_cleaned_and_seen_only_by_staff_who_see_the_record(
        app, make_client, people, settings):
    wipa = make_client()
    await people.wipa.sign_in(settings, wipa)
    category = await _category(people, "fighting")
    client_id = uuid.uuid4().hex
    await wipa.get("/behaviour/new")
    saved = await wipa.post("/behaviour/incidents", json={
        "client_id": client_id, "students": [people.students[ANAN]], "category": category["id"],
        "sanction": "warning"}, headers={"x-csrftoken": wipa.csrf_token()})
    assert saved.status_code == 201
    photo_key = str(uuid.uuid4())
    url = f"/behaviour/uploads/{client_id}/{photo_key}"
    headers = {"x-csrftoken": wipa.csrf_token(), "content-type": "image/jpeg"}
    assert (await wipa.put(url, content=b"<html>not a photo", headers=headers)).status_code == 415
    first = await wipa.put(url, content=_jpeg(), headers=headers)
    assert first.status_code == 201
    assert (await wipa.put(url, content=_jpeg(), headers=headers)).status_code == 200  # a retry: stored once
    assert await IncidentPhoto.count() == 1
    photo_id = first.json()["id"]

    # Only the phone that recorded it adds a photo.
    somchai = make_client()
    await people.somchai.sign_in(settings, somchai)
    await somchai.get("/behaviour")
    refused = await somchai.put(f"/behaviour/uploads/{client_id}/{uuid.uuid4()}", content=_jpeg(),
                                headers={"x-csrftoken": somchai.csrf_token(), "content-type": "image/jpeg"})
    assert refused.status_code == 404

    page = (await somchai.get(f"/behaviour/incidents/{saved.json()['id']}")).text
    assert f'src="/behaviour/photos/{photo_id}"' in page
    shown = await somchai.get(f"/behaviour/photos/{photo_id}")
    assert shown.status_code == 200 and shown.content[:3] == b"\xff\xd8\xff"
    for persona in (people.malee, people.somsri):  # not her student; a parent: the photo may show other children
        browser = make_client()
        await persona.sign_in(settings, browser)
        assert (await browser.get(f"/behaviour/photos/{photo_id}")).status_code == 404


async def test_the_parents_home_stays_small_and_its_queries_constant(make_client, people, settings,
                                                                     queries):  # noqa: F811
    teacher, parent = make_client(), make_client()
    await _record(teacher, people, settings, people.wipa, [ANAN, BUA, CHAI], code="late", sanction="deduct")
    await people.somsri.sign_in(settings, parent)
    await parent.get("/")
    queries.clear()
    page = await parent.get("/")
    with_two = len(queries)
    assert len(gzip.compress(page.content)) <= 14 * 1024
    async with db.transaction():
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students[BUA],
                                                     guardian=people.guardians["+66811111111"], relation="ป้า"))
    queries.clear()
    html = text_of((await parent.get("/")).text)
    assert len(queries) == with_two, queries
    assert html.count("คะแนนความประพฤติ: 95") == 3
