"""Beside the care system's five components: each school's attendance today, and the risk-behaviour trend month by
month against last year (the director's page and the area view; counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend import clock
from backend.accounts.access import Viewer, sees_risk_trend, supervision_rooms
from backend.attendance import services as attendance
from backend.behaviour import reports as behaviour_reports
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.supervision.figures import check_viewer



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
    return (await attendance_today_of([viewer]))[viewer.school_id]


async def attendance_today_of(viewers: list[Viewer]) -> dict[int, AttendanceToday]:
    """attendance_today() of each viewer's school (an area supervisor's schools), by school: the same queries
    however many."""
    for viewer in viewers:
        check_viewer(viewer)
    today = clock.today()
    found = await attendance.schools_today({v.school_id: v.school_year_id for v in viewers}, today)
    return {v.school_id: _attendance(v, found[v.school_id], today) for v in viewers}


def _attendance(viewer: Viewer, found: dict, today: date) -> AttendanceToday:
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
    check_viewer(viewer)
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
