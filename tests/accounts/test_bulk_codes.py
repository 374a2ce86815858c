"""Parents' sign-in codes for a whole classroom or school: slips to print, or SMS through the outbox. Only guardians
who do not use the app yet; every code audited; a second print or a double submit never spoils codes given."""

import asyncio
import re

from backend import clock
from backend.accounts.tables import AccountChange, SignInCode
from backend.students.tables import Guardian, StudentGuardian
from tests.conftest import text_of

PRASERT = "+66822222222"


async def _class_of_bua(people) -> int:
    """Bua's father Prasert has a smartphone and no account; Somsri (Anan's mother) uses the app already; Bua's
    grandmother has no phone."""
    await Guardian.update({Guardian.has_smartphone: True}).where(Guardian.phone == PRASERT)
    grandma = await Guardian.insert(Guardian(school=people.bangkok, name="ยายมา รักเรียน", updated_at=clock.now(),
                                             has_smartphone=True)).returning(Guardian.id)
    await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10002"],
                                                 guardian=grandma[0]["id"], relation="ยาย", position=2))
    return people.classrooms["BKK ม.1/1"]


def _form(page_text: str) -> dict:
    fields = dict(re.findall(
        r'<input type="hidden" name="(via|classroom|as_of|again|smartphones_only)" value="([^"]*)"', page_text))
    assert fields, "the page offers no button to give codes"
    return fields


async def _redeem(browser, phone: str, code: str):
    await browser.get("/signin/code")
    return await browser.submit("/signin/code", {"phone": phone, "code": code})


async def test_slips_for_a_class_go_to_guardians_without_an_account_and_a_second_print_spoils_none(
        make_client, people, settings):
    admin = make_client()
    room = await _class_of_bua(people)
    await people.kanya.sign_in(settings, admin)
    preview = await admin.get(f"/admin/parents/invite?classroom={room}&via=slip")
    text = text_of(preview.text)
    assert "ผู้ปกครองที่จะได้รับรหัส 1 คน" in text and "ผู้ปกครองที่ใช้แอปอยู่แล้ว 1 คน" in text
    assert "ยายมา รักเรียน" in text and "ไม่มีเบอร์โทรศัพท์" in text  # named, with why she gets none

    slips = await admin.submit("/admin/parents/invite", _form(preview.text))
    text = text_of(slips.text)
    assert "ทำใบรหัสแล้ว 1 ใบ" in text and "โรงเรียนกรุงเทพศึกษา" in text
    assert "สำหรับผู้ปกครองของ บัว รักเรียน (ม.1/1)" in text and "082-222-2222" in text
    assert "สมศรี" not in text and "อนันต์" not in text
    [code] = re.findall(r'<span class="code">(\d{6})</span>', slips.text)
    assert await AccountChange.count().where(AccountChange.action == "parent_slip") == 1
    assert (await SignInCode.select(SignInCode.via).first())["via"] == "slip"

    # The same form again (a double submit) and a new print: no new code, and the printed one still works.
    twice = text_of((await admin.submit("/admin/parents/invite", _form(preview.text))).text)
    assert "ทำใบรหัสแล้ว 0 ใบ" in twice and "ผู้ปกครอง 1 คนมีรหัสที่ยังใช้ได้อยู่แล้ว" in twice
    again = text_of((await admin.get(f"/admin/parents/invite?classroom={room}&via=slip")).text)
    assert "ผู้ปกครองที่จะได้รับรหัส 0 คน" in again and "ผู้ปกครองที่มีรหัสที่ยังใช้ได้ 1 คน" in again
    assert await SignInCode.count() == 1
    whole_school = text_of((await admin.get("/admin/parents/invite?classroom=0&via=slip")).text)
    assert "ผู้ปกครองที่มีรหัสที่ยังใช้ได้ 1 คน" in whole_school
    page = await _redeem(make_client(), "082-222-2222", code)
    assert str(page.url).endswith("/account/password")

    director = make_client()
    await people.wichai.sign_in(settings, director)
    changes = text_of((await director.get("/account-changes")).text)
    assert "ประเสริฐ รักเรียน" in changes and "พิมพ์รหัสเข้าระบบบนใบรหัสให้ผู้ปกครอง · ครูกันยา" in changes


async def test_new_slips_for_those_with_a_code_say_the_old_one_stops_working(make_client, people, settings):
    admin = make_client()
    room = await _class_of_bua(people)
    await people.kanya.sign_in(settings, admin)
    first = await admin.submit("/admin/parents/invite", _form((await admin.get(
        f"/admin/parents/invite?classroom={room}&via=slip")).text))
    [old] = re.findall(r'<span class="code">(\d{6})</span>', first.text)
    preview = await admin.get(f"/admin/parents/invite?classroom={room}&via=slip&again=1")
    assert "รวมผู้ที่มีรหัสเดิมที่ยังใช้ได้ด้วย (รหัสเดิมจะใช้ไม่ได้)" in text_of(preview.text)
    second = await admin.submit("/admin/parents/invite", _form(preview.text))
    [new] = re.findall(r'<span class="code">(\d{6})</span>', second.text)
    if new != old:
        assert (await _redeem(make_client(), "082-222-2222", old)).status_code == 422
    assert str((await _redeem(make_client(), "082-222-2222", new)).url).endswith("/account/password")
    assert await AccountChange.count().where(AccountChange.action == "parent_slip") == 2


async def test_codes_by_sms_for_a_class_show_their_cost_and_go_once_even_on_a_double_submit(
        make_client, people, settings, drain, fake_twilio):
    admin = make_client()
    room = await _class_of_bua(people)
    await people.kanya.sign_in(settings, admin)
    preview = await admin.get(f"/admin/parents/invite?classroom={room}&via=sms")
    text = text_of(preview.text)
    assert "ส่ง SMS 1 ข้อความ" in text and "คิดค่าบริการ 1 ข้อความย่อย" in text
    form = _form(preview.text)
    pages = await asyncio.gather(admin.submit("/admin/parents/invite", form),
                                 admin.submit("/admin/parents/invite", form))
    assert sorted("กำลังส่งรหัสทาง SMS 1 รายการ" in text_of(p.text) for p in pages) == [False, True]
    await drain()
    [sms] = fake_twilio.sent_to(PRASERT)
    assert "รหัสเข้าแอปดูแล" in sms.body and "ใช้ได้ถึง" in sms.body
    code = re.search(r"\d{6}", sms.body).group(0)
    assert await AccountChange.count().where(AccountChange.action == "parent_code") == 1
    assert fake_twilio.sent_to("+66811111111") == []  # Somsri uses the app already
    assert str((await _redeem(make_client(), "082-222-2222", code)).url).endswith("/account/password")


async def test_slips_by_default_go_to_every_guardian_with_a_mobile_number_smartphone_or_not(
        make_client, people, settings):
    """A roster (a DMC export) rarely says who has a smartphone: the slip is how a family finds out about the app."""
    admin = make_client()
    room = people.classrooms["BKK ม.1/1"]
    assert not (await Guardian.select(Guardian.has_smartphone).where(Guardian.phone == PRASERT).first())[
        "has_smartphone"]
    await people.kanya.sign_in(settings, admin)
    preview = await admin.get(f"/admin/parents/invite?classroom={room}&via=slip")
    text = text_of(preview.text)
    assert "ผู้ปกครองที่จะได้รับรหัส 1 คน" in text and "ห้องเรียนหรือทั้งโรงเรียน" in text
    slips = text_of((await admin.submit("/admin/parents/invite", _form(preview.text))).text)
    assert "ทำใบรหัสแล้ว 1 ใบ" in slips and "082-222-2222" in slips

    narrowed = text_of((await admin.get(f"/admin/parents/invite?classroom={room}&via=slip&smartphones_only=1")).text)
    assert "ผู้ปกครองที่จะได้รับรหัส 0 คน" in narrowed
    assert "ประเสริฐ รักเรียน" in narrowed and "ไม่ได้ระบุว่ามีสมาร์ทโฟน" in narrowed
    assert "ไม่ได้รับรหัส และเหตุผล" in narrowed and "เอาเครื่องหมายออกจาก" in narrowed
