"""Behaviour: the school's categories and settings, recording an incident or a good deed for one or more students
(from a form or a phone's offline queue), voiding a wrong one, and reading them as each person may."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend import db, schoolyear
from backend.accounts.access import (Permission, Viewer, behaviour_pickable, can_see_behaviour_of, can_see_incident,
                                     can_void_incident, reads_behaviour_as_family)
from backend.behaviour import points, rules
from backend.behaviour.tables import (BehaviourCategory, BehaviourSettings, Incident, IncidentStudent, Kind,
                                      PointsEntry, RuleFiring, RuleKind, Sanction)
from backend.clock import SCHOOL_TIME, now, today
from backend import config
from backend.i18n import N_, Refusal
from backend.notify.queue import JobQueue
from backend.schools import services as schools
from backend.schools.calendar import Week
from backend.care import services as care
from backend.students import enrolment
from backend.students import services as students
from backend.students.enrolment import RosterEntry
from backend.students.tables import Student

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,40}")
MAX_STUDENTS = 30  # a whole class at once (a class cutting together), not the school
MAX_POINTS = 100


class BehaviourError(Refusal):
    pass


# The school's settings and categories ------------------------------------------------------------------------------

DEFAULTS = BehaviourSettings(start_points=100, threshold=70, late_points=0, cut_points=0, points_per_service_hour=2,
                             digest_weekday=4, digest_hour=15, digest_pointer="off")


@dataclass(frozen=True)
class Settings:
    start_points: int
    threshold: int
    late_points: int
    cut_points: int
    points_per_service_hour: int
    digest_weekday: int
    digest_hour: int
    digest_pointer: str


SETTING_NAMES = tuple(Settings.__dataclass_fields__)


async def school_settings(school_id: int) -> Settings:
    row = await BehaviourSettings.select(*[getattr(BehaviourSettings, name) for name in SETTING_NAMES]).where(
        BehaviourSettings.school == school_id).first()
    return Settings(**(row or {name: getattr(DEFAULTS, name) for name in SETTING_NAMES}))


# (code, kind, name for staff, wording for parents, points, serious): the categories a school starts with. Deductions
# follow common Thai school practice (5 for lateness or uniform, 10–30 for what harms others); the school edits them.
DEFAULT_CATEGORIES = (
    ("late", Kind.incident, "มาสาย", "มาสาย", 5, False),
    ("uniform", Kind.incident, "แต่งกาย/ทรงผมผิดระเบียบ", "แต่งกายหรือทรงผมผิดระเบียบ", 5, False),
    ("phone", Kind.incident, "ใช้โทรศัพท์ในห้องเรียน", "ใช้โทรศัพท์ในเวลาเรียน", 10, False),
    ("cut", Kind.incident, "หนีเรียน", "ไม่เข้าชั้นเรียน", 10, False),
    ("smoking", Kind.incident, "สูบบุหรี่/บุหรี่ไฟฟ้า", "เกี่ยวกับบุหรี่หรือบุหรี่ไฟฟ้า", 20, True),
    ("alcohol", Kind.incident, "ดื่มสุรา", "เกี่ยวกับเครื่องดื่มแอลกอฮอล์", 20, True),
    ("drugs", Kind.incident, "ยาเสพติด", "เรื่องร้ายแรงที่ต้องพบครู", 30, True),
    ("fighting", Kind.incident, "ทะเลาะวิวาท", "ทะเลาะวิวาท", 20, True),
    ("bullying", Kind.incident, "รังแกผู้อื่น", "รังแกผู้อื่น", 20, True),
    ("gambling", Kind.incident, "เล่นการพนัน", "เล่นการพนัน", 20, True),
    ("theft", Kind.incident, "ลักทรัพย์", "เรื่องร้ายแรงที่ต้องพบครู", 30, True),
    ("damage", Kind.incident, "ทำลายทรัพย์สิน", "ทำให้ทรัพย์สินเสียหาย", 10, False),
    ("disrespect", Kind.incident, "ไม่เคารพครู/ผู้อื่น", "กิริยาไม่เหมาะสม", 10, False),
    ("sexual", Kind.incident, "พฤติกรรมทางเพศไม่เหมาะสม", "เรื่องร้ายแรงที่ต้องพบครู", 30, True),
    ("other", Kind.incident, "อื่น ๆ", "พฤติกรรมที่ต้องปรับปรุง", 5, False),
    ("volunteer", Kind.good_deed, "จิตอาสา", "ทำความดีเป็นจิตอาสา", 5, False),
    ("helping", Kind.good_deed, "ช่วยเหลือผู้อื่น", "ช่วยเหลือผู้อื่น", 5, False),
    ("representing", Kind.good_deed, "เป็นตัวแทนโรงเรียน", "เป็นตัวแทนโรงเรียน", 5, False),
    ("honesty", Kind.good_deed, "ซื่อสัตย์ (เก็บของได้คืนเจ้าของ)", "ความซื่อสัตย์", 10, False),
    ("award", Kind.good_deed, "ได้รับรางวัล/ประกาศหน้าเสาธง", "ได้รับรางวัล", 5, False),
)


async def categories(school_id: int, kind: Kind | None = None, with_retired: bool = False) -> list[dict]:
    """The school's categories in its order; a school that has none yet starts with DEFAULT_CATEGORIES."""
    query = BehaviourCategory.select().where(BehaviourCategory.school == school_id).order_by(
        BehaviourCategory.kind).order_by(BehaviourCategory.position)
    rows = await query
    if not rows:
        async with db.transaction():
            await db.lock("behaviour_categories", school_id)
            if not await BehaviourCategory.exists().where(BehaviourCategory.school == school_id):
                await BehaviourCategory.insert(*[
                    BehaviourCategory(school=school_id, code=code, kind=kind.value, name=name, parent_wording=words,
                                      points=value, serious=serious, position=position)
                    for position, (code, kind, name, words, value, serious) in enumerate(DEFAULT_CATEGORIES)])
        rows = await query
    return [row for row in rows if (with_retired or not row["retired"]) and (kind is None or row["kind"] == kind)]


# Recording -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    incident_id: int
    created: bool  # False: this phone's record was already here (a replayed upload)
    lines: list[dict]  # the ledger lines written, with what each applied


def _happened_at(text: str, errors: dict) -> datetime | None:
    """The form's date and time (a phone's datetime-local, school time); empty is now."""
    text = (text or "").strip()
    if not text:
        return now()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        errors["happened_at"] = N_("Enter the date and time it happened.")
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=SCHOOL_TIME)
    if local > now() + timedelta(minutes=10):  # a phone's clock a little fast is not "the future"
        errors["happened_at"] = N_("It cannot have happened in the future.")
        return None
    return local


def _int(text, errors: dict, field: str, default: int, maximum: int) -> int:
    text = str(text if text is not None else "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > maximum:
        errors[field] = N_("Enter a whole number from 0 to %(max)s.")
        return default
    return int(text)


async def record(viewer: Viewer, payload: dict, alert_settings: config.Settings | None = None,
                 queue: JobQueue | None = None) -> Recorded:
    """An incident or a good deed for one or more students: one Incident, a line per student, and their points in
    the ledger, in one transaction. The phone's client_id makes a replay a no-op. Refuses, naming every field to
    fix, what cannot be right."""
    if not viewer.can(Permission.record_behaviour):
        raise BehaviourError(N_("Only teachers record behaviour."), status=403)
    client_id = str(payload.get("client_id") or "")
    if not CLIENT_ID.fullmatch(client_id):
        raise BehaviourError(N_("The record could not be read. Save it again."), status=400)
    existing = await Incident.select(Incident.id, Incident.recorded_by).where(Incident.client_id == client_id).first()
    if existing is not None:
        if existing["recorded_by"] != viewer.user_id:
            raise BehaviourError(N_("The record could not be read. Save it again."), status=400)
        return Recorded(existing["id"], False, [])

    errors: dict[str, str] = {}
    raw_ids = payload.get("students") or []
    if isinstance(raw_ids, str):
        raw_ids = [raw_ids]
    student_ids = list(dict.fromkeys(int(s) for s in raw_ids if str(s).isdigit() and len(str(s)) < 12))
    if not student_ids:
        errors["students"] = N_("Choose at least one student.")
    elif len(student_ids) > MAX_STUDENTS:
        errors["students"] = N_("At most %(max)s students in one record.")
    found = {row["id"]: row for row in await Student.select(
        Student.id, Student.school, Student.classroom).where(
        behaviour_pickable(viewer) & Student.id.is_in(student_ids or [-1]))}
    if student_ids and len(found) != len(student_ids):
        errors["students"] = N_("A student chosen is not one of this school's.")
    kind_text = str(payload.get("kind") or Kind.incident.value)
    kind = Kind(kind_text) if kind_text in Kind._value2member_map_ else None
    if kind is None:
        raise BehaviourError(N_("The record could not be read. Save it again."), status=400)
    category_id = str(payload.get("category") or "")
    category = None
    if category_id.isdigit() and len(category_id) < 12:
        category = await BehaviourCategory.select().where(
            (BehaviourCategory.id == int(category_id)) & (BehaviourCategory.school == viewer.school_id)).first()
    if category is None or category["kind"] != kind.value:
        errors["category"] = N_("Choose what happened from the list.")
    elif category["retired"]:
        errors["category"] = N_("This category is no longer used: choose another.")
    school = await schools.school_year_now(viewer.school_id, today())
    happened = _happened_at(str(payload.get("happened_at") or ""), errors)
    if happened is not None and schoolyear.school_year_of(happened.astimezone(SCHOOL_TIME).date()) != school.year_be:
        errors["happened_at"] = N_("Record only what happened this school year.")
    sanction = ""
    if kind is Kind.incident:
        sanction = str(payload.get("sanction") or "")
        if sanction not in Sanction._value2member_map_:
            errors["sanction"] = N_("Choose the action taken: warning, probation, points or an activity.")
    default_points = category["points"] if category else 0
    points_each = _int(payload.get("points"), errors, "points", default_points, MAX_POINTS)
    if kind is Kind.incident and sanction != Sanction.deduct.value:
        points_each = 0  # only the sanction "points deducted" touches the balance
    hours = _int(payload.get("service_hours"), errors, "service_hours", 0, 100)
    if sanction != Sanction.activity.value:
        hours = 0
    description = str(payload.get("description") or "").replace("\x00", "").strip()[:2000]
    place = str(payload.get("place") or "").replace("\x00", "").strip()[:100]
    if happened is not None and found and "students" not in errors:
        day = happened.astimezone(SCHOOL_TIME).date()
        there = {row["id"] for row in await Student.select(Student.id).where(
            enrolment.enrolled(viewer.school_id, day) & Student.id.is_in(list(found)))}
        if there != set(found):
            errors["students"] = N_("A student chosen was not at the school on that day (not yet arrived, or left).")
    if errors:
        raise BehaviourError(N_("Some fields need fixing."), errors=errors, max=MAX_STUDENTS)

    settings = await school_settings(viewer.school_id)
    moment = now()
    async with db.transaction():
        rows = await Incident.insert(Incident(
            school=viewer.school_id, school_year=school.school_year_id, client_id=client_id, kind=kind.value,
            category=category["id"], happened_at=happened, place=place, description=description,
            sanction=sanction, recorded_by=viewer.user_id, recorded_at=moment,
        )).on_conflict(action="DO NOTHING").returning(Incident.id)
        if not rows:  # the same phone's record, a moment earlier, by a second request
            again = await Incident.select(Incident.id).where(Incident.client_id == client_id).first()
            return Recorded(again["id"], False, [])
        incident_id = rows[0]["id"]
        named = await IncidentStudent.insert(*[
            IncidentStudent(incident=incident_id, student=sid, classroom=found[sid]["classroom"], points=points_each,
                            service_hours=hours) for sid in student_ids]).returning(IncidentStudent.id,
                                                                                     IncidentStudent.student)
        sign = -1 if kind is Kind.incident else 1
        cause = points.Cause.incident if kind is Kind.incident else points.Cause.good_deed
        lines = await points.write(viewer.school_id, school.school_year_id, settings.start_points, [
            points.Change(row["student"], sign * points_each, cause, f"incident:{row['id']}", row["id"],
                          category["name"]) for row in named if points_each], viewer.user_id)
        told = await rules.after_record(viewer.school_id, {"kind": kind.value, "happened_at": happened}, category,
                                        named, lines, settings=alert_settings)
    if queue is not None:
        await queue.send(told)  # after the commit, so that the job finds its message (else the sweep sends it)
    return Recorded(incident_id, True, lines)


async def void(viewer: Viewer, incident_id: int, reason: str, alert_settings: config.Settings | None = None,
               queue: JobQueue | None = None) -> int:
    """A wrong record stays, marked void with its reason, and gives back exactly the points it took (or takes
    back those it gave). Returns the number of students whose points changed."""
    reason = (reason or "").replace("\x00", "").strip()[:500]
    incident = await Incident.select().where(Incident.id == incident_id).first()
    if incident is None or not can_void_incident(viewer, incident):
        raise BehaviourError(N_("No such record among those you may correct."), status=404)
    if incident["voided_at"] is not None:
        raise BehaviourError(N_("This record is already void."), status=409)
    if not reason:
        raise BehaviourError(N_("Say why the record is wrong."), errors={"reason": N_("Say why the record is wrong.")})
    settings = await school_settings(viewer.school_id)
    async with db.transaction():
        updated = await Incident.update({Incident.voided_at: now(), Incident.voided_by: viewer.user_id,
                                         Incident.void_reason: reason}).where(
            (Incident.id == incident_id) & Incident.voided_at.is_null()).returning(Incident.id)
        if not updated:  # voided a moment ago by someone else
            raise BehaviourError(N_("This record is already void."), status=409)
        named = await IncidentStudent.select(IncidentStudent.id, IncidentStudent.student).where(
            IncidentStudent.incident == incident_id)
        applied = await points.applied_by([f"incident:{row['id']}" for row in named])
        lines = await points.write(viewer.school_id, incident["school_year"], settings.start_points, [
            points.Change(row["student"], -applied[f"incident:{row['id']}"], points.Cause.void, f"void:{row['id']}",
                          row["id"], reason[:200])
            for row in named if applied.get(f"incident:{row['id']}")], viewer.user_id)
        # Taking a good deed back can take a balance below a rule's line.
        told = await rules.after_points(viewer.school_id, lines, settings=alert_settings)
    if queue is not None:
        await queue.send(told)
    return len(lines)


# Reading ------------------------------------------------------------------------------------------------------------


async def student_choices(viewer: Viewer, q: str) -> students.SearchPage:
    """Students a recorder may name, found by name or code: the whole school's, names and classes only."""
    return await students.search_students(viewer, q, among=behaviour_pickable(viewer))


async def _flagged(student_ids: list[int]) -> set[int]:
    """The students the care team follows: flagged by a rule and not yet taken up, or with an open care case."""
    if not student_ids:
        return set()
    flagged = {row["student"] for row in await RuleFiring.select(RuleFiring.student).where(
        RuleFiring.student.is_in(student_ids) & RuleFiring.cleared_at.is_null())}
    return flagged | await care.followed(student_ids)


async def _student(viewer: Viewer, student_id: int) -> dict:
    student = await Student.select(Student.id, Student.school, Student.classroom, Student.title, Student.first_name,
                                   Student.last_name, Student.code).where(Student.id == student_id).first()
    if student is None or not can_see_behaviour_of(viewer, student, bool(await _flagged([student_id]))):
        raise BehaviourError(N_("No such student among those whose behaviour you may see."), status=404)
    return student


async def incident(viewer: Viewer, incident_id: int) -> dict:
    """One record with its students: staff read all of it (other students by name only where they may see them);
    a family reads the parent wording for their own child."""
    found = await Incident.select(
        *Incident.all_columns(), Incident.category.name.as_alias("category_name"),
        Incident.category.parent_wording.as_alias("parent_wording"), Incident.category.serious.as_alias("serious"),
        Incident.recorded_by.display_name.as_alias("recorder"),
        Incident.voided_by.display_name.as_alias("voider")).where(Incident.id == incident_id).first()
    if found is None:
        raise BehaviourError(N_("No such record among those you may see."), status=404)
    named = await IncidentStudent.select(
        *IncidentStudent.all_columns(), IncidentStudent.student.school.as_alias("school"),
        IncidentStudent.student.title.as_alias("title"), IncidentStudent.student.first_name.as_alias("first_name"),
        IncidentStudent.student.last_name.as_alias("last_name"),
        IncidentStudent.classroom.room.as_alias("room"), IncidentStudent.classroom.grade.code.as_alias("grade"),
    ).where(IncidentStudent.incident == incident_id).order_by(IncidentStudent.id)
    people = [{**row, "id": row["student"], "line_id": row["id"], "classroom": row["classroom"]} for row in named]
    flagged = await _flagged([p["id"] for p in people])
    visible = [p for p in people if can_see_behaviour_of(viewer, p, p["id"] in flagged)]
    if not can_see_incident(viewer, found, visible, frozenset(flagged)):
        raise BehaviourError(N_("No such record among those you may see."), status=404)
    family = reads_behaviour_as_family(viewer)
    if family:
        visible = [p for p in visible if p["id"] in viewer.student_ids]
        found = {key: found[key] for key in ("id", "school", "kind", "happened_at", "sanction", "parent_wording",
                                              "voided_at", "category_name")} | {"recorded_by": None}
    elif found["recorded_by"] == viewer.user_id:
        visible = people  # the recorder named them all
    return {"incident": found, "students": visible, "others": len(people) - len(visible), "family": family,
            "may_void": not family and found["voided_at"] is None and can_void_incident(viewer, found)}


async def student_behaviour(viewer: Viewer, student_id: int) -> dict:
    """A student's year: balance, records (newest first) and the ledger line by line."""
    student = await _student(viewer, student_id)
    year = await schools.school_year_now(viewer.school_id, today())
    settings = await school_settings(viewer.school_id)
    balance = (await points.balances(year.school_year_id, [student_id], settings.start_points))[student_id]
    rows = await IncidentStudent.select(
        IncidentStudent.id, IncidentStudent.points, IncidentStudent.service_hours, IncidentStudent.service_done_at,
        IncidentStudent.acknowledged_at, IncidentStudent.incident.as_alias("incident"),
        IncidentStudent.incident.kind.as_alias("kind"), IncidentStudent.incident.happened_at.as_alias("happened_at"),
        IncidentStudent.incident.sanction.as_alias("sanction"),
        IncidentStudent.incident.voided_at.as_alias("voided_at"),
        IncidentStudent.incident.description.as_alias("description"),
        IncidentStudent.incident.category.name.as_alias("category_name"),
        IncidentStudent.incident.category.parent_wording.as_alias("parent_wording"),
    ).where((IncidentStudent.student == student_id)
            & (IncidentStudent.incident.school_year == year.school_year_id)).order_by(
        IncidentStudent.incident.happened_at, ascending=False)
    family = reads_behaviour_as_family(viewer)
    if family:
        rows = [{**row, "description": ""} for row in rows]
    return {"student": student, "balance": balance, "start": settings.start_points,
            "threshold": settings.threshold, "records": rows, "family": family,
            "ledger": await points.history(year.school_year_id, student_id, settings.start_points),
            "service_hours": sum(r["service_hours"] for r in rows if r["service_done_at"] and not r["voided_at"])}


async def summaries(viewer: Viewer, students: list[dict]) -> dict[int, dict]:
    """The behaviour part of the students' care summaries, for those of them whose behaviour the viewer may see
    (needs id, school, classroom): this school year's incidents and good deeds (voided ones not counted) and the
    conduct points now. A few queries however many students."""
    flagged = await _flagged([s["id"] for s in students])
    ids = [s["id"] for s in students if can_see_behaviour_of(viewer, s, s["id"] in flagged)]
    if not ids:
        return {}
    year = await schools.school_year_now(viewer.school_id, today())
    settings = await school_settings(viewer.school_id)
    found = {student: {"incidents": 0, "good_deeds": 0, "start": settings.start_points,
                       "threshold": settings.threshold} for student in ids}
    for student, balance in (await points.balances(year.school_year_id, ids, settings.start_points)).items():
        found[student]["balance"] = balance
    for chunk in db.chunks(ids, db.WHOLE_SCHOOL):
        for row in await IncidentStudent.select(IncidentStudent.student,
                                                IncidentStudent.incident.kind.as_alias("kind")).where(
                IncidentStudent.student.is_in(chunk) & (IncidentStudent.incident.school_year == year.school_year_id)
                & IncidentStudent.incident.voided_at.is_null()):
            found[row["student"]]["good_deeds" if row["kind"] == Kind.good_deed.value else "incidents"] += 1
    return found


# The homeroom teacher's weekly digest: behaviour's sections ---------------------------------------------------------

RULE_NAMES = {
    RuleKind.lates_in_days.value: N_("Late again and again"),
    RuleKind.absences_in_row.value: N_("Absent days in a row without leave"),
    RuleKind.points_below.value: N_("Points below the school's line"),
    RuleKind.serious_incident.value: N_("A serious incident"),
}


async def digest_sections(school_id: int, week: Week, rosters: dict[int, list[RosterEntry]]) -> dict[int, dict]:
    """Each classroom's good deeds, incidents with the points they moved, balances below the school's line, and the
    rules that fired, this week. Seven queries for the whole school however many students."""
    ids = [entry.student_id for entries in rosters.values() for entry in entries]
    settings = await school_settings(school_id)
    year = await schools.school_year_now(school_id, week.friday)
    balance = await points.balances(year.school_year_id, ids, settings.start_points)
    records: dict[int, list[dict]] = {}
    moved: dict[int, int] = {}
    fired: dict[int, list[dict]] = {}
    for chunk in db.chunks(ids, db.WHOLE_SCHOOL):
        for row in await IncidentStudent.select(
                IncidentStudent.student, IncidentStudent.points, IncidentStudent.incident.kind.as_alias("kind"),
                IncidentStudent.incident.happened_at.as_alias("happened_at"),
                IncidentStudent.incident.sanction.as_alias("sanction"),
                IncidentStudent.incident.category.name.as_alias("category"),
                IncidentStudent.incident.category.serious.as_alias("serious")).where(
                (IncidentStudent.incident.school == school_id) & IncidentStudent.student.is_in(chunk)
                & (IncidentStudent.incident.happened_at >= week.begins)
                & (IncidentStudent.incident.happened_at < week.ends)
                & IncidentStudent.incident.voided_at.is_null()).order_by(IncidentStudent.incident.happened_at):
            records.setdefault(row["student"], []).append(row)
        for row in await PointsEntry.select(PointsEntry.student, PointsEntry.applied).where(
                (PointsEntry.school == school_id) & PointsEntry.student.is_in(chunk)
                & (PointsEntry.created_at >= week.begins) & (PointsEntry.created_at < week.ends)):
            moved[row["student"]] = moved.get(row["student"], 0) + row["applied"]
        for row in await RuleFiring.select(RuleFiring.student, RuleFiring.day, RuleFiring.detail,
                                           RuleFiring.rule.kind.as_alias("kind")).where(
                (RuleFiring.school == school_id) & RuleFiring.student.is_in(chunk)
                & (RuleFiring.day >= week.monday) & (RuleFiring.day <= week.friday)).order_by(RuleFiring.day):
            fired.setdefault(row["student"], []).append(row)
    sections = {}
    for classroom_id, entries in rosters.items():
        good, bad, standing, rules, concerns = [], [], [], [], []
        for entry in entries:
            who = {"student": entry.student_id, "name": entry.name}
            for row in records.get(entry.student_id, []):
                line = {**who, "category": row["category"], "points": row["points"], "serious": row["serious"],
                        "sanction": row["sanction"],
                        "day": row["happened_at"].astimezone(SCHOOL_TIME).date().isoformat()}
                (good if row["kind"] == Kind.good_deed.value else bad).append(line)
                if row["kind"] == Kind.incident.value:
                    concerns.append({"student": entry.student_id, "weight": 3 if row["serious"] else 2,
                                     "why": N_("Incident: %(category)s"), "values": {"category": row["category"]}})
            now_at = balance.get(entry.student_id, settings.start_points)
            if entry.student_id in moved or now_at < settings.threshold:
                standing.append({**who, "change": moved.get(entry.student_id, 0), "balance": now_at,
                                 "below": now_at < settings.threshold})
            if now_at < settings.threshold:
                concerns.append({"student": entry.student_id, "weight": 2, "why": N_("Conduct points: %(num)s"),
                                 "values": {"num": now_at}})
            for row in fired.get(entry.student_id, []):
                rules.append({**who, "rule": RULE_NAMES.get(row["kind"], row["kind"]), "detail": row["detail"],
                              "day": str(row["day"])[:10]})
                concerns.append({"student": entry.student_id, "weight": 3, "why": N_("A rule fired: %(rule)s"),
                                 "values": {"rule": RULE_NAMES.get(row["kind"], row["kind"])}})
        sections[classroom_id] = {
            "good_deeds": {"items": good},
            "incidents": {"items": bad, "points": standing, "threshold": settings.threshold, "concerns": concerns},
            "rules": {"items": rules},
        }
    return sections
