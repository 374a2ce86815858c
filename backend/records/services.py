"""Reading and writing the cumulative record, section by section, and the student's timeline."""

from __future__ import annotations

from datetime import datetime, time

from backend import db
from backend.accounts import reads
from backend.accounts.access import (Permission, Viewer, can_edit_section, can_read_section, can_see_record_reads,
                                     can_see_screening, can_see_visit_dates, can_see_visits)
from backend.attendance.tables import AttendanceMark, Status
from backend.i18n import N_, Refusal
from backend.notify.tables import Alert
from backend.forms import Invalid, clean
from backend.records.sections import PARENT_EDITABLE, SECTIONS
from backend.records.tables import RecordEntry
from backend.schools.tables import School
from backend.screening.tables import FORM_LABELS, GROUP_LABELS, Group, GroupDecision, ScreeningForm
from backend.students import services as students
from backend.students.phones import BadPhone, normalise_phone
from backend.students.tables import Guardian
from backend.visits.tables import Visit
from backend import clock
from backend.clock import now


class RecordError(Refusal):
    pass


async def get_student(viewer: Viewer, student_id: int) -> dict:
    """The student if the viewer may see them at all (school, homeroom, child); 404 otherwise, never a hint."""
    student = await students.visible_student(viewer, student_id)
    if student is None:
        raise RecordError(N_("No such student among those you can see."), status=404)
    return student


async def current_sections(student_id: int, names: list[str]) -> dict[str, dict]:
    """The newest entry of each section."""
    if not names:
        return {}
    rows = await RecordEntry.select(
        RecordEntry.id, RecordEntry.section, RecordEntry.data, RecordEntry.source, RecordEntry.written_at,
        RecordEntry.written_by.display_name.as_alias("written_by"),
    ).where((RecordEntry.student == student_id) & RecordEntry.section.is_in(names)).order_by(
        RecordEntry.id, ascending=False).output(load_json=True)
    found: dict[str, dict] = {}
    for row in rows:
        found.setdefault(row["section"], row)
    return found


async def _audit(viewer: Viewer, student_id: int, sections: list[str]) -> None:
    sensitive = [name for name in sections if SECTIONS[name].sensitive]
    if sensitive:
        await reads.record_reads(viewer, [student_id], sensitive)


async def student_record(viewer: Viewer, student_id: int) -> dict:
    """The sections this viewer may read, each with its current values and who last changed it (and whether a
    parent did). Reading the family or health section is written to the audit trail."""
    student = await get_student(viewer, student_id)
    readable = [name for name, section in SECTIONS.items() if can_read_section(viewer, student, section)]
    current = await current_sections(student_id, readable)
    await _audit(viewer, student_id, readable)
    sections = [{"section": SECTIONS[name], "entry": current.get(name),
                 "editable": can_edit_section(viewer, student, SECTIONS[name])} for name in readable]
    return {"student": student, "sections": sections, "visits": can_see_visits(viewer, student),
            "screening": can_see_screening(viewer, student)}


async def save_section(viewer: Viewer, student_id: int, name: str, raw: dict) -> bool:
    """A new entry for one section, kept with who and when; False (and nothing written) when nothing changed, so
    the history lists changes only."""
    section = SECTIONS.get(name)
    if section is None:
        raise RecordError(N_("No such section."), status=404)
    student = await get_student(viewer, student_id)
    if not can_edit_section(viewer, student, section):
        raise RecordError(N_("You cannot change this part of the record."), status=403)
    values = clean(section, raw)  # raises Invalid with every wrong field
    current = (await current_sections(student_id, [name])).get(name)
    empty = {k: v for k, v in values.items() if v in (None, "", [])}
    if current is None and values == empty:
        return False  # an empty form for an empty section
    if current is not None and current["source"] == "school" and values == current["data"]:
        return False  # the same again (saving a parent's correction unchanged is the teacher confirming it)
    await RecordEntry.insert(RecordEntry(school=viewer.school_id, student=student_id, section=name, data=values,
                                         source="school", written_by=viewer.user_id, written_at=now()))
    return True


async def parent_correction(viewer: Viewer, student_id: int, raw: dict) -> None:
    """A parent corrects who lives at home and their own phone; the teacher sees the change and its source."""
    if not viewer.is_parent_of(student_id):
        raise RecordError(N_("You can only see your own children."), status=403)
    await get_student(viewer, student_id)
    changes = clean(SECTIONS["family"], raw, only=PARENT_EDITABLE["family"])
    phone = (raw.get("phone") or "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except BadPhone:
            raise Invalid({"phone": N_("Check the phone number: it should look like 081-234-5678.")})
    async with db.transaction():
        current = (await current_sections(student_id, ["family"])).get("family")
        data = {**(current["data"] if current else {}), **{k: v for k, v in changes.items() if v is not None}}
        await RecordEntry.insert(RecordEntry(school=viewer.school_id, student=student_id, section="family",
                                             data=data, source="parent", written_by=viewer.user_id,
                                             written_at=now()))
        if phone:
            # The parent's own guardian records; their sign-in name stays the number the school gave them.
            await Guardian.update({Guardian.phone: phone, Guardian.updated_at: now()}).where(
                (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id))


async def section_history(viewer: Viewer, student_id: int, name: str) -> list[dict]:
    section = SECTIONS.get(name)
    student = await get_student(viewer, student_id)
    if section is None or not can_read_section(viewer, student, section):
        raise RecordError(N_("This part of the record is not open to you."), status=403)
    await _audit(viewer, student_id, [name])
    return await RecordEntry.select(
        RecordEntry.data, RecordEntry.source, RecordEntry.written_at,
        RecordEntry.written_by.display_name.as_alias("written_by"),
    ).where((RecordEntry.student == student_id) & (RecordEntry.section == name)).order_by(
        RecordEntry.id, ascending=False).output(load_json=True)


async def reads_of(viewer: Viewer, student_id: int) -> list[dict]:
    """The audit trail of sensitive reads, for those who may read those sections themselves."""
    student = await get_student(viewer, student_id)
    if not can_see_record_reads(viewer, student, SECTIONS["family"]):
        raise RecordError(N_("This part of the record is not open to you."), status=403)
    return await reads.reads_of(student_id, include_screening=can_see_screening(viewer, student))


def parent_sharing(viewer: Viewer) -> list[dict]:
    """Each section of the record, and whether the viewer's school shares it with parents."""
    return [{"section": section, "shared": name in viewer.parent_sections}
            for name, section in SECTIONS.items()]


async def share_with_parents(viewer: Viewer, names: list[str]) -> None:
    """The admin chooses what parents see of their own children's record: exactly the sections ticked, so
    health or family reach parents only when someone chose them."""
    if not viewer.can(Permission.manage_school):
        raise RecordError(N_("Your account cannot open this page."), status=403)
    if not set(names) <= SECTIONS.keys():
        raise RecordError(N_("No such section."), status=422)
    shared = ",".join(name for name in SECTIONS if name in names)
    await School.update({School.parent_sections: shared}).where(School.id == viewer.school_id)


async def timeline(viewer: Viewer, student_id: int, limit: int = 100) -> list[dict]:
    """Everything recorded about a student, newest first, filtered by what the viewer's role may see."""
    student = await get_student(viewer, student_id)
    events: list[dict] = []
    for mark in await AttendanceMark.select(AttendanceMark.day, AttendanceMark.period, AttendanceMark.status,
                                            AttendanceMark.marked_at).where(
            (AttendanceMark.student == student_id) & (AttendanceMark.status != Status.present.value)).order_by(
            AttendanceMark.day, ascending=False).limit(limit):
        events.append({"kind": "attendance", "at": mark["marked_at"], "day": mark["day"], **mark})
    readable = [n for n, s in SECTIONS.items() if can_read_section(viewer, student, s)]
    if readable:
        for entry in await RecordEntry.select(RecordEntry.section, RecordEntry.source, RecordEntry.written_at,
                                              RecordEntry.written_by.display_name.as_alias("by")).where(
                (RecordEntry.student == student_id) & RecordEntry.section.is_in(readable)).order_by(
                RecordEntry.id, ascending=False).limit(limit):
            events.append({"kind": "record", "at": entry["written_at"], "section": SECTIONS[entry["section"]],
                           "source": entry["source"], "by": entry["by"]})
    if can_see_visit_dates(viewer, student):
        for visit in await Visit.select(Visit.visited_on, Visit.status, Visit.created_at,
                                        Visit.teacher.display_name.as_alias("by")).where(
                Visit.student == student_id).order_by(Visit.visited_on, ascending=False).limit(limit):
            # placed on the day of the visit, not the day it reached the server (it may wait offline for days)
            events.append({"kind": "visit", "at": datetime.combine(visit["visited_on"], time(12), clock.SCHOOL_TIME),
                           "day": visit["visited_on"], **visit})
    events += await _screening_events(viewer, student, limit)
    for alert in await Alert.select(Alert.kind, Alert.created_at, Alert.acknowledged_at).where(
            Alert.student == student_id).order_by(Alert.id, ascending=False).limit(limit):
        events.append({"kind": "alert", "at": alert["created_at"], **alert})
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]


async def _screening_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Screening on the timeline: forms filed and groups confirmed, for those who may see screening; a parent sees
    their own form and the confirmed group, as on their screening page."""
    is_parent = viewer.is_parent_of(student["id"])
    if not (can_see_screening(viewer, student) or is_parent):
        return []
    where = ((ScreeningForm.student == student["id"]) & ScreeningForm.submitted_at.is_not_null()
             & (ScreeningForm.status != "rescored"))  # a re-scored form is one filling, shown once
    if is_parent:
        where &= ScreeningForm.informant == "parent"
    events = [{"kind": "screening", "at": form["submitted_at"], "form": FORM_LABELS[(form["instrument"],
                                                                                     form["informant"])],
               "source": form["source"]}
              for form in await ScreeningForm.select(ScreeningForm.instrument, ScreeningForm.informant,
                                                     ScreeningForm.submitted_at, ScreeningForm.source).where(
                  where).order_by(ScreeningForm.id, ascending=False).limit(limit)]
    terms_seen = set()
    for decision in await GroupDecision.select(GroupDecision.group, GroupDecision.decided_at, GroupDecision.school_year,
                                               GroupDecision.term).where(
            GroupDecision.student == student["id"]).order_by(GroupDecision.id, ascending=False).limit(limit):
        term = (decision["school_year"], decision["term"])
        if is_parent and term in terms_seen:
            continue  # parents see the group as it stands, as on their screening page, not each change
        terms_seen.add(term)
        events.append({"kind": "group", "at": decision["decided_at"], "group": GROUP_LABELS[Group(decision["group"])]})
    return events
