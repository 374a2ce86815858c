"""The parents' satisfaction survey: opening the term's survey, which writes a one-time code per guardian and sends
it through the outbox in the same transaction; answering once per code (on the public page or in the app); and the
results by class and school, counted from the same rows for both, anonymous to everyone."""

from __future__ import annotations

import statistics
from collections import Counter

import hashlib
import hmac
import secrets
from datetime import timedelta

from piccolo.query.functions.aggregate import Count

from backend import clock, db
from backend.accounts.access import (SURVEY_MIN_ANSWERS, Viewer, can_answer_survey, can_open_class_survey,
                                     can_read_class_survey, opens_surveys, reads_school_survey)
from backend.accounts.passwords import attempt_keys, count_attempt, forget_attempt
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.schools.tables import Classroom
from backend.screening import services as screening
from backend.students import enrolment
from backend.students.tables import Student
from backend.survey.tables import Survey, SurveyAnswer, SurveyCode

# The school's default questions about its care system, in Thai as parents read them; the school edits them before
# opening. Stored as typed, so they are shown as the school wrote them.
DEFAULT_QUESTIONS = (
    "ครูประจำชั้นติดต่อสื่อสารกับท่านอย่างสม่ำเสมอ",
    "ท่านได้รับแจ้งทันเวลาเมื่อบุตรหลานขาดเรียนหรือมาสาย",
    "ท่านได้รับแจ้งเรื่องพฤติกรรมของบุตรหลานทันเวลา",
    "การประชุมผู้ปกครองชั้นเรียนมีประโยชน์ต่อท่าน",
    "บุตรหลานของท่านปลอดภัยเมื่ออยู่ที่โรงเรียน",
    "บุตรหลานของท่านมีความสุขในการมาโรงเรียน",
    "เมื่อบุตรหลานมีปัญหา ท่านได้รับความช่วยเหลือจากโรงเรียน",
)
DEFAULT_FREE_QUESTION = "ข้อเสนอแนะเพิ่มเติมถึงโรงเรียน"
SCALE = (1, 2, 3, 4, 5)
# How Thai school reports read a mean on this scale: the half-point either side of each score. A mean above the
# floor has that level (4.51-5.00 the highest; 4.50 is "high").
LEVELS = ((4.5, N_("Highest")), (3.5, N_("High")), (2.5, N_("Moderate")), (1.5, N_("Low")), (0.0, N_("Lowest")))
LEVEL_KEY = N_("Levels: 4.51–5.00 highest · 3.51–4.50 high · 2.51–3.50 moderate · 1.51–2.50 low · "
               "1.00–1.50 lowest")
MIN_QUESTIONS, MAX_QUESTIONS = 4, 9  # with the free-text question, 5 to 10 in all
OPEN_DAYS = 30
CODE_DIGITS = 8
MAX_TEXT = 2000


class SurveyError(Refusal):
    pass


def _digest(settings: Settings, code: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"survey:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _plain(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def questions_of(survey: dict) -> list[str]:
    return [line for line in survey["questions"].splitlines() if line.strip()]


# Opening -------------------------------------------------------------------------------------------------------


async def this_term(viewer: Viewer) -> dict | None:
    year_id, term = await screening.current_term(viewer)
    return await Survey.select().where((Survey.school == viewer.school_id) & (Survey.school_year == year_id)
                                       & (Survey.term == term)).first()


async def open_survey(viewer: Viewer, settings: Settings, queue: JobQueue, form: dict) -> int:
    """The term's survey, and for each guardian of the school's students a code sent by the app or SMS (one per
    guardian, counted for their first child's class), all in one transaction: a code exists only with its message."""
    if not opens_surveys(viewer):
        raise SurveyError(N_("Only the school's admin or an executive opens the parents' survey."), status=403)
    lines = [" ".join(line.split())[:300] for line in _plain(form.get("questions"), 4000).splitlines()]
    lines = [line for line in lines if line]
    free_question = " ".join(_plain(form.get("free_question"), 300).split())
    errors = {}
    if not MIN_QUESTIONS <= len(lines) <= MAX_QUESTIONS:
        errors["questions"] = N_("Write 4 to 9 questions scored 1 to 5, one a line.")
    if not free_question:
        errors["free_question"] = N_("Write the question parents answer in their own words.")
    if errors:
        raise SurveyError(N_("Some fields need fixing."), errors=errors)
    year_id, term = await screening.current_term(viewer)
    students = await Student.select(Student.id, Student.classroom).where(
        (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id)).order_by(
        Student.classroom).order_by(Student.id)
    school = await notify.school_row(viewer.school_id)
    closes_on = clock.today() + timedelta(days=OPEN_DAYS)
    async with db.transaction():
        await db.lock("survey", viewer.school_id)  # two openings at once: the second finds the first
        if await this_term(viewer) is not None:
            raise SurveyError(N_("This term's survey is already open: a survey runs once a term."), status=409)
        rows = await Survey.insert(Survey(
            school=viewer.school_id, school_year=year_id, term=term, questions="\n".join(lines),
            free_question=free_question, closes_on=closes_on, opened_by=viewer.user_id, opened_at=now())
        ).returning(Survey.id)
        survey_id = rows[0]["id"]
        reaches = await notify.guardians_of([s["id"] for s in students])
        first: dict[int, tuple[int | None, notify.Reach]] = {}
        for student in students:
            for reach in reaches.get(student["id"], []):
                first.setdefault(reach.guardian_id, (student["classroom"], reach))
        codes = {guardian_id: _new_code() for guardian_id in first}
        while len(set(codes.values())) < len(codes):  # two guardians never share a code
            codes = {guardian_id: _new_code() for guardian_id in first}
        for batch in db.batches([SurveyCode(survey=survey_id, guardian=guardian_id, classroom=classroom,
                                            digest=_digest(settings, codes[guardian_id]))
                                 for guardian_id, (classroom, _) in first.items()]):
            await SurveyCode.insert(*batch)
        specs = [notify.AlertSpec(None, f"survey:{survey_id}:{guardian_id}", "survey_code", None,
                                  {"code": codes[guardian_id], "day": closes_on}, [reach])
                 for guardian_id, (_, reach) in first.items()]
        message_ids = await notify.create_alerts(settings, school, specs)
    await queue.send(message_ids)
    return survey_id


# Answering -----------------------------------------------------------------------------------------------------


async def _survey_of_code(settings: Settings, code: str) -> tuple[dict, dict] | None:
    found = await SurveyCode.select(SurveyCode.id, SurveyCode.survey, SurveyCode.used).where(
        SurveyCode.digest == _digest(settings, code)).first()
    if found is None:
        return None
    survey = await Survey.select().where(Survey.id == found["survey"]).first()
    return found, survey


async def check_code(settings: Settings, code: str, address: str) -> dict:
    """The survey a code answers, once it proves right; wrong guesses are counted against the address as for
    sign-in codes, so eight digits cannot be walked through."""
    code = "".join(ch for ch in _plain(code, 20) if ch.isdigit())
    if len(code) != CODE_DIGITS:
        raise SurveyError(N_("Enter the 8-digit code from the school's message."), errors={
            "code": N_("Enter the 8-digit code from the school's message.")})
    keys = attempt_keys("survey", address)
    await count_attempt(settings, keys)
    found = await _survey_of_code(settings, code)
    if found is None:
        raise SurveyError(N_("This code is not right. Check the school's message and type it again."),
                          errors={"code": N_("This code is not right. Check the school's message and type it again.")})
    await forget_attempt(keys)
    row, survey = found
    if row["used"]:
        raise SurveyError(N_("This code has already been used: each code answers the survey once. Thank you, your "
                             "answers are counted."), status=409)
    if survey["closes_on"] < clock.today():
        raise SurveyError(N_("This survey has closed. Thank you for your time."), status=409)
    return {**survey, "code": code, "question_list": questions_of(survey)}


def _answers(survey: dict, form: dict) -> tuple[str, str]:
    scores, errors = [], {}
    for index, _ in enumerate(questions_of(survey)):
        value = _plain(form.get(f"q{index}"), 2)
        if not value.isdigit() or int(value) not in SCALE:
            errors[f"q{index}"] = N_("Choose from 1 to 5.")
        else:
            scores.append(value)
    if errors:
        raise SurveyError(N_("Some questions have no answer yet."), errors=errors)
    return ",".join(scores), _plain(form.get("free_text"), MAX_TEXT)


async def _store(code_id: int, survey: dict, classroom: int | None, scores: str, free_text: str) -> None:
    """The code is marked used and the answer stored in one transaction, the mark first: of two submits at once,
    the second finds the code used (PostgreSQL re-reads the row after the first commits; SQLite lets one writer in)
    and stores nothing."""
    async with db.transaction():
        claimed = await SurveyCode.update({SurveyCode.used: True}).where(
            (SurveyCode.id == code_id) & (SurveyCode.used == False)).returning(SurveyCode.id)  # noqa: E712
        if not claimed:
            raise SurveyError(N_("This code has already been used: each code answers the survey once. Thank you, "
                                 "your answers are counted."), status=409)
        await SurveyAnswer.insert(SurveyAnswer(survey=survey["id"], classroom=classroom, scores=scores,
                                               free_text=free_text))


async def answer_with_code(settings: Settings, form: dict, address: str) -> None:
    survey = await check_code(settings, form.get("code", ""), address)
    scores, free_text = _answers(survey, form)
    row = await SurveyCode.select(SurveyCode.id, SurveyCode.classroom).where(
        SurveyCode.digest == _digest(settings, survey["code"])).first()
    await _store(row["id"], survey, row["classroom"], scores, free_text)


# On every parent's home page: written out, as Piccolo spends milliseconds of CPU building the chained joins.
# The school's surveys still open (a few), the parent's guardian rows, then their one code in each by the
# (survey, guardian) key. CROSS JOIN keeps SQLite to that order (PostgreSQL plans it as a plain join): before it has
# statistics it went through every code of the survey instead (1 ms a page for a school of 4,000 guardians).
WAITING_SQL = (
    "SELECT sc.id AS code_id, sc.classroom, s.id, s.school, s.school_year, s.term, s.questions, s.free_question, "
    "s.closes_on, s.opened_by, s.opened_at, gu.\"user\" AS \"user\" "
    "FROM survey s CROSS JOIN guardian gu CROSS JOIN survey_code sc "
    "WHERE s.school = {} AND s.closes_on >= {} AND gu.\"user\" = {} AND sc.survey = s.id AND sc.guardian = gu.id "
    "AND NOT sc.used ORDER BY s.id DESC"
)


async def waiting_for(viewer: Viewer) -> dict | None:
    """The open survey a parent has not answered yet, with its questions (for their home page and the app's form),
    in one query."""
    rows = await db.fetch(WAITING_SQL, viewer.school_id, clock.today(), viewer.user_id)
    rows = [row for row in rows if can_answer_survey(viewer, row)]
    if not rows:
        return None
    survey = {key: value for key, value in rows[0].items() if key != "user"}
    return {**survey, "question_list": questions_of(survey)}


async def answer_in_app(viewer: Viewer, form: dict) -> None:
    survey = await waiting_for(viewer)
    if survey is None:
        raise SurveyError(N_("There is no survey for you to answer now. Thank you."), status=404)
    scores, free_text = _answers(survey, form)
    await _store(survey["code_id"], survey, survey["classroom"], scores, free_text)


# Results -------------------------------------------------------------------------------------------------------


def level_of(mean: float | None) -> str | None:
    return None if mean is None else next(label for floor, label in LEVELS if mean > floor)


def _figures(given: list[int]) -> dict:
    """A set of scores as a report gives them: how many, the mean and the (sample) standard deviation to two
    places, and the level the mean reads as. No S.D. for a single answer."""
    mean = round(statistics.fmean(given), 2) if given else None
    return {"count": len(given), "mean": mean, "sd": round(statistics.stdev(given), 2) if len(given) > 1 else None,
            "level": level_of(mean)}


def summarise(questions: list[str], answers: list[dict]) -> dict:
    """Each question's count, mean, S.D. and level, how many gave each score, the same over all questions
    (overall), and the words (in alphabetical order, so that their order says nothing of who answered when). Pure:
    the school's and a class's figures are this same function over the school's or the class's rows."""
    rows, everything = [], []
    for index, question in enumerate(questions):
        given = [int(a["scores"].split(",")[index]) for a in answers if len(a["scores"].split(",")) > index]
        everything += given
        rows.append({"question": question, **_figures(given),
                     "spread": {score: given.count(score) for score in SCALE}})
    texts = sorted(a["free_text"] for a in answers if a["free_text"])
    # The same words from several guardians once, with how many wrote them: most often first, then alphabetical.
    said = Counter(" ".join(text.split()) for text in texts)
    # Over all questions, "answers" counts guardians who answered, not scores given (the mean is over the scores).
    overall = {**_figures(everything), "count": len(answers)}
    return {"answered": len(answers), "questions": rows, "overall": overall, "level_key": LEVEL_KEY,
            "texts": texts,
            "comments": sorted(said.items(), key=lambda item: (-item[1], item[0]))}


async def _rooms(school_id: int, year_id: int) -> list[dict]:
    rooms = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                   Classroom.grade.code.as_alias("grade")).where(
        (Classroom.school == school_id) & (Classroom.school_year == year_id)
        & (Classroom.active == True)).order_by(Classroom.grade.level).order_by(Classroom.room)  # noqa: E712
    return [{**r, "label": f"{r['grade']}/{r['room']}"} for r in rooms]


async def _response_rates(survey_id: int) -> dict[int | None, dict]:
    rows = await SurveyCode.select(SurveyCode.classroom, SurveyCode.used, Count(SurveyCode.id, alias="n")).where(
        SurveyCode.survey == survey_id).group_by(SurveyCode.classroom, SurveyCode.used)
    rates: dict[int | None, dict] = {}
    for row in rows:
        rate = rates.setdefault(row["classroom"], {"sent": 0, "used": 0})
        rate["sent"] += row["n"]
        rate["used"] += row["n"] if row["used"] else 0
    return rates


async def _school_surveys(school_id: int) -> list[dict]:
    """The school's surveys, newest first, with their year in B.E."""
    return await Survey.select(Survey.id, Survey.school_year, Survey.term, Survey.closes_on, Survey.questions,
                               Survey.school_year.year_be.as_alias("year_be")).where(
        Survey.school == school_id).order_by(Survey.school_year.year_be, ascending=False).order_by(
        Survey.term, ascending=False)


def same_term_last_year(surveys: list[dict], survey: dict) -> dict | None:
    return next((s for s in surveys if s["year_be"] == survey["year_be"] - 1 and s["term"] == survey["term"]), None)


async def overview(viewer: Viewer, survey_id: int | None = None) -> dict:
    """A survey's page: this term's (with the form to open it, for the admin and executives, while there is none)
    or an earlier term's. The school's results (executives) beside the same term last year's, each class this
    viewer may open with its response rate, and the school's other surveys. A constant number of queries."""
    year_id, term = await screening.current_term(viewer)
    surveys = await _school_surveys(viewer.school_id)
    if survey_id is None:
        summary = next((s for s in surveys if s["school_year"] == year_id and s["term"] == term), None)
    else:
        summary = next((s for s in surveys if s["id"] == survey_id), None)
        if summary is None:
            raise SurveyError(N_("No such survey in your school."), status=404)
    survey = await Survey.select().where(Survey.id == summary["id"]).first() if summary else None
    context = {"survey": survey, "term": term, "can_open": opens_surveys(viewer) and survey_id is None,
               "can_close": False, "school": None, "rooms": [], "earlier": [s for s in surveys if s is not summary],
               "defaults": "\n".join(DEFAULT_QUESTIONS), "default_free": DEFAULT_FREE_QUESTION,
               "min_answers": SURVEY_MIN_ANSWERS, "last_year": None}
    if survey is None:
        return context
    survey = {**survey, "year_be": summary["year_be"], "open": survey["closes_on"] >= clock.today()}
    context["survey"] = survey
    context["can_close"] = opens_surveys(viewer) and survey["open"]
    year_id, term = survey["school_year"], survey["term"]
    rates = await _response_rates(survey["id"])
    rooms = [r for r in await _rooms(viewer.school_id, year_id) if can_open_class_survey(viewer, r)]
    counts = {row["classroom"]: row["n"] for row in await SurveyAnswer.select(
        SurveyAnswer.classroom, Count(SurveyAnswer.id, alias="n")).where(
        SurveyAnswer.survey == survey["id"]).group_by(SurveyAnswer.classroom)}
    context["rooms"] = [{**r, **rates.get(r["id"], {"sent": 0, "used": 0}), "answered": counts.get(r["id"], 0),
                         "readable": can_read_class_survey(viewer, r, counts.get(r["id"], 0))} for r in rooms]
    context["sent"] = sum(rate["sent"] for rate in rates.values())
    context["used"] = sum(rate["used"] for rate in rates.values())
    if reads_school_survey(viewer):
        before = same_term_last_year(surveys, survey)
        answers = await SurveyAnswer.select(SurveyAnswer.survey, SurveyAnswer.scores, SurveyAnswer.free_text).where(
            SurveyAnswer.survey.is_in([survey["id"], before["id"] if before else survey["id"]]))
        context["school"] = summarise(questions_of(survey), [a for a in answers if a["survey"] == survey["id"]])
        if before is not None:
            earlier = summarise(questions_of(before), [a for a in answers if a["survey"] == before["id"]])
            means = {q["question"]: q["mean"] for q in earlier["questions"]}
            context["last_year"] = {"survey": before, "answered": earlier["answered"]}
            for question in context["school"]["questions"]:  # the same words asked a year before: compared
                question["last_year"] = means.get(question["question"])
    return context


async def of_term(viewer: Viewer, school_year_id: int, term: int) -> dict | None:
    """A term's survey as its page shows it (overview), for the term's report; None: no survey that term."""
    found = next((s for s in await _school_surveys(viewer.school_id)
                  if s["school_year"] == school_year_id and s["term"] == term), None)
    return await overview(viewer, found["id"]) if found else None


async def close_early(viewer: Viewer, survey_id: int) -> None:
    """The admin or an executive closes an open survey before its last day: its codes answer nothing from now on,
    and parents' home pages stop asking. What was answered stays counted."""
    if not opens_surveys(viewer):
        raise SurveyError(N_("Only the school's admin or an executive opens the parents' survey."), status=403)
    if not await Survey.exists().where((Survey.id == survey_id) & (Survey.school == viewer.school_id)):
        raise SurveyError(N_("No such survey in your school."), status=404)
    closed = await Survey.update({Survey.closes_on: clock.today() - timedelta(days=1)}).where(
        (Survey.id == survey_id) & (Survey.closes_on >= clock.today())).returning(Survey.id)
    if not closed:
        raise SurveyError(N_("This survey is already closed."), status=409)


async def class_results(viewer: Viewer, survey_id: int, classroom_id: int) -> dict:
    """A class's results: executives always; its homeroom teachers once SURVEY_MIN_ANSWERS guardians answered (fewer
    are counted, not shown)."""
    survey = await Survey.select().where((Survey.id == survey_id) & (Survey.school == viewer.school_id)).first()
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if survey is None or room is None or not can_open_class_survey(viewer, room):
        raise SurveyError(N_("No such class survey among those you look after."), status=404)
    room = {**room, "label": f"{room['grade']}/{room['room']}"}
    answers = await SurveyAnswer.select(SurveyAnswer.scores, SurveyAnswer.free_text).where(
        (SurveyAnswer.survey == survey_id) & (SurveyAnswer.classroom == classroom_id))
    rate = (await _response_rates(survey_id)).get(classroom_id, {"sent": 0, "used": 0})
    readable = can_read_class_survey(viewer, room, len(answers))
    return {"survey": survey, "room": room, "answered": len(answers), **rate, "readable": readable,
            "results": summarise(questions_of(survey), answers) if readable else None,
            "min_answers": SURVEY_MIN_ANSWERS}
