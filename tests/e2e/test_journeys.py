"""What people do on a 360 px phone, in Thai: sign in, see their students or children, install, go offline."""

from __future__ import annotations

import re
import struct

import pytest
from playwright.async_api import Page, expect

from tests.personas import PASSWORD

pytestmark = pytest.mark.e2e

SCREEN_WIDTH = 360


async def assert_no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREEN_WIDTH, f"the page is {width}px wide on a {SCREEN_WIDTH}px screen"


async def sign_in_with_form(page: Page, username: str, password: str) -> None:
    await page.goto("/signin")
    await page.get_by_label("ชื่อผู้ใช้หรือเบอร์โทรศัพท์").fill(username)
    await page.get_by_label("รหัสผ่าน").fill(password)
    await page.locator("main").get_by_role("button", name="เข้าสู่ระบบ").click()


async def service_worker_scope(page: Page) -> str:
    return await page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


async def test_homeroom_teacher_signs_in_and_sees_their_room(page: Page, people, server_url):
    await sign_in_with_form(page, "somchai", PASSWORD)
    main = page.locator("main")
    await expect(main.get_by_role("heading", level=1)).to_have_text("สวัสดี ครูสมชาย")
    await expect(page).to_have_url(f"{server_url}/")

    await page.locator("nav").get_by_role("link", name="ห้องของฉัน").click()
    await expect(main.get_by_role("heading", level=1)).to_have_text("ห้อง ม.1/1")
    await expect(page).to_have_url(f"{server_url}/students/homeroom")
    students = main.locator("ol.students > li")
    await expect(students).to_have_count(2)
    await expect(students.nth(0)).to_contain_text("เด็กชายอนันต์ ใจดี")
    await expect(students.nth(0)).to_contain_text("สมศรี ใจดี")
    await expect(students.nth(1)).to_contain_text("เด็กหญิงบัว รักเรียน")
    await expect(students.nth(1)).to_contain_text("ประเสริฐ รักเรียน")
    await expect(main).not_to_contain_text("ชัย")  # Chai is in ม.1/2
    await assert_no_sideways_scroll(page)
    await page.screenshot(path="/tmp/e2e-homeroom.png", full_page=True)


async def test_parent_signs_in_with_a_phone_number_and_sees_both_children(page: Page, people, server_url):
    await sign_in_with_form(page, "081-111-1111", PASSWORD)
    main = page.locator("main")
    await expect(main.get_by_role("heading", level=1)).to_have_text("สวัสดี สมศรี ใจดี")
    children = main.locator("ul.cards > li")
    await expect(children).to_have_count(2)
    anan = children.filter(has_text="อนันต์")
    chai = children.filter(has_text="ชัย")
    await expect(anan).to_contain_text("ชั้น ม.1/1")
    await expect(anan).to_contain_text("ครูประจำชั้น: ครูสมชาย")
    await expect(chai).to_contain_text("ชั้น ม.1/2")
    await expect(chai).to_contain_text("ครูประจำชั้น: ครูมาลี")
    await expect(main).not_to_contain_text("บัว")
    await assert_no_sideways_scroll(page)
    await page.screenshot(path="/tmp/e2e-parent.png", full_page=True)


async def test_the_app_is_installable(profile_context, people, signed_in):
    context = profile_context
    await signed_in(context, people.somchai)
    page = context.pages[0] if context.pages else await context.new_page()
    await page.goto("/")
    assert (await service_worker_scope(page)).endswith("/")

    cdp = await context.new_cdp_session(page)
    installability = await cdp.send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == []
    manifest_errors = await cdp.send("Page.getAppManifest")
    assert manifest_errors.get("errors", []) == []

    response = await page.request.get("/manifest.webmanifest")
    assert response.ok
    manifest = await response.json()
    assert "ดูแล" in manifest["name"]
    assert manifest["short_name"] == "ดูแล"
    icons = {icon["sizes"]: icon for icon in manifest["icons"] if icon.get("purpose", "any") == "any"}
    for size in (192, 512):
        icon = icons[f"{size}x{size}"]
        assert icon["type"] == "image/png"
        image = await page.request.get(icon["src"])
        assert image.ok, icon["src"]
        assert png_size(await image.body()) == (size, size)


async def test_offline_pages_get_the_offline_page(context, page: Page, people, signed_in):
    await signed_in(context, people.somchai)
    await page.goto("/")
    await service_worker_scope(page)
    await page.reload()
    assert await page.evaluate("navigator.serviceWorker.controller !== null")

    await context.set_offline(True)
    try:
        await page.goto("/students/homeroom")
        await expect(page.get_by_role("heading", level=1)).to_have_text("ไม่มีสัญญาณอินเทอร์เน็ต")
        assert await page.evaluate("navigator.onLine") is False
    finally:
        await context.set_offline(False)
    await page.get_by_role("link", name=re.compile("ลองอีกครั้ง")).click()
    await expect(page.locator("main h1")).to_have_text("ห้อง ม.1/1")


async def test_switching_the_language(context, page: Page, people, signed_in):
    await signed_in(context, people.somchai)
    await page.goto("/")
    main = page.locator("main")
    await expect(main.get_by_role("heading", level=1)).to_have_text("สวัสดี ครูสมชาย")

    await page.get_by_role("button", name="English").click()
    await expect(main.get_by_role("heading", level=1)).to_have_text("Hello, ครูสมชาย")
    await expect(page.locator("nav summary")).to_have_text("More")  # sign-out and the less used links fold there
    await assert_no_sideways_scroll(page)

    await page.get_by_role("button", name="ไทย").click()
    await expect(main.get_by_role("heading", level=1)).to_have_text("สวัสดี ครูสมชาย")
    await page.locator("nav summary").click()
    await expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()


async def test_a_wrong_password_keeps_you_on_the_sign_in_page(page: Page, people, server_url):
    await sign_in_with_form(page, "somchai", "not-the-password")
    await expect(page.get_by_role("alert")).to_have_text("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    await expect(page).to_have_url(f"{server_url}/signin")
    await expect(page.get_by_label("ชื่อผู้ใช้หรือเบอร์โทรศัพท์")).to_have_value("somchai")
    await expect(page.get_by_label("รหัสผ่าน")).to_have_value("")
