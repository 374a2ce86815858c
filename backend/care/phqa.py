"""The PHQ-A depression screen, answered by the student themself. A yes to either suicide-risk question starts the
same-day path at once; the answers are read by the school's counsellors and executives only (every read audited),
never by the homeroom teacher, the parents or another student."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from backend import db
from backend.accounts import reads
from backend.accounts.tables import PHQA_READ
from backend.accounts.access import Viewer, can_answer_phqa, can_see_phqa, sees_school_phqa, visible_students
from backend.care.services import CareError, FRONT_LIST_LIMIT
from backend.care.tables import CareCase, CaseStatus, PhqaFiling, Source
from backend.care.urgent import start_same_day
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, _
from backend.notify.queue import JobQueue
from backend.screening import services as screening
from backend.students.tables import Student

DEFINITION = Path(__file__).parent / "instruments" / "phqa.json"


@functools.cache
def instrument() -> dict:
    with DEFINITION.open(encoding="utf-8") as f:
        return json.load(f)


@dataclass(frozen=True)
class Score:
    total: int  # items 1-9, 0-27
    band: str  # minimal, mild, moderate, moderately_severe, severe
    suicide_risk: bool  # yes to a suicide-risk question
    above_cutoff: bool  # the Thai school study's cut-off (10): talk with the student soon


def score(answers: dict[str, int]) -> Score:
    """A complete filing's score (parse() has checked that every question is answered)."""
    definition = instrument()
    total = sum(answers[str(item["number"])] for item in definition["items"])
    band = next(b["key"] for b in definition["bands"] if b["from"] <= total <= b["to"])
    risk = any(answers.get(extra["key"]) == 1 for extra in definition["extra"] if extra.get("suicide_risk"))
    return Score(total, band, risk, total >= definition["cutoff"])


def parse(form: dict) -> dict[str, int]:
    """The answers posted (q1…q9 and the extra questions by key); every one must be answered with a choice on the
    form: a blank suicide-risk question cannot be read as a no."""
    definition = instrument()
    allowed = {"yes_no": {c["value"] for c in definition["yes_no"]},
               "difficulty": {c["value"] for c in definition["difficulty"]}}
    answers, blank = {}, []
    questions = [(str(item["number"]), {c["value"] for c in definition["choices"]}) for item in definition["items"]]
    questions += [(extra["key"], allowed[extra["kind"]]) for extra in definition["extra"]]
    for position, (key, choices) in enumerate(questions, start=1):
        field = f"q{key}" if key.isdecimal() else key
        text = str(form.get(field) or "").strip()
        if text.isdecimal() and int(text) in choices:
            answers[key] = int(text)
        else:
            blank.append(position)
    if blank:
        raise CareError(N_("Answer every question (not yet answered: %(items)s)."),
                        items=", ".join(map(str, blank)),
                        errors={f"q{key}" if key.isdecimal() else key: N_("Choose an answer.")
                                for position, (key, _choices) in enumerate(questions, start=1) if position in blank})
    return answers


async def last_filed(viewer: Viewer) -> dict | None:
    """When the student last answered (shown to them: nothing of what they answered)."""
    return await PhqaFiling.select(PhqaFiling.submitted_at).where(
        PhqaFiling.student.is_in(sorted(viewer.student_ids) or [-1])).order_by(
        PhqaFiling.id, ascending=False).first()


async def file(viewer: Viewer, settings: Settings, queue: JobQueue, form: dict) -> Score:
    """Keep the student's answers; a yes to a suicide-risk question opens (or raises) their case as urgent and
    tells the counsellors and executives by SMS, in the same transaction as the answers."""
    if not can_answer_phqa(viewer):
        raise CareError(N_("This questionnaire is for students to answer about themselves."), status=403)
    student_id = next(iter(viewer.student_ids))
    answers = parse(form)
    found = score(answers)
    year_id, term = await screening.current_term(viewer)
    message_ids: list[int] = []
    async with db.transaction():
        case_id = None
        if found.suicide_risk:
            raised = await start_same_day(
                viewer, settings, student_id,
                _("The student's own answers on the depression screen (PHQ-A) call for contact today. "
                  "The counsellors read the answers."), Source.phqa, always_tell=False)
            case_id, message_ids = raised.case_id, raised.message_ids
        await PhqaFiling.insert(PhqaFiling(
            school=viewer.school_id, student=student_id, school_year=year_id, term=term, answers=answers,
            total=found.total, band=found.band, suicide_risk=found.suicide_risk, care_case=case_id,
            filled_by=viewer.user_id, submitted_at=now()))
    await queue.send(message_ids)
    return found


async def school_results(viewer: Viewer) -> dict:
    """This term's newest filing per student, most pressing first (suicide risk, then the score), for the school's
    case team; each listed student's answers count as read."""
    if not sees_school_phqa(viewer):
        raise CareError(N_("PHQ-A results are for the school's counsellors and executives."), status=403)
    year_id, term = await screening.current_term(viewer)
    rows = await PhqaFiling.select(
        PhqaFiling.id, PhqaFiling.student, PhqaFiling.total, PhqaFiling.band, PhqaFiling.suicide_risk,
        PhqaFiling.submitted_at, PhqaFiling.student.first_name.as_alias("first_name"),
        PhqaFiling.student.last_name.as_alias("last_name"), PhqaFiling.student.title.as_alias("title"),
        PhqaFiling.student.classroom.grade.code.as_alias("grade"),
        PhqaFiling.student.classroom.room.as_alias("room"),
    ).where((PhqaFiling.school == viewer.school_id) & (PhqaFiling.school_year == year_id)
            & (PhqaFiling.term == term)).order_by(PhqaFiling.id, ascending=False)
    newest: dict[int, dict] = {}
    for row in rows:
        newest.setdefault(row["student"], row)
    open_cases = {row["student"] for row in await CareCase.select(CareCase.student).where(
        (CareCase.school == viewer.school_id) & (CareCase.status == CaseStatus.open.value)
        & CareCase.student.is_in(list(newest) or [-1]))}
    listed = sorted(newest.values(), key=lambda r: (not r["suicide_risk"], -r["total"], r["grade"], r["room"]))
    for row in listed:
        row["has_case"] = row["student"] in open_cases
    bands = {band["key"]: 0 for band in instrument()["bands"]}
    for row in listed:
        bands[row["band"]] += 1
    shown = listed[:FRONT_LIST_LIMIT]
    await reads.record_reads(viewer, [row["student"] for row in shown], [PHQA_READ])
    return {"rows": shown, "more": len(listed) - len(shown), "answered": len(listed), "bands": bands,
            "at_risk": sum(1 for row in listed if row["suicide_risk"]),
            "above_cutoff": sum(1 for row in listed if row["total"] >= instrument()["cutoff"]),
            "term": term, "year_be": viewer.year_be}


async def student_filings(viewer: Viewer, student_id: int) -> dict:
    """One student's filings, newest first, with every answer: read by the school's case team only (audited)."""
    student = await Student.select(Student.id, Student.school, Student.classroom, Student.title, Student.first_name,
                                   Student.last_name, Student.code).where(
        visible_students(viewer) & (Student.id == student_id)).first()
    if student is None or not can_see_phqa(viewer, student):
        raise CareError(N_("No such student among those whose PHQ-A answers you read."), status=404)
    filings = await PhqaFiling.select(
        PhqaFiling.answers, PhqaFiling.total, PhqaFiling.band, PhqaFiling.suicide_risk, PhqaFiling.care_case,
        PhqaFiling.submitted_at, PhqaFiling.school_year.year_be.as_alias("year_be"), PhqaFiling.term,
    ).where(PhqaFiling.student == student_id).order_by(PhqaFiling.id, ascending=False).limit(20).output(
        load_json=True)
    await reads.record_reads(viewer, [student_id], [PHQA_READ])
    return {"student": student, "filings": filings}
