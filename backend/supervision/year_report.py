"""The school year's report pack (รายงานผลการดำเนินงานระบบดูแลช่วยเหลือนักเรียน ประจำปีการศึกษา): both terms of a
Thai school year in one pack, in Thai on A4, as PDF and XLSX, for the care committee to file and the area office.

Each term's figures are its director's page's own (services.overview: figures, targets and their checks, the same
term last year), set side by side; the year's end is its last term begun. It holds, as the term pack does
(supervision.report, whose sections and drawing it reuses): each component's figures in term 1 and term 2 with their
targets and whether each was met, beside the same term last year as the year's end; the groups by grade at the
year's end screening; behaviour by category over the year against as many days of last year; the cases opened in the
year and their outcomes, the referrals of each term; both terms' parents' surveys; a page per classroom with its two
terms. A term not begun yet is said to have no data yet, never shown as zeros.

- build(viewer, year) -> report.Report (year "2569"); report.to_pdf / to_xlsx / pdf / xlsx draw it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backend import clock
from backend.accounts import services as accounts
from backend.accounts.access import Viewer, reads_school_survey, school_of, sees_risk_trend, sees_supervision
from backend.behaviour import reports as behaviour_reports
from backend.care import reports as care_reports
from backend.care.tables import REFERRAL_LABELS, ReferralStatus
from backend.i18n import N_, format_date, gettext as _
from backend.schools import services as schools
from backend.schools.services import SchoolTerm
from backend.supervision import figures as figs
from backend.supervision import services
from backend.supervision.figures import SupervisionError
from backend.supervision.report import (CONTENTS, NO_DATA, REPORTED_ANY, ROUNDING, TITLE, Block, Cell, Report,
                                        Section, Share, case_blocks, check_maker, class_groups, class_head,
                                        class_section, groups_section, met, percent, reflection_section, risk_line,
                                        students_line, survey_section)
from backend.survey import services as survey

TERMS = (1, 2)  # a Thai school year's two terms
YEAR_CONTENTS = (N_("Coverage of each component in term 1 and term 2, with their targets and last year"),
                 N_("Screening groups by grade at the year's end"),
                 N_("Behaviour by category over the year against last year"),
                 N_("Cases and referrals of the year and their outcomes"), N_("Parents' satisfaction in each term"),
                 CONTENTS[5], N_("The care committee's reflection on each term, and signatures"))


def year_name(year_be: int) -> str:
    return _("School year %(year)s", year=year_be)


def cell(measure: figs.Measure) -> Share:
    """A figure as the director's page writes it: 4/9 · 44 % (three numbers in the workbook)."""
    return Share(measure.done, measure.total, measure.percent)


async def _year_terms(viewer: Viewer, year: str) -> tuple[int, list[SchoolTerm], list[SchoolTerm]]:
    """The year (B.E.), its terms and those of them begun; refused for a year the school does not have or has not
    begun."""
    year_be = int(year) if year.strip().isdigit() else 0
    known = sorted((t for t in await schools.school_terms(viewer.school_id) if t.year_be == year_be),
                   key=lambda t: t.number)
    if not known:
        raise SupervisionError(N_("The school has no school year %(year)s: choose one of its years."), status=404,
                               year=year.strip()[:8])
    begun = [t for t in known if t.begun(clock.today())]
    if not begun:
        raise SupervisionError(N_("School year %(year)s has no term begun yet: there are no figures to report."),
                               status=404, year=year_be)
    return year_be, known, begun


async def build(viewer: Viewer, year: str) -> Report:
    check_maker(viewer)
    year_be, known, begun = await _year_terms(viewer, year)
    found = {t.number: await services.overview(viewer, t.key) for t in begun}
    end = found[begun[-1].number]
    waiting = [t for t in known if t.number not in found]
    school = await school_of(viewer)
    today = clock.today()
    # Until the year's last term is over, its groups stand as on the figures' day, not "at the year's end".
    day = None if today > known[-1].ends_on else format_date(end.figures.as_of, long=True, weekday=False)
    contents = _contents(day)
    sections = [_cover(found, waiting, school["name"], year_be, contents), _coverage(found, waiting),
                _groups(end, contents[1], day)]
    first = found[begun[0].number].figures.term
    stretch = (first.began_at(), figs.this_stretch(end.figures.term, today)[1])
    if sees_risk_trend(viewer):
        last = await _last_year_stretch(viewer, year_be, first, end.figures.as_of)
        categories = await behaviour_reports.by_category_between(viewer.school_id, stretch, last)
        sections.append(_behaviour(found, categories, last is not None))
    else:
        sections.append(Section(_(YEAR_CONTENTS[2]), _("Behaviour"), [Block("text", _(
            "Left out: you do not see the school's behaviour figures."))]))
    cases = await care_reports.cases_opened(viewer.school_id, first.school_year_id, *stretch)
    sections.append(_cases(found, cases))
    for number, overview in found.items():
        title = _("Parents' satisfaction, term %(n)s", n=number)
        if reads_school_survey(viewer):
            term = overview.figures.term
            sections.append(survey_section(await survey.of_term(viewer, term.school_year_id, number), title))
        else:
            sections.append(Section(title, _("Parents' survey"), [Block("text", _(
                "Left out: the parents' survey results are read by the executives."))], new_page=True))
    classes = list(end.figures.classes) + [c for o in found.values() for c in o.figures.classes
                                           if c.id not in {e.id for e in end.figures.classes}]
    teachers = await accounts.homeroom_teachers_of([c.id for c in classes])
    sections += [_classroom(c, teachers.get(c.id, []), found, day) for c in classes]
    sections.append(reflection_section(_(YEAR_CONTENTS[6]), [(_("Term %(n)s", n=n), o.reflection)
                                                             for n, o in found.items()],
                                       sees_supervision(viewer), school["name"]))
    return Report(school["name"], year_name(year_be), str(year_be),
                  format_date(end.figures.as_of, long=True, weekday=False),
                  format_date(today, long=True, weekday=False),
                  any(o.figures.has_data for o in found.values()), sections, year=True,
                  notes=[_waiting_line(t) for t in waiting], code=school["code"], contents=contents)


async def _last_year_stretch(viewer: Viewer, year_be: int, first: SchoolTerm, as_of) -> tuple | None:
    """Last school year from its first term's first day over as many days as this year has run (to its last term's
    end at most); None when the school has no last year here."""
    last = sorted((t for t in await schools.school_terms(viewer.school_id) if t.year_be == year_be - 1),
                  key=lambda t: t.number)
    if not last:
        return None
    until = min(last[-1].ends_on, last[0].starts_on + (as_of - first.starts_on))
    return last[0].began_at(), datetime.combine(until + timedelta(days=1), datetime.min.time(), clock.SCHOOL_TIME)


def _waiting_line(term: SchoolTerm) -> str:
    return _("Term %(n)s has no data yet: it begins on %(day)s.", n=term.number,
             day=format_date(term.starts_on, long=True, weekday=False))


def _contents(day: str | None) -> list[str]:
    """The pack's parts, in the reader's language; `day`: the year is not over, its groups stand as on that day."""
    titles = [_(title) for title in YEAR_CONTENTS]
    if day:
        titles[1] = _("Screening groups by grade as on %(day)s", day=day)
    return titles


def _cover(found: dict[int, services.Overview], waiting: list[SchoolTerm], school: str, year_be: int,
           contents: list[str]) -> Section:
    end = list(found.values())[-1].figures
    blocks = [Block("caption", school), Block("caption", year_name(year_be)),
              Block("text", _("Figures as on %(day)s", day=format_date(end.as_of, long=True, weekday=False))),
              Block("text", _("Made on %(day)s", day=format_date(clock.today(), long=True, weekday=False))),
              Block("text", students_line(end.students))]
    for number, overview in found.items():
        f = overview.figures
        if not f.has_data:
            blocks.append(Block("caption", _("Nothing was recorded in term %(term)s: there are no figures to show "
                                             "for it.", term=f"{number}/{year_be}")))
        if overview.targets.carried:
            blocks.append(Block("text", _("Targets of term %(n)s carried over from term %(term)s.", n=number,
                                          term=f"{overview.targets.set_for.number}/"
                                               f"{overview.targets.set_for.year_be}")))
    blocks += [Block("caption", _waiting_line(t)) for t in waiting]
    blocks.append(Block("caption", _("Contents")))
    blocks += [Block("text", f"{n}. {title}") for n, title in enumerate(contents, start=1)]
    return Section(_(TITLE), _("Summary"), blocks)


def _coverage(found: dict[int, services.Overview], waiting: list[SchoolTerm]) -> Section:
    """Each figure in term 1 and term 2, each with its target and whether it was met, and the same term last year
    as the year's end (its last term begun)."""
    end = list(found.values())[-1]
    last_year = end.last_year
    header = [_("Figure")]
    for number in TERMS:
        header += [_("Term %(n)s", n=number), _("Target"), _("Target met")]
    header.append(_("Last year"))
    blocks = [Block("text", _waiting_line(t)) for t in waiting]
    for number, component in enumerate(figs.COMPONENTS, start=1):
        blocks.append(Block("caption", f"{number}. {_(figs.COMPONENT_LABELS[component])}"))
        rows = []
        for key, figure in figs.FIGURES.items():
            if figure.component != component:
                continue
            row: list[Cell] = [_(figure.label)]
            for term in TERMS:
                overview = found.get(term)
                if overview is None:
                    row += ["–", "–", "–"]
                    continue
                check = overview.checks.get(key)
                shown = cell(overview.figures.measures[key]) if overview.figures.recorded[component] else _(NO_DATA)
                row += [shown, percent(check.target) if check else "–", met(check)]
            before = last_year.measures[key] if last_year and last_year.recorded[component] else None
            row.append(percent(before.percent) if before and before.percent is not None else _(NO_DATA))
            rows.append(row)
        if component == "promotion":
            blocks.append(Block("text", " · ".join(_("Homeroom activities recorded in term %(term)s: %(n)s",
                                                     term=t, n=o.figures.activities) for t, o in found.items())))
        blocks.append(Block("table", header=header, rows=rows, widths=[38, 25, 16, 20, 25, 16, 20, 20],
                            figures=(1, 4)))
    term = end.figures.term
    blocks.append(Block("text", _("The “Last year” column is term %(n)s of school year %(last)s, beside term %(n)s "
                                  "of school year %(year)s.", n=term.number, last=term.year_be - 1, year=term.year_be)))
    blocks.append(Block("text", _(ROUNDING)))
    return Section(_(YEAR_CONTENTS[0]), _("Summary"), blocks, new_page=True)


def _groups(end: services.Overview, title: str, day: str | None) -> Section:
    f = end.figures
    section = groups_section(f, _("Groups confirmed by the homeroom teachers as on %(day)s: term %(n)s.", day=day,
                                  n=f.term.number) if day else
                             _("Groups confirmed by the homeroom teachers at the year's end: term %(n)s.",
                               n=f.term.number))
    section.title = title
    return section


def _behaviour(found: dict[int, services.Overview], categories: list[dict], has_last: bool) -> Section:
    blocks = [Block("text", risk_line(o, _("Risk incidents in term %(n)s: %(count)s", n=n,
                                         count=o.figures.risk_incidents))) for n, o in found.items()]
    if not categories:
        blocks.append(Block("text", _("No incident was recorded this school year.")))
    else:
        rows = [[c["name"], _("yes") if c["serious"] else "", c["this"], _(NO_DATA) if c["last"] is None
                 else c["last"]] for c in categories]
        blocks.append(Block("table", header=[_("Category"), _("Risk behaviour"), _("This school year"),
                                             _("Last school year")], rows=rows, widths=[3, 1.2, 1.2, 1.6]))
        blocks.append(Block("text", _("Incidents not voided, from the first day of term 1 to the day the figures "
                                      "stand at, and over as many days of last school year.") if has_last else
                            _("Incidents not voided, from the first day of term 1 to the day the figures stand at; "
                              "the school has no last school year here.")))
    return Section(_(YEAR_CONTENTS[2]), _("Behaviour"), blocks, new_page=True)


def _cases(found: dict[int, services.Overview], cases: dict) -> Section:
    blocks = case_blocks(cases, _("Care cases opened this school year"))
    blocks.append(Block("caption", _("Referrals sent in each term")))
    numbers = list(found)
    rows: list[list[str | int]] = []
    for status in ReferralStatus:
        counts = [sum(found[n].figures.referrals["by_status"][status.value].values()) for n in numbers]
        rows.append([_(REFERRAL_LABELS[status]), *counts, sum(counts)])
    for label, key in ((_("All referrals"), "total"), (_(REPORTED_ANY), "reported")):
        counts = [found[n].figures.referrals[key] for n in numbers]
        rows.append([label, *counts, sum(counts)])
    blocks.append(Block("table", header=[_("Status now"), *(_("Term %(n)s", n=n) for n in numbers), _("Both terms")],
                        rows=rows, widths=[3] + [1] * (len(numbers) + 1)))
    return Section(_(YEAR_CONTENTS[3]), _("Cases and referrals"), blocks, new_page=True)


def _classroom(c: figs.ClassFigures, teachers: list[str], found: dict[int, services.Overview],
               day: str | None) -> Section:
    blocks = class_head(c, teachers)
    of_term = {n: {k.id: k for k in o.figures.classes} for n, o in found.items()}
    rows = []
    for key, figure in figs.FIGURES.items():
        row = [_(figure.label)]
        for number in TERMS:
            room = of_term.get(number, {}).get(c.id)
            if room is None:
                row.append("–")
            elif not found[number].figures.recorded[figure.component]:
                row.append(_(NO_DATA))
            else:
                row.append(cell(room.measures[key]))
        rows.append(row)
    blocks.append(Block("table", header=[_("Figure"), *(_("Term %(n)s", n=n) for n in TERMS)], rows=rows,
                        widths=[4, 1.5, 1.5], figures=(1, 2)))
    blocks.append(Block("text", _("Groups as on %(day)s:", day=day) if day else _("Groups at the year's end:")))
    blocks.append(class_groups(c))
    return class_section(c, blocks, teachers)
