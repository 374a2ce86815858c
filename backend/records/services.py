"""Reading and writing the cumulative record, section by section, and the student's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from backend import db
from backend.accounts import reads
from backend.accounts.access import (Permission, Viewer, can_edit_section, can_read_section, can_see_care_summary,
                                     can_see_guardians,
                                     can_see_record_reads, can_see_screening, can_see_visits, can_share_with_parents,
                                     hidden_reads)
from backend.i18n import N_, Refusal
from backend.forms import Invalid, clean
from backend.records.sections import PARENT_EDITABLE, SECTIONS
from backend.records.tables import EntrySource, RecordEntry
from backend.schools.tables import School
from backend.students import services as students
from backend.students.phones import BadPhone, normalise_phone
from backend.students.tables import Guardian
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
    guardians = (await students.guardians_of([student_id])).get(student_id, []) if can_see_guardians(
        viewer, student) else []
    return {"student": student, "sections": sections, "visits": can_see_visits(viewer, student),
            "screening": can_see_screening(viewer, student), "guardians": guardians,
            "care_summary": can_see_care_summary(viewer, student)}


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
    if current is not None and current["source"] == EntrySource.school and values == current["data"]:
        return False  # the same again (saving a parent's correction unchanged is the teacher confirming it)
    await RecordEntry.insert(RecordEntry(school=viewer.school_id, student=student_id, section=name, data=values,
                                         source=EntrySource.school.value, written_by=viewer.user_id, written_at=now()))
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
            raise Invalid({"phone": N_("Check the phone number: it should look like 081-234-5678.")}) from None
    async with db.transaction():
        current = (await current_sections(student_id, ["family"])).get("family")
        data = {**(current["data"] if current else {}), **{k: v for k, v in changes.items() if v is not None}}
        await RecordEntry.insert(RecordEntry(school=viewer.school_id, student=student_id, section="family",
                                             data=data, source=EntrySource.parent.value, written_by=viewer.user_id,
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
    return await reads.reads_of(student_id, hidden=hidden_reads(viewer, student))


def parent_sharing(viewer: Viewer) -> list[dict]:
    """Each section of the record, and whether the viewer's school shares it with parents."""
    return [{"section": section, "shareable": can_share_with_parents(section),
             "shared": name in viewer.parent_sections and can_share_with_parents(section)}
            for name, section in SECTIONS.items()]


async def share_with_parents(viewer: Viewer, names: list[str]) -> None:
    """The admin chooses what parents see of their own children's record: exactly the sections ticked, so
    health or family reach parents only when someone chose them."""
    if not viewer.can(Permission.manage_school):
        raise RecordError(N_("Your account cannot open this page."), status=403)
    if not set(names) <= SECTIONS.keys():
        raise RecordError(N_("No such section."), status=422)
    if any(not can_share_with_parents(SECTIONS[name]) for name in names):
        raise RecordError(N_("Protection and safety is never shared with parents: the risks it records may come "
                             "from home."), status=422)
    shared = ",".join(name for name in SECTIONS if name in names)
    await School.update({School.parent_sections: shared}).where(School.id == viewer.school_id)


async def timeline(viewer: Viewer, student_id: int, sources, limit: int = 100) -> list[dict]:
    """Everything recorded about a student, newest first, as far as the viewer may see it. Each area offers its own
    events (`sources`: its timeline_events(viewer, student, limit), wired in app.py), so no area reads another's
    tables here."""
    student = await get_student(viewer, student_id)
    events: list[dict] = []
    for events_of in sources:
        events += await events_of(viewer, student, limit)
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """The record's saves on the timeline: the sections this viewer may read."""
    readable = [n for n, s in SECTIONS.items() if can_read_section(viewer, student, s)]
    if not readable:
        return []
    return [{"kind": "record", "at": entry["written_at"], "section": SECTIONS[entry["section"]],
             "source": entry["source"], "by": entry["by"]}
            for entry in await RecordEntry.select(RecordEntry.section, RecordEntry.source, RecordEntry.written_at,
                                                  RecordEntry.written_by.display_name.as_alias("by")).where(
                (RecordEntry.student == student["id"]) & RecordEntry.section.is_in(readable)).order_by(
                RecordEntry.id, ascending=False).limit(limit)]


async def gpa_last_term(student_ids: list[int]) -> dict[int, float]:
    """A fact for screening: each student's GPA last term, from the newest learning section that has one."""
    newest = await db.newest_per_student(RecordEntry, [RecordEntry.data], student_ids,
                                         RecordEntry.section == "learning")
    gpas = {student_id: (row["data"] or {}).get("gpa_last_term") for student_id, row in newest.items()}
    return {student_id: float(gpa) for student_id, gpa in gpas.items() if isinstance(gpa, (int, float))}


# A record is complete when each of these sections has been written (the counsellor's "other notes" are optional).
COMPLETE_SECTIONS = ("learning", "health", "family", "safety")


@dataclass(frozen=True)
class RecordProgress:
    """Of some students, as things stood at a moment: whose record has every section of COMPLETE_SECTIONS written
    (complete), and whose has any of them (begun)."""

    complete: frozenset[int]
    begun: frozenset[int]


async def record_progress(student_ids: list[int], by: datetime) -> RecordProgress:
    """The supervision's "record completed" (knowing each student), as things stood then. One query for a school."""
    return await record_progress_of([(student_ids, by)])


async def record_progress_of(wanted: list[tuple[list[int], datetime]]) -> RecordProgress:
    """record_progress() of several schools' students, each school's as things stood at its moment: one query."""
    per_student = {row["student"]: row["sections"] for row in await RecordEntry.select(
        RecordEntry.student, Count(distinct=[RecordEntry.section], alias="sections")).where(
        RecordEntry.section.is_in(list(COMPLETE_SECTIONS)) & db.either(
            db.among(RecordEntry.student, student_ids) & (RecordEntry.written_at <= by)
            for student_ids, by in wanted)).group_by(RecordEntry.student)}
    return RecordProgress(frozenset(i for i, n in per_student.items() if n == len(COMPLETE_SECTIONS)),
                          frozenset(per_student))


# On a member of staff's home page, with each student as students.listed() needs them (one round trip, not two).
WRITTEN_SQL = (
    f"SELECT e.student, e.written_at AS at, {students.LISTED_COLUMNS} FROM record_entry e "
    f"JOIN student st ON st.id = e.student {students.LISTED_JOINS} "
    "WHERE e.written_by = {} AND e.school = {} ORDER BY e.id DESC LIMIT {}"
)


async def students_worked_on(viewer: Viewer, limit: int = 20) -> list[dict]:
    """The students whose record this person wrote in or opened lately, newest first, as far as they may still see
    them: what a nurse or a discipline officer comes back to."""
    written = await db.fetch(WRITTEN_SQL, viewer.user_id, viewer.school_id, limit * 5)
    opened = await reads.recently_read(viewer, limit * 5)
    both = sorted([*written, *opened], key=lambda row: row["at"], reverse=True)
    return students.listed(viewer, both, limit)
