"""Screening: what every part shares (the instruments, the term, the student), the checklists, the proposed group
with its reasons, the homeroom teacher's decision, and the summaries built from them. Filling in forms is in
filling.py, the school's settings in school_settings.py."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from piccolo.querystring import QueryString

from backend import db
from backend.accounts import reads
from backend.accounts.access import (Viewer, can_confirm_group, can_enter_paper, can_see_classroom_screening,
                                     can_see_earlier_classroom_screening, can_see_screening,
                                     earlier_screening_students, visible_students)
from backend.accounts import services as accounts
from backend.i18n import N_, Refusal, current_locale, gettext
from backend.attendance import services as attendance
from backend.records import services as records
from backend.visits import services as visits
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.schools.tables import Classroom, Term
from backend.screening import criteria as rules
from backend.screening.scoring import EQ_AGE_BAND, Instrument, load_instrument, score_eq, score_sdq, with_cutoffs
from backend.screening.tables import (FORM_LABELS, GROUP_LABELS, NOT_SCREENED, STATES, DomainChecklist, FormStatus,
                                      Group, GroupDecision, ScreeningCriteria, ScreeningForm)
from backend.schools.calendar import Week
from backend.students import enrolment
from backend.students.enrolment import RosterEntry
from backend.students import services as students
from backend.students.tables import Student
from backend import clock
from backend.clock import now

INFORMANTS = {"sdq": ("student", "teacher", "parent"), "eq": ("student",)}
ITEMS_PER_STEP = {"sdq": 5, "eq": 6}  # one phone screen each: 5 steps of SDQ, 9 of EQ


class ScreeningError(Refusal):
    pass


@functools.cache
def base_instrument(name: str) -> Instrument:
    return load_instrument(name)


def instrument_for(name: str, document: dict, informant: str | None = None) -> Instrument:
    """The instrument with the school's own cut-offs, when it has set any (criteria document "cutoffs"). Given an
    SDQ informant, only that informant's cut-offs go in, so a form's version changes only when its own do."""
    overrides = (document.get("cutoffs") or {}).get(name) or {}
    if name == "sdq" and informant is not None:
        overrides = {group: scales for group, scales in overrides.items() if group == informant}
    return with_cutoffs(base_instrument(name), overrides) if overrides else base_instrument(name)


def steps_of(name: str) -> int:
    items = len(base_instrument(name).items)
    per = ITEMS_PER_STEP[name]
    return (items + per - 1) // per + (1 if name == "sdq" else 0)  # the SDQ's last step is its back page (impact)


# --- Who, which term --------------------------------------------------------------------------------------------


async def current_term(viewer: Viewer) -> tuple[int, int]:
    """This school year and term; between terms, the term that last began (screening results stay on show)."""
    if viewer.term_number is not None:
        return viewer.school_year_id, viewer.term_number
    terms = await Term.select(Term.number, Term.starts_on).where(Term.school_year == viewer.school_year_id)
    today = clock.today()  # the school's date, not UTC's (7 hours behind)
    started = [t["number"] for t in terms if t["starts_on"] <= today]
    return viewer.school_year_id, max(started, default=1)


@dataclass(frozen=True)
class ShownTerm:
    """The term a summary page shows (the current one unless another begun term is chosen, of this school year or an
    earlier one): its results, on the roll of its last day once it is over, and the terms it could show instead."""

    year_id: int
    year_be: int
    number: int
    day: date  # whose roll the page lists: today, or the term's last day once it is over
    current: bool
    this_year: bool  # of the viewer's school year (an earlier year's students sat in that year's classrooms)
    begun: tuple[SchoolTerm, ...]  # newest first

    @property
    def key(self) -> str:
        return f"{self.year_be}-{self.number}"


async def shown_term(viewer: Viewer, chosen: str = "", year_id: int | None = None) -> ShownTerm:
    """The term a summary page was asked for: "" for the current one (or, given an earlier `year_id`, that year's
    last begun term), "1" or "2" for a term of this year (or of `year_id`), "2568-2" for a term of any year (of
    `year_id` only, when given); refused when there is no such term or it has not begun."""
    this_year, current = await current_term(viewer)
    today = clock.today()
    known = [t for t in await schools.school_terms(viewer.school_id) if year_id is None or t.school_year_id == year_id]
    begun = tuple(t for t in known if t.begun(today))
    wanted_year = this_year if year_id is None else year_id
    if not chosen:
        if wanted_year == this_year:
            found = next((t for t in known if t.school_year_id == this_year and t.number == current), None)
            if found is None:  # a year with no terms written: the current term, on today's roll
                return ShownTerm(this_year, viewer.year_be, current, today, True, True, begun)
        else:
            found = next(iter(begun), None)  # an earlier year's last begun term: where its year ended
    elif chosen.isdigit():
        found = next((t for t in begun if t.school_year_id == wanted_year and t.number == int(chosen)), None)
        if found is None:
            raise ScreeningError(N_("No such term this school year: choose one that has begun."), status=404)
    else:
        found = next((t for t in begun if t.key == chosen), None)
    if found is None:
        raise ScreeningError(N_("No such term: choose one of the school's terms."), status=404)
    return _shown(found, today, found.school_year_id == this_year and found.number == current, this_year, begun)


def _shown(term: SchoolTerm, today: date, current: bool, this_year: int, begun: tuple[SchoolTerm, ...]) -> ShownTerm:
    return ShownTerm(term.school_year_id, term.year_be, term.number, term.as_of(today), current,
                     term.school_year_id == this_year, begun)


async def get_student(viewer: Viewer, student_id: int) -> dict:
    student = await students.visible_student(viewer, student_id)
    if student is None:
        raise ScreeningError(N_("No such student among those you can see."), status=404)
    return student


# --- The school's criteria, the licensed wording, scoring a filing -------------------------------------------


async def criteria_of(school_id: int) -> dict:
    row = await ScreeningCriteria.select(ScreeningCriteria.document).where(
        ScreeningCriteria.school == school_id).order_by(ScreeningCriteria.id, ascending=False).output(
        load_json=True).first()
    return rules.complete(row["document"] if row else None)


async def criteria_of_schools(school_ids) -> dict[int, dict]:
    """criteria_of() of several schools in one query (each school's newest document)."""
    newest: dict[int, dict] = {}
    for row in await ScreeningCriteria.select(ScreeningCriteria.school, ScreeningCriteria.document).where(
            ScreeningCriteria.school.is_in(list(school_ids) or [-1])).order_by(
            ScreeningCriteria.id, ascending=False).output(load_json=True):
        newest.setdefault(row["school"], row["document"])
    return {school_id: rules.complete(newest.get(school_id)) for school_id in school_ids}


def draft_slot(viewer: Viewer) -> str:
    """Each person fills in their own draft: two parents (or two homeroom teachers) never see or overwrite each
    other's unsent answers. Once sent, a form is the one current form of its informant."""
    return f"d{viewer.user_id}"


def score_filing(instrument: Instrument, informant: str, answers: dict, impact: dict) -> dict:
    ticks = [answers.get(str(n)) for n in range(1, len(instrument.items) + 1)]
    if instrument.name == "sdq":
        result = score_sdq(instrument, informant, ticks, impact if impact.get("difficulty") is not None else None)
    else:
        result = score_eq(instrument, ticks, EQ_AGE_BAND)
    shape = result.to_json()
    shape["prorated"] = sorted(name for name, scale in result.scales.items() if scale.prorated)
    return shape


async def wording_of(school_id: int, name: str) -> dict[str, str]:
    return ((await criteria_of(school_id)).get("wording") or {}).get(name, {})


# --- Checklists and decisions -------------------------------------------------------------------------------


async def save_checklist(viewer: Viewer, student_id: int, form: dict[str, list[str]], translate) -> None:
    student = await get_student(viewer, student_id)
    if not can_confirm_group(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher can fill in the screening record."),
                             status=403)
    document = await criteria_of(viewer.school_id)
    ticked_keys = set(form.get("sign", []))
    ticks: dict[str, dict[str, str]] = {}
    for domain, levels in document["signs"].items():
        for signs in levels.values():
            for sign in signs:
                if sign["key"] in ticked_keys:
                    ticks.setdefault(domain, {})[sign["key"]] = rules.sign_label(sign, translate)
    notes = {domain: text[:1000] for domain in rules.DOMAINS
             if (text := (form.get(f"note.{domain}") or [""])[0].strip())}
    year_id, term = await current_term(viewer)
    await DomainChecklist.insert(DomainChecklist(school=viewer.school_id, student=student_id, school_year=year_id,
                                                 term=term, ticks=ticks, notes=notes, written_by=viewer.user_id,
                                                 written_at=now()))


async def confirm_group(viewer: Viewer, student_id: int, group: str, note: str) -> None:
    student = await get_student(viewer, student_id)
    if not can_confirm_group(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher can confirm the group."), status=403)
    try:
        chosen = Group(group)
    except ValueError:
        raise ScreeningError(N_("Choose one of the four groups."), errors={"group": "group"}) from None
    year_id, term = await current_term(viewer)
    proposal = (await proposals(viewer.school_id, [student_id], year_id, term))[student_id]
    note = note.strip()[:2000]
    if proposal.state == NOT_SCREENED and not note:
        raise ScreeningError(N_("Nothing is screened yet for this student: say in the note what the group rests on."),
                             errors={"note": "note"})
    if chosen is not proposal.group and not note:
        raise ScreeningError(N_("Say in the note why the group differs from the proposal."),
                             errors={"note": "note"})
    await GroupDecision.insert(GroupDecision(
        school=viewer.school_id, student=student_id, school_year=year_id, term=term, proposed=proposal.group.value,
        reasons=proposal.reasons_json(), group=chosen.value, note=note, decided_by=viewer.user_id,
        decided_at=now()))


# --- Gathering facts, in bulk -------------------------------------------------------------------------------


async def current_forms(student_ids: list[int], year_id: int, term: int) -> dict[int, dict[tuple[str, str], dict]]:
    return await current_forms_of([(student_ids, year_id, term)])


def _in_term(table, wanted: list[tuple[list[int], int, int]]):
    """Each school's students (ids, year, term) in their own term: a where-clause for reading several schools."""
    return db.either(db.among(table.student, ids) & (table.school_year == year_id) & (table.term == term)
                     for ids, year_id, term in wanted)


async def current_forms_of(wanted: list[tuple[list[int], int, int]]) -> dict[int, dict[tuple[str, str], dict]]:
    """The current forms of several schools' students (ids, year, term), each in their term: one query."""
    found: dict[int, dict] = defaultdict(dict)
    rows = await ScreeningForm.select(
        ScreeningForm.id, ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant,
        ScreeningForm.result, ScreeningForm.source, ScreeningForm.submitted_at, ScreeningForm.rescored_at,
        ScreeningForm.filled_by.display_name.as_alias("filled_by_name"),
    ).where(_in_term(ScreeningForm, wanted) & (ScreeningForm.slot == "current")).output(load_json=True)
    for row in rows:
        found[row["student"]][(row["instrument"], row["informant"])] = row
    return found


async def facts_for(school_id: int, student_ids: list[int], year_id: int, term: int,
                    forms: dict[int, dict] | None = None) -> dict[int, rules.Facts]:
    return await facts_for_schools([(school_id, student_ids, year_id, term)], forms)


async def facts_for_schools(wanted: list[tuple[int, list[int], int, int]],
                            forms: dict[int, dict] | None = None) -> dict[int, rules.Facts]:
    """The facts of several schools' students (school, ids, year, term): the same queries however many schools."""
    in_term = [(ids, year_id, term) for _, ids, year_id, term in wanted]
    student_ids = [i for ids, _, _ in in_term for i in ids]
    if forms is None:
        forms = await current_forms_of(in_term)
    checklists = await db.newest_per_student(DomainChecklist, [DomainChecklist.ticks], student_ids,
                                             _in_term(DomainChecklist, in_term))
    # Each fact comes from the area that keeps it: the record (GPA), home visits (income), attendance (absences).
    gpa = await records.gpa_last_term(student_ids)
    income = await visits.income_per_person(student_ids)
    bounds = {(row["school_year"], row["number"]): row for row in await Term.select(
        Term.school_year, Term.number, Term.starts_on, Term.ends_on).where(db.either(
            (Term.school_year == year_id) & (Term.number == term) for _, _, year_id, term in wanted))}
    absences = await attendance.days_absent_of([
        (school_id, ids, bounds[(year_id, term)]["starts_on"], bounds[(year_id, term)]["ends_on"])
        for school_id, ids, year_id, term in wanted if (year_id, term) in bounds])
    facts = {}
    for student_id in student_ids:
        theirs = forms.get(student_id, {})
        facts[student_id] = rules.Facts(
            sdq={informant: form["result"] for (name, informant), form in theirs.items() if name == "sdq"},
            eq=(theirs.get(("eq", "student")) or {}).get("result"),
            ticks=(checklists.get(student_id) or {}).get("ticks") or {},
            checklist_saved=student_id in checklists,
            gpa=gpa.get(student_id), income_per_person=income.get(student_id),
            absences=absences.get(student_id, 0))
    return facts


async def proposals(school_id: int, student_ids: list[int], year_id: int, term: int,
                    forms: dict[int, dict] | None = None) -> dict[int, rules.Proposal]:
    return await proposals_of([(school_id, student_ids, year_id, term)], forms)


async def proposals_of(wanted: list[tuple[int, list[int], int, int]],
                       forms: dict[int, dict] | None = None) -> dict[int, rules.Proposal]:
    """Each student's proposed group by their school's rules (school, ids, year, term): the same queries however
    many schools."""
    documents = await criteria_of_schools([school_id for school_id, _, _, _ in wanted])
    facts = await facts_for_schools(wanted, forms)
    return {student_id: rules.propose(documents[school_id], facts[student_id])
            for school_id, ids, _, _ in wanted for student_id in ids}


async def ever_confirmed(school_id: int, year_id: int, term: int, groups) -> list[int]:
    """The students put in one of these groups this term by any decision, even one changed since (their newest
    decision, from decisions(), says whether they still are): what other areas read to find, say, the students at
    risk or the special ones without reading a whole school (the group_decision_term index)."""
    return [row["student"] for row in await GroupDecision.select(GroupDecision.student).where(
        (GroupDecision.school == school_id) & (GroupDecision.school_year == year_id) & (GroupDecision.term == term)
        & GroupDecision.group.is_in([str(getattr(g, "value", g)) for g in groups])).distinct()]


# The students' newest decisions among those ever put in some groups this term, in one round trip (ever_confirmed()
# then decisions() take two per set of groups).
CURRENT_GROUPS_SQL = (
    'SELECT d.student, d."group" FROM group_decision d WHERE d.school = {} AND d.school_year = {} AND d.term = {} '
    "AND d.student IN (SELECT e.student FROM group_decision e WHERE e.school = {} AND e.school_year = {} "
    'AND e.term = {} AND e."group" IN (%s)) ORDER BY d.id'
)


async def current_groups(school_id: int, year_id: int, term: int, groups) -> dict[int, str]:
    """The students whose confirmed group this term (their newest decision) is one of these groups, with it: what
    ever_confirmed() and decisions() tell together, for a to-do list's counts."""
    wanted = [str(getattr(g, "value", g)) for g in groups]
    rows = await db.fetch(CURRENT_GROUPS_SQL % ", ".join(["{}"] * len(wanted)), school_id, year_id, term,
                          school_id, year_id, term, *wanted)
    newest = {row["student"]: row["group"] for row in rows}  # by id: the last row of a student is their newest
    return {student: group for student, group in newest.items() if group in wanted}


async def decisions(student_ids: list[int], year_id: int, term: int) -> dict[int, dict]:
    return await db.newest_per_student(GroupDecision, [GroupDecision.group, GroupDecision.proposed, GroupDecision.note,
                                         GroupDecision.decided_at,
                                         GroupDecision.decided_by.display_name.as_alias("decided_by_name")],
                         student_ids, (GroupDecision.school_year == year_id) & (GroupDecision.term == term))


@dataclass(frozen=True)
class Coverage:
    """Where one student's screening stands in a term, as the school's pages count it: the forms filed (instrument,
    informant), whether they are screened (Row.screened), the group the homeroom teacher confirmed, and, when asked
    for, the proposal's state (a group, or "not screened")."""

    forms: frozenset[tuple[str, str]]
    screened: bool
    group: str | None  # the confirmed group; None until the homeroom teacher confirms one
    proposed: str | None = None  # the proposal's state (coverage(..., proposed=True)) of a student not confirmed

    @property
    def confirmed(self) -> bool:
        return self.group is not None

    @property
    def state(self) -> str | None:
        """As Row.group: the confirmed group, else the proposal's state (None when the proposal was not asked for
        and the student is screened)."""
        return self.group or self.proposed or (None if self.screened else NOT_SCREENED)


async def coverage(school_id: int, student_ids: list[int], year_id: int, term: int,
                   proposed: bool = False) -> dict[int, Coverage]:
    """Each student's Coverage in a term, for the supervision figures and the term report: the same answers as
    rows_for() gives row by row, without reading every form's scores. Whether a student is screened needs a
    proposal only for those with no form, no checklist and no decision (what the school's rules find in their GPA,
    income and absences); `proposed` asks for every unconfirmed student's proposed group as well (the group
    distribution), at the cost of scoring them. A constant number of queries."""
    return await coverage_of([(school_id, student_ids, year_id, term)], proposed)


async def coverage_of(wanted: list[tuple[int, list[int], int, int]], proposed: bool = False) -> dict[int, Coverage]:
    """coverage() of several schools (school, students, year, term), each in its own term: the same queries however
    many schools (an area supervisor's page)."""
    in_term = [(ids, year_id, term) for _, ids, year_id, term in wanted]
    student_ids = [i for ids, _, _ in in_term for i in ids]
    # One row per student, the forms filed as the bits of a number (each kind is current at most once a term): a
    # quarter of the rows that one per form would be, in a school where most students have four.
    kinds = [(name, informant) for name, informants in INFORMANTS.items() for informant in informants]
    bits = QueryString("SUM(CASE " + " ".join(
        f"WHEN {{}} = '{name}' AND {{}} = '{informant}' THEN {1 << n}" for n, (name, informant) in enumerate(kinds))
        + " ELSE 0 END)", *[c for _ in kinds for c in (ScreeningForm.instrument, ScreeningForm.informant)],
        alias="kinds")
    filed = {row["student"]: {kind for n, kind in enumerate(kinds) if row["kinds"] >> n & 1}
             for row in await ScreeningForm.select(ScreeningForm.student, bits).where(
                 _in_term(ScreeningForm, in_term) & (ScreeningForm.slot == "current")).group_by(ScreeningForm.student)}
    checked = {row["student"] for row in await DomainChecklist.select(DomainChecklist.student).where(
        _in_term(DomainChecklist, in_term)).distinct()}
    decided = await db.newest_per_student(GroupDecision, [GroupDecision.group], student_ids,
                                          _in_term(GroupDecision, in_term))
    asked = []
    for school_id, ids, year_id, term in wanted:
        if proposed:
            theirs = [i for i in ids if i not in decided]
        else:
            theirs = [i for i in ids if i not in filed and i not in checked and i not in decided]
        if theirs:
            asked.append((school_id, theirs, year_id, term))
    found = await proposals_of(asked, forms=None if proposed else {}) if asked else {}
    result = {}
    for student_id in student_ids:
        proposal = found.get(student_id)
        group = (decided.get(student_id) or {}).get("group")
        screened = bool(group or student_id in filed or student_id in checked
                        or (proposal is not None and proposal.state != NOT_SCREENED))
        result[student_id] = Coverage(frozenset(filed.get(student_id, ())), screened, group,
                                      proposal.state if proposal is not None and proposed else None)
    return result


# --- Pages ----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    student: dict
    forms: dict[tuple[str, str], dict]
    proposal: rules.Proposal
    decision: dict | None

    @property
    def group(self) -> str:
        return self.decision["group"] if self.decision else self.proposal.state

    @property
    def screened(self) -> bool:
        """Counted in the coverage: screened this term, or in a group the homeroom teacher confirmed."""
        return self.group != NOT_SCREENED

    @property
    def to_review(self) -> bool:
        """Confirmed, but the proposal has moved since (a form filed or scored again, new absences, new ticks)."""
        return self.decision is not None and self.decision["proposed"] != self.proposal.group.value


async def classroom_of(viewer: Viewer, classroom_id: int) -> dict:
    """A classroom whose screening the viewer may open: this year's by can_see_classroom_screening; an earlier
    year's is checked once its students are known (can_see_earlier_classroom_screening)."""
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room, Classroom.school_year,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or room["school"] != viewer.school_id or (
            room["school_year"] == viewer.school_year_id and not can_see_classroom_screening(viewer, room)):
        raise ScreeningError(N_("No such classroom among those you can see."), status=404)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def rows_for(viewer: Viewer, where, term: ShownTerm | None = None) -> list[Row]:
    members = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom, Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
        Student.classroom.grade.level.as_alias("level"),
    ).where(visible_students(viewer) & where).order_by(
        Student.classroom.grade.level).order_by(Student.classroom.room).order_by(Student.number_in_class)
    if term is not None and not term.this_year:
        members = await _seated_then(viewer.school_id, term, members)
    ids = [s["id"] for s in members]
    year_id, term = (term.year_id, term.number) if term else await current_term(viewer)
    forms = await current_forms(ids, year_id, term)
    found = await proposals(viewer.school_id, ids, year_id, term, forms)
    decided = await decisions(ids, year_id, term)
    return [Row({**s, "label": f"{s['grade']}/{s['room']}"}, forms.get(s["id"], {}), found[s["id"]],
                decided.get(s["id"])) for s in members]


async def _year_rooms(school_id: int, year_id: int) -> dict[int, dict]:
    """A school year's classrooms (id: room, grade, level), in grade and room order."""
    return {row["id"]: row for row in await Classroom.select(
        Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade"),
        Classroom.grade.level.as_alias("level")).where(
        (Classroom.school == school_id) & (Classroom.school_year == year_id)).order_by(
        Classroom.grade.level).order_by(Classroom.room)}


async def _seated_then(school_id: int, term: ShownTerm, members: list[dict]) -> list[dict]:
    """The students as they sat on the term's day in an earlier school year: that year's classroom and number (the
    Student row holds this year's), in that year's class order."""
    rooms = await _year_rooms(school_id, term.year_id)
    seats = await enrolment.seats(school_id, term.day, rooms)
    then = []
    for member in members:
        seat = seats.get(member["id"])
        if seat is None:
            continue
        room = rooms[seat.classroom_id]
        then.append({**member, "classroom": seat.classroom_id, "room": room["room"], "grade": room["grade"],
                     "level": room["level"], "number_in_class": seat.number})
    return sorted(then, key=lambda s: (s["level"], s["room"], s["number_in_class"] is None,
                                       s["number_in_class"] or 0))


async def _came_from(viewer: Viewer, room: dict, shown: ShownTerm) -> dict:
    """This year's classroom with an earlier year's term: the classrooms its students (those the viewer may see)
    were in then, each with how many, to open there; and how many were not at the school yet."""
    now = [row["id"] for row in await Student.select(Student.id).where(
        visible_students(viewer) & enrolment.enrolled_today(viewer.school_id, [room["id"]]))]
    rooms = await _year_rooms(viewer.school_id, shown.year_id)
    seats = await enrolment.seats(viewer.school_id, shown.day, rooms)
    counts: dict[int, int] = defaultdict(int)
    for student_id in now:
        if student_id in seats:
            counts[seats[student_id].classroom_id] += 1
    came_from = [{"id": room_id, "label": f"{then['grade']}/{then['room']}", "students": counts[room_id]}
                 for room_id, then in rooms.items() if counts[room_id]]
    return {"classroom": room, "shown": shown, "term": shown.number, "year_be": shown.year_be, "rows": [],
            "came_from": came_from, "new": len(now) - sum(counts.values()), "can_confirm": False}


async def classroom_summary(viewer: Viewer, classroom_id: int, audited: bool = True, term: str = "") -> dict:
    """The class's screening at a glance, this term or another begun term (`term`: "1", "2" of the classroom's
    year, or "2568-2"). A classroom of an earlier school year shows that year's terms, with the students it had then
    whom the viewer may read (access.earlier_screening_students); this year's classroom with an earlier year's term
    lists the classrooms its students were in then (`came_from`). Showing it is a read of every student's results
    (audited) unless the caller only needs the list (the teacher's entry page, sign-in slips)."""
    room = await classroom_of(viewer, classroom_id)
    earlier = room["school_year"] != viewer.school_year_id
    shown = await shown_term(viewer, term, room["school_year"] if earlier else None)
    if not shown.this_year and not earlier:
        return await _came_from(viewer, room, shown)
    where = enrolment.enrolled(viewer.school_id, shown.day, [classroom_id])
    everyone = 0
    if earlier:
        everyone = await Student.count().where(where)
        where &= earlier_screening_students(viewer)
    rows = await rows_for(viewer, where, shown)
    if earlier and not can_see_earlier_classroom_screening(viewer, room, len(rows)):
        raise ScreeningError(N_("No such classroom among those you can see."), status=404)
    by_group = {state: [row for row in rows if row.group == state] for state in STATES}
    domains = {domain: {level: sum(1 for row in rows if row.proposal.domains[domain] == level)
                        for level in ("risk", "problem", "special")} for domain in rules.DOMAINS}
    sdq_bands: dict[str, dict[str, dict[str, int]]] = {}
    for informant in INFORMANTS["sdq"]:
        table: dict[str, dict[str, int]] = {}
        for scale in ("emotional", "conduct", "hyperactivity", "peer", "prosocial", "total"):
            counts: dict[str, int] = defaultdict(int)
            for row in rows:
                form = row.forms.get(("sdq", informant))
                if form is None:
                    counts["missing"] += 1
                else:  # filed, though a scale with too many blanks is not scored
                    counts[form["result"]["scales"][scale]["band"] or "not_scored"] += 1
            table[scale] = dict(counts)
        sdq_bands[informant] = table
    if audited:
        await audit_reads(viewer, [row.student["id"] for row in rows])
    return {"classroom": room, "rows": rows, "by_group": by_group, "domain_counts": domains, "sdq_bands": sdq_bands,
            "term": shown.number, "year_be": shown.year_be, "shown": shown, "came_from": None,
            "nothing": not shown.current and not any(row.screened for row in rows),
            "everyone": everyone if earlier and len(rows) < everyone else None,
            "can_confirm": viewer.keeps_homeroom(classroom_id) and shown.current}


async def audit_reads(viewer: Viewer, student_ids: list[int]) -> None:
    """Screening results are read like the record's health section: who and when, every time (pages and files)."""
    await reads.record_reads(viewer, student_ids, [reads.SCREENING_READ])


async def sign_in_slips(viewer: Viewer, classroom_id: int, chosen: set[int]) -> dict:
    """The homeroom's students, and new sign-in slips for those chosen (earlier slips of theirs stop working)."""
    if not viewer.keeps_homeroom(classroom_id):
        raise ScreeningError(N_("Only the homeroom teacher can do this."), status=403)
    summary = await classroom_summary(viewer, classroom_id, audited=False)
    rows = [row for row in summary["rows"] if row.student["id"] in chosen]
    slips = await accounts.issue_student_passwords(viewer, [row.student["id"] for row in rows])
    return {**summary, "issued": [{**slip, "student": row.student} for slip, row in zip(slips, rows, strict=True)]}


async def student_summary(viewer: Viewer, student_id: int, translate) -> dict:
    student = await get_student(viewer, student_id)
    if not can_see_screening(viewer, student):
        raise ScreeningError(N_("Screening results are for the student's homeroom teachers, counsellors and "
                                "executives."), status=403)
    year_id, term = await current_term(viewer)
    await audit_reads(viewer, [student_id])
    row = (await rows_for(viewer, Student.id == student_id))[0]
    document = await criteria_of(viewer.school_id)
    checklist = await DomainChecklist.select(DomainChecklist.ticks, DomainChecklist.notes).where(
        (DomainChecklist.student == student_id) & (DomainChecklist.school_year == year_id)
        & (DomainChecklist.term == term)).order_by(DomainChecklist.id, ascending=False).output(
        load_json=True).first()
    history = await GroupDecision.select(
        GroupDecision.school_year.year_be.as_alias("year_be"), GroupDecision.term, GroupDecision.proposed,
        GroupDecision.group, GroupDecision.note, GroupDecision.decided_at,
        GroupDecision.decided_by.display_name.as_alias("decided_by_name"),
    ).where(GroupDecision.student == student_id).order_by(GroupDecision.id, ascending=False)
    replaced = await ScreeningForm.select(
        ScreeningForm.instrument, ScreeningForm.informant, ScreeningForm.submitted_at, ScreeningForm.result,
        ScreeningForm.source, ScreeningForm.status, ScreeningForm.filled_by.display_name.as_alias("filled_by_name"),
    ).where((ScreeningForm.student == student_id)
            & ScreeningForm.status.is_in([FormStatus.replaced.value, FormStatus.rescored.value])).order_by(
        ScreeningForm.id, ascending=False).output(load_json=True)
    signs = {domain: [{"key": sign["key"], "label": rules.sign_label(sign, translate), "level": level}
                      for level, items in levels.items() for sign in items]
             for domain, levels in document["signs"].items()}
    ticks = (checklist or {}).get("ticks") or {}
    for domain, ticked in ticks.items():  # signs since removed from the checklist still show while ticked
        known = {sign["key"] for sign in signs.get(domain, [])}
        for key, label in ticked.items():
            if key not in known:
                signs.setdefault(domain, []).append({"key": key, "label": label, "level": key.split(".")[1]})
    return {"student": student, "row": row, "term": term, "year_be": viewer.year_be, "signs": signs,
            "ticks": ticks, "notes": (checklist or {}).get("notes") or {}, "history": history,
            "replaced": replaced, "can_confirm": can_confirm_group(viewer, student),
            "can_enter": can_enter_paper(viewer, student)}


async def summaries(viewer: Viewer, students: list[dict]) -> dict[int, Row]:
    """The screening part of the students' care summaries, for those of them whose screening the viewer may read
    (needs id, school, classroom): this term's forms, proposal and confirmed group. Audited like every read of
    results; a constant number of queries however many students."""
    ids = [s["id"] for s in students if can_see_screening(viewer, s)]
    if not ids:
        return {}
    await audit_reads(viewer, ids)
    return {row.student["id"]: row for row in await rows_for(viewer, Student.id.is_in(ids))}


def scale_label(instrument: str, scale: str) -> str:
    """An instrument's scale in the reader's language (its own bilingual wording)."""
    found = base_instrument(instrument).scales.get(scale)
    return (found.th if current_locale.get() == "th" else found.en) if found else (
        gettext("Impact") if scale == "impact" else scale)


def band_label(instrument: str, band: str | None) -> str:
    if band is None:
        return gettext("not scored")
    labels = base_instrument(instrument).band_labels.get(band)
    return (labels["th"] if current_locale.get() == "th" else labels["en"]) if labels else band


async def own_classroom(viewer: Viewer) -> int | None:
    """A student's classroom (where their teacher goes back to after a hand-over)."""
    row = await Student.select(Student.classroom).where(visible_students(viewer)).first()
    return row["classroom"] if row else None


async def my_forms(viewer: Viewer) -> list[dict]:
    """For a student or a parent: the questionnaires they are asked to fill in this term, and where each stands."""
    year_id, term = await current_term(viewer)
    ids = sorted(viewer.student_ids)
    members = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                    Student.school).where(visible_students(viewer) & Student.id.is_in(ids or [-1]))
    forms = await current_forms(ids, year_id, term)
    drafts = await ScreeningForm.select(ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant,
                                        ScreeningForm.answers).where(
        ScreeningForm.student.is_in(ids or [-1]) & (ScreeningForm.school_year == year_id)
        & (ScreeningForm.term == term) & (ScreeningForm.slot == draft_slot(viewer))).output(load_json=True)
    started = {(d["student"], d["instrument"], d["informant"]): len(d["answers"]) for d in drafts}
    decided = await decisions(ids, year_id, term) if viewer.is_parent else {}
    wanted = [("sdq", "student"), ("eq", "student")] if viewer.is_student else [("sdq", "parent")]
    result = []
    for student in members:
        for name, informant in wanted:
            result.append({"student": student, "instrument": name, "informant": informant,
                           "items": len(base_instrument(name).items),
                           "answered": started.get((student["id"], name, informant)),
                           "submitted_at": (forms.get(student["id"], {}).get((name, informant)) or {}).get(
                               "submitted_at"),
                           "group": (decided.get(student["id"]) or {}).get("group")})
    return result


async def school_overview(viewer: Viewer, term: str = "") -> dict:
    """Group distribution by grade and classroom, and who has not yet been screened by which informant, this term or
    another begun term (`term`: "1", "2" of this year, or "2568-2"): an earlier year's in that year's classrooms.
    `nothing` says that a term gone by has no screening at all (rather than a page of zeros)."""
    shown = await shown_term(viewer, term)
    rows = await rows_for(viewer, enrolment.enrolled(viewer.school_id, shown.day), shown)
    classes: dict[int, dict] = {}
    grades: dict[str, dict] = {}
    missing: list[Row] = []
    for row in rows:
        room = classes.setdefault(row.student["classroom"], {
            "label": row.student["label"], "id": row.student["classroom"], "groups": defaultdict(int),
            "confirmed": 0, "screened": 0, "students": 0, "forms": defaultdict(int)})
        grade = grades.setdefault(row.student["grade"], {"label": row.student["grade"], "groups": defaultdict(int),
                                                         "students": 0})
        for bucket in (room, grade):
            bucket["groups"][row.group] += 1
            bucket["students"] += 1
        room["confirmed"] += 1 if row.decision else 0
        room["screened"] += 1 if row.screened else 0
        for name, informants in INFORMANTS.items():
            for informant in informants:
                if (name, informant) in row.forms:
                    room["forms"][f"{name}:{informant}"] += 1
        if row.proposal.missing:
            missing.append(row)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.group] += 1
    screened = sum(1 for row in rows if row.screened)
    return {"classes": list(classes.values()), "grades": list(grades.values()), "totals": dict(totals),
            "students": len(rows), "screened": screened, "missing": missing, "shown": shown,
            "nothing": not shown.current and not screened}


# --- Screening on the student's timeline ----------------------------------------------------------------------


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Screening on the timeline: forms filed and groups confirmed, for those who may see screening; a parent sees
    their own form and the confirmed group, as on their screening page."""
    is_parent = viewer.is_parent_of(student["id"])
    if not (can_see_screening(viewer, student) or is_parent):
        return []
    where = ((ScreeningForm.student == student["id"]) & ScreeningForm.submitted_at.is_not_null()
             & (ScreeningForm.status != FormStatus.rescored.value))  # a re-scored form is one filling, shown once
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


# --- The homeroom teacher's weekly digest --------------------------------------------------------------------

# A scale in one of these bands is worth a look (SDQ: risk, problem; EQ: below the norm).
FLAGGED_BANDS = {"risk", "problem", "below"}


async def digest_section(school_id: int, week: Week, rosters: dict[int, list[RosterEntry]]) -> dict[int, dict]:
    """Each classroom's new screening this week: forms filed (with how many scales call for a look) and groups
    the homeroom teacher set or changed (from what). Two queries for the whole school."""
    ids = [entry.student_id for entries in rosters.values() for entry in entries]
    forms: dict[int, list[dict]] = defaultdict(list)
    decided: dict[int, list[dict]] = defaultdict(list)
    for chunk in db.chunks(ids, db.WHOLE_SCHOOL):
        for row in await ScreeningForm.select(
                ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant, ScreeningForm.result,
                ScreeningForm.submitted_at).where(
                (ScreeningForm.school == school_id) & ScreeningForm.student.is_in(chunk)
                & (ScreeningForm.slot == "current") & (ScreeningForm.submitted_at >= week.begins)
                & (ScreeningForm.submitted_at < week.ends)).order_by(ScreeningForm.id).output(load_json=True):
            forms[row["student"]].append(row)
        # Every decision up to the week's end, oldest first: the last before the week is what the group was.
        for row in await GroupDecision.select(GroupDecision.student, GroupDecision.group,
                                              GroupDecision.decided_at).where(
                (GroupDecision.school == school_id) & GroupDecision.student.is_in(chunk)
                & (GroupDecision.decided_at < week.ends)).order_by(GroupDecision.id):
            decided[row["student"]].append(row)
    sections = {}
    for classroom_id, entries in rosters.items():
        results, groups, concerns = [], [], []
        for entry in entries:
            for form in forms.get(entry.student_id, []):
                flagged = sum(1 for scale in (form["result"] or {}).get("scales", {}).values()
                              if scale.get("band") in FLAGGED_BANDS)
                results.append({"student": entry.student_id, "name": entry.name,
                                "form": FORM_LABELS.get((form["instrument"], form["informant"]), form["instrument"]),
                                "flagged": flagged})
            history = decided.get(entry.student_id, [])
            this_week = [row for row in history if row["decided_at"] >= week.begins]
            if not this_week:
                continue
            before = history[-len(this_week) - 1]["group"] if len(history) > len(this_week) else None
            after = this_week[-1]["group"]
            if after != before:
                groups.append({"student": entry.student_id, "name": entry.name, "before": before, "after": after})
                if after in (Group.risk.value, Group.problem.value):
                    concerns.append({"student": entry.student_id, "weight": 3 if after == Group.problem.value else 2,
                                     "why": N_("Screening group is now: %(group)s"),
                                     "values": {"group": GROUP_LABELS[Group(after)]}})
        sections[classroom_id] = {"results": results, "groups": groups, "concerns": concerns}
    return sections
