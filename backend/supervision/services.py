"""The school's targets for each term and the care committee's reflection on it (the PDCA "plan" and "act"), and the
director's overview: a term's figures with their targets, whether each is met, and the same term last year.

Targets are percentages from 0 to 100, one per figure that has one (TARGETS). A term with no targets of its own shows
the targets of the newest earlier term that has some, marked as carried over, until the executives confirm or change
them; the targets form of a term starts from those, beside what the committee said should change."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import date

from backend import clock, db
from backend.accounts.access import Viewer, sets_care_targets, sees_supervision, writes_care_reflection
from backend.i18n import N_
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.supervision import figures as figs
from backend.supervision import trends
from backend.supervision.figures import SupervisionError, TermFigures
from backend.supervision.tables import CareTarget, TermReflection

# Each target: the figure it is set on (a share of those the figure counts, in %), and one on the risk incidents: how
# many per cent fewer than in the same weeks of the same term last year.
TARGETS: dict[str, str] = {
    "records": N_("Records completed"),
    "visits": N_("Students visited at home"),
    "screened": N_("Students screened"),
    "confirmed": N_("Groups confirmed"),
    "activities": N_("Classes with a homeroom activity"),
    "meetings": N_("Classes that held a parents' meeting"),
    "cases": N_("Students at risk or with problems with a case"),
    "plans": N_("Students with problems with a help plan"),
    "followed": N_("Cases followed up this month"),
    "reported": N_("Referrals reported back"),
    "incidents_down": N_("Risk incidents fewer than the same term last year by"),
}
INCIDENTS_DOWN = "incidents_down"
MAX_TEXT = 3000


@dataclass(frozen=True)
class Targets:
    """The targets in force for a term: its own, or carried over from `set_for` (an earlier term) until confirmed."""

    term: SchoolTerm
    percent: dict[str, int]
    set_for: SchoolTerm | None  # the term they were set for; None: no targets yet

    @property
    def carried(self) -> bool:
        return self.set_for is not None and self.set_for.key != self.term.key


@dataclass(frozen=True)
class Check:
    """A figure against its target: the value (a share in %, or for risk incidents the fall in %), and whether it
    is met (None: nothing to judge it on, such as no student with problems, or no term last year to compare with)."""

    key: str
    target: int
    value: int | None
    met: bool | None


def check(targets: Targets, figures: TermFigures) -> dict[str, Check]:
    found = {}
    for key, target in targets.percent.items():
        if key == INCIDENTS_DOWN:
            this, last = figures.risk_incidents, figures.risk_last_year
            if this is None or not last:
                found[key] = Check(key, target, None, None)
                continue
            found[key] = Check(key, target, (last - this) * 100 // last, this * 100 <= last * (100 - target))
            continue
        measure = figures.measures[key]
        met = None if measure.total == 0 or not figures.recorded[figs.FIGURES[key].component] else (
            measure.done * 100 >= target * measure.total)
        found[key] = Check(key, target, measure.percent, met)
    return found


async def _term_rows(school_id: int) -> list[dict]:
    return await CareTarget.select(CareTarget.school_year, CareTarget.term, CareTarget.key, CareTarget.percent).where(
        CareTarget.school == school_id)


async def targets_for(viewer: Viewer, term: SchoolTerm) -> Targets:
    """The term's own targets, or else the newest earlier term's (two queries)."""
    rows = await _term_rows(viewer.school_id)
    known = {(t.school_year_id, t.number): t for t in await schools.school_terms(viewer.school_id)}
    by_term: dict[tuple[int, int], dict[str, int]] = {}
    for row in rows:
        if row["key"] in TARGETS:
            by_term.setdefault((row["school_year"], row["term"]), {})[row["key"]] = row["percent"]
    order = (term.year_be, term.number)
    earlier = sorted(((known[k], v) for k, v in by_term.items() if k in known
                      and (known[k].year_be, known[k].number) <= order),
                     key=lambda item: (item[0].year_be, item[0].number), reverse=True)
    if not earlier:
        return Targets(term, {}, None)
    set_for, percent = earlier[0]
    return Targets(term, {key: percent[key] for key in TARGETS if key in percent}, set_for)


def _percent(form: dict, key: str, errors: dict) -> int | None:
    text = str(form.get(key) or "").replace("\x00", "").replace("%", "").strip()
    if not text:
        return None
    try:
        value = float(text)  # Thai digits too
    except ValueError:
        value = math.nan
    if math.isnan(value):
        errors[key] = N_("Write a percentage from 0 to 100, or leave it empty for no target.")
        return None
    if value > 100:
        errors[key] = N_("A target cannot be above 100 %.")
    elif value < 0:
        errors[key] = N_("A target cannot be below 0 %.")
    elif value != int(value):
        errors[key] = N_("Write a whole number of per cent.")
    else:
        return int(value)
    return None


async def save_targets(viewer: Viewer, term: SchoolTerm, form: dict) -> dict[str, int]:
    """The term's targets as typed (a blank: no target on that figure); every field checked before anything is
    written, and a refused form keeps what was typed."""
    if not sets_care_targets(viewer):
        raise SupervisionError(N_("The school's targets are set by its executives."), status=403)
    errors: dict[str, str] = {}
    chosen = {key: value for key in TARGETS if (value := _percent(form, key, errors)) is not None}
    if errors:
        raise SupervisionError(N_("Some targets need fixing: see below."), errors=errors)
    if not chosen:
        raise SupervisionError(N_("Set at least one target."), errors={"records": N_("Set at least one target.")})
    moment = clock.now()
    async with db.transaction():
        await CareTarget.delete().where((CareTarget.school == viewer.school_id)
                                        & (CareTarget.school_year == term.school_year_id)
                                        & (CareTarget.term == term.number))
        await CareTarget.insert(*[CareTarget(school=viewer.school_id, school_year=term.school_year_id,
                                             term=term.number, key=key, percent=value, set_by=viewer.user_id,
                                             set_at=moment) for key, value in chosen.items()])
    return chosen


def _neighbours(known: list[SchoolTerm], term: SchoolTerm) -> tuple[SchoolTerm | None, SchoolTerm | None]:
    """The term before and the term after, in the school's terms (newest first)."""
    keys = [t.key for t in known]
    at = keys.index(term.key)
    return (known[at + 1] if at + 1 < len(known) else None), (known[at - 1] if at > 0 else None)


async def targets_page(viewer: Viewer, term_key: str) -> dict:
    """The targets form of a term (begun or not): pre-filled with the term's targets, or the newest earlier term's,
    beside what the committee said should change after the term before."""
    if not sets_care_targets(viewer):
        raise SupervisionError(N_("The school's targets are set by its executives."), status=403)
    term = await figs.find_term(viewer, term_key, begun=False)
    known = await schools.school_terms(viewer.school_id)
    before, after = _neighbours(known, term)
    return {"term": term, "targets": await targets_for(viewer, term), "before": before, "after": after,
            "begun": term.begun(clock.today()),
            "lesson": await reflection_of(viewer, before) if before else None,
            "terms": _targetable(known)}


def _targetable(known: list[SchoolTerm]) -> list[SchoolTerm]:
    """The terms whose targets can be chosen: those begun, and the next one to begin."""
    today = clock.today()
    waiting = [t for t in known if not t.begun(today)]
    return waiting[-1:] + [t for t in known if t.begun(today)]


async def reflection_page(viewer: Viewer, term_key: str) -> dict:
    if not writes_care_reflection(viewer):
        raise SupervisionError(N_("The reflection is written by the care committee: the executives and the "
                                  "counsellors."), status=403)
    term = await figs.find_term(viewer, term_key)
    _, after = _neighbours(await schools.school_terms(viewer.school_id), term)
    return {"term": term, "reflection": await reflection_of(viewer, term), "after": after,
            "terms": await figs.terms(viewer)}


# The care committee's reflection ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reflection:
    worked: str
    did_not: str
    changes: str
    written_by: str
    written_at: object


async def reflection_of(viewer: Viewer, term: SchoolTerm) -> Reflection | None:
    """The term's reflection as last written (read by those who see the figures)."""
    if not sees_supervision(viewer):
        raise SupervisionError(N_("The care committee's reflection is for the school's care committee."), status=403)
    row = await TermReflection.select(
        TermReflection.worked, TermReflection.did_not, TermReflection.changes, TermReflection.written_at,
        TermReflection.written_by.display_name.as_alias("written_by")).where(
        (TermReflection.school == viewer.school_id) & (TermReflection.school_year == term.school_year_id)
        & (TermReflection.term == term.number)).order_by(TermReflection.id, ascending=False).first()
    return Reflection(**{**row, "written_by": row["written_by"] or ""}) if row else None


def _text(form: dict, key: str) -> str:
    return str(form.get(key) or "").replace("\x00", "").strip()


async def save_reflection(viewer: Viewer, term: SchoolTerm, form: dict) -> None:
    if not writes_care_reflection(viewer):
        raise SupervisionError(N_("The reflection is written by the care committee: the executives and the "
                                  "counsellors."), status=403)
    texts = {key: _text(form, key) for key in ("worked", "did_not", "changes")}
    errors = {key: N_("At most %(n)s characters.") for key, text in texts.items() if len(text) > MAX_TEXT}
    if errors:
        raise SupervisionError(N_("Some answers are too long: see below."), errors=errors, n=MAX_TEXT)
    if not any(texts.values()):
        raise SupervisionError(N_("Write at least one of the three."), errors={"worked": N_(
            "Write at least one of the three.")})
    await TermReflection.insert(TermReflection(school=viewer.school_id, school_year=term.school_year_id,
                                               term=term.number, written_by=viewer.user_id,
                                               written_at=clock.now(), **texts))


# The director's overview -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """A term's figures with their targets and checks, the same term last year (None when the school has no such
    term here), attendance today (the current term only) and the risk-behaviour trend (those who see it)."""

    figures: TermFigures
    terms: list[SchoolTerm]
    current: bool
    targets: Targets
    checks: dict[str, Check]
    last_year: TermFigures | None
    attendance: trends.AttendanceToday | None
    trend: trends.RiskTrend | None
    reflection: Reflection | None
    today: date


async def _nothing() -> None:
    return None


async def overview(viewer: Viewer, term_key: str = "") -> Overview:
    term = await figs.find_term(viewer, term_key)
    known = await figs.terms(viewer)
    current = figs.current_of(known) == term
    last = await figs.same_term_last_year(viewer, term)
    # The two terms side by side: on PostgreSQL their queries overlap (SQLite answers one at a time either way).
    figures, last_year = await asyncio.gather(
        figs.for_term(viewer, term), figs.for_term(viewer, last, with_last_year=False) if last else _nothing())
    targets = await targets_for(viewer, term)
    return Overview(figures, known, current, targets, check(targets, figures), last_year,
                    await trends.attendance_today(viewer) if current else None, await trends.risk_trend(viewer, term),
                    # The committee's own words stay the school's: an area supervisor's pack carries counts only.
                    await reflection_of(viewer, term) if sees_supervision(viewer) else None, clock.today())
