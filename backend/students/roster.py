"""Reading a roster as Thai schools export it (CSV in any usual encoding, or Excel) into students and guardians. Pure.

Which column holds what is columns.py's work; this module reads the values of each row. Every problem is reported
with its row number (as a spreadsheet shows it: the header is row 1) and a reason, so the admin can fix the file;
nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from backend.i18n import N_
from backend.request_input import plain_text
from backend.students import personal
from backend.students.columns import (GUARDIAN_SLOTS, MAX_ROWS, SLOT_RELATION, ColumnReport, RosterTable,
                                      UnreadableFile, guardian_field, header_key, place_columns, read_table)
from backend.students.phones import BadPhone, normalise_phone
from backend.students.tables import Guardian, Student, StudentGuardian

MAX_GUARDIANS = len(GUARDIAN_SLOTS)


@dataclass(frozen=True)
class GuardianRow:
    name: str
    relation: str
    phone: str | None  # E.164
    has_smartphone: bool | None  # None when the file has no smartphone column: what the school has stays
    slot: str = "guardian"  # which columns it came from: guardian, guardian2, guardian3, father, mother


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
    # Given only where the file has the column and the cell is filled: a blank never erases what the school has.
    citizen_id: str | None = None
    birth_date: date | None = None
    sex: str | None = None


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
    report: ColumnReport | None = None  # None when the file could not be read at all
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None


YES = {"ใช่", "มี", "ใช้", "yes", "y", "1", "true", "✓", "x"}
NO = {"", "ไม่", "ไม่ใช่", "ไม่มี", "ไม่ใช้", "no", "n", "0", "false", "-"}
BLANK_NAMES = {"-", "--", "ไม่มี", "ไม่ทราบ", "n/a"}  # how a DMC export writes an unknown parent
GUARDIAN_MESSAGES = (N_("Guardian %(n)s has a phone number but no name."),
                     N_("Guardian %(n)s's name is longer than %(longest)s characters."),
                     N_("Guardian %(n)s's phone number “%(value)s” is not a Thai phone number."))
# The father's and mother's columns of a DMC export are named as such in their problems, not as "guardian 4".
PARENT_MESSAGES = {
    "father": (N_("The father's phone number is given but not his name."),
               N_("The father's name is longer than %(longest)s characters."),
               N_("The father's phone number “%(value)s” is not a Thai phone number.")),
    "mother": (N_("The mother's phone number is given but not her name."),
               N_("The mother's name is longer than %(longest)s characters."),
               N_("The mother's phone number “%(value)s” is not a Thai phone number.")),
}
TITLES = ("เด็กชาย", "เด็กหญิง", "ด.ช.", "ด.ญ.", "นางสาว", "น.ส.", "นาย", "นาง")

CLASS_PATTERN = re.compile(r"^\s*(ม|ป|m|p)\s*\.?\s*(\d)\s*/\s*(\d{1,2})\s*$", re.IGNORECASE)
GRADE_PATTERN = re.compile(r"^\s*(ม|ป|m|p)\s*\.?\s*(\d)\s*$", re.IGNORECASE)
CODE_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,20}$")


# What the tables hold, so the preview refuses what the apply could not write, on either engine.
LONGEST = {"title": Student.title.length, "first_name": Student.first_name.length,
           "last_name": Student.last_name.length, "guardian": Guardian.name.length,
           "relation": StudentGuardian.relation.length}


def split_full_name(text: str) -> tuple[str, str, str]:
    """ "ด.ช.ธนากร ใจดี" → (ด.ช., ธนากร, ใจดี): title, first name, the rest as the last name."""
    text = " ".join(text.split())
    title = next((t for t in TITLES if text.startswith(t)), "")
    first, _, last = text[len(title):].strip().partition(" ")
    return title, first, last


def name_key(name: str) -> str:
    """Names compared as people write them: spaces and dots dropped (นาง สมศรี  ใจดี is นางสมศรี ใจดี)."""
    return header_key(name)


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


def parse_roster(data: bytes, known_grades: set[str], mapping: dict[str, str] | None = None,
                 sheet: str | None = None) -> ParsedRoster:
    """Read a file with the school's remembered column mapping. Rows are read only once every column is placed
    (read as a field or ignored on purpose) and the required ones are there: otherwise the report says which."""
    try:
        table = read_table(data, sheet)
    except UnreadableFile as error:
        return ParsedRoster([], [RowError(0, str(error))], "")
    report = place_columns(table.headers, mapping)
    parsed = ParsedRoster([], [], table.encoding, report, table.sheets, table.sheet)
    if not report.ready:
        return parsed
    if len(table.rows) > MAX_ROWS:
        parsed.errors.append(RowError(0, N_("The file has more than %(n)s rows."), {"n": MAX_ROWS}))
        return parsed
    _read_rows(table, report, known_grades, parsed)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(0, N_("The file has no students in it.")))
    return parsed


def _read_rows(table: RosterTable, report: ColumnReport, known_grades: set[str], parsed: ParsedRoster) -> None:
    fields = report.fields
    errors, rows = parsed.errors, parsed.rows
    first_line_of_code: dict[str, int] = {}
    # The first row of each citizen ID and number in class: (line, the student's name), to name both.
    first_line_of_citizen: dict[str, tuple[int, str]] = {}
    first_line_of_number: dict[tuple[str, int, int], tuple[int, str]] = {}
    for line, cells in enumerate(table.rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of Excel exports

        def cell(name: str, cells: list[str] = cells) -> str:
            index = fields.get(name)
            return " ".join(cells[index].split()) if index is not None and index < len(cells) else ""

        row_errors: list[RowError] = []

        def fail(message: str, row_errors: list[RowError] = row_errors, line: int = line, **values) -> None:
            row_errors.append(RowError(line, message, values))

        if not all(plain_text(c) for c in cells):
            errors.append(RowError(line, N_("This row has invisible control characters. Remove them and save the "
                                            "file again.")))
            continue

        code = cell("code")
        if not code:
            fail(N_("The student code is missing."))
        elif not CODE_PATTERN.match(code):
            fail(N_("The student code “%(code)s” should be digits (at most 20)."), code=code)
        elif code in first_line_of_code:
            fail(N_("Student code %(code)s is also on row %(other)s."), code=code, other=first_line_of_code[code])
        else:
            first_line_of_code[code] = line
        if "full_name" in fields and not (cell("first_name") and cell("last_name")):
            title, first_name, last_name = split_full_name(cell("full_name"))
            title = cell("title") or title
        else:
            title, first_name, last_name = cell("title"), cell("first_name"), cell("last_name")
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
            parsed_class = parse_class(cell("class"))
            if parsed_class is None:
                fail(N_("The classroom “%(value)s” should look like ม.1/3."), value=cell("class"))
            else:
                grade, room = parsed_class
        else:
            grade = parse_grade(cell("grade"))
            room_text = cell("room")
            if grade is None:
                fail(N_("The grade “%(value)s” should look like ม.1."), value=cell("grade"))
            if room_text.isdecimal():
                room = int(room_text)
            else:
                fail(N_("The room “%(value)s” should be a number."), value=room_text)
        if grade is not None and grade not in known_grades:
            fail(N_("Grade %(grade)s is not taught at this school."), grade=grade)
        if room is not None and not 1 <= room <= 30:
            fail(N_("Room %(room)s is outside 1–30."), room=room)

        number = None
        number_text = cell("number")
        if number_text:
            if number_text.isdecimal() and 1 <= int(number_text) <= 99:
                number = int(number_text)
                if grade and room:
                    seat = (grade, room, number)
                    if seat in first_line_of_number:
                        other, other_name = first_line_of_number[seat]
                        fail(N_("Number %(number)s in %(grade)s/%(room)s is given to %(name)s here and to "
                                "%(other_name)s on row %(other)s: numbers in a classroom must differ."),
                             number=number, grade=grade, room=room, name=f"{first_name} {last_name}",
                             other=other, other_name=other_name)
                    else:
                        first_line_of_number[seat] = (line, f"{first_name} {last_name}")
            else:
                fail(N_("The number in class “%(value)s” should be a number from 1 to 99."), value=number_text)

        citizen_id = birth_date = sex = None
        if text := cell("citizen_id"):
            citizen_id = personal.citizen_id(text)
            if citizen_id is None:
                fail(N_("The citizen ID “%(value)s” is not 13 digits with a correct check digit, nor a G-code."),
                     value=text)
            elif citizen_id in first_line_of_citizen:
                # Never merged on a guess, and the ID is sensitive: only its last 4 digits are shown.
                other, other_name = first_line_of_citizen[citizen_id]
                fail(N_("The citizen ID ending %(last4)s is given to %(name)s here and to %(other_name)s on row "
                        "%(other)s: one student per citizen ID. Check both and correct the file."),
                     last4=citizen_id[-4:], name=f"{first_name} {last_name}", other=other, other_name=other_name)
            else:
                first_line_of_citizen[citizen_id] = (line, f"{first_name} {last_name}")
        if text := cell("birth_date"):
            birth_date = personal.birth_date(text)
            if birth_date is None or not date(1990, 1, 1) <= birth_date <= date(2100, 1, 1):
                fail(N_("The date of birth “%(value)s” should be a date such as 25/11/2556."), value=text)
        if text := cell("sex"):
            sex = personal.sex(text)
            if sex is None:
                fail(N_("The sex “%(value)s” should be ชาย or หญิง."), value=text)

        guardians = _guardians_of_row(cell, fail, fields)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(StudentRow(line=line, code=code, title=title, first_name=first_name, last_name=last_name,
                               grade=grade, room=room, number=number, guardians=tuple(guardians),
                               citizen_id=citizen_id, birth_date=birth_date, sex=sex))


def _guardians_of_row(cell, fail, fields: dict[str, int]) -> list[GuardianRow]:
    guardians: list[GuardianRow] = []
    for n, slot in enumerate(GUARDIAN_SLOTS, start=1):
        def part(name: str, slot: str = slot) -> str:
            return cell(guardian_field(slot, name))

        name = " ".join(p for p in (part("name"), part("last_name")) if p and p not in BLANK_NAMES)
        relation = SLOT_RELATION.get(slot) or part("relation")
        phone_text = part("phone")
        smart_text = part("smartphone").lower()
        if phone_text in BLANK_NAMES:
            phone_text = ""
        if not (name or phone_text):
            continue
        if not name:
            fail(PARENT_MESSAGES.get(slot, GUARDIAN_MESSAGES)[0], n=n)
            continue
        if len(name) > LONGEST["guardian"]:
            fail(PARENT_MESSAGES.get(slot, GUARDIAN_MESSAGES)[1], n=n, longest=LONGEST["guardian"])
        if len(relation) > LONGEST["relation"]:
            fail(N_("Guardian %(n)s's relation is longer than %(longest)s characters."), n=n,
                 longest=LONGEST["relation"])
        phone = None
        if phone_text:
            try:
                phone = normalise_phone(phone_text)
            except BadPhone:
                fail(PARENT_MESSAGES.get(slot, GUARDIAN_MESSAGES)[2], n=n, value=phone_text)
        if smart_text not in YES | NO:
            fail(N_("Guardian %(n)s's smartphone answer “%(value)s” should be yes or no (ใช่/ไม่ใช่)."),
                 n=n, value=smart_text)
        # A DMC export names the guardian and again the father or mother they are: one person, not two.
        same = next((g for g in guardians if name_key(g.name) == name_key(name)), None)
        if same is not None:
            if same.phone is None and phone is not None:
                guardians[guardians.index(same)] = GuardianRow(same.name, same.relation, phone, same.has_smartphone,
                                                               same.slot)
            continue
        guardians.append(GuardianRow(name=name, relation=relation or "ผู้ปกครอง", phone=phone,
                                     has_smartphone=(smart_text in YES) if guardian_field(slot, "smartphone") in fields
                                     else None, slot=slot))
    return guardians
