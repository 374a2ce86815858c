"""The student's care summary (แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล): screening, help and referral on one page and
as an A4 PDF, per student and per class; each part only for those who may read it, and every read audited."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from pypdf import PdfReader

from backend import clock, db
from backend.accounts.tables import RecordRead
from backend.care import referrals
from backend.care import services as care
from backend.records import summary
from backend.schools import services as schools
from backend.screening import filling
from backend.screening import services as screening
from backend.students.tables import Student, StudentEnrolment
from benchmarks.bench_database import counting_queries
from tests.conftest import text_of

ANAN, BUA = "10001", "10002"
# What must never reach a summary: a counselling note, what a follow-up says, what a report back says.
NOTE, DONE, REPORT = "พ่อแม่แยกทางกันเมื่อปีที่แล้ว", "คุยเรื่องการบ้านกับเพื่อน", "พบภาวะซึมเศร้าระดับปานกลาง"


async def _bua_cared_for(people) -> None:
    """Bua: the teacher's SDQ typed in, confirmed with problems, a case with two helps, a follow-up, a note for the
    case team, and a referral to the counsellor reported back."""
    somchai, ratana = await people.somchai.viewer(), await people.ratana.viewer()
    bua = people.students[BUA]
    await filling.enter_paper(somchai, bua, "sdq", "teacher", {"typed": "2" * 25})
    await screening.confirm_group(somchai, bua, "problem", "ครูเห็นว่าเก็บตัวมาก")
    case_id = await care.open_case(somchai, bua, {"concern": "ขาดเรียนบ่อย เก็บตัว ไม่คุยกับเพื่อน",
                                                  "source": "screening"})
    next_week = (clock.today() + timedelta(days=7)).isoformat()
    activity = await care.add_activity(somchai, case_id, {"kind": "counselling", "responsible": str(ratana.user_id),
                                                          "follow_up_on": next_week})
    await care.add_activity(somchai, case_id, {"kind": "parents", "follow_up_on": next_week})
    await care.add_follow_up(ratana, case_id, {"activity": str(activity), "done": DONE, "progress": "better",
                                               "next_on": next_week})
    await care.add_note(somchai, case_id, {"body": NOTE, "sensitivity": "case_team"})
    referral = await referrals.refer(somchai, case_id, {"to_role": "counsellor", "reason": "ซึม ไม่ร่าเริง"})
    await referrals.accept(ratana, referral)
    await referrals.report_back(ratana, referral, {"report": REPORT})


def _pdf_text(data: bytes) -> tuple[int, list[str]]:
    """The PDF's pages, each page's text as a reader copies it (spaces a layout adds taken out)."""
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


async def test_the_homeroom_teacher_reads_screening_help_and_referral_on_one_page(client, people, settings):
    await _bua_cared_for(people)
    await people.somchai.sign_in(settings, client)
    page = text_of((await client.get(f"/records/{people.students[BUA]}/summary")).text)
    assert "แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล" in page and "เด็กหญิงบัว รักเรียน" in page
    assert "ภาคเรียนที่" in page and str(clock.today().year + 543)[:2] in page  # the school year in B.E.
    assert "มีปัญหา, ยืนยันโดย ครูสมชาย" in page  # the group, who confirmed it and when
    assert re.search(r"ครู \d+ \S+ \d{4} \d+ (ปกติ|เสี่ยง|มีปัญหา)", page)  # the teacher's SDQ, a score and its band
    assert "ขาดเรียนบ่อย" in page and "ให้การปรึกษาเบื้องต้น" in page and "ครูรัตนา" in page
    assert "ดีขึ้น" in page  # the follow-up's outcome
    assert "ครูแนะแนว" in page and "รายงานผลกลับแล้ว" in page and "ได้รับแล้ว" in page  # referral, report back
    for secret in (NOTE, DONE, REPORT):
        assert secret not in page
    assert "ไม่แสดง" not in page  # the homeroom teacher reads every part


async def test_the_head_of_the_grade_sees_screening_but_no_case_and_is_told_what_is_left_out(client, people,
                                                                                               settings):
    await _bua_cared_for(people)
    await people.sunee.sign_in(settings, client)
    page = text_of((await client.get(f"/records/{people.students[BUA]}/summary")).text)
    assert "มีปัญหา" in page and "ขาดเรียนบ่อย" not in page and "ครูแนะแนว" not in page
    assert "ไม่แสดงแก่คุณ: การช่วยเหลือ, การส่งต่อ" in page  # left out and said so, not shown empty
    _pages, [printed] = _pdf_text((await client.get(f"/records/{people.students[BUA]}/summary?format=pdf")).content)
    assert "มีปัญหา" in printed and "ฉบับนี้ไม่แสดงการช่วยเหลือ,การส่งต่อ" in printed and "ขาดเรียนบ่อย" not in printed
    reads = {row["section"] for row in await RecordRead.select(RecordRead.section).where(
        (RecordRead.reader == people.sunee.user_id) & (RecordRead.student == people.students[BUA]))}
    assert reads == {"screening"}


async def test_those_who_read_neither_screening_nor_care_are_refused(make_client, people, settings):
    await _bua_cared_for(people)
    for person in (people.wipa, people.prasit, people.nipa, people.kanya, people.malee, people.somsri, people.dao):
        browser = make_client()
        await person.sign_in(settings, browser)
        for url in (f"/records/{people.students[BUA]}/summary", f"/records/{people.students[BUA]}/summary?format=pdf",
                    f"/records/classrooms/{people.classrooms['BKK ม.1/1']}/summaries?format=pdf"):
            response = await browser.get(url)
            assert response.status_code in (403, 404), (person.username, url)
            assert NOTE not in response.text and "บัว" not in response.text
    assert await RecordRead.count() == 0


async def test_the_pdf_carries_the_thai_name_and_group_and_every_read_is_audited(client, people, settings):
    await _bua_cared_for(people)
    await people.ratana.sign_in(settings, client)
    response = await client.get(f"/records/{people.students[BUA]}/summary?format=pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    pages, texts = _pdf_text(response.content)
    assert pages == 1
    for words in ("แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล", "เด็กหญิงบัวรักเรียน", "มีปัญหา", "ผู้ปกครอง",
                  "ประสานงานกับผู้ปกครอง", "ครูแนะแนว", f"{clock.today().year + 543}"):
        assert words in texts[0], words
    for secret in (NOTE, DONE, REPORT):
        assert re.sub(r"\s+", "", secret) not in texts[0]
    reads = await RecordRead.select(RecordRead.section).where(
        (RecordRead.reader == people.ratana.user_id) & (RecordRead.student == people.students[BUA]))
    assert sorted(row["section"] for row in reads) == ["care", "screening"]


async def test_a_class_pdf_has_one_page_per_student_in_number_order(client, people, settings):
    await _bua_cared_for(people)
    await people.somchai.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    listing = text_of((await client.get(f"/records/classrooms/{room}/summaries")).text)
    assert listing.index("อนันต์") < listing.index("บัว")
    response = await client.get(f"/records/classrooms/{room}/summaries?format=pdf")
    assert response.status_code == 200
    pages, texts = _pdf_text(response.content)
    assert pages == 2
    assert "เด็กชายอนันต์ใจดี" in texts[0] and "เด็กหญิงบัวรักเรียน" in texts[1]
    assert "ไม่มีเคสการดูแลในปีการศึกษานี้" in texts[0] and "ครูแนะแนว" in texts[1]
    audited = await RecordRead.select(RecordRead.student, RecordRead.section).where(
        RecordRead.reader == people.somchai.user_id)
    assert sorted((r["student"], r["section"]) for r in audited) == sorted(
        (people.students[code], section) for code in (ANAN, BUA) for section in ("care", "screening"))


async def test_a_class_of_45_costs_the_same_queries_as_a_class_of_2(people):
    await _bua_cared_for(people)
    somchai = await people.somchai.viewer()
    room = people.classrooms["BKK ม.1/1"]

    async def counted() -> tuple[int, int]:
        with counting_queries(db.engine()) as counter:
            _room, found = await summary.classroom_summaries(somchai, room)
            summary.to_pdf(found)
        return counter["queries"], len(found)

    await counted()  # warms the school year's cache
    small, two = await counted()
    year = (await schools.school_year_now(people.bangkok, clock.today())).school_year_id
    new = await Student.insert(*[
        Student(school=people.bangkok, code=f"3{n:04d}", title="เด็กหญิง", first_name=f"กิ่ง{n}", last_name="น้ำใจ",
                classroom=room, number_in_class=3 + n, updated_at=clock.now())
        for n in range(43)]).returning(Student.id)
    await StudentEnrolment.insert(*[
        StudentEnrolment(school=people.bangkok, student=row["id"], school_year=year, classroom=room,
                         number_in_class=3 + n, starts_on=date(2000, 1, 1), changed_at=clock.now())
        for n, row in enumerate(new)])
    big, many = await counted()
    assert (two, many) == (2, 45)
    assert big == small, f"{small} queries for 2 students, {big} for 45"


async def test_a_student_with_much_history_fits_one_page_and_is_told_what_was_cut(client, people, settings):
    """Bua with six cases a year, each with four helps followed up five times and a referral: her summary is set
    smaller and trimmed to the newest, each cut said where it is, and stays on one A4 page, in the class's PDF too."""
    from tests.test_printing import pdftotext

    somchai = await people.somchai.viewer()
    bua = people.students[BUA]
    await filling.enter_paper(somchai, bua, "sdq", "teacher", {"typed": "2" * 25})
    await screening.confirm_group(somchai, bua, "problem", "ครูเห็นว่าเก็บตัวมาก " * 10)
    next_week = (clock.today() + timedelta(days=7)).isoformat()
    for n in range(6):
        case_id = await care.open_case(somchai, bua, {"concern": f"เคสที่ {n + 1} " + "ขาดเรียนบ่อย เก็บตัว " * 15,
                                                      "source": "screening"})
        for kind in ("counselling", "parents", "in_class", "remedial"):
            activity = await care.add_activity(somchai, case_id, {"kind": kind, "follow_up_on": next_week})
            for _ in range(5):
                await care.add_follow_up(somchai, case_id, {"activity": str(activity), "done": "คุยกัน",
                                                            "progress": "same"})
        await referrals.refer(somchai, case_id, {"to_role": "counsellor", "reason": "ซึม"})
        await care.close_case(somchai, case_id, {"outcome": "unchanged"})
    await people.somchai.sign_in(settings, client)
    alone = await client.get(f"/records/{bua}/summary?format=pdf")
    pages, _texts = _pdf_text(alone.content)
    assert pages == 1
    room = people.classrooms["BKK ม.1/1"]
    whole = await client.get(f"/records/classrooms/{room}/summaries?format=pdf")
    pages, texts = _pdf_text(whole.content)
    assert pages == 2 and "เด็กชายอนันต์ใจดี" in texts[0] and "เด็กหญิงบัวรักเรียน" in texts[1]
    read = re.sub(r"\s+", "", pdftotext(whole.content).split("\f")[1])
    # The newest case is there; the earlier ones are counted, not silently gone.
    assert "เคสที่6" in read and "เคสที่1" not in read
    assert re.search(r"และเคสก่อนหน้าอีก\d+เคส", read), read
    assert "ลงชื่อ" in read  # the page's end (the signatures) is on the same page
