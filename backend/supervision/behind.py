"""Who is behind the care system's figures, by name, for those who see the supervision pages (never an area
supervisor's view of a school): the students (or classes) a figure has still to reach, and each homeroom's progress
with its teachers. Both are built from supervision.figures' counts, so a list always matches its figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.accounts import services as accounts
from backend.accounts.access import Viewer, sees_figure_names
from backend.attendance import services as attendance
from backend.i18n import N_
from backend.schools.services import SchoolTerm
from backend.students import enrolment
from backend.supervision.figures import (FIGURES, ClassFigures, Figure, Measure, SupervisionError, TermFigures,
                                         check_viewer, for_term)

LIST_LIMIT = 100  # students listed behind a figure; the page says how many more (a phone page, however big the school)


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
    check_viewer(viewer, names=True)
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
    check_viewer(viewer, names=True)
    figures = await for_term(viewer, term, with_last_year=False)
    teachers = await accounts.homeroom_teachers(viewer.school_id, term.school_year_id)
    ids = [c.id for c in figures.classes]
    taken = await attendance.registers_taken(viewer.school_id, ids, term.starts_on, figures.as_of)
    return figures, [HomeroomProgress(c, [t["name"] for t in teachers.get(c.id, []) if t["active"]],
                                      Measure("registers", min(taken.taken.get(c.id, 0), taken.school_days),
                                              taken.school_days))
                     for c in figures.classes]
