"""Screening in a real browser at 360 px, in Thai: the homeroom teacher makes Anan a sign-in slip; Anan signs
in with it, chooses his own password, fills the SDQ by tapping the answers, stops halfway, comes back another
time, goes on where he stopped and sends it; the teacher sees the proposed group with its reason and confirms
it."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import VIEWPORT
from tests.e2e.test_journeys import SCREEN_WIDTH, sign_in_with_form

pytestmark = pytest.mark.e2e

NOT_TRUE, SOMEWHAT, CERTAINLY = "ไม่จริง", "ค่อนข้างจริง", "จริง"  # the SDQ answers' <label>s (ticks 0, 1, 2)
TAPS = {  # Anan's own SDQ, page by page (five items a page)
    1: CERTAINLY, 2: SOMEWHAT, 3: CERTAINLY, 4: SOMEWHAT, 5: SOMEWHAT,
    6: SOMEWHAT, 7: NOT_TRUE, 8: CERTAINLY, 9: CERTAINLY, 10: SOMEWHAT,
    11: SOMEWHAT, 12: NOT_TRUE, 13: CERTAINLY, 14: NOT_TRUE, 15: CERTAINLY,
    16: SOMEWHAT, 17: CERTAINLY, 18: SOMEWHAT, 19: SOMEWHAT, 20: SOMEWHAT,
    21: NOT_TRUE, 22: NOT_TRUE, 23: SOMEWHAT, 24: SOMEWHAT, 25: SOMEWHAT,
}
# Scored by hand from backend/screening/instruments/sdq.json; reversed items (7, 11, 14, 21, 25) score 2-tick
#   emotional     3, 8, 13, 16, 24    2+2+2+1+1 = 8
#   conduct       5, 7r, 12, 18, 22   1+2+0+1+0 = 4
#   hyperactivity 2, 10, 15, 21r, 25r 1+1+2+2+1 = 7
#   peer          6, 11r, 14r, 19, 23 1+1+2+1+1 = 6
# Total difficulties 8+4+7+6 = 25: the student self-report's "problem" band is 19-40 (without the reversals it
# would be 19). The default criteria count every informant's SDQ total, so the proposal is "with problems".
TOTAL = 25
SCORES = [("ด้านอารมณ์", "8 มีปัญหา"), ("ด้านความประพฤติ/เกเร", "4 ปกติ"),
          ("ด้านพฤติกรรมอยู่ไม่นิ่ง/สมาธิสั้น", "7 มีปัญหา"), ("ด้านความสัมพันธ์กับเพื่อน", "6 มีปัญหา"),
          ("ด้านสัมพันธภาพทางสังคม", "8 มีจุดแข็ง"), ("คะแนนรวมด้านปัญหา", f"{TOTAL} มีปัญหา"),
          ("ผลกระทบ", "4 มีปัญหา")]  # as the teacher's SDQ table shows them (prosocial 2+1+2+2+1: a strength)
# The back page: definite difficulties; upset "quite a lot" (1 point), home "a little" (0), friendships "quite
# a lot" (1), classroom "a great deal" (2), leisure "not at all" (0): impact 4, "problem" (2-10).
IMPACT = [("โดยรวมมีปัญหาด้านอารมณ์", "มีชัดเจน"), ("ทุกข์ใจกับปัญหานี้", "ค่อนข้างมาก"),
          ("กระทบชีวิตที่บ้าน", "เล็กน้อย"), ("กระทบการคบเพื่อน", "ค่อนข้างมาก"),
          ("กระทบการเรียนในห้อง", "มาก"), ("กระทบกิจกรรมยามว่าง", "ไม่เลย")]
NEW_PASSWORD = "anan-chooses-this-1"


WIDER_THAN_THE_SCREEN = f"""[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > {SCREEN_WIDTH} + 0.5)
    .map((e) => `${{e.tagName.toLowerCase()}}.${{e.className}}`
                + ` "${{(e.textContent || '').trim().slice(0, 30)}}"`
                + ` right=${{Math.round(e.getBoundingClientRect().right)}}`)
    .slice(0, 4)"""


class SidewaysScroll:
    """Checks each page for sideways scrolling on the 360 px screen, naming what sticks out; the test fails at
    the end with every page that did (so one wide table does not hide the rest of the journey)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    async def __call__(self, page: Page) -> None:
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > SCREEN_WIDTH:
            self.found.append(f"{page.url} is {width}px wide: {await page.evaluate(WIDER_THAN_THE_SCREEN)}")

    def assert_none(self) -> None:
        assert not self.found, f"sideways scrolling on a {SCREEN_WIDTH}px screen:\n" + "\n".join(self.found)


async def new_phone(chromium, server_url: str) -> BrowserContext:
    """A fresh browser (no cookies), a cheap phone's screen, Thai."""
    context = await chromium.new_context(viewport=VIEWPORT, locale="th-TH", base_url=server_url)
    context.set_default_timeout(10_000)
    return context


async def tap_answers(page: Page, first: int) -> None:
    """Tap the Thai answer of each item on this page (the radios are hidden: people tap the labels)."""
    for number in range(first, first + 5):
        await page.locator(f"li#q{number}").get_by_text(TAPS[number], exact=True).click()
    for number in range(first, first + 5):
        await expect(page.locator(f"li#q{number} input:checked + label")).to_have_text(TAPS[number])


async def expect_page(page: Page, number: int, answered: int, no_sideways_scroll: SidewaysScroll) -> None:
    await expect(page.locator("main p.muted").first).to_contain_text(
        f"หน้า {number} จาก 6 · ตอบแล้ว {answered} จาก 25 ข้อ")
    await no_sideways_scroll(page)


async def test_a_student_fills_the_sdq_in_two_sittings_and_the_teacher_confirms_the_group(
        chromium, server_url, signed_in, people):
    anan = people.students["10001"]
    room = people.classrooms["BKK ม.1/1"]
    no_sideways_scroll = SidewaysScroll()

    # The homeroom teacher makes Anan's sign-in slip from the classroom's screening page.
    teacher = await new_phone(chromium, server_url)
    await signed_in(teacher, people.somchai)
    desk = await teacher.new_page()
    await desk.goto("/screening")  # one homeroom: straight to its summary
    await expect(desk).to_have_url(f"{server_url}/screening/classrooms/{room}")
    await no_sideways_scroll(desk)
    await desk.get_by_role("link", name="บัตรเข้าระบบของนักเรียน").click()
    await expect(desk.get_by_role("heading", level=1)).to_have_text("บัตรเข้าระบบของนักเรียน ม.1/1")
    await desk.get_by_role("checkbox", name=re.compile("อนันต์")).check()
    await desk.get_by_role("button", name="ทำบัตรเข้าระบบ").click()
    slip = desk.locator("ul.slips > li")
    await expect(slip).to_have_count(1)
    await expect(slip).to_contain_text("เด็กชายอนันต์ ใจดี")
    username, password = await slip.locator("span.code").all_inner_texts()
    assert username == "bkk-10001"
    await no_sideways_scroll(desk)

    # Anan signs in with the slip on his own phone, and chooses his own password first.
    phone = await new_phone(chromium, server_url)
    page = await phone.new_page()
    await sign_in_with_form(page, username, password)
    await expect(page).to_have_url(f"{server_url}/account/password")
    await page.get_by_label("รหัสผ่านใหม่", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("ยืนยันรหัสผ่านใหม่").fill(NEW_PASSWORD)
    await no_sideways_scroll(page)
    await page.get_by_role("button", name="บันทึกรหัสผ่าน").click()
    await expect(page).to_have_url(f"{server_url}/screening")
    await expect(page.get_by_role("heading", level=1)).to_have_text("แบบประเมินนักเรียน")
    await no_sideways_scroll(page)

    # He starts the SDQ, answers two pages and most of a third, then saves and stops there.
    sdq = page.locator("ul.cards > li").filter(has_text="SDQ")
    await sdq.get_by_role("link", name="เริ่มทำ").click()
    await expect_page(page, 1, 0, no_sideways_scroll)
    await tap_answers(page, 1)
    await page.get_by_role("button", name="ถัดไป").click()
    await expect_page(page, 2, 5, no_sideways_scroll)
    await tap_answers(page, 6)
    await page.get_by_role("button", name="ถัดไป").click()
    await expect_page(page, 3, 10, no_sideways_scroll)
    await tap_answers(page, 11)
    await page.get_by_role("button", name="บันทึกไว้ก่อน").click()
    await expect(page).to_have_url(f"{server_url}/screening")
    await expect(page.get_by_role("status")).to_have_text("บันทึกแล้ว ทำต่อจากตรงนี้ได้ภายหลัง")
    await expect(sdq).to_contain_text("ตอบแล้ว 15 จาก 25 ข้อ")
    await no_sideways_scroll(page)
    await phone.close()  # the phone is put away: the draft lives on the server, not in the browser

    # Another time, another browser: he signs in with his own password and goes on.
    phone = await new_phone(chromium, server_url)
    page = await phone.new_page()
    await sign_in_with_form(page, username, NEW_PASSWORD)
    await expect(page).to_have_url(f"{server_url}/screening")
    sdq = page.locator("ul.cards > li").filter(has_text="SDQ")
    await expect(sdq).to_contain_text("ตอบแล้ว 15 จาก 25 ข้อ")
    await sdq.get_by_role("link", name="ทำต่อ").click()
    await expect_page(page, 4, 15, no_sideways_scroll)  # where he stopped: the first page not yet answered
    await expect(page.locator("li#q16 input:checked")).to_have_count(0)
    await page.get_by_role("button", name="ย้อนกลับ").click()
    await expect_page(page, 3, 15, no_sideways_scroll)
    for number in range(11, 16):  # what he ticked before stopping is still ticked
        await expect(page.locator(f"li#q{number} input:checked + label")).to_have_text(TAPS[number])
    await page.get_by_role("button", name="ถัดไป").click()
    await expect_page(page, 4, 15, no_sideways_scroll)
    await tap_answers(page, 16)
    await page.get_by_role("button", name="ถัดไป").click()
    await expect_page(page, 5, 20, no_sideways_scroll)
    await tap_answers(page, 21)
    await page.get_by_role("button", name="ถัดไป").click()

    # The back page: overall difficulties and their impact; then he sends the form.
    await expect_page(page, 6, 25, no_sideways_scroll)
    await expect(page.get_by_role("button", name="ถัดไป")).to_have_count(0)
    for question, answer in IMPACT:
        choices = page.locator("div.who", has_text=question).locator("xpath=following-sibling::div[1]")
        await choices.get_by_text(answer, exact=True).click()
        await expect(choices.locator("input:checked + label")).to_have_text(answer)
    await page.get_by_role("button", name="ส่ง", exact=True).click()
    await expect(page).to_have_url(f"{server_url}/screening")
    await expect(page.get_by_role("status")).to_have_text("ส่งแล้ว ขอบคุณ!")
    await expect(sdq.locator(".badge")).to_have_text("ส่งแล้ว")
    await expect(sdq.get_by_role("link", name="ทำใหม่อีกครั้ง")).to_be_visible()
    await no_sideways_scroll(page)
    await page.screenshot(path="/tmp/e2e-screening-student.png", full_page=True)
    await phone.close()

    # The teacher sees Anan's proposed group, with the reason, and confirms it.
    await desk.goto("/screening")
    row = desk.locator("ol.screening > li").filter(has_text="อนันต์")
    await expect(row.locator(".group")).to_have_text("มีปัญหา")
    await expect(row).to_contain_text("รอยืนยัน")
    await expect(row).to_contain_text("SDQ นักเรียน ✓")
    await no_sideways_scroll(desk)
    await row.get_by_role("link", name="เด็กชายอนันต์ ใจดี").click()
    await expect(desk).to_have_url(f"{server_url}/screening/students/{anan}")
    group = desk.locator("section#group")
    await expect(group).to_contain_text("เสนอ: มีปัญหา")
    await expect(group).to_contain_text("ยังไม่ยืนยัน")
    await expect(group).to_contain_text("ยังขาด: SDQ (ครู), SDQ (ผู้ปกครอง), EQ")
    reasons = group.locator("ul.reasons > li")
    await expect(reasons).to_have_count(1)
    await expect(reasons).to_have_text(
        f"มีปัญหา ด้านสุขภาพจิตและพฤติกรรม: SDQ (นักเรียน): คะแนนรวมด้านปัญหา {TOTAL}")
    sdq_table = desk.locator("section.record", has=desk.get_by_role("heading", name="SDQ", exact=True))
    for scale, shown in SCORES:
        line = sdq_table.locator("tbody tr").filter(has=desk.get_by_role("cell", name=scale, exact=True))
        await expect(line.locator("td").nth(1)).to_have_text(shown)  # the student's column
    await expect(group.locator("input[name=group]:checked + label")).to_have_text("มีปัญหา")  # the proposal
    await no_sideways_scroll(desk)
    await group.get_by_role("button", name="ยืนยันกลุ่ม").click()
    await expect(desk.get_by_role("status")).to_have_text("ยืนยันกลุ่มแล้ว")
    await expect(group).to_contain_text("เสนอ: มีปัญหา · ยืนยัน: มีปัญหา ครูสมชาย")
    await expect(group).not_to_contain_text("ยังไม่ยืนยัน")
    history = desk.locator("section.record", has=desk.get_by_role("heading", name="ประวัติการจัดกลุ่ม"))
    await expect(history.locator("li")).to_contain_text("มีปัญหา (ระบบเสนอ มีปัญหา)")
    await no_sideways_scroll(desk)
    await desk.screenshot(path="/tmp/e2e-screening-teacher.png", full_page=True)

    await desk.goto("/screening")  # the class summary now counts him as confirmed
    row = desk.locator("ol.screening > li").filter(has_text="อนันต์")
    await expect(row.locator(".group")).to_have_text("มีปัญหา")
    await expect(row).not_to_contain_text("รอยืนยัน")
    await no_sideways_scroll(desk)
    await desk.screenshot(path="/tmp/e2e-screening-classroom.png", full_page=True)
    await teacher.close()
    no_sideways_scroll.assert_none()


async def test_after_a_hand_over_back_shows_nothing_of_the_teachers(chromium, server_url, signed_in, people):
    """The student holding the teacher's phone presses Back: pages come from the server again, as the student."""
    from backend.i18n import gettext
    from backend.screening import services

    anan, room = people.students["10001"], people.classrooms["BKK ม.1/1"]
    teacher = await people.somchai.viewer()
    await services.save_checklist(teacher, anan, {"sign": ["protection.problem.3"],
                                                  "note.protection": ["บันทึกลับของครู"]}, gettext)
    device = await new_phone(chromium, server_url)
    await signed_in(device, people.somchai)
    page = await device.new_page()
    await page.goto(f"/screening/students/{anan}")
    await expect(page.locator("main")).to_contain_text("บันทึกลับของครู")
    await page.get_by_role("link", name="สรุปทั้งห้อง").click()
    await expect(page).to_have_url(f"{server_url}/screening/classrooms/{room}")
    await page.locator("ol.screening > li").filter(has_text="บัว").get_by_role("button").click()
    await expect(page.locator("main")).to_contain_text("ส่งเครื่องคืน")
    for _ in range(2):
        await page.go_back()
        # htmx keeps no history, so Back reloads the page from the server, where the session is the student's.
        await page.wait_for_timeout(500)
        await page.wait_for_load_state()
        html = await page.content()
        assert "บันทึกลับของครู" not in html and "ถูกทารุณกรรม" not in html
    await device.close()
