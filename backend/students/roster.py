"""Reading a roster CSV as Thai schools export it: any usual encoding, Thai or English headers. Pure.

Every problem is reported with its row number (as a spreadsheet shows it: the header is row 1) and a
reason, so the admin can fix the file; nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from backend.i18n import N_
from backend.request_input import plain_text
from backend.students.phones import BadPhone, normalise_phone
from backend.students.tables import Guardian, Student, StudentGuardian

MAX_GUARDIANS = 3
MAX_ROWS = 10_000


@dataclass(frozen=True)
class GuardianRow:
    name: str
    relation: str
    phone: str | None  # E.164
    has_smartphone: bool


@dataclass(frozen=True)
class StudentRow:
    line: int
    code: str
    title: str
    first_name: str
    last_name: str
    grade: str  # ม.1
    room: int
    number: int | None
    guardians: tuple[GuardianRow, ...]


@dataclass(frozen=True)
class RowError:
    line: int  # 0 for a problem with the whole file
    message: str  # English msgid, translated when shown
    values: dict = field(default_factory=dict)


@dataclass
class ParsedRoster:
    rows: list[StudentRow]
    errors: list[RowError]
    encoding: str


# Header names seen in Thai school exports, compared without spaces, dots, underscores or case.
HEADERS = {
    "code": ["เลขประจำตัวนักเรียน", "เลขประจำตัว", "รหัสนักเรียน", "studentcode", "studentid", "code"],
    "title": ["คำนำหน้า", "คำนำหน้าชื่อ", "title", "prefix"],
    "first_name": ["ชื่อ", "ชื่อนักเรียน", "firstname", "name"],
    "last_name": ["นามสกุล", "lastname", "surname", "familyname"],
    "class": ["ชั้น/ห้อง", "ห้องเรียน", "ชั้นเรียน", "class", "classroom", "gradeandroom"],
    "grade": ["ชั้น", "ระดับชั้น", "grade"],
    "room": ["ห้อง", "room"],
    "number": ["เลขที่", "number", "no", "numberinclass"],
}
GUARDIAN_HEADERS = {
    "name": ["ชื่อผู้ปกครอง", "ผู้ปกครอง", "guardian", "guardianname"],
    "relation": ["ความสัมพันธ์", "ความเกี่ยวข้อง", "guardianrelation", "relation"],
    "phone": ["โทรศัพท์ผู้ปกครอง", "เบอร์โทรผู้ปกครอง", "โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "guardianphone", "phone"],
    "smartphone": ["ใช้สมาร์ทโฟน", "สมาร์ทโฟน", "มีสมาร์ทโฟน", "guardiansmartphone", "smartphone"],
}
YES = {"ใช่", "มี", "ใช้", "yes", "y", "1", "true", "✓", "x"}
NO = {"", "ไม่", "ไม่ใช่", "ไม่มี", "ไม่ใช้", "no", "n", "0", "false", "-"}

CLASS_PATTERN = re.compile(r"^\s*(ม|ป|m|p)\s*\.?\s*(\d)\s*/\s*(\d{1,2})\s*$", re.IGNORECASE)
GRADE_PATTERN = re.compile(r"^\s*(ม|ป|m|p)\s*\.?\s*(\d)\s*$", re.IGNORECASE)
CODE_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,20}$")


# What the tables hold, so the preview refuses what the apply could not write, on either engine.
LONGEST = {"title": Student.title.length, "first_name": Student.first_name.length,
           "last_name": Student.last_name.length, "guardian": Guardian.name.length,
           "relation": StudentGuardian.relation.length}


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it came in. Excel on Thai Windows saves CSV as cp874 (a superset of TIS-620)."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp874", errors="replace"), "cp874"


def _key(header: str) -> str:
    return re.sub(r"[\s._]", "", header).lower()


def _map_headers(headers: list[str]) -> tuple[dict[str, int], dict[tuple[int, str], int]]:
    """Column index per student field, and per (guardian number, field)."""
    fields: dict[str, int] = {}
    guardian_fields: dict[tuple[int, str], int] = {}
    lookup = {_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}
    guardian_lookup = {_key(alias): name for name, aliases in GUARDIAN_HEADERS.items() for alias in aliases}
    for index, header in enumerate(headers):
        key = _key(header)
        # "ชื่อผู้ปกครอง2", "guardian2_phone": the one digit says which guardian.
        digits = re.findall(r"\d", key)
        base, number = (key.replace(digits[0], "", 1), int(digits[0])) if len(digits) == 1 else (key, 1)
        if key in lookup and key not in guardian_lookup and lookup[key] not in fields:
            fields[lookup[key]] = index
        elif base in guardian_lookup and 1 <= number <= MAX_GUARDIANS:
            guardian_fields.setdefault((number, guardian_lookup[base]), index)
    return fields, guardian_fields


def parse_class(text: str) -> tuple[str, int] | None:
    match = CLASS_PATTERN.match(text)
    if not match:
        return None
    prefix = "ม" if match.group(1).lower() in ("ม", "m") else "ป"
    return f"{prefix}.{match.group(2)}", int(match.group(3))


def parse_grade(text: str) -> str | None:
    match = GRADE_PATTERN.match(text)
    if not match:
        return None
    prefix = "ม" if match.group(1).lower() in ("ม", "m") else "ป"
    return f"{prefix}.{match.group(2)}"


def parse_roster(data: bytes, known_grades: set[str]) -> ParsedRoster:
    text, encoding = decode(data)
    errors: list[RowError] = []
    if not text.strip():
        return ParsedRoster([], [RowError(0, N_("The file is empty."))], encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = list(csv.reader(io.StringIO(text), dialect))
    headers = table[0]
    fields, guardian_fields = _map_headers(headers)
    for required, message in (("code", N_("The file has no column for the student code.")),
                              ("first_name", N_("The file has no column for the first name.")),
                              ("last_name", N_("The file has no column for the last name."))):
        if required not in fields:
            errors.append(RowError(0, message))
    if "class" not in fields and not ("grade" in fields and "room" in fields):
        errors.append(RowError(0, N_("The file has no column for the classroom (such as ม.1/3).")))
    if errors:
        return ParsedRoster([], errors, encoding)
    if len(table) - 1 > MAX_ROWS:
        return ParsedRoster([], [RowError(0, N_("The file has more than %(n)s rows."), {"n": MAX_ROWS})], encoding)

    rows: list[StudentRow] = []
    first_line_of_code: dict[str, int] = {}
    first_line_of_number: dict[tuple[str, int, int], int] = {}
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of Excel exports

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row_errors: list[RowError] = []

        def fail(message: str, row_errors: list[RowError] = row_errors, line: int = line, **values) -> None:
            row_errors.append(RowError(line, message, values))

        if not all(plain_text(c) for c in cells):
            errors.append(RowError(line, N_("This row has invisible control characters. Remove them and save the "
                                            "file again.")))
            continue

        code = cell(fields["code"])
        if not code:
            fail(N_("The student code is missing."))
        elif not CODE_PATTERN.match(code):
            fail(N_("The student code “%(code)s” should be digits (at most 20)."), code=code)
        elif code in first_line_of_code:
            fail(N_("Student code %(code)s is also on row %(other)s."), code=code, other=first_line_of_code[code])
        else:
            first_line_of_code[code] = line
        first_name, last_name = cell(fields["first_name"]), cell(fields["last_name"])
        title = cell(fields.get("title"))
        if not first_name:
            fail(N_("The first name is missing."))
        if len(first_name) > LONGEST["first_name"]:
            fail(N_("The first name is longer than %(n)s characters."), n=LONGEST["first_name"])
        if len(title) > LONGEST["title"]:
            fail(N_("The title is longer than %(n)s characters."), n=LONGEST["title"])
        if not last_name:
            fail(N_("The last name is missing."))
        if len(last_name) > LONGEST["last_name"]:
            fail(N_("The last name is longer than %(n)s characters."), n=LONGEST["last_name"])

        grade, room = None, None
        if "class" in fields:
            parsed = parse_class(cell(fields["class"]))
            if parsed is None:
                fail(N_("The classroom “%(value)s” should look like ม.1/3."), value=cell(fields["class"]))
            else:
                grade, room = parsed
        else:
            grade = parse_grade(cell(fields["grade"]))
            room_text = cell(fields["room"])
            if grade is None:
                fail(N_("The grade “%(value)s” should look like ม.1."), value=cell(fields["grade"]))
            if room_text.isdecimal():
                room = int(room_text)
            else:
                fail(N_("The room “%(value)s” should be a number."), value=room_text)
        if grade is not None and grade not in known_grades:
            fail(N_("Grade %(grade)s is not taught at this school."), grade=grade)
        if room is not None and not 1 <= room <= 30:
            fail(N_("Room %(room)s is outside 1–30."), room=room)

        number = None
        number_text = cell(fields.get("number"))
        if number_text:
            if number_text.isdecimal() and 1 <= int(number_text) <= 99:
                number = int(number_text)
                if grade and room:
                    seat = (grade, room, number)
                    if seat in first_line_of_number:
                        fail(N_("Number %(number)s in %(grade)s/%(room)s is also on row %(other)s."),
                             number=number, grade=grade, room=room, other=first_line_of_number[seat])
                    else:
                        first_line_of_number[seat] = line
            else:
                fail(N_("The number in class “%(value)s” should be a number from 1 to 99."), value=number_text)

        guardians: list[GuardianRow] = []
        for n in range(1, MAX_GUARDIANS + 1):
            name = cell(guardian_fields.get((n, "name")))
            relation = cell(guardian_fields.get((n, "relation")))
            phone_text = cell(guardian_fields.get((n, "phone")))
            smart_text = cell(guardian_fields.get((n, "smartphone"))).lower()
            if not (name or phone_text):
                continue
            if not name:
                fail(N_("Guardian %(n)s has a phone number but no name."), n=n)
                continue
            if len(name) > LONGEST["guardian"]:
                fail(N_("Guardian %(n)s's name is longer than %(longest)s characters."), n=n,
                     longest=LONGEST["guardian"])
            if len(relation) > LONGEST["relation"]:
                fail(N_("Guardian %(n)s's relation is longer than %(longest)s characters."), n=n,
                     longest=LONGEST["relation"])
            phone = None
            if phone_text:
                try:
                    phone = normalise_phone(phone_text)
                except BadPhone:
                    fail(N_("Guardian %(n)s's phone number “%(value)s” is not a Thai phone number."),
                         n=n, value=phone_text)
            if smart_text not in YES | NO:
                fail(N_("Guardian %(n)s's smartphone answer “%(value)s” should be yes or no (ใช่/ไม่ใช่)."),
                     n=n, value=smart_text)
            guardians.append(GuardianRow(name=name, relation=relation or "ผู้ปกครอง", phone=phone,
                                         has_smartphone=smart_text in YES))

        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(StudentRow(line=line, code=code, title=title, first_name=first_name,
                               last_name=last_name, grade=grade, room=room, number=number,
                               guardians=tuple(guardians)))
    if not rows and not errors:
        errors.append(RowError(0, N_("The file has no students in it.")))
    return ParsedRoster(rows, errors, encoding)
