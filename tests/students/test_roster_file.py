"""Reading roster files as schools send them: each bad row named with its row number and reason."""

import pytest

from backend import i18n
from backend.students.phones import BadPhone, display_phone, normalise_phone
from backend.students.roster import parse_roster

GRADES = {"ม.1", "ม.2", "ม.3"}
HEADER = "เลขประจำตัวนักเรียน,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง1,ความสัมพันธ์1,โทรศัพท์1,สมาร์ทโฟน1\n"
GOOD = "10231,เด็กชาย,ธนากร,ใจดี,ม.1/3,1,สมศรี ใจดี,มารดา,081-234-5678,ใช่\n"


def messages(parsed) -> list[tuple[int, str]]:
    i18n.current_locale.set("th")
    return [(e.line, i18n.gettext(e.message, **e.values)) for e in parsed.errors]


@pytest.mark.parametrize("raw, e164", [
    ("081-234-5678", "+66812345678"), ("0812345678", "+66812345678"), ("+66 81 234 5678", "+66812345678"),
    ("091 234 5678", "+66912345678"), ("02-123-4567", "+6621234567"),
])
def test_thai_numbers_normalise_to_e164(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "081-234-567", "hello", "0012345678901"])
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(BadPhone):
        normalise_phone(raw)


def test_numbers_display_as_thai_readers_write_them():
    assert display_phone("+66812345678") == "081-234-5678"
    assert display_phone("+6621234567") == "02-123-4567"
    assert display_phone("+14155552671") == "+1 415-555-2671"  # a guardian abroad


def test_a_good_row_is_read_with_its_guardian():
    parsed = parse_roster((HEADER + GOOD).encode("utf-8"), GRADES)
    assert parsed.errors == []
    [row] = parsed.rows
    assert (row.code, row.first_name, row.grade, row.room, row.number) == ("10231", "ธนากร", "ม.1", 3, 1)
    assert row.guardians[0].phone == "+66812345678" and row.guardians[0].has_smartphone


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874", "tis-620", "utf-16"])
def test_excel_encodings_are_accepted(encoding):
    parsed = parse_roster((HEADER + GOOD).encode(encoding), GRADES)
    assert parsed.errors == []
    assert parsed.rows[0].last_name == "ใจดี"


def test_semicolons_and_separate_grade_and_room_columns():
    text = "รหัสนักเรียน;ชื่อ;นามสกุล;ชั้น;ห้อง;เลขที่\n10231;ธนากร;ใจดี;ม.2;4;7\n"
    parsed = parse_roster(text.encode(), GRADES)
    assert parsed.errors == []
    assert (parsed.rows[0].grade, parsed.rows[0].room) == ("ม.2", 4)


def test_english_headers_and_a_second_guardian():
    text = ("student_code,title,first_name,last_name,class,number,guardian1_name,guardian1_phone,"
            "guardian2_name,guardian2_relation,guardian2_phone,guardian2_smartphone\n"
            "10231,Mr,Tana,Jaidee,M.1/3,1,Somsri,0812345678,Somchai,father,0898765432,yes\n")
    parsed = parse_roster(text.encode(), GRADES)
    assert parsed.errors == []
    assert [g.name for g in parsed.rows[0].guardians] == ["Somsri", "Somchai"]
    assert parsed.rows[0].guardians[1].has_smartphone


def test_each_bad_row_is_listed_by_row_number_and_reason():
    text = HEADER + GOOD + (
        "10232,เด็กหญิง,,ใจดี,ม.1/3,2,,,,\n"  # row 3: no first name
        "10233,เด็กหญิง,มณี,ศรีสุข,ม.7/1,3,,,,\n"  # row 4: grade not taught
        "10231,เด็กชาย,ซ้ำ,ซ้ำ,ม.1/3,4,,,,\n"  # row 5: duplicate code of row 2
        "10234,เด็กชาย,ปกรณ์,ทองดี,ม.1/3,5,แม่,มารดา,12345,ใช่\n"  # row 6: bad phone
        "10235,เด็กชาย,วีร,ดี,ม1/3,1,,,,\n"  # row 7: number 1 in ม.1/3 taken by row 2
        "10236,เด็กชาย,วีร,ดี,ชั้นหนึ่ง,6,,,,\n"  # row 8: classroom unreadable
        "10237,เด็กชาย,วีร,ดี,ม.1/3,8,ป้า,ป้า,0812345679,บางที\n"  # row 9: smartphone answer
    )
    parsed = parse_roster(text.encode(), GRADES)
    assert [row.code for row in parsed.rows] == ["10231"]
    assert messages(parsed) == [
        (3, "ไม่มีชื่อ"),
        (4, "โรงเรียนนี้ไม่มีชั้น ม.7"),
        (5, "เลขประจำตัว 10231 ซ้ำกับแถวที่ 2"),
        (6, "เบอร์โทรของผู้ปกครองคนที่ 1 “12345” ไม่ใช่เบอร์โทรศัพท์ไทยที่ถูกต้อง"),
        (7, "เลขที่ 1 ของ ม.1/3 ให้ วีร ดี ในแถวนี้ และให้ ธนากร ใจดี ในแถว 2 ด้วย: เลขที่ในห้องเดียวกันต้องไม่ซ้ำกัน"),
        (8, "ชั้น/ห้อง “ชั้นหนึ่ง” ควรมีรูปแบบ ม.1/3"),
        (9, "ช่องสมาร์ทโฟนของผู้ปกครองคนที่ 1 “บางที” ต้องเป็น ใช่ หรือ ไม่ใช่"),
    ]


def test_a_file_without_the_needed_columns_says_which():
    parsed = parse_roster("ชื่อ,นามสกุล\nก,ข\n".encode(), GRADES)
    assert parsed.rows == [] and not parsed.report.ready
    assert [i18n.gettext(m) for m in parsed.report.missing] == [
        "ไฟล์ไม่มีคอลัมน์เลขประจำตัวนักเรียน", "ไฟล์ไม่มีคอลัมน์ชั้น/ห้อง (เช่น ม.1/3)"]


def test_empty_file_and_blank_lines():
    assert messages(parse_roster(b"", GRADES)) == [(0, "ไฟล์ว่างเปล่า")]
    parsed = parse_roster((HEADER + GOOD + ",,,,,,,,,\n\n").encode(), GRADES)
    assert parsed.errors == [] and len(parsed.rows) == 1


def test_text_too_long_for_the_roster_or_with_control_characters_is_named_by_row():
    text = HEADER + GOOD + (
        f"10232,เด็กหญิง,{'ก' * 101},ใจดี,ม.1/3,2,,,,\n"  # row 3: first name over 100 characters
        f"10233,{'น' * 31},มณี,{'ศ' * 101},ม.1/3,3,,,,\n"  # row 4: title and last name too long
        f"10234,เด็กชาย,ปกรณ์,ทองดี,ม.1/3,4,{'ม' * 201},{'ป' * 51},,\n"  # row 5: guardian and relation
        "10235,เด็กชาย,วี\x00ร,ดี,ม.1/3,5,,,,\n"  # row 6: a NUL inside a name
        "10236,เด็กชาย,วีร,ดี,ม.1/3,6,,,,\x1b\n"  # row 7: a control character in a column no one reads
    )
    parsed = parse_roster(text.encode(), GRADES)
    assert [row.code for row in parsed.rows] == ["10231"]
    assert messages(parsed) == [
        (3, "ชื่อยาวเกิน 100 ตัวอักษร"),
        (4, "คำนำหน้ายาวเกิน 30 ตัวอักษร"),
        (4, "นามสกุลยาวเกิน 100 ตัวอักษร"),
        (5, "ชื่อผู้ปกครองคนที่ 1 ยาวเกิน 200 ตัวอักษร"),
        (5, "ความสัมพันธ์ของผู้ปกครองคนที่ 1 ยาวเกิน 50 ตัวอักษร"),
        (6, "แถวนี้มีอักขระควบคุมที่มองไม่เห็น ลบออกแล้วบันทึกไฟล์ใหม่"),
        (7, "แถวนี้มีอักขระควบคุมที่มองไม่เห็น ลบออกแล้วบันทึกไฟล์ใหม่"),
    ]
