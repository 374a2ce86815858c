"""Care after screening in a real browser at 360 px, in Thai: the homeroom teacher confirms Bua "with problems",
is asked on /care to open a case, opens one with a buddy and the parents' help and refers her to the counsellor;
the counsellor accepts and reports back; the teacher reads the report on the referral's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from backend import clock
from backend.care.tables import CareCase, PlanActivity, Referral
from tests.e2e.test_behaviour import _fits, _phone

pytestmark = pytest.mark.e2e

REPORT = "พบนักเรียน 2 ครั้ง เครียดเรื่องครอบครัว นัดพบทุกวันพุธ"


async def test_a_teacher_opens_a_case_refers_to_the_counsellor_and_reads_the_report_back(
        chromium, server_url, signed_in, people):
    bua = people.students["10002"]
    somchai = await _phone(chromium, server_url, signed_in, people.somchai)
    page = await somchai.new_page()

    # Nothing is screened for Bua yet: the teacher chooses "with problems" and says why in the note.
    await page.goto(f"/screening/students/{bua}")
    group = page.locator("section#group")
    await group.locator("label[for=group-problem]").click()  # the radio itself is hidden under its label
    await group.locator("[name=note]").fill("ร้องไห้ในห้องบ่อย ขาดเรียนสัปดาห์ละ 2 วัน")
    await _fits(page)
    await group.get_by_role("button", name="ยืนยันกลุ่ม").click()
    await expect(page.get_by_role("status")).to_have_text("ยืนยันกลุ่มแล้ว")

    # His home page's to-do list asks for a case for her, and /care names her.
    await page.goto("/")
    await expect(page.get_by_role("link", name="นักเรียน 1 คนควรเปิดเคส")).to_be_visible()
    await _fits(page)
    await page.get_by_role("link", name="นักเรียน 1 คนควรเปิดเคส").click()
    await expect(page).to_have_url(f"{server_url}/care")
    needs = page.locator("main ul.list").first
    await expect(page.get_by_role("heading", name="ควรเปิดเคส")).to_be_visible()
    await expect(needs).to_contain_text("บัว")
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-care-needs.png", full_page=True)
    await needs.get_by_role("link").filter(has_text="บัว").click()
    await page.locator("[name=concern]").fill("ผลคัดกรองพบปัญหาด้านอารมณ์ ร้องไห้ในห้อง ขาดเรียนบ่อย")
    await _fits(page)
    await page.get_by_role("button", name="เปิดเคส", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("เปิดเคสแล้ว")
    case = await CareCase.select(CareCase.id).where(CareCase.student == bua).first()
    await expect(page).to_have_url(f"{server_url}/care/cases/{case['id']}")

    # The plan: Anan as her buddy, and a call to her father, each with a follow-up date.
    soon = (clock.today() + timedelta(days=7)).isoformat()
    for kind, buddy, what in (("buddy", "อนันต์", "ให้เพื่อนชวนทำการบ้านช่วงพัก"),
                              ("parents", None, "โทรคุยกับคุณพ่อสัปดาห์ละครั้ง")):
        plan = page.locator("details", has=page.get_by_text("เพิ่มการช่วยเหลือในแผน"))
        await plan.locator("summary").click()
        await plan.locator("[name=kind]").select_option(kind)
        if buddy:
            option = plan.locator("[name=buddy] option", has_text=buddy)
            await plan.locator("[name=buddy]").select_option(await option.get_attribute("value"))
        await plan.locator("[name=description]").fill(what)
        await plan.locator("[name=follow_up_on]").fill(soon)
        await _fits(page)
        await plan.get_by_role("button", name="เพิ่ม", exact=True).click()
        await expect(page.get_by_role("status")).to_contain_text("เพิ่มการช่วยเหลือในแผนแล้ว")
    helps = page.locator("ul.cards > li")
    await expect(helps).to_have_count(2)
    await expect(helps.nth(0)).to_contain_text("เพื่อนช่วยเพื่อน")
    await expect(helps.nth(0)).to_contain_text("อนันต์")
    await expect(helps.nth(1)).to_contain_text("ประสานงานกับผู้ปกครอง")
    assert {row["kind"] for row in await PlanActivity.select(PlanActivity.kind).where(
        PlanActivity.care_case == case["id"])} == {"buddy", "parents"}

    # Referred inside the school, to the counsellor.
    refer = page.locator("details", has=page.locator("summary", has_text="ส่งต่อ"))
    await refer.locator("summary").click()
    await refer.locator("[name=to_role]").select_option("counsellor")
    await refer.locator("[name=reason]").fill("ร้องไห้บ่อย ไม่อยากมาโรงเรียน")
    await refer.locator("[name=tried]").fill("เพื่อนช่วยเพื่อน คุยกับคุณพ่อ")
    await _fits(page)
    await refer.get_by_role("button", name="ส่งต่อ", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("ส่งต่อแล้ว")
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-care-case.png", full_page=True)
    referral = await Referral.select(Referral.id).where(Referral.care_case == case["id"]).first()

    # The counsellor finds it among those sent to her, accepts it and reports back.
    ratana = await _phone(chromium, server_url, signed_in, people.ratana)
    desk = await ratana.new_page()
    await desk.goto("/")
    await desk.get_by_role("link", name="การส่งต่อรอคุณ 1 รายการ").click()
    await expect(desk).to_have_url(f"{server_url}/care/referrals")
    await expect(desk.get_by_role("heading", name="ส่งถึงคุณ")).to_be_visible()
    await _fits(desk)
    await desk.locator("main ul.list").first.get_by_role("link").filter(has_text="บัว").click()
    await expect(desk).to_have_url(f"{server_url}/care/referrals/{referral['id']}")
    await expect(desk.locator("main")).to_contain_text("ร้องไห้บ่อย ไม่อยากมาโรงเรียน")
    await desk.get_by_role("button", name="รับเรื่อง").click()
    await expect(desk.get_by_role("status")).to_contain_text("รับเรื่องแล้ว")
    await desk.locator("[name=report]").fill(REPORT)
    await _fits(desk)
    await desk.get_by_role("button", name="ส่งรายงาน").click()
    await expect(desk.get_by_role("status")).to_contain_text("ส่งรายงานผลกลับแล้ว")
    await ratana.close()

    # The teacher reads the report on the referral's page, from the case; Bua no longer waits for a case.
    await page.goto("/")
    await expect(page.get_by_text("ควรเปิดเคส")).to_have_count(0)
    await page.goto(f"/care/cases/{case['id']}")
    await expect(page.locator("main")).to_contain_text("รายงานผลกลับแล้ว")
    await page.get_by_role("link", name="ครูแนะแนว").click()
    await expect(page).to_have_url(f"{server_url}/care/referrals/{referral['id']}")
    await expect(page.locator("main")).to_contain_text("รายงานผลกลับแล้ว")
    await expect(page.locator("main")).to_contain_text(REPORT)
    await expect(page.locator("main")).to_contain_text("ครูรัตนา")
    await _fits(page)
    await page.screenshot(path="/tmp/e2e-care-report.png", full_page=True)
    await somchai.close()
