"""The area view: an area supervisor's schools, each one's care system in numbers for a term (coverage per component
and per grade, attendance today, risk incidents against the same weeks last year) and, when it comes, its term report
pack. Counts only, never a student's name, a class's list or a record (accounts.access, "The area view").

Each school's figures are those of its director's page: supervision.figures counts them, with the Viewer
accounts.sessions.area_figures_viewer(s) makes of that school for a supervisor who oversees it. That Viewer is used
here for figures.for_term(s), terms, find_term and trends.attendance_today(_of) only, and never leaves this module.
Queries: a constant number however many schools are overseen and however big (the area page asks each area once for
all the schools, figures.for_terms), and one school's page the director's page's constant number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from backend.accounts.access import Permission, Viewer, oversees_school
from backend.accounts.sessions import area_figures_viewer, area_figures_viewers
from backend import clock
from backend.i18n import N_, _, format_date, format_term
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.supervision import figures as figs
from backend.supervision import trends
from backend.supervision.figures import FIGURES, Measure, SupervisionError, TermFigures

# The headline of each school on the area page: one figure per component's main measure.
HEADLINE = ("records", "visits", "screened", "confirmed", "activities", "meetings", "cases", "plans", "reported")
# A school's term report pack, the same as its care committee's (supervision.report), made with the school's
# aggregates-only viewer.
REPORT_PACK = "/area/schools/{school_id}/report"


class AreaError(SupervisionError):
    pass


@dataclass(frozen=True)
class GradeFigures:
    """A grade's measures: the sum of its classes' (counts only; the classes are not named on the area's pages)."""

    grade: str
    students: int
    measures: dict[str, Measure]


@dataclass(frozen=True)
class AreaSchool:
    """One overseen school: its figures for the term (None when it has no term begun), attendance today (the current
    term only) and the same term last year (None when the school has none here)."""

    id: int
    code: str
    name: str
    terms: list[SchoolTerm]
    figures: TermFigures | None
    last_year: TermFigures | None
    attendance: trends.AttendanceToday | None
    grades: list[GradeFigures]

    @property
    def report_pack(self) -> str:
        return REPORT_PACK.format(school_id=self.id)


def _not_overseen() -> AreaError:
    return AreaError(N_("This school is not one of the schools you oversee."), status=404)


def by_grade(figures: TermFigures) -> list[GradeFigures]:
    """The classes' measures added up per grade, in the classes' order."""
    done: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    students: dict[str, int] = defaultdict(int)
    for c in figures.classes:
        students[c.grade] += c.students
        for key, measure in c.measures.items():
            done[c.grade][key] += measure.done
            total[c.grade][key] += measure.total
    return [GradeFigures(grade, students[grade], {key: Measure(key, done[grade][key], total[grade][key])
                                                  for key in FIGURES}) for grade in students]


async def _school(viewer: Viewer, row: dict, term_key: str = "", details: bool = False) -> AreaSchool:
    scoped = await area_figures_viewer(viewer, row["id"])
    if scoped is None:
        raise _not_overseen()
    known = await figs.terms(scoped)
    if not known and not term_key:
        return AreaSchool(row["id"], row["code"], row["name"], [], None, None, None, [])
    term = await figs.find_term(scoped, term_key)
    current = figs.current_of(known) == term
    found = await figs.for_term(scoped, term)
    last_year = None
    if details:
        last = await figs.same_term_last_year(scoped, term)
        last_year = await figs.for_term(scoped, last, with_last_year=False) if last else None
    attendance = await trends.attendance_today(scoped) if current else None
    return AreaSchool(row["id"], row["code"], row["name"], known, found, last_year, attendance,
                      by_grade(found) if details else [])


async def overview(viewer: Viewer) -> list[AreaSchool]:
    """Every school the supervisor oversees, with its headline for its current term."""
    if not viewer.can(Permission.view_area):
        raise AreaError(N_("The area view is for area supervisors."), status=403)
    rows = await schools.names(viewer.area_school_ids)
    scoped = await area_figures_viewers(viewer, [row["id"] for row in rows])
    known = await figs.terms_of(list(scoped.values()))
    current = {school_id: term for school_id, terms in known.items() if (term := figs.current_of(terms))}
    counted = await figs.for_terms([(scoped[school_id], term) for school_id, term in current.items()])
    found = dict(zip(current, counted, strict=True))
    attendance = await trends.attendance_today_of([scoped[school_id] for school_id in current])
    return [AreaSchool(row["id"], row["code"], row["name"], known.get(row["id"], []), found.get(row["id"]), None,
                       attendance.get(row["id"]), []) for row in rows]


@dataclass(frozen=True)
class AreaTotal:
    """The overseen schools added up: each figure over the schools that record it (a school that has not begun
    home visits does not count its students as not visited); risk incidents over those that report them."""

    schools: int
    students: int
    measures: dict[str, Measure]
    risk_incidents: int | None
    risk_last_year: int | None


def area_total(schools: list[AreaSchool]) -> AreaTotal:
    counted = [s.figures for s in schools if s.figures is not None and s.figures.has_data]
    measures = {}
    for key in HEADLINE:
        recording = [f.measures[key] for f in counted if f.recorded[FIGURES[key].component]]
        measures[key] = Measure(key, sum(m.done for m in recording), sum(m.total for m in recording))

    def added(values: list[int | None]) -> int | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    return AreaTotal(len(counted), sum(f.students for f in counted), measures,
                     added([f.risk_incidents for f in counted]), added([f.risk_last_year for f in counted]))


def side_by_side(schools: list[AreaSchool], total: AreaTotal):
    """The area page's table as a workbook for the area office's own files (supervision.report.xlsx draws it): a row
    a school with its term, each figure as done, of and share, then the schools added up."""
    from backend.supervision.report import Block, Report, Section, Share

    def share(m: Measure):
        return Share(m.done, m.total, m.percent)

    def shown(value: int | None):
        return "–" if value is None else value

    none = ["–"] * len(HEADLINE)
    rows = []
    for s in schools:
        f = s.figures
        if f is None or not f.has_data:
            term = "–" if f is None else format_term(f.term.year_be, f.term.number)
            rows.append([s.name, term, "–" if f is None else f.students, *none, "–", "–"])
            continue
        figures = [share(f.measures[key]) if f.recorded[FIGURES[key].component] else "–" for key in HEADLINE]
        rows.append([s.name, format_term(f.term.year_be, f.term.number), f.students, *figures,
                     shown(f.risk_incidents), shown(f.risk_last_year)])
    if total.schools > 1:
        rows.append([_("All %(n)s schools", n=total.schools), "", total.students,
                     *(share(total.measures[key]) for key in HEADLINE), shown(total.risk_incidents),
                     shown(total.risk_last_year)])
    header = [_("School"), _("Term"), _("Students"), *(_(FIGURES[key].short) for key in HEADLINE),
              _("Risk incidents"), _("Same weeks last year")]
    table = Block("table", header=header, rows=rows, figures=tuple(range(3, 3 + len(HEADLINE))))
    today = clock.today()
    made = format_date(today, long=True, weekday=False)
    title = _("Schools overseen")
    return Report(title, "", f"area-{today.isoformat()}", made, made, bool(total.schools),
                  [Section(title, title, [table])])


async def school(viewer: Viewer, school_id: int, term_key: str = "") -> AreaSchool:
    """One overseen school's figures per component and per grade for a term ("" for its current term), beside the
    same term last year; a school not overseen is refused as not found, whether it exists or not."""
    if not oversees_school(viewer, school_id):
        raise _not_overseen()
    rows = await schools.names([school_id])
    if not rows:
        raise _not_overseen()
    return await _school(viewer, rows[0], term_key, details=True)


async def report_pack(viewer: Viewer, school_id: int, term_key: str = "", year: str = ""):
    """An overseen school's term report pack, or with `year` its school year's, as its care committee makes it
    (supervision.report.build, supervision.year_report.build)."""
    from backend.supervision import report, year_report

    if not oversees_school(viewer, school_id):
        raise _not_overseen()
    scoped = await area_figures_viewer(viewer, school_id)
    if scoped is None:
        raise _not_overseen()
    return await (year_report.build(scoped, year) if year else report.build(scoped, term_key))
