"""Roster files as schools have them: reading a CSV or an Excel sheet into a table, and placing each of its columns
on a field (by the header names Thai schools use, or by what the admin said). Pure.

No column is ever dropped silently: every column is either read as a field, ignored because the admin said so, or
reported as not recognised, and the import waits until the admin decides (see roster.py and the import page).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from backend.i18n import N_, gettext

MAX_ROWS = 10_000
IGNORE = "ignore"


@dataclass(frozen=True)
class Field:
    name: str  # what --map and the mapping table say: guardian_phone
    label: str  # English msgid
    aliases: tuple[str, ...] = ()


STUDENT_FIELDS = (
    Field("code", N_("Student code"), ("เลขประจำตัวนักเรียน", "เลขประจำตัว", "รหัสนักเรียน", "รหัสประจำตัวนักเรียน",
                                       "เลขประจำตัว นร.", "รหัสประจำตัว", "student code", "student id", "code")),
    Field("citizen_id", N_("Citizen ID"), ("เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "เลขบัตรประจำตัวประชาชน",
                                           "รหัสประชาชน", "เลขประชาชน", "citizen id", "national id", "id card",
                                           "pid")),
    Field("title", N_("Title"), ("คำนำหน้า", "คำนำหน้าชื่อ", "คำนำหน้านาม", "title", "prefix")),
    Field("first_name", N_("First name"), ("ชื่อ", "ชื่อนักเรียน", "ชื่อจริง", "first name", "name")),
    Field("last_name", N_("Last name"), ("นามสกุล", "นามสกุลนักเรียน", "สกุล", "last name", "surname",
                                         "family name")),
    Field("full_name", N_("Full name (title, first and last name)"), (
        "ชื่อ-สกุล", "ชื่อ-นามสกุล", "ชื่อ สกุล", "ชื่อ-สกุลนักเรียน", "ชื่อ-นามสกุลนักเรียน", "full name")),
    Field("class", N_("Classroom (ม.1/3)"), ("ชั้น/ห้อง", "ห้องเรียน", "ชั้นเรียน", "ระดับชั้น/ห้อง", "class",
                                             "classroom", "grade/room")),
    Field("grade", N_("Grade (ม.1)"), ("ชั้น", "ระดับชั้น", "ชั้นปี", "grade", "level")),
    Field("room", N_("Room"), ("ห้อง", "room")),
    Field("number", N_("Number in class"), ("เลขที่", "เลขที่ในห้อง", "เลขที่ในชั้น", "number", "no", "no.",
                                            "number in class")),
    Field("sex", N_("Sex"), ("เพศ", "sex", "gender")),
    Field("birth_date", N_("Date of birth"), ("วันเกิด", "วันเดือนปีเกิด", "วัน/เดือน/ปีเกิด", "วันเดือนปีเกิด (พ.ศ.)",
                                              "date of birth", "birth date", "dob", "birthday")),
)

# Guardian slots: up to three guardians, and the father and mother of a DMC export.
GUARDIAN_SLOTS = ("guardian", "guardian2", "guardian3", "father", "mother")
SLOT_RELATION = {"father": "บิดา", "mother": "มารดา"}
_SLOT_LABEL = {"guardian": N_("Guardian's"), "guardian2": N_("Guardian 2's"), "guardian3": N_("Guardian 3's"),
               "father": N_("Father's"), "mother": N_("Mother's")}
_PART_LABEL = {"name": N_("name"), "last_name": N_("last name"), "relation": N_("relation to the student"),
               "phone": N_("phone"), "smartphone": N_("smartphone (yes/no)")}
GUARDIAN_ALIASES = {
    "name": ("ชื่อผู้ปกครอง", "ผู้ปกครอง", "ชื่อ-สกุลผู้ปกครอง", "ชื่อ-นามสกุลผู้ปกครอง", "guardian", "guardian name"),
    "last_name": ("นามสกุลผู้ปกครอง", "guardian last name"),
    "relation": ("ความสัมพันธ์", "ความเกี่ยวข้อง", "ความสัมพันธ์กับนักเรียน", "ความเกี่ยวข้องกับนักเรียน",
                 "ความเกี่ยวข้องของผู้ปกครองกับนักเรียน", "ความสัมพันธ์ของผู้ปกครองกับนักเรียน",
                 "ความสัมพันธ์ผู้ปกครอง", "guardian relation", "relation", "relationship"),
    "phone": ("โทรศัพท์ผู้ปกครอง", "เบอร์โทรผู้ปกครอง", "เบอร์โทรศัพท์ผู้ปกครอง", "เบอร์มือถือผู้ปกครอง",
              "โทรศัพท์มือถือผู้ปกครอง", "หมายเลขโทรศัพท์ผู้ปกครอง", "เบอร์ติดต่อผู้ปกครอง", "โทรศัพท์มือถือ",
              "เบอร์มือถือ", "มือถือ", "เบอร์ติดต่อ", "โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "หมายเลขโทรศัพท์",
              "guardian phone", "phone", "mobile", "tel", "telephone"),
    "smartphone": ("ใช้สมาร์ทโฟน", "สมาร์ทโฟน", "มีสมาร์ทโฟน", "guardian smartphone", "smartphone"),
}
PARENT_ALIASES = {
    "father": {"name": ("ชื่อบิดา", "ชื่อพ่อ", "ชื่อ-สกุลบิดา", "ชื่อ-นามสกุลบิดา", "บิดา", "father", "father name",
                        "father's name"),
               "last_name": ("นามสกุลบิดา", "นามสกุลพ่อ", "father last name"),
               "phone": ("โทรศัพท์บิดา", "เบอร์โทรบิดา", "เบอร์โทรศัพท์บิดา", "เบอร์มือถือบิดา", "เบอร์พ่อ",
                         "father phone", "father's phone")},
    "mother": {"name": ("ชื่อมารดา", "ชื่อแม่", "ชื่อ-สกุลมารดา", "ชื่อ-นามสกุลมารดา", "มารดา", "mother",
                        "mother name", "mother's name"),
               "last_name": ("นามสกุลมารดา", "นามสกุลแม่", "mother last name"),
               "phone": ("โทรศัพท์มารดา", "เบอร์โทรมารดา", "เบอร์โทรศัพท์มารดา", "เบอร์มือถือมารดา", "เบอร์แม่",
                         "mother phone", "mother's phone")},
}


def guardian_field(slot: str, part: str) -> str:
    return f"{slot}_{part}"


def _guardian_fields() -> tuple[Field, ...]:
    fields = []
    for slot in GUARDIAN_SLOTS:
        for part in ("name", "last_name", "relation", "phone", "smartphone"):
            if slot in SLOT_RELATION and part in ("relation", "smartphone"):
                continue  # a father is the father; a DMC export says nothing of smartphones
            aliases = PARENT_ALIASES[slot][part] if slot in PARENT_ALIASES else (
                GUARDIAN_ALIASES[part] if slot == "guardian" else ())
            fields.append(Field(guardian_field(slot, part), f"{_SLOT_LABEL[slot]}|{_PART_LABEL[part]}", aliases))
    return tuple(fields)


FIELDS = {f.name: f for f in STUDENT_FIELDS + _guardian_fields()}
# Columns every school's file has and Doolae has no use for: a running count of rows, an age worked out from the
# date of birth. Listed as ignored in the report, so still not silent.
KNOWN_IGNORED = ("ลำดับ", "ลำดับที่", "อายุ", "age")


def header_key(header: str) -> str:
    """A header as compared: stripped, spaces and punctuation dropped, casefolded ("เบอร์โทร ผู้ปกครอง " is
    "เบอร์โทรผู้ปกครอง"). Thai vowels and tone marks are kept: they are marks, not punctuation."""
    text = unicodedata.normalize("NFC", header).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


ALIASES = {header_key(alias): f.name for f in FIELDS.values() for alias in f.aliases}
ALIASES.update({header_key(header): IGNORE for header in KNOWN_IGNORED})


def field_label(name: str) -> str:
    """A field's name for people: "Guardian's phone" is worded from two msgids."""
    if name == IGNORE:
        return gettext(N_("(ignored)"))
    label = FIELDS[name].label
    if "|" in label:
        owner, part = label.split("|")
        return gettext(N_("%(owner)s %(part)s"), owner=gettext(owner), part=gettext(part))
    return gettext(label)


# Reading a file into a table -----------------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """Why a file cannot be read, as an English msgid (shown in Thai)."""


@dataclass
class RosterTable:
    headers: list[str]
    rows: list[list[str]]
    encoding: str  # "xlsx" for an Excel file
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None


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


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def read_table(data: bytes, sheet: str | None = None) -> RosterTable:
    """The file's header row and rows as text; raises UnreadableFile with a reason a school can act on."""
    if not data.strip():
        raise UnreadableFile(N_("The file is empty."))
    if is_xlsx(data):
        return _read_xlsx(data, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(N_("This is an old Excel file (.xls). In Excel choose “Save as” and save it as "
                                "“Excel Workbook (.xlsx)” or as CSV, then upload that file."))
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff")) or (
            not data.startswith((b"\xff\xfe", b"\xfe\xff")) and data.count(b"\x00") > len(data) // 20):
        raise UnreadableFile(N_("This file is not a CSV or Excel (.xlsx) file. Save the roster from Excel as "
                                ".xlsx or CSV and upload that file."))
    text, encoding = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise UnreadableFile(N_("This file is not a CSV or Excel (.xlsx) file. Save the roster from Excel as "
                                ".xlsx or CSV and upload that file.")) from error
    return _shape(table, encoding)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a student code or phone typed as a number: 10231.0 is 10231
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, sheet: str | None) -> RosterTable:
    import openpyxl  # only when an Excel file comes: it is a large import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - a broken file raises any of zipfile's, XML's or openpyxl's errors
        raise UnreadableFile(N_("This Excel file cannot be read: it may be damaged or protected with a password. "
                                "Open it in Excel, save it again as .xlsx or CSV, and upload that file.")) from error
    try:
        names = list(book.sheetnames)
        chosen = sheet if sheet in names else names[0]
        rows = []
        for row in book[chosen].iter_rows(values_only=True):
            rows.append([_cell_text(value).strip() for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
    except Exception as error:  # noqa: BLE001 - as above, a damaged sheet fails while it is read
        raise UnreadableFile(N_("This Excel file cannot be read: it may be damaged or protected with a password. "
                                "Open it in Excel, save it again as .xlsx or CSV, and upload that file.")) from error
    finally:
        book.close()
    table = _shape(rows, "xlsx")
    table.sheets, table.sheet = names, chosen
    return table


def _visible(cell: str) -> bool:
    return any(ch.isprintable() and not ch.isspace() for ch in cell)


def _shape(table: list[list[str]], encoding: str) -> RosterTable:
    # Excel leaves blank rows above the header and blank columns at the right: skip those, keep any column with data.
    while table and not any(cell.strip() for cell in table[0]):
        table = table[1:]
    if not table:
        raise UnreadableFile(N_("The file is empty."))
    width = max((max((i for i, c in enumerate(row) if _visible(c)), default=-1) + 1 for row in table), default=0)
    headers = [(table[0][i] if i < len(table[0]) else "").strip() for i in range(width)]
    # Rows keep any cells past the last column (the control-character check reads them too).
    rows = [row + [""] * (width - len(row)) for row in table[1:]]
    return RosterTable(headers, rows, encoding)


# Placing columns on fields -------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Column:
    index: int
    letter: str  # A, B, … as a spreadsheet names it
    header: str
    key: str  # what a mapping is remembered by
    field: str | None  # a field name, IGNORE, or None when it could not be placed
    how: str  # "header" (a known name), "mapped" (the admin said), "duplicate" (a field already read), "unknown"


@dataclass
class ColumnReport:
    columns: list[Column]
    fields: dict[str, int]  # field → column index
    missing: list[str]  # English msgids: required fields no column gives

    @property
    def unplaced(self) -> list[Column]:
        return [c for c in self.columns if c.field is None]

    @property
    def has_guardians(self) -> bool:
        return any(name.startswith(GUARDIAN_SLOTS) for name in self.fields)

    @property
    def ready(self) -> bool:
        return not self.unplaced and not self.missing


def _numbered(key: str) -> str | None:
    # "ชื่อผู้ปกครอง2", "guardian2phone", "โทรศัพท์1": one digit says which guardian.
    digits = re.findall(r"\d", key)
    if len(digits) != 1 or not 1 <= int(digits[0]) <= 3:
        return None
    base = ALIASES.get(key.replace(digits[0], "", 1))
    if base is None or base == IGNORE or not base.startswith("guardian_"):
        return None
    slot = "guardian" if digits[0] == "1" else f"guardian{digits[0]}"
    return guardian_field(slot, base.removeprefix("guardian_"))


def place_columns(headers: list[str], mapping: dict[str, str] | None = None) -> ColumnReport:
    """Each column's field. `mapping` (header key → field or IGNORE) is what the admin said, and comes first."""
    mapping = mapping or {}
    columns: list[Column] = []
    fields: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header_key(header) or f"#{column_letter(index)}"
        said = mapping.get(key)
        if said is not None and (said == IGNORE or said in FIELDS):
            name, how = said, "mapped"
        else:
            name = ALIASES.get(key) or _numbered(key)
            how = "header" if name else "unknown"
        if name and name != IGNORE and name in fields:
            name, how = None, "duplicate"
        if name and name != IGNORE:
            fields[name] = index
        columns.append(Column(index, column_letter(index), header, key, name, how))
    missing = []
    if "code" not in fields:
        missing.append(N_("The file has no column for the student code."))
    if "full_name" not in fields:
        if "first_name" not in fields:
            missing.append(N_("The file has no column for the first name."))
        if "last_name" not in fields:
            missing.append(N_("The file has no column for the last name."))
    if "class" not in fields and not ("grade" in fields and "room" in fields):
        missing.append(N_("The file has no column for the classroom (such as ม.1/3)."))
    return ColumnReport(columns, fields, missing)


def parse_mapping_option(text: str) -> tuple[str, str]:
    """ "เบอร์บ้าน=guardian_phone" → (header key, field); raises ValueError naming what is wrong."""
    header, _, name = text.rpartition("=")
    name = name.strip()
    if not header.strip() or (name not in FIELDS and name != IGNORE):
        raise ValueError(text)
    return header_key(header) or header.strip(), name
