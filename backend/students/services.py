"""The roster: importing it (preview, then all-or-nothing apply), and the lists teachers and parents see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend import db
from backend.accounts.access import Viewer, can_see_student, searches_citizen_ids, visible_students
from backend.i18n import N_, Refusal
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.students import enrolment, rollover
from backend.students.phones import is_mobile
from backend.students.roster import GuardianRow, ParsedRoster, RowError, StudentRow, decode, parse_roster
from backend.students.tables import Guardian, RosterUpload, Student, StudentGuardian
from backend.clock import now

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class RosterError(Refusal):
    pass


# Import: plan -------------------------------------------------------------------------------------------------


@dataclass
class RosterPlan:
    """What applying a roster would change. Computed the same way for the preview and for the apply."""

    new_students: list[StudentRow] = field(default_factory=list)
    changed_students: list[tuple[int, StudentRow]] = field(default_factory=list)
    unchanged: int = 0
    new_classrooms: set[tuple[str, int]] = field(default_factory=set)
    guardian_changes: int = 0  # guardians added, updated or unlinked

    @property
    def changes(self) -> int:
        return len(self.new_students) + len(self.changed_students) + len(self.new_classrooms) + self.guardian_changes


@dataclass
class RosterPreview:
    upload_id: int | None
    filename: str
    encoding: str
    rows: int
    errors: list[RowError]
    plan: RosterPlan | None


def _student_fields(row: StudentRow, classroom_id: int) -> dict:
    return {"title": row.title, "first_name": row.first_name, "last_name": row.last_name,
            "classroom": classroom_id, "number_in_class": row.number}


def _guardian_key(name: str, phone: str | None) -> tuple:
    # The same person appears under each of their children. Name and phone together say it is them:
    # two guardians may share a home phone, and the parent account links every record with its phone.
    return (name, phone)


class _Roster:
    """The school's current roster, loaded once, to compare a file against and to apply it."""

    def __init__(self, school_id: int, school_year_id: int):
        self.school_id = school_id
        self.school_year_id = school_year_id

    async def load(self) -> "_Roster":
        self.grades = await schools.list_grades(self.school_id)
        self.classrooms = {
            (r["grade.code"], r["room"]): r["id"]
            for r in await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code).where(
                (Classroom.school == self.school_id) & (Classroom.school_year == self.school_year_id))
        }
        self.students = {
            r["code"]: r for r in await Student.select(
                Student.id, Student.code, Student.title, Student.first_name, Student.last_name,
                Student.classroom, Student.number_in_class).where(Student.school == self.school_id)
        }
        self.guardians = {
            r["id"]: r for r in await Guardian.select(
                Guardian.id, Guardian.name, Guardian.phone, Guardian.has_smartphone).where(
                Guardian.school == self.school_id)
        }
        self.guardian_by_key = {_guardian_key(g["name"], g["phone"]): g["id"] for g in self.guardians.values()}
        self.links: dict[int, dict[int, dict]] = {}
        for link in await StudentGuardian.select(StudentGuardian.id, StudentGuardian.student,
                                                 StudentGuardian.guardian, StudentGuardian.relation,
                                                 StudentGuardian.position).where(
                StudentGuardian.school == self.school_id):
            self.links.setdefault(link["student"], {})[link["guardian"]] = link
        return self

    def guardian_diff(self, student_id: int | None, row: StudentRow) -> int:
        """How many guardian records this row would add, change or unlink."""
        existing = self.links.get(student_id, {}) if student_id else {}
        wanted: set[int] = set()
        changes = 0
        for position, g in enumerate(row.guardians, start=1):
            guardian_id = self.guardian_by_key.get(_guardian_key(g.name, g.phone))
            if guardian_id is None:
                changes += 1
                continue
            wanted.add(guardian_id)
            known = self.guardians[guardian_id]
            link = existing.get(guardian_id)
            if (known["name"], known["has_smartphone"]) != (g.name, g.has_smartphone) or link is None or (
                    link["relation"], link["position"]) != (g.relation, position):
                changes += 1
        return changes + len(set(existing) - wanted)

    def plan(self, rows: list[StudentRow]) -> RosterPlan:
        plan = RosterPlan()
        for row in rows:
            classroom_id = self.classrooms.get((row.grade, row.room))
            if classroom_id is None:
                plan.new_classrooms.add((row.grade, row.room))
            current = self.students.get(row.code)
            student_id = current["id"] if current else None
            plan.guardian_changes += self.guardian_diff(student_id, row)
            if current is None:
                plan.new_students.append(row)
            elif classroom_id is None or any(
                    current[k] != v for k, v in _student_fields(row, classroom_id).items()):
                plan.changed_students.append((current["id"], row))
            else:
                plan.unchanged += 1
        return plan


# Import: preview and apply ---------------------------------------------------------------------------------------


async def preview_roster(viewer: Viewer, filename: str, data: bytes) -> RosterPreview:
    """Check a roster file and keep it for confirmation; nothing on the roster changes yet."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterError(N_("The file is larger than 5 MB. Is it the right file?"))
    grades = await schools.list_grades(viewer.school_id)
    parsed: ParsedRoster = parse_roster(data, set(grades))
    if parsed.errors:
        return RosterPreview(None, filename, parsed.encoding, len(parsed.rows), parsed.errors, None)
    roster = await _Roster(viewer.school_id, await rollover.intake_year(viewer)).load()
    plan = roster.plan(parsed.rows)
    text, _ = decode(data)
    rows = await RosterUpload.insert(RosterUpload(
        school=viewer.school_id, uploaded_by=viewer.user_id, filename=filename[:200], content=text,
        created_at=now())).returning(RosterUpload.id)
    return RosterPreview(rows[0]["id"], filename, parsed.encoding, len(parsed.rows), [], plan)


async def apply_roster(viewer: Viewer, upload_id: int) -> RosterPlan:
    """Apply a previewed roster in one transaction: every row or none. Applying the same file twice changes nothing."""
    upload = await RosterUpload.select().where(
        (RosterUpload.id == upload_id) & (RosterUpload.school == viewer.school_id)).first()
    if upload is None:
        raise RosterError(N_("This roster file was not found. Upload it again."), status=404)
    if upload["applied_at"] is not None:
        raise RosterError(N_("This roster file has already been imported."), status=409)
    grades = await schools.list_grades(viewer.school_id)
    parsed = parse_roster(upload["content"].encode("utf-8"), set(grades))
    if parsed.errors:
        raise RosterError(N_("The file has errors. Upload a corrected file."), status=409)
    async with db.transaction():
        roster = await _Roster(viewer.school_id, await rollover.intake_year(viewer)).load()
        plan = roster.plan(parsed.rows)
        await _apply(roster, parsed.rows, plan)
        await enrolment.follow_roster(roster.school_id, roster.school_year_id, _placements(roster, plan),
                                      viewer.user_id)
        await RosterUpload.update({RosterUpload.applied_at: now()}).where(RosterUpload.id == upload_id)
    return plan


def _placements(roster: _Roster, plan: RosterPlan) -> list[tuple[int, int, int | None]]:
    """(student, classroom, number) of every student the file adds or changes, for their enrolment."""
    rows = [*plan.new_students, *(row for _, row in plan.changed_students)]
    return [(roster.students[row.code]["id"], roster.classrooms[(row.grade, row.room)], row.number) for row in rows]


async def import_roster(viewer: Viewer, filename: str, data: bytes) -> RosterPreview:
    """Preview and apply in one step, for the command line and the demo; refuses a file with errors."""
    preview = await preview_roster(viewer, filename, data)
    if preview.upload_id is not None:
        preview.plan = await apply_roster(viewer, preview.upload_id)
    return preview


async def _apply(roster: _Roster, rows: list[StudentRow], plan: RosterPlan) -> None:
    moment = now()
    for grade, room in sorted(plan.new_classrooms):
        created = await Classroom.insert(Classroom(
            school=roster.school_id, school_year=roster.school_year_id, grade=roster.grades[grade], room=room,
        )).returning(Classroom.id)
        roster.classrooms[(grade, room)] = created[0]["id"]

    if plan.new_students:
        created = await Student.insert(*[
            Student(school=roster.school_id, code=row.code, updated_at=moment,
                    **_student_fields(row, roster.classrooms[(row.grade, row.room)]))
            for row in plan.new_students
        ]).returning(Student.id, Student.code)
        for student in created:
            roster.students[student["code"]] = student
    for student_id, row in plan.changed_students:
        await Student.update({**_student_fields(row, roster.classrooms[(row.grade, row.room)]),
                              "updated_at": moment, "active": True}).where(Student.id == student_id)

    if plan.guardian_changes:
        await _apply_guardians(roster, rows, moment)


async def _apply_guardians(roster: _Roster, rows: list[StudentRow], moment: datetime) -> None:
    # New guardians first (one insert), so that siblings listed with the same phone share one record.
    new: dict[tuple, GuardianRow] = {}
    for row in rows:
        for g in row.guardians:
            key = _guardian_key(g.name, g.phone)
            if key not in roster.guardian_by_key:
                new.setdefault(key, g)
    if new:
        planned = list(new.items())
        created = await Guardian.insert(*[
            Guardian(school=roster.school_id, name=g.name, phone=g.phone, has_smartphone=g.has_smartphone,
                     updated_at=moment) for _, g in planned
        ]).returning(Guardian.id, Guardian.name, Guardian.phone)
        for (key, g), made in zip(planned, created, strict=True):
            # Both engines return inserted rows in order; checked, because a mix-up would misdirect alerts.
            assert (made["name"], made["phone"]) == (g.name, g.phone)
            roster.guardian_by_key[key] = made["id"]
            roster.guardians[made["id"]] = {"id": made["id"], "name": g.name, "phone": g.phone,
                                            "has_smartphone": g.has_smartphone}

    new_links = []
    for row in rows:
        student_id = roster.students[row.code]["id"]
        existing = roster.links.get(student_id, {})
        wanted = set()
        for position, g in enumerate(row.guardians, start=1):
            guardian_id = roster.guardian_by_key[_guardian_key(g.name, g.phone)]
            wanted.add(guardian_id)
            known = roster.guardians[guardian_id]
            if (known["name"], known["has_smartphone"]) != (g.name, g.has_smartphone):
                await Guardian.update({Guardian.name: g.name, Guardian.has_smartphone: g.has_smartphone,
                                       Guardian.updated_at: moment}).where(Guardian.id == guardian_id)
                known.update(name=g.name, has_smartphone=g.has_smartphone)
            link = existing.get(guardian_id)
            if link is None:
                new_links.append(StudentGuardian(school=roster.school_id, student=student_id, guardian=guardian_id,
                                                 relation=g.relation, position=position))
            elif (link["relation"], link["position"]) != (g.relation, position):
                await StudentGuardian.update({StudentGuardian.relation: g.relation,
                                              StudentGuardian.position: position}).where(
                    StudentGuardian.id == link["id"])
        gone = [link["id"] for guardian_id, link in existing.items() if guardian_id not in wanted]
        if gone:
            await StudentGuardian.delete().where(StudentGuardian.id.is_in(gone))
    if new_links:
        await StudentGuardian.insert(*new_links)


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


async def _guardians_of(student_ids: list[int]) -> dict[int, list[dict]]:
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
        Student.classroom.grade.code.as_alias("grade"),
    ).where(visible_students(viewer) & (Student.id == student_id)).first()
    if student is None:
        return None
    return {**student, "label": f"{student['grade']}/{student['room']}" if student["classroom"] else ""}


async def list_homerooms(viewer: Viewer) -> list[dict]:
    """The viewer's homerooms this year, each with its students (by number in class) and their guardians."""
    if not viewer.classroom_ids:
        return []
    classrooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        Classroom.id.is_in(list(viewer.classroom_ids))).order_by(Classroom.grade.level).order_by(Classroom.room)
    students = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.classroom,
        Student.number_in_class).where(
        visible_students(viewer) & enrolment.enrolled_today(viewer.school_id, viewer.classroom_ids)
    ).order_by(Student.number_in_class)
    guardians = await _guardians_of([s["id"] for s in students])
    rooms = []
    for classroom in classrooms:
        members = [{**s, "guardians": guardians.get(s["id"], []),
                    "reachable": any(g["reach"] in REACHABLE for g in guardians.get(s["id"], []))}
                   for s in students if s["classroom"] == classroom["id"]]
        rooms.append({**classroom, "label": f"{classroom['grade']}/{classroom['room']}", "students": members,
                      "unreachable": sum(1 for s in members if not s["reachable"])})
    return rooms


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
    rows = await Student.raw(CHILDREN_SQL % ", ".join(["{}"] * len(ids)), viewer.school_id, *ids)
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


async def search_students(viewer: Viewer, q: str, page: int = 1) -> SearchPage:
    """Current students this viewer may see whose name, code (…) holds every word typed: one query, a page at a
    time, in grade, room and number order."""
    q = q.strip()[:100]
    page = max(1, min(page, 1000))
    terms = q.split()[:MAX_SEARCH_TERMS]
    if not terms:
        return SearchPage(q, page, [], False)
    where = visible_students(viewer) & (Student.active == True)  # noqa: E712 - a Piccolo column, not a Python bool
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
        Student.number_in_class).order_by(Student.id).limit(SEARCH_PAGE + 1).offset((page - 1) * SEARCH_PAGE)
    students = [{**row, "label": f"{row['grade']}/{row['room']}" if row["classroom"] else ""}
                for row in rows[:SEARCH_PAGE]]
    return SearchPage(q, page, students, len(rows) > SEARCH_PAGE)


async def list_by_ids(viewer: Viewer, student_ids: list[int]) -> list[dict]:
    """These students, as far as the viewer may see them, in the order given (e.g. most recent first)."""
    if not student_ids:
        return []
    rows = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom, Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
    ).where(visible_students(viewer) & Student.id.is_in(student_ids))
    found = {row["id"]: {**row, "label": f"{row['grade']}/{row['room']}" if row["classroom"] else ""} for row in rows}
    return [found[i] for i in student_ids if i in found]
