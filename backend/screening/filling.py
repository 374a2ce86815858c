"""Filling in a questionnaire: a student's or a parent's form a screen at a time, the homeroom teacher's own SDQ,
and paper forms typed in; each filing is scored with the school's cut-offs."""

from __future__ import annotations


from backend import db
from backend.accounts.access import (Viewer, can_enter_paper, can_fill_form, visible_students)
from backend.i18n import N_
from backend.screening.scoring import Instrument
from backend.screening.tables import FormSource, FormStatus, ScreeningForm
from backend.students import enrolment
from backend.students.tables import Student
from backend.clock import now

from backend.screening.services import (INFORMANTS, ITEMS_PER_STEP, ScreeningError, base_instrument,
                                       criteria_of, current_forms, current_term, draft_slot, get_student,
                                       instrument_for, score_filing, steps_of, wording_of)


# --- Filling in a form --------------------------------------------------------------------------------------




def _check(instrument: str, informant: str) -> None:
    if informant not in INFORMANTS.get(instrument, ()):
        raise ScreeningError(N_("No such questionnaire."), status=404)


async def open_form(viewer: Viewer, student_id: int, instrument: str, informant: str) -> dict:
    """The draft this viewer goes on with (made on first open), or a fresh one after a submission."""
    _check(instrument, informant)
    student = await get_student(viewer, student_id)
    if not can_fill_form(viewer, student, informant):
        raise ScreeningError(N_("This questionnaire is not yours to fill in."), status=403)
    year_id, term = await current_term(viewer)
    key = ((ScreeningForm.student == student_id) & (ScreeningForm.school_year == year_id)
           & (ScreeningForm.term == term) & (ScreeningForm.instrument == instrument)
           & (ScreeningForm.informant == informant))
    mine = key & (ScreeningForm.slot == draft_slot(viewer))
    draft = await ScreeningForm.select().where(mine).output(load_json=True).first()
    if draft is None:
        moment = now()
        try:
            await ScreeningForm.insert(ScreeningForm(
                school=viewer.school_id, student=student_id, school_year=year_id, term=term, instrument=instrument,
                informant=informant, answers={}, impact={}, result={}, filled_by=viewer.user_id,
                slot=draft_slot(viewer), started_at=moment, updated_at=moment))
        except db.UNIQUE_VIOLATIONS:
            pass  # opened twice at once (a double tap): both go on with the one draft
        draft = await ScreeningForm.select().where(mine).output(load_json=True).first()
    submitted = await ScreeningForm.select(ScreeningForm.submitted_at).where(
        key & (ScreeningForm.slot == "current")).first()
    wording = await wording_of(viewer.school_id, instrument)
    return {"form": draft, "student": student, "submitted_before": submitted["submitted_at"] if submitted else None,
            "wording": wording}


async def reopen(viewer: Viewer, form_id: int) -> dict:
    """The same form again (to show what to fix on a step the server refused)."""
    form = await ScreeningForm.select(ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant).where(
        (ScreeningForm.id == form_id) & (ScreeningForm.school == viewer.school_id)).first()
    if form is None:
        raise ScreeningError(N_("No such questionnaire."), status=404)
    return await open_form(viewer, form["student"], form["instrument"], form["informant"])


def _parse_ticks(instrument: Instrument, numbers: list[int], raw: dict[str, str]) -> dict[str, int]:
    allowed = {choice.value for choice in instrument.choices}
    ticks, wrong = {}, []
    for number in numbers:
        text = (raw.get(f"q{number}") or "").strip()
        if not text:
            continue
        if not text.lstrip("-").isdecimal() or int(text) not in allowed:
            wrong.append(number)
        else:
            ticks[str(number)] = int(text)
    if wrong:
        raise ScreeningError(N_("Answer %(items)s again: the answer sent is not one on the form."),
                             items=", ".join(map(str, wrong)))
    return ticks


def step_items(name: str, step: int) -> list[int]:
    per = ITEMS_PER_STEP[name]
    count = len(base_instrument(name).items)
    return list(range(step * per + 1, min((step + 1) * per, count) + 1))


async def _own_draft(viewer: Viewer, form_id: int) -> tuple[dict, dict]:
    form = await ScreeningForm.select().where(
        (ScreeningForm.id == form_id) & (ScreeningForm.school == viewer.school_id)).output(load_json=True).first()
    if form is None:
        raise ScreeningError(N_("No such questionnaire."), status=404)
    student = await get_student(viewer, form["student"])
    if not can_fill_form(viewer, student, form["informant"]):
        raise ScreeningError(N_("This questionnaire is not yours to fill in."), status=403)
    if form["slot"] != draft_slot(viewer):
        raise ScreeningError(N_("This questionnaire was already sent. Open it again to fill in a new one."),
                             status=409)
    if (form["school_year"], form["term"]) != await current_term(viewer):
        # A page left open over the break: last term's screening is closed (its groups may be confirmed).
        raise ScreeningError(N_("This questionnaire belongs to a term that has ended. Open it again to fill in "
                                "this term's."), status=409)
    return form, student


async def save_step(viewer: Viewer, form_id: int, step: int, raw: dict[str, str], action: str = "next") -> dict:
    """Keep this screen's answers (blank ones too: they can be filled later) and move the bookmark: on to the next
    screen, back to the one before, or — stopping — to this screen again if it has a blank, else the next."""
    form, _ = await _own_draft(viewer, form_id)
    name = form["instrument"]
    instrument = base_instrument(name)
    total_steps = steps_of(name)
    if not 0 <= step < total_steps:
        raise ScreeningError(N_("No such page of the questionnaire."), status=404)
    answers = dict(form["answers"])
    impact = dict(form["impact"])
    numbers = step_items(name, step)
    if numbers:
        for number in numbers:
            answers.pop(str(number), None)
        answers.update(_parse_ticks(instrument, numbers, raw))
    else:  # the SDQ's back page
        impact = _parse_impact(instrument, form["informant"], raw)
    if action == "back":
        bookmark = step - 1
    elif action == "stop" and any(str(number) not in answers for number in numbers):
        bookmark = step
    else:
        bookmark = step + 1
    saved = await ScreeningForm.update({ScreeningForm.answers: answers, ScreeningForm.impact: impact,
                                        ScreeningForm.step: max(0, min(bookmark, total_steps - 1)),
                                        ScreeningForm.updated_at: now()}).where(
        (ScreeningForm.id == form_id) & (ScreeningForm.slot == draft_slot(viewer))).returning(ScreeningForm.id)
    if not saved:  # sent from another tab in the meantime: a filed form is never changed under its scores
        raise ScreeningError(N_("This questionnaire was already sent. Open it again to fill in a new one."),
                             status=409)
    return {**form, "answers": answers, "impact": impact}


def _parse_impact(instrument: Instrument, informant: str, raw: dict[str, str]) -> dict[str, int]:
    impact = instrument.impact
    found = {}
    for name, allowed in [("difficulty", {c.value for c in impact.difficulty})] + [
            (q, set(impact.points)) for q in impact.informants[informant]]:
        text = (raw.get(name) or "").strip()
        if text.isdecimal() and int(text) in allowed:
            found[name] = int(text)
        elif text:
            raise ScreeningError(N_("Answer the last page again: an answer sent is not one on the form."))
    return found




async def submit(viewer: Viewer, form_id: int) -> dict:
    form, student = await _own_draft(viewer, form_id)
    blank = [n for n in range(1, len(base_instrument(form["instrument"]).items) + 1)
             if str(n) not in form["answers"]]
    return await _file(viewer, form, student, form["answers"], form["impact"], blank)


async def _file(viewer: Viewer, form: dict, student: dict, answers: dict, impact: dict, blank: list[int]) -> dict:
    """Score and file a form as the current one for its student, term and informant; the one it replaces stays
    in history. Refuses a form so empty that nothing could be scored (the SDQ total needs 4 scales)."""
    document = await criteria_of(viewer.school_id)
    instrument = instrument_for(form["instrument"], document, form["informant"])
    result = score_filing(instrument, form["informant"], answers, impact)
    if result["scales"]["total"]["score"] is None:
        raise ScreeningError(N_("Too many questions are blank to score this form (%(count)s blank). "
                                "Answer the blank ones and send it again."), count=len(blank))
    moment = now()
    key = ((ScreeningForm.student == form["student"]) & (ScreeningForm.school_year == form["school_year"])
           & (ScreeningForm.term == form["term"]) & (ScreeningForm.instrument == form["instrument"])
           & (ScreeningForm.informant == form["informant"]))
    async with db.transaction():
        await db.lock("screening", form["student"])  # two submissions at once: one replaces the other, in order
        await ScreeningForm.update({ScreeningForm.slot: None, ScreeningForm.status: FormStatus.replaced.value}).where(
            key & (ScreeningForm.slot == "current"))
        values = {ScreeningForm.answers: answers, ScreeningForm.impact: impact, ScreeningForm.result: result,
                  ScreeningForm.version: result["version"], ScreeningForm.status: FormStatus.submitted.value,
                  ScreeningForm.slot: "current", ScreeningForm.submitted_at: moment, ScreeningForm.updated_at: moment,
                  ScreeningForm.filled_by: viewer.user_id}
        if form.get("id"):
            filed = await ScreeningForm.update(values).where(
                (ScreeningForm.id == form["id"]) & (ScreeningForm.slot == form["slot"])).returning(ScreeningForm.id)
            if not filed:
                raise ScreeningError(N_("This questionnaire was already sent. Open it again to fill in a new one."),
                                     status=409)
        else:
            await ScreeningForm.insert(ScreeningForm(**{column._meta.name: value for column, value in values.items()},
                                                     **{k: v for k, v in form.items() if k != "id"}))
    return {"result": result, "blank": blank, "student": student}


def parse_typed(instrument: Instrument, text: str) -> tuple[dict[str, int], list[int]]:
    """A paper form typed in: one digit per item in order ("0120…"); spaces, commas and "-" (blank) allowed."""
    allowed = {str(choice.value) for choice in instrument.choices}
    marks = [ch for ch in text if not ch.isspace() and ch != ","]
    count = len(instrument.items)
    if len(marks) != count:
        raise ScreeningError(N_("Type %(count)s answers, one per question (you typed %(typed)s). "
                                "Use - for a blank one."), errors={"typed": "typed"}, count=count, typed=len(marks))
    wrong = [str(i) for i, mark in enumerate(marks, start=1) if mark != "-" and mark not in allowed]
    if wrong:
        raise ScreeningError(N_("Question %(items)s: only %(allowed)s or - are on the form."),
                             errors={"typed": "typed"}, items=", ".join(wrong), allowed=", ".join(sorted(allowed)))
    answers = {str(i): int(mark) for i, mark in enumerate(marks, start=1) if mark != "-"}
    blank = [i for i, mark in enumerate(marks, start=1) if mark == "-"]
    return answers, blank


async def entry_sheet(viewer: Viewer, student_id: int, instrument_name: str, informant: str) -> dict:
    """The whole-form entry page: the student, and who in the class comes next without this form yet."""
    _check(instrument_name, informant)
    student = await get_student(viewer, student_id)
    if not can_enter_paper(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher or a counsellor can enter this form."),
                             status=403)
    classmates = await Student.select(Student.id, Student.first_name, Student.number_in_class).where(
        visible_students(viewer) & enrolment.enrolled_today(viewer.school_id, [student["classroom"]])
    ).order_by(Student.number_in_class)
    year_id, term = await current_term(viewer)
    forms = await current_forms([c["id"] for c in classmates], year_id, term)
    filled = {sid for sid, theirs in forms.items() if (instrument_name, informant) in theirs}
    number = student["number_in_class"] or 0
    following = next((c for c in classmates if (c["number_in_class"] or 0) > number and c["id"] not in filled), None)
    return {"student": student, "instrument": base_instrument(instrument_name), "informant": informant,
            "next_student": following, "done": len(filled), "count": len(classmates),
            "wording": await wording_of(viewer.school_id, instrument_name)}


async def enter_paper(viewer: Viewer, student_id: int, instrument_name: str, informant: str, raw: dict) -> dict:
    """A whole form at once: the homeroom teacher's own SDQ from the quick list, or a paper form typed in
    (radio answers q1…qN, or the typed string "typed")."""
    _check(instrument_name, informant)
    student = await get_student(viewer, student_id)
    if not can_enter_paper(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher or a counsellor can enter this form."),
                             status=403)
    instrument = base_instrument(instrument_name)
    if (raw.get("typed") or "").strip():
        answers, blank = parse_typed(instrument, raw["typed"])
    else:
        numbers = list(range(1, len(instrument.items) + 1))
        answers = _parse_ticks(instrument, numbers, raw)
        blank = [n for n in numbers if str(n) not in answers]
    impact = _parse_impact(instrument, informant, raw) if instrument_name == "sdq" else {}
    year_id, term = await current_term(viewer)
    moment = now()
    on_paper = not (informant == "teacher" and viewer.keeps_homeroom(student["classroom"]))
    form = {"school": viewer.school_id, "student": student_id, "school_year": year_id, "term": term,
            "instrument": instrument_name, "informant": informant, "step": 0, "started_at": moment,
            "source": (FormSource.paper if on_paper else FormSource.app).value}
    return await _file(viewer, form, student, answers, impact, blank)
