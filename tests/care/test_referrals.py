"""Referral: inside the school with a report back, outside with consent and a numbered letter, and the head of the
care system told of what nobody accepted within three school days."""

from __future__ import annotations

import re
from datetime import timedelta

from backend import clock
from backend.accounts.tables import User
from backend.care import referrals
from tests.conftest import text_of


async def _case(client, people, settings) -> str:
    await people.somchai.sign_in(settings, client)
    response = await client.submit(f"/care/students/{people.students['10002']}/new", {"concern": "เก็บตัว ร้องไห้บ่อย"})
    return str(response.url.path)


async def test_a_referral_to_the_counsellor_is_accepted_and_reported_back(client, people, settings, make_client):
    case_url = await _case(client, people, settings)
    sent = await client.submit(f"{case_url}/referrals", {"direction": "inside", "to_role": "counsellor",
                                                         "reason": "ร้องไห้บ่อย", "tried": "คุยกับนักเรียนแล้ว"})
    assert "ส่งต่อแล้ว" in text_of(sent.text)
    referral_url = re.search(r'href="(/care/referrals/\d+)"', (await client.get(case_url)).text).group(1)

    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    inbox = text_of((await counsellor.get("/care/referrals")).text)
    assert "บัว" in inbox
    await counsellor.submit(f"{referral_url}/accept")
    assert (await counsellor.submit(f"{referral_url}/accept")).status_code == 409
    await counsellor.submit(f"{referral_url}/report", {"report": "พบว่าถูกเพื่อนแกล้ง นัดพบทุกสัปดาห์"})

    page = text_of((await client.get(referral_url)).text)
    assert "รายงานผลกลับแล้ว" in page and "ถูกเพื่อนแกล้ง" in page
    # Somchai's home page tells him a report came back; his referrals list shows it until he closes the referral.
    assert "มีผลการช่วยเหลือตอบกลับจากการส่งต่อของคุณ 1 รายการ" in text_of((await client.get("/")).text)
    assert "บัว" in text_of((await client.get("/care/referrals")).text).split("ที่คุณส่งต่อ")[1]
    await client.submit(f"{referral_url}/close")
    assert "ตอบกลับจากการส่งต่อ" not in text_of((await client.get("/")).text)
    # Another homeroom's teacher and the nurse it was not sent to read nothing of it.
    for person in (people.malee, people.nipa):
        other = make_client()
        await person.sign_in(settings, other)
        assert (await other.get(referral_url)).status_code == 404


async def test_a_role_with_nobody_in_it_is_refused_with_words(client, people, settings):
    await User.update({User.active: False}).where(User.username == "nipa")
    case_url = await _case(client, people, settings)
    response = await client.submit(f"{case_url}/referrals", {"to_role": "nurse", "reason": "ปวดท้องบ่อย"})
    assert response.status_code == 422 and "ยังไม่มีผู้ใดในโรงเรียนรับหน้าที่นี้" in text_of(response.text)


async def test_outside_referrals_need_consent_and_get_running_numbers(client, people, settings, make_client):
    case_url = await _case(client, people, settings)
    agency = (await referrals.agencies(people.bangkok))[0]
    refused = await client.submit(f"{case_url}/referrals", {"direction": "outside", "agency": agency["id"],
                                                            "reason": "เสี่ยงทำร้ายตนเอง"})
    assert refused.status_code == 403  # the homeroom teacher refers inside; counsellors outside
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    no_consent = await counsellor.submit(f"{case_url}/referrals", {"direction": "outside", "agency": agency["id"],
                                                                   "reason": "เสี่ยงทำร้ายตนเอง"})
    assert no_consent.status_code == 422 and "ความยินยอม" in text_of(no_consent.text)
    for _ in range(2):
        await counsellor.submit(f"{case_url}/referrals", {"direction": "outside", "agency": agency["id"],
                                                          "reason": "เสี่ยงทำร้ายตนเอง", "consent": "yes",
                                                          "consent_from": "นายประเสริฐ รักเรียน (บิดา)"})
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    too_long = await admin.submit("/school/contact", {"address": "ถนน" * 101, "phone": "02-123-4567"})
    assert too_long.status_code == 422 and "300 ตัวอักษร" in text_of(too_long.text)
    assert f'value="{"ถนน" * 101}"' in too_long.text  # kept as typed, to shorten
    await admin.submit("/school/contact", {"address": "99 ถนนพหลโยธิน  แขวงจตุจักร กรุงเทพฯ 10900",
                                           "phone": "02-123-4567 ต่อ 12"})
    links = re.findall(r'href="(/care/referrals/\d+)"', (await counsellor.get(case_url)).text)
    letter = text_of((await counsellor.get(f"{links[-1]}/letter")).text)
    assert "99 ถนนพหลโยธิน แขวงจตุจักร กรุงเทพฯ 10900 โทร. 02-123-4567 ต่อ 12" in letter  # so the agency replies
    assert f"ที่ 2/{(await people.ratana.viewer()).year_be}" in letter and "1323" not in letter
    assert "สายด่วนสุขภาพจิต" in letter and "นายประเสริฐ รักเรียน" in letter
    assert "เลขประจำตัวนักเรียน 10002" in letter and "(ครูสมชาย)" in letter  # whom, and who signs as her teacher
    assert "วัน" not in letter.split("เรื่อง")[0].split("ที่ 2/")[1]  # dated as official letters are, no weekday
    other = make_client()
    await people.malee.sign_in(settings, other)
    assert (await other.get(f"{links[-1]}/letter")).status_code == 404
    await counsellor.submit(f"{links[-1]}/report", {"report": "รับไว้ดูแล นัดติดตาม 2 สัปดาห์"})
    await counsellor.submit(f"{links[-1]}/close")
    late = await counsellor.submit(f"{links[-1]}/report", {"report": "อีกครั้ง"})
    assert late.status_code == 409


async def test_the_executive_sees_referrals_nobody_accepted_within_three_school_days(client, people, settings,
                                                                                     make_client):
    case_url = await _case(client, people, settings)
    with clock.set_to(clock.now() - timedelta(days=8)):
        await client.submit(f"{case_url}/referrals", {"to_role": "discipline", "reason": "หนีเรียนบ่อย"})
    await client.submit(f"{case_url}/referrals", {"to_role": "nurse", "reason": "ปวดหัวบ่อย"})
    director = make_client()
    await people.wichai.sign_in(settings, director)
    page = text_of((await director.get("/care/referrals")).text)
    late = page.split("ยังไม่มีผู้รับเรื่องภายใน 3 วันทำการ")[1]
    assert late.count("บัว") == 1  # the one sent 8 days ago, not today's


async def test_a_referral_to_a_named_teacher_names_a_teacher_not_a_parent(client, people, settings):
    case_url = await _case(client, people, settings)
    parent = (await people.somsri.viewer()).user_id
    response = await client.submit(f"{case_url}/referrals", {"to_role": "subject_teacher", "to_user": parent,
                                                             "reason": "เรียนไม่ทัน"})
    assert response.status_code == 422 and "เลือกครู" in text_of(response.text)
    wipa = (await people.wipa.viewer()).user_id
    sent = await client.submit(f"{case_url}/referrals", {"to_role": "subject_teacher", "to_user": wipa,
                                                         "reason": "เรียนไม่ทัน"})
    assert sent.status_code == 200


async def test_an_agency_without_a_name_is_refused_and_what_was_typed_stays(client, people, settings):
    await people.ratana.sign_in(settings, client)
    refused = await client.submit("/care/agencies", {"name": " ", "phone": "053-111-222", "address": "ต.สุเทพ"})
    assert refused.status_code == 422 and 'value="053-111-222"' in refused.text and 'value="ต.สุเทพ"' in refused.text
    await client.submit("/care/agencies", {"name": "โรงพยาบาลส่งเสริมสุขภาพตำบลสุเทพ", "phone": "053-111-222"})
    assert "โรงพยาบาลส่งเสริมสุขภาพตำบลสุเทพ" in text_of((await client.get("/care/agencies")).text)
