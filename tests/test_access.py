"""The privacy matrix: every page that shows people, opened by every persona. Scoping by school, homeroom, child."""

import pytest

from backend.accounts import access
from backend.students import services as students
from tests.conftest import text_of

ANAN, BUA, CHAI, EK = "อนันต์", "บัว", "ชัย", "เอก"

# Which page each persona may open: 200 = allowed, 403 = refused. Anonymous visitors go to sign-in.
PAGES = ["/", "/students/homeroom", "/roster/import", "/admin/users", "/admin/homerooms", "/admin/parents",
         "/attendance/school", "/attendance/children", "/notify/outbox", "/notify/templates",
         "/records/sharing", "/screening/school", "/screening/criteria", "/visits/form"]
MATRIX = {
    "kanya": [200, 403, 200, 200, 200, 200, 200, 403, 200, 200, 200, 403, 200, 403],  # admin (no homeroom)
    "wichai": [200, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 200, 403, 403],  # executive
    "somchai": [200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200],  # homeroom teacher
    "wipa": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],  # subject teacher without homeroom
    "ratana": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403],  # counsellor
    "somsri": [200, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403],  # parent
    "preecha": [200, 403, 200, 200, 200, 200, 200, 403, 200, 200, 200, 403, 200, 403],  # admin of the other school
}


@pytest.mark.parametrize("persona", MATRIX)
async def test_each_persona_opens_only_their_pages(client, people, settings, persona):
    await getattr(people, persona).sign_in(settings, client)
    statuses = [(await client.get(path)).status_code for path in PAGES]
    assert statuses == MATRIX[persona]


async def test_refusals_are_explained_in_thai(client, people, settings):
    await people.somsri.sign_in(settings, client)
    page = await client.get("/admin/users")
    assert "ไม่มีสิทธิ์เข้าถึง" in text_of(page.text)


@pytest.mark.parametrize("path", PAGES)
async def test_anonymous_visitors_are_sent_to_sign_in(client, people, path):
    page = await client.get(path)
    assert str(page.url).startswith("http://testserver/signin")


async def test_a_homeroom_teacher_sees_their_room_only(client, people, settings):
    await people.somchai.sign_in(settings, client)
    text = text_of((await client.get("/students/homeroom")).text)
    assert ANAN in text and BUA in text
    assert CHAI not in text and EK not in text


async def test_another_homeroom_teacher_sees_theirs(client, people, settings):
    await people.malee.sign_in(settings, client)
    text = text_of((await client.get("/students/homeroom")).text)
    assert CHAI in text
    assert ANAN not in text and BUA not in text


async def test_a_parent_sees_only_their_own_children(client, people, settings):
    await people.somsri.sign_in(settings, client)
    text = text_of((await client.get("/")).text)
    assert ANAN in text and CHAI in text
    assert BUA not in text and EK not in text
    assert "ครูสมชาย" in text and "ครูมาลี" in text  # each child's homeroom teacher


async def test_a_parent_of_the_other_school_sees_only_theirs(client, people, settings):
    await people.noi.sign_in(settings, client)
    text = text_of((await client.get("/")).text)
    assert EK in text and ANAN not in text and CHAI not in text


async def test_no_school_sees_anothers_guardians(client, people, settings):
    await people.preecha.sign_in(settings, client)
    text = text_of((await client.get("/admin/parents?q=")).text)
    assert "น้อย ดอยคำ" in text
    assert "สมศรี" not in text and "ประเสริฐ" not in text


async def test_school_wide_counts_stay_in_the_school(client, people, settings):
    await people.wichai.sign_in(settings, client)
    text = text_of((await client.get("/")).text)
    assert "นักเรียน 3" in text  # Bangkok's three, not Chiang Mai's Ek


async def test_scoped_queries_follow_the_rules(people):
    """The one rule (access.visible_students) as each service sees it."""
    codes = {}
    for name in ("kanya", "somchai", "malee", "wipa", "somsri", "preecha", "dao"):
        viewer = await getattr(people, name).viewer()
        rows = await students.Student.select(students.Student.code).where(access.visible_students(viewer))
        codes[name] = sorted(r["code"] for r in rows)
    assert codes == {
        # A subject teacher sees the names in the classes she teaches, for their registers.
        "kanya": ["10001", "10002", "10003"], "somchai": ["10001", "10002"], "malee": ["10003"],
        "wipa": ["10001", "10002"],
        "somsri": ["10001", "10003"], "preecha": ["20001"], "dao": ["20001"],
    }


@pytest.mark.parametrize("persona, status", [("somchai", 200), ("wipa", 403), ("malee", 403), ("somsri", 403),
                                             ("wichai", 200), ("preecha", 404), ("dao", 403)])
async def test_who_may_open_a_classrooms_register(client, people, settings, persona, status):
    await getattr(people, persona).sign_in(settings, client)
    page = await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert page.status_code == status
    assert (ANAN in text_of(page.text)) == (status == 200)


async def test_a_subject_teacher_opens_her_period_register_only(client, people, settings):
    await people.wipa.sign_in(settings, client)
    mine = await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}?period=2")
    assert mine.status_code == 200 and ANAN in text_of(mine.text)
    other = await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/2']}?period=2")
    assert other.status_code == 403 and CHAI not in text_of(other.text)


@pytest.mark.parametrize("persona, allowed", [("somchai", True), ("wipa", False), ("somsri", False),
                                              ("preecha", False), ("wichai", False)])
async def test_only_homeroom_teachers_send_visits(client, people, settings, persona, allowed):
    """The offline queue's upload: nobody but a homeroom teacher may post a visit (or a photo) at all."""
    await getattr(people, persona).sign_in(settings, client)
    await client.get("/")
    assert client.csrf_token()  # so a refusal below is the permission, not a missing CSRF token
    visit = {"client_id": "7f0c1c9e-0000-4000-8000-000000000001", "student": people.students["10001"],
             "status": "done", "visited_on": "2026-11-20", "answers": {}}
    page = await client.post("/visits/sync", json=visit, headers={"x-csrftoken": client.csrf_token()})
    assert (page.status_code != 403) is allowed
    if not allowed:
        photo = await client.put(f"/visits/{visit['client_id']}/photos/{visit['client_id']}", content=b"\xff\xd8",
                                 headers={"x-csrftoken": client.csrf_token(), "content-type": "image/jpeg"})
        assert photo.status_code == 403


async def test_staff_cannot_subscribe_to_guardians_push(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await client.get("/")
    assert client.csrf_token()
    page = await client.post("/notify/push/subscribe", json={"endpoint": "https://push.invalid/x", "keys": {}},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 403
