"""Conduct points: the append-only ledger. Every change is one line naming its cause; a balance starts each school
year at the school's start_points and never goes below 0 (the line says what was asked and what applied)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from piccolo.query.functions.aggregate import Max

from backend import db
from backend.behaviour.tables import PointsEntry
from backend.clock import now
from backend.i18n import N_


class Cause(str, Enum):
    incident = "incident"  # deducted for an incident
    good_deed = "good_deed"  # added for a good deed
    void = "void"  # a voided record gives back what it changed
    service = "service"  # community service hours signed off
    activity = "activity"  # another behaviour-change activity completed
    attendance = "attendance"  # late or cut class, when the school deducts for them
    attendance_corrected = "attendance_corrected"  # that mark was corrected: the points come back


CAUSE_LABELS = {
    Cause.incident: N_("Incident"),
    Cause.good_deed: N_("Good deed"),
    Cause.void: N_("Record voided"),
    Cause.service: N_("Community service done"),
    Cause.activity: N_("Behaviour-change activity done"),
    Cause.attendance: N_("Attendance"),
    Cause.attendance_corrected: N_("Attendance corrected"),
}


@dataclass(frozen=True)
class Change:
    """One line to write: whose, how many points (negative deducts), why, and its once-only key."""

    student_id: int
    points: int
    cause: Cause
    source_key: str
    incident_student_id: int | None = None
    note: str = ""


async def balances(school_year_id: int, student_ids: list[int], start: int) -> dict[int, int]:
    """Each student's balance now: the last line's, or the start for a student with none. Two queries."""
    if not student_ids:
        return {}
    found = {}
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        last = await PointsEntry.select(PointsEntry.student, Max(PointsEntry.id).as_alias("last")).where(
            (PointsEntry.school_year == school_year_id) & PointsEntry.student.is_in(chunk)).group_by(
            PointsEntry.student)
        if last:
            rows = await PointsEntry.select(PointsEntry.student, PointsEntry.balance_after).where(
                PointsEntry.id.is_in([row["last"] for row in last]))
            found.update({row["student"]: row["balance_after"] for row in rows})
    return {student: found.get(student, start) for student in student_ids}


async def write(school_id: int, school_year_id: int, start: int, changes: list[Change],
                by_user: int | None) -> list[dict]:
    """Append these lines, in the caller's transaction. Each student's balance is locked while it is read and
    written, so two teachers deducting at once both count; a line whose source_key is already written is skipped
    (a retried request, a job run twice). Returns the lines written."""
    if not changes:
        return []
    students = sorted({c.student_id for c in changes})
    for student in students:  # in one order, so that two writers never wait on each other
        await db.lock("points", student)
    keys = [c.source_key for c in changes]
    done = {row["source_key"] for row in await PointsEntry.select(PointsEntry.source_key).where(
        PointsEntry.source_key.is_in(keys))}
    balance = await balances(school_year_id, students, start)
    moment = now()
    rows = []
    for change in changes:
        if change.source_key in done:
            continue
        done.add(change.source_key)
        before = balance[change.student_id]
        after = max(0, before + change.points)
        balance[change.student_id] = after
        rows.append(PointsEntry(
            school=school_id, school_year=school_year_id, student=change.student_id, cause=change.cause.value,
            source_key=change.source_key, incident_student=change.incident_student_id, requested=change.points,
            applied=after - before, balance_after=after, note=change.note[:200], created_by=by_user,
            created_at=moment))
    if not rows:
        return []
    return await PointsEntry.insert(*rows).returning(*PointsEntry.all_columns())


async def history(school_year_id: int, student_id: int, start: int) -> list[dict]:
    """Every line of one student's year as a family reads it, newest first by the day it is about: an incident's or
    a good deed's own day (not the day it was booked), else the day of the line. The balance beside each line runs
    in that order from the year's start, so it ends at the balance now whatever order the lines were booked in."""
    lines = await PointsEntry.select(
        PointsEntry.id, PointsEntry.cause, PointsEntry.requested, PointsEntry.applied, PointsEntry.balance_after,
        PointsEntry.note, PointsEntry.created_at, PointsEntry.incident_student.incident.as_alias("incident"),
        PointsEntry.incident_student.incident.happened_at.as_alias("happened_at"),
        PointsEntry.created_by.display_name.as_alias("by"),
    ).where((PointsEntry.school_year == school_year_id) & (PointsEntry.student == student_id)).order_by(
        PointsEntry.id)
    for line in lines:
        about = line["happened_at"] if line["cause"] in (Cause.incident.value, Cause.good_deed.value) else None
        line["day"] = about or line["created_at"]
    lines.sort(key=lambda line: (line["day"], line["id"]))
    balance = start
    for line in lines:
        balance += line["applied"]
        line["balance"] = balance
    return lines[::-1]


async def applied_by(source_keys: list[str]) -> dict[str, int]:
    """What the lines with these keys applied (a void gives back exactly that, not what was asked)."""
    if not source_keys:
        return {}
    return {row["source_key"]: row["applied"] for row in await PointsEntry.select(
        PointsEntry.source_key, PointsEntry.applied).where(PointsEntry.source_key.is_in(source_keys))}
