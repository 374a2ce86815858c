"""The PHQ-A: a student answers about themself; a yes to a suicide-risk question starts the same-day path (the
counsellor told in the app and by SMS, a case opened "today"), the 1323 hotline is shown at once, and nobody outside
the school's counsellors and executives reads the answers."""

from __future__ import annotations

from backend.accounts.tables import RecordRead, User
from backend.care import phqa
from backend.care.tables import CareCase, FollowUp, PhqaFiling
from tests.conftest import text_of

CALM = {**{f"q{n}": "0" for n in range(1, 10)}, "past_year": "0", "difficulty": "0", "thoughts": "0", "attempt": "0"}


def answers(**changes: str) -> dict:
    return {**CALM, **changes}


def test_the_score_is_the_sum_of_the_nine_items_in_the_thai_studys_bands():
    assert phqa.score({**{str(n): 0 for n in range(1, 10)}, "thoughts": 0, "attempt": 0}).band == "minimal"
    nine = phqa.score({**{str(n): 1 for n in range(1, 10)}, "thoughts": 0, "attempt": 0})
    assert (nine.total, nine.band, nine.above_cutoff, nine.suicide_risk) == (9, "mild", False, False)
    ten = phqa.score({**{str(n): 1 for n in range(1, 10)}, "1": 2, "thoughts": 0, "attempt": 0})
    assert (ten.total, ten.band, ten.above_cutoff) == (10, "moderate", True)
    worst = phqa.score({**{str(n): 3 for n in range(1, 10)}, "thoughts": 0, "attempt": 1})
    assert (worst.total, worst.band, worst.suicide_risk) == (27, "severe", True)


async def test_a_yes_on_a_suicide_risk_question_reaches_the_counsellor_today_and_nobody_else_reads_the_answers(
        client, people, settings, make_client, drain, fake_twilio, redis):
    await User.update({User.phone: "+66891111111"}).where(User.username == "ratana")
    chai = people.students["10003"]
    await people.chai.sign_in(settings, client)
    form = text_of((await client.get("/care/phqa")).text)
    # Who reads it (not the homeroom teacher), and the hotline.
    assert "อ่านได้เฉพาะครูแนะแนวและผู้บริหารที่ดูแลระบบช่วยเหลือนักเรียน ไม่ใช่ครูประจำชั้น" in form and "1323" in form

    sent = await client.submit("/care/phqa", answers(q1="2", q9="1", thoughts="1"))
    assert sent.status_code == 200
    shown = text_of(sent.text)
    assert "1323" in shown and "ได้รับแจ้งแล้ว" in shown  # the hotline and "the counsellor will find you today", at once
    case = await CareCase.select().where(CareCase.student == chai).first()
    assert (case["urgency"], case["source"]) == ("today", "phqa")
    filing = await PhqaFiling.select().where(PhqaFiling.student == chai).first()
    assert (filing["total"], filing["suicide_risk"], filing["care_case"]) == (3, True, case["id"])

    await drain()  # the SMS job: sent as soon as the worker takes it
    assert [m.to for m in fake_twilio.messages] == ["+66891111111"]
    assert "ชัย" not in fake_twilio.messages[0].body

    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    home = text_of((await counsellor.get("/")).text)
    assert home.index("เรื่องด่วน: ต้องติดต่อวันนี้") < home.index("ค้นหา") and "ชัย" in home
    read = text_of((await counsellor.get(f"/care/students/{chai}/phqa")).text)
    assert "คิดว่าถ้าตายไปคงจะดี หรือคิดทำร้ายตัวเอง: มีบางวัน" in read
    assert await RecordRead.count().where((RecordRead.student == chai) & (RecordRead.section == "phqa")) == 1
    assert "คำตอบ PHQ-A" in text_of((await counsellor.get(f"/records/{chai}/reads")).text)  # the audit names it
    results = text_of((await counsellor.get("/care/phqa/results")).text)
    assert "ชัย" in results and "เสี่ยงฆ่าตัวตาย" in results

    # Chai's homeroom teacher, his mother and another student's teacher: no answers, no results, no trace of a read.
    for person in (people.malee, people.somsri, people.somchai):
        other = make_client()
        await person.sign_in(settings, other)
        assert (await other.get(f"/care/students/{chai}/phqa")).status_code in (403, 404)
        assert (await other.get("/care/phqa/results")).status_code in (403, 404)
    teacher = make_client()
    await people.malee.sign_in(settings, teacher)
    audit = await teacher.get(f"/records/{chai}/reads")
    assert audit.status_code == 200 and "PHQ" not in audit.text
    # The homeroom teacher is in the case team: she sees the case is urgent, not what he answered.
    case_page = text_of((await teacher.get(f"/care/cases/{case['id']}")).text)
    assert "ติดต่อนักเรียนและผู้ปกครองภายในวันนี้" in case_page and "มีบางวัน" not in case_page


async def test_answering_again_while_the_case_waits_for_contact_pages_nobody_twice(
        client, people, settings, drain, fake_twilio, redis):
    await User.update({User.phone: "+66891111111"}).where(User.username == "ratana")
    await people.chai.sign_in(settings, client)
    await client.submit("/care/phqa", answers(attempt="1"))
    await client.submit("/care/phqa", answers(thoughts="1", attempt="1"))
    await drain()
    assert len(fake_twilio.messages) == 1
    case = await CareCase.select().first()
    assert await CareCase.count() == 1 and await PhqaFiling.count() == 2
    assert await FollowUp.count().where(FollowUp.care_case == case["id"]) == 2  # each filing kept with the case


async def test_calm_answers_open_nothing_and_a_blank_suicide_question_is_not_read_as_no(
        client, people, settings, make_client):
    await people.chai.sign_in(settings, client)
    blank = answers()
    del blank["thoughts"]
    refused = await client.submit("/care/phqa", blank)
    assert refused.status_code == 422
    assert "ยังไม่ได้ตอบข้อ 12" in text_of(refused.text) and await PhqaFiling.count() == 0  # said, not just shown again
    assert 'id="q1-0" name="q1" value="0" checked' in refused.text  # what was chosen stays chosen

    high = answers(q1="3", q2="3", q3="2", q5="2")  # 10: at the cut-off, no suicide risk
    shown = text_of((await client.submit("/care/phqa", high)).text)
    assert "1323" in shown and "ได้รับแจ้งแล้ว" not in shown
    assert await CareCase.count() == 0
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    results = text_of((await counsellor.get("/care/phqa/results")).text)
    assert "ยังไม่มีเคส: เปิดเคส" in results  # at or over the cut-off, no case yet
