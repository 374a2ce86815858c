"""The care system in numbers, for a school (or the grades a grade-level head heads) and a term: the five components
of the Thai student care system, attendance today and the risk-behaviour trend, each homeroom's progress, and the
students behind every figure. The director's page, the per-teacher page and the term report pack all read these
functions, so they always agree.

Every figure is counted by the area that keeps it, through its services (supervision reads no other area's tables):
the students are those enrolled on the day the figures stand at (students.enrolment.rosters), today in a term under
way and its last day once it is over; then records.record_progress, visits.visited_between, screening.coverage,
care.reports.care_among and referral_rows, promotion.held_in_term, attendance, behaviour.reports. A constant number of
queries however big the school (whole-school IN lists, GROUP BY).

The API, for pages and reports:
- terms(viewer) -> list[SchoolTerm]; find_term(viewer, key) -> SchoolTerm ("2569-2"; "" for the current term);
  same_term_last_year(viewer, term)
- for_term(viewer, term) -> TermFigures (measures by figure key, per class, referrals, risk incidents)
- students_behind(viewer, key, term, classroom_id) -> Behind (the students or classes a figure has still to reach)
- attendance_today(viewer) -> AttendanceToday | None; risk_trend(viewer, term) -> RiskTrend | None
- homerooms(viewer, term) -> (TermFigures, list[HomeroomProgress]) (each homeroom's progress, in class order)
- forget(): the figures of terms that are over are remembered ten minutes per process; this clears them
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from backend import clock
from backend.accounts import services as accounts
from backend.accounts.access import (Viewer, counts_figures, sees_figure_names, sees_risk_trend,
                                     sees_supervision, supervision_rooms)
from backend.attendance import services as attendance
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

LIST_LIMIT = 100  # students listed behind a figure; the page says how many more (a phone page, however big the school)
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
        """Rounded down, so that 99.6 % is not shown as a 100 % that is not there; None when there is nothing to
        count."""
        return self.done * 100 // self.total if self.total else None

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


def _check(viewer: Viewer, names: bool = False) -> None:
    """The figures: for those who see the supervision pages, and for an area supervisor's view of a school (counts
    only); `names`: what lists students or teachers by name, for the former alone."""
    if not (sees_supervision(viewer) if names else counts_figures(viewer)):
        raise SupervisionError(N_("The care system's figures are for the school's executives, counsellors and "
                                  "grade-level heads."), status=403)


async def terms(viewer: Viewer) -> list[SchoolTerm]:
    """The school's terms that have begun, newest first: those the figures can be asked of."""
    today = clock.today()
    return [term for term in await schools.school_terms(viewer.school_id) if term.begun(today)]


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


async def same_term_last_year(viewer: Viewer, term: SchoolTerm) -> SchoolTerm | None:
    return next((t for t in await schools.school_terms(viewer.school_id)
                 if t.year_be == term.year_be - 1 and t.number == term.number), None)


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


async def _roster(viewer: Viewer, term: SchoolTerm, grades: set[str] | None, as_of: date) -> _Roster:
    classes = await promotion.held_in_term(viewer.school_id, term.school_year_id, term.number)
    if grades is not None:
        classes = [c for c in classes if c["grade"] in grades]
    return _Roster(classes, await enrolment.seats(viewer.school_id, as_of, [c["id"] for c in classes]))


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
    _check(viewer)
    grades = await _scope_grades(viewer)
    today = clock.today()
    key = (viewer.school_id, term.key, frozenset(grades) if grades is not None else None, with_last_year,
           sees_risk_trend(viewer), today)
    if term.ends_on < today:
        kept = _ended.get(key)
        if kept and time.monotonic() - kept[0] < ENDED_SECONDS:
            return kept[1]
    found = await _count(viewer, term, grades, today, with_last_year)
    if term.ends_on < today:
        moment = time.monotonic()
        for stale in [k for k, (at, _) in _ended.items() if moment - at >= ENDED_SECONDS]:
            del _ended[stale]
        _ended[key] = (moment, found)
    return found


async def _count(viewer: Viewer, term: SchoolTerm, grades: set[str] | None, today: date,
                 with_last_year: bool) -> TermFigures:
    as_of, moment = term.as_of(today), term.moment(today)
    roster = await _roster(viewer, term, grades, as_of)
    room_of = {student: seat.classroom_id for student, seat in roster.seats.items()}
    ids = list(room_of)
    progress = await records.record_progress(ids, moment)
    visited = await visits.visited_between(viewer.school_id, ids, term.year_starts_on, as_of)
    cover = await screening.coverage(viewer.school_id, ids, term.school_year_id, term.number)
    at_risk = {i for i, c in cover.items() if c.group in NEEDS_A_CASE}
    problem = {i for i in at_risk if cover[i].group == Group.problem.value}
    care = await care_reports.care_among(sorted(at_risk), moment)
    cases = care["cases"] & at_risk
    rows = [row for row in await care_reports.referral_rows(viewer.school_id, term.school_year_id, term.began_at(),
                                                            moment) if row["student"] in room_of]
    # Each figure over students: (whom it counts, who has it).
    everyone = set(ids)
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
        "known": bool(progress.begun or visited),
        "screened": screened_any,
        "promotion": any(c["activities"] or c["meetings"] for c in roster.classes),
        "prevention": screened_any or bool(care["cases"]),
        "referral": bool(rows),
    }
    risk = last_year = None
    if sees_risk_trend(viewer) and grades is None:
        risk = await behaviour_reports.risk_incidents_between(viewer.school_id, *this_stretch(term, today))
        if with_last_year:
            last_year = await _risk_same_stretch_last_year(viewer, term, as_of)
    return TermFigures(
        term=term, as_of=as_of, whole_school=grades is None, students=len(ids), measures=measures,
        classes=tuple(classes), recorded=recorded,
        groups={**{g.value: groups.get(g.value, 0) for g in Group}, "not_confirmed": len(ids) - sum(groups.values())},
        activities=sum(c["activities"] for c in roster.classes),
        referrals=care_reports.referral_counts(rows), risk_incidents=risk, risk_last_year=last_year, behind=behind)


def this_stretch(term: SchoolTerm, today: date) -> tuple[datetime, datetime]:
    """The stretch of a term the figures count behaviour over: from its start up to the moment they stand at."""
    return term.began_at(), term.moment(today) + timedelta(microseconds=1)


async def last_year_stretch(viewer: Viewer, term: SchoolTerm, as_of: date) -> tuple[datetime, datetime] | None:
    """The same term last year over as many days from its start as this term has run (a term under way is compared
    with the same weeks last year, not with a whole term); None when the school has no such term here."""
    last = await same_term_last_year(viewer, term)
    if last is None:
        return None
    until = min(last.ends_on, last.starts_on + (as_of - term.starts_on))
    return last.began_at(), datetime.combine(until + timedelta(days=1), datetime.min.time(), clock.SCHOOL_TIME)


async def _risk_same_stretch_last_year(viewer: Viewer, term: SchoolTerm, as_of: date) -> int | None:
    """Risk incidents of the same stretch of the same term last year."""
    stretch = await last_year_stretch(viewer, term, as_of)
    if stretch is None:
        return None
    return await behaviour_reports.risk_incidents_between(viewer.school_id, *stretch)


# The students behind a figure ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Behind:
    """What a figure has still to reach, for the school or one class: each class's count, and the students (or, for
    promotion, the classes) by name as far as the viewer may see them; the first LIST_LIMIT, with how many more."""

    figure: Figure
    term: SchoolTerm
    as_of: date
    classroom: ClassFigures | None
    classes: tuple[ClassFigures, ...]
    students: list[dict]  # id, name, number, classroom, label
    total: int  # all the figure's gap in the school or class
    hidden: int  # of them, in classes whose names this viewer does not see
    gap_classes: list[ClassFigures]  # promotion's figures: the classes still to reach

    @property
    def more(self) -> int:
        return self.total - self.hidden - len(self.students)


async def students_behind(viewer: Viewer, key: str, term: SchoolTerm, classroom_id: int | None = None) -> Behind:
    _check(viewer, names=True)
    figure = FIGURES.get(key)
    if figure is None:
        raise SupervisionError(N_("No such figure."), status=404)
    figures = await for_term(viewer, term, with_last_year=False)
    classes = {c.id: c for c in figures.classes}
    room = None
    if classroom_id is not None:
        room = classes.get(classroom_id)
        if room is None:
            raise SupervisionError(N_("No such class among those whose figures you see."), status=404)
    gap = figures.behind[key]
    if figure.unit == "classes":
        chosen = [classes[i] for i in gap if room is None or i == room.id]
        return Behind(figure, term, figures.as_of, room, figures.classes, [], len(chosen), 0, chosen)
    roster = await enrolment.rosters(viewer.school_id, figures.as_of, [room.id] if room else list(classes))
    entry_of = {e.student_id: e for entries in roster.values() for e in entries}
    named = {c.id for c in figures.classes if sees_figure_names(
        viewer, figure.area, {"id": c.id, "school": viewer.school_id})}
    wanted = [entry_of[i] for i in gap if i in entry_of]
    shown = [e for e in wanted if e.classroom_id in named]
    students = [{"id": e.student_id, "name": e.name, "number": e.number, "classroom": e.classroom_id,
                 "label": classes[e.classroom_id].label} for e in shown[:LIST_LIMIT]]
    return Behind(figure, term, figures.as_of, room, figures.classes, students, len(wanted),
                  len(wanted) - len(shown), [])


# Beside the components: attendance today and the risk-behaviour trend ---------------------------------------------


@dataclass(frozen=True)
class AttendanceToday:
    day: date
    students: int
    present: int
    late: int
    absent: int
    leave: int
    rooms: int
    not_taken: int  # homerooms whose register is not taken yet (none on a closed day)
    closed: bool


async def attendance_today(viewer: Viewer) -> AttendanceToday:
    """Today's morning registers of the school (or the grades headed), from attendance.school_today."""
    _check(viewer)
    today = clock.today()
    found = await attendance.school_today(viewer, today)
    rooms = supervision_rooms(viewer)
    shown = [r for r in found["rooms"] if rooms is None or r["id"] in rooms]
    not_taken = {r["id"] for r in found["not_taken"]}
    return AttendanceToday(
        day=today, students=sum(r["students"] for r in shown), present=sum(r["present"] for r in shown),
        late=sum(r["late"] for r in shown), absent=sum(r["absent"] for r in shown),
        leave=sum(r["sick_leave"] + r["personal_leave"] for r in shown), rooms=len(shown),
        not_taken=sum(1 for r in shown if r["id"] in not_taken), closed=found["closed"] is not None)


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM" of the term's school year
    this: int | None  # None: a month still to come
    last: int | None  # None: no school year before it here


@dataclass(frozen=True)
class RiskTrend:
    """Risk incidents month by month over the term's school year, against the year before."""

    year_be: int
    months: list[MonthCount]
    has_last: bool

    @property
    def peak(self) -> int:
        return max([1, *(m.this or 0 for m in self.months), *(m.last or 0 for m in self.months)])


async def risk_trend(viewer: Viewer, term: SchoolTerm) -> RiskTrend | None:
    """None for those who do not see the school's behaviour trend."""
    _check(viewer)
    if not sees_risk_trend(viewer):
        return None
    years = {t.year_be: t.school_year_id for t in await schools.school_terms(viewer.school_id)}
    last_id = years.get(term.year_be - 1)
    counts = await behaviour_reports.risk_incidents_by_month(
        viewer.school_id, [term.school_year_id, *([last_id] if last_id else [])])
    this_months = behaviour_reports.school_year_months(term.year_be)
    last_months = behaviour_reports.school_year_months(term.year_be - 1)
    now_month = clock.today().strftime("%Y-%m")
    months = [MonthCount(month, None if month > now_month else counts.get((term.school_year_id, month), 0),
                         counts.get((last_id, last_month), 0) if last_id else None)
              for month, last_month in zip(this_months, last_months, strict=True)]
    return RiskTrend(term.year_be, months, last_id is not None)


# Each homeroom teacher's progress ------------------------------------------------------------------------------------

HOMEROOM_FIGURES = ("visits", "screened", "confirmed", "cases", "meetings")


@dataclass(frozen=True)
class HomeroomProgress:
    """A homeroom in a term: its teachers, its registers taken on the school days so far, and its progress in the
    figures of HOMEROOM_FIGURES. In class order: where to lend a hand, not a ranking."""

    classroom: ClassFigures
    teachers: list[str]
    registers: Measure

    @property
    def still_to_do(self) -> list[tuple[str, int]]:
        """What is left in the term, as (what, how many): school days without a register, students to visit, to
        screen, groups to confirm, students at risk or with problems without a case, and the parents' meeting."""
        measures = self.classroom.measures
        left = [("registers", self.registers.gap)] + [(key, measures[key].gap) for key in (
            "visits", "screened", "confirmed", "cases")] + [("meetings", 0 if measures["meetings"].done else 1)]
        return [(what, n) for what, n in left if n]


async def homerooms(viewer: Viewer, term: SchoolTerm) -> tuple[TermFigures, list[HomeroomProgress]]:
    _check(viewer, names=True)
    figures = await for_term(viewer, term, with_last_year=False)
    teachers = await accounts.homeroom_teachers(viewer.school_id, term.school_year_id)
    ids = [c.id for c in figures.classes]
    taken = await attendance.registers_taken(viewer.school_id, ids, term.starts_on, figures.as_of)
    return figures, [HomeroomProgress(c, [t["name"] for t in teachers.get(c.id, []) if t["active"]],
                                      Measure("registers", min(taken.taken.get(c.id, 0), taken.school_days),
                                              taken.school_days))
                     for c in figures.classes]
