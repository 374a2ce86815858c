"""Signing in and out on a phone: right and wrong passwords, phone numbers as usernames, throttling, expiry."""

from datetime import timedelta

from backend.clock import now
from backend.accounts.tables import UserSession
from backend import clock
from tests.conftest import text_of
from tests.personas import PASSWORD


async def sign_in(client, username: str, password: str, **headers):
    await client.get("/signin")
    return await client.submit("/signin", {"username": username, "password": password, "next": "/"}, headers=headers)


async def test_teacher_signs_in_and_lands_on_their_home(client, people):
    page = await sign_in(client, "Somchai", PASSWORD)  # usernames ignore case
    assert page.status_code == 200 and str(page.url).endswith("/")
    assert "สวัสดี ครูสมชาย" in text_of(page.text)
    assert "ม.1/1" in text_of(page.text)


async def test_session_cookie_is_httponly_and_lax(client, people):
    page = await sign_in(client, "somchai", PASSWORD)
    cookie = next(h for h in page.history[0].headers.get_list("set-cookie") if h.startswith("doolae_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # Secure in production


async def test_parent_signs_in_with_the_phone_number_as_written(client, people):
    page = await sign_in(client, "081-111-1111", PASSWORD)
    assert "บุตรหลานของท่าน" in text_of(page.text)
    assert "อนันต์" in text_of(page.text) and "ชัย" in text_of(page.text)


async def test_wrong_password_says_so_in_thai_and_keeps_the_username(client, people):
    page = await sign_in(client, "somchai", "wrong-password")
    assert page.status_code == 422
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in text_of(page.text)
    assert 'value="somchai"' in page.text


async def test_unknown_user_gets_the_same_message(client, people):
    page = await sign_in(client, "nobody", "whatever")
    assert page.status_code == 422 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in text_of(page.text)


async def test_english_speakers_get_english(client, people):
    await client.get("/signin")
    client.cookies.set("lang", "en")
    page = await client.submit("/signin", {"username": "somchai", "password": "nope"})
    assert "Wrong username or password." in text_of(page.text)


async def test_one_address_trying_many_accounts_is_slowed(client, people, settings):
    names = [f"guess{i}" for i in range(settings.sign_in_limit_per_address)]
    with clock.set_to(clock.now()):  # a busy machine's hashing must not outlast the first one-second wait
        for name in names:
            await sign_in(client, name, "x")
        page = await sign_in(client, "malee", PASSWORD)
    assert page.status_code == 429


async def test_sign_out_ends_the_session(client, people):
    await sign_in(client, "somchai", PASSWORD)
    page = await client.submit("/signout")
    assert "ออกจากระบบแล้ว" in text_of(page.text)
    assert await UserSession.count() == 0
    assert str((await client.get("/students/homeroom")).url).startswith("http://testserver/signin")


async def test_an_expired_session_asks_to_sign_in_again(client, people):
    await sign_in(client, "somchai", PASSWORD)
    await UserSession.update({UserSession.expires_at: now() - timedelta(minutes=1)}).where(UserSession.id > 0)
    page = await client.get("/students/homeroom")
    assert "/signin?next=/students/homeroom" in str(page.url)
    assert "หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง" in text_of(page.text)


async def test_htmx_requests_without_a_session_are_sent_to_sign_in(client, people):
    response = await client.get("/students/homeroom", headers={"hx-request": "true"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/signin?next=/students/homeroom"


async def test_machines_get_a_401_not_a_page(client, people):
    response = await client.get("/students/homeroom", headers={"accept": "application/json"})
    assert response.status_code == 401 and response.json()["status"] == 401


async def test_sign_in_never_redirects_off_site(client, people):
    await client.get("/signin")
    page = await client.submit("/signin", {"username": "somchai", "password": PASSWORD, "next": "//evil.example"})
    assert str(page.url) == "http://testserver/"
