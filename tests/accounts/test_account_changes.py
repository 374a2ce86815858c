"""Admins cannot give themselves a way into sensitive data (issue 9, finding 7): roles that read it wait for an
executive's confirmation, resets of such accounts are audited, and a parent's reset goes by SMS to the parent."""

import re

from backend.accounts.tables import User
from tests.conftest import text_of
from tests.personas import PASSWORD


async def sign_in(browser, username: str, password: str):
    await browser.get("/signin")
    return await browser.submit("/signin", {"username": username, "password": password, "next": "/"})


async def test_a_counsellor_account_waits_for_an_executive(make_client, people, settings):
    admin, director, counsellor = make_client(), make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit("/admin/users", {"username": "kanya2", "display_name": "ครูกันยา", "role": "counsellor"})
    assert page.status_code == 200
    assert "รอผู้บริหารยืนยัน" in text_of(page.text)
    assert '<p class="code">' not in page.text  # the admin learns no password for it
    assert (await User.select(User.active).where(User.username == "kanya2").first())["active"] is False

    await people.wichai.sign_in(settings, director)
    page = await director.get("/account-changes")
    assert "ครูกันยา" in text_of(page.text) and "ครูแนะแนว" in text_of(page.text)
    change = re.search(r'action="/account-changes/(\d+)/confirm"', page.text).group(1)
    page = await director.submit(f"/account-changes/{change}/confirm")
    password = re.search(r'<p class="code">(\w+)</p>', page.text).group(1)
    # The password is named for its owner: the next person waiting is listed just below it.
    assert "ยืนยันให้ ครูกันยา (kanya2) แล้ว" in text_of(page.text)
    page = await sign_in(counsellor, "kanya2", password)
    assert str(page.url).endswith("/account/password")


async def test_a_refused_grant_never_signs_in(make_client, people, settings):
    admin, director = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit("/admin/users", {"username": "nurse2", "display_name": "ครูพยาบาล", "role": "nurse"})
    await people.wichai.sign_in(settings, director)
    page = await director.get("/account-changes")
    change = re.search(r'action="/account-changes/(\d+)/refuse"', page.text).group(1)
    page = await director.submit(f"/account-changes/{change}/refuse")
    assert "ปฏิเสธแล้ว" in text_of(page.text)
    assert (await User.select(User.active).where(User.username == "nurse2").first())["active"] is False


async def test_resets_and_grants_are_audited_for_executives_only(make_client, people, settings):
    admin, director = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit(f"/admin/users/{people.ratana.user_id}/reset")
    await admin.submit("/admin/users", {"username": "wipa2", "display_name": "ครูวิภาสอง", "role": "subject_teacher"})
    assert (await admin.get("/account-changes")).status_code == 403
    await people.wichai.sign_in(settings, director)
    text = text_of((await director.get("/account-changes")).text)
    assert "ตั้งรหัสผ่านใหม่" in text and "ครูรัตนา" in text and "ครูกันยา" in text
    assert "ครูวิภาสอง" in text


async def test_a_parents_reset_sends_a_code_to_the_parent_not_the_admin(make_client, people, settings, drain,
                                                                       fake_twilio):
    admin, parent = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/users/{people.somsri.user_id}/reset")
    assert page.status_code == 200 and '<p class="code">' not in page.text
    assert "ส่งรหัสเข้าระบบทาง SMS" in text_of(page.text)
    await drain()
    sent = fake_twilio.sent_to("+66811111111")
    code = re.search(r"\d{6}", sent[-1].body).group(0)
    assert (await sign_in(parent, "0811111111", PASSWORD)).status_code == 422  # the old password is gone
    await parent.get("/signin/code")
    page = await parent.submit("/signin/code", {"phone": "0811111111", "code": code})
    assert str(page.url).endswith("/account/password")


async def test_every_sign_in_code_an_admin_gives_is_listed_for_the_executives(make_client, people, settings):
    admin, director = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit(f"/admin/parents/{people.guardians['+66822222222']}/code")
    assert page.status_code == 200
    await people.wichai.sign_in(settings, director)
    listed = text_of((await director.get("/account-changes")).text)
    assert "ประเสริฐ" in listed and "ครูกันยา" in listed  # the parent, and the admin who gave the code
