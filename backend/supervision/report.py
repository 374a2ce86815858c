"""The term's report pack (the PDCA "check"): the school's care system for a term in Thai on A4, as PDF and as XLSX,
for the care committee to file and send to the area office.

Its figures are the director's page's own: services.overview (figures.for_term with the targets, their checks and
the same term last year), and beside them the areas' counts for the same term (behaviour.reports.by_category_between
over the stretch figures counts risk incidents over, care.reports.cases_opened, survey.of_term). The report is built
once as sections of sentences and tables in the reader's language; the PDF and the workbook are two drawings of the
same sections, so they carry the same numbers, and the director's page shows them too.

- build(viewer, term_key) -> Report; to_pdf(report) -> bytes; to_xlsx(report) -> bytes; pdf()/xlsx() in a thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import xlsxwriter
from anyio import to_thread

from backend import clock, printing
from backend.accounts import services as accounts
from backend.accounts.access import (Viewer, makes_care_report, reads_school_survey, school_of, sees_risk_trend,
                                     sees_supervision)
from backend.behaviour import reports as behaviour_reports
from backend.care import reports as care_reports
from backend.care.tables import OUTCOME_LABELS, REFERRAL_LABELS, Outcome, ReferralStatus
from backend.i18n import N_, format_date, format_term, gettext as _, ngettext
from backend.screening.tables import GROUP_LABELS, Group
from backend.supervision import figures as figs
from backend.supervision import services
from backend.supervision.figures import SupervisionError
from backend.survey import services as survey

TITLE = N_("Student care system report")
NO_DATA = N_("no data")
# Beside the referrals by where each stands now: those reported back, whether closed since or not.
REPORTED_ANY = N_("Reported back, whatever their status now")
ROUNDING = N_("Shares are rounded to whole per cent, halves up. Whether a target is met is judged on the exact share "
              "before rounding: 2 of 3 (67 %) has not met a 67 % target.")
CONTENTS = (N_("Coverage of each component, with its target and the same term last year"),
            N_("Screening groups by grade"), N_("Behaviour by category against the same term last year"),
            N_("Cases, referrals and their outcomes"), N_("Parents' satisfaction"), N_("A page for each classroom"),
            N_("The care committee's reflection on the term, and signatures"))


@dataclass(frozen=True)
class Percent:
    """A share or a target in whole per cent: "44 %" on paper, a number shown as a percentage in the workbook."""

    value: int

    def __str__(self) -> str:
        return f"{self.value} %"


@dataclass(frozen=True)
class Share:
    """A figure, done of total and its share: "4/9 · 44 %" on paper, three numbers in the workbook."""

    done: int
    total: int
    percent: int | None

    def __str__(self) -> str:
        return f"{self.done}/{self.total}" + ("" if self.percent is None else f" · {self.percent} %")


@dataclass(frozen=True)
class Mean:
    """A mean score: "4.25" on paper, a number in the workbook."""

    value: float

    def __str__(self) -> str:
        return f"{self.value:.2f}"


Cell = str | int | Percent | Share | Mean


@dataclass
class Block:
    """A sentence (`text`, bold for a sub-heading), or a table whose cells are text, whole numbers, shares, per
    cents and means (each drawn as text on paper, and as numbers in the workbook)."""

    kind: str  # text, caption, table
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    figures: tuple[int, ...] = ()  # the columns of figures (Share): three columns each in the workbook


@dataclass
class Section:
    title: str
    sheet: str  # the workbook's sheet it is written on (several sections may share one)
    blocks: list[Block]
    new_page: bool = False  # on paper, from a new page (each classroom)
    footer: str = ""  # on paper, the page's footer on the right (a classroom's name)


@dataclass
class Report:
    school: str
    term: str  # ภาคเรียนที่ 2 ปีการศึกษา 2569
    key: str  # 2569-2
    as_of: str
    made_on: str
    has_data: bool
    sections: list[Section]
    year: bool = False  # the whole school year's pack (supervision.year_report), not a term's
    notes: list[str] = field(default_factory=list)  # said on the pack's page too (a term with no data yet)
    code: str = ""  # the school's code: the files are named with it (DEMO-report-2569-2.pdf)
    contents: list[str] = field(default_factory=list)  # the parts, as the cover and the pack's page list them

    @property
    def filename(self) -> str:
        """Without its suffix; with the school's code, so that an area office's folder of packs keeps each."""
        return f"{self.code}-report-{self.key}" if self.code else f"report-{self.key}"


def percent(value: int | None) -> Percent | str:
    return "–" if value is None else Percent(value)


def met(check) -> str:
    if check is None:
        return "–"
    return _("met") if check.met else _("not met") if check.met is False else "–"


# Building ---------------------------------------------------------------------------------------------------------


def check_maker(viewer: Viewer) -> None:
    if not makes_care_report(viewer):
        raise SupervisionError(N_("The school's report pack is made by its care committee: the executives and the "
                                  "counsellors."), status=403)


async def build(viewer: Viewer, term_key: str = "") -> Report:
    check_maker(viewer)
    found = await services.overview(viewer, term_key)
    f = found.figures
    term = f.term
    school = await school_of(viewer)
    today = clock.today()
    stretch = figs.this_stretch(term, today)
    sections = [_cover(found, school["name"]), _coverage(found), groups_section(f)]
    if sees_risk_trend(viewer):
        last = await figs.last_year_stretch(viewer, term, f.as_of)
        categories = await behaviour_reports.by_category_between(viewer.school_id, stretch, last)
        sections.append(_behaviour(found, categories))
    else:
        sections.append(Section(_(CONTENTS[2]), _("Behaviour"), [Block("text", _(
            "Left out: you do not see the school's behaviour figures."))]))
    cases = await care_reports.cases_opened(viewer.school_id, term.school_year_id, *stretch)
    sections.append(_cases(f, cases))
    if reads_school_survey(viewer):
        sections.append(survey_section(await survey.of_term(viewer, term.school_year_id, term.number)))
    else:
        sections.append(Section(_(CONTENTS[4]), _("Parents' survey"), [Block("text", _(
            "Left out: the parents' survey results are read by the executives."))]))
    teachers = await accounts.homeroom_teachers_of([c.id for c in f.classes])
    sections += [_classroom(c, teachers.get(c.id, []), f) for c in f.classes]
    sections.append(reflection_section(_(CONTENTS[6]), [("", found.reflection)], sees_supervision(viewer),
                                       school["name"]))
    return Report(school["name"], format_term(term.year_be, term.number), term.key,
                  format_date(f.as_of, long=True, weekday=False), format_date(today, long=True, weekday=False),
                  f.has_data, sections, code=school["code"], contents=[_(title) for title in CONTENTS])


def _cover(found: services.Overview, school: str) -> Section:
    f = found.figures
    blocks = [Block("caption", school), Block("caption", format_term(f.term.year_be, f.term.number)),
              Block("text", _("Figures as on %(day)s", day=format_date(f.as_of, long=True, weekday=False))),
              Block("text", _("Made on %(day)s", day=format_date(clock.today(), long=True, weekday=False))),
              Block("text", students_line(f.students))]
    if not f.has_data:
        blocks.append(Block("caption", _("Nothing was recorded in term %(term)s: there are no figures to show for it.",
                                         term=f"{f.term.number}/{f.term.year_be}")))
    if found.targets.carried:
        blocks.append(Block("text", _("Targets carried over from term %(term)s until they are set for this term.",
                                      term=f"{found.targets.set_for.number}/{found.targets.set_for.year_be}")))
    blocks.append(Block("caption", _("Contents")))
    blocks += [Block("text", f"{n}. {_(title)}") for n, title in enumerate(CONTENTS, start=1)]
    return Section(_(TITLE), _("Summary"), blocks)


def students_line(n: int) -> str:
    return ngettext("%(num)s student", "%(num)s students", n)


def _coverage(found: services.Overview) -> Section:
    f, last_year = found.figures, found.last_year
    header = [_("Figure"), _("Done"), _("Of"), _("Share"), _("Target"), _("Target met"), _("Same term last year")]
    blocks = []
    for number, component in enumerate(figs.COMPONENTS, start=1):
        blocks.append(Block("caption", f"{number}. {_(figs.COMPONENT_LABELS[component])}"))
        if not f.recorded[component]:
            blocks.append(Block("text", _("No referral was sent this term.") if component == "referral"
                                else _("Nothing recorded in this term.")))
            continue
        rows = []
        for figure, m in f.of(component):
            check = found.checks.get(figure.key)
            before = last_year.measures[figure.key] if last_year and last_year.recorded[component] else None
            rows.append([_(figure.label), m.done, m.total, percent(m.percent),
                         percent(check.target) if check else "–", met(check),
                         percent(before.percent) if before and before.percent is not None else _(NO_DATA)])
        if component == "prevention":
            blocks.append(Block("text", _("Confirmed at risk: %(risk)s · with problems: %(problem)s",
                                          risk=f.groups["risk"], problem=f.groups["problem"])))
        if component == "promotion":
            blocks.append(Block("text", _("Homeroom activities recorded: %(n)s", n=f.activities)))
        blocks.append(Block("table", header=header, rows=rows, widths=[64, 14, 16, 15, 15, 32, 24]))
    blocks.append(Block("text", _(ROUNDING)))
    return Section(_(CONTENTS[0]), _("Summary"), blocks, new_page=True)


def groups_section(f: figs.TermFigures, note: str = "") -> Section:
    keys = [g.value for g in Group] + ["not_confirmed"]
    header = [_("Grade")] + [_(GROUP_LABELS[Group(k)]) for k in keys[:-1]] + [_("Not confirmed"), _("Students")]
    grades: dict[str, dict[str, int]] = {}
    for c in f.classes:
        counts = grades.setdefault(c.grade, dict.fromkeys([*keys, "students"], 0))
        for key in keys:
            counts[key] += c.groups[key]
        counts["students"] += c.students
    rows: list[list[str | int]] = [[grade, *(counts[k] for k in keys), counts["students"]]
                                   for grade, counts in grades.items()]
    rows.append([_("Whole school"), *(f.groups[k] for k in keys), f.students])
    blocks = [Block("text", note or _("Groups confirmed by the homeroom teachers this term."))]
    if not f.recorded["screened"]:
        blocks.append(Block("text", _("Nothing recorded in this term.")))
    blocks.append(Block("table", header=header, rows=rows, widths=[1.4, 1, 1, 1, 1, 1.2, 1]))
    return Section(_(CONTENTS[1]), _("Groups by grade"), blocks, new_page=True)


def risk_line(found: services.Overview, start: str = "") -> str:
    """The term's risk incidents against the same weeks last year, and the target on them."""
    f = found.figures
    line = start or _("Risk incidents this term: %(n)s", n=f.risk_incidents)
    if f.risk_last_year is not None:
        line += " · " + _("the same weeks last year: %(n)s", n=f.risk_last_year)
    check = found.checks.get(services.INCIDENTS_DOWN)
    if check:
        line += " · " + _("target: fewer by") + f" {check.target} % · {met(check)}"
    return line


def _behaviour(found: services.Overview, categories: list[dict]) -> Section:
    blocks = [Block("text", risk_line(found))]
    if not categories:
        blocks.append(Block("text", _("No incident was recorded this term.")))
    else:
        rows = [[c["name"], _("yes") if c["serious"] else "", c["this"], _(NO_DATA) if c["last"] is None
                 else c["last"]] for c in categories]
        blocks.append(Block("table", header=[_("Category"), _("Risk behaviour"), _("This term"),
                                             _("Same term last year")], rows=rows, widths=[3, 1.2, 1.2, 1.6]))
        blocks.append(Block("text", _("Incidents not voided, from the term's first day to the day the figures stand "
                                      "at, and over as many days of the same term last year.")))
    return Section(_(CONTENTS[2]), _("Behaviour"), blocks, new_page=True)


def case_blocks(cases: dict, caption: str) -> list[Block]:
    """The cases opened in a stretch as they stand now, and the closed ones' outcomes."""
    return [Block("caption", caption),
            Block("table", header=[_("Opened"), _("Still open"), _("Closed")],
                  rows=[[cases["total"], cases["open"], cases["closed"]]], widths=[1, 1, 1]),
            Block("table", header=[_("Outcome of the closed cases"), _("Cases")],
                  rows=[[_(OUTCOME_LABELS[Outcome(k)]), n] for k, n in cases["outcomes"].items()], widths=[3, 1])]


def _cases(f: figs.TermFigures, cases: dict) -> Section:
    blocks = case_blocks(cases, _("Care cases opened this term")) + [Block("caption", _("Referrals sent this term"))]
    referrals = f.referrals
    rows: list[list[str | int]] = [[_(REFERRAL_LABELS[ReferralStatus(status)]), sum(ages.values())]
                                   for status, ages in referrals["by_status"].items()]
    rows.append([_("All referrals"), referrals["total"]])
    rows.append([_(REPORTED_ANY), referrals["reported"]])
    blocks.append(Block("table", header=[_("Status now"), _("Referrals")], rows=rows, widths=[3, 1]))
    return Section(_(CONTENTS[3]), _("Cases and referrals"), blocks, new_page=True)


def survey_section(found: dict | None, title: str = "") -> Section:
    title, sheet = title or _(CONTENTS[4]), _("Parents' survey")
    if found is None or found.get("school") is None:
        return Section(title, sheet, [Block("text", _("No parents' survey this term."))], new_page=True)
    school = found["school"]
    rate = figs.Measure("survey", school["answered"], found["sent"])
    blocks = [Block("text", _("Guardians sent a code: %(sent)s · answered: %(answered)s (response rate %(rate)s)",
                              sent=found["sent"], answered=school["answered"], rate=percent(rate.percent)))]
    if not school["answered"]:
        blocks.append(Block("text", _("No guardian has answered yet.")))
        return Section(title, sheet, blocks, new_page=True)

    def two(value: float | None) -> Cell:
        return "–" if value is None else Mean(value)

    def level(row: dict) -> str:
        word = row["level"]  # one of survey.LEVELS's words
        return _(word) if word else "–"

    rows = [[q["question"], q["count"], two(q["mean"]), two(q["sd"]), level(q),
             *(q["spread"][score] for score in survey.SCALE), two(q.get("last_year"))] for q in school["questions"]]
    overall = school["overall"]
    rows.append([_("Overall"), overall["count"], two(overall["mean"]), two(overall["sd"]), level(overall),
                 *("" for _score in survey.SCALE), ""])
    blocks.append(Block("table", header=[_("Question"), _("Answers"), _("Mean (1–5)"), "S.D.", _("Level"),
                                         *map(str, survey.SCALE), _("Same term last year")], rows=rows,
                        widths=[3.6, 0.9, 0.9, 0.8, 1.1, 0.45, 0.45, 0.45, 0.45, 0.45, 1.1]))
    blocks.append(Block("text", _("Scores: 1 = strongly disagree … 5 = strongly agree. %(levels)s.",
                                  levels=_(survey.LEVEL_KEY))))
    blocks.append(Block("text", _("Written comments: %(n)s (read them on the survey's page).",
                                  n=len(school["texts"]))))
    return Section(title, sheet, blocks, new_page=True)


def _classroom(c: figs.ClassFigures, teachers: list[str], f: figs.TermFigures) -> Section:
    blocks = class_head(c, teachers)
    rows = [[_(figure.label), c.measures[key].done, c.measures[key].total, percent(c.measures[key].percent)]
            for key, figure in figs.FIGURES.items() if f.recorded[figure.component]]
    if rows:
        blocks.append(Block("table", header=[_("Figure"), _("Done"), _("Of"), _("Share")], rows=rows,
                            widths=[4, 1, 1, 1]))
    else:
        blocks.append(Block("text", _("Nothing recorded in this term.")))
    blocks.append(class_groups(c))
    return class_section(c, blocks, teachers)


def class_head(c: figs.ClassFigures, teachers: list[str]) -> list[Block]:
    return [Block("text", _("Homeroom teachers: %(names)s", names=", ".join(teachers) or "–")),
            Block("text", students_line(c.students))]


def class_groups(c: figs.ClassFigures) -> Block:
    keys = [g.value for g in Group] + ["not_confirmed"]
    return Block("table", header=[_(GROUP_LABELS[Group(k)]) for k in keys[:-1]] + [_("Not confirmed")],
                 rows=[[c.groups[k] for k in keys]], widths=[1] * len(keys))


def class_section(c: figs.ClassFigures, blocks: list[Block], teachers: list[str]) -> Section:
    """A classroom's page, ending with a place for each of its homeroom teachers to sign (its figures are theirs)."""
    dots = "." * 36
    signed = Block("signatures", rows=[[f"{_('Signed')} {dots}", f"( {name} )", _("Homeroom teacher")]
                                       for name in teachers or [dots]])
    return Section(_("Classroom %(label)s", label=c.label), _("Classrooms"), [*blocks, signed], new_page=True,
                   footer=c.label)


def reflection_section(title: str, reflections: list[tuple[str, services.Reflection | None]], shown: bool,
                       school: str) -> Section:
    """The care committee's reflection (the PDCA "act": what worked, what did not, what changes) of each term, each
    under its label ("" for the term pack's one), and the places to sign that end the pack. The committee's own
    words stay the school's (`shown` False: the area supervisor's pack)."""
    blocks: list[Block] = []
    if not shown:
        blocks.append(Block("text", _("Left out: the care committee's reflection stays with the school.")))
    for label, found in reflections if shown else ():
        if label:
            blocks.append(Block("caption", label))
        if found is None:
            blocks.append(Block("text", _("The care committee has not written its reflection on this term yet.")))
            continue
        for heading, text in ((_("What worked"), found.worked), (_("What did not work"), found.did_not),
                              (_("What changes next term"), found.changes)):
            blocks += [Block("caption", heading), Block("text", text or "–")]
        blocks.append(Block("text", _("last written by %(name)s, %(when)s", name=found.written_by or "–",
                                      when=format_date(found.written_at, long=True, weekday=False))))
    dots = "." * 36
    sign, name, day = f"{_('Signed')} {dots}", f"( {dots} )", f"{_('Date')} {'.' * 10}/{'.' * 10}/{'.' * 10}"
    director = _("Director of %(school)s", school=school)
    blocks.append(Block("signatures", rows=[[f"{sign} {_('Reporter')}", name, f"{_('Position')} {dots}", day],
                                            [f"{sign} {_('Certifier')}", name, f"{_('Position')} {director}",
                                             day]]))
    return Section(title, _("Reflection"), blocks, new_page=True)


# Drawing ----------------------------------------------------------------------------------------------------------


def to_pdf(report: Report, title: str) -> bytes:
    doc = printing.Document(title, numbered=_("Page %(page)s of %(pages)s"))
    left = f"{report.school} · {report.term}"
    doc.new_page(footer=(left, report.made_on))
    for n, section in enumerate(report.sections):
        if n and section.new_page:
            doc.new_page(footer=(left, section.footer or report.made_on))
        doc.heading(section.title, size=18 if n == 0 else 16, align="center" if n == 0 else "left")
        # The section's tables with the same columns (each component's) line up: measured on all their rows.
        alike: dict[tuple[str, ...], list[list[str]]] = {}
        for block in section.blocks:
            if block.kind == "table":
                alike.setdefault(tuple(block.header), []).extend([str(c) for c in row] for row in block.rows)
        for at, block in enumerate(section.blocks):
            if block.kind == "caption" and at + 1 < len(section.blocks) and section.blocks[at + 1].kind == "table":
                doc.keep(doc.line_height(14) * 2 + doc.line_height(12) * 3)  # never a caption alone at a page's foot
            if block.kind == "table":
                doc.table(block.header, [[str(cell) for cell in row] for row in block.rows], block.widths, size=12,
                          like=alike[tuple(block.header)])
            elif block.kind == "signatures":
                doc.space(8)
                doc.signatures([[str(line) for line in lines] for lines in block.rows], size=13)
            else:
                doc.text(block.text, size=14 if block.kind == "caption" else 13, bold=block.kind == "caption",
                         align="center" if n == 0 and block.kind == "caption" else "left")
    return doc.to_bytes()


def to_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    # Category names and survey questions are typed by people: never a formula or a link when opened.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    cell = {"border": 1, "valign": "top", "text_wrap": True}
    styles = {"title": book.add_format({"bold": True, "font_size": 14}), "caption": book.add_format({"bold": True}),
              "head": book.add_format({"bold": True, "bg_color": "#E6F2ED", "border": 1, "text_wrap": True,
                                       "valign": "top"}),
              "cell": book.add_format(cell), "percent": book.add_format({**cell, "num_format": "0%"}),
              "mean": book.add_format({**cell, "num_format": "0.00"})}
    sheets: dict[str, list] = {}
    for section in report.sections:
        if section.sheet not in sheets:
            sheet = book.add_worksheet(section.sheet[:31])
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)
            sheet.set_column(0, 0, 48)
            sheet.set_column(1, 8, 14)
            sheets[section.sheet] = [sheet, 0]
        sheet, row = sheets[section.sheet]
        sheet.write(row, 0, section.title, styles["title"])
        row += 1
        for block in section.blocks:
            if block.kind == "signatures":  # signed on paper
                continue
            if block.kind == "table":
                sheet.write_row(row, 0, _sheet_header(block), styles["head"])
                for cells in block.rows:
                    row += 1
                    _sheet_row(sheet, row, block, cells, styles)
                row += 2
            else:
                sheet.write(row, 0, block.text, styles["caption"] if block.kind == "caption" else None)
                row += 1
        sheets[section.sheet][1] = row + 1
    book.close()
    return buffer.getvalue()


def _spread(block: Block) -> list[bool]:
    """The columns holding figures (Share): each takes three columns in the workbook, done, total and share."""
    return [n in block.figures for n in range(len(block.header))]


def _sheet_header(block: Block) -> list[str]:
    header: list[str] = []
    for title, spread in zip(block.header, _spread(block), strict=True):
        header += [f"{title}: {_(part)}" for part in ("Done", "Of", "Share")] if spread else [title]
    return header


def _sheet_row(sheet, row: int, block: Block, cells: list[Cell], styles: dict) -> None:
    """A table's row as numbers where they are numbers (a share as a fraction shown as per cent, as the page rounds
    it), so that the workbook can be added up and charted; text stays text."""
    column = 0
    for value, spread in zip(cells, _spread(block), strict=True):
        parts: list = [value]
        if spread:
            parts = ([value.done, value.total, "–" if value.percent is None else Percent(value.percent)]
                     if isinstance(value, Share) else [value, None, None])
        for part in parts:
            if isinstance(part, Percent):
                sheet.write_number(row, column, part.value / 100, styles["percent"])
            elif isinstance(part, Mean):
                sheet.write_number(row, column, part.value, styles["mean"])
            elif isinstance(part, int):
                sheet.write_number(row, column, part, styles["cell"])
            elif part is None:
                sheet.write_blank(row, column, None, styles["cell"])
            else:
                sheet.write_string(row, column, str(part), styles["cell"])
            column += 1


async def pdf(report: Report) -> bytes:
    """Drawing a school's pages takes seconds: in a worker thread, so the server's other requests do not wait."""
    return await to_thread.run_sync(to_pdf, report, _(TITLE))


async def xlsx(report: Report) -> bytes:
    return await to_thread.run_sync(to_xlsx, report)
