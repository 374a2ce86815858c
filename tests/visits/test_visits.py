"""Home visits sent from a phone: stored once, every wrong field named, photos checked, only the right eyes."""

import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image

from backend.i18n import format_date
from backend.visits.tables import Visit, VisitPhoto
from tests.conftest import text_of
from backend import clock



def photo_file(colour=(200, 120, 40), size=(640, 480), format="JPEG") -> bytes:
    """A small photo as a phone's canvas would make it."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=format)
    return out.getvalue()


JPEG = photo_file()


def school_today():
    """The school's date, not the machine's: after 17:00 UTC it is already tomorrow in Bangkok."""
    return clock.today()


def visit(people, **changes) -> dict:
    payload = {"client_id": str(uuid.uuid4()), "student": people.students["10001"], "status": "done",
               "visited_on": school_today().isoformat(), "area": "บ้านหนองบัว", "latitude": "16.4419",
               "longitude": "102.8350", "accuracy": "12", "met_with": "ยาย", "living": "อยู่กับยาย 2 คน",
               "income_per_person": "2500", "tenure": "own", "condition": "fair", "assessment": "at_risk"}
    return {**payload, **changes}


async def send(client, payload):
    if not client.csrf_token():
        await client.get("/visits/form")
    return await client.post("/visits/sync", json=payload, headers={"x-csrftoken": client.csrf_token()})


async def put_photo(client, visit_id, data=JPEG, kind="outside", photo_id=None):
    return await client.put(f"/visits/{visit_id}/photos/{photo_id or uuid.uuid4()}?kind={kind}", content=data,
                            headers={"x-csrftoken": client.csrf_token(), "content-type": "image/jpeg"})


@pytest.fixture(params=["disk", "s3"])
def photo_store(request, app):
    """The photo tests run with each store the app can be given: files on disk, and a bucket of a local S3."""
    if request.param == "disk":
        yield app.state.photos
        return
    disk = app.state.photos
    app.state.photos = request.getfixturevalue("s3_photos")
    try:
        yield app.state.photos
    finally:
        app.state.photos = disk


async def test_a_visit_sent_twice_is_stored_once(client, people, settings):
    await people.somchai.sign_in(settings, client)
    payload = visit(people)
    first = await send(client, payload)
    again = await send(client, payload)  # a retry after the connection dropped
    assert (first.status_code, again.status_code) == (201, 200)
    assert await Visit.count() == 1
    stored = await Visit.select(Visit.answers, Visit.latitude, Visit.area).output(load_json=True).first()
    assert stored["answers"]["income_per_person"] == 2500 and stored["answers"]["tenure"] == "own"
    assert (stored["latitude"], stored["area"]) == (16.4419, "บ้านหนองบัว")


async def test_every_wrong_field_is_named_in_thai(client, people, settings):
    await people.somchai.sign_in(settings, client)
    tomorrow = (school_today() + timedelta(days=1)).isoformat()
    response = await send(client, visit(people, visited_on=tomorrow, latitude="48.85", longitude="2.35",
                                        income_per_person="-5", tenure="castle"))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors == {
        "visited_on": "วันที่เยี่ยมบ้านเป็นวันในอนาคตไม่ได้",
        "position": "ตำแหน่ง GPS ไม่อยู่ในประเทศไทย ลองใหม่ในที่โล่ง หรือบันทึกโดยไม่มีตำแหน่ง",
        "income_per_person": "ตัวเลขนี้อยู่นอกช่วงที่เป็นไปได้",
        "tenure": "เลือกจากตัวเลือกที่มี",
    }
    assert await Visit.count() == 0


async def test_a_visit_without_gps_still_counts(client, people, settings):
    await people.somchai.sign_in(settings, client)
    response = await send(client, visit(people, latitude="", longitude="", accuracy=""))
    assert response.status_code == 201


async def test_a_student_of_another_homeroom_is_refused(client, people, settings):
    await people.somchai.sign_in(settings, client)
    response = await send(client, visit(people, student=people.students["10003"]))
    assert response.status_code == 403
    assert response.json()["errors"]["student"] == "นักเรียนคนนี้ไม่ได้อยู่ในห้องประจำชั้นที่ดูแล"
    assert await Visit.count() == 0


async def test_another_homerooms_visit_cannot_be_taken_over_by_its_id(make_client, people, settings):
    malee, somchai = make_client(), make_client()
    await people.malee.sign_in(settings, malee)
    chai_visit = visit(people, student=people.students["10003"])
    assert (await send(malee, chai_visit)).status_code in (200, 201)
    await people.somchai.sign_in(settings, somchai)  # the same phone-made id, moved onto his own student
    response = await send(somchai, {**chai_visit, "student": people.students["10001"]})
    assert response.status_code == 403
    assert (await Visit.select(Visit.student).first())["student"] == people.students["10003"]


async def test_photos_are_checked_and_stored_once(client, people, settings, photo_store):
    await people.somchai.sign_in(settings, client)
    payload = visit(people)
    await send(client, payload)
    photo_id = str(uuid.uuid4())
    assert (await put_photo(client, payload["client_id"], photo_id=photo_id)).status_code == 201
    assert (await put_photo(client, payload["client_id"], photo_id=photo_id)).status_code == 200  # a retry
    assert await VisitPhoto.count() == 1
    not_image = await put_photo(client, payload["client_id"], data=b"%PDF-1.4 not a photo")
    assert not_image.status_code == 415 and "ไม่ใช่รูปภาพ" in not_image.json()["message"]
    too_big = await put_photo(client, payload["client_id"], data=JPEG + b"\x00" * 310_000)
    assert too_big.status_code == 413
    retaken = await put_photo(client, payload["client_id"], kind="outside")  # the house again, a better shot
    assert retaken.status_code == 201 and await VisitPhoto.count() == 1
    for kind in ("inside", "student", "other"):
        assert (await put_photo(client, payload["client_id"], kind=kind)).status_code == 201
    fifth = await put_photo(client, payload["client_id"], kind="other")
    assert fifth.status_code == 422 and "ไม่เกิน 4 รูป" in fifth.json()["message"]
    assert await VisitPhoto.count() == 4


async def test_a_photo_reads_back_as_sent_and_a_retake_replaces_it(client, people, settings, photo_store):
    await people.somchai.sign_in(settings, client)
    payload = visit(people)
    await send(client, payload)
    first = (await put_photo(client, payload["client_id"], kind="student")).json()["id"]
    first_key = (await VisitPhoto.select(VisitPhoto.storage_key).where(VisitPhoto.id == first).first())[
        "storage_key"]
    shown = await client.get(f"/visits/photos/{first}")
    assert shown.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(shown.content)).getpixel((10, 10)) == pytest.approx((200, 120, 40), abs=3)
    retake = photo_file(colour=(20, 160, 90))
    second = (await put_photo(client, payload["client_id"], data=retake, kind="student")).json()["id"]
    shown = await client.get(f"/visits/photos/{second}")
    assert Image.open(io.BytesIO(shown.content)).getpixel((10, 10)) == pytest.approx((20, 160, 90), abs=3)
    assert (await client.get(f"/visits/photos/{first}")).status_code == 404
    with pytest.raises(FileNotFoundError):  # the earlier file is gone from the store, not just its row
        await photo_store.get(first_key)


async def test_photos_wait_for_their_visit(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await client.get("/visits/form")
    response = await put_photo(client, str(uuid.uuid4()))
    assert response.status_code == 404 and "บันทึกการเยี่ยมบ้านก่อน" in response.json()["message"]


async def test_who_sees_a_visit_and_its_photos(make_client, people, settings, photo_store):
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    payload = visit(people)
    await send(teacher, payload)
    await put_photo(teacher, payload["client_id"])
    photo_id = (await VisitPhoto.select(VisitPhoto.id).first())["id"]
    anan = people.students["10001"]
    for persona, sees_answers, photo_status in (("somchai", True, 200), ("ratana", True, 200), ("wichai", True, 200),
                                                ("wipa", False, 404), ("somsri", False, 404), ("kanya", False, 404)):
        browser = make_client()
        await getattr(people, persona).sign_in(settings, browser)
        page = text_of((await browser.get(f"/records/{anan}")).text)
        assert ("อยู่กับยาย 2 คน" in page) == sees_answers, persona
        assert (await browser.get(f"/visits/photos/{photo_id}")).status_code == photo_status, persona
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    page = text_of((await parent.get(f"/records/{anan}")).text)
    assert "การเยี่ยมบ้าน" in page  # the parent sees that, and when, the home was visited


async def test_progress_lists_the_homeroom_by_area(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await send(client, visit(people, area="บ้านโคก"))
    page = text_of((await client.get("/visits")).text)
    assert "เยี่ยมแล้ว 1 นัดไว้ 0 ยังไม่เยี่ยม 1" in page
    assert page.index("บ้านโคก") < page.index("ยังไม่ได้บันทึกพื้นที่")


async def test_executives_see_visits_per_classroom(make_client, people, settings):
    teacher, director = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await send(teacher, visit(people))
    await people.wichai.sign_in(settings, director)
    page = text_of((await director.get("/visits")).text)
    assert "เยี่ยมแล้ว 1 จากนักเรียน 3 คน" in page
    assert "ม.1/1 1/2 0 1" in page


async def test_the_timeline_places_a_visit_on_its_own_day(client, people, settings):
    """A visit kept offline reaches the server days later; the timeline still puts it on the day of the visit."""
    await people.somchai.sign_in(settings, client)
    recent, older = school_today() - timedelta(days=3), school_today() - timedelta(days=10)
    await send(client, visit(people, visited_on=recent.isoformat()))
    await send(client, visit(people, visited_on=older.isoformat()))  # sent last, from a phone that was offline
    page = text_of((await client.get(f"/records/{people.students['10001']}")).text)
    timeline = page[page.index("ลำดับเหตุการณ์"):]
    recent_at, older_at = timeline.index(format_date(recent, "th")), timeline.index(format_date(older, "th"))
    assert recent_at < older_at  # newest first, by the day of the visit


async def test_a_classrooms_visit_progress_is_for_its_teachers_counsellors_and_executives(make_client, people,
                                                                                          settings):
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    await send(teacher, visit(people, area="บ้านหนองบัว"))
    room, other_room = people.classrooms["BKK ม.1/1"], people.classrooms["BKK ม.1/2"]
    expected = {"somchai": (200, 403), "malee": (403, 200), "wichai": (200, 200), "ratana": (200, 200),
                "kanya": (403, 403), "wipa": (403, 403), "somsri": (403, 403), "preecha": (404, 404),
                "dao": (404, 404)}
    for persona, statuses in expected.items():
        client = make_client()
        await getattr(people, persona).sign_in(settings, client)
        pages = [await client.get(f"/visits/classrooms/{classroom}") for classroom in (room, other_room)]
        assert tuple(page.status_code for page in pages) == statuses, persona
        if statuses[0] == 200:
            text = text_of(pages[0].text)
            assert "อนันต์" in text and "บ้านหนองบัว" in text, persona
            # only the homeroom teacher records visits from here
            assert ("/visits/form" in pages[0].text) == (persona == "somchai"), persona
        else:
            assert "บ้านหนองบัว" not in text_of(pages[0].text), persona
    director, admin, counsellor = make_client(), make_client(), make_client()
    await people.wichai.sign_in(settings, director)
    await people.kanya.sign_in(settings, admin)
    await people.ratana.sign_in(settings, counsellor)
    assert f'href="/visits/classrooms/{room}"' in (await director.get("/visits")).text
    assert f'href="/visits/classrooms/{room}"' in (await counsellor.get("/visits")).text
    assert 'href="/visits"' in (await counsellor.get("/")).text  # in the counsellor's menu too
    assert f'href="/visits/classrooms/{room}"' not in (await admin.get("/visits")).text


async def test_a_file_that_only_starts_like_a_photo_is_refused_and_photos_are_stored_clean(client, people,
                                                                                          settings):
    await people.somchai.sign_in(settings, client)
    payload = visit(people)
    await send(client, payload)
    disguised = b"\xff\xd8\xff\xe0" + b"<html><script>alert(document.cookie)</script></html>"
    response = await put_photo(client, payload["client_id"], data=disguised)
    assert response.status_code == 415 and "ไม่ใช่รูปภาพ" in response.json()["message"]
    truncated = await put_photo(client, payload["client_id"], data=JPEG[: len(JPEG) // 3])
    assert truncated.status_code == 415
    assert await VisitPhoto.count() == 0
    # A real photo with something appended, and a PNG: each is stored as a clean JPEG of the same picture.
    tail = await put_photo(client, payload["client_id"], data=JPEG + b"<html>hidden</html>", kind="outside")
    png = await put_photo(client, payload["client_id"], data=photo_file((5, 5, 250), format="PNG"), kind="inside")
    assert (tail.status_code, png.status_code) == (201, 201)
    for photo_id, colour in ((tail.json()["id"], (200, 120, 40)), (png.json()["id"], (5, 5, 250))):
        shown = await client.get(f"/visits/photos/{photo_id}")
        assert shown.headers["content-type"] == "image/jpeg" and b"<html>" not in shown.content
        picture = Image.open(io.BytesIO(shown.content))
        assert picture.format == "JPEG" and picture.size == (640, 480)
        assert picture.getpixel((10, 10)) == pytest.approx(colour, abs=3)
    sizes = await VisitPhoto.select(VisitPhoto.size, VisitPhoto.content_type)
    assert all(row["content_type"] == "image/jpeg" and row["size"] <= 300 * 1024 for row in sizes)


async def test_photo_ids_from_the_phone_are_exact(client, people, settings):
    await people.somchai.sign_in(settings, client)
    payload = visit(people)
    await send(client, payload)
    for bad in (f"{uuid.uuid4()}%0A", "abcdef01", "-" * 36, f"{uuid.uuid4()}x"):
        response = await put_photo(client, payload["client_id"], photo_id=bad)
        assert response.status_code in (400, 404), bad
    assert await VisitPhoto.count() == 0
    response = await send(client, visit(people, client_id=f"{uuid.uuid4()}\n"))
    assert response.status_code == 400 and await Visit.count() == 1


async def test_a_malformed_visit_is_refused_in_the_queues_shape(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await client.get("/visits/form")
    for body in (b'{"client_id": "abc", ', b"[1, 2]", b'{"x": "\\ud800"}', b"\xff\xfe"):
        response = await client.post("/visits/sync", content=body, headers={
            "x-csrftoken": client.csrf_token(), "content-type": "application/json", "accept": "application/json"})
        assert response.status_code in (400, 422), body
        answer = response.json()
        assert set(answer) == {"status", "message", "errors"} and answer["status"] == response.status_code
    assert await Visit.count() == 0


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400", "9" * 400, "0x10"])
async def test_numbers_that_are_not_numbers_are_named(client, people, settings, value):
    await people.somchai.sign_in(settings, client)
    response = await send(client, visit(people, income_per_person=value, latitude=value, accuracy=value))
    assert response.status_code == 422, value
    errors = response.json()["errors"]
    assert "income_per_person" in errors and "position" in errors
    assert await Visit.count() == 0


async def test_a_student_id_beyond_any_row_is_refused(client, people, settings):
    await people.somchai.sign_in(settings, client)
    for student in (2**31, 2**63, 10**30, -(2**63)):
        response = await send(client, visit(people, student=student))
        assert response.status_code in (403, 422), student
    assert await Visit.count() == 0
