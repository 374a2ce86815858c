"""One-time sign-in codes for parents: six digits, single use, expiring, with few attempts."""

import re
from datetime import timedelta

from backend.accounts import codes
from backend.clock import now
from backend.accounts.tables import SignInCode, User
from backend.students.tables import Guardian
from tests.conftest import text_of


async def issue(client, people, settings, phone="+66822222222") -> str:
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/parents/{people.guardians[phone]}/code")
    assert page.status_code == 200
    return re.search(r'<p class="code">(\d{6})</p>', page.text).group(1)


async def redeem(browser, phone: str, code: str):
    await browser.get("/signin/code")
    return await browser.submit("/signin/code", {"phone": phone, "code": code})


async def test_admin_gives_a_code_and_the_parent_signs_in_and_sets_a_password(make_client, people, settings):
    admin, parent = make_client(), make_client()
    code = await issue(admin, people, settings)
    assert await User.exists().where(User.username == "+66822222222")  # the account was made for the code

    page = await redeem(parent, "082-222-2222", code)
    assert str(page.url).endswith("/account/password")
    assert "ยินดีต้อนรับ" in text_of(page.text)
    page = await parent.submit("/account/password", {"password": "bua-is-my-girl", "confirm": "bua-is-my-girl"})
    assert "บันทึกรหัสผ่านแล้ว" in text_of(page.text)
    assert "บัว" in text_of(page.text)  # his daughter, on his home page

    again = make_client()
    await again.get("/signin")
    page = await again.submit("/signin", {"username": "0822222222", "password": "bua-is-my-girl"})
    assert "บัว" in text_of(page.text)


async def test_a_code_works_once(make_client, people, settings):
    code = await issue(make_client(), people, settings)
    assert str((await redeem(make_client(), "082-222-2222", code)).url).endswith("/account/password")
    page = await redeem(make_client(), "082-222-2222", code)
    assert page.status_code == 422
    assert "รหัสนี้ใช้ไม่ได้แล้ว" in text_of(page.text)


async def test_an_expired_code_is_refused(make_client, people, settings):
    code = await issue(make_client(), people, settings)
    await SignInCode.update({SignInCode.expires_at: now() - timedelta(seconds=1)}).where(SignInCode.id > 0)
    page = await redeem(make_client(), "082-222-2222", code)
    assert "รหัสนี้ใช้ไม่ได้แล้ว" in text_of(page.text)


async def test_five_wrong_codes_spoil_the_code(make_client, people, settings):
    code = await issue(make_client(), people, settings)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    parent = make_client()
    for _ in range(5):
        page = await redeem(parent, "082-222-2222", wrong)
        assert "รหัสไม่ถูกต้อง" in text_of(page.text)
    page = await redeem(make_client(), "082-222-2222", code)
    assert page.status_code in (422, 429)
    assert not str(page.url).endswith("/account/password")


async def test_a_new_code_replaces_the_old_one(make_client, people, settings):
    admin = make_client()
    first = await issue(admin, people, settings)
    second = await issue(admin, people, settings)
    if first != second:
        assert (await redeem(make_client(), "082-222-2222", first)).status_code == 422
    assert str((await redeem(make_client(), "082-222-2222", second)).url).endswith("/account/password")


async def test_codes_are_stored_hashed(make_client, people, settings):
    code = await issue(make_client(), people, settings)
    stored = await SignInCode.select(SignInCode.code_hash).first()
    assert code not in stored["code_hash"]


async def test_a_guardian_without_a_phone_gets_a_clear_message(people):
    viewer = await people.kanya.viewer()
    await Guardian.update({Guardian.phone: None}).where(Guardian.id == people.guardians["+66822222222"])
    try:
        await codes.ensure_parent_account(viewer, people.guardians["+66822222222"])
    except codes.AccountError as error:
        assert error.message == "This guardian has no phone number. Add one to the roster first."
    else:
        raise AssertionError("expected a refusal")


async def test_an_admin_cannot_give_codes_for_another_schools_guardian(client, people, settings):
    await people.preecha.sign_in(settings, client)
    page = await client.submit(f"/admin/parents/{people.guardians['+66822222222']}/code")
    assert page.status_code == 404  # another school's guardian does not exist for Preecha
    assert "ไม่พบผู้ปกครองนี้ในโรงเรียน" in text_of(page.text)
    assert not await User.exists().where(User.username == "+66822222222")


async def test_admin_finds_a_guardian_by_a_childs_name_as_they_type(client, people, settings):
    await people.kanya.sign_in(settings, client)
    results = await client.get("/admin/parents", params={"q": "บัว"}, headers={"hx-request": "true"})
    text = text_of(results.text)
    assert "ประเสริฐ รักเรียน" in text and "สมศรี" not in text
    assert "<nav" not in results.text  # only the results, for htmx to swap in
    by_phone = text_of((await client.get("/admin/parents", params={"q": "0811"})).text)
    assert "สมศรี ใจดี" in by_phone and "ประเสริฐ" not in by_phone
