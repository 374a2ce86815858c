"""Screening summaries as XLSX workbooks, laid out like the paper summaries Thai schools file."""

from __future__ import annotations

import io
from urllib.parse import quote

import xlsxwriter
from litestar import Response

from backend.i18n import _
from backend.screening.services import INFORMANTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SDQ_SCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial", "total")


def response(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})  # children's screening results: never kept by a shared cache


def _book() -> tuple[io.BytesIO, xlsxwriter.Workbook, dict]:
    buffer = io.BytesIO()
    # Notes and names are typed by people: never let "=…" become a formula or "http…" a link when opened.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = {"title": book.add_format({"bold": True, "font_size": 14}),
               "head": book.add_format({"bold": True, "bg_color": "#E6F2ED", "border": 1, "text_wrap": True,
                                        "valign": "top"}),
               "cell": book.add_format({"border": 1, "valign": "top", "text_wrap": True})}
    return buffer, book, formats


def _name(student: dict) -> str:
    return f"{student['title']}{student['first_name']} {student['last_name']}"


def _score(form: dict | None, scale: str, helpers: dict, instrument: str = "sdq") -> str:
    if not form:
        return ""
    scored = form["result"]["scales"].get(scale) or {}
    if scored.get("score") is None:
        return _("not scored")
    return f"{scored['score']} {helpers['band_label'](instrument, scored['band'])}"


def classroom_workbook(summary: dict, helpers: dict) -> bytes:
    buffer, book, f = _book()
    sheet = book.add_worksheet(_("Summary"))
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    room = summary["classroom"]
    sheet.write(0, 0, _("Screening summary %(room)s, term %(term)s/%(year)s", room=room["label"],
                        term=summary["term"], year=summary["year_be"]), f["title"])
    heads = [_("No."), _("Student code"), _("Name")]
    heads += [f"SDQ {helpers['informant_label'](i)}" for i in INFORMANTS["sdq"]] + ["EQ"]
    heads += [helpers["domain_label"](d) for d in helpers["domains"]] + [_("Proposed group"), _("Confirmed group")]
    sheet.write_row(2, 0, heads, f["head"])
    for r, row in enumerate(summary["rows"], start=3):
        values = [row.student["number_in_class"] or "", row.student["code"], _name(row.student)]
        values += [_score(row.forms.get(("sdq", i)), "total", helpers) for i in INFORMANTS["sdq"]]
        values.append(_score(row.forms.get(("eq", "student")), "total", helpers, "eq"))
        values += [helpers["level_label"](row.proposal.domain_state(d)) for d in helpers["domains"]]
        values += [helpers["group_label"](row.proposal.state),
                   helpers["group_label"](row.decision["group"]) if row.decision else ""]
        sheet.write_row(r, 0, values, f["cell"])
    sheet.set_column(0, 1, 8)
    sheet.set_column(2, 2, 26)
    sheet.set_column(3, len(heads), 12)

    counts = book.add_worksheet(_("Groups"))
    counts.write_row(0, 0, [_("Group"), _("Students"), _("Names")], f["head"])
    for r, (group, rows) in enumerate(summary["by_group"].items(), start=1):
        counts.write_row(r, 0, [helpers["group_label"](group), len(rows),
                                ", ".join(_name(row.student) for row in rows)], f["cell"])
    counts.set_column(0, 0, 18)
    counts.set_column(2, 2, 80)

    bands = book.add_worksheet(_("SDQ bands"))
    bands.write_row(0, 0, [_("Informant"), _("Scale"), _("Normal"), _("At risk"), _("Problem"), _("Strength"),
                           _("No strength"), _("Not in yet")], f["head"])
    r = 1
    for informant, scales in summary["sdq_bands"].items():
        for scale, tally in scales.items():
            bands.write_row(r, 0, [helpers["informant_label"](informant), helpers["scale_label"]("sdq", scale),
                                   tally.get("normal", 0), tally.get("risk", 0), tally.get("problem", 0),
                                   tally.get("strength", 0), tally.get("no_strength", 0), tally.get("missing", 0)],
                           f["cell"])
            r += 1
    bands.set_column(0, 1, 22)
    book.close()
    return buffer.getvalue()


def student_workbook(summary: dict, helpers: dict) -> bytes:
    buffer, book, f = _book()
    sheet = book.add_worksheet(_("Student"))
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    student, row = summary["student"], summary["row"]
    sheet.write(0, 0, _("Individual screening record"), f["title"])
    sheet.write_row(1, 0, [_name(student), student["label"], student["code"],
                           _("Term %(term)s/%(year)s", term=summary["term"], year=summary["year_be"])])
    sheet.write_row(3, 0, [_("Domain"), _("Result"), _("Signs and reasons"), _("Notes")], f["head"])
    r = 4
    for domain in helpers["domains"]:
        reasons = [helpers["reason_text"](reason.to_json()) for reason in row.proposal.reasons
                   if reason.domain == domain]
        level = helpers["level_label"](row.proposal.domain_state(domain))
        sheet.write_row(r, 0, [helpers["domain_label"](domain), level, "\n".join(reasons),
                               summary["notes"].get(domain, "")], f["cell"])
        r += 1
    r += 1
    sheet.write_row(r, 0, [_("Questionnaire")] + [helpers["scale_label"]("sdq", s) for s in SDQ_SCALES], f["head"])
    for informant in INFORMANTS["sdq"]:
        r += 1
        form = row.forms.get(("sdq", informant))
        sheet.write_row(r, 0, [f"SDQ {helpers['informant_label'](informant)}"]
                        + [_score(form, s, helpers) for s in SDQ_SCALES], f["cell"])
    r += 2
    eq = row.forms.get(("eq", "student"))
    scales = ("good", "smart", "happy", "total")
    sheet.write_row(r, 0, ["EQ"] + [helpers["scale_label"]("eq", s) for s in scales], f["head"])
    sheet.write_row(r + 1, 0, [""] + [_score(eq, s, helpers, "eq") for s in scales], f["cell"])
    r += 3
    decision = row.decision
    sheet.write_row(r, 0, [_("Proposed group"), helpers["group_label"](row.proposal.state)], f["cell"])
    sheet.write_row(r + 1, 0, [_("Confirmed group"), helpers["group_label"](decision["group"]) if decision else "",
                               decision["note"] if decision else ""], f["cell"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 6, 16)
    sheet.set_column(2, 2, 40)
    book.close()
    return buffer.getvalue()
