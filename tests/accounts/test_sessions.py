"""Sessions: a new one works at once, a password change ends the others, sign-out everywhere, the CSRF token
changes with who is signed in, and a password to choose comes first on every page (issue 9, findings 9, 10, 13)."""

from __future__ import annotations

import asyncio

from backend import clock
from backend.accounts.tables import Role, User
from tests import personas
from tests.conftest import text_of
from tests.personas import PASSWORD


async def sign_in(browser, username: str, password: str = PASSWORD):
    await browser.get("/signin")
    return await browser.submit("/signin", {"username": username, "password": password, "next": "/"})


async def test_a_fresh_sign_in_works_on_the_very_next_request(make_client, people, settings):
    names = [f"teacher{i}" for i in range(24)]
    await User.insert(*(User(school=people.bangkok, username=name, display_name=name, created_at=clock.now(),
                             role=Role.subject_teacher.value, password_hash=personas._password_hash)
                        for name in names))

    async def sign_in_and_look(name: str) -> str:
        browser = make_client()
        await browser.get("/signin")
        await browser.submit("/signin", {"username": name, "password": PASSWORD, "next": "/account/password"},
                             follow_redirects=False)
        return str((await browser.get("/account/password", follow_redirects=False)).status_code)

    async def keep_reading(browser) -> None:
        for _ in range(30):  # others' pages are read meanwhile, on the same reading connection
            await browser.get("/students/homeroom")

    reader = make_client()
    await people.somchai.sign_in(settings, reader)
    for _ in range(3):
        outcomes, _ = await asyncio.gather(asyncio.gather(*(sign_in_and_look(name) for name in names)),
                                           keep_reading(reader))
        assert outcomes == ["200"] * len(names)


async def test_changing_the_password_ends_the_other_sessions_but_this_one(make_client, people):
    phone, laptop = make_client(), make_client()
    await sign_in(phone, "somchai")
    await sign_in(laptop, "somchai")
    page = await phone.submit("/account/password", {"current": PASSWORD, "password": "new-password-1",
                                                    "confirm": "new-password-1"})
    assert "บันทึกรหัสผ่านแล้ว" in text_of(page.text)
    assert str((await phone.get("/students/homeroom")).url).endswith("/students/homeroom")
    assert "/signin" in str((await laptop.get("/students/homeroom")).url)


async def test_sign_out_everywhere_ends_every_session(make_client, people):
    phone, laptop = make_client(), make_client()
    await sign_in(phone, "somchai")
    await sign_in(laptop, "somchai")
    page = await phone.get("/account/password")
    assert "ออกจากระบบทุกเครื่อง" in text_of(page.text)
    page = await phone.submit("/account/signout-everywhere")
    assert "ออกจากระบบทุกเครื่องแล้ว" in text_of(page.text)
    assert "/signin" in str((await phone.get("/students/homeroom")).url)
    assert "/signin" in str((await laptop.get("/students/homeroom")).url)


async def test_the_csrf_token_changes_at_sign_in_and_sign_out(client, people):
    await client.get("/signin")
    before = client.csrf_token()
    await sign_in(client, "somchai")
    signed_in = client.csrf_token()
    assert signed_in and signed_in != before
    page = await client.submit("/signout")
    assert "ออกจากระบบแล้ว" in text_of(page.text)
    assert client.csrf_token() not in ("", signed_in)
    # The new token works: the next form is accepted.
    assert (await sign_in(client, "somchai")).status_code == 200


async def test_a_password_to_choose_comes_first_on_every_page(client, people):
    await User.update({User.must_change_password: True}).where(User.id == people.somchai.user_id)
    await sign_in(client, "somchai")
    page = await client.get("/students/homeroom")
    assert str(page.url).endswith("/account/password")
    response = await client.get("/students/homeroom", headers={"hx-request": "true"}, follow_redirects=False)
    assert response.headers.get("hx-redirect") == "/account/password"
    page = await client.submit("/account/password", {"password": "somchai-2569", "confirm": "somchai-2569"})
    assert str((await client.get("/students/homeroom")).url).endswith("/students/homeroom")
