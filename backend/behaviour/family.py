"""Behaviour, what reaches families: a guardian acknowledges an incident in the app, the printable probation letter
and the guardian's signature on it, community service hours signed off (their points come back), the parent's
home-page line per child, and each child's week for the family summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend import db
from backend.accounts import codes
from backend.accounts.access import (Viewer, can_acknowledge_incident, can_see_incident_photo,
                                     can_sign_off_service, handles_probation, reads_behaviour_as_family)
from backend.behaviour import points, services
from backend.behaviour.services import DEFAULTS, BehaviourError, school_settings
from backend.behaviour.tables import IncidentPhoto, IncidentStudent, Kind, Sanction
from backend.clock import SCHOOL_TIME, now
from backend.i18n import N_
from backend.schools.calendar import Week
from backend.students import services as students

APP, PAPER = "app", "paper"  # how a guardian acknowledged (IncidentStudent.acknowledged_how)


async def _line(line_id: int) -> dict | None:
    """A student's line in an incident, with what the rules about it need (the student's school and classroom)."""
    return await IncidentStudent.select(
        *IncidentStudent.all_columns(), IncidentStudent.student.school.as_alias("school"),
        IncidentStudent.student.classroom.as_alias("student_classroom"),
        IncidentStudent.incident.school.as_alias("incident_school"),
        IncidentStudent.incident.school_year.as_alias("school_year"),
        IncidentStudent.incident.kind.as_alias("kind"), IncidentStudent.incident.sanction.as_alias("sanction"),
        IncidentStudent.incident.voided_at.as_alias("voided_at"),
    ).where(IncidentStudent.id == line_id).first()


def _student(line: dict) -> dict:
    """The student as access predicates read them: today's classroom (who keeps them now)."""
    return {"id": line["student"], "school": line["school"], "classroom": line["student_classroom"]}


async def _live_line(line_id: int, allowed, message: str) -> dict:
    line = await _line(line_id)
    if line is None or not allowed(_student(line)):
        raise BehaviourError(message, status=404)
    if line["voided_at"] is not None:
        raise BehaviourError(N_("This record is void: there is nothing to do about it."), status=409)
    return line


# A guardian's acknowledgement ---------------------------------------------------------------------------------------


async def acknowledge(viewer: Viewer, line_id: int) -> dict:
    """A guardian taps "I have read this" under their child's incident. The line, with `changed` False if it was
    acknowledged already (by the other parent, or on paper): the first acknowledgement stands."""
    line = await _live_line(line_id, lambda s: can_acknowledge_incident(viewer, s),
                            N_("No such record about your child."))
    if line["kind"] != Kind.incident.value:
        raise BehaviourError(N_("A good deed needs no acknowledgement."), status=409)
    done = await IncidentStudent.update({
        IncidentStudent.acknowledged_at: now(), IncidentStudent.acknowledged_by: viewer.user_id,
        IncidentStudent.acknowledged_how: APP}).where(
        (IncidentStudent.id == line_id) & IncidentStudent.acknowledged_at.is_null()).returning(IncidentStudent.id)
    return {**line, "changed": bool(done)}


async def acknowledge_on_paper(viewer: Viewer, line_id: int) -> dict:
    """The guardian signed the probation letter: the discipline officer or the homeroom teacher records it."""
    line = await _live_line(line_id, lambda s: handles_probation(viewer, s),
                            N_("No such probation among those you handle."))
    if line["sanction"] != Sanction.probation.value:
        raise BehaviourError(N_("Only a written probation is signed on paper."), status=409)
    done = await IncidentStudent.update({
        IncidentStudent.acknowledged_at: now(), IncidentStudent.acknowledged_by: viewer.user_id,
        IncidentStudent.acknowledged_how: PAPER}).where(
        (IncidentStudent.id == line_id) & IncidentStudent.acknowledged_at.is_null()).returning(IncidentStudent.id)
    return {**line, "changed": bool(done)}


# The probation letter -----------------------------------------------------------------------------------------------


async def probation_letter(viewer: Viewer, line_id: int) -> dict:
    """What the A4 letter says: the school, the student, the incident as staff word it, and who signs."""
    line = await _live_line(line_id, lambda s: handles_probation(viewer, s),
                            N_("No such probation among those you handle."))
    if line["sanction"] != Sanction.probation.value:
        raise BehaviourError(N_("This record is not a written probation."), status=404)
    found = await services.incident(viewer, line["incident"])
    student = next(s for s in found["students"] if s["line_id"] == line_id)
    guardians = (await students.guardians_of([line["student"]])).get(line["student"], [])
    return {"school_name": await codes.school_name(viewer), "incident": found["incident"], "student": student,
            "guardian": guardians[0]["name"] if guardians else "", "line": line, "today": now()}


# Community service --------------------------------------------------------------------------------------------------


async def sign_off_service(viewer: Viewer, line_id: int) -> dict:
    """The hours assigned are done. The school's points per hour come back, but only what the student has lost
    this year: an activity repairs, it is not a reward, so the balance never passes the year's start. Returns the
    hours and the points restored."""
    line = await _live_line(line_id, lambda s: can_sign_off_service(viewer, s),
                            N_("No such community service among those you may sign off."))
    if line["sanction"] != Sanction.activity.value or not line["service_hours"]:
        raise BehaviourError(N_("No community service hours were given in this record."), status=409)
    settings = await school_settings(viewer.school_id)
    async with db.transaction():
        await db.lock("points", line["student"])  # the cap reads the balance that the line below changes
        signed = await IncidentStudent.update({
            IncidentStudent.service_done_at: now(), IncidentStudent.service_signed_by: viewer.user_id}).where(
            (IncidentStudent.id == line_id) & IncidentStudent.service_done_at.is_null()).returning(IncidentStudent.id)
        if not signed:
            raise BehaviourError(N_("These hours are signed off already."), status=409)
        balance = (await points.balances(line["school_year"], [line["student"]], settings.start_points))[
            line["student"]]
        restore = min(settings.points_per_service_hour * line["service_hours"],
                      max(0, settings.start_points - balance))
        written = await points.write(viewer.school_id, line["school_year"], settings.start_points, [
            points.Change(line["student"], restore, points.Cause.service, f"service:{line_id}", line_id,
                          f"{line['service_hours']} h")] if restore else [], viewer.user_id)
    return {**line, "points": sum(row["applied"] for row in written)}


# Pages --------------------------------------------------------------------------------------------------------------


async def incident_page(viewer: Viewer, incident_id: int) -> dict:
    """One record (services.incident) with what this person may do about each student named, and its photos."""
    found = await services.incident(viewer, incident_id)
    incident = found["incident"]
    live = incident["voided_at"] is None
    for s in found["students"]:
        student = {"id": s["id"], "school": s["school"], "classroom": s["classroom"]}
        s["may_acknowledge"] = (live and incident["kind"] == Kind.incident.value and not s["acknowledged_at"]
                                and can_acknowledge_incident(viewer, student))
        probation = live and incident["sanction"] == Sanction.probation.value
        s["may_print"] = probation and handles_probation(viewer, student)
        s["may_sign_paper"] = s["may_print"] and not s["acknowledged_at"]
        s["may_sign_off"] = (live and incident["sanction"] == Sanction.activity.value and bool(s["service_hours"])
                             and not s["service_done_at"] and can_sign_off_service(viewer, student))
    photos = []
    if can_see_incident_photo(viewer):
        photos = await IncidentPhoto.select(IncidentPhoto.id).where(IncidentPhoto.incident == incident_id).order_by(
            IncidentPhoto.id)
    return {**found, "photos": photos}


async def student_page(viewer: Viewer, student_id: int) -> dict:
    """A student's year (services.student_behaviour), with the incidents their guardian may acknowledge here."""
    found = await services.student_behaviour(viewer, student_id)
    may = can_acknowledge_incident(viewer, found["student"])
    for row in found["records"]:
        row["may_acknowledge"] = (may and row["kind"] == Kind.incident.value and not row["acknowledged_at"]
                                  and row["voided_at"] is None)
    return found


# One round trip for the parent's home page (SQLite opens a connection per query): each child's balance (the year's
# last ledger line), their incidents not yet acknowledged, and the school's start and threshold when it set them.
CHILDREN_CONDUCT_SQL = (
    "SELECT 'balance' AS row_kind, student, balance_after AS n FROM points_entry WHERE id IN ("
    "SELECT MAX(id) FROM points_entry WHERE school_year = {} AND student IN (%(ids)s) GROUP BY student) "
    "UNION ALL SELECT 'waiting', line.student, COUNT(*) FROM incident_student line "
    "JOIN incident ON incident.id = line.incident WHERE line.student IN (%(ids)s) AND incident.school_year = {} "
    "AND incident.kind = {} AND incident.voided_at IS NULL AND line.acknowledged_at IS NULL GROUP BY line.student "
    "UNION ALL SELECT 'start', 0, start_points FROM behaviour_settings WHERE school = {} "
    "UNION ALL SELECT 'threshold', 0, threshold FROM behaviour_settings WHERE school = {}"
)


async def children_summary(viewer: Viewer) -> dict[int, dict]:
    """The parent's home page, per child: the balance and how many incidents wait for their acknowledgement.
    One query however many children."""
    ids = sorted(viewer.student_ids)
    if not ids or not reads_behaviour_as_family(viewer):
        return {}
    marks = ", ".join(["{}"] * len(ids))
    rows = await db.fetch(CHILDREN_CONDUCT_SQL % {"ids": marks}, viewer.school_year_id, *ids, *ids,
                          viewer.school_year_id, Kind.incident.value, viewer.school_id, viewer.school_id)
    found = {(row["row_kind"], row["student"]): row["n"] for row in rows}
    start = found.get(("start", 0), DEFAULTS.start_points)
    threshold = found.get(("threshold", 0), DEFAULTS.threshold)
    summary = {}
    for sid in ids:
        balance = found.get(("balance", sid), start)
        summary[sid] = {"balance": balance, "below": balance < threshold,
                        "unacknowledged": found.get(("waiting", sid), 0)}
    return summary


# The family summary's facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyRecord:
    """A good deed or an incident of a child's week, as the family reads it: the school's words for parents (never
    the staff's description, the place or another child's name), and whether it was serious."""

    kind: Kind
    day: date
    words: str
    serious: bool


async def family_week(school_id: int, student_ids: list[int], week: Week) -> dict[int, list[FamilyRecord]]:
    """A fact for the weekly family summary: each child's good deeds and incidents of the week, not voided, in the
    order they happened. One query however big the school."""
    found: dict[int, list[FamilyRecord]] = {}
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        for row in await IncidentStudent.select(
                IncidentStudent.student, IncidentStudent.incident.kind.as_alias("kind"),
                IncidentStudent.incident.happened_at.as_alias("happened_at"),
                IncidentStudent.incident.category.name.as_alias("name"),
                IncidentStudent.incident.category.parent_wording.as_alias("parent_wording"),
                IncidentStudent.incident.category.serious.as_alias("serious")).where(
                (IncidentStudent.incident.school == school_id) & IncidentStudent.student.is_in(chunk)
                & (IncidentStudent.incident.happened_at >= week.begins)
                & (IncidentStudent.incident.happened_at < week.ends)
                & IncidentStudent.incident.voided_at.is_null()).order_by(
                IncidentStudent.incident.happened_at).order_by(IncidentStudent.id):
            found.setdefault(row["student"], []).append(FamilyRecord(
                Kind(row["kind"]), row["happened_at"].astimezone(SCHOOL_TIME).date(),
                row["parent_wording"] or row["name"], bool(row["serious"]) and row["kind"] == Kind.incident.value))
    return found
