"""Screening: filling in SDQ and EQ forms step by step, typed-in paper forms, the school's criteria and checklists,
the proposed group with its reasons, the homeroom teacher's decision, and the summaries built from them."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from backend import db
from backend.accounts import reads
from backend.accounts.access import (Viewer, can_confirm_group, can_enter_paper, can_fill_form, can_see_classroom_screening,
                                     can_see_screening,
                                     visible_students)
from backend.accounts import services as accounts
from backend.i18n import N_, Refusal
from backend.request_input import plain_text
from backend.attendance import services as attendance
from backend.records import services as records
from backend.visits import services as visits
from backend.schools.tables import Classroom, Term
from backend.screening import criteria as rules
from backend.screening.scoring import EQ_AGE_BAND, Instrument, load_instrument, score_eq, score_sdq, with_cutoffs
from backend.screening.tables import (FORM_LABELS, GROUP_LABELS, DomainChecklist, Group, GroupDecision, ScreeningCriteria,
                                      ScreeningForm)
from backend.students import services as students
from backend.students.tables import Student
from backend import clock
from backend.clock import now

INFORMANTS = {"sdq": ("student", "teacher", "parent"), "eq": ("student",)}
ITEMS_PER_STEP = {"sdq": 5, "eq": 6}  # one phone screen each: 5 steps of SDQ, 9 of EQ


class ScreeningError(Refusal):
    pass


@functools.cache
def base_instrument(name: str) -> Instrument:
    return load_instrument(name)


def instrument_for(name: str, document: dict, informant: str | None = None) -> Instrument:
    """The instrument with the school's own cut-offs, when it has set any (criteria document "cutoffs"). Given an
    SDQ informant, only that informant's cut-offs go in, so a form's version changes only when its own do."""
    overrides = (document.get("cutoffs") or {}).get(name) or {}
    if name == "sdq" and informant is not None:
        overrides = {group: scales for group, scales in overrides.items() if group == informant}
    return with_cutoffs(base_instrument(name), overrides) if overrides else base_instrument(name)


def steps_of(name: str) -> int:
    items = len(base_instrument(name).items)
    per = ITEMS_PER_STEP[name]
    return (items + per - 1) // per + (1 if name == "sdq" else 0)  # the SDQ's last step is its back page (impact)


# --- Who, which term --------------------------------------------------------------------------------------------


async def current_term(viewer: Viewer) -> tuple[int, int]:
    """This school year and term; between terms, the term that last began (screening results stay on show)."""
    if viewer.term_number is not None:
        return viewer.school_year_id, viewer.term_number
    terms = await Term.select(Term.number, Term.starts_on).where(Term.school_year == viewer.school_year_id)
    today = clock.today()  # the school's date, not UTC's (7 hours behind)
    started = [t["number"] for t in terms if t["starts_on"] <= today]
    return viewer.school_year_id, max(started, default=1)


async def get_student(viewer: Viewer, student_id: int) -> dict:
    student = await students.visible_student(viewer, student_id)
    if student is None:
        raise ScreeningError(N_("No such student among those you can see."), status=404)
    return student


# --- Criteria -----------------------------------------------------------------------------------------------


async def criteria_of(school_id: int) -> dict:
    row = await ScreeningCriteria.select(ScreeningCriteria.document).where(
        ScreeningCriteria.school == school_id).order_by(ScreeningCriteria.id, ascending=False).output(
        load_json=True).first()
    return rules.complete(row["document"] if row else None)


def _number(raw: str, name: str, errors: dict) -> float | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = N_("Type a number, or leave it empty to switch the rule off.")
        return None
    low, high = rules.RULE_LIMITS[name]
    if not low <= value <= high:
        errors[name] = N_("This number is out of range.")
        return None
    return value


async def _save_criteria_parts(viewer: Viewer, **parts) -> None:
    """Each criteria form edits its own parts (signs and rules, cut-offs, wording); the others are kept as they
    were. Saved whole each time: the newest document is in force, the older ones are the history."""
    document = {**await criteria_of(viewer.school_id), **parts}
    await ScreeningCriteria.insert(ScreeningCriteria(school=viewer.school_id, document=document,
                                                     saved_by=viewer.user_id, saved_at=now()))


async def save_criteria(viewer: Viewer, form: dict[str, list[str]], translate) -> None:
    """The admin's criteria form: one textarea per domain and level (a sign per line) and the rule fields."""
    current = await criteria_of(viewer.school_id)
    errors: dict[str, str] = {}
    first = {name: (values[0] if values else "") for name, values in form.items()}
    rule_values = {name: _number(first.get(name, ""), name, errors) for name in rules.RULE_LIMITS}
    for name in ("absences_risk_from", "absences_problem_from"):
        if rule_values[name] is not None:
            rule_values[name] = int(rule_values[name])
    rule_values["sdq_informants"] = [i for i in form.get("sdq_informants", []) if i in rules.SDQ_INFORMANTS]
    rule_values["sdq_scales"] = [s for s in form.get("sdq_scales", []) if s in rules.SDQ_SCALES]
    rule_values["eq_below_is_risk"] = first.get("eq_below_is_risk") == "on"
    if errors:
        raise ScreeningError(N_("Some entries need fixing: see the marked fields."), errors=errors)
    signs = {}
    for domain in rules.DOMAINS:
        levels = ("special",) if domain == "special_ability" else ("risk", "problem")
        signs[domain] = {level: rules.edit_signs(current["signs"].get(domain, {}).get(level, []),
                                                 first.get(f"signs.{domain}.{level}", ""), f"{domain}.{level}",
                                                 translate) for level in levels}
    await _save_criteria_parts(viewer, signs=signs, rules=rule_values)


CUTOFF_SCALES = ("emotional", "conduct", "hyperactivity", "peer", "total", "prosocial")


def cutoff_starts(instrument: Instrument) -> dict[str, dict[str, dict[str, int]]]:
    """Where each SDQ band starts, by informant and scale: what the criteria page shows and edits."""
    return {informant: {scale: {band.name: band.low for band in instrument.cutoffs[informant][scale]}
                        for scale in CUTOFF_SCALES} for informant in INFORMANTS["sdq"]}


async def save_cutoffs(viewer: Viewer, raw: dict[str, str]) -> None:
    """The school's own SDQ cut-offs (where care-facts marks the Thai ones uncertain, the parent form above all):
    the score each band starts at. Forms filed from now on are scored with them; a filed form keeps the cut-offs
    that scored it (its version says which)."""
    base = base_instrument("sdq")
    overrides: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for informant in INFORMANTS["sdq"]:
        for scale in CUTOFF_SCALES:
            top = base.scales[scale].high
            names = ("strength",) if scale == "prosocial" else ("risk", "problem")
            starts = {}
            for name in names:
                text = (raw.get(f"cut.{informant}.{scale}.{name}") or "").strip()
                if not text.isdecimal() or not 1 <= int(text) <= top:
                    errors[f"cut.{informant}.{scale}.{name}"] = "bad"
                else:
                    starts[name] = int(text)
            if len(starts) != len(names):
                continue
            if scale == "prosocial":
                bands = {"no_strength": [0, starts["strength"] - 1], "strength": [starts["strength"], top]}
            elif starts["risk"] >= starts["problem"]:  # either may be the slip: mark both
                errors[f"cut.{informant}.{scale}.risk"] = errors[f"cut.{informant}.{scale}.problem"] = "bad"
                continue
            else:
                bands = {"normal": [0, starts["risk"] - 1], "risk": [starts["risk"], starts["problem"] - 1],
                         "problem": [starts["problem"], top]}
            current = {band.name: [band.low, band.high] for band in base.cutoffs[informant][scale]}
            if bands != current:
                overrides.setdefault(informant, {})[scale] = bands
    if errors:
        raise ScreeningError(N_("Each band starts at a whole number within the scale, and at risk starts below "
                                "a problem: see the marked fields."), errors=errors)
    with_cutoffs(base, overrides)  # checked once more as a whole, as scoring will use it
    cutoffs = (await criteria_of(viewer.school_id)).get("cutoffs") or {}
    await _save_criteria_parts(viewer, cutoffs={**cutoffs, "sdq": overrides})


def eq_normal_ranges(instrument: Instrument) -> dict[str, tuple[int, int]]:
    """Each EQ scale's normal range for ages 12–17 (below it "below", above it "above")."""
    return {name: next((band.low, band.high) for band in bands if band.name == "within")
            for name, bands in instrument.cutoffs[EQ_AGE_BAND].items()}


async def save_eq_ranges(viewer: Viewer, raw: dict[str, str]) -> None:
    """The school's own EQ normal ranges, like its SDQ cut-offs: for forms filed from now on."""
    base = base_instrument("eq")
    overrides: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for name, (low, high) in eq_normal_ranges(base).items():
        scale = base.scales[name]
        texts = [(raw.get(f"eq.{name}.{end}") or "").strip() for end in ("low", "high")]
        if not all(text.isdecimal() for text in texts) or not scale.low < int(texts[0]) <= int(texts[1]) < scale.high:
            errors[f"eq.{name}.low"] = "bad"
            continue
        new_low, new_high = int(texts[0]), int(texts[1])
        if (new_low, new_high) != (low, high):
            overrides[name] = {"below": [scale.low, new_low - 1], "within": [new_low, new_high],
                               "above": [new_high + 1, scale.high]}
    if errors:
        raise ScreeningError(N_("Each normal range lies inside its scale, with the lowest score first: see the "
                                "marked fields."), errors=errors)
    with_cutoffs(base, {EQ_AGE_BAND: overrides} if overrides else {})
    cutoffs = (await criteria_of(viewer.school_id)).get("cutoffs") or {}
    await _save_criteria_parts(viewer, cutoffs={**cutoffs, "eq": {EQ_AGE_BAND: overrides} if overrides else {}})


def _scored_otherwise(document: dict):
    """Filed forms scored with cut-offs other than the school's now (their version differs)."""
    stale = None
    for name, informants in INFORMANTS.items():
        for informant in informants:
            clause = ((ScreeningForm.instrument == name) & (ScreeningForm.informant == informant)
                      & (ScreeningForm.version != instrument_for(name, document, informant).version))
            stale = clause if stale is None else stale | clause
    return stale


async def _this_terms_forms(viewer: Viewer):
    year_id, term = await current_term(viewer)
    return ((ScreeningForm.school == viewer.school_id) & (ScreeningForm.school_year == year_id)
            & (ScreeningForm.term == term) & (ScreeningForm.slot == "current"))


async def forms_to_rescore(viewer: Viewer) -> int:
    """How many of this term's filed questionnaires were scored with cut-offs the school has since changed."""
    document = await criteria_of(viewer.school_id)
    return await ScreeningForm.count().where(await _this_terms_forms(viewer) & _scored_otherwise(document))


async def rescore_term(viewer: Viewer) -> tuple[int, int]:
    """Score this term's filed questionnaires again with the cut-offs now in force, so that a class is not banded
    two ways after the school changed them mid-term. A form whose bands change goes into history (status
    "rescored") and a new current one carries the same answers, filler and dates; a form whose bands come out the
    same only has its version brought up to date. Earlier terms keep the cut-offs of their day.
    Returns how many forms were scored again, and how many came out the same."""
    document = await criteria_of(viewer.school_id)
    instruments = {(name, informant): instrument_for(name, document, informant)
                   for name, informants in INFORMANTS.items() for informant in informants}
    ids = [row["id"] for row in await ScreeningForm.select(ScreeningForm.id).where(
        await _this_terms_forms(viewer) & _scored_otherwise(document))]
    moment, count, unchanged = now(), 0, 0
    for chunk in _chunks(ids, 200):
        async with db.transaction():
            rows = await ScreeningForm.select().where(
                ScreeningForm.id.is_in(chunk) & (ScreeningForm.slot == "current")).output(load_json=True)
            for student in sorted({row["student"] for row in rows}):
                await db.lock("screening", student)  # in step with a teacher filing a new form for the student
            scored = {row["id"]: (row, _score(instruments[(row["instrument"], row["informant"])], row["informant"],
                                              row["answers"], row["impact"])) for row in rows}
            moved = [form_id for form_id, (row, result) in scored.items()
                     if {**row["result"], "version": result["version"]} != result]
            for form_id in scored.keys() - set(moved):  # the same bands under the new cut-offs: only the label
                result = scored[form_id][1]
                unchanged += len(await ScreeningForm.update(
                    {ScreeningForm.version: result["version"], ScreeningForm.result: result}).where(
                    (ScreeningForm.id == form_id) & (ScreeningForm.slot == "current")).returning(ScreeningForm.id))
            # a form replaced meanwhile by a new filing is left alone: the new one was scored with today's cut-offs
            still = {row["id"] for row in await ScreeningForm.update(
                {ScreeningForm.slot: None, ScreeningForm.status: "rescored"}).where(
                ScreeningForm.id.is_in(moved) & (ScreeningForm.slot == "current")
            ).returning(ScreeningForm.id)} if moved else set()
            fresh = [ScreeningForm(**{**{k: v for k, v in row.items() if k != "id"}, "result": result,
                                      "version": result["version"], "slot": "current", "status": "submitted",
                                      "rescored_by": viewer.user_id, "rescored_at": moment, "updated_at": moment})
                     for form_id, (row, result) in scored.items() if form_id in still]
            if fresh:
                await ScreeningForm.insert(*fresh)
            count += len(fresh)
    return count, unchanged


def parse_wording(instrument: Instrument, data: bytes) -> dict[str, str]:
    """The official item wording a school holds a licence for, as a CSV of "item number, wording" lines (a header
    line is allowed). Every item must be there exactly once; the error names each line to fix."""
    import csv
    import io

    from backend.students.roster import decode

    text, _ = decode(data)
    count = len(instrument.items)
    wording: dict[str, str] = {}
    problems: list[str] = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        number, words = row[0].strip(), ",".join(row[1:]).strip()
        if not plain_text(words):
            problems.append(str(line_number))
        elif not number.isdecimal():
            if line_number == 1:
                continue  # a header
            problems.append(str(line_number))
        elif not 1 <= int(number) <= count or number.lstrip("0") in wording or not words or len(words) > 400:
            problems.append(str(line_number))
        else:
            wording[number.lstrip("0")] = words
    if problems:
        raise ScreeningError(N_("Lines %(lines)s: each line needs an item number from 1 to %(count)s, used once, and "
                                "its wording (up to 400 characters)."), lines=", ".join(problems[:20]), count=count)
    if len(wording) != count:
        missing = [str(n) for n in range(1, count + 1) if str(n) not in wording]
        raise ScreeningError(N_("Items missing from the file: %(items)s."), items=", ".join(missing[:30]))
    return wording


async def wording_of(school_id: int, name: str) -> dict[str, str]:
    return ((await criteria_of(school_id)).get("wording") or {}).get(name, {})


async def save_wording(viewer: Viewer, name: str, data: bytes | None) -> None:
    """Forms of this school show the given wording from now on; None goes back to our short gists."""
    if name not in INFORMANTS:
        raise ScreeningError(N_("No such questionnaire."), status=404)
    document = await criteria_of(viewer.school_id)
    wording = dict(document.get("wording") or {})
    if data is None:
        wording.pop(name, None)
    else:
        wording[name] = parse_wording(base_instrument(name), data)
    await _save_criteria_parts(viewer, wording=wording)


# --- Filling in a form --------------------------------------------------------------------------------------


def draft_slot(viewer: Viewer) -> str:
    """Each person fills in their own draft: two parents (or two homeroom teachers) never see or overwrite each
    other's unsent answers. Once sent, a form is the one current form of its informant."""
    return f"d{viewer.user_id}"


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


def _score(instrument: Instrument, informant: str, answers: dict, impact: dict) -> dict:
    ticks = [answers.get(str(n)) for n in range(1, len(instrument.items) + 1)]
    if instrument.name == "sdq":
        result = score_sdq(instrument, informant, ticks, impact if impact.get("difficulty") is not None else None)
    else:
        result = score_eq(instrument, ticks, EQ_AGE_BAND)
    shape = result.to_json()
    shape["prorated"] = sorted(name for name, scale in result.scales.items() if scale.prorated)
    return shape


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
    result = _score(instrument, form["informant"], answers, impact)
    if result["scales"]["total"]["score"] is None:
        raise ScreeningError(N_("Too many questions are blank to score this form (%(count)s blank). "
                                "Answer the blank ones and send it again."), count=len(blank))
    moment = now()
    key = ((ScreeningForm.student == form["student"]) & (ScreeningForm.school_year == form["school_year"])
           & (ScreeningForm.term == form["term"]) & (ScreeningForm.instrument == form["instrument"])
           & (ScreeningForm.informant == form["informant"]))
    async with db.transaction():
        await db.lock("screening", form["student"])  # two submissions at once: one replaces the other, in order
        await ScreeningForm.update({ScreeningForm.slot: None, ScreeningForm.status: "replaced"}).where(
            key & (ScreeningForm.slot == "current"))
        values = {ScreeningForm.answers: answers, ScreeningForm.impact: impact, ScreeningForm.result: result,
                  ScreeningForm.version: result["version"], ScreeningForm.status: "submitted",
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
        visible_students(viewer) & (Student.classroom == student["classroom"]) & (Student.active == True)  # noqa: E712
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
            "source": "paper" if on_paper else "app"}
    return await _file(viewer, form, student, answers, impact, blank)


# --- Checklists and decisions -------------------------------------------------------------------------------


async def save_checklist(viewer: Viewer, student_id: int, form: dict[str, list[str]], translate) -> None:
    student = await get_student(viewer, student_id)
    if not can_confirm_group(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher can fill in the screening record."),
                             status=403)
    document = await criteria_of(viewer.school_id)
    ticked_keys = set(form.get("sign", []))
    ticks: dict[str, dict[str, str]] = {}
    for domain, levels in document["signs"].items():
        for level, signs in levels.items():
            for sign in signs:
                if sign["key"] in ticked_keys:
                    ticks.setdefault(domain, {})[sign["key"]] = rules.sign_label(sign, translate)
    notes = {domain: text[:1000] for domain in rules.DOMAINS
             if (text := (form.get(f"note.{domain}") or [""])[0].strip())}
    year_id, term = await current_term(viewer)
    await DomainChecklist.insert(DomainChecklist(school=viewer.school_id, student=student_id, school_year=year_id,
                                                 term=term, ticks=ticks, notes=notes, written_by=viewer.user_id,
                                                 written_at=now()))


async def confirm_group(viewer: Viewer, student_id: int, group: str, note: str) -> None:
    student = await get_student(viewer, student_id)
    if not can_confirm_group(viewer, student):
        raise ScreeningError(N_("Only the student's homeroom teacher can confirm the group."), status=403)
    try:
        chosen = Group(group)
    except ValueError:
        raise ScreeningError(N_("Choose one of the four groups."), errors={"group": "group"}) from None
    year_id, term = await current_term(viewer)
    proposal = (await proposals(viewer.school_id, [student_id], year_id, term))[student_id]
    note = note.strip()[:2000]
    if chosen is not proposal.group and not note:
        raise ScreeningError(N_("Say in the note why the group differs from the proposal."),
                             errors={"note": "note"})
    await GroupDecision.insert(GroupDecision(
        school=viewer.school_id, student=student_id, school_year=year_id, term=term, proposed=proposal.group.value,
        reasons=proposal.reasons_json(), group=chosen.value, note=note, decided_by=viewer.user_id,
        decided_at=now()))


# --- Gathering facts, in bulk -------------------------------------------------------------------------------


async def current_forms(student_ids: list[int], year_id: int, term: int) -> dict[int, dict[tuple[str, str], dict]]:
    found: dict[int, dict] = defaultdict(dict)
    for chunk in _chunks(student_ids):
        rows = await ScreeningForm.select(
            ScreeningForm.id, ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant,
            ScreeningForm.result, ScreeningForm.source, ScreeningForm.submitted_at, ScreeningForm.rescored_at,
            ScreeningForm.filled_by.display_name.as_alias("filled_by_name"),
        ).where(ScreeningForm.student.is_in(chunk) & (ScreeningForm.school_year == year_id)
                & (ScreeningForm.term == term) & (ScreeningForm.slot == "current")).output(load_json=True)
        for row in rows:
            found[row["student"]][(row["instrument"], row["informant"])] = row
    return found


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


async def _newest(table, columns, student_ids: list[int], where) -> dict[int, dict]:
    """The newest row per student of an append-only table."""
    found: dict[int, dict] = {}
    for chunk in _chunks(student_ids):
        rows = await table.select(table.student, *columns).where(table.student.is_in(chunk) & where).order_by(
            table.id, ascending=False).output(load_json=True)
        for row in rows:
            found.setdefault(row["student"], row)
    return found


async def facts_for(school_id: int, student_ids: list[int], year_id: int, term: int,
                    forms: dict[int, dict] | None = None) -> dict[int, rules.Facts]:
    if forms is None:
        forms = await current_forms(student_ids, year_id, term)
    checklists = await _newest(DomainChecklist, [DomainChecklist.ticks], student_ids,
                               (DomainChecklist.school_year == year_id) & (DomainChecklist.term == term))
    # Each fact comes from the area that keeps it: the record (GPA), home visits (income), attendance (absences).
    gpa = await records.gpa_last_term(student_ids)
    income = await visits.income_per_person(student_ids)
    absences: dict[int, int] = {}
    bounds = await Term.select(Term.starts_on, Term.ends_on).where(
        (Term.school_year == year_id) & (Term.number == term)).first()
    if bounds:
        absences = await attendance.days_absent(school_id, student_ids, bounds["starts_on"], bounds["ends_on"])
    facts = {}
    for student_id in student_ids:
        theirs = forms.get(student_id, {})
        facts[student_id] = rules.Facts(
            sdq={informant: form["result"] for (name, informant), form in theirs.items() if name == "sdq"},
            eq=(theirs.get(("eq", "student")) or {}).get("result"),
            ticks=(checklists.get(student_id) or {}).get("ticks") or {},
            gpa=gpa.get(student_id), income_per_person=income.get(student_id),
            absences=absences.get(student_id, 0))
    return facts


async def proposals(school_id: int, student_ids: list[int], year_id: int, term: int,
                    forms: dict[int, dict] | None = None) -> dict[int, rules.Proposal]:
    document = await criteria_of(school_id)
    facts = await facts_for(school_id, student_ids, year_id, term, forms)
    return {student_id: rules.propose(document, fact) for student_id, fact in facts.items()}


async def decisions(student_ids: list[int], year_id: int, term: int) -> dict[int, dict]:
    return await _newest(GroupDecision, [GroupDecision.group, GroupDecision.proposed, GroupDecision.note,
                                         GroupDecision.decided_at,
                                         GroupDecision.decided_by.display_name.as_alias("decided_by_name")],
                         student_ids, (GroupDecision.school_year == year_id) & (GroupDecision.term == term))


# --- Pages ----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    student: dict
    forms: dict[tuple[str, str], dict]
    proposal: rules.Proposal
    decision: dict | None

    @property
    def group(self) -> str:
        return self.decision["group"] if self.decision else self.proposal.group.value

    @property
    def to_review(self) -> bool:
        """Confirmed, but the proposal has moved since (a form filed or scored again, new absences, new ticks)."""
        return self.decision is not None and self.decision["proposed"] != self.proposal.group.value


async def classroom_of(viewer: Viewer, classroom_id: int) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not can_see_classroom_screening(viewer, room):
        raise ScreeningError(N_("No such classroom among those you can see."), status=404)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def rows_for(viewer: Viewer, where) -> list[Row]:
    members = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom, Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
        Student.classroom.grade.level.as_alias("level"),
    ).where(visible_students(viewer) & (Student.active == True) & where).order_by(  # noqa: E712
        Student.classroom.grade.level).order_by(Student.classroom.room).order_by(Student.number_in_class)
    ids = [s["id"] for s in members]
    year_id, term = await current_term(viewer)
    forms = await current_forms(ids, year_id, term)
    found = await proposals(viewer.school_id, ids, year_id, term, forms)
    decided = await decisions(ids, year_id, term)
    return [Row({**s, "label": f"{s['grade']}/{s['room']}"}, forms.get(s["id"], {}), found[s["id"]],
                decided.get(s["id"])) for s in members]


async def classroom_summary(viewer: Viewer, classroom_id: int, audited: bool = True) -> dict:
    """The class's screening at a glance. Showing it is a read of every student's results (audited) unless the
    caller only needs the list (the teacher's entry page, sign-in slips)."""
    room = await classroom_of(viewer, classroom_id)
    rows = await rows_for(viewer, Student.classroom == classroom_id)
    by_group = {group.value: [row for row in rows if row.group == group.value] for group in Group}
    domains = {domain: {level: sum(1 for row in rows if row.proposal.domains[domain] == level)
                        for level in ("risk", "problem", "special")} for domain in rules.DOMAINS}
    sdq_bands: dict[str, dict[str, dict[str, int]]] = {}
    for informant in INFORMANTS["sdq"]:
        table: dict[str, dict[str, int]] = {}
        for scale in ("emotional", "conduct", "hyperactivity", "peer", "prosocial", "total"):
            counts: dict[str, int] = defaultdict(int)
            for row in rows:
                form = row.forms.get(("sdq", informant))
                if form is None:
                    counts["missing"] += 1
                else:  # filed, though a scale with too many blanks is not scored
                    counts[form["result"]["scales"][scale]["band"] or "not_scored"] += 1
            table[scale] = dict(counts)
        sdq_bands[informant] = table
    year_id, term = await current_term(viewer)
    if audited:
        await audit_reads(viewer, [row.student["id"] for row in rows])
    return {"classroom": room, "rows": rows, "by_group": by_group, "domain_counts": domains, "sdq_bands": sdq_bands,
            "term": term, "year_be": viewer.year_be,
            "can_confirm": viewer.keeps_homeroom(classroom_id)}


async def audit_reads(viewer: Viewer, student_ids: list[int]) -> None:
    """Screening results are read like the record's health section: who and when, every time (pages and files)."""
    await reads.record_reads(viewer, student_ids, [reads.SCREENING_READ])


async def sign_in_slips(viewer: Viewer, classroom_id: int, chosen: set[int]) -> dict:
    """The homeroom's students, and new sign-in slips for those chosen (earlier slips of theirs stop working)."""
    if not viewer.keeps_homeroom(classroom_id):
        raise ScreeningError(N_("Only the homeroom teacher can do this."), status=403)
    summary = await classroom_summary(viewer, classroom_id, audited=False)
    rows = [row for row in summary["rows"] if row.student["id"] in chosen]
    slips = await accounts.issue_student_passwords(viewer, [row.student["id"] for row in rows])
    return {**summary, "issued": [{**slip, "student": row.student} for slip, row in zip(slips, rows)]}


async def student_summary(viewer: Viewer, student_id: int, translate) -> dict:
    student = await get_student(viewer, student_id)
    if not can_see_screening(viewer, student):
        raise ScreeningError(N_("Screening results are for the student's homeroom teachers, counsellors and "
                                "executives."), status=403)
    year_id, term = await current_term(viewer)
    await audit_reads(viewer, [student_id])
    row = (await rows_for(viewer, Student.id == student_id))[0]
    document = await criteria_of(viewer.school_id)
    checklist = await DomainChecklist.select(DomainChecklist.ticks, DomainChecklist.notes).where(
        (DomainChecklist.student == student_id) & (DomainChecklist.school_year == year_id)
        & (DomainChecklist.term == term)).order_by(DomainChecklist.id, ascending=False).output(
        load_json=True).first()
    history = await GroupDecision.select(
        GroupDecision.school_year.year_be.as_alias("year_be"), GroupDecision.term, GroupDecision.proposed,
        GroupDecision.group, GroupDecision.note, GroupDecision.decided_at,
        GroupDecision.decided_by.display_name.as_alias("decided_by_name"),
    ).where(GroupDecision.student == student_id).order_by(GroupDecision.id, ascending=False)
    replaced = await ScreeningForm.select(
        ScreeningForm.instrument, ScreeningForm.informant, ScreeningForm.submitted_at, ScreeningForm.result,
        ScreeningForm.source, ScreeningForm.status, ScreeningForm.filled_by.display_name.as_alias("filled_by_name"),
    ).where((ScreeningForm.student == student_id) & ScreeningForm.status.is_in(["replaced", "rescored"])).order_by(
        ScreeningForm.id, ascending=False).output(load_json=True)
    signs = {domain: [{"key": sign["key"], "label": rules.sign_label(sign, translate), "level": level}
                      for level, items in levels.items() for sign in items]
             for domain, levels in document["signs"].items()}
    ticks = (checklist or {}).get("ticks") or {}
    for domain, ticked in ticks.items():  # signs since removed from the checklist still show while ticked
        known = {sign["key"] for sign in signs.get(domain, [])}
        for key, label in ticked.items():
            if key not in known:
                signs.setdefault(domain, []).append({"key": key, "label": label, "level": key.split(".")[1]})
    return {"student": student, "row": row, "term": term, "year_be": viewer.year_be, "signs": signs,
            "ticks": ticks, "notes": (checklist or {}).get("notes") or {}, "history": history,
            "replaced": replaced, "can_confirm": can_confirm_group(viewer, student),
            "can_enter": can_enter_paper(viewer, student)}


async def own_classroom(viewer: Viewer) -> int | None:
    """A student's classroom (where their teacher goes back to after a hand-over)."""
    row = await Student.select(Student.classroom).where(visible_students(viewer)).first()
    return row["classroom"] if row else None


async def my_forms(viewer: Viewer) -> list[dict]:
    """For a student or a parent: the questionnaires they are asked to fill in this term, and where each stands."""
    year_id, term = await current_term(viewer)
    ids = sorted(viewer.student_ids)
    members = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                    Student.school).where(visible_students(viewer) & Student.id.is_in(ids or [-1]))
    forms = await current_forms(ids, year_id, term)
    drafts = await ScreeningForm.select(ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant,
                                        ScreeningForm.answers).where(
        ScreeningForm.student.is_in(ids or [-1]) & (ScreeningForm.school_year == year_id)
        & (ScreeningForm.term == term) & (ScreeningForm.slot == draft_slot(viewer))).output(load_json=True)
    started = {(d["student"], d["instrument"], d["informant"]): len(d["answers"]) for d in drafts}
    decided = await decisions(ids, year_id, term) if viewer.is_parent else {}
    wanted = [("sdq", "student"), ("eq", "student")] if viewer.is_student else [("sdq", "parent")]
    result = []
    for student in members:
        for name, informant in wanted:
            result.append({"student": student, "instrument": name, "informant": informant,
                           "items": len(base_instrument(name).items),
                           "answered": started.get((student["id"], name, informant)),
                           "submitted_at": (forms.get(student["id"], {}).get((name, informant)) or {}).get(
                               "submitted_at"),
                           "group": (decided.get(student["id"]) or {}).get("group")})
    return result


async def school_overview(viewer: Viewer) -> dict:
    """Group distribution by grade and classroom, and who has not yet been screened by which informant."""
    rows = await rows_for(viewer, Student.classroom.is_not_null())
    classes: dict[int, dict] = {}
    grades: dict[str, dict] = {}
    missing: list[Row] = []
    for row in rows:
        room = classes.setdefault(row.student["classroom"], {
            "label": row.student["label"], "id": row.student["classroom"], "groups": defaultdict(int),
            "confirmed": 0, "students": 0, "forms": defaultdict(int)})
        grade = grades.setdefault(row.student["grade"], {"label": row.student["grade"], "groups": defaultdict(int),
                                                         "students": 0})
        for bucket in (room, grade):
            bucket["groups"][row.group] += 1
            bucket["students"] += 1
        room["confirmed"] += 1 if row.decision else 0
        for name, informants in INFORMANTS.items():
            for informant in informants:
                if (name, informant) in row.forms:
                    room["forms"][f"{name}:{informant}"] += 1
        if row.proposal.missing:
            missing.append(row)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.group] += 1
    return {"classes": list(classes.values()), "grades": list(grades.values()), "totals": dict(totals),
            "students": len(rows), "missing": missing}


# --- Screening on the student's timeline ----------------------------------------------------------------------


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Screening on the timeline: forms filed and groups confirmed, for those who may see screening; a parent sees
    their own form and the confirmed group, as on their screening page."""
    is_parent = viewer.is_parent_of(student["id"])
    if not (can_see_screening(viewer, student) or is_parent):
        return []
    where = ((ScreeningForm.student == student["id"]) & ScreeningForm.submitted_at.is_not_null()
             & (ScreeningForm.status != "rescored"))  # a re-scored form is one filling, shown once
    if is_parent:
        where &= ScreeningForm.informant == "parent"
    events = [{"kind": "screening", "at": form["submitted_at"], "form": FORM_LABELS[(form["instrument"],
                                                                                     form["informant"])],
               "source": form["source"]}
              for form in await ScreeningForm.select(ScreeningForm.instrument, ScreeningForm.informant,
                                                     ScreeningForm.submitted_at, ScreeningForm.source).where(
                  where).order_by(ScreeningForm.id, ascending=False).limit(limit)]
    terms_seen = set()
    for decision in await GroupDecision.select(GroupDecision.group, GroupDecision.decided_at, GroupDecision.school_year,
                                               GroupDecision.term).where(
            GroupDecision.student == student["id"]).order_by(GroupDecision.id, ascending=False).limit(limit):
        term = (decision["school_year"], decision["term"])
        if is_parent and term in terms_seen:
            continue  # parents see the group as it stands, as on their screening page, not each change
        terms_seen.add(term)
        events.append({"kind": "group", "at": decision["decided_at"], "group": GROUP_LABELS[Group(decision["group"])]})
    return events
