"""The year-end roll-over: every student of a school year into next year's classrooms (the next grade, the same room
number unless the school says otherwise), repeaters kept in their grade, leavers and the top grade's graduates off
the roll, numbers given again within each room, homeroom teachers copied where the admin chooses. Previewed without
writing; applied once (YearRollover.from_year is unique); last year's enrolments stay, so last year stays readable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backend import clock, db
from backend.accounts import services as accounts
from backend.accounts.access import Viewer
from backend.accounts.tables import HomeroomAssignment
from backend.i18n import N_, Refusal, format_date, format_datetime
from backend.schools import services as schools
from backend.schools.tables import Classroom, Grade, SchoolYear, Term
from backend.students import ordering
from backend.students.columns import decode
from backend.students.roster import parse_class
from backend.students.tables import LeaveReason, Student, StudentEnrolment, YearRollover

HOMEROOM_CHOICES = ("follow", "room", "none")  # teachers move up with their class, stay with their room, or neither
MAX_MAPPING_BYTES = 200_000


class RolloverError(Refusal):
    pass


@dataclass
class Placement:
    student: dict
    source: int  # last year's classroom
    action: str  # "promote", "repeat", "graduate" or "leave"
    target: tuple[int, int] | None = None  # (grade id, room) next year
    number: int | None = None


@dataclass
class Plan:
    """What applying would do, computed the same way for the preview and the apply."""

    from_year: dict
    to_year_be: int
    done: dict | None  # the earlier roll-over of this year, if any
    rooms: list[dict] = field(default_factory=list)  # last year's classrooms, each with its target and teachers
    targets: list[dict] = field(default_factory=list)  # next year's classrooms, each with its count and teachers
    placements: list[Placement] = field(default_factory=list)
    choices: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # for the errors' %(…)s

    def count(self, action: str) -> int:
        return sum(1 for p in self.placements if p.action == action)

    def named(self, action: str) -> list[Placement]:
        return [p for p in self.placements if p.action == action]


async def _from_year(viewer: Viewer) -> dict:
    """The earliest school year that still has students in its classrooms and has not been rolled over, else this
    one: a roll-over forgotten until the new year began is still the old year's."""
    rows = await StudentEnrolment.select(StudentEnrolment.school_year.as_alias("id")).where(
        (StudentEnrolment.school == viewer.school_id) & StudentEnrolment.ends_on.is_null()
        & StudentEnrolment.school_year.not_in(YearRollover.select(YearRollover.from_year).where(
            YearRollover.school == viewer.school_id))).distinct()
    candidates = [r["id"] for r in rows] or [viewer.school_year_id]
    years = await SchoolYear.select(SchoolYear.id, SchoolYear.year_be, SchoolYear.starts_on, SchoolYear.ends_on).where(
        SchoolYear.id.is_in(candidates) & (SchoolYear.year_be <= viewer.year_be)).order_by(SchoolYear.year_be)
    if not years:
        years = await SchoolYear.select(SchoolYear.id, SchoolYear.year_be, SchoolYear.starts_on,
                                        SchoolYear.ends_on).where(SchoolYear.id == viewer.school_year_id)
    year = years[0]
    last = await Term.select(Term.ends_on).where(Term.school_year == year["id"]).order_by(
        Term.ends_on, ascending=False).first()
    return {**year, "last_day": last["ends_on"] if last else year["ends_on"]}


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", text or "") if code]


def _mapping(data: bytes, labels: dict[str, int]) -> tuple[dict[int, str], list[str]]:
    """A file of room changes, two columns a row: this year's classroom, next year's (ม.1/3,ม.2/4). Rows that do
    not start with a classroom (a header) are skipped; a classroom not of this year is refused by name."""
    text, _ = decode(data)
    rooms: dict[int, str] = {}
    unknown = []
    for line in text.splitlines():
        cells = [c.strip().strip('"') for c in re.split(r"[,;\t]", line)]
        if len(cells) < 2 or parse_class(cells[0]) is None:
            continue
        source, target = parse_class(cells[0]), parse_class(cells[1])
        label = f"{source[0]}/{source[1]}"
        if label not in labels or target is None:
            unknown.append(cells[0] if label not in labels else cells[1])
            continue
        rooms[labels[label]] = str(target[1])
    return rooms, unknown


async def plan(viewer: Viewer, raw: dict[str, str], mapping: bytes | None = None) -> Plan:
    """The roll-over the admin's choices describe: room-<id> (next year's room number of a classroom's students),
    repeaters and leavers (student codes), leave_reason, order (ordering.ORDERS), homerooms (HOMEROOM_CHOICES)."""
    year = await _from_year(viewer)
    done = await YearRollover.select(YearRollover.applied_at, YearRollover.promoted, YearRollover.repeated,
                                     YearRollover.graduated, YearRollover.left,
                                     YearRollover.applied_by.display_name.as_alias("by")).where(
        YearRollover.from_year == year["id"]).first()
    result = Plan(from_year=year, to_year_be=year["year_be"] + 1, done=done)
    grades = await Grade.select(Grade.id, Grade.code, Grade.level).where(Grade.school == viewer.school_id).order_by(
        Grade.level)
    following = {g["id"]: (grades[i + 1] if i + 1 < len(grades) else None) for i, g in enumerate(grades)}
    code_of = {g["id"]: g["code"] for g in grades}
    rooms = await Classroom.select(Classroom.id, Classroom.grade, Classroom.room).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == year["id"])).order_by(
        Classroom.grade.level).order_by(Classroom.room)
    members = await StudentEnrolment.select(
        StudentEnrolment.classroom, StudentEnrolment.number_in_class, StudentEnrolment.student.id.as_alias("id"),
        StudentEnrolment.student.code.as_alias("code"), StudentEnrolment.student.title.as_alias("title"),
        StudentEnrolment.student.first_name.as_alias("first_name"),
        StudentEnrolment.student.last_name.as_alias("last_name"),
    ).where((StudentEnrolment.school == viewer.school_id) & (StudentEnrolment.school_year == year["id"])
            & StudentEnrolment.ends_on.is_null())
    teachers = await HomeroomAssignment.select(HomeroomAssignment.classroom, HomeroomAssignment.teacher,
                                               HomeroomAssignment.teacher.display_name.as_alias("name")).where(
        (HomeroomAssignment.school == viewer.school_id) & (HomeroomAssignment.school_year == year["id"]))

    errors = result.errors
    labels = {f"{code_of[r['grade']]}/{r['room']}": r["id"] for r in rooms}
    mapped, unknown = _mapping(mapping, labels) if mapping else ({}, [])
    if unknown:
        errors["mapping"] = N_("Not a classroom of this year, or not understood: %(rows)s.")
        result.values["rows"] = ", ".join(unknown[:10])
        mapped = {}
    order = raw.get("order") or "sex_name"
    homerooms = raw.get("homerooms") or "follow"
    reason = raw.get("leave_reason") or LeaveReason.moved_school.value
    if order not in ordering.ORDERS:
        errors["order"] = N_("Choose one of the given ways.")
    if homerooms not in HOMEROOM_CHOICES:
        errors["homerooms"] = N_("Choose one of the given ways.")
    if reason not in {r.value for r in LeaveReason}:
        errors["leave_reason"] = N_("Choose why the student leaves.")
    repeaters, leavers = _codes(raw.get("repeaters", "")), _codes(raw.get("leavers", ""))
    by_code = {m["code"]: m for m in members}
    strangers = [c for c in repeaters + leavers if c not in by_code]
    if strangers:
        errors["repeaters" if any(c in repeaters for c in strangers) else "leavers"] = N_(
            "No student of this year's classrooms has the code %(codes)s.")
        result.values["codes"] = ", ".join(strangers[:10])
    if set(repeaters) & set(leavers):
        errors["leavers"] = N_("A student cannot both repeat and leave.")

    target_room: dict[int, int] = {}
    shown: dict[str, str] = {}  # as typed, so that a wrong one shows to be fixed
    for room in rooms:
        typed = (mapped.get(room["id"]) or raw.get(f"room-{room['id']}") or str(room["room"])).strip()
        shown[str(room["id"])] = typed[:10]
        if typed.isdecimal() and 1 <= int(typed) <= 30:
            target_room[room["id"]] = int(typed)
        else:
            errors[f"room-{room['id']}"] = N_("Room %(room)s is outside 1–30.")
            result.values["room"] = typed[:10]
            target_room[room["id"]] = room["room"]
    result.choices = {"order": order, "homerooms": homerooms, "leave_reason": reason,
                      "repeaters": " ".join(repeaters), "leavers": " ".join(leavers),
                      "rooms": shown}

    grade_of = {r["id"]: r["grade"] for r in rooms}
    room_no = {r["id"]: r["room"] for r in rooms}
    for m in members:
        source = m["classroom"]
        student = {**m, "position": (room_no[source], m["number_in_class"] or 999)}
        nxt = following[grade_of[source]]
        if m["code"] in leavers:
            result.placements.append(Placement(student, source, "leave"))
        elif m["code"] in repeaters:
            result.placements.append(Placement(student, source, "repeat", (grade_of[source], room_no[source])))
        elif nxt is None:
            result.placements.append(Placement(student, source, "graduate"))
        else:
            result.placements.append(Placement(student, source, "promote", (nxt["id"], target_room[source])))

    by_target: dict[tuple[int, int], list[Placement]] = {}
    for p in result.placements:
        if p.target:
            by_target.setdefault(p.target, []).append(p)
    level = {g["id"]: g["level"] for g in grades}
    teachers_of: dict[int, list[dict]] = {}
    for t in teachers:
        teachers_of.setdefault(t["classroom"], []).append(t)
    source_at = {(r["grade"], r["room"]): r["id"] for r in rooms}
    for target in sorted(by_target, key=lambda t: (level[t[0]], t[1])):
        group = sorted(by_target[target], key=lambda p: ordering.class_order(p.student, order))
        for number, p in enumerate(group, start=1):
            p.number = number
        copied: dict[int, dict] = {}
        if homerooms == "follow":
            for p in group:
                if p.action == "promote":
                    for t in teachers_of.get(p.source, []):
                        copied[t["teacher"]] = t
        elif homerooms == "room" and target in source_at:
            copied = {t["teacher"]: t for t in teachers_of.get(source_at[target], [])}
        result.targets.append({"grade": target[0], "room": target[1], "label": f"{code_of[target[0]]}/{target[1]}",
                               "students": len(group), "repeaters": sum(1 for p in group if p.action == "repeat"),
                               "teachers": list(copied.values())})
    counts: dict[int, int] = {}
    for m in members:
        counts[m["classroom"]] = counts.get(m["classroom"], 0) + 1
    for room in rooms:
        nxt = following[room["grade"]]
        result.rooms.append({"id": room["id"], "label": f"{code_of[room['grade']]}/{room['room']}",
                             "students": counts.get(room["id"], 0), "next_grade": nxt["code"] if nxt else None,
                             "target_room": target_room[room["id"]], "teachers": teachers_of.get(room["id"], [])})
    return result


async def apply(viewer: Viewer, raw: dict[str, str]) -> Plan:
    """Apply the roll-over the admin previewed, once: a second apply is refused and says when the first was."""
    found = await plan(viewer, raw)
    if found.done:
        raise _already(found.done)
    if found.errors:
        raise RolloverError(N_("Check the fields marked."), errors=found.errors, **found.values)
    if raw.get("confirm") != str(found.from_year["year_be"]):
        raise RolloverError(N_("Tick the box to confirm the roll-over."),
                            errors={"confirm": N_("Tick the box to confirm the roll-over.")})
    if clock.today() <= found.from_year["last_day"]:
        raise RolloverError(N_("School year %(year)s runs until %(day)s: apply the roll-over after its last term."),
                            year=found.from_year["year_be"], day=format_date(found.from_year["last_day"]))
    to_year_id = await schools.ensure_school_year(viewer.school_id, found.to_year_be)
    to_year = await SchoolYear.select(SchoolYear.starts_on).where(SchoolYear.id == to_year_id).first()
    start = to_year["starts_on"]
    try:
        async with db.transaction():
            await YearRollover.insert(YearRollover(
                school=viewer.school_id, from_year=found.from_year["id"], to_year=to_year_id,
                promoted=found.count("promote"), repeated=found.count("repeat"), graduated=found.count("graduate"),
                left=found.count("leave"), applied_by=viewer.user_id, applied_at=clock.now()))
            await _write(viewer, found, to_year_id, start)
    except db.UNIQUE_VIOLATIONS:  # applied by a concurrent request
        raise _already((await plan(viewer, raw)).done or {}) from None
    return found


def _already(done: dict) -> RolloverError:
    return RolloverError(N_("This roll-over was already applied on %(day)s by %(name)s. Nothing was changed."),
                         status=409, day=format_datetime(done["applied_at"]) if done.get("applied_at") else "",
                         name=done.get("by") or "")


async def _write(viewer: Viewer, found: Plan, to_year_id: int, start) -> None:
    """Inside the apply's transaction: next year's classrooms, enrolments and homerooms; leavers off the roll."""
    existing = {(r["grade"], r["room"]): r["id"] for r in await Classroom.select(
        Classroom.id, Classroom.grade, Classroom.room).where(Classroom.school_year == to_year_id)}
    missing = [t for t in found.targets if (t["grade"], t["room"]) not in existing]
    if missing:
        for row in await Classroom.insert(*[Classroom(school=viewer.school_id, school_year=to_year_id,
                                                      grade=t["grade"], room=t["room"]) for t in missing]).returning(
                Classroom.id, Classroom.grade, Classroom.room):
            existing[(row["grade"], row["room"])] = row["id"]
    ids = [p.student["id"] for p in found.placements]
    for chunk in db.chunks(ids):
        await StudentEnrolment.update({StudentEnrolment.ends_on: start}).where(
            StudentEnrolment.student.is_in(chunk) & StudentEnrolment.ends_on.is_null())
    staying = [p for p in found.placements if p.target]
    moment = clock.now()
    for start_at in range(0, len(staying), 500):
        await StudentEnrolment.insert(*[StudentEnrolment(
            school=viewer.school_id, student=p.student["id"], school_year=to_year_id, classroom=existing[p.target],
            number_in_class=p.number, starts_on=start, changed_by=viewer.user_id, changed_at=moment)
            for p in staying[start_at:start_at + 500]])
    # One update per classroom and one per number, not one per student: a school has thousands.
    for key, column in (("classroom", Student.classroom), ("number", Student.number_in_class)):
        groups: dict[int, list[int]] = {}
        for p in staying:
            groups.setdefault(existing[p.target] if key == "classroom" else p.number, []).append(p.student["id"])
        for value, members in groups.items():
            for chunk in db.chunks(members):
                await Student.update({column: value, Student.updated_at: moment}).where(Student.id.is_in(chunk))
    for action, reason in (("graduate", LeaveReason.graduated.value), ("leave", found.choices["leave_reason"])):
        gone = [p.student["id"] for p in found.named(action)]
        for chunk in db.chunks(gone):
            await Student.update({Student.left_on: start, Student.leave_reason: reason, Student.active: False,
                                  Student.updated_at: moment}).where(Student.id.is_in(chunk))
    for target in found.targets:
        for teacher in target["teachers"]:
            await accounts.assign_homeroom(viewer, existing[(target["grade"], target["room"])], teacher["teacher"])


async def intake_year(viewer: Viewer) -> int:
    """The school year a roster import fills: next year's once this year has been rolled over (the new intake
    arrives between the roll-over and the first day), else this one."""
    done = await YearRollover.select(YearRollover.to_year).where(
        (YearRollover.school == viewer.school_id) & (YearRollover.from_year == viewer.school_year_id)).first()
    return done["to_year"] if done else viewer.school_year_id
