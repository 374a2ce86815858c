"""Roster files as schools have them: every column reported, odd headers mapped and remembered, Excel files,
DMC columns, and guardians never merged on a name alone."""

import gzip
from pathlib import Path

import pytest

from backend import i18n
from backend.students import personal
from backend.students import services as students
from backend.students.columns import place_columns
from backend.students.roster import parse_roster
from backend.students.tables import Guardian, RosterColumnMapping, Student, StudentGuardian
from tests.conftest import ROOT, text_of

GRADES = {"ม.1", "ม.2"}
SAMPLES = ROOT / "samples"
ODD = ("เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,ชื่อผู้ปกครอง,เบอร์บ้าน\n"
       "30001,ก้อง,ทองแท้,ม.1/1,ทองใบ ทองแท้,081-999-0001\n")


def field_of(header: str) -> str | None:
    return place_columns([header]).columns[0].field


@pytest.mark.parametrize("header", [
    "โทรศัพท์ผู้ปกครอง", "เบอร์โทรผู้ปกครอง", "เบอร์โทรศัพท์ผู้ปกครอง", "เบอร์มือถือผู้ปกครอง", "โทรศัพท์มือถือ",
    "เบอร์ติดต่อ", "เบอร์โทร ผู้ปกครอง ", " เบอร์โทรศัพท์ (ผู้ปกครอง)", "Guardian Phone", "guardian_phone", "โทรศัพท์1"])
def test_guardian_phone_headers_schools_use(header):
    assert field_of(header) == "guardian_phone"


@pytest.mark.parametrize("header, field", [
    ("เลขประจำตัว", "code"), ("เลขประจำตัวนักเรียน", "code"), ("รหัสนักเรียน", "code"), ("Student ID", "code"),
    ("เลขประจำตัวประชาชน", "citizen_id"), ("ชั้น/ห้อง", "class"), ("ชั้น", "grade"), ("ห้อง", "room"),
    ("วันเดือนปีเกิด", "birth_date"), ("เพศ", "sex"), ("ชื่อบิดา", "father_name"), ("นามสกุลมารดา", "mother_last_name"),
    ("ความเกี่ยวข้องของผู้ปกครองกับนักเรียน", "guardian_relation"), ("ชื่อผู้ปกครอง2", "guardian2_name"),
    ("ลำดับ", "ignore"), ("เบอร์บ้าน", None)])
def test_other_headers_schools_use(header, field):
    assert field_of(header) == field


def test_citizen_ids_are_checked_and_g_codes_allowed():
    assert personal.citizen_id("1-1037-00123-45-8") == "1103700123458"
    assert personal.citizen_id("1103700123459") is None  # wrong check digit
    assert personal.citizen_id("g123456789012") == "G123456789012"
    assert personal.citizen_id("12345") is None


@pytest.mark.parametrize("text, iso", [("25/11/2556", "2013-11-25"), ("7/7/2556", "2013-07-07"),
                                        ("25 พ.ย. 2556", "2013-11-25"), ("25 พฤศจิกายน 2556", "2013-11-25"),
                                        ("2013-11-25", "2013-11-25")])
def test_buddhist_era_birth_dates(text, iso):
    assert personal.birth_date(text).isoformat() == iso


def test_a_dmc_export_reads_citizen_id_birth_date_sex_and_parents():
    parsed = parse_roster((SAMPLES / "roster.csv").read_bytes(), GRADES)
    assert parsed.errors == [] and parsed.report.ready
    first = parsed.rows[0]
    assert (first.citizen_id, first.birth_date.isoformat(), first.sex) == ("1103700123458", "2013-05-12", "m")
    # The mother is also the guardian: one person, with the guardian's phone; the father has no phone.
    assert [(g.name, g.relation, g.phone) for g in first.guardians] == [
        ("สมศรี ใจดี", "มารดา", "+66812345678"), ("สมชาย ใจดี", "บิดา", None)]
    assert parsed.rows[3].citizen_id == "G123456789012"


async def test_an_unrecognised_column_is_reported_and_nothing_is_imported_until_placed(people):
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "odd.csv", ODD.encode())
    assert [(c.header, c.field) for c in preview.report.columns][-2:] == [("ชื่อผู้ปกครอง", "guardian_name"),
                                                                          ("เบอร์บ้าน", None)]
    assert preview.plan is None and preview.upload_id is not None
    with pytest.raises(students.RosterError):
        await students.apply_roster(kanya, preview.upload_id)

    mapped = await students.map_columns(kanya, preview.upload_id, {"5": "guardian_phone"})
    assert mapped.columns_ready and mapped.plan.new_guardians == 1
    await students.apply_roster(kanya, preview.upload_id)
    guardian = await Guardian.select(Guardian.phone).where(Guardian.name == "ทองใบ ทองแท้").first()
    assert guardian["phone"] == "+66819990001"

    # Remembered for the school: the next file with that header is read the same way, at once.
    again = await students.preview_roster(kanya, "odd.csv", ODD.replace("30001", "30002").encode())
    assert again.columns_ready and again.report.columns[-1].field == "guardian_phone"
    assert await RosterColumnMapping.count().where(RosterColumnMapping.school == people.bangkok) == 1
    other_school = await students.preview_roster(await people.preecha.viewer(), "odd.csv", ODD.encode())
    assert not other_school.columns_ready


async def test_the_page_lists_every_column_and_maps_an_odd_one(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    page = await client.post("/roster/import", files={"data": ("odd.csv", ODD.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    text = text_of(page.text)
    assert page.status_code == 200
    assert "เบอร์บ้าน" in text and "ไม่รู้จัก" in text and "เบอร์โทรของผู้ปกครอง" in text
    assert "นำเข้าเลย" not in text
    # A select of every field for the odd column: still within the pages' 14 KB, as gzip sends it.
    assert len(gzip.compress(page.content)) <= 14 * 1024
    upload_id = (await students.preview_roster(await people.kanya.viewer(), "o.csv", ODD.encode())).upload_id
    page = await client.submit(f"/roster/import/{upload_id}/columns", {"column-5": "guardian_phone"})
    assert page.status_code == 200 and "ผู้ปกครองใหม่ 1 คน" in text_of(page.text)
    assert "นำเข้าเลย" in text_of(page.text)


async def guardians_of(code: str) -> list[tuple[str, str | None]]:
    rows = await StudentGuardian.select(StudentGuardian.guardian.name.as_alias("name"),
                                        StudentGuardian.guardian.phone.as_alias("phone"),
                                        StudentGuardian.guardian.id.as_alias("id")).where(
        StudentGuardian.student.code == code).order_by(StudentGuardian.position)
    return [(r["name"], r["phone"], r["id"]) for r in rows]


SAME_NAMES = ("เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,ชื่อผู้ปกครอง,ความสัมพันธ์,เบอร์โทรผู้ปกครอง\n"
              "40001,หนึ่ง,ดีงาม,ม.1/1,สมศรี ใจดี,มารดา,081-000-0001\n"
              "40002,สอง,ดีงาม,ม.1/2,สมศรี ใจดี,มารดา,081 000 0001\n"  # sibling, same phone written otherwise
              "40003,สาม,มีสุข,ม.2/1,สมศรี ใจดี,ป้า,089-000-0003\n"  # the same name, another phone
              "40004,สี่,ใจงาม,ม.2/1,มานี รักดี,ยาย,\n"  # no phone
              "40005,ห้า,ใจงาม,ม.2/2,มานี รักดี,ยาย,\n")  # no phone: the same grandmother? only if the admin says


async def test_guardians_are_recognised_by_phone_never_by_name_alone(people):
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "r.csv", SAME_NAMES.encode())
    assert [(q.first_line, q.second_line) for q in preview.plan.questions] == [(5, 6)]
    await students.apply_roster(kanya, preview.upload_id)
    one, two, three = [await guardians_of(c) for c in ("40001", "40002", "40003")]
    assert one == two and one[0][1] == "+66810000001"  # siblings with one phone share one guardian
    assert three[0][2] != one[0][2] and three[0][1] == "+66890000003"
    four, five = await guardians_of("40004"), await guardians_of("40005")
    assert four[0][0] == five[0][0] == "มานี รักดี" and four[0][2] != five[0][2]

    # The same file again: nothing at all changes, guardians included, and the preview says so.
    before = (await Guardian.count(), await StudentGuardian.count())
    again = await students.preview_roster(kanya, "r.csv", SAME_NAMES.encode())
    plan = again.plan
    assert (len(plan.new_students), len(plan.changed_students), plan.new_guardians, plan.changed_guardians,
            plan.link_changes, plan.changes) == (0, 0, 0, 0, 0, 0)
    await students.apply_roster(kanya, again.upload_id)
    assert (await Guardian.count(), await StudentGuardian.count()) == before


async def test_the_admin_says_two_rows_name_the_same_person(people):
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "r.csv", SAME_NAMES.encode())
    [question] = preview.plan.questions
    plan = await students.apply_roster(kanya, preview.upload_id, {question.pair})
    assert plan.new_guardians == 3
    four, five = await guardians_of("40004"), await guardians_of("40005")
    assert four == five
    again = await students.preview_roster(kanya, "r.csv", SAME_NAMES.encode())
    assert again.plan.changes == 0 and again.plan.questions == []


async def test_an_excel_roster_reads_like_its_csv_and_stores_the_dmc_facts(people):
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "roster.xlsx", (SAMPLES / "roster.xlsx").read_bytes())
    assert preview.errors == [] and preview.sheet == "รายชื่อนักเรียน" and preview.columns_ready
    await students.apply_roster(kanya, preview.upload_id)
    student = await Student.select(Student.citizen_id, Student.birth_date, Student.sex).where(
        Student.code == "60231").first()
    assert (student["citizen_id"], student["birth_date"].isoformat(), student["sex"]) == (
        "1103700123458", "2013-05-12", "m")
    as_csv = await students.preview_roster(kanya, "roster.csv", (SAMPLES / "roster.csv").read_bytes())
    assert as_csv.plan.changes == 0  # the same roster, whichever way it was saved


@pytest.mark.parametrize("name, data, message", [
    ("roster.xlsx", b"PK\x03\x04 not really a zip", "อ่านแฟ้ม Excel นี้ไม่ได้"),
    ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel แบบเก่า (.xls)"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(300), "ไม่ใช่แฟ้ม CSV หรือ Excel"),
])
async def test_a_file_that_cannot_be_read_gets_a_thai_message(client, people, settings, name, data, message):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    page = await client.post("/roster/import", files={"data": (name, data, "application/octet-stream")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 422
    assert message in text_of(page.text)


async def test_the_citizen_id_shows_only_to_admins_and_the_homeroom_teacher(people):
    kanya = await people.kanya.viewer()
    await Student.update({Student.citizen_id: "1103700123458"}).where(Student.id == people.students["10002"])
    seen = {}
    for name in ("kanya", "somchai", "ratana", "wichai"):
        viewer = await getattr(people, name).viewer()
        student = await students.visible_student(viewer, people.students["10002"])
        seen[name] = student["citizen_id"]
    assert seen == {"kanya": "1103700123458", "somchai": "1103700123458", "ratana": None, "wichai": None}
    assert kanya.school_id == people.bangkok


def test_the_sample_files_are_in_the_repository():
    assert Path(SAMPLES / "roster.csv").read_text(encoding="utf-8-sig").splitlines()[0].endswith("ผู้ปกครอง ")


async def test_the_same_person_tick_on_the_page(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    page = await client.post("/roster/import", files={"data": ("r.csv", SAME_NAMES.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    text = text_of(page.text)
    assert "ชื่อผู้ปกครองซ้ำกัน: ติ๊กเฉพาะเมื่อเป็นคนเดียวกันจริง" in text and "มานี รักดี: แถว 5" in text
    preview = await students.preview_roster(await people.kanya.viewer(), "r.csv", SAME_NAMES.encode())
    done = await client.submit(f"/roster/import/{preview.upload_id}/apply", {"same": preview.plan.questions[0].pair})
    assert done.status_code == 200
    assert await guardians_of("40004") == await guardians_of("40005")


async def test_a_file_without_phones_or_guardians_keeps_the_guardians_the_school_has(people):
    kanya = await people.kanya.viewer()
    before = await guardians_of("10001")
    # The students alone: nothing is said about guardians, so every student keeps theirs.
    only_students = "เลขประจำตัว,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่\n10001,เด็กชาย,อนันต์,ใจดี,ม.1/1,1\n"
    preview = await students.preview_roster(kanya, "s.csv", only_students.encode())
    assert preview.plan.changes == 0
    # A DMC export names the mother without her phone: she is still the guardian with the phone.
    no_phone = ("เลขประจำตัว,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อมารดา\n"
                "10001,เด็กชาย,อนันต์,ใจดี,ม.1/1,1,สมศรี ใจดี\n")
    preview = await students.preview_roster(kanya, "d.csv", no_phone.encode())
    assert (preview.plan.new_guardians, preview.plan.link_changes) == (0, 0)
    await students.apply_roster(kanya, preview.upload_id)
    assert await guardians_of("10001") == before and before[0][1] == "+66811111111"


async def test_the_admin_picks_the_sheet_of_an_excel_file(people):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "สรุป"
    book.active.append(["จำนวนนักเรียน", 1])
    sheet = book.create_sheet("ม.1")
    sheet.append(["เลขประจำตัว", "ชื่อ", "นามสกุล", "ชั้น/ห้อง", "ชื่อผู้ปกครอง", "เบอร์โทรผู้ปกครอง"])
    sheet.append([50001, "ต้น", "ไม้งาม", "ม.1/1", "ใบ ไม้งาม", 812223333])  # Excel dropped the phone's 0
    data = io.BytesIO()
    book.save(data)
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "book.xlsx", data.getvalue())
    assert preview.sheets == ["สรุป", "ม.1"] and preview.sheet == "สรุป" and not preview.columns_ready
    picked = await students.map_columns(kanya, preview.upload_id, {}, "ม.1")
    assert picked.sheet == "ม.1" and picked.columns_ready and picked.plan.new_guardians == 1
    await students.apply_roster(kanya, preview.upload_id)
    assert (await guardians_of("50001"))[0][1] == "+66812223333"


async def test_the_record_page_shows_the_citizen_id_to_the_homeroom_teacher_only(make_client, people, settings):
    await Student.update({Student.citizen_id: "1103700123458", Student.sex: "f"}).where(
        Student.id == people.students["10002"])
    shown = {}
    for name in ("somchai", "ratana"):
        client = make_client()
        await getattr(people, name).sign_in(settings, client)
        page = await client.get(f"/records/{people.students['10002']}")
        assert page.status_code == 200
        shown[name] = "1103700123458" in page.text
    assert shown == {"somchai": True, "ratana": False}


def test_a_dmc_fathers_bad_phone_is_named_as_the_fathers():
    text = ("เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,ชื่อบิดา,เบอร์โทรบิดา\n"
            "10231,ธนากร,ใจดี,ม.1/3,สมชาย ใจดี,081\n")
    parsed = parse_roster(text.encode(), GRADES)
    i18n.current_locale.set("th")
    assert [i18n.gettext(e.message, **e.values) for e in parsed.errors] == [
        "เบอร์โทรของบิดา “081” ไม่ใช่เบอร์โทรศัพท์ไทยที่ถูกต้อง"]
