"""The parents' satisfaction survey: opening it sends each guardian one code through the outbox (no link); a code
answers once, even sent twice at once; answers carry no guardian; a homeroom teacher sees their class's results
only from five answers; the school's and the classes' figures are the same counts of the same rows."""

from __future__ import annotations

import asyncio
import re

from backend import clock
from backend.notify.tables import Message
from backend.students.tables import Guardian, StudentGuardian
from backend.survey import services as survey
from backend.schools.tables import SchoolYear
from backend.survey.tables import Survey, SurveyAnswer, SurveyCode
from tests.conftest import text_of

SOMSRI, PRASERT = "+66811111111", "+66822222222"
QUESTIONS = ["ครูประจำชั้นติดต่อท่านสม่ำเสมอ", "ท่านได้รับแจ้งเมื่อบุตรหลานขาดเรียนทันเวลา",
             "บุตรหลานปลอดภัยที่โรงเรียน", "บุตรหลานมีความสุขที่โรงเรียน"]
TOO_FEW = "น้อยกว่า 5 คน"


async def _open(people, settings, app) -> int:
    return await survey.open_survey(await people.wichai.viewer(), settings, app.state.queue, {
        "questions": "\n".join(QUESTIONS), "free_question": "ข้อเสนอแนะ"})


async def _codes() -> dict[str, str]:
    """Each guardian's code, as the SMS in the outbox carries it."""
    rows = await Message.select(Message.recipient, Message.body).where(Message.alert.kind == "survey_code")
    return {row["recipient"]: re.search(r"\b(\d{8})\b", row["body"]).group(1) for row in rows}


async def _answer(client, code: str, scores: list[int], text: str = ""):
    await client.get("/survey")
    asked = await client.submit("/survey", {"code": code})
    assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store", text_of(asked.text)
    return await client.submit("/survey/answer", {"code": code, "free_text": text,
                                                  **{f"q{i}": str(s) for i, s in enumerate(scores)}})


async def test_opening_sends_each_guardian_one_code_by_sms_with_no_link(client, people, settings, drain,
                                                                          fake_twilio):
    await people.wichai.sign_in(settings, client)
    form = (await client.get("/surveys")).text
    assert "ครูประจำชั้นติดต่อสื่อสารกับท่านอย่างสม่ำเสมอ" in form and 'value="ข้อเสนอแนะเพิ่มเติม' in form  # defaults
    too_few = await client.submit("/surveys", {"questions": "ข้อเดียว", "free_question": "ข้อเสนอแนะ"})
    assert too_few.status_code == 422 and "4 ถึง 9 ข้อ" in text_of(too_few.text) and await Message.count() == 0
    opened = await client.submit("/surveys", {"questions": "\n".join(QUESTIONS), "free_question": "ข้อเสนอแนะ"})
    assert "ยังไม่มีผู้ปกครองตอบ" in text_of(opened.text)  # a term with no answers says so
    await drain()
    for phone in (SOMSRI, PRASERT):  # Somsri has two children in the school: one code
        [sms] = fake_twilio.sent_to(phone)
        assert re.search(r"\b\d{8}\b", sms.body) and "http" not in sms.body and "www" not in sms.body
        assert "แบบสอบถาม" in sms.body
    again = await client.submit("/surveys", {"questions": "\n".join(QUESTIONS), "free_question": "ข้อเสนอแนะ"})
    assert again.status_code == 409 and "เปิดแล้ว" in text_of(again.text)
    await drain()
    assert len(fake_twilio.messages) == 2 and await SurveyCode.count() == 2


async def test_a_code_answers_once_and_the_answer_names_nobody(client, people, settings, app, make_client):
    await _open(people, settings, app)
    code = (await _codes())[PRASERT]
    assert 'href="/survey"' in (await client.get("/signin")).text  # how a parent with no link finds the page
    unanswered = await client.submit("/survey/answer", {"code": code, "q0": "5", "free_text": "ดีมาก"})
    assert unanswered.status_code == 422 and "ยังไม่ได้ตอบ" in text_of(unanswered.text)
    assert 'value="5" checked' in unanswered.text and "ดีมาก" in unanswered.text and await SurveyAnswer.count() == 0
    thanks = await _answer(client, code, [5, 4, 4, 5], "อยากให้มีการประชุมวันเสาร์")
    assert "ขอบคุณ" in text_of(thanks.text)
    again = make_client()  # the same code, another phone
    await again.get("/survey")
    refused = await again.submit("/survey", {"code": code})
    assert refused.status_code == 409 and "ใช้ไปแล้ว" in text_of(refused.text)
    replay = await again.submit("/survey/answer", {"code": code, **{f"q{i}": "1" for i in range(4)}})
    assert replay.status_code == 409 and "ใช้ไปแล้ว" in text_of(replay.text)
    [stored] = await SurveyAnswer.select()
    assert stored["scores"] == "5,4,4,5" and stored["free_text"] == "อยากให้มีการประชุมวันเสาร์"
    # Nothing in an answer leads back to a guardian: no guardian, no code, no time, no serial number.
    assert set(stored) == {"id", "survey", "classroom", "scores", "free_text"}
    assert not isinstance(stored["id"], int)
    wrong = await again.submit("/survey", {"code": "12345678"})
    assert wrong.status_code == 422 and "ไม่ถูกต้อง" in text_of(wrong.text)


async def test_two_answers_at_once_with_one_code_store_one(people, settings, app):
    await _open(people, settings, app)
    code = (await _codes())[SOMSRI]
    form = {"code": code, **{f"q{i}": "3" for i in range(4)}}
    outcomes = await asyncio.gather(*(survey.answer_with_code(settings, form, f"10.0.0.{n}") for n in range(2)),
                                    return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, survey.SurveyError)]
    assert len(refused) == 1 and refused[0].status == 409, outcomes
    assert await SurveyAnswer.count() == 1
    assert await SurveyCode.count().where(SurveyCode.used == True) == 1  # noqa: E712


async def test_a_parent_answers_in_the_app_and_the_code_is_then_used(client, people, settings, app):
    await _open(people, settings, app)
    await people.somsri.sign_in(settings, client)
    home = text_of((await client.get("/")).text)
    assert "โรงเรียนขอความคิดเห็นของท่าน" in home
    page = text_of((await client.get("/surveys/mine")).text)
    assert QUESTIONS[0] in page
    done = await client.submit("/surveys/mine", {**{f"q{i}": "4" for i in range(4)}})
    assert "ขอบคุณ" in text_of(done.text) and "โรงเรียนขอความคิดเห็นของท่าน" not in text_of(done.text)
    assert await SurveyAnswer.count() == 1
    with_code = await client.submit("/survey", {"code": (await _codes())[SOMSRI]})
    assert with_code.status_code == 409 and "ใช้ไปแล้ว" in text_of(with_code.text)


async def _more_guardians(people, n: int) -> None:
    """n more guardians of Anan (ม.1/1), each with their own phone."""
    for i in range(n):
        rows = await Guardian.insert(Guardian(school=people.bangkok, name=f"ญาติ {i}", phone=f"+6689000000{i}",
                                              updated_at=clock.now())).returning(Guardian.id)
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10001"],
                                                     guardian=rows[0]["id"], relation="ญาติ", position=2 + i))


async def test_a_homeroom_teacher_sees_their_class_only_from_five_answers(client, people, settings, app,
                                                                         make_client):
    await _more_guardians(people, 4)
    survey_id = await _open(people, settings, app)
    codes = await _codes()
    m11 = people.classrooms["BKK ม.1/1"]
    class_page = f"/surveys/{survey_id}/classrooms/{m11}"
    known = [[5, 4, 3, 2], [4, 4, 3, 2], [3, 5, 3, 2], [5, 5, 3, 1]]
    phones = [PRASERT, *(f"+6689000000{i}" for i in range(4))]
    for phone, scores in zip(phones[:4], known, strict=True):
        await _answer(make_client(), codes[phone], scores, f"ชมเชยครู-{phone[-1]}")
    await people.somchai.sign_in(settings, client)
    four = text_of((await client.get(class_page)).text)
    assert TOO_FEW in four and "4.25" not in four and "ชมเชยครู" not in four
    assert "ตอบแล้ว 4 จาก 6" in four
    await _answer(make_client(), codes[phones[4]], [4, 2, 3, 3])  # the fifth answer: shown now
    five = text_of((await client.get(class_page)).text)
    assert TOO_FEW not in five and "ชมเชยครู-2" in five
    # Question 1: 5, 4, 3, 5, 4 → mean 4.20, S.D. 0.84, "high"; question 4: 2, 2, 2, 1, 3 → 2.00, 0.71, "low". Counts,
    # means, spreads and levels as a Thai school report gives them, and the twenty scores over all: 3.30, 1.17.
    assert f"{QUESTIONS[0]} 5 4.20 0.84 มาก 0 0 1 2 2" in five and f"{QUESTIONS[3]} 5 2.00 0.71 น้อย 1 3 1 0 0" in five
    assert "โดยรวม 5 3.30 1.17 ปานกลาง" in five and "4.51–5.00 มากที่สุด" in five  # five guardians, twenty scores
    # Malee keeps ม.1/2: ม.1/1's page does not exist for her.
    malee = make_client()
    await people.malee.sign_in(settings, malee)
    assert (await malee.get(class_page)).status_code == 404
    # The executive: the school's results are the same rows (Somsri has not answered: her code counts for ม.1/1),
    # so they equal the class's here, and Somsri's answer is added to both.
    wichai = make_client()
    await people.wichai.sign_in(settings, wichai)
    school = text_of((await wichai.get("/surveys")).text)
    assert f"{QUESTIONS[0]} 5 4.20 0.84 มาก 0 0 1 2 2" in school and "ตอบแล้ว 5 จาก 6" in school
    await _answer(make_client(), codes[SOMSRI], [1, 1, 1, 1])
    school = text_of((await wichai.get("/surveys")).text)
    assert f"{QUESTIONS[0]} 6 3.67 1.51 มาก 1 0 1 2 2" in school
    assert f"{QUESTIONS[0]} 6 3.67 1.51 มาก 1 0 1 2 2" in text_of((await wichai.get(class_page)).text)


async def test_a_teacher_of_a_class_with_few_answers_sees_no_results(client, people, settings, app, make_client):
    survey_id = await _open(people, settings, app)
    codes = await _codes()
    await _answer(make_client(), codes[PRASERT], [1, 2, 3, 4], "ครูไม่เคยโทรมา")
    await people.somchai.sign_in(settings, client)
    front = text_of((await client.get("/surveys")).text)
    assert "แสดงเมื่อมีผู้ตอบ 5 คน" in front and QUESTIONS[0] not in front
    page = text_of((await client.get(f"/surveys/{survey_id}/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert TOO_FEW in page and "ครูไม่เคยโทรมา" not in page and QUESTIONS[0] not in page
    wichai = make_client()
    await people.wichai.sign_in(settings, wichai)
    assert "ครูไม่เคยโทรมา" in text_of((await wichai.get(
        f"/surveys/{survey_id}/classrooms/{people.classrooms['BKK ม.1/1']}")).text)


def test_the_summary_counts_each_question():
    summary = survey.summarise(["ก", "ข"], [{"scores": "5,1", "free_text": "ข"}, {"scores": "4,2", "free_text": ""},
                                           {"scores": "3,3", "free_text": "ก"}, {"scores": "3,3", "free_text": "ข "}])
    assert summary["answered"] == 4 and summary["texts"] == ["ก", "ข", "ข "]
    assert summary["comments"] == [("ข", 2), ("ก", 1)]  # the same words once, with how many wrote them
    assert [(q["count"], q["mean"]) for q in summary["questions"]] == [(4, 3.75), (4, 2.25)]
    assert summary["questions"][0]["spread"] == {1: 0, 2: 0, 3: 2, 4: 1, 5: 1}



async def test_closing_early_stops_the_codes_and_keeps_what_was_answered(client, people, settings, app, make_client):
    survey_id = await _open(people, settings, app)
    codes = await _codes()
    assert (await _answer(make_client(), codes[PRASERT], [5, 4, 4, 5])).status_code == 200
    somsri = make_client()
    await people.somsri.sign_in(settings, somsri)
    assert "/surveys/mine" in (await somsri.get("/")).text  # her home page asks her to answer

    await people.kanya.sign_in(settings, client)
    assert "ปิดแบบสอบถามตอนนี้" in text_of((await client.get("/surveys")).text)
    closed = await client.submit(f"/surveys/{survey_id}/close")
    assert "ปิดแบบสอบถามแล้ว" in text_of(closed.text) and "ปิดแล้ว รับคำตอบถึง" in text_of(closed.text)
    assert "ปิดแบบสอบถามตอนนี้" not in text_of(closed.text)

    assert "/surveys/mine" not in (await somsri.get("/")).text  # and asks no more
    late = make_client()
    await late.get("/survey")
    refused = await late.submit("/survey", {"code": codes[SOMSRI]})
    assert refused.status_code == 409 and "ปิดแล้ว" in text_of(refused.text)
    assert await SurveyAnswer.count() == 1  # Prasert's answers stay counted
    again = await client.submit(f"/surveys/{survey_id}/close")
    assert again.status_code == 409 and "ปิดไปแล้ว" in text_of(again.text)


async def test_the_school_sees_each_question_beside_the_same_term_last_year(client, people, settings, app,
                                                                           make_client):
    """Last year's survey of this term (three guardians answered) and this year's: a question asked in the same
    words both years shows both means; the earlier survey has its own page."""
    survey_id = await _open(people, settings, app)
    this = await Survey.select().where(Survey.id == survey_id).first()
    year = await SchoolYear.select().where(SchoolYear.id == this["school_year"]).first()
    before = await SchoolYear.insert(SchoolYear(
        school=people.bangkok, year_be=year["year_be"] - 1, starts_on=year["starts_on"].replace(
            year=year["starts_on"].year - 1), ends_on=year["ends_on"].replace(year=year["ends_on"].year - 1))
    ).returning(SchoolYear.id)
    old = await Survey.insert(Survey(
        school=people.bangkok, school_year=before[0]["id"], term=this["term"],
        questions="\n".join([QUESTIONS[0], "คำถามที่เลิกถามแล้ว", QUESTIONS[2], QUESTIONS[3]]), free_question="ข้อเสนอแนะ",
        closes_on=this["closes_on"].replace(year=this["closes_on"].year - 1), opened_at=clock.now())
    ).returning(Survey.id)
    await SurveyAnswer.insert(*[SurveyAnswer(survey=old[0]["id"], scores=scores, free_text="") for scores in
                                ("2,3,4,4", "3,3,4,5", "4,3,4,3")])
    assert (await _answer(make_client(), (await _codes())[PRASERT], [5, 5, 5, 5])).status_code == 200

    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get("/surveys")).text)
    assert f"ภาคเรียนที่ {this['term']}/{year['year_be'] - 1} ผู้ปกครองตอบ 3 คน" in page
    # This year's one 5 (no S.D. for one answer), last year's (2+3+4)/3.
    assert f"{QUESTIONS[0]} 1 5.00 – มากที่สุด 3.00" in page
    assert f"{QUESTIONS[1]} 1 5.00 – มากที่สุด –" in page  # not asked in these words last year
    earlier = await client.get(f"/surveys/{old[0]['id']}")
    assert earlier.status_code == 200
    shown = text_of(earlier.text)
    assert "ปิดแล้ว รับคำตอบถึง" in shown and "คำถามที่เลิกถามแล้ว 3 3.00 0.00 ปานกลาง" in shown
    assert "ปิดแบบสอบถามตอนนี้" not in shown



async def test_the_outbox_shows_that_codes_went_never_the_codes(client, people, settings, app):
    """Whoever reads the school's outbox could otherwise answer the survey in a parent's name."""
    await _open(people, settings, app)
    codes = await _codes()
    await people.kanya.sign_in(settings, client)
    outbox = text_of((await client.get("/notify/outbox")).text)
    assert "แบบสอบถาม" in outbox and "••••••••" in outbox
    assert not any(code in outbox for code in codes.values())


def test_a_mean_reads_as_thai_reports_read_it_at_the_level_boundaries():
    from backend.survey.services import level_of

    assert [level_of(m) for m in (5.0, 4.51, 4.5, 3.51, 3.5, 2.51, 2.5, 1.51, 1.5, 1.0, None)] == [
        "Highest", "Highest", "High", "High", "Moderate", "Moderate", "Low", "Low", "Lowest", "Lowest", None]
