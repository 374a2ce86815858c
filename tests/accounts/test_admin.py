"""The admin's work on accounts: staff with roles, password resets, homeroom assignments."""

import re

from backend.accounts.tables import HomeroomAssignment, User, UserSession
from tests.conftest import text_of


async def test_admin_creates_a_subject_teacher_who_must_choose_a_password(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit("/admin/users", {"username": "Nurse.Pim", "display_name": "ครูพิม",
                                               "role": "subject_teacher"})
    assert "ครูพิม" in text_of(page.text) and "ครูประจำวิชา" in text_of(page.text)
    password = re.search(r'<p class="code">(\w+)</p>', page.text).group(1)

    nurse = make_client()
    await nurse.get("/signin")
    page = await nurse.submit("/signin", {"username": "nurse.pim", "password": password})
    assert str(page.url).endswith("/account/password")
    page = await nurse.submit("/account/password", {"password": "short", "confirm": "short"})
    assert page.status_code == 422 and "ใช้อย่างน้อย 8 ตัวอักษร" in text_of(page.text)
    page = await nurse.submit("/account/password", {"password": "pim-nurse-2569", "confirm": "pim-nurse-2569"})
    assert "สวัสดี ครูพิม" in text_of(page.text)


async def test_taken_usernames_and_missing_roles_are_explained(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/users", {"username": "somchai", "display_name": "ซ้ำ", "role": "nurse"})
    assert page.status_code == 422 and "ชื่อผู้ใช้นี้มีผู้ใช้แล้ว" in text_of(page.text)
    page = await client.submit("/admin/users", {"username": "pim", "display_name": "ครูพิม", "role": "parent"})
    assert page.status_code == 422 and "เลือกบทบาท" in text_of(page.text)


async def test_a_password_reset_ends_the_persons_sessions(make_client, people, settings):
    teacher, admin = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await people.kanya.sign_in(settings, admin)
    await admin.submit(f"/admin/users/{people.somchai.user_id}/reset")
    assert await UserSession.count().where(UserSession.user == people.somchai.user_id) == 0
    assert "/signin" in str((await teacher.get("/students/homeroom")).url)


async def test_an_admin_cannot_reset_another_schools_account(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/users/{people.dao.user_id}/reset")
    assert page.status_code == 404
    assert (await User.select(User.must_change_password).where(User.id == people.dao.user_id).first())[
        "must_change_password"] is False


async def test_admin_assigns_a_second_homeroom_teacher(make_client, people, settings):
    admin, teacher = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit("/admin/homerooms", {"classroom": people.classrooms["BKK ม.1/1"],
                                                   "teacher": people.wipa.user_id})
    assert "มอบหมายครูประจำชั้นแล้ว" in text_of(page.text)
    assert "ครูวิภา" in text_of(page.text)
    await people.wipa.sign_in(settings, teacher)
    assert "อนันต์" in text_of((await teacher.get("/students/homeroom")).text)


async def test_every_homeroom_change_is_kept_with_who_made_it(client, people, settings):
    await people.kanya.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    await client.submit("/admin/homerooms", {"classroom": room, "teacher": people.wipa.user_id})
    page = await client.submit("/admin/homerooms/remove", {"classroom": room, "teacher": people.wipa.user_id})
    changes = text_of(page.text).split("การเปลี่ยนแปลง")[1]
    removed, assigned = changes.index("ครูวิภา พ้นจากครูประจำชั้น"), changes.index("ครูวิภา เป็นครูประจำชั้น")
    assert removed < assigned and "ครูกันยา" in changes  # newest first, and who did it
    assert not await HomeroomAssignment.exists().where(HomeroomAssignment.teacher == people.wipa.user_id)


async def test_homerooms_cannot_cross_schools(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/homerooms", {"classroom": people.classrooms["CNX ม.1/1"],
                                                    "teacher": people.wipa.user_id})
    assert page.status_code == 422
    assert not await HomeroomAssignment.exists().where(HomeroomAssignment.teacher == people.wipa.user_id)


async def test_a_malformed_form_gets_a_clear_page(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/homerooms", {"classroom": "ม.1/1", "teacher": "ครูวิภา"})
    assert page.status_code == 400
    assert "แบบฟอร์มไม่ถูกต้อง" in text_of(page.text)


async def test_over_long_names_are_explained_before_anything_is_saved(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/users", {"username": "p" * 61, "display_name": "ครูพิม", "role": "nurse"})
    assert page.status_code == 422 and "ชื่อผู้ใช้ยาวได้ไม่เกิน 60 ตัวอักษร" in text_of(page.text)
    page = await client.submit("/admin/users", {"username": "pim", "display_name": "พ" * 201, "role": "nurse"})
    assert page.status_code == 422 and "ชื่อยาวได้ไม่เกิน 200 ตัวอักษร" in text_of(page.text)
    assert not await User.exists().where(User.username == "pim")
