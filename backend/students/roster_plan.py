"""What a roster file would change on the school's roster, and changing it: computed the same way for the preview
and for the apply, so that what the admin saw is what happens, and the same file twice changes nothing.

Guardians are never merged on a name alone. A guardian is recognised by their phone number (siblings listed with
the same phone share one guardian); a guardian without a phone is the one already linked to the same student under
the same name, or a new person. Two rows with the same guardian name are one person only when the admin ticks
"same person" for that pair in the preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend import db
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.clock import now
from backend.i18n import N_
from backend.students.roster import GuardianRow, RowError, StudentRow, name_key
from backend.students.tables import Guardian, Student, StudentGuardian

STUDENT_EXTRAS = ("citizen_id", "birth_date", "sex")


def guardian_token(row: StudentRow, guardian: GuardianRow) -> str:
    """Who a guardian of the file is, before the admin says more: their phone, or else this row's own person."""
    return f"p:{guardian.phone}" if guardian.phone else f"r:{row.line}:{guardian.slot}"


@dataclass(frozen=True)
class SamePersonQuestion:
    """Two guardians of the file with the same name whom nothing else shows to be one person."""

    pair: str  # "token~token", the value of the preview's tick
    name: str
    first_line: int
    first_phone: str | None
    first_student: str
    second_line: int
    second_phone: str | None
    second_student: str


@dataclass
class SharedPhone:
    """One phone written with different names: one guardian (by the phone), named as on its first row."""

    phone: str
    names: list[str]
    lines: list[int]


@dataclass
class RosterPlan:
    """What applying a roster would change."""

    new_students: list[StudentRow] = field(default_factory=list)
    changed_students: list[tuple[int, StudentRow]] = field(default_factory=list)
    unchanged: int = 0
    new_classrooms: set[tuple[str, int]] = field(default_factory=set)
    new_guardians: int = 0
    changed_guardians: int = 0
    link_changes: int = 0  # a guardian linked to, moved on or taken off a student
    questions: list[SamePersonQuestion] = field(default_factory=list)
    shared_phones: list[SharedPhone] = field(default_factory=list)
    # How the apply finds each guardian of the file: token → group, group → existing id (None: a new guardian).
    group_of: dict[str, str] = field(default_factory=dict)
    guardian_of: dict[str, int | None] = field(default_factory=dict)
    wanted: dict[str, GuardianRow] = field(default_factory=dict)
    # Numbers in class the file gives that a student it leaves in that room already has: shown, not refused.
    number_clashes: list[RowError] = field(default_factory=list)

    @property
    def guardian_changes(self) -> int:
        return self.new_guardians + self.changed_guardians + self.link_changes

    @property
    def changes(self) -> int:
        return len(self.new_students) + len(self.changed_students) + len(self.new_classrooms) + self.guardian_changes


def student_fields(row: StudentRow, classroom_id: int) -> dict:
    fields = {"title": row.title, "first_name": row.first_name, "last_name": row.last_name,
              "classroom": classroom_id, "number_in_class": row.number}
    # Only what the file gives: a roster without a citizen ID column leaves the school's citizen IDs as they are.
    fields.update({name: getattr(row, name) for name in STUDENT_EXTRAS if getattr(row, name) is not None})
    return fields


class _Groups:
    """Union-find over guardian tokens: the admin's "same person" ticks join two."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, token: str) -> str:
        self.parent.setdefault(token, token)
        while self.parent[token] != token:
            self.parent[token] = self.parent[self.parent[token]]
            token = self.parent[token]
        return token

    def join(self, a: str, b: str) -> None:
        first, second = sorted((self.find(a), self.find(b)))
        self.parent[second] = first


class Roster:
    """The school's current roster, loaded with a constant number of queries, to compare a file against and apply."""

    def __init__(self, school_id: int, school_year_id: int):
        self.school_id = school_id
        self.school_year_id = school_year_id

    async def load(self) -> Roster:
        self.grades = await schools.list_grades(self.school_id)
        self.classrooms = {
            (r["grade.code"], r["room"]): r["id"]
            for r in await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code).where(
                (Classroom.school == self.school_id) & (Classroom.school_year == self.school_year_id))
        }
        self.students = {
            r["code"]: r for r in await Student.select(
                Student.id, Student.code, Student.title, Student.first_name, Student.last_name,
                Student.classroom, Student.number_in_class, Student.citizen_id, Student.birth_date,
                Student.sex, Student.active).where(Student.school == self.school_id)
        }
        self.guardians = {
            r["id"]: r for r in await Guardian.select(
                Guardian.id, Guardian.name, Guardian.phone, Guardian.has_smartphone).where(
                Guardian.school == self.school_id).order_by(Guardian.id)
        }
        self.by_phone: dict[str, int] = {}
        for guardian in self.guardians.values():
            if guardian["phone"]:
                self.by_phone.setdefault(guardian["phone"], guardian["id"])
        self.links: dict[int, dict[int, dict]] = {}
        for link in await StudentGuardian.select(StudentGuardian.id, StudentGuardian.student,
                                                 StudentGuardian.guardian, StudentGuardian.relation,
                                                 StudentGuardian.position).where(
                StudentGuardian.school == self.school_id):
            self.links.setdefault(link["student"], {})[link["guardian"]] = link
        return self

    def _existing(self, members: list[tuple[StudentRow, GuardianRow]], phone: str | None) -> int | None:
        """The guardian already on the roster that these rows name: by phone, or the same student's guardian of
        the same name (with no phone, or this phone)."""
        if phone and phone in self.by_phone:
            return self.by_phone[phone]
        for row, guardian in members:
            student = self.students.get(row.code)
            for guardian_id in self.links.get(student["id"], {}) if student else ():
                known = self.guardians[guardian_id]
                # A file without this guardian's phone (a DMC export has none) keeps the phone the school has.
                if name_key(known["name"]) == name_key(guardian.name) and (phone is None or known["phone"] in (
                        None, phone)):
                    return guardian_id
        return None

    def plan(self, rows: list[StudentRow], same_person: set[str] = frozenset(),
             with_guardians: bool = True) -> RosterPlan:
        """`with_guardians` False: the file has no guardian columns at all, so it says nothing about guardians and
        every student keeps theirs."""
        plan = RosterPlan()
        for row in rows:
            classroom_id = self.classrooms.get((row.grade, row.room))
            if classroom_id is None:
                plan.new_classrooms.add((row.grade, row.room))
            current = self.students.get(row.code)
            if current is None:
                plan.new_students.append(row)
            elif classroom_id is None or any(
                    current[k] != v for k, v in student_fields(row, classroom_id).items()):
                plan.changed_students.append((current["id"], row))
            else:
                plan.unchanged += 1
        plan.number_clashes = self._number_clashes(rows)
        if with_guardians:
            self._plan_guardians(rows, same_person, plan)
        return plan

    @staticmethod
    def _label(student: dict) -> str:
        return f"{student['first_name']} {student['last_name']} ({student['code']})"

    def _number_clashes(self, rows: list[StudentRow]) -> list[RowError]:
        """Against the numbers each room will have after the import: the file's rows (told apart among themselves
        by parse_roster) and the current students the file does not list, who stay where they are. Not refused: a
        file of new arrivals cannot renumber those who stay, and the admin may renumber them afterwards."""
        in_file = {row.code for row in rows}
        staying = {(s["classroom"], s["number_in_class"]): s for s in self.students.values()
                   if s["code"] not in in_file and s["active"] and s["number_in_class"] is not None}
        clashes = []
        for row in rows:
            other = staying.get((self.classrooms.get((row.grade, row.room)), row.number))
            if row.number is not None and other is not None:
                clashes.append(RowError(row.line, N_(
                    "Number %(number)s in %(grade)s/%(room)s is given to %(name)s, but %(other_name)s, who stays in "
                    "that room, already has it: the register would show it twice. Renumber one of them."), {
                    "number": row.number, "grade": row.grade, "room": row.room,
                    "name": f"{row.first_name} {row.last_name}", "other_name": self._label(other)}))
        return clashes

    def citizen_id_clashes(self, rows: list[StudentRow]) -> list[RowError]:
        """Rows whose citizen ID another student of the school will still have after the import: refused, since
        two records of one person are never merged on a guess. Only the ID's last 4 digits are shown."""
        in_file = {row.code: row for row in rows}
        holders: dict[str, list[dict]] = {}
        for student in self.students.values():
            row = in_file.get(student["code"])
            citizen_id = row.citizen_id if row is not None and row.citizen_id is not None else student["citizen_id"]
            if citizen_id:
                holders.setdefault(citizen_id, []).append(student)
        clashes = []
        for row in rows:
            others = [s for s in holders.get(row.citizen_id, ()) if s["code"] != row.code] if row.citizen_id else []
            if others:
                other = others[0]
                clashes.append(RowError(row.line, N_(
                    "The citizen ID ending %(last4)s of %(name)s already belongs to %(other_name)s of this school: "
                    "one student per citizen ID. Check both and correct the file or the other student's record."), {
                    "last4": row.citizen_id[-4:], "name": f"{row.first_name} {row.last_name} ({row.code})",
                    "other_name": self._label(other)}))
        return clashes

    def _plan_guardians(self, rows: list[StudentRow], same_person: set[str], plan: RosterPlan) -> None:
        members: dict[str, list[tuple[StudentRow, GuardianRow]]] = {}
        for row in rows:
            for guardian in row.guardians:
                members.setdefault(guardian_token(row, guardian), []).append((row, guardian))
        alone = {token: self._existing(found, found[0][1].phone) for token, found in members.items()}
        plan.questions = self._questions(members, alone)
        plan.shared_phones = [
            SharedPhone(token[2:], list(dict.fromkeys(g.name for _, g in found)), [r.line for r, _ in found])
            for token, found in members.items()
            if len({name_key(g.name) for _, g in found}) > 1]

        groups = _Groups()
        offered = {q.pair for q in plan.questions}
        for pair in same_person & offered:
            groups.join(*pair.split("~"))
        by_group: dict[str, list[tuple[StudentRow, GuardianRow]]] = {}
        for token, found in members.items():
            plan.group_of[token] = groups.find(token)
            by_group.setdefault(plan.group_of[token], []).extend(found)
        for group, found in by_group.items():
            phone = next((g.phone for _, g in found if g.phone), None)
            first = found[0][1]
            smartphone = next((g.has_smartphone for _, g in found if g.has_smartphone is not None), None)
            guardian_id = self._existing(found, phone)
            plan.guardian_of[group] = guardian_id
            if guardian_id is None:
                plan.new_guardians += 1
                smartphone = bool(smartphone)
            else:
                known = self.guardians[guardian_id]
                smartphone = known["has_smartphone"] if smartphone is None else smartphone
                phone = phone or known["phone"]
                if (known["name"], known["phone"], known["has_smartphone"]) != (first.name, phone, smartphone):
                    plan.changed_guardians += 1
            plan.wanted[group] = GuardianRow(first.name, first.relation, phone, smartphone, first.slot)

        for row in rows:
            current = self.students.get(row.code)
            existing = self.links.get(current["id"], {}) if current else {}
            seen: set[str | int] = set()
            for position, guardian in enumerate(self.wanted_links(row, plan), start=1):
                group, relation = guardian
                guardian_id = plan.guardian_of[group]
                seen.add(guardian_id if guardian_id is not None else group)
                link = existing.get(guardian_id) if guardian_id is not None else None
                if link is None or (link["relation"], link["position"]) != (relation, position):
                    plan.link_changes += 1
            plan.link_changes += len(set(existing) - seen)

    @staticmethod
    def wanted_links(row: StudentRow, plan: RosterPlan) -> list[tuple[str, str]]:
        """(guardian group, relation) for each guardian of the row, once each, in the file's order."""
        links, seen = [], set()
        for guardian in row.guardians:
            group = plan.group_of[guardian_token(row, guardian)]
            identity = plan.guardian_of[group] if plan.guardian_of[group] is not None else group
            if identity not in seen:
                seen.add(identity)
                links.append((group, guardian.relation))
        return links

    def _questions(self, members: dict[str, list[tuple[StudentRow, GuardianRow]]],
                   alone: dict[str, int | None]) -> list[SamePersonQuestion]:
        by_name: dict[str, list[str]] = {}
        for token, found in members.items():
            by_name.setdefault(name_key(found[0][1].name), []).append(token)
        questions = []
        for tokens in by_name.values():
            # One representative per person already told apart: tokens that resolve to the same guardian are one.
            people: dict[str | int, str] = {}
            for token in tokens:
                people.setdefault(alone[token] if alone[token] is not None else token, token)
            if len(people) < 2 or sum(1 for t in people.values() if t.startswith("p:")) > 1:
                continue  # one person, or different phones: different people, nothing to ask
            representatives = sorted(people.values(), key=lambda t: (not t.startswith("p:"), members[t][0][0].line))
            first = representatives[0]
            for other in representatives[1:]:
                (row_a, g_a), (row_b, g_b) = members[first][0], members[other][0]
                questions.append(SamePersonQuestion(
                    f"{first}~{other}", g_a.name, row_a.line, g_a.phone, f"{row_a.first_name} {row_a.last_name}",
                    row_b.line, g_b.phone, f"{row_b.first_name} {row_b.last_name}"))
        return questions

    async def apply(self, rows: list[StudentRow], plan: RosterPlan) -> None:
        moment = now()
        for grade, room in sorted(plan.new_classrooms):
            created = await Classroom.insert(Classroom(
                school=self.school_id, school_year=self.school_year_id, grade=self.grades[grade], room=room,
            )).returning(Classroom.id)
            self.classrooms[(grade, room)] = created[0]["id"]

        # In slices: one insert of a whole big school's rows passes PostgreSQL's 32,767 parameters.
        for chunk in db.chunks(plan.new_students):
            created = await Student.insert(*[
                Student(school=self.school_id, code=row.code, updated_at=moment,
                        **student_fields(row, self.classrooms[(row.grade, row.room)]))
                for row in chunk
            ]).returning(Student.id, Student.code)
            for student in created:
                self.students[student["code"]] = student
        for student_id, row in plan.changed_students:
            await Student.update({**student_fields(row, self.classrooms[(row.grade, row.room)]),
                                  "updated_at": moment, "active": True}).where(Student.id == student_id)
        if plan.guardian_changes:
            await self._apply_guardians(rows, plan, moment)

    async def _apply_guardians(self, rows: list[StudentRow], plan: RosterPlan, moment: datetime) -> None:
        # Changes to guardians already on the roster first, then the new ones in one insert.
        for group, guardian_id in plan.guardian_of.items():
            if guardian_id is None:
                continue
            known, wanted = self.guardians[guardian_id], plan.wanted[group]
            if (known["name"], known["phone"], known["has_smartphone"]) != (
                    wanted.name, wanted.phone, wanted.has_smartphone):
                await Guardian.update({Guardian.name: wanted.name, Guardian.phone: wanted.phone,
                                       Guardian.has_smartphone: wanted.has_smartphone,
                                       Guardian.updated_at: moment}).where(Guardian.id == guardian_id)
                known.update(name=wanted.name, phone=wanted.phone, has_smartphone=wanted.has_smartphone)
        new = [group for group, guardian_id in plan.guardian_of.items() if guardian_id is None]
        for chunk in db.chunks(new):
            created = await Guardian.insert(*[
                Guardian(school=self.school_id, name=plan.wanted[g].name, phone=plan.wanted[g].phone,
                         has_smartphone=plan.wanted[g].has_smartphone, updated_at=moment) for g in chunk
            ]).returning(Guardian.id, Guardian.name, Guardian.phone)
            for group, made in zip(chunk, created, strict=True):
                # Both engines return inserted rows in order; checked, because a mix-up would misdirect alerts.
                assert (made["name"], made["phone"]) == (plan.wanted[group].name, plan.wanted[group].phone)
                plan.guardian_of[group] = made["id"]

        new_links = []
        for row in rows:
            student_id = self.students[row.code]["id"]
            existing = self.links.get(student_id, {})
            wanted_ids = set()
            for position, (group, relation) in enumerate(self.wanted_links(row, plan), start=1):
                guardian_id = plan.guardian_of[group]
                wanted_ids.add(guardian_id)
                link = existing.get(guardian_id)
                if link is None:
                    new_links.append(StudentGuardian(school=self.school_id, student=student_id,
                                                     guardian=guardian_id, relation=relation, position=position))
                elif (link["relation"], link["position"]) != (relation, position):
                    await StudentGuardian.update({StudentGuardian.relation: relation,
                                                  StudentGuardian.position: position}).where(
                        StudentGuardian.id == link["id"])
            gone = [link["id"] for guardian_id, link in existing.items() if guardian_id not in wanted_ids]
            if gone:
                await StudentGuardian.delete().where(StudentGuardian.id.is_in(gone))
        for chunk in db.chunks(new_links):
            await StudentGuardian.insert(*chunk)
