"""The admin corrects a guardian and their links to students. A guardian with an account keeps signing in with
their old number until the code sent to the new one is entered."""

import re

from backend.accounts.tables import AccountChange, User
from backend.students.tables import Guardian, StudentGuardian
from tests.conftest import text_of

SOMSRI, PRASERT = "+66811111111", "+66822222222"


async def test_a_guardian_without_an_account_gets_a_new_name_and_number_at_once(client, people, settings):
    prasert = people.guardians[PRASERT]
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/guardians/{prasert}", {"name": "ประเสริฐ  รักเรียนดี", "phone": "089 123 4567",
                                                                "has_smartphone": "1"})
    assert "บันทึกข้อมูลผู้ปกครองแล้ว" in text_of(page.text)
    row = await Guardian.select().where(Guardian.id == prasert).first()
    assert (row["name"], row["phone"], row["has_smartphone"]) == ("ประเสริฐ รักเรียนดี", "+66891234567", True)


async def test_a_wrong_number_or_someone_elses_is_refused_with_what_was_typed(client, people, settings):
    prasert = people.guardians[PRASERT]
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/guardians/{prasert}", {"name": "ประเสริฐ", "phone": "12345"})
    assert page.status_code == 422 and "ตรวจสอบเบอร์โทรศัพท์" in text_of(page.text)
    assert 'value="12345"' in page.text
    page = await client.submit(f"/admin/guardians/{prasert}", {"name": "ประเสริฐ", "phone": "081-111-1111"})
    assert "เบอร์นี้เป็นของ สมศรี ใจดี อยู่แล้ว" in text_of(page.text)  # never two people made one on a guess
    assert (await Guardian.select(Guardian.phone).where(Guardian.id == prasert).first())["phone"] == PRASERT


async def test_a_parent_with_an_account_moves_to_a_new_number_only_with_the_code_sent_to_it(
        make_client, people, settings, drain, fake_twilio):
    admin = make_client()
    somsri = people.guardians[SOMSRI]
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/guardians/{somsri}", {"name": "สมศรี ใจดี", "phone": "086-555-4444",
                                                              "has_smartphone": "1"})
    assert "ส่งรหัสทาง SMS ไปที่เบอร์ใหม่ 086-555-4444 แล้ว" in text_of(page.text)
    assert (await User.select(User.username).where(User.id == people.somsri.user_id).first())["username"] == SOMSRI
    await drain()
    [sms] = fake_twilio.sent_to("+66865554444")
    code = re.search(r"\d{6}", sms.body).group(0)

    wrong = await admin.submit(f"/admin/guardians/{somsri}/phone", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 422 and "รหัสไม่ถูกต้อง" in text_of(wrong.text)
    done = await admin.submit(f"/admin/guardians/{somsri}/phone", {"code": code})
    assert "ยืนยันเบอร์ใหม่แล้ว" in text_of(done.text)
    user = await User.select(User.username, User.phone).where(User.id == people.somsri.user_id).first()
    assert user == {"username": "+66865554444", "phone": "+66865554444"}
    assert await Guardian.count().where(Guardian.phone == "+66865554444") == 1
    assert await AccountChange.exists().where(AccountChange.action == "parent_phone")

    parent = make_client()
    await parent.get("/signin")
    signed_in = await parent.submit("/signin", {"username": "086-555-4444", "password": "persona-password"})
    assert "อนันต์" in text_of(signed_in.text)  # her son, on her home page


async def test_links_between_guardians_and_students_are_added_changed_and_removed(client, people, settings):
    prasert = people.guardians[PRASERT]
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/guardians/{prasert}/links", {"student_code": "10003", "relation": "ลุง"})
    assert "เชื่อมโยงกับนักเรียนแล้ว" in text_of(page.text) and "ชัย ใจดี" in text_of(page.text)
    chai = await StudentGuardian.select().where((StudentGuardian.guardian == prasert)
                                                 & (StudentGuardian.student == people.students["10003"])).first()
    assert chai["position"] == 2  # after Somsri, Chai's mother
    await client.submit(f"/admin/guardians/{prasert}/links/{chai['id']}", {"relation": "พ่อเลี้ยง",
                                                                           "first_contact": "1"})
    order = await StudentGuardian.select(StudentGuardian.guardian, StudentGuardian.relation).where(
        StudentGuardian.student == people.students["10003"]).order_by(StudentGuardian.position)
    assert [o["guardian"] for o in order] == [prasert, people.guardians[SOMSRI]]
    assert order[0]["relation"] == "พ่อเลี้ยง"
    unknown = await client.submit(f"/admin/guardians/{prasert}/links", {"student_code": "99999", "relation": "ลุง"})
    assert unknown.status_code == 422 and "ไม่พบนักเรียนเลขประจำตัว 99999" in text_of(unknown.text)
    await client.submit(f"/admin/guardians/{prasert}/links/{chai['id']}/remove")
    assert not await StudentGuardian.exists().where(StudentGuardian.id == chai["id"])
    assert (await StudentGuardian.select(StudentGuardian.position).where(
        StudentGuardian.student == people.students["10003"]).first())["position"] == 1


async def test_another_schools_admin_cannot_open_or_edit_a_guardian(client, people, settings):
    await people.preecha.sign_in(settings, client)
    prasert = people.guardians[PRASERT]
    assert (await client.get(f"/admin/guardians/{prasert}")).status_code == 404
    page = await client.submit(f"/admin/guardians/{prasert}", {"name": "x", "phone": "089-123-4567"})
    assert page.status_code == 404 and "ประเสริฐ" not in text_of(page.text)
    assert (await Guardian.select(Guardian.name).where(Guardian.id == prasert).first())["name"] == "ประเสริฐ รักเรียน"
