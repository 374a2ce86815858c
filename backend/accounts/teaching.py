"""Who teaches which subject to which classroom in which term: the admin assigns teaching on a screen or imports a
timetable (CSV or XLSX, one row per teacher, subject and classroom). A file is previewed first: every row refused is
named with its reason, nothing is written until the admin confirms, and the same file again changes nothing.

Teachers are matched by username or by their display name with titles left out (ครู, นาง, ดร. … as a timetable
writes them or not), the rest exactly, never on a guess: a name two staff share is refused naming both, and one no
staff has is refused, at most suggesting staff of the same first name. A teaching assignment opens the class's
period registers (attendance)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from backend import db
from backend.accounts.access import TEACHING_ROLES, Permission, Viewer
from backend.accounts.passwords import AccountError
from backend.accounts.tables import TeachingAssignment, User
from backend.i18n import N_
from backend.request_input import plain_text
from backend.schools.tables import Classroom
from backend.students.columns import decode
from backend.students.roster import RowError, parse_class, parse_grade

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
TERMS = (0, 1, 2)  # 0: the whole school year

# Header names, compared without spaces, dots, underscores or case.
HEADERS = {
    "teacher": ["ครูผู้สอน", "ผู้สอน", "ชื่อครู", "ครู", "ชื่อผู้ใช้", "teacher", "username", "teachername"],
    "subject": ["วิชา", "รายวิชา", "ชื่อวิชา", "ชื่อรายวิชา", "subject", "subjectname"],
    "subject_code": ["รหัสวิชา", "subjectcode", "coursecode"],
    "class": ["ชั้น/ห้อง", "ห้องเรียน", "ชั้นเรียน", "class", "classroom"],
    "grade": ["ชั้น", "ระดับชั้น", "grade"],
    "room": ["ห้อง", "room"],
    "term": ["ภาคเรียน", "ภาคเรียนที่", "เทอม", "term", "semester"],
}
WHOLE_YEAR = {"", "0", "ทั้งปี", "ตลอดปี", "year", "all"}
# Titles before a teacher's name, left out when names are compared: a timetable says "สมใจ ดวงแก้ว" or
# "นางสมใจ ดวงแก้ว" for the staff member stored as "ครูสมใจ ดวงแก้ว". Thai ones may be written joined to the name.
TITLES = re.compile(r"^(?:ว่าที่\s*ร\.?\s*ต\.?|นางสาว|อาจารย์|ครู|นาง|นาย|น\.\s*ส\.|นส\.|ดร\.|อ\.|ผศ\.|รศ\.|"
                    r"(?:mrs|mr|ms|miss|dr)(?:\.|\s+))\s*", re.IGNORECASE)


class TeachingError(AccountError):
    pass


@dataclass(frozen=True)
class Assignment:
    teacher_id: int
    classroom_id: int
    subject: str
    term: int

    @property
    def key(self) -> tuple:
        return (self.classroom_id, self.teacher_id, self.subject, self.term)


@dataclass
class TimetablePreview:
    filename: str
    rows: int
    errors: list[RowError] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)  # assignments to make, with names for the page
    existing: int = 0  # rows already assigned: nothing to do
    repeated: int = 0  # rows the file has twice

    def encoded(self) -> str:
        """The new assignments for the confirm form: checked again when applied, so nothing here is trusted."""
        return "\n".join(f"{a['teacher_id']}\t{a['classroom_id']}\t{a['term']}\t{a['subject']}" for a in self.new)


def _key(header: str) -> str:
    return re.sub(r"[\s._]", "", header).lower()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: term 1 arrives as 1.0
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The cells of a CSV (any usual Thai encoding) or of the first sheet of an XLSX workbook."""
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # only imported when someone uploads a workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
            raise TeachingError(N_("This file could not be read as an Excel workbook (.xlsx). Save it again from "
                                   "Excel, or as CSV.")) from None
    text, _ = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def bare_name(name: str) -> str:
    """A name without its titles and with single spaces, to compare: "ครู ดร.สมใจ  ดวงแก้ว" → "สมใจ ดวงแก้ว"."""
    name = " ".join(name.split())
    while (title := TITLES.match(name)) and title.end() < len(name):
        name = name[title.end():]
    return name.lower()


@dataclass
class Staff:
    usernames: dict[str, int]
    by_name: dict[str, list[int]]  # by bare name: a name may be shared
    shown: dict[int, str]  # display name (username)
    display: dict[int, str]


async def _teachers(viewer: Viewer) -> Staff:
    """This school's staff who may teach, by username and by name without titles (a name may be shared)."""
    staff = await User.select(User.id, User.username, User.display_name).where(
        (User.school == viewer.school_id) & (User.active == True)  # noqa: E712 - a Piccolo column
        & User.role.is_in([r.value for r in TEACHING_ROLES]))
    found = Staff({person["username"]: person["id"] for person in staff}, {}, {}, {})
    for person in staff:
        found.by_name.setdefault(bare_name(person["display_name"]), []).append(person["id"])
        found.display[person["id"]] = person["display_name"]
        found.shown[person["id"]] = f"{person['display_name']} ({person['username']})"
    return found


async def _classrooms(viewer: Viewer) -> dict[tuple[str, int], dict]:
    rows = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade"),
                                  Classroom.grade.level.as_alias("level")).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id))
    return {(row["grade"], row["room"]): row for row in rows}


def _term(text: str) -> int | None:
    text = text.strip().lower()
    if text in WHOLE_YEAR:
        return 0
    return int(text) if text in ("1", "2") else None


async def preview_timetable(viewer: Viewer, filename: str, data: bytes) -> TimetablePreview:
    """What importing this timetable would do. Writes nothing."""
    if not viewer.can(Permission.manage_users):
        raise TeachingError(N_("Only the school's admin assigns teaching."), status=403)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TeachingError(N_("The file is larger than %(n)s MB."), n=MAX_UPLOAD_BYTES // (1024 * 1024))
    table = [row for row in read_table(filename, data) if any(row)]
    preview = TimetablePreview(filename=filename[:200], rows=max(len(table) - 1, 0))
    if not table:
        preview.errors.append(RowError(0, N_("The file is empty.")))
        return preview
    columns: dict[str, int] = {}
    lookup = {_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}
    for index, header in enumerate(table[0]):
        name = lookup.get(_key(header))
        if name and name not in columns:
            columns[name] = index
    for needed, message in (("teacher", N_("The file has no column for the teacher (ครูผู้สอน).")),
                            ("subject", N_("The file has no column for the subject (รายวิชา)."))):
        if needed not in columns:
            preview.errors.append(RowError(0, message))
    if "class" not in columns and not ("grade" in columns and "room" in columns):
        preview.errors.append(RowError(0, N_("The file has no column for the classroom (such as ม.1/3).")))
    if len(table) - 1 > MAX_ROWS:
        preview.errors.append(RowError(0, N_("The file has more than %(n)s rows."), {"n": MAX_ROWS}))
    if preview.errors:
        return preview
    staff = await _teachers(viewer)
    classrooms = await _classrooms(viewer)
    existing = {(row["classroom"], row["teacher"], row["subject"], row["term"]) for row in
                await TeachingAssignment.select(TeachingAssignment.classroom, TeachingAssignment.teacher,
                                                TeachingAssignment.subject, TeachingAssignment.term).where(
                    (TeachingAssignment.school == viewer.school_id)
                    & (TeachingAssignment.school_year == viewer.school_year_id))}
    seen: set[tuple] = set()
    for line, cells in enumerate(table[1:], start=2):
        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        found = _row(cell, staff, classrooms)
        if isinstance(found, RowError):
            preview.errors.append(RowError(line, found.message, found.values))
            continue
        assignment, teacher_name, label = found
        if assignment.key in seen:
            preview.repeated += 1
        elif assignment.key in existing:
            preview.existing += 1
        else:
            preview.new.append({"teacher_id": assignment.teacher_id, "classroom_id": assignment.classroom_id,
                                "subject": assignment.subject, "term": assignment.term, "teacher": teacher_name,
                                "label": label, "line": line})
        seen.add(assignment.key)
    return preview


def _row(cell, staff: Staff, classrooms: dict) -> tuple[Assignment, str, str] | RowError:
    """One row of the timetable resolved, or why it is refused (line filled in by the caller)."""
    if not all(plain_text(cell(name)) for name in HEADERS):
        return RowError(0, N_("This row has invisible control characters. Remove them and save the file again."))
    teacher_text = " ".join(cell("teacher").split())
    if not teacher_text:
        return RowError(0, N_("The teacher is missing."))
    named = staff.by_name.get(bare_name(teacher_text), [])
    if teacher_text.lower() in staff.usernames:
        teacher_id = staff.usernames[teacher_text.lower()]
    elif len(named) == 1:
        teacher_id = named[0]
    elif named:
        return RowError(0, N_("Several staff are called “%(name)s” (%(staff)s): write their username instead."),
                        {"name": teacher_text[:100], "staff": ", ".join(staff.shown[i] for i in named[:5])})
    else:
        return _unknown_teacher(teacher_text, staff)
    subject = " ".join(f"{cell('subject_code')} {cell('subject')}".split())
    if not cell("subject"):
        return RowError(0, N_("The subject is missing."))
    if len(subject) > TeachingAssignment.subject.length:
        return RowError(0, N_("The subject is longer than %(n)s characters."), {"n": TeachingAssignment.subject.length})
    if cell("class"):
        place = parse_class(cell("class"))
    else:
        grade, room = parse_grade(cell("grade")), cell("room")
        place = (grade, int(room)) if grade and room.isdecimal() else None
    shown = cell("class") or f"{cell('grade')}/{cell('room')}"
    if place is None:
        return RowError(0, N_("The classroom “%(class)s” should look like ม.1/3."), {"class": shown[:20]})
    classroom = classrooms.get(place)
    if classroom is None:
        return RowError(0, N_("There is no classroom %(class)s this school year."), {"class": f"{place[0]}/{place[1]}"})
    term = _term(cell("term"))
    if term is None:
        return RowError(0, N_("The term “%(term)s” should be 1, 2, or empty for the whole year."),
                        {"term": cell("term")[:20]})
    return Assignment(teacher_id, classroom["id"], subject, term), staff.display[teacher_id], f"{place[0]}/{place[1]}"


def _unknown_teacher(teacher_text: str, staff: Staff) -> RowError:
    """Refused; staff of the same first name are only suggested (a surname misspelt, or changed at marriage)."""
    first = bare_name(teacher_text).split(" ")[0]
    alike = [staff.display[ids[0]] for name, ids in staff.by_name.items() if name.split(" ")[0] == first]
    if alike:
        return RowError(0, N_("No teacher of this school has the username or name “%(name)s”. Did you mean "
                              "%(names)s? Write the name as the staff list has it."),
                        {"name": teacher_text[:100], "names": ", ".join(sorted(alike)[:3])})
    return RowError(0, N_("No teacher of this school has the username or name “%(name)s”."),
                    {"name": teacher_text[:100]})


async def apply_timetable(viewer: Viewer, encoded: str) -> int:
    """The previewed assignments, each checked again (school, teacher, classroom, term), in one transaction.
    Returns how many were new: a second confirm of the same preview adds none."""
    wanted = []
    for line in encoded.splitlines()[:MAX_ROWS]:
        parts = line.split("\t", 3)
        if len(parts) != 4 or not all(p.isdecimal() for p in parts[:3]):
            raise TeachingError(N_("The preview was damaged: upload the file again."))
        wanted.append((int(parts[0]), int(parts[1]), int(parts[2]), parts[3]))
    return await _assign(viewer, wanted)


async def assign_teaching(viewer: Viewer, teacher_id: int, classroom_id: int, subject: str, term: int) -> bool:
    """The admin's screen: one assignment. False when it was there already."""
    subject = " ".join(subject.split())
    if not subject:
        raise TeachingError(N_("Enter the subject."), field="subject")
    if len(subject) > TeachingAssignment.subject.length or not plain_text(subject):
        raise TeachingError(N_("The subject is longer than %(n)s characters."), field="subject",
                            n=TeachingAssignment.subject.length)
    return bool(await _assign(viewer, [(teacher_id, classroom_id, term, subject)]))


async def _assign(viewer: Viewer, wanted: list[tuple[int, int, int, str]]) -> int:
    if not viewer.can(Permission.manage_users):
        raise TeachingError(N_("Only the school's admin assigns teaching."), status=403)
    teachers = set((await _teachers(viewer)).usernames.values())
    rooms = {room["id"] for room in (await _classrooms(viewer)).values()}
    for teacher_id, classroom_id, term, subject in wanted:
        if teacher_id not in teachers or classroom_id not in rooms or term not in TERMS or not subject \
                or len(subject) > TeachingAssignment.subject.length or not plain_text(subject):
            raise TeachingError(N_("Choose a teacher, a subject, a classroom of this school year and a term."))
    if not wanted:
        return 0
    async with db.transaction():
        made = []
        for start in range(0, len(wanted), 500):
            made += await TeachingAssignment.insert(*[TeachingAssignment(
                school=viewer.school_id, school_year=viewer.school_year_id, teacher=teacher_id,
                classroom=classroom_id, term=term, subject=subject)
                for teacher_id, classroom_id, term, subject in wanted[start:start + 500]
            ]).on_conflict(action="DO NOTHING").returning(TeachingAssignment.id)
    return len(made)


async def remove_teaching(viewer: Viewer, assignment_id: int) -> None:
    if not viewer.can(Permission.manage_users):
        raise TeachingError(N_("Only the school's admin assigns teaching."), status=403)
    await TeachingAssignment.delete().where((TeachingAssignment.id == assignment_id)
                                            & (TeachingAssignment.school == viewer.school_id))


async def teaching_page(viewer: Viewer, classroom_id: int | None) -> dict:
    """This year's classrooms, the staff who may teach, and one classroom's assignments (one at a time, so the page
    stays small however big the school)."""
    classrooms = sorted((await _classrooms(viewer)).values(), key=lambda r: (r["level"], r["room"]))
    for room in classrooms:
        room["label"] = f"{room['grade']}/{room['room']}"
    chosen = next((r for r in classrooms if r["id"] == classroom_id), classrooms[0] if classrooms else None)
    staff = await User.select(User.id, User.display_name, User.username).where(
        (User.school == viewer.school_id) & (User.active == True)  # noqa: E712
        & User.role.is_in([r.value for r in TEACHING_ROLES])).order_by(User.display_name)
    assignments = []
    if chosen:
        assignments = await TeachingAssignment.select(
            TeachingAssignment.id, TeachingAssignment.subject, TeachingAssignment.term,
            TeachingAssignment.teacher.display_name.as_alias("teacher")).where(
            (TeachingAssignment.classroom == chosen["id"]) & (TeachingAssignment.school == viewer.school_id)
        ).order_by(TeachingAssignment.term).order_by(TeachingAssignment.subject)
    count = await TeachingAssignment.count().where((TeachingAssignment.school == viewer.school_id) & (
        TeachingAssignment.school_year == viewer.school_year_id))
    return {"classrooms": classrooms, "chosen": chosen, "staff": staff, "assignments": assignments, "count": count}
