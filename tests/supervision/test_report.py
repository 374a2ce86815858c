"""The term's report pack (PDF and XLSX) carries exactly the figures the director's page shows for the same school
(tests/supervision/school.py), a page per classroom, says so for a term with nothing recorded, and is the care
committee's only."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import pypdf

from backend import cli
from backend.i18n import gettext
from backend.supervision import figures, report, services
from backend.schools import services as schools
from backend.survey import services as survey
from tests.conftest import text_of
from tests.supervision.school import seed
from tests.supervision.test_figures import KNOWN, _row

TARGETS = {"visits": "100", "screened": "70", "plans": "100", "incidents_down": "20"}


def _pages(data: bytes) -> list[str]:
    """Each page's text, whitespace folded, as a reader copies it."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    """Text without its spaces: a table's cell may wrap, so its words meet the next line's with a space."""
    return re.sub(r"\s+", "", text)


def _share(shown: str) -> float | str:
    """A share as the page writes it ("44 %"), as the workbook holds it (0.44, shown as 44%)."""
    return int(shown.split()[0]) / 100 if shown.endswith("%") else shown


def _numbers(shown: str) -> list:
    """A figure as the page writes it ("4/9 · 44 %"), as the workbook holds it: done, total, share (4, 9, 0.44)."""
    done, total = map(int, shown.split(" ")[0].split("/"))
    return [done, total, _share(shown.split("· ")[1]) if "·" in shown else "–"]


def _cells(data: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


async def _downloads(client, term: str = "") -> tuple[list[str], dict[str, list[list]]]:
    pdf = await client.get(f"/supervision/report?term={term}&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "private, no-store"
    xlsx = await client.get(f"/supervision/report?term={term}&format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    return _pages(pdf.content), _cells(xlsx.content)


async def test_the_pack_carries_the_figures_the_director_reads(client, people, settings, app):
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await services.save_targets(wichai, await figures.find_term(wichai), TARGETS)
    await people.wichai.sign_in(settings, client)
    front = await client.get("/supervision")
    assert 'href="/supervision/report?term=' in front.text
    page = text_of(front.text)
    listing = text_of((await client.get("/supervision/report")).text)
    assert "ดาวน์โหลด PDF" in listing and "รายงานรายห้องเรียน ห้องละหนึ่งหน้า (2 ห้อง)" in listing
    # What a director needs to know of the pack: for which term, what it holds and what it is for.
    assert (f"ชุดรายงานภาคเรียนที่ {wichai.term_number} ปีการศึกษา {wichai.year_be} มีหัวข้อต่อไปนี้ "
            "พร้อมให้ลงนามและส่งสำนักงานเขตพื้นที่การศึกษา") in listing
    assert "ตัวเลขทุกตัวตรงกับหน้าภาพรวม" not in listing
    pages, sheets = await _downloads(client)
    text = " ".join(pages)
    assert "รายงานผลการดำเนินงานระบบการดูแลช่วยเหลือนักเรียน" in pages[0]
    assert f"ภาคเรียนที่ {wichai.term_number} ปีการศึกษา {wichai.year_be}" in pages[0]  # the year in B.E.
    summary = {row[0]: row[1:] for row in sheets["สรุป"] if row and row[0]}
    for key, figure in figures.FIGURES.items():
        label = gettext(figure.label)
        shown = _row(page, label)  # "4/9 · 44 %" on the director's page
        done, total = map(int, shown.split(" ")[0].split("/"))
        percent = shown.split("· ")[1] if "·" in shown else "–"
        assert (done, total) == KNOWN[key]
        assert _flat(f"{label} {done} {total} {percent}") in _flat(text), (label, shown)  # a label may wrap
        assert summary[label][:3] == [done, total, _share(percent)], (label, summary[label])
    # The targets and whether they are met, as the page badges them.
    assert _flat("เยี่ยมบ้านแล้วในปีการศึกษานี้ 4 9 44 % 100 % ยังไม่ถึงเป้าหมาย") in _flat(text)
    assert _flat("คัดกรองแล้ว 7 9 78 % 70 % ถึงเป้าหมาย") in _flat(text)
    assert summary["คัดกรองแล้ว"][3:5] == [0.7, "ถึงเป้าหมาย"]
    # Numbers the workbook can add up and chart: shares and targets are numbers shown as per cent.
    book = openpyxl.load_workbook(io.BytesIO((await client.get("/supervision/report?format=xlsx")).content))
    row = next(r for r in book["สรุป"].iter_rows() if r[0].value == "คัดกรองแล้ว")
    assert [c.data_type for c in row[1:5]] == ["n"] * 4 and row[3].number_format == row[4].number_format == "0%"
    # Groups, risk incidents and referrals: the page's sentences, and the groups by grade adding up to them.
    assert "ยืนยันกลุ่มเสี่ยง 2 คน · กลุ่มมีปัญหา 4 คน" in page and "ยืนยันกลุ่มเสี่ยง 2 คน · กลุ่มมีปัญหา 4 คน" in text
    assert "ม.1 1 2 4 0 2 9" in text and "รวมทั้งโรงเรียน 1 2 4 0 2 9" in text
    assert ["รวมทั้งโรงเรียน", 1, 2, 4, 0, 2, 9] in sheets["กลุ่มแยกตามชั้น"]
    assert "พฤติกรรมเสี่ยงในภาคเรียนนี้ 1 ครั้ง" in page and "พฤติกรรมเสี่ยงในภาคเรียนนี้ 1 ครั้ง" in text
    assert "ทะเลาะวิวาท ใช่ 1 ไม่มีข้อมูล" in text and "มาสาย 1 ไม่มีข้อมูล" in text  # the fight; lateness apart
    assert "การส่งต่อทั้งหมด 2" in text and "รายงานผลกลับแล้ว 1" in text
    assert "เปิดเคส ยังเปิดอยู่ ปิดแล้ว 2 2 0" in text  # Bua's and ปอ's cases
    assert "ภาคเรียนนี้ไม่มีการสำรวจความพึงพอใจของผู้ปกครอง" in text
    # One page per classroom, each with its own figures.
    found = await figures.for_term(wichai, await figures.find_term(wichai))
    rooms = [p for p in pages if re.search(r"ห้อง ม\.1/\d ครูประจำชั้น", p)]
    assert len(rooms) == len(found.classes) == 2
    for room, c in zip(rooms, found.classes, strict=True):
        assert f"ห้อง {c.label}" in room
        visits = c.measures["visits"]
        assert f"เยี่ยมบ้านแล้วในปีการศึกษานี้ {visits.done} {visits.total} {visits.percent} %" in room
    assert "ครูสมชาย" in rooms[0]
    # Each class page ends with a place for its homeroom teacher to sign, under the teacher's name.
    assert re.search(r"ลงชื่อ \.+ \( ครูสมชาย\S* \) ครูประจำชั้น", rooms[0]), rooms[0][-300:]
    classes = [row[:4] for row in sheets["ห้องเรียน"]]
    assert ["ห้อง ม.1/1", None, None, None] in classes and ["ห้อง ม.1/2", None, None, None] in classes
    assert ["เยี่ยมบ้านแล้วในปีการศึกษานี้", 3, 6, 0.5] in classes and [
        "เยี่ยมบ้านแล้วในปีการศึกษานี้", 1, 3, 0.33] in classes


async def test_the_survey_of_the_term_is_summed_up_for_the_executives(client, people, settings, app):
    await seed(people, app)
    await survey.open_survey(await people.wichai.viewer(), settings, app.state.queue, {
        "questions": "ข้อหนึ่ง\nข้อสอง\nข้อสาม\nข้อสี่", "free_question": "ข้อเสนอแนะ"})
    await people.wichai.sign_in(settings, client)
    pages, sheets = await _downloads(client)
    text = " ".join(pages)
    assert re.search(r"ผู้ปกครองที่ได้รับรหัส \d+ คน · ตอบแล้ว 0 คน \(อัตราการตอบกลับ 0 %\)", text)
    assert "ยังไม่มีผู้ปกครองตอบ" in text
    # The counsellor makes the pack too, without the parents' answers (the executives read them).
    await people.ratana.sign_in(settings, client)
    pages, _ = await _downloads(client)
    assert "ไม่ได้แสดงส่วนนี้ เพราะผลแบบสอบถามผู้ปกครองเปิดให้ผู้บริหารอ่านเท่านั้น" in " ".join(pages)


async def test_a_term_with_no_data_says_so(client, people, settings, app):
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await schools.ensure_school_year(people.bangkok, wichai.year_be - 1)
    term = await figures.find_term(wichai)
    earlier = f"{wichai.year_be - 1}-{term.number}"
    await people.wichai.sign_in(settings, client)
    pages, sheets = await _downloads(client, earlier)
    text = " ".join(pages)
    assert f"ภาคเรียนที่ {term.number}/{wichai.year_be - 1} ไม่มีการบันทึกข้อมูล จึงไม่มีตัวเลขให้แสดง" in pages[0]
    assert "ไม่มีข้อมูลในภาคเรียนนี้" in text and "ระเบียนสะสมครบถ้วน" not in text  # no zeros pretending
    assert "ระเบียนสะสมครบถ้วน" not in str(sheets)
    listing = text_of((await client.get(f"/supervision/report?term={earlier}")).text)
    assert "ภาคเรียนนี้ไม่มีการบันทึกข้อมูล" in listing
    refused = await client.get(f"/supervision/report?term={wichai.year_be + 5}-1&format=pdf")
    assert refused.status_code == 404 and "ไม่พบภาคเรียนนี้" in text_of(refused.text)


async def test_only_the_care_committee_makes_the_pack(client, people, settings, app):
    await seed(people, app)
    sunee = await people.sunee.viewer()
    await people.sunee.sign_in(settings, client)
    front = await client.get("/supervision")
    assert front.status_code == 200 and "/supervision/report" not in front.text  # no link to what is refused
    for fmt in ("", "pdf", "xlsx"):
        refused = await client.get(f"/supervision/report?format={fmt}")
        assert refused.status_code == 403 and "คณะกรรมการดูแลช่วยเหลือนักเรียน" in text_of(refused.text)
    try:
        await report.build(sunee, "")
    except figures.SupervisionError as refusal:
        assert refusal.status == 403
    else:
        raise AssertionError("a grade head made the school's report")


async def test_the_command_writes_the_same_pack_to_files(people, app, tmp_path, capsys):
    await seed(people, app)
    await cli.report("BKK", "", tmp_path, None)  # as the school's executive
    term = await figures.find_term(await people.wichai.viewer())
    pdf, xlsx = tmp_path / f"BKK-report-{term.key}.pdf", tmp_path / f"BKK-report-{term.key}.xlsx"
    assert str(pdf) in capsys.readouterr().out
    text = " ".join(_pages(pdf.read_bytes()))
    assert "เยี่ยมบ้านแล้วในปีการศึกษานี้ 4 9 44 %" in text
    assert ["คัดกรองแล้ว", 7, 9, 0.78] in [row[:4] for row in _cells(xlsx.read_bytes())["สรุป"]]
    with pytest.raises(SystemExit) as refused:  # a grade head is not the care committee
        await cli.report("BKK", "", tmp_path, "sunee")
    assert "คณะกรรมการดูแลช่วยเหลือนักเรียน" in str(refused.value)
    with pytest.raises(SystemExit) as refused:
        await cli.report("BKK", "2400-1", tmp_path, None)
    assert "ไม่พบภาคเรียนนี้" in str(refused.value)


def test_shares_are_rounded_half_up_and_targets_judged_on_the_exact_share():
    """As Thai reports round: 98/365 is 26.8 %, shown 27 %; 2/3 is 67 %. All and nothing only when they are so."""
    shown = {(done, total): figures.Measure("visits", done, total).percent for done, total in
             ((98, 365), (2, 3), (1, 6), (1, 8), (150, 365), (364, 365), (1, 400), (0, 5), (5, 5), (0, 0))}
    assert shown == {(98, 365): 27, (2, 3): 67, (1, 6): 17, (1, 8): 13, (150, 365): 41, (364, 365): 99,
                     (1, 400): 1, (0, 5): 0, (5, 5): 100, (0, 0): None}


async def test_a_share_shown_as_its_target_but_short_of_it_is_not_met_on_the_page_and_in_the_pack(
        client, people, settings, app):
    """7/9 is 77.8 %, shown 78 %: against a 78 % target it is not met (the exact share decides), and the director's
    page and the pack both say so, the pack saying why."""
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await services.save_targets(wichai, await figures.find_term(wichai), {"screened": "78"})
    await people.wichai.sign_in(settings, client)
    page = text_of((await client.get("/supervision")).text)
    assert "7/9 · 78 % เป้าหมาย 78 % · ยังไม่ถึงเป้าหมาย" in page
    pages, sheets = await _downloads(client)
    text = " ".join(pages)
    assert _flat("คัดกรองแล้ว 7 9 78 % 78 % ยังไม่ถึงเป้าหมาย") in _flat(text)
    assert "ตัดสินจากสัดส่วนจริงก่อนปัดเศษ" in _flat(text)


async def test_a_download_is_named_for_its_school(client, people, settings, app):
    """Two schools' packs kept in one folder (the area office's) must not overwrite each other: the file is named
    as the command names it, with the school's code."""
    await seed(people, app)
    term = await figures.find_term(await people.wichai.viewer())
    await people.wichai.sign_in(settings, client)
    for fmt in ("pdf", "xlsx"):
        got = await client.get(f"/supervision/report?term={term.key}&format={fmt}")
        assert f"filename*=UTF-8''BKK-report-{term.key}.{fmt}" in got.headers["content-disposition"]
        got = await client.get(f"/supervision/report?year={term.year_be}&format={fmt}")
        assert f"filename*=UTF-8''BKK-report-{term.year_be}.{fmt}" in got.headers["content-disposition"]
    await people.areasup.sign_in(settings, client)
    for fmt in ("pdf", "xlsx"):
        got = await client.get(f"/area/schools/{people.bangkok}/report?term={term.key}&format={fmt}")
        assert f"filename*=UTF-8''BKK-report-{term.key}.{fmt}" in got.headers["content-disposition"]


REFLECTION = {"worked": "เยี่ยมบ้านครบทุกห้องที่ตั้งใจไว้", "did_not": "การส่งต่อได้รับรายงานผลกลับช้า",
              "changes": "ตั้งผู้ประสานงานการส่งต่อประจำสายชั้น"}


async def test_the_pack_is_numbered_and_ends_with_the_committees_reflection_and_places_to_sign(
        client, people, settings, app):
    """Every page says which of how many it is; the pack ends with what the committee learned from the term (the
    PDCA "act") and where the reporter and the director sign; the referral table says apart where each referral
    stands now and how many were ever reported back. The area supervisor's pack leaves the committee's words out."""
    await seed(people, app)
    wichai = await people.wichai.viewer()
    term = await figures.find_term(wichai)
    await services.save_reflection(wichai, term, REFLECTION)
    await people.wichai.sign_in(settings, client)
    pages, sheets = await _downloads(client, term.key)
    for n, page in enumerate(pages, start=1):
        assert f"หน้า {n} จาก {len(pages)}" in page, (n, page[-120:])
    last = _flat(pages[-1])
    for words in ("สิ่งที่ได้ผลดี", *REFLECTION.values(), "สิ่งที่ยังไม่ได้ผล", "สิ่งที่จะปรับในภาคเรียนหน้า",
                  "ลงชื่อ", "ผู้รายงาน", "ผู้รับรอง", "ตำแหน่งผู้อำนวยการโรงเรียนกรุงเทพศึกษา", "วันที่"):
        assert words in last, words
    assert "บันทึกล่าสุดโดย" in last
    assert [REFLECTION["worked"]] in [row[:1] for row in sheets["การสะท้อนผล"]]
    text = _flat(" ".join(pages))
    assert "สถานะตอนนี้การส่งต่อ" in text and "การส่งต่อทั้งหมด2ได้รับรายงานผลกลับแล้ว(นับทุกสถานะ)1" in text
    await people.areasup.sign_in(settings, client)
    hers = _flat(" ".join(_pages((await client.get(f"/area/schools/{people.bangkok}/report?term={term.key}")).content)))
    assert REFLECTION["worked"] not in hers and "ผู้รายงาน" in hers
    assert "ไม่ได้แสดงส่วนนี้เพราะการสะท้อนผลของคณะกรรมการเปิดให้อ่านภายในโรงเรียนเท่านั้น" in hers
