"""The roster: importing it (preview, then all-or-nothing apply), and the lists teachers and parents see."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from backend import clock, db
from backend.accounts.access import Viewer, can_see_citizen_id, can_see_student, searches_citizen_ids, visible_students
from backend.i18n import N_, Refusal
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.students import enrolment, rollover
from backend.students.columns import FIELDS, IGNORE, ColumnReport, decode
from backend.students.phones import is_mobile
from backend.students.roster import ParsedRoster, RowError, parse_class, parse_roster
from backend.students.roster_plan import Roster, RosterPlan
from backend.students.tables import Guardian, RosterColumnMapping, RosterUpload, Student, StudentGuardian
from backend.clock import now

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class RosterError(Refusal):
    pass


# Import: preview and apply ---------------------------------------------------------------------------------------


@dataclass
class RosterPreview:
    upload_id: int | None  # kept for the admin's decisions and the apply; None when the file has row errors
    filename: str
    encoding: str
    rows: int
    errors: list[RowError]
    plan: RosterPlan | None  # None until every column is placed
    report: ColumnReport | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None

    @property
    def columns_ready(self) -> bool:
        return self.report is not None and self.report.ready


async def remembered_mapping(school_id: int) -> dict[str, str]:
    rows = await RosterColumnMapping.select(RosterColumnMapping.header_key, RosterColumnMapping.field).where(
        RosterColumnMapping.school == school_id)
    return {r["header_key"]: r["field"] for r in rows}


async def _preview(viewer: Viewer, filename: str, data: bytes, sheet: str | None, told: dict[str, str] | None,
                   upload_id: int | None, keep: bool) -> RosterPreview:
    grades = await schools.list_grades(viewer.school_id)
    mapping = {**await remembered_mapping(viewer.school_id), **(told or {})}
    parsed: ParsedRoster = parse_roster(data, set(grades), mapping, sheet)
    preview = RosterPreview(upload_id, filename, parsed.encoding, len(parsed.rows), parsed.errors, None,
                            parsed.report, parsed.sheets, parsed.sheet)
    roster = None
    if not parsed.errors and parsed.report.ready:
        roster = await Roster(viewer.school_id, await rollover.intake_year(viewer)).load()
        parsed.errors.extend(roster.citizen_id_clashes(parsed.rows))
    if parsed.errors:
        preview.upload_id = None
        return preview
    if keep and upload_id is None:
        # Kept even while columns wait for the admin's decision: the mapping form refers to this file.
        xlsx = parsed.encoding == "xlsx"
        content = base64.b64encode(data).decode("ascii") if xlsx else decode(data)[0]
        rows = await RosterUpload.insert(RosterUpload(
            school=viewer.school_id, uploaded_by=viewer.user_id, filename=filename[:200], content=content,
            format="xlsx" if xlsx else "csv", sheet=(parsed.sheet or "")[:100], created_at=now(),
        )).returning(RosterUpload.id)
        preview.upload_id = rows[0]["id"]
    if roster is not None:
        preview.plan = roster.plan(parsed.rows, with_guardians=parsed.report.has_guardians)
    return preview


async def preview_roster(viewer: Viewer, filename: str, data: bytes, sheet: str | None = None,
                         told: dict[str, str] | None = None) -> RosterPreview:
    """Read a roster file (CSV or Excel) and keep it for the admin's decisions; nothing on the roster changes yet."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterError(N_("The file is larger than 5 MB. Is it the right file?"))
    return await _preview(viewer, filename, data, sheet, told, None, keep=True)


async def _upload(viewer: Viewer, upload_id: int) -> dict:
    upload = await RosterUpload.select().where(
        (RosterUpload.id == upload_id) & (RosterUpload.school == viewer.school_id)).first()
    if upload is None:
        raise RosterError(N_("This roster file was not found. Upload it again."), status=404)
    if upload["applied_at"] is not None:
        raise RosterError(N_("This roster file has already been imported."), status=409)
    return upload


def _content(upload: dict) -> bytes:
    return base64.b64decode(upload["content"]) if upload["format"] == "xlsx" else upload["content"].encode("utf-8")


async def map_columns(viewer: Viewer, upload_id: int, choices: dict[str, str], sheet: str = "") -> RosterPreview:
    """The admin says what columns hold (a field, or "ignore"): remembered for the school's next files too. Then
    the same file is checked again."""
    upload = await _upload(viewer, upload_id)
    data = _content(upload)
    if upload["format"] == "xlsx" and sheet and sheet != upload["sheet"]:
        # Another sheet has other columns: the choices made for this one do not apply to it.
        await RosterUpload.update({RosterUpload.sheet: sheet[:100]}).where(RosterUpload.id == upload_id)
        return await _preview(viewer, upload["filename"], data, sheet, None, upload_id, keep=False)
    before = await _preview(viewer, upload["filename"], data, upload["sheet"] or None, None, upload_id, keep=False)
    if before.report is None:
        return before
    keys = {str(c.index): c.key for c in before.report.columns}
    decided = {keys[index]: choice for index, choice in choices.items()
               if index in keys and (choice == IGNORE or choice in FIELDS)}
    if decided:
        async with db.transaction():
            await RosterColumnMapping.delete().where(
                (RosterColumnMapping.school == viewer.school_id) & RosterColumnMapping.header_key.is_in(list(decided)))
            await RosterColumnMapping.insert(*[
                RosterColumnMapping(school=viewer.school_id, header_key=key[:200], field=choice,
                                    updated_by=viewer.user_id, updated_at=now())
                for key, choice in decided.items()])
    return await _preview(viewer, upload["filename"], data, upload["sheet"] or None, None, upload_id, keep=False)


async def apply_roster(viewer: Viewer, upload_id: int, same_person: set[str] = frozenset(),
                       told: dict[str, str] | None = None) -> RosterPlan:
    """Apply a previewed roster in one transaction: every row or none. Applying the same file twice changes nothing.
    `same_person` holds the pairs of guardians the admin ticked as one person in the preview."""
    upload = await _upload(viewer, upload_id)
    grades = await schools.list_grades(viewer.school_id)
    mapping = {**await remembered_mapping(viewer.school_id), **(told or {})}
    parsed = parse_roster(_content(upload), set(grades), mapping, upload["sheet"] or None)
    if parsed.report is not None and not parsed.report.ready:
        raise RosterError(N_("Some columns of the file are not placed yet: say what each holds, or ignore it."),
                          status=409)
    if parsed.errors:
        raise RosterError(N_("The file has errors. Upload a corrected file."), status=409)
    async with db.transaction():
        roster = await Roster(viewer.school_id, await rollover.intake_year(viewer)).load()
        if roster.citizen_id_clashes(parsed.rows):
            raise RosterError(N_("The file has errors. Upload a corrected file."), status=409)
        plan = roster.plan(parsed.rows, set(same_person), with_guardians=parsed.report.has_guardians)
        await roster.apply(parsed.rows, plan)
        await enrolment.follow_roster(roster.school_id, roster.school_year_id, _placements(roster, plan),
                                      viewer.user_id)
        await RosterUpload.update({RosterUpload.applied_at: now()}).where(RosterUpload.id == upload_id)
    return plan


def _placements(roster: Roster, plan: RosterPlan) -> list[tuple[int, int, int | None]]:
    """(student, classroom, number) of every student the file adds or changes, for their enrolment."""
    rows = [*plan.new_students, *(row for _, row in plan.changed_students)]
    return [(roster.students[row.code]["id"], roster.classrooms[(row.grade, row.room)], row.number) for row in rows]


async def import_roster(viewer: Viewer, filename: str, data: bytes, told: dict[str, str] | None = None,
                        sheet: str | None = None) -> RosterPreview:
    """Preview and apply in one step, for the command line and the demo. Refuses (applies nothing) a file with
    errors or with a column it cannot place: `told` (header key → field or "ignore") places them."""
    preview = await preview_roster(viewer, filename, data, sheet, told)
    if preview.upload_id is not None and preview.columns_ready:
        preview.plan = await apply_roster(viewer, preview.upload_id, told=told)
    return preview


# Lists ----------------------------------------------------------------------------------------------------------


REACHABLE = {"app", "sms"}  # an alert reaches the guardian (calls only, SMS off or no phone: nobody is told)


def reach(guardian: dict) -> str:
    """How the school can reach a guardian: app, sms, call or none (a code for the template to word)."""
    if not guardian["phone"]:
        return "none"
    if guardian["user"] and guardian["has_smartphone"]:
        return "app"
    if guardian.get("sms_opt_out"):
        return "sms_off"
    return "sms" if is_mobile(guardian["phone"]) else "call"


async def guardians_of(student_ids: list[int]) -> dict[int, list[dict]]:
    """Each student's guardians, first contact first, with how they can be reached."""
    if not student_ids:
        return {}
    links = await StudentGuardian.select(
        StudentGuardian.student, StudentGuardian.relation, StudentGuardian.guardian.id.as_alias("id"),
        StudentGuardian.guardian.name.as_alias("name"), StudentGuardian.guardian.phone.as_alias("phone"),
        StudentGuardian.guardian.has_smartphone.as_alias("has_smartphone"),
        StudentGuardian.guardian.user.as_alias("user"),
        StudentGuardian.guardian.sms_opt_out.as_alias("sms_opt_out"),
    ).where(StudentGuardian.student.is_in(student_ids)).order_by(StudentGuardian.position)
    by_student: dict[int, list[dict]] = {}
    for link in links:
        by_student.setdefault(link["student"], []).append({**link, "reach": reach(link)})
    return by_student


async def visible_student(viewer: Viewer, student_id: int) -> dict | None:
    """One student with their classroom label, if this viewer may see them at all (school, homeroom, child)."""
    student = await Student.select(
        Student.id, Student.school, Student.classroom, Student.code, Student.title, Student.first_name,
        Student.last_name, Student.number_in_class, Student.classroom.room.as_alias("room"),
        Student.classroom.grade.code.as_alias("grade"), Student.citizen_id, Student.birth_date, Student.sex,
    ).where(visible_students(viewer) & (Student.id == student_id)).first()
    if student is None:
        return None
    if not can_see_citizen_id(viewer, student):
        student["citizen_id"] = None
    return {**student, "label": f"{student['grade']}/{student['room']}" if student["classroom"] else ""}


async def classroom_students(viewer: Viewer, classroom_ids: list[int]) -> list[dict]:
    """The students of these classrooms today whom the viewer may see, as visible_student gives one (without the
    citizen ID), in grade, room and number order: one query for a class or a school."""
    rows = await Student.select(
        Student.id, Student.school, Student.classroom, Student.code, Student.title, Student.first_name,
        Student.last_name, Student.number_in_class, Student.classroom.room.as_alias("room"),
        Student.classroom.grade.code.as_alias("grade"),
    ).where(visible_students(viewer) & enrolment.enrolled_today(viewer.school_id, classroom_ids)).order_by(
        Student.classroom.grade.level).order_by(Student.classroom.room).order_by(Student.number_in_class).order_by(
        Student.first_name)
    return [{**row, "label": f"{row['grade']}/{row['room']}"} for row in rows]


# On a homeroom teacher's home page and their homeroom's page: written out, as one round trip instead of three (the
# classrooms, their students today, the students' guardians), and Piccolo's chained joins cost CPU to build.
HOMEROOMS_SQL = (
    "SELECT c.id AS room_id, c.room, g.code AS grade, st.id, st.school, st.code, st.title, st.first_name, "
    "st.last_name, st.classroom, st.number_in_class, sg.relation, gu.id AS guardian_id, gu.name, gu.phone, "
    'gu.has_smartphone, gu."user", gu.sms_opt_out '
    "FROM classroom c LEFT JOIN grade g ON g.id = c.grade "
    "LEFT JOIN student st ON st.classroom = c.id AND st.school = {} AND st.id IN ("
    "SELECT e.student FROM student_enrolment e WHERE e.school = {} AND e.starts_on <= {} "
    "AND (e.ends_on IS NULL OR e.ends_on > {}) AND e.classroom IN (%(rooms)s)) "
    "LEFT JOIN student_guardian sg ON sg.student = st.id LEFT JOIN guardian gu ON gu.id = sg.guardian "
    "WHERE c.id IN (%(rooms)s) ORDER BY g.level, c.room, c.id, st.number_in_class, st.id, sg.position"
)


async def list_homerooms(viewer: Viewer) -> list[dict]:
    """The viewer's homerooms this year, each with its students today (by number in class) and their guardians."""
    if not viewer.classroom_ids:
        return []
    today = clock.today()
    rooms_sql = ", ".join(str(int(room)) for room in sorted(viewer.classroom_ids))
    rows = await db.fetch(HOMEROOMS_SQL % {"rooms": rooms_sql}, viewer.school_id, viewer.school_id, today, today)
    rooms: dict[int, dict] = {}
    students: dict[int, dict] = {}
    for row in rows:
        room = rooms.get(row["room_id"])
        if room is None:
            room = rooms[row["room_id"]] = {"id": row["room_id"], "room": row["room"], "grade": row["grade"],
                                            "label": f"{row['grade']}/{row['room']}", "students": []}
        if row["id"] is None or not can_see_student(viewer, row):
            continue
        student = students.get(row["id"])
        if student is None:
            student = students[row["id"]] = {key: row[key] for key in (
                "id", "code", "title", "first_name", "last_name", "classroom", "number_in_class")}
            student["guardians"] = []
            room["students"].append(student)
        if row["guardian_id"] is not None:
            guardian = {"student": row["id"], "relation": row["relation"], "id": row["guardian_id"],
                        "name": row["name"], "phone": row["phone"], "has_smartphone": bool(row["has_smartphone"]),
                        "user": row["user"], "sms_opt_out": bool(row["sms_opt_out"])}
            student["guardians"].append({**guardian, "reach": reach(guardian)})
    for room in rooms.values():
        for student in room["students"]:
            student["reachable"] = any(g["reach"] in REACHABLE for g in student["guardians"])
        room["unreachable"] = sum(1 for s in room["students"] if not s["reachable"])
    return list(rooms.values())


# On every parent's home page: written out, as Piccolo spends about 1 ms of CPU building the chained joins of the
# selects (students, then their homeroom teachers); one round trip instead of two.
CHILDREN_SQL = (
    "SELECT st.id, st.school, st.title, st.first_name, st.last_name, st.number_in_class, st.classroom, c.room, "
    "g.code AS grade, t.display_name AS teacher_name, t.phone AS teacher_phone "
    "FROM student st LEFT JOIN classroom c ON c.id = st.classroom LEFT JOIN grade g ON g.id = c.grade "
    # A deactivated teacher is no one's homeroom teacher (their classroom shows none until they are back).
    "LEFT JOIN homeroom_assignment h ON h.classroom = st.classroom "
    "LEFT JOIN app_user t ON t.id = h.teacher AND t.active "
    "WHERE st.school = {} AND st.id IN (%s) ORDER BY st.id, h.id"
)


async def list_children(viewer: Viewer) -> list[dict]:
    """A parent's children with classroom and homeroom teachers (a student sees themself the same way)."""
    ids = sorted(viewer.student_ids)
    if not ids:
        return []
    rows = await db.fetch(CHILDREN_SQL % ", ".join(["{}"] * len(ids)), viewer.school_id, *ids)
    children: dict[int, dict] = {}
    for row in rows:
        if not can_see_student(viewer, row):
            continue
        child = children.get(row["id"])
        if child is None:
            child = children[row["id"]] = {
                key: row[key] for key in ("id", "title", "first_name", "last_name", "number_in_class", "classroom",
                                          "room", "grade")}
            child["label"] = f"{row['grade']}/{row['room']}" if row["classroom"] else ""
            child["teachers"] = []
        if row["teacher_name"] is not None:
            child["teachers"].append({"classroom": row["classroom"], "name": row["teacher_name"],
                                      "phone": row["teacher_phone"]})
    return list(children.values())


async def list_guardians(viewer: Viewer, search: str = "", limit: int = 30) -> list[dict]:
    """Guardians of the school for the admin's parent-account page, with their children's names."""
    query = Guardian.select(Guardian.id, Guardian.name, Guardian.phone, Guardian.user, Guardian.has_smartphone,
                            Guardian.sms_opt_out).where(Guardian.school == viewer.school_id)
    term = search.strip()
    if term:
        # Phones are stored as +668…; people type 081-…, so match on the digits after the leading 0.
        digits = "".join(c for c in term if c.isdigit())
        phone = (digits[1:] if digits.startswith("0") else digits) if len(digits) >= 3 else term
        query = query.where(db.contains(Guardian.name, term) | db.contains(Guardian.phone, phone) | Guardian.id.is_in(
            StudentGuardian.select(StudentGuardian.guardian).where(
                db.contains(StudentGuardian.student.first_name, term)
                | db.contains(StudentGuardian.student.code, term))))
    guardians = await query.order_by(Guardian.name).limit(limit)
    if not guardians:
        return []
    links = await StudentGuardian.select(
        StudentGuardian.guardian, StudentGuardian.student.first_name.as_alias("first_name"),
        StudentGuardian.student.last_name.as_alias("last_name")).where(
        StudentGuardian.guardian.is_in([g["id"] for g in guardians]))
    children: dict[int, list[str]] = {}
    for link in links:
        children.setdefault(link["guardian"], []).append(f"{link['first_name']} {link['last_name']}")
    return [{**g, "children": children.get(g["id"], [])} for g in guardians]


async def my_guardian_records(viewer: Viewer) -> list[dict]:
    """A parent's own guardian records (one per school roster entry), for their SMS setting."""
    return await Guardian.select(Guardian.id, Guardian.phone, Guardian.sms_opt_out).where(
        (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id) & Guardian.phone.is_not_null())


async def count_students(viewer: Viewer) -> dict:
    """School-wide counts for the executive and admin home pages."""
    current = enrolment.enrolled_today(viewer.school_id)
    students = await Student.count().where(visible_students(viewer) & current)
    classrooms = await Classroom.count().where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id))
    guardians = await Guardian.count().where(Guardian.school == viewer.school_id)
    no_phone = await Student.count().where(
        visible_students(viewer) & current & Student.id.not_in(
            StudentGuardian.select(StudentGuardian.student).where(
                StudentGuardian.guardian.phone.is_not_null())))
    return {"students": students, "classrooms": classrooms, "guardians": guardians, "no_phone": no_phone}


# Search ----------------------------------------------------------------------------------------------------------

SEARCH_PAGE = 20
CLASS_PAGE = 60  # a class typed is listed whole
MAX_SEARCH_TERMS = 4


@dataclass
class SearchPage:
    q: str
    page: int
    students: list[dict]
    more: bool  # another page follows


def _search_columns(viewer: Viewer) -> list:
    """What a search term is looked for in. Nickname and citizen ID are searched where the roster keeps them (other
    parts of issue 10 add those columns); a citizen ID only by those access.searches_citizen_ids allows."""
    columns = [Student.first_name, Student.last_name, Student.code]
    for optional in ("nickname",):
        if hasattr(Student, optional):
            columns.append(getattr(Student, optional))
    if hasattr(Student, "citizen_id") and searches_citizen_ids(viewer):
        columns.append(Student.citizen_id)
    return columns


async def search_students(viewer: Viewer, q: str, page: int = 1, among=None) -> SearchPage:
    """Current students this viewer may see (or `among`, a where-clause from access) whose name, code (…) holds
    every word typed, or the whole class when a class is typed ("ม.1/2", "m1/2"): one query, a page at a time,
    in grade, room and number order."""
    q = q.strip()[:100]
    page = max(1, min(page, 1000))
    terms = q.split()[:MAX_SEARCH_TERMS]
    if not terms:
        return SearchPage(q, page, [], False)
    where = (visible_students(viewer) if among is None else among) & (Student.active == True)  # noqa: E712 - a Piccolo column, not a Python bool
    a_class = parse_class(q)
    size = SEARCH_PAGE if a_class is None else CLASS_PAGE
    if a_class is not None:
        where &= (Student.classroom.grade.code == a_class[0]) & (Student.classroom.room == a_class[1])
    else:
        columns = _search_columns(viewer)
        for term in terms:
            matches = db.contains(columns[0], term)
            for column in columns[1:]:
                matches |= db.contains(column, term)
            where &= matches
    rows = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom, Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
    ).where(where).order_by(Student.classroom.grade.level).order_by(Student.classroom.room).order_by(
        Student.number_in_class).order_by(Student.id).limit(size + 1).offset((page - 1) * size)
    students = [{**row, "label": f"{row['grade']}/{row['room']}" if row["classroom"] else ""} for row in rows[:size]]
    return SearchPage(q, page, students, len(rows) > size)


# What list_by_ids() gives of a student, for another area's written-out read of its own rows about students (the
# row's table joined to student "st"): one round trip instead of the area's read and then list_by_ids().
LISTED_COLUMNS = ("st.school, st.code, st.title, st.first_name, st.last_name, st.number_in_class, st.classroom, "
                  "c.room, g.code AS grade")
LISTED_JOINS = "LEFT JOIN classroom c ON c.id = st.classroom LEFT JOIN grade g ON g.id = c.grade"


def listed(viewer: Viewer, rows: list[dict], limit: int) -> list[dict]:
    """The first `limit` different students of rows read with LISTED_COLUMNS (and the student's id as "student"),
    in their order, as list_by_ids() gives them, of those the viewer may see."""
    found: dict[int, dict] = {}
    for row in rows:
        if row["student"] in found:
            continue
        found[row["student"]] = row
        if len(found) == limit:
            break
    keys = ("id", "code", "title", "first_name", "last_name", "number_in_class", "classroom", "room", "grade")
    students = [{**row, "id": row["student"]} for row in found.values()]
    return [{**{key: s[key] for key in keys}, "label": f"{s['grade']}/{s['room']}" if s["classroom"] else ""}
            for s in students if can_see_student(viewer, s)]


async def list_by_ids(viewer: Viewer, student_ids: list[int], among=None) -> list[dict]:
    """These students, as far as the viewer may see them (or `among`, a where-clause from access), in the order
    given (e.g. most recent first)."""
    if not student_ids:
        return []
    rows = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom, Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
    ).where((visible_students(viewer) if among is None else among) & Student.id.is_in(student_ids))
    found = {row["id"]: {**row, "label": f"{row['grade']}/{row['room']}" if row["classroom"] else ""} for row in rows}
    return [found[i] for i in student_ids if i in found]


async def classmates(viewer: Viewer, student: dict) -> list[dict]:
    """The other current students of a student's classroom (a buddy is chosen among them), in number order."""
    return await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                Student.number_in_class).where(
        (Student.school == viewer.school_id) & (Student.classroom == student["classroom"])
        & (Student.id != student["id"]) & (Student.active == True)).order_by(  # noqa: E712 - a Piccolo column
        Student.number_in_class)
