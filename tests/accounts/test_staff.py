"""Staff with several roles, deactivated and reactivated staff, and the grade-level head's reach (issue 10)."""

import re

from backend.accounts import access
from backend.accounts.tables import AccountChange, User
from backend.records import services as records
from backend.schools.tables import Classroom, Grade
from backend.students.tables import Student
from backend import clock
from tests.conftest import text_of
from tests.personas import PASSWORD

CONFIDENTIAL = "นัดพบครูแนะแนวเรื่องที่บ้าน"  # a counsellor's note


async def sign_in(browser, username: str, password: str):
    await browser.get("/signin")
    return await browser.submit("/signin", {"username": username, "password": password, "next": "/"})


async def _confirm_pending(director) -> str:
    """The executive confirms the grant waiting; returns the temporary password they hand over."""
    page = await director.get("/account-changes")
    change = re.search(r'action="/account-changes/(\d+)/confirm"', page.text).group(1)
    page = await director.submit(f"/account-changes/{change}/confirm")
    assert "ยืนยันแล้ว" in text_of(page.text)
    return re.search(r'<p class="code">(\w+)</p>', page.text).group(1)


# Several roles ------------------------------------------------------------------------------------------------


async def test_a_homeroom_teacher_made_counsellor_too_sees_both_menus_and_does_both(make_client, people, settings):
    admin, director, somchai = make_client(), make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/users/{people.somchai.user_id}/roles", {"role": "counsellor"})
    assert "รอผู้บริหารยืนยัน" in text_of(page.text)  # a role that reads sensitive data waits, as a new account does
    await people.somchai.sign_in(settings, somchai)
    assert (await somchai.get("/screening/criteria")).status_code == 403  # not before the executive says so

    await people.wichai.sign_in(settings, director)
    assert "ให้บทบาทเพิ่ม" in text_of((await director.get("/account-changes")).text)
    password = await _confirm_pending(director)
    # The role opens with a password the executive hands over, never one the admin could know: his sessions end.
    assert str((await somchai.get("/students/homeroom")).url).startswith("http://testserver/signin")
    page = await sign_in(make_client(), "somchai", PASSWORD)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in text_of(page.text)
    page = await sign_in(somchai, "somchai", password)
    assert str(page.url).endswith("/account/password")
    await somchai.submit("/account/password", {"password": "a-new-password-1", "confirm": "a-new-password-1"})

    assert (await somchai.get("/students/homeroom")).status_code == 200  # still his homeroom
    screening = text_of((await somchai.get("/screening")).text)  # every room now, not only his own
    assert "ม.1/1" in screening and "ม.1/2" in screening
    assert (await somchai.get("/screening/criteria")).status_code == 200  # and the counsellor's work
    chai = await somchai.get(f"/records/{people.students['10003']}")  # a student of another room, as counsellor
    assert chai.status_code == 200 and "ชัย" in text_of(chai.text)


async def test_the_menu_is_the_union_of_the_roles(make_client, people, settings):
    admin, director = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit(f"/admin/users/{people.wipa.user_id}/roles", {"role": "executive"})
    await people.wichai.sign_in(settings, director)
    await _confirm_pending(director)
    shown = {item.path for item in access.menu(await people.wipa.viewer())}
    assert {"/attendance", "/account-changes", "/screening", "/visits"} <= shown  # teacher's and executive's
    assert "/admin/users" not in shown


async def test_a_role_not_reading_sensitive_data_is_given_at_once_and_taken_back(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/users/{people.wipa.user_id}/roles", {"role": "homeroom_teacher"})
    assert "ให้บทบาทแล้ว" in text_of(page.text)
    assert "ครูประจำชั้น" in text_of((await admin.get("/admin/users")).text)
    page = await admin.submit(f"/admin/users/{people.wipa.user_id}/roles", {"role": "homeroom_teacher"})
    assert "มีบทบาทนี้อยู่แล้ว" in text_of(page.text)
    page = await admin.submit(f"/admin/users/{people.wipa.user_id}/roles/remove", {"role": "subject_teacher"})
    assert "บทบาทหลัก" in text_of(page.text)  # the main role stays
    page = await admin.submit(f"/admin/users/{people.wipa.user_id}/roles/remove", {"role": "homeroom_teacher"})
    assert "ถอนบทบาทแล้ว" in text_of(page.text)
    assert (await User.select(User.extra_roles).where(User.id == people.wipa.user_id).first())["extra_roles"] == ""


async def test_an_admin_cannot_give_themself_a_sensitive_role_without_an_executive(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit(f"/admin/users/{people.kanya.user_id}/roles", {"role": "nurse"})
    assert (await admin.get(f"/records/{people.students['10002']}")).status_code == 200
    pending = await AccountChange.select(AccountChange.status).where(
        (AccountChange.account == people.kanya.user_id) & (AccountChange.action == "role_granted")).first()
    assert pending["status"] == "pending"
    viewer = await people.kanya.viewer()
    assert viewer.roles == {viewer.role}


# Deactivating ------------------------------------------------------------------------------------------------


async def test_a_deactivated_teacher_is_out_at_once_history_kept_and_back_when_reactivated(make_client, people,
                                                                                          settings):
    admin, somchai, counsellor, parent = make_client(), make_client(), make_client(), make_client()
    bua = people.students["10002"]
    await records.save_section(await people.somchai.viewer(), bua, "family", {"household_size": "4"})
    await people.somchai.sign_in(settings, somchai)
    assert (await somchai.get("/students/homeroom")).status_code == 200

    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/users/{people.somchai.user_id}/deactivate")
    assert "เข้าสู่ระบบไม่ได้อีกแล้ว" in text_of(page.text)
    # His open session ends with the admin's tap, and his password no longer opens anything.
    assert str((await somchai.get("/students/homeroom")).url).startswith("http://testserver/signin")
    page = await sign_in(make_client(), "somchai", PASSWORD)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in text_of(page.text)
    # What he wrote stays, with his name.
    await people.ratana.sign_in(settings, counsellor)
    history = await counsellor.get(f"/records/{bua}/sections/family/history")
    assert "ครูสมชาย" in text_of(history.text)
    # His classroom has no homeroom teacher meanwhile, for the admin and for parents.
    homerooms = text_of((await admin.get("/admin/homerooms")).text)
    assert "ม.1/1" in homerooms and "ยังไม่มีครูประจำชั้น" in homerooms
    await people.somsri.sign_in(settings, parent)
    assert "ครูสมชาย" not in text_of((await parent.get("/")).text)

    page = await admin.submit(f"/admin/users/{people.somchai.user_id}/reactivate")
    assert "เข้าสู่ระบบได้อีกครั้งแล้ว" in text_of(page.text)
    page = await sign_in(somchai, "somchai", PASSWORD)
    assert (await somchai.get("/students/homeroom")).status_code == 200  # his homeroom came back with him
    assert "ครูสมชาย" in text_of((await parent.get("/")).text)
    await people.wichai.sign_in(settings, director := make_client())
    changes = text_of((await director.get("/account-changes")).text)
    assert "ปิดการใช้งานบัญชี" in changes and "เปิดใช้งานบัญชีอีกครั้ง" in changes


async def test_an_admin_cannot_deactivate_themself(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/users/{people.kanya.user_id}/deactivate")
    assert page.status_code == 422
    assert "ปิดการใช้งานบัญชีของตัวเองไม่ได้" in text_of(page.text)
    assert (await admin.get("/admin/users")).status_code == 200


async def test_an_account_waiting_for_an_executive_is_not_opened_by_reactivating(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit("/admin/users", {"username": "nurse2", "display_name": "ครูพยาบาลสอง", "role": "nurse"})
    waiting = await User.select(User.id).where(User.username == "nurse2").first()
    page = await admin.submit(f"/admin/users/{waiting['id']}/reactivate")
    assert page.status_code == 422
    assert (await User.select(User.active).where(User.id == waiting["id"]).first())["active"] is False


# The grade-level head ---------------------------------------------------------------------------------------


async def _second_grade_student(people) -> int:
    """Dara, in ม.2/1: a grade Sunee does not head."""
    grade = await Grade.select(Grade.id).where((Grade.school == people.bangkok) & (Grade.code == "ม.2")).first()
    year = (await people.kanya.viewer()).school_year_id
    room = await Classroom.insert(Classroom(school=people.bangkok, school_year=year, grade=grade["id"],
                                            room=1)).returning(Classroom.id)
    rows = await Student.insert(Student(school=people.bangkok, code="20201", title="เด็กหญิง", first_name="ดารา",
                                        last_name="ศรีสุข", classroom=room[0]["id"], number_in_class=1,
                                        updated_at=clock.now())).returning(Student.id)
    return rows[0]["id"]


async def test_a_grade_head_reads_every_room_of_their_grade_and_none_of_another(make_client, people, settings):
    dara = await _second_grade_student(people)
    sunee = make_client()
    await people.sunee.sign_in(settings, sunee)
    for code in ("10001", "10002", "10003"):  # ม.1/1 and ม.1/2
        page = await sunee.get(f"/records/{people.students[code]}")
        assert page.status_code == 200
        assert "ครอบครัว" in text_of(page.text)  # the family section, as the homeroom teacher reads it
    assert (await sunee.get(f"/records/{dara}")).status_code == 404
    for room in ("BKK ม.1/1", "BKK ม.1/2"):
        assert (await sunee.get(f"/screening/classrooms/{people.classrooms[room]}")).status_code == 200
        assert (await sunee.get(f"/attendance/classrooms/{people.classrooms[room]}")).status_code == 200
    home = text_of((await sunee.get("/")).text)
    assert "ระดับชั้นของฉัน" in home and "ม.1/1" in home and "ม.1/2" in home and "ม.2/1" not in home
    found = text_of((await sunee.get("/search", params={"q": "ศรีสุข"})).text)
    assert "ดารา" not in found
    # She supervises; the homeroom teacher takes the register.
    page = await sunee.submit(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}", {"period": "0"})
    assert page.status_code == 403


async def test_a_grade_head_does_not_read_what_only_counsellors_do(make_client, people, settings):
    bua = people.students["10002"]
    await records.save_section(await people.ratana.viewer(), bua, "other", {"notes": CONFIDENTIAL})
    sunee, somchai = make_client(), make_client()
    await people.sunee.sign_in(settings, sunee)
    await people.somchai.sign_in(settings, somchai)
    assert CONFIDENTIAL in text_of((await somchai.get(f"/records/{bua}")).text)  # her homeroom teacher reads it
    assert CONFIDENTIAL not in text_of((await sunee.get(f"/records/{bua}")).text)
    assert (await sunee.get(f"/records/{bua}/sections/other/history")).status_code in (403, 404)
    for page in ("/screening/school", "/screening/criteria"):
        assert (await sunee.get(page)).status_code == 403
    assert (await sunee.get(f"/screening/students/{bua}/enter/sdq/teacher")).status_code in (403, 404)


async def test_only_someone_holding_the_role_heads_a_grade_until_removed(make_client, people, settings):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    grade = await Grade.select(Grade.id).where((Grade.school == people.bangkok) & (Grade.code == "ม.1")).first()
    page = await admin.submit("/admin/grade-heads", {"grade": grade["id"], "teacher": people.malee.user_id})
    assert page.status_code == 422  # Malee holds no grade-level head role
    text = text_of((await admin.get("/admin/homerooms")).text)
    assert "หัวหน้าระดับ" in text and "ครูสุนีย์" in text
    await admin.submit("/admin/grade-heads/remove", {"grade": grade["id"], "teacher": people.sunee.user_id})
    sunee = make_client()
    await people.sunee.sign_in(settings, sunee)
    assert (await sunee.get(f"/records/{people.students['10002']}")).status_code == 404
