"""The care system in numbers, for a school (or the grades a grade-level head heads) and a term: the five components
of the Thai student care system and the risk incidents against the same weeks last year. The director's page, the
per-teacher page, the term report pack and the area view all read these functions, so they always agree; the
students behind each figure and each homeroom's progress are in supervision.behind, attendance today and the risk
trend in supervision.trends.

Every figure is counted by the area that keeps it, through its services (supervision reads no other area's tables):
the students are those enrolled on the day the figures stand at (students.enrolment.seats), today in a term under
way and its last day once it is over; then records.record_progress, visits.visited_between, screening.coverage,
care.reports.care_among and referral_rows, promotion.held_in_term, behaviour.reports. A constant number of queries
however big the school (whole-school IN lists, GROUP BY), and however many schools: for_terms asks each area once
for all of an area supervisor's schools, each school with its own term.

The API, for pages and reports:
- terms(viewer) -> list[SchoolTerm]; find_term(viewer, key) -> SchoolTerm ("2569-2"; "" for the current term);
  same_term_last_year(viewer, term); terms_of(viewers) for several schools
- for_term(viewer, term) -> TermFigures (measures by figure key, per class, referrals, risk incidents);
  for_terms([(viewer, term), ...]) for several schools in the same queries
- forget(): the figures of terms that are over are remembered ten minutes per process; this clears them
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from backend import clock
from backend.accounts.access import (Viewer, counts_figures, sees_risk_trend,
                                     sees_supervision, supervision_rooms)
from backend.behaviour import reports as behaviour_reports
from backend.care import reports as care_reports
from backend.care.services import NEEDS_A_CASE
from backend.i18n import N_, Refusal
from backend.promotion import services as promotion
from backend.records import services as records
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.schools.tables import Classroom
from backend.screening import services as screening
from backend.screening.tables import Group
from backend.students import enrolment
from backend.visits import services as visits

COMPONENTS = ("known", "screened", "promotion", "prevention", "referral")
COMPONENT_LABELS = {
    "known": N_("Knowing each student"),
    "screened": N_("Screening students"),
    "promotion": N_("Promotion"),
    "prevention": N_("Prevention and solving problems"),
    "referral": N_("Referral"),
}


class SupervisionError(Refusal):
    pass


@dataclass(frozen=True)
class Figure:
    """One figure of a component: what it counts, what its gap is called (the students or classes still to reach,
    which its link lists), whose names the list shows (the area keeping it: records, visits, screening, care;
    promotion counts classes) and what it counts (students, classes, referrals)."""

    key: str
    component: str
    label: str
    gap_label: str
    area: str
    short: str  # on the chart's bars
    unit: str = "students"


FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("records", "known", N_("Record completed"), N_("Record not complete"), "records", N_("Records")),
    Figure("visits", "known", N_("Visited at home this school year"), N_("Not visited at home yet"), "visits",
           N_("Home visits")),
    Figure("sdq_student", "screened", N_("SDQ by the student"), N_("No SDQ by the student yet"), "screening",
           N_("SDQ student")),
    Figure("sdq_teacher", "screened", N_("SDQ by the homeroom teacher"), N_("No SDQ by the homeroom teacher yet"),
           "screening", N_("SDQ teacher")),
    Figure("sdq_parent", "screened", N_("SDQ by a parent"), N_("No SDQ by a parent yet"), "screening",
           N_("SDQ parent")),
    Figure("eq", "screened", N_("EQ by the student"), N_("No EQ yet"), "screening", N_("EQ")),
    Figure("screened", "screened", N_("Screened"), N_("Not screened"), "screening", N_("Screened")),
    Figure("confirmed", "screened", N_("Group confirmed by the homeroom teacher"), N_("Group not confirmed yet"),
           "screening", N_("Groups confirmed")),
    Figure("activities", "promotion", N_("Classes with a homeroom activity"), N_("Classes with no homeroom activity"),
           "promotion", N_("Activities"), "classes"),
    Figure("meetings", "promotion", N_("Classes that held a parents' meeting"),
           N_("Classes with no parents' meeting yet"), "promotion", N_("Parents' meetings"), "classes"),
    Figure("cases", "prevention", N_("At risk or with problems, with an open case"),
           N_("At risk or with problems without a case"), "care", N_("Cases")),
    Figure("plans", "prevention", N_("With problems, with a help plan"), N_("Problem students without a plan"),
           "care", N_("Help plans")),
    Figure("followed", "prevention", N_("With a case, followed up this month"),
           N_("With a case, not followed up this month"), "care", N_("Followed up")),
    Figure("reported", "referral", N_("Referrals reported back"), N_("Referrals not reported back yet"), "care",
           N_("Reported back"), "referrals"),
)}
# The figures drawn as bars on the director's page: one share each, with its target.
CHARTED = ("records", "visits", "screened", "confirmed", "meetings", "cases", "plans", "followed", "reported")


@dataclass(frozen=True)
class Measure:
    """How many of those a figure counts have what it asks (done of total)."""

    key: str
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        """The share in whole per cent, rounded half up as Thai reports round (98/365 is 26.8 %: 27 %; 2/3: 67 %),
        except that it reads 100 % only when all are done and 0 % only when none is (364/365: 99 %, 1/400: 1 %);
        None when there is nothing to count. A target is judged on the exact share (services.check), never on this:
        2/3 shown as 67 % has not met a 67 % target."""
        if not self.total:
            return None
        shown = (self.done * 200 + self.total) // (self.total * 2)
        return min(max(shown, 1 if self.done else 0), 99 if self.done < self.total else 100)

    @property
    def gap(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class ClassFigures:
    id: int
    label: str
    grade: str
    students: int
    measures: dict[str, Measure]
    groups: dict[str, int] = field(default_factory=dict)  # as TermFigures.groups, for the class


@dataclass(frozen=True)
class TermFigures:
    """A term's figures for the school, or for the grades a grade-level head heads (`whole_school` False).
    `recorded` says, per component, whether anything was recorded in the term: a component with nothing recorded
    has no figures to show ("no data"), not zeros. `risk_incidents` and `risk_last_year` (the same stretch of the
    same term last year) are None for those who do not see the school's behaviour trend, or when there is no such
    term."""

    term: SchoolTerm
    as_of: date
    whole_school: bool
    students: int
    measures: dict[str, Measure]
    classes: tuple[ClassFigures, ...]
    recorded: dict[str, bool]
    groups: dict[str, int]  # confirmed groups (normal, risk, problem, special) and "not_confirmed"
    activities: int  # homeroom activities recorded in the term
    referrals: dict  # care.reports.referral_counts of the term's referrals: by status and age, reported back
    risk_incidents: int | None = None
    risk_last_year: int | None = None
    behind: dict[str, list[int]] = field(default_factory=dict, repr=False)  # each figure's gap: student (or class) ids

    @property
    def has_data(self) -> bool:
        return any(self.recorded.values())

    def of(self, component: str) -> list[tuple[Figure, Measure]]:
        return [(figure, self.measures[key]) for key, figure in FIGURES.items() if figure.component == component]


# Terms ----------------------------------------------------------------------------------------------------------


def check_viewer(viewer: Viewer, names: bool = False) -> None:
    """The figures: for those who see the supervision pages, and for an area supervisor's view of a school (counts
    only); `names`: what lists students or teachers by name, for the former alone."""
    if not (sees_supervision(viewer) if names else counts_figures(viewer)):
        raise SupervisionError(N_("The care system's figures are for the school's executives, counsellors and "
                                  "grade-level heads."), status=403)


async def terms(viewer: Viewer) -> list[SchoolTerm]:
    """The school's terms that have begun, newest first: those the figures can be asked of."""
    return (await terms_of([viewer]))[viewer.school_id]


async def terms_of(viewers: list[Viewer]) -> dict[int, list[SchoolTerm]]:
    """terms() of each viewer's school (an area supervisor's schools), by school: one query however many."""
    today = clock.today()
    return {school_id: [term for term in known if term.begun(today)]
            for school_id, known in (await schools.terms_of([v.school_id for v in viewers])).items()}


def current_of(known: list[SchoolTerm]) -> SchoolTerm | None:
    """The term under way, or between terms the one that ended last (as screening.current_term)."""
    return known[0] if known else None


async def find_term(viewer: Viewer, key: str = "", begun: bool = True) -> SchoolTerm:
    """A term by its key ("2569-2"), or the current term for ""; refused when the school has no such term (begun,
    unless `begun` is False: targets are set for a term before it starts)."""
    known = await terms(viewer) if begun else await schools.school_terms(viewer.school_id)
    found = current_of(await terms(viewer)) if not key else next((t for t in known if t.key == key), None)
    if found is None:
        raise SupervisionError(N_("No such term: choose one of the school's terms."), status=404)
    return found


def last_year_of(known: list[SchoolTerm], term: SchoolTerm) -> SchoolTerm | None:
    """The same term last year among a school's terms, if the school has it here."""
    return next((t for t in known if t.year_be == term.year_be - 1 and t.number == term.number), None)


async def same_term_last_year(viewer: Viewer, term: SchoolTerm) -> SchoolTerm | None:
    return last_year_of(await schools.school_terms(viewer.school_id), term)


# The classes and students of a term --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Roster:
    classes: list[dict]  # promotion.held_in_term's rows (id, label, grade, room, activities, meetings), in order
    seats: dict[int, enrolment.Seat]  # each student's classroom and number on the day

    def order(self) -> dict[int, int]:
        """Each student's place in class order (grade, room, number), as every list of students behind a figure."""
        position = {c["id"]: n for n, c in enumerate(self.classes)}
        return {student: n for n, student in enumerate(sorted(self.seats, key=lambda s: (
            position[self.seats[s].classroom_id], self.seats[s].number is None, self.seats[s].number or 0, s)))}


async def _scope_grades(viewer: Viewer) -> set[str] | None:
    """The grades (codes) whose classes a grade-level head's figures cover in any year; None: the whole school."""
    rooms = supervision_rooms(viewer)
    if rooms is None:
        return None
    rows = await Classroom.select(Classroom.grade.code.as_alias("grade")).where(
        Classroom.id.is_in(list(rooms) or [-1]) & (Classroom.school == viewer.school_id))
    return {row["grade"] for row in rows}


@dataclass(frozen=True)
class _Asked:
    """One school's figures to count: whose view, which term, the grades (None: the whole school), and the day."""

    viewer: Viewer
    term: SchoolTerm
    grades: set[str] | None
    today: date

    @property
    def school_id(self) -> int:
        return self.viewer.school_id

    @property
    def as_of(self) -> date:
        return self.term.as_of(self.today)

    @property
    def moment(self) -> datetime:
        return self.term.moment(self.today)


async def _rosters(asked: list[_Asked]) -> list[_Roster]:
    held = await promotion.held_in_terms([(a.school_id, a.term.school_year_id, a.term.number) for a in asked])
    classes = [[c for c in held[a.school_id] if a.grades is None or c["grade"] in a.grades] for a in asked]
    seats = await enrolment.seats_of([(a.school_id, a.as_of, [c["id"] for c in theirs])
                                      for a, theirs in zip(asked, classes, strict=True)])
    rosters = []
    for theirs in classes:
        rooms = {c["id"] for c in theirs}
        rosters.append(_Roster(theirs, {student: seat for student, seat in seats.items()
                                        if seat.classroom_id in rooms}))
    return rosters


# The figures ------------------------------------------------------------------------------------------------------


# The figures of a term that is over, remembered for a while per process: what they count was written in that term
# (forms, decisions, cases, referrals, the record), and only a visit or an activity typed in late with an earlier
# date changes them; the director's page shows the same term last year beside every term, which would otherwise cost
# it twice. forget() clears them (tests, a bulk import).
ENDED_SECONDS = 600
_ended: dict[tuple, tuple[float, TermFigures]] = {}


def forget() -> None:
    _ended.clear()


async def for_term(viewer: Viewer, term: SchoolTerm, with_last_year: bool = True) -> TermFigures:
    """The term's figures as this viewer may see them (the whole school, or the grades they head). `with_last_year`:
    count the risk incidents of the same stretch of the same term last year too (for the target on them)."""
    return (await for_terms([(viewer, term)], with_last_year))[0]


async def for_terms(asked: list[tuple[Viewer, SchoolTerm]], with_last_year: bool = True) -> list[TermFigures]:
    """for_term() of several schools, each with its own viewer and term (an area supervisor's schools, each with
    the aggregates-only viewer accounts.sessions makes of it): the same queries for ten schools as for one."""
    today = clock.today()
    found: list[TermFigures | None] = []
    keys, wanted = [], []
    for viewer, term in asked:
        check_viewer(viewer)
        grades = await _scope_grades(viewer)
        key = (viewer.school_id, term.key, frozenset(grades) if grades is not None else None, with_last_year,
               sees_risk_trend(viewer), today)
        kept = _ended.get(key) if term.ends_on < today else None
        if kept and time.monotonic() - kept[0] < ENDED_SECONDS:
            found.append(kept[1])
            continue
        found.append(None)
        keys.append(key)
        wanted.append(_Asked(viewer, term, grades, today))
    counted = iter(await _count(wanted, with_last_year) if wanted else [])
    moment = time.monotonic()
    for n, figures in enumerate(found):
        if figures is None:
            found[n] = figures = next(counted)
            key = keys.pop(0)
            if figures.term.ends_on < today:
                _ended[key] = (moment, figures)
    for stale in [k for k, (at, _) in _ended.items() if moment - at >= ENDED_SECONDS]:
        del _ended[stale]
    return found


async def _count(asked: list[_Asked], with_last_year: bool) -> list[TermFigures]:
    """Each school's figures, every area asked once for all the schools (their students are each school's own)."""
    rosters = await _rosters(asked)
    ids = [list(roster.seats) for roster in rosters]
    progress = await records.record_progress_of([(theirs, a.moment) for a, theirs in zip(asked, ids, strict=True)])
    visited = await visits.visited_between_of([(a.school_id, theirs, a.term.year_starts_on, a.as_of)
                                               for a, theirs in zip(asked, ids, strict=True)])
    cover = await screening.coverage_of([(a.school_id, theirs, a.term.school_year_id, a.term.number)
                                         for a, theirs in zip(asked, ids, strict=True)])
    at_risk = [{i for i in theirs if cover[i].group in NEEDS_A_CASE} for theirs in ids]
    care = await care_reports.care_among_of([(sorted(risk), a.moment) for a, risk in zip(asked, at_risk, strict=True)])
    referrals = await care_reports.referral_rows_of([(a.school_id, a.term.school_year_id, a.term.began_at(),
                                                      a.moment) for a in asked])
    trended = [a for a in asked if sees_risk_trend(a.viewer) and a.grades is None]
    risk = await behaviour_reports.risk_incidents_of({a.school_id: this_stretch(a.term, a.today) for a in trended})
    last_year: dict[int, int] = {}
    if with_last_year and trended:
        known = await schools.terms_of([a.school_id for a in trended])
        stretches = {a.school_id: stretch for a in trended
                     if (stretch := _last_year_stretch(last_year_of(known[a.school_id], a.term), a.term, a.as_of))}
        last_year = await behaviour_reports.risk_incidents_of(stretches)
    return [_figures(a, roster, set(theirs), progress, visited, cover, risky, care,
                     [row for row in referrals[a.school_id] if row["student"] in roster.seats],
                     risk.get(a.school_id), last_year.get(a.school_id))
            for a, roster, theirs, risky in zip(asked, rosters, ids, at_risk, strict=True)]


def _figures(a: _Asked, roster: _Roster, everyone: set[int], progress: records.RecordProgress, visited: set[int],
             cover: dict, at_risk: set[int], care: dict[str, set[int]], rows: list[dict], risk: int | None,
             last_year: int | None) -> TermFigures:
    """One school's figures from what the areas found (for all the schools asked: each set is cut to this one's)."""
    room_of = {student: seat.classroom_id for student, seat in roster.seats.items()}
    cover = {i: cover[i] for i in everyone}
    problem = {i for i in at_risk if cover[i].group == Group.problem.value}
    cases = care["cases"] & at_risk
    visited = visited & everyone
    # Each figure over students: (whom it counts, who has it).
    filed = {form: {i for i, c in cover.items() if form in c.forms} for form in (
        ("sdq", "student"), ("sdq", "teacher"), ("sdq", "parent"), ("eq", "student"))}
    counted: dict[str, tuple[set[int], set[int]]] = {
        "records": (everyone, set(progress.complete)),
        "visits": (everyone, visited),
        "sdq_student": (everyone, filed[("sdq", "student")]),
        "sdq_teacher": (everyone, filed[("sdq", "teacher")]),
        "sdq_parent": (everyone, filed[("sdq", "parent")]),
        "eq": (everyone, filed[("eq", "student")]),
        "screened": (everyone, {i for i, c in cover.items() if c.screened}),
        "confirmed": (everyone, {i for i, c in cover.items() if c.confirmed}),
        "cases": (at_risk, cases),
        "plans": (problem, care["plans"] & problem),
        "followed": (cases, care["followed"] & cases),
    }
    order = roster.order()
    behind: dict[str, list[int]] = {}
    totals: dict[str, Counter] = {}
    dones: dict[str, Counter] = {}
    for key, (whom, have) in counted.items():
        totals[key] = Counter(room_of[i] for i in whom)
        dones[key] = Counter(room_of[i] for i in whom & have)
        behind[key] = sorted(whom - have, key=order.__getitem__)
    totals["reported"] = Counter(room_of[row["student"]] for row in rows)
    dones["reported"] = Counter(room_of[row["student"]] for row in rows if row["reported_at"] is not None)
    behind["reported"] = [row["student"] for row in sorted(rows, key=lambda r: order[r["student"]])
                          if row["reported_at"] is None]
    for key in ("activities", "meetings"):
        behind[key] = [c["id"] for c in roster.classes if not c[key]]
    sizes = Counter(room_of.values())
    class_groups = Counter((room_of[i], c.group) for i, c in cover.items() if c.group)
    classes = []
    for c in roster.classes:
        measures = {key: Measure(key, dones[key][c["id"]], totals[key][c["id"]]) for key in totals}
        measures |= {key: Measure(key, int(bool(c[key])), 1) for key in ("activities", "meetings")}
        in_groups = {g.value: class_groups.get((c["id"], g.value), 0) for g in Group}
        classes.append(ClassFigures(c["id"], c["label"], c["grade"], sizes[c["id"]], measures,
                                    {**in_groups, "not_confirmed": sizes[c["id"]] - sum(in_groups.values())}))
    measures = {key: Measure(key, sum(c.measures[key].done for c in classes), sum(c.measures[key].total
                                                                                   for c in classes))
                for key in FIGURES}
    groups = Counter(c.group for c in cover.values() if c.group)
    screened_any = any(c.screened for c in cover.values())
    recorded = {
        "known": bool(progress.begun & everyone or visited),
        "screened": screened_any,
        "promotion": any(c["activities"] or c["meetings"] for c in roster.classes),
        "prevention": screened_any or bool(cases),
        "referral": bool(rows),
    }
    return TermFigures(
        term=a.term, as_of=a.as_of, whole_school=a.grades is None, students=len(everyone), measures=measures,
        classes=tuple(classes), recorded=recorded,
        groups={**{g.value: groups.get(g.value, 0) for g in Group},
                "not_confirmed": len(everyone) - sum(groups.values())},
        activities=sum(c["activities"] for c in roster.classes),
        referrals=care_reports.referral_counts(rows), risk_incidents=risk, risk_last_year=last_year, behind=behind)


def this_stretch(term: SchoolTerm, today: date) -> tuple[datetime, datetime]:
    """The stretch of a term the figures count behaviour over: from its start up to the moment they stand at."""
    return term.began_at(), term.moment(today) + timedelta(microseconds=1)


def _last_year_stretch(last: SchoolTerm | None, term: SchoolTerm, as_of: date) -> tuple[datetime, datetime] | None:
    if last is None:
        return None
    until = min(last.ends_on, last.starts_on + (as_of - term.starts_on))
    return last.began_at(), datetime.combine(until + timedelta(days=1), datetime.min.time(), clock.SCHOOL_TIME)


async def last_year_stretch(viewer: Viewer, term: SchoolTerm, as_of: date) -> tuple[datetime, datetime] | None:
    """The same term last year over as many days from its start as this term has run (a term under way is compared
    with the same weeks last year, not with a whole term); None when the school has no such term here."""
    return _last_year_stretch(await same_term_last_year(viewer, term), term, as_of)
