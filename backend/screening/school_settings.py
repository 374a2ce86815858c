"""The school's own screening settings: its criteria, SDQ cut-offs and EQ ranges, scoring this term's forms again
after a change, and the licensed wording of the questionnaires."""

from __future__ import annotations


from backend import db
from backend.accounts.access import (Viewer)
from backend.i18n import N_
from backend.request_input import plain_text
from backend.screening import criteria as rules
from backend.screening.scoring import EQ_AGE_BAND, Instrument, with_cutoffs
from backend.screening.tables import FormStatus, ScreeningCriteria, ScreeningForm
from backend.clock import now

from backend.screening.services import (INFORMANTS, ScreeningError, base_instrument,
                                       criteria_of, current_term, instrument_for, score_filing)


# --- Criteria -----------------------------------------------------------------------------------------------




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
    for chunk in db.chunks(ids, 200):
        async with db.transaction():
            rows = await ScreeningForm.select().where(
                ScreeningForm.id.is_in(chunk) & (ScreeningForm.slot == "current")).output(load_json=True)
            for student in sorted({row["student"] for row in rows}):
                await db.lock("screening", student)  # in step with a teacher filing a new form for the student
            scored = {row["id"]: (row, score_filing(instruments[(row["instrument"], row["informant"])],
                                                    row["informant"], row["answers"], row["impact"])) for row in rows}
            moved = [form_id for form_id, (row, result) in scored.items()
                     if {**row["result"], "version": result["version"]} != result]
            for form_id in scored.keys() - set(moved):  # the same bands under the new cut-offs: only the label
                result = scored[form_id][1]
                unchanged += len(await ScreeningForm.update(
                    {ScreeningForm.version: result["version"], ScreeningForm.result: result}).where(
                    (ScreeningForm.id == form_id) & (ScreeningForm.slot == "current")).returning(ScreeningForm.id))
            # a form replaced meanwhile by a new filing is left alone: the new one was scored with today's cut-offs
            still = {row["id"] for row in await ScreeningForm.update(
                {ScreeningForm.slot: None, ScreeningForm.status: FormStatus.rescored.value}).where(
                ScreeningForm.id.is_in(moved) & (ScreeningForm.slot == "current")
            ).returning(ScreeningForm.id)} if moved else set()
            fresh = [ScreeningForm(**{**{k: v for k, v in row.items() if k != "id"}, "result": result,
                                      "version": result["version"], "slot": "current",
                                      "status": FormStatus.submitted.value,
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

    from backend.students.columns import decode

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
