"""The school year's report pack (PDF and XLSX) carries both terms' figures exactly as each term's director's page
shows them, side by side with their targets; it says when term 2 has no data yet, refuses a year with no term begun
in Thai, and the command and the area supervisor make the same pack."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta

import pytest

from backend import cli, clock
from backend.behaviour import services as behaviour
from backend.care import referrals
from backend.care import services as care
from backend.i18n import gettext
from backend.promotion import services as promotion
from backend.schools import services as schools
from backend.schools.tables import Term
from backend.screening import services as screening
from backend.students.tables import Student
from backend.supervision import area, figures, services, year_report
from backend.visits import services as visits
from tests.conftest import text_of
from tests.supervision.school import seed
from tests.supervision.test_figures import _row
from tests.supervision.test_report import _cells, _numbers, _pages
from tests.test_printing import pdftotext

TERM_1_TARGETS = {"visits": "100", "screened": "70", "plans": "100", "incidents_down": "20"}
TERM_2_TARGETS = {"visits": "50", "screened": "90"}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def _split_year(people, term_2_begun: bool) -> tuple[int, datetime]:
    """This school year's term 1 runs to today and term 2 starts tomorrow; the moment returned is a school day into
    term 2 (or still today, when term 2 has not begun)."""
    today = clock.today()
    term = await figures.find_term(await people.wichai.viewer())
    year_start = term.year_starts_on
    await Term.update({Term.starts_on: year_start, Term.ends_on: today}).where(
        (Term.school_year == term.school_year_id) & (Term.number == 1))
    await Term.update({Term.starts_on: today + timedelta(days=1), Term.ends_on: today + timedelta(days=40)}).where(
        (Term.school_year == term.school_year_id) & (Term.number == 2))
    schools.forget_school_years()
    figures.forget()
    later = today + timedelta(days=3) if term_2_begun else today
    return term.year_be, datetime.combine(later, time(10), clock.SCHOOL_TIME)


async def _term_2(people, app, known) -> None:
    """Term 2: นิด is visited, confirmed at risk and gets a case, referred; Bua's case is closed as improved; ม.1/2
    holds a homeroom activity; Prasit records another fight."""
    somchai, malee, prasit = (await people.somchai.viewer(), await people.malee.viewer(),
                              await people.prasit.viewer())
    nid = known.students["นิด"]
    await visits.save_visit(somchai, {"client_id": str(uuid.uuid4()), "student": nid, "status": "done",
                                      "visited_on": clock.today().isoformat()})
    await screening.confirm_group(somchai, nid, "risk", "ครูเห็นเอง")
    await screening.confirm_group(malee, known.students["รัก"], "normal", "ครูเห็นเอง")
    case = await care.open_case(somchai, nid, {"concern": "มาสายบ่อย"})
    await referrals.refer(somchai, case, {"to_role": "counsellor", "reason": "ซึม"})
    await care.close_case(somchai, known.cases["บัว"], {"outcome": "improved"})
    await promotion.record_activity(malee, people.classrooms["BKK ม.1/2"], {
        "held_on": clock.today().isoformat(), "topic": "การวางแผนชีวิต"})
    fighting = next(c for c in await behaviour.categories(people.bangkok) if c["code"] == "fighting")
    await behaviour.record(prasit, {"client_id": uuid.uuid4().hex, "students": [known.students["ชัย"]],
                                    "category": fighting["id"], "sanction": "warning"})


async def test_the_year_pack_sets_both_terms_pages_side_by_side(client, people, settings, app):
    year_be, later = await _split_year(people, term_2_begun=True)
    known = await seed(people, app)  # term 1
    wichai = await people.wichai.viewer()
    await services.save_targets(wichai, await figures.find_term(wichai, f"{year_be}-1"), TERM_1_TARGETS)
    await services.save_reflection(wichai, await figures.find_term(wichai, f"{year_be}-1"),
                                   {"worked": "ครูเยี่ยมบ้านเป็นทีม"})
    with clock.set_to(later):
        await _term_2(people, app, known)
        wichai = await people.wichai.viewer()
        await services.save_targets(wichai, await figures.find_term(wichai, f"{year_be}-2"), TERM_2_TARGETS)
        await services.save_reflection(wichai, await figures.find_term(wichai, f"{year_be}-2"),
                                       {"changes": "ประชุมผู้ปกครองทุกห้องก่อนสอบ"})
        await people.wichai.sign_in(settings, client)
        pages = {n: text_of((await client.get(f"/supervision?term={year_be}-{n}")).text) for n in (1, 2)}
        overviews = {n: await services.overview(wichai, f"{year_be}-{n}") for n in (1, 2)}
        listing = text_of((await client.get(f"/supervision/report?year={year_be}")).text)
        pdf = await client.get(f"/supervision/report?year={year_be}&format=pdf")
        xlsx = await client.get(f"/supervision/report?year={year_be}&format=xlsx")
    assert "รายงานผลประจำปีการศึกษา" in listing and f"ปีการศึกษา {year_be}" in listing
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f"report-{year_be}.pdf" in pdf.headers["content-disposition"]
    text, sheets = _pages(pdf.content), _cells(xlsx.content)
    flat = _flat(" ".join(text))
    # The side-by-side table's narrow headers read whole, as poppler reads the page: never เป้าหม / าย.
    read = pdftotext(pdf.content, layout=True)
    assert re.search(r"ภาคเรียนที่ 1\s+เป้าหมาย\s+ผลเทียบ", read) and "เป้าหม\n" not in read
    assert not re.search(r"เป้าหม(?!าย)", read)
    # Body cells and titles too break only between words, and a figure stays on its line: 4/9 · 44 %, never 4/9 ·
    # over 44 %; no word is left alone on a title's last line.
    assert "ระเบียนสะสมครบถ้วน" in read and "4/9 · 44 %" in read and "5/9 · 56 %" in read
    assert not {"แล้ว", "ถ้วน", "ข้อมูล", "%", "ชั้น", "ศึกษา"} & {line.strip() for line in read.splitlines()}
    assert not re.search(r"(ดำเนิน|ปีการ|ความช่วย|จากทั้ง|ครูประจำ)\s*\n", read)
    assert f"ปีการศึกษา {year_be}" in text[0] and "ภาคเรียนที่ 2 ยังไม่มีข้อมูล" not in flat
    summary = {row[0]: row[1:] for row in sheets["สรุป"] if row and row[0]}
    for key, figure in figures.FIGURES.items():
        label = gettext(figure.label)
        row, cells = [label], []
        for n in (1, 2):
            check = overviews[n].checks.get(key)
            verdict = ("ถึงเป้าหมาย" if check.met else "ยังไม่ถึงเป้าหมาย") if check else "–"
            row += [_row(pages[n], label), f"{check.target} %" if check else "–", verdict]
            cells += [*_numbers(_row(pages[n], label)), check.target / 100 if check else "–", verdict]
        assert summary[label][:10] == cells, (label, summary[label])  # numbers: done, total, share; target
        assert _flat("".join(row)) in flat, row
    # The figures that moved between the terms, as each term's page reads them.
    assert _row(pages[1], "เยี่ยมบ้านแล้วในปีการศึกษานี้") == "4/9 · 44 %"
    assert _row(pages[2], "เยี่ยมบ้านแล้วในปีการศึกษานี้") == "5/9 · 56 %"
    assert summary["เยี่ยมบ้านแล้วในปีการศึกษานี้"][:10] == [4, 9, 0.44, 1, "ยังไม่ถึงเป้าหมาย",
                                                             5, 9, 0.56, 0.5, "ถึงเป้าหมาย"]
    # Groups by grade: term 2's screening, the year's end.
    groups = overviews[2].figures.groups
    whole = ["รวมทั้งโรงเรียน", *(groups[k] for k in ("normal", "risk", "problem", "special", "not_confirmed")), 9]
    assert whole in sheets["กลุ่มแยกตามชั้น"] and _flat(" ".join(map(str, whole))) in flat
    # Behaviour: each term's risk incidents as its page says, and the year's fights by category.
    for n in (1, 2):
        assert "พฤติกรรมเสี่ยงในภาคเรียนนี้ 1 ครั้ง" in pages[n]
        assert f"พฤติกรรมเสี่ยงในภาคเรียนที่{n}:1ครั้ง" in flat
    assert "ทะเลาะวิวาทใช่2ไม่มีข้อมูล" in flat
    # Cases of the year (Bua's, ปอ's, นิด's; Bua's closed as improved) and each term's referrals.
    assert "เปิดเคสยังเปิดอยู่ปิดแล้ว321" in flat and "ดีขึ้น1" in flat
    assert "การส่งต่อทั้งหมด213" in flat and "ได้รับรายงานผลกลับแล้ว(นับทุกสถานะ)101" in flat
    # Both terms' reflections, and the places to sign, end the pack.
    assert re.search("ภาคเรียนที่1สิ่งที่ได้ผลดีครูเยี่ยมบ้านเป็นทีม.*ภาคเรียนที่2.*ประชุมผู้ปกครองทุกห้องก่อนสอบ",
                     _flat(text[-1])) and "ผู้รายงาน" in _flat(text[-1])
    assert flat.count(_flat("ภาคเรียนนี้ไม่มีการสำรวจความพึงพอใจของผู้ปกครอง")) == 2
    # A page per classroom, with both terms' figures of the class.
    rooms = [p for p in text if re.search(r"ห้อง ม\.1/\d ครูประจำชั้น", p)]
    assert len(rooms) == 2
    for room, n1, n2 in zip(rooms, overviews[1].figures.classes, overviews[2].figures.classes, strict=True):
        assert n1.id == n2.id and f"ห้อง {n1.label}" in room
        cells = [str(year_report.cell(n1.measures["visits"])), str(year_report.cell(n2.measures["visits"]))]
        assert _flat("เยี่ยมบ้านแล้วในปีการศึกษานี้" + "".join(cells)) in _flat(room)
    assert ["เยี่ยมบ้านแล้วในปีการศึกษานี้", 3, 6, 0.5, 4, 6, 0.67] in [r[:7] for r in sheets["ห้องเรียน"]]


async def test_a_year_with_term_2_not_begun_says_so(client, people, settings, app):
    year_be, _ = await _split_year(people, term_2_begun=False)
    await seed(people, app)
    await people.wichai.sign_in(settings, client)
    listing = text_of((await client.get(f"/supervision/report?year={year_be}")).text)
    assert "ภาคเรียนที่ 2 ยังไม่มีข้อมูล" in listing
    text, sheets = _pages((await client.get(f"/supervision/report?year={year_be}&format=pdf")).content), _cells(
        (await client.get(f"/supervision/report?year={year_be}&format=xlsx")).content)
    assert "ภาคเรียนที่2ยังไม่มีข้อมูล" in _flat(text[0])
    row = next(r for r in sheets["สรุป"] if r[0] == "เยี่ยมบ้านแล้วในปีการศึกษานี้")
    assert row[1:4] == [4, 9, 0.44] and row[6:11] == ["–", None, None, "–", "–"]  # no zeros for the term to come


async def test_a_year_without_terms_is_refused_in_thai(client, people, settings, app):
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await schools.ensure_school_year(people.bangkok, wichai.year_be + 1)  # set up ahead: no term begun
    await people.wichai.sign_in(settings, client)
    refused = await client.get(f"/supervision/report?year={wichai.year_be + 1}&format=pdf")
    assert refused.status_code == 404
    assert f"ปีการศึกษา {wichai.year_be + 1} ยังไม่มีภาคเรียนที่เริ่มแล้ว" in text_of(refused.text)
    refused = await client.get("/supervision/report?year=2400")
    assert refused.status_code == 404 and "โรงเรียนไม่มีปีการศึกษา 2400" in text_of(refused.text)
    await people.sunee.sign_in(settings, client)  # a grade head is not the care committee
    assert (await client.get(f"/supervision/report?year={wichai.year_be}")).status_code == 403


async def test_the_command_writes_the_year_pack(people, app, tmp_path, capsys):
    await seed(people, app)
    year_be = (await people.wichai.viewer()).year_be
    await cli.report("BKK", "", tmp_path, None, year=str(year_be))
    pdf, xlsx = tmp_path / f"BKK-report-{year_be}.pdf", tmp_path / f"BKK-report-{year_be}.xlsx"
    assert str(pdf) in capsys.readouterr().out and xlsx.exists()
    assert f"ปีการศึกษา {year_be}" in _pages(pdf.read_bytes())[0]
    with pytest.raises(SystemExit) as refused:
        await cli.report("BKK", "", tmp_path, None, year="2400")
    assert "โรงเรียนไม่มีปีการศึกษา 2400" in str(refused.value)


async def test_the_area_supervisor_gets_the_year_pack_with_no_student_named(client, people, settings, app):
    await seed(people, app)
    year_be = (await people.wichai.viewer()).year_be
    hers = await area.report_pack(await people.areasup.viewer(), people.bangkok, year=str(year_be))
    directors = await year_report.build(await people.wichai.viewer(), str(year_be))
    assert hers.year and hers.sections[1:3] == directors.sections[1:3]
    await people.areasup.sign_in(settings, client)
    school = text_of((await client.get(f"/area/schools/{people.bangkok}")).text)
    assert f"รายงานประจำปีการศึกษา {year_be}: PDF · XLSX" in school
    pdf = await client.get(f"/area/schools/{people.bangkok}/report?year={year_be}")
    assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
    text = " ".join(_pages(pdf.content))
    assert f"ปีการศึกษา {year_be}" in text
    for student in await Student.select(Student.first_name, Student.last_name):
        assert student["first_name"] not in text and student["last_name"] not in text, student
    refused = await client.get(f"/area/schools/{people.chiang_mai}/report?year={year_be}")
    assert refused.status_code == 404


async def test_the_year_pack_says_as_on_which_day_until_the_year_is_over(client, people, settings, app):
    """In November the year is not over: the groups stand "as on" the figures' day, not "at the year's end"; a past
    year's pack says its end. The "last year" column is said plainly: which term of which year it is."""
    await seed(people, app)
    wichai = await people.wichai.viewer()
    await schools.ensure_school_year(people.bangkok, wichai.year_be - 1)
    await people.wichai.sign_in(settings, client)
    now = _flat(" ".join(_pages((await client.get(f"/supervision/report?year={wichai.year_be}&format=pdf")).content)))
    assert "ณสิ้นปีการศึกษา" not in now and "กลุ่มนักเรียนจากการคัดกรองแยกตามชั้นณวันที่" in now
    term = await figures.find_term(wichai)
    assert _flat(f"คอลัมน์ “ปีที่แล้ว” คือภาคเรียนที่ {term.number} ของปีการศึกษา {wichai.year_be - 1}") in now
    assert "ภาคเรียนล่าสุดที่เริ่มแล้ว" not in now
    listing = text_of((await client.get(f"/supervision/report?year={wichai.year_be}")).text)
    assert "กลุ่มนักเรียนจากการคัดกรองแยกตามชั้น ณ วันที่" in listing
    past = _flat(" ".join(_pages((await client.get(f"/supervision/report?year={wichai.year_be - 1}&format=pdf")
                                  ).content)))
    assert "กลุ่มนักเรียนจากการคัดกรองแยกตามชั้นณสิ้นปีการศึกษา" in past
