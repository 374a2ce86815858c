"""Every unsafe request needs the CSRF token: forms carry it as a field, htmx as a header."""

from backend.accounts.tables import User
from tests.conftest import text_of


async def test_a_form_without_the_token_is_refused_and_nothing_changes(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/admin/users")
    page = await client.post("/admin/users", data={"username": "newbie", "display_name": "ครูใหม่",
                                                  "role": "nurse"})
    assert page.status_code == 403
    assert "แบบฟอร์มหมดอายุ" in text_of(page.text)
    assert not await User.exists().where(User.username == "newbie")


async def test_a_token_from_another_browser_is_refused(make_client, people, settings):
    mine, theirs = make_client(), make_client()
    await people.kanya.sign_in(settings, mine)
    await mine.get("/admin/users")
    await theirs.get("/signin")
    page = await mine.post("/admin/users", data={"_csrf_token": theirs.csrf_token(), "username": "newbie",
                                                 "display_name": "ครูใหม่", "role": "nurse"})
    assert page.status_code == 403
    assert not await User.exists().where(User.username == "newbie")


async def test_htmx_sends_the_token_as_a_header(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.get("/admin/users")
    assert f'"x-csrftoken": "{client.csrf_token()}"' in page.text  # on <body hx-headers>
    response = await client.post("/admin/users", headers={"x-csrftoken": client.csrf_token(), "hx-request": "true"},
                                 data={"username": "newbie", "display_name": "ครูใหม่", "role": "nurse"})
    assert response.status_code == 200
    assert await User.exists().where(User.username == "newbie")


async def test_sign_in_itself_needs_the_token(client, people):
    await client.get("/signin")
    page = await client.post("/signin", data={"username": "somchai", "password": "persona-password"})
    assert page.status_code == 403
