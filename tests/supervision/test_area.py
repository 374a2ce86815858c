"""The area view: Supervisor Areerat oversees Bangkok (not Chiang Mai). She reads Bangkok's figures, the same as its
director's, per component and grade, and never a student's name, a class's list or any record; Chiang Mai is not
found; her menu holds the area page alone; a school's admin cannot list, reset or widen her account."""

from __future__ import annotations

import gzip
import io
import re

import openpyxl

import pytest

from backend.accounts import access, sessions, staff
from backend.accounts import services as accounts
from backend.accounts.passwords import AccountError
from backend.students import enrolment
from backend.students.tables import Student
from backend.supervision import area, behind, figures, trends
from backend.supervision.figures import SupervisionError
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture that counts statements
from tests.supervision.school import seed, seed_area

# Students whose names cannot occur in any page's wording: one in each of Bangkok's rooms and one in Chiang Mai.
DISTINCT = {"BKK ม.1/1": ("10031", "ฐิตาภรณ์", "พิมพ์ประไพวงศ์"), "BKK ม.1/2": ("10032", "ณัฐวรรธน์", "ศรีสุวรรณฤทธิ์"),
            "CNX ม.1/1": ("20031", "ปุณณวิช", "เชียงแสนสกุล")}
# The headline's short labels on the area page, as the director's page names its bars.
SHORT = {"records": "ระเบียนสะสม", "visits": "การเยี่ยมบ้าน", "screened": "คัดกรองแล้ว", "confirmed": "ยืนยันกลุ่มแล้ว",
         "activities": "กิจกรรม", "meetings": "ประชุมผู้ปกครอง", "cases": "เคส", "plans": "แผนช่วยเหลือ",
         "reported": "รายงานผลกลับแล้ว"}


async def _seed_distinct(people) -> None:
    for room, (code, first, last) in DISTINCT.items():
        admin = await (people.kanya if room.startswith("BKK") else people.preecha).viewer()
        await enrolment.add_student(admin, enrolment.Arrival(classroom=people.classrooms[room], code=code,
                                                             title="ด.ญ.", first_name=first, last_name=last,
                                                             number="20"))


async def test_the_supervisor_reads_bangkoks_figures_as_its_director_does(client, people, settings, app):
    await seed(people, app)
    wichai, areerat = await people.wichai.viewer(), await people.areasup.viewer()
    director = await figures.for_term(wichai, await figures.find_term(wichai))
    found = await area.school(areerat, people.bangkok)
    assert found.figures.measures == director.measures
    assert found.figures.students == director.students == 9
    assert found.figures.groups == director.groups and found.figures.referrals == director.referrals
    assert (found.figures.risk_incidents, found.figures.risk_last_year) == (director.risk_incidents,
                                                                           director.risk_last_year)
    assert found.figures.risk_incidents == 1
    # Per grade: Bangkok's classes are all ม.1, so the grade's figures are the school's.
    assert [g.grade for g in found.grades] == ["ม.1"]
    assert found.grades[0].students == 9
    assert {k: (m.done, m.total) for k, m in found.grades[0].measures.items()} == {
        k: (m.done, m.total) for k, m in director.measures.items()}
    listed = await area.overview(areerat)
    assert [s.id for s in listed] == [people.bangkok]  # not Chiang Mai
    assert listed[0].figures.measures == director.measures

    await people.areasup.sign_in(settings, client)
    response = await client.get("/area")
    page = text_of(response.text)
    assert "โรงเรียนกรุงเทพศึกษา" in page and "โรงเรียนเชียงใหม่วิทยา" not in page
    for key, label in SHORT.items():
        m = director.measures[key]
        assert re.search(re.escape(label) + r" " + re.escape(f"{m.done}/{m.total}"), page), (key, page)
    assert "พฤติกรรมเสี่ยงในภาคเรียนนี้ 1 ครั้ง" in page
    assert "รายงานประจำภาคเรียน: PDF · XLSX" in page  # the report pack's place, until it exists
    assert len(gzip.compress(response.content)) <= 14 * 1024
    detail = await client.get(f"/area/schools/{people.bangkok}")
    assert detail.status_code == 200
    text = text_of(detail.text)
    for heading in ("1. การรู้จักนักเรียนเป็นรายบุคคล", "5. การส่งต่อ", "รายระดับชั้น"):
        assert heading in text
    assert "ระเบียนสะสมครบถ้วน 2/9 · 22 %" in text
    assert "ยืนยันกลุ่มเสี่ยง 2 คน · กลุ่มมีปัญหา 4 คน" in text
    assert "ยังไม่เช็กชื่อ 2 จาก 2 ห้อง" in text  # attendance today
    # The director's chart of the figures as shares, without the school's targets' red lines.
    assert 'role="img" aria-label="ร้อยละของแต่ละตัวชี้วัด"' in detail.text and "<line x1" not in detail.text
    assert len(gzip.compress(detail.content)) <= 14 * 1024


async def test_no_student_is_named_on_any_area_page(client, people, settings, app):
    await seed(people, app)
    await _seed_distinct(people)
    await people.areasup.sign_in(settings, client)
    term = (await figures.find_term(await people.wichai.viewer())).key
    pages = [await client.get(url) for url in (
        "/", "/area", f"/area/schools/{people.bangkok}", f"/area/schools/{people.bangkok}?term={term}",
        f"/area/schools/{people.chiang_mai}")]
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 404]
    assert pages[0].url.path == "/area"  # home leads to the area page
    names = await Student.select(Student.first_name, Student.last_name, Student.code)
    assert len(names) == 13
    for response in pages:
        html = response.text
        for student in names:
            assert student["first_name"] not in html and student["last_name"] not in html, student
        # No class is named or linked: figures by grade only, nothing opens a list of students.
        assert "ม.1/1" not in html and "ม.1/2" not in html
        for link in re.findall(r'href="([^"]+)"', html):
            assert not link.startswith(("/records", "/students", "/supervision", "/screening", "/care",
                                        "/visits", "/behaviour", "/attendance/classrooms")), link


async def test_a_school_not_overseen_is_not_found_with_words(client, people, settings):
    await people.areasup.sign_in(settings, client)
    for school_id in (people.chiang_mai, 987654):
        response = await client.get(f"/area/schools/{school_id}")
        assert response.status_code == 404
        assert "โรงเรียนนี้ไม่อยู่ในความดูแล" in text_of(response.text)
        assert "เชียงใหม่" not in response.text  # whether it exists is not told either
    refused = await client.get(f"/area/schools/{people.bangkok}?term=2400-1")
    assert refused.status_code == 404 and "ไม่พบภาคเรียนนี้" in text_of(refused.text)
    # The director of a school oversees no area.
    await people.wichai.sign_in(settings, client)
    assert (await client.get("/area")).status_code == 403


async def test_the_menu_shows_only_the_area_page_and_home_leads_there(client, people, settings):
    areerat = await people.areasup.viewer()
    assert [item.path for item in access.menu(areerat)] == ["/area"]
    await people.areasup.sign_in(settings, client)
    home = await client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/area"
    page = await client.get("/area")
    assert re.findall(r'<nav.*?</nav>', page.text, re.S) and 'href="/area"' in page.text
    assert "ศน.อารีรัตน์" in text_of(page.text)


async def test_no_predicate_opens_a_record_to_her_nor_to_her_view_of_a_school(people):
    """Her own viewer and the one the figures count with: every record predicate refuses both, as a stranger."""
    areerat = await people.areasup.viewer()
    scoped = await sessions.area_figures_viewer(areerat, people.bangkok)
    assert await sessions.area_figures_viewer(areerat, people.chiang_mai) is None
    assert areerat.school_id == access.NO_SCHOOL and scoped.school_id == people.bangkok
    bua = {"id": people.students["10002"], "school": people.bangkok, "classroom": people.classrooms["BKK ม.1/1"]}
    room = {"id": people.classrooms["BKK ม.1/1"], "school": people.bangkok}
    for viewer in (areerat, scoped):
        assert not viewer.is_staff and not viewer.holds(access.HOMEROOM_ROLES)
        assert await Student.select(Student.id).where(access.visible_students(viewer)) == []
        assert [p for p in access.Permission if viewer.can(p)] == [access.Permission.view_area]
        for predicate in (access.can_see_student, access.can_see_guardians, access.can_see_citizen_id,
                          access.can_see_visits, access.can_see_screening, access.can_confirm_group,
                          access.can_see_behaviour_of, access.in_case_team, access.can_see_phqa,
                          access.can_see_care_summary, access.can_read_talent_plan, access.can_nominate_support,
                          access.can_see_visit_dates, access.can_raise_urgent, access.can_sign_off_service):
            assert not predicate(viewer, bua), predicate.__name__
        for predicate in (access.can_see_classroom_screening, access.can_see_classroom_visits,
                          access.sees_class_care_list, access.can_print_class_summaries,
                          access.can_see_class_promotion, access.can_see_white_classroom, access.can_see_class_network,
                          access.can_see_channel_health, access.can_open_class_survey):
            assert not predicate(viewer, room), predicate.__name__
        for area_name in ("screening", "visits", "care", "records"):
            assert not access.sees_figure_names(viewer, area_name, room)
        assert not access.sees_supervision(viewer) and not access.sees_school_care(viewer)
    # The school's figures open to her view of it; the students and teachers behind them do not.
    term = await figures.find_term(scoped)
    assert (await figures.for_term(scoped, term)).students == 3
    with pytest.raises(SupervisionError):
        await behind.students_behind(scoped, "screened", term)
    with pytest.raises(SupervisionError):
        await behind.homerooms(scoped, term)
    with pytest.raises(SupervisionError):  # her own viewer counts nothing: it belongs to no school
        await figures.for_term(areerat, term)


async def test_a_schools_admin_cannot_list_reset_or_widen_her_account(people):
    kanya = await people.kanya.viewer()
    assert people.areasup.user_id not in {p["id"] for p in await staff.list_staff(kanya)}
    for attempt in (staff.staff_member(kanya, people.areasup.user_id),
                    staff.grant_role(kanya, people.areasup.user_id, "executive"),
                    staff.deactivate(kanya, people.areasup.user_id)):
        with pytest.raises(AccountError):
            await attempt
    with pytest.raises(AccountError):
        await accounts.create_staff(kanya, "another-area", "ศน.ใหม่", "area_supervisor")


async def test_the_operator_sets_her_schools_and_is_told_what_is_wrong(people):
    with pytest.raises(AccountError) as unknown:
        await accounts.create_area_supervisor("areasup2", "ศน.สอง", "x" * 12, ["BKK", "NOPE"])
    assert unknown.value.values == {"codes": "NOPE"}
    with pytest.raises(AccountError):
        await accounts.create_area_supervisor("areasup", "ศน.ซ้ำ", "x" * 12, ["BKK"])  # the username is taken
    await accounts.set_area_schools("areasup", ["BKK", "CNX"])
    areerat = await people.areasup.viewer()
    assert areerat.area_school_ids == {people.bangkok, people.chiang_mai}
    assert [s.name for s in await area.overview(areerat)] == ["โรงเรียนกรุงเทพศึกษา", "โรงเรียนเชียงใหม่วิทยา"]


async def test_she_downloads_an_overseen_schools_term_report_with_no_student_named(client, people, settings, app):
    import io

    import pypdf

    from backend.supervision import report

    await seed(people, app)
    await _seed_distinct(people)
    hers = await area.report_pack(await people.areasup.viewer(), people.bangkok)
    directors = await report.build(await people.wichai.viewer())
    assert hers.sections[1:3] == directors.sections[1:3]  # coverage with targets, groups by grade: the same pack
    await people.areasup.sign_in(settings, client)
    pdf = await client.get(f"/area/schools/{people.bangkok}/report")
    assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "ครอบคลุม" in text or "เป้าหมาย" in text
    for student in await Student.select(Student.first_name, Student.last_name):
        assert student["first_name"] not in text and student["last_name"] not in text, student
    xlsx = await client.get(f"/area/schools/{people.bangkok}/report?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    refused = await client.get(f"/area/schools/{people.chiang_mai}/report")
    assert refused.status_code == 404 and "โรงเรียนนี้ไม่อยู่ในความดูแล" in text_of(refused.text)


async def test_three_schools_read_as_each_ones_director_reads_it(client, people, settings, app):
    area_made = await seed_area(people, app)
    listed = {s.id: s for s in await area.overview(await people.areasup.viewer())}
    assert list(listed) == sorted(area_made.schools, key=lambda i: listed[i].name)  # by name, the three
    for school_id, director in area_made.directors.items():
        viewer = await director.viewer()
        theirs = await figures.for_term(viewer, await figures.find_term(viewer))
        mine = listed[school_id].figures
        assert (mine.term, mine.as_of, mine.students, mine.recorded) == (theirs.term, theirs.as_of, theirs.students,
                                                                         theirs.recorded), school_id
        assert mine.measures == theirs.measures, school_id
        assert (mine.risk_incidents, mine.risk_last_year) == (theirs.risk_incidents, theirs.risk_last_year)
        assert listed[school_id].attendance == await trends.attendance_today(
            await sessions.area_figures_viewer(await people.areasup.viewer(), school_id))
    bangkok, chiang_mai, khon_kaen = (listed[i].figures for i in area_made.schools)
    # The known answers: Bangkok's (tests/supervision/school.py), Ekk's visit and group, Khon Kaen's nothing.
    assert (bangkok.students, bangkok.measures["records"].done, bangkok.measures["screened"].done) == (9, 2, 7)
    assert (chiang_mai.students, chiang_mai.measures["visits"].done, chiang_mai.measures["cases"].total,
            chiang_mai.measures["cases"].done) == (1, 1, 1, 0)
    assert (khon_kaen.students, khon_kaen.has_data) == (4, False)
    assert (bangkok.risk_incidents, chiang_mai.risk_incidents, khon_kaen.risk_incidents) == (1, 0, 0)

    await people.areasup.sign_in(settings, client)
    page = text_of((await client.get("/area")).text)
    assert "โรงเรียนขอนแก่นวิทยา" in page and "ไม่มีข้อมูลในภาคเรียนนี้" in page
    assert re.search(r"การเยี่ยมบ้าน 1/1 · 100 %", page)  # Chiang Mai's one visit
    for first in ("กล้า", "ขวัญ", "เอก", "อนันต์"):
        assert first not in page
    # Side by side: a row a school, Bangkok's screened share as its card says it, Khon Kaen's "no data".
    table = text_of((await client.get("/area")).text.split("<table", 1)[1].split("</table>", 1)[0])
    percent = bangkok.measures["screened"].percent
    assert re.search(rf"กรุงเทพ\S* 9 .*{percent} %", table) and re.search(r"ขอนแก่น\S* 4 ไม่มีข้อมูล", table)
    # The last row adds up the two schools with data (Khon Kaen has none): 10 students; each share over the schools
    # that record it, e.g. screening over Bangkok's nine alone if Chiang Mai screened no one yet.
    total = area.area_total(list(listed.values()))
    assert (total.schools, total.students, total.risk_incidents) == (2, 10, 1)
    for key in area.HEADLINE:
        recording = [f for f in (bangkok, chiang_mai) if f.recorded[figures.FIGURES[key].component]]
        assert (total.measures[key].done, total.measures[key].total) == (
            sum(f.measures[key].done for f in recording), sum(f.measures[key].total for f in recording)), key
    footer = text_of((await client.get("/area")).text.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0])
    screened = total.measures["screened"].percent
    assert re.match(rf"รวม 2 โรงเรียน 10 .*{screened} %.* 1", footer), footer

    # The same table as a workbook for the area office's files: numbers as numbers, a row a school, then the total.
    download = await client.get("/area?format=xlsx")
    assert download.status_code == 200 and "spreadsheetml" in download.headers["content-type"]
    assert download.headers["cache-control"] == "private, no-store"
    [sheet] = openpyxl.load_workbook(io.BytesIO(download.content)).worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    header, lines = rows[1], {row[0]: row for row in rows[2:]}
    assert list(lines)[-1] == "รวม 2 โรงเรียน" and lines["รวม 2 โรงเรียน"][2] == 10
    at = header.index("คัดกรองแล้ว: ดำเนินการแล้ว")  # done, of and share: three numbers a figure
    for name, counted in (("โรงเรียนกรุงเทพศึกษา", bangkok), ("รวม 2 โรงเรียน", total)):
        measure = counted.measures["screened"]
        assert lines[name][at:at + 3] == [measure.done, measure.total, round(measure.done / measure.total, 2)], name
    assert lines["โรงเรียนขอนแก่นวิทยา"][at] == "–"  # no data: not zeros


async def test_the_area_page_takes_as_many_queries_for_three_schools_as_for_one(client, people, settings, app,
                                                                                  queries):  # noqa: F811
    await seed(people, app)
    await people.areasup.sign_in(settings, client)
    await client.get("/area")  # each school's year and term, remembered a few minutes, as every request's
    queries.clear()
    one = await client.get("/area")
    for_one = len(queries)
    await seed_area(people, app, bangkok_seeded=True)  # and Chiang Mai, Khon Kaen
    await client.get("/area")
    queries.clear()
    three = await client.get("/area")
    assert len(queries) == for_one, queries
    assert "โรงเรียนเชียงใหม่วิทยา" not in text_of(one.text)
    assert all(name in text_of(three.text) for name in (
        "โรงเรียนกรุงเทพศึกษา", "โรงเรียนเชียงใหม่วิทยา", "โรงเรียนขอนแก่นวิทยา"))
