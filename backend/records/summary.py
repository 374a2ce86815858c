"""The student's care summary (แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล): screening, help and referral on one page,
with the term's attendance and the year's behaviour, as Thai schools print it; per student (a page and its PDF) and
per class (a PDF of one A4 page per student, in number order).

Each part comes from the area that keeps it (its summaries() for many students at once, so a class or a school costs
the same few queries), for the viewer and as far as they may read it (accounts.access): a part they may not read is
left out and named as left out, never shown empty. Reading screening results and care is audited by those areas.
The page and the PDF show the same parts, built once here in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from anyio import to_thread

from backend import clock, printing
from backend.accounts import services as accounts
from backend.accounts.access import (Viewer, can_print_class_summaries, can_see_care_summary, can_see_student,
                                     school_of)
from backend.accounts.tables import ROLE_LABELS, Role
from backend.attendance import services as attendance
from backend.attendance.tables import STATUS_LABELS, Status
from backend.behaviour import services as behaviour
from backend.care import services as care
from backend.care.tables import (HELP_LABELS, OUTCOME_LABELS, PROGRESS_LABELS, REFERRAL_LABELS, SOURCE_LABELS,
                                 HelpKind, Outcome, Progress, ReferralStatus, Source)
from backend.i18n import N_, Refusal, format_date, format_term, gettext as _
from backend.schools import services as schools
from backend.screening import services as screening
from backend.screening.tables import GROUP_LABELS, INFORMANT_LABELS, NOT_SCREENED, NOT_SCREENED_LABEL, Group
from backend.students import services as students

TITLE = N_("Individual care and support summary")
SDQ_SCALES = ("emotional", "conduct", "hyperactivity", "peer", "total", "prosocial")
EQ_SCALES = ("good", "smart", "happy")
CONCERN_CHARS = 200  # the concern as the case opened, cut: the summary says what the case is about, not all of it
FOLLOW_UPS_SHOWN = 3  # of a help, the newest; the page says how many earlier ones there are


class SummaryError(Refusal):
    pass


@dataclass
class Block:
    """A piece of a part: label-and-value pairs, a table, a caption (a case's line) or a sentence."""

    kind: str  # fields, table, caption, text
    pairs: list[tuple[str, str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    text: str = ""


@dataclass
class Part:
    title: str
    blocks: list[Block]


@dataclass
class Summary:
    student: dict
    school: str
    term: str
    head: list[tuple[str, str]]  # the student: code, name, class, number, homeroom teachers
    parts: list[Part]
    left_out: list[str]  # the parts this viewer may not read
    teachers: list[str]


def full_name(student: dict) -> str:
    return f"{student['title'] or ''}{student['first_name']} {student['last_name']}".strip()


# Reading ------------------------------------------------------------------------------------------------------------


async def student_summary(viewer: Viewer, student_id: int) -> Summary:
    student = await students.visible_student(viewer, student_id)
    if student is None:
        raise SummaryError(N_("No such student among those you can see."), status=404)
    if not can_see_care_summary(viewer, student):
        raise SummaryError(N_("The care summary is for the student's homeroom teachers, the head of their grade, the "
                              "counsellors and the executives."), status=403)
    return (await _summaries(viewer, [student]))[0]


async def classroom_of(viewer: Viewer, classroom_id: int) -> dict:
    room = await schools.classroom(classroom_id)
    if room is None or not can_print_class_summaries(viewer, room):
        raise SummaryError(N_("No such classroom among those you can see."), status=404)
    return room


async def class_list(viewer: Viewer, classroom_id: int) -> dict:
    """The class's students in number order, each with a link to their summary (names only: nothing read)."""
    room = await classroom_of(viewer, classroom_id)
    return {"classroom": room, "students": await students.classroom_students(viewer, [classroom_id])}


async def classroom_summaries(viewer: Viewer, classroom_id: int) -> tuple[dict, list[Summary]]:
    """Every student of the class today, in number order, as the viewer may read them."""
    room = await classroom_of(viewer, classroom_id)
    members = [s for s in await students.classroom_students(viewer, [classroom_id]) if can_see_care_summary(viewer, s)]
    return room, await _summaries(viewer, members)


async def school_summaries(viewer: Viewer) -> list[Summary]:
    """Every student of the school today whose summary the viewer may read (the report pack; the benchmark)."""
    members = [s for s in await students.classroom_students(viewer, await schools.classroom_ids(viewer.school_id))
               if can_see_care_summary(viewer, s)]
    return await _summaries(viewer, members)


async def _summaries(viewer: Viewer, members: list[dict]) -> list[Summary]:
    """The summaries of these students, gathered from each area at once (a constant number of queries)."""
    school = await school_of(viewer)
    year_id, term = await screening.current_term(viewer)
    bounds = await schools.term_dates(year_id, term)
    screened = await screening.summaries(viewer, members)
    cared = await care.summaries(viewer, members)
    seen = [s["id"] for s in members if can_see_student(viewer, s)]
    # A term without dates (none set yet) has no attendance to count: the part says so, it is not left out.
    attended = await attendance.term_summaries(viewer.school_id, seen, *bounds) if bounds else dict.fromkeys(seen)
    behaved = await behaviour.summaries(viewer, members)
    teachers = await accounts.homeroom_teachers_of(sorted({s["classroom"] for s in members}))
    term_text = format_term(viewer.year_be, term)
    found = []
    for student in members:
        parts, left_out = [], []
        for title, found_for, build in ((N_("Screening"), screened, _screening), (N_("Help given"), cared, _help),
                                        (N_("Referral"), cared, _referrals),
                                        (N_("Attendance this term"), attended, _attendance),
                                        (N_("Behaviour this school year"), behaved, _behaviour)):
            if student["id"] in found_for:
                parts.append(Part(_(title), build(found_for[student["id"]])))
            else:
                left_out.append(_(title))
        names = teachers.get(student["classroom"], [])
        head = [(_("Student code"), student["code"]), (_("Name"), full_name(student)),
                (_("Class"), student["label"]), (_("Number"), str(student["number_in_class"] or "—")),
                (_("Homeroom teacher"), ", ".join(names) or "—")]
        found.append(Summary(student, school["name"], term_text, head, parts, left_out, names))
    return found


# The parts, in the reader's words ----------------------------------------------------------------------------------


def _score(instrument: str, scale: dict | None) -> str:
    if not scale:
        return "—"
    if scale.get("score") is None:
        return _("not scored")
    return f"{scale['score']} {screening.band_label(instrument, scale.get('band'))}"


def _group(state: str) -> str:
    return _(NOT_SCREENED_LABEL) if state == NOT_SCREENED else _(GROUP_LABELS[Group(state)])


def _screening(row) -> list[Block]:
    if row.decision:
        group = _("%(group)s, confirmed by %(who)s on %(date)s", group=_group(row.decision["group"]),
                  who=row.decision["decided_by_name"] or "—", date=format_date(row.decision["decided_at"]))
    else:
        group = _("not confirmed yet (proposed: %(group)s)", group=_group(row.proposal.state))
    pairs = [(_("Group"), group)]
    if row.decision and row.decision["note"]:
        pairs.append((_("Note"), _cut(row.decision["note"], CONCERN_CHARS)))
    eq = row.forms.get(("eq", "student"))
    if eq:
        scales = eq["result"]["scales"]
        parts = [f"{screening.scale_label('eq', name)} {_score('eq', scales.get(name))}" for name in EQ_SCALES]
        pairs.append((_("EQ"), _("%(total)s (%(parts)s), filled in %(date)s",
                                 total=_score("eq", scales.get("total")), parts=" · ".join(parts),
                                 date=format_date(eq["submitted_at"]))))
    else:
        pairs.append((_("EQ"), _("not filled in")))
    rows = []
    for informant in INFORMANT_LABELS:
        form = row.forms.get(("sdq", informant))
        if form is None:
            rows.append([_(INFORMANT_LABELS[informant]), "—", "—", "—", "—"])
            continue
        scales = form["result"]["scales"]
        flagged = [f"{screening.scale_label('sdq', name)} {_score('sdq', scales.get(name))}"
                   for name in SDQ_SCALES if name not in ("total", "prosocial")
                   and (scales.get(name) or {}).get("band") in screening.FLAGGED_BANDS]
        rows.append([_(INFORMANT_LABELS[informant]), format_date(form["submitted_at"]),
                     _score("sdq", scales.get("total")), _score("sdq", scales.get("prosocial")),
                     "\n".join(flagged) or _("none")])
    header = [_("SDQ by"), _("Filled in"), screening.scale_label("sdq", "total"),
              screening.scale_label("sdq", "prosocial"), _("Scales at risk or with problems")]
    return [Block("fields", pairs=pairs), Block("table", header=header, rows=rows, widths=[0.9, 1.2, 1.4, 1.4, 3])]


def _help(cases: list[dict]) -> list[Block]:
    """Each case: its line, the concern, and its plan, each help with its follow-ups (when, how the student was
    doing) and what comes next."""
    if not cases:
        return [Block("text", text=_("No care case this school year."))]
    blocks = []
    for case in cases:
        if case["status"] == "open":
            state = _("still open")
        else:
            state = _("closed %(date)s: %(outcome)s", date=format_date(case["closed_at"]) if case["closed_at"] else "",
                      outcome=_(OUTCOME_LABELS[Outcome(case["outcome"])]) if case["outcome"] else "—")
        blocks.append(Block("caption", text=_("Case opened %(date)s (%(source)s), %(state)s",
                                              date=format_date(case["opened_at"]),
                                              source=_(SOURCE_LABELS[Source(case["source"])]), state=state)))
        blocks.append(Block("fields", pairs=[(_("Concern"), _cut(case["concern"], CONCERN_CHARS))]))
        by_help: dict[int | None, list[dict]] = {}
        for follow_up in case["follow_ups"]:
            by_help.setdefault(follow_up["activity"], []).append(follow_up)
        rows = [[_(HELP_LABELS[HelpKind(a["kind"])]), a["responsible_name"] or "—", format_date(a["starts_on"]),
                 _follow_ups(by_help.pop(a["id"], [])),
                 _("ended %(date)s", date=format_date(a["ended_at"])) if a["ended_at"] else format_date(
                     a["follow_up_on"])] for a in case["plan"]]
        if by_help:  # follow-ups of the case as a whole, or of a help since removed
            rows.append([_("The case as a whole"), "—", "—", _follow_ups(
                [f for found in by_help.values() for f in found]), "—"])
        if rows:
            blocks.append(Block("table", header=[_("Help"), _("Responsible"), _("From"), _("Follow-up dates"),
                                                 _("Next follow-up")], rows=rows, widths=[1.8, 1.6, 1.2, 2.2, 1.2]))
        else:
            blocks.append(Block("text", text=_("No help planned yet.")))
    return blocks


def _follow_ups(follow_ups: list[dict]) -> str:
    """The newest follow-ups of a help, one a line: the day and how the student was doing."""
    shown = [f"{format_date(f['written_at'])} {_(PROGRESS_LABELS[Progress(f['progress'])])}"
             for f in follow_ups[-FOLLOW_UPS_SHOWN:]]
    if len(follow_ups) > FOLLOW_UPS_SHOWN:
        shown.insert(0, _("and %(n)s earlier follow-ups", n=len(follow_ups) - FOLLOW_UPS_SHOWN))
    return "\n".join(shown) or "—"


def _referrals(cases: list[dict]) -> list[Block]:
    rows = []
    for case in cases:
        for r in case["referrals"]:
            whom = r["agency_name"] or r["to_name"] or (_(ROLE_LABELS[Role(r["to_role"])]) if r["to_role"] else "—")
            rows.append([whom, format_date(r["sent_at"]), _(REFERRAL_LABELS[ReferralStatus(r["status"])]),
                         _("yes, %(date)s", date=format_date(r["reported_at"])) if r["reported_at"]
                         else _("not reported yet")])
    if not rows:
        return [Block("text", text=_("No referral this school year."))]
    return [Block("table", header=[_("Referred to"), _("Sent on"), _("Status"), _("Report back")], rows=rows,
                  widths=[3, 1.2, 1.3, 1.5])]


def _attendance(counts: dict | None) -> list[Block]:
    if counts is None:
        return [Block("text", text="—")]
    attended = _("%(share)s %% of %(days)s school days", share=counts["attended"], days=counts["school_days"]) \
        if counts["attended"] is not None else "—"
    pairs = [(_("Attended"), attended)]
    pairs += [(_(STATUS_LABELS[status]), _("%(n)s days", n=counts[status.value]))
              for status in (Status.late, Status.absent, Status.sick_leave, Status.personal_leave)]
    pairs.append((_(STATUS_LABELS[Status.cut]), _("%(n)s periods", n=counts["cut"])))
    return [Block("fields", pairs=pairs)]


def _behaviour(found: dict) -> list[Block]:
    return [Block("fields", pairs=[
        (_("Incidents (times)"), str(found["incidents"])), (_("Good deeds (times)"), str(found["good_deeds"])),
        (_("Conduct points"), _("%(balance)s of %(start)s", balance=found["balance"], start=found["start"]))])]


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


# The PDF ----------------------------------------------------------------------------------------------------------


async def pdf(summaries: list[Summary]) -> bytes:
    """to_pdf in a worker thread: drawing a class takes a fifth of a second, a school seconds, which the server's
    other requests should not wait for (the reader's language goes along)."""
    return await to_thread.run_sync(to_pdf, summaries)


# Each try at setting a student on one page: the type's scale, and at most how many cases, rows of a table and lines
# of a cell are shown (None: all). A student with much history is set smaller, then trimmed to the newest, each cut
# said where it is made ("and 4 earlier cases…"), until their page fits.
FITTING = ((1.0, None, None, None), (0.9, None, None, None), (0.85, 3, 4, 3), (0.8, 2, 3, 2), (0.75, 1, 3, 1))


def to_pdf(summaries: list[Summary]) -> bytes:
    """A4, one student after another, each on a page of their own (set smaller and trimmed to fit: FITTING)."""
    doc = printing.Document(_(TITLE), margin=11)
    printed = _("Printed %(date)s", date=format_date(clock.today()))
    for summary in summaries:
        start = len(doc.pages)
        for scale, cases, rows, lines in FITTING:
            doc.drop_pages(start)
            _draw(doc, summary, printed, scale, [_trimmed(part.blocks, cases, rows, lines) for part in summary.parts])
            if len(doc.pages) - start == 1:
                break
    return doc.to_bytes()


def _draw(doc: printing.Document, summary: Summary, printed: str, scale: float, parts: list[list[Block]]) -> None:
    doc.new_page(footer=(f"{summary.school} · {printed}", f"{full_name(summary.student)} {summary.student['label']}"))
    doc.heading(_(TITLE), size=17 * scale, align="center")
    doc.text(f"{summary.school} · {summary.term}", size=13 * scale, align="center")
    doc.fields(summary.head, size=13 * scale)
    for number, (part, blocks) in enumerate(zip(summary.parts, parts, strict=True), start=1):
        doc.heading(f"{number}. {part.title}", size=14 * scale)
        for block in blocks:
            if block.kind == "fields":
                doc.fields(block.pairs, size=13 * scale)
            elif block.kind == "table":
                doc.table(block.header, block.rows, block.widths, size=12 * scale)
            elif block.kind == "caption":
                doc.text(block.text, size=13 * scale, bold=True)
            else:
                doc.text(block.text, size=13 * scale)
    if summary.left_out:
        doc.space(1)
        doc.text(_("This copy leaves out %(parts)s: the person who printed it may not read them.",
                   parts=", ".join(summary.left_out)), size=12 * scale)
    sign = _("Signed") + " " + "." * 40
    doc.signatures([[sign, f"( {name} )", _("Homeroom teacher")] for name in summary.teachers[:1]]
                   + [[sign, f"( {'.' * 40} )", _("Head of the student care system")]], size=12 * scale)


def _trimmed(blocks: list[Block], cases: int | None, rows: int | None, lines: int | None) -> list[Block]:
    """A part's blocks with at most the newest `cases` cases (each from its caption on), `rows` rows of a table and
    `lines` lines of a cell; what is cut is said where it was: nothing is left out unsaid."""
    if cases is None:
        return blocks
    starts = [n for n, block in enumerate(blocks) if block.kind == "caption"]
    found = list(blocks)
    if len(starts) > cases:
        earlier = len(starts) - cases
        found = [Block("text", text=_("and %(n)s earlier cases, not shown here for lack of room (see the student's "
                                      "summary page)", n=earlier))] + blocks[starts[earlier]:]
    return [_trim_table(block, rows, lines) if block.kind == "table" else block for block in found]


def _trim_table(block: Block, rows: int, lines: int) -> Block:
    kept = block.rows[-rows:] if len(block.rows) > rows else block.rows
    cut = [[_cut_lines(cell, lines) for cell in row] for row in kept]
    if len(block.rows) > rows:
        more = len(block.rows) - rows
        cut.insert(0, [_("and %(n)s earlier rows, not shown here for lack of room", n=more)] + [""] * (
            len(block.header) - 1))
    return Block("table", header=block.header, rows=cut, widths=block.widths)


def _cut_lines(cell: str, lines: int) -> str:
    """A cell's newest `lines` lines (a help's follow-ups, oldest first), after a line saying how many came before."""
    found = str(cell).split("\n")
    if len(found) <= lines:
        return cell
    return "\n".join([_("(%(n)s earlier lines not shown)", n=len(found) - lines), *found[-lines:]])
