"""Screening scores, pure: SDQ and EQ answers → scale scores → bands, with each instrument's keys as data."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
EQ_AGE_BAND = "12-17"

# Keys that only explain a value to a person (where it comes from, how sure we are); allowed in any object.
_DOC_KEYS = frozenset({"note", "source"})


@dataclass(frozen=True)
class Choice:
    """One box on the form: the raw value stored when it is ticked, and its label."""

    value: int
    en: str
    th: str


@dataclass(frozen=True)
class Item:
    number: int
    en: str  # a gist in our own words: the official wording is licensed
    th: str


@dataclass(frozen=True)
class Band:
    name: str
    low: int
    high: int


@dataclass(frozen=True)
class Scale:
    """A scale sums its items' scores, or (when it has parts) other scales' scores."""

    name: str
    en: str
    th: str
    bands: tuple[str, ...]  # from the lowest scores to the highest
    low: int
    high: int
    items: tuple[int, ...] = ()
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Impact:
    """The SDQ impact supplement: 'any difficulty?', then how much it upsets and gets in the way."""

    difficulty: tuple[Choice, ...]  # value 0 = no difficulty: the form skips the rest and impact is 0
    choices: tuple[Choice, ...]
    points: Mapping[int, int]  # raw tick → points; 'only a little' scores 0, like 'not at all'
    questions: Mapping[str, Item]
    informants: Mapping[str, tuple[str, ...]]  # which questions each informant's form asks
    bands: tuple[str, ...] = ("normal", "risk", "problem")

    def high(self, informant: str) -> int:
        return len(self.informants[informant]) * max(self.points.values())


@dataclass(frozen=True)
class Instrument:
    name: str
    version: str  # recorded on every result, so a stored score can be traced to the key that made it
    choices: tuple[Choice, ...]
    items: tuple[Item, ...]
    reversed_items: frozenset[int]
    max_missing: int  # items a scale may lack and still be scored (pro-rated)
    band_labels: Mapping[str, Mapping[str, str]]  # band → {'en': …, 'th': …}
    scales: Mapping[str, Scale]  # in reading order: parts come before the scales that sum them
    # norm group (the informant for the SDQ, the age band for the EQ) → scale → bands
    cutoffs: Mapping[str, Mapping[str, tuple[Band, ...]]]
    impact: Impact | None = None
    document: dict = field(default_factory=dict, repr=False, compare=False)  # the parsed JSON, for overrides

    @property
    def lowest(self) -> int:
        return self.choices[0].value

    @property
    def highest(self) -> int:
        return self.choices[-1].value

    def item_score(self, number: int, raw: int) -> int:
        # Reversed (negatively worded) items mirror the answer: SDQ 2 - raw, EQ 5 - raw.
        return self.lowest + self.highest - raw if number in self.reversed_items else raw


# --- Results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleScore:
    score: int | None  # None: too few answers to score; never a silent zero
    band: str | None
    prorated: bool = False  # estimated from some of the scale's items (shown to the teacher as such)


@dataclass(frozen=True)
class Result:
    instrument: str
    version: str
    norms: str  # whose cut-offs gave the bands: the informant (SDQ) or the age band (EQ)
    scales: Mapping[str, ScaleScore]
    informant: str | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict, the shape `doolae score` prints."""
        shape: dict = {"instrument": self.instrument}
        if self.informant is not None:
            shape["informant"] = self.informant
        shape["version"] = self.version
        shape["scales"] = {name: {"score": s.score, "band": s.band} for name, s in self.scales.items()}
        return shape


# --- Scoring ------------------------------------------------------------------------------------------------


def score_sdq(instrument: Instrument, informant: str, answers: Sequence[int | None],
              impact: Mapping[str, int | None] | None = None) -> Result:
    """Score one SDQ form. `answers` are the 25 raw ticks (0 not true, 1 somewhat, 2 certainly; None = blank).
    `impact`, when the back page was filled, maps 'difficulty' (0 no … 3 severe) and the informant's impact
    questions (0 not at all … 3 a great deal) to raw ticks."""
    _expect(instrument, "sdq")
    if informant not in instrument.cutoffs:
        raise ValueError(f"unknown SDQ informant {informant!r}: "
                         f"expected one of {', '.join(instrument.cutoffs)}")
    scales = _score_scales(instrument, instrument.cutoffs[informant], answers)
    if impact is not None:
        scales["impact"] = _score_impact(instrument, informant, impact)
    return Result("sdq", instrument.version, informant, scales, informant=informant)


def score_eq(instrument: Instrument, answers: Sequence[int | None], age_band: str = EQ_AGE_BAND) -> Result:
    """Score one EQ form: `answers` are the 52 raw ticks (1 not true … 4 very true; None = blank)."""
    _expect(instrument, "eq")
    if age_band not in instrument.cutoffs:
        raise ValueError(f"no EQ norms for age band {age_band!r}: "
                         f"this instrument has {', '.join(instrument.cutoffs)}")
    scales = _score_scales(instrument, instrument.cutoffs[age_band], answers)
    return Result("eq", instrument.version, age_band, scales)


def band_of(bands: Sequence[Band], score: int) -> str:
    for band in bands:
        if band.low <= score <= band.high:
            return band.name
    raise ValueError(f"score {score} is outside every band")  # cannot happen: bands are checked at load


def _expect(instrument: Instrument, name: str) -> None:
    if instrument.name != name:
        raise ValueError(f"expected the {name.upper()} instrument, got {instrument.name!r}")


def _score_scales(instrument: Instrument, cutoffs: Mapping[str, tuple[Band, ...]],
                  answers: Sequence[int | None]) -> dict[str, ScaleScore]:
    _check_answers(instrument, answers)
    scored: dict[str, ScaleScore] = {}
    for scale in instrument.scales.values():
        if scale.items:
            score, prorated = _sum_items(instrument, scale, answers)
        else:
            # A sum is only as good as its parts: one part not scored leaves the sum not scored.
            parts = [scored[name] for name in scale.parts]
            missing = any(part.score is None for part in parts)
            score = None if missing else sum(part.score for part in parts)
            prorated = any(part.prorated for part in parts)
        band = None if score is None else band_of(cutoffs[scale.name], score)
        scored[scale.name] = ScaleScore(score, band, prorated and score is not None)
    return scored


def _sum_items(instrument: Instrument, scale: Scale,
               answers: Sequence[int | None]) -> tuple[int | None, bool]:
    points = [instrument.item_score(n, answers[n - 1]) for n in scale.items if answers[n - 1] is not None]
    size, answered = len(scale.items), len(points)
    if size - answered > instrument.max_missing:
        return None, False
    if answered == size:
        return sum(points), False
    # Pro-rated: the mean of the answered items times the scale's length, rounded half up, in integers
    # (floor(x + 1/2)) so no float error creeps in. youthinmind's scoring syntax rounds with SPSS RND, which
    # rounds halves away from zero: the same as half up for scores that are never negative. Python's round()
    # would not do: it rounds halves to even, so 2.5 → 2 but 7.5 → 8.
    return (2 * sum(points) * size + answered) // (2 * answered), True


def _check_answers(instrument: Instrument, answers: Sequence[int | None]) -> None:
    if len(answers) != len(instrument.items):
        raise ValueError(f"{instrument.name.upper()} needs {len(instrument.items)} answers, "
                         f"got {len(answers)}")
    allowed = {choice.value for choice in instrument.choices}
    for number, raw in enumerate(answers, start=1):
        if raw is not None and not _is_tick(raw, allowed):
            raise ValueError(f"item {number}: answer {raw!r} is not on the form "
                             f"(expected one of {', '.join(map(str, sorted(allowed)))}, or blank)")


def _is_tick(raw: object, allowed) -> bool:
    # Whole numbers only: True == 1 and 1.0 == 1 in Python, but neither is a box on the form.
    return isinstance(raw, int) and not isinstance(raw, bool) and raw in allowed


def _score_impact(instrument: Instrument, informant: str, answers: Mapping[str, int | None]) -> ScaleScore:
    impact = instrument.impact
    if impact is None:
        raise ValueError(f"{instrument.name} has no impact supplement")
    asked = impact.informants[informant]
    unknown = set(answers) - {"difficulty", *asked}
    if unknown:
        raise ValueError(f"impact: {', '.join(sorted(unknown))} not on the {informant} form "
                         f"(it asks difficulty, {', '.join(asked)})")
    difficulty = answers.get("difficulty")
    if difficulty is not None and not _is_tick(difficulty, {c.value for c in impact.difficulty}):
        raise ValueError(f"impact difficulty: answer {difficulty!r} is not on the form")
    for question in asked:
        raw = answers.get(question)
        if raw is not None and not _is_tick(raw, impact.points):
            raise ValueError(f"impact {question}: answer {raw!r} is not on the form "
                             f"(expected one of {', '.join(map(str, sorted(impact.points)))}, or blank)")
    bands = instrument.cutoffs[informant]["impact"]
    if difficulty is None:
        return ScaleScore(None, None)
    if difficulty == 0:  # no difficulty: the impact questions are skipped and impact is 0 by definition
        return ScaleScore(0, band_of(bands, 0))
    if any(answers.get(question) is None for question in asked):
        # Few questions, each able to move the band on its own: no pro-rating.
        return ScaleScore(None, None)
    score = sum(impact.points[answers[question]] for question in asked)
    return ScaleScore(score, band_of(bands, score))


# --- Loading and checking an instrument ---------------------------------------------------------------------


def load_instrument(path_or_name: str | Path) -> Instrument:
    """Load 'sdq' or 'eq' from the instruments folder, or any instrument file by path; refuse a broken one."""
    path = Path(path_or_name)
    if not path.suffix and path.parent == Path("."):
        path = INSTRUMENTS_DIR / f"{path_or_name}.json"
    with path.open(encoding="utf-8") as f:
        document = json.load(f)
    return parse_instrument(document, source=path.name)


def with_cutoffs(instrument: Instrument, overrides: Mapping[str, Mapping[str, Mapping[str, Sequence[int]]]],
                 tag: str | None = None) -> Instrument:
    """A school's own cut-offs, e.g. {"parent": {"emotional": {"normal": [0, 4], "risk": [5, 5],
    "problem": [6, 10]}}}: each named scale's bands are replaced whole, then everything is checked again.
    The version gains a tag (by default a hash of the overrides), so results say which cut-offs made them."""
    document = copy.deepcopy(instrument.document)
    for group, scales in overrides.items():
        if group not in document["cutoffs"]:
            raise ValueError(f"cut-off override: unknown group {group!r} "
                             f"(this instrument has {', '.join(document['cutoffs'])})")
        known = document["cutoffs"][group]["scales"]
        for scale, bands in scales.items():
            if scale not in known:
                raise ValueError(f"cut-off override {group}: unknown scale {scale!r}")
            known[scale] = copy.deepcopy(bands)  # checked with everything else below
    if tag is None:
        digest = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8]
        tag = f"cutoffs-{digest}"
    document["version"] = f"{instrument.version}+{tag}"
    return parse_instrument(document, source=f"{instrument.name} with the school's cut-offs")


def parse_instrument(document: Mapping, source: str = "instrument") -> Instrument:
    """Build an instrument from its JSON document, raising ValueError that names the first problem found."""
    try:
        return _parse(document)
    except _Invalid as problem:
        raise ValueError(f"{source}: {problem}") from None


class _Invalid(Exception):
    pass


def _fields(obj: object, where: str, required: set[str], optional: set[str] = frozenset()) -> Mapping:
    if not isinstance(obj, Mapping):
        raise _Invalid(f"{where} must be an object")
    if missing := required - obj.keys():
        raise _Invalid(f"{where} lacks {', '.join(sorted(missing))}")
    # Unknown keys are refused so that a typo in a school's file ("cutof") is not silently ignored.
    if unknown := obj.keys() - required - optional - _DOC_KEYS:
        raise _Invalid(f"{where} has unknown {', '.join(sorted(unknown))}")
    return obj


def _mapping(obj: object, where: str) -> Mapping:
    if not isinstance(obj, Mapping):
        raise _Invalid(f"{where} must be an object")
    return obj


def _list(obj: object, where: str) -> list:
    if not isinstance(obj, list) or not obj:
        raise _Invalid(f"{where} must be a non-empty list")
    return obj


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"{where} must be a whole number, not {value!r}")
    return value


def _choices(raw: object, where: str, optional: set[str] = frozenset()) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise _Invalid(f"{where} must list at least two answers")
    choices = []
    for i, entry in enumerate(raw):
        entry = _fields(entry, f"{where}[{i}]", {"value", "en", "th"}, optional)
        choices.append(Choice(_int(entry["value"], f"{where}[{i}].value"), entry["en"], entry["th"]))
    values = [c.value for c in choices]
    # Consecutive rising values let a reversed item mirror its answer in the same range (low + high - raw).
    if values != list(range(values[0], values[0] + len(values))):
        raise _Invalid(f"{where} values must be consecutive whole numbers in rising order, not {values}")
    return tuple(choices)


def _parse(doc: Mapping) -> Instrument:
    _fields(doc, "the instrument",
            {"instrument", "version", "choices", "items", "reversed_items", "prorate", "band_labels",
             "scales", "cutoffs"},
            {"title", "impact"})
    name, version = doc["instrument"], doc["version"]
    for key, value in (("instrument", name), ("version", version)):
        if not isinstance(value, str) or not value:
            raise _Invalid(f"{key} must be a non-empty string")
    choices = _choices(doc["choices"], "choices")

    items = []
    for i, entry in enumerate(_list(doc["items"], "items")):
        entry = _fields(entry, f"items[{i}]", {"number", "en", "th"})
        items.append(Item(_int(entry["number"], f"items[{i}].number"), entry["en"], entry["th"]))
    numbers = [item.number for item in items]
    if numbers != list(range(1, len(items) + 1)):
        raise _Invalid(f"items must be numbered 1 to {len(items)} in order")

    reversed_items = frozenset(_list(doc["reversed_items"], "reversed_items"))
    if stray := sorted(n for n in reversed_items if n not in numbers):
        raise _Invalid(f"reversed item {', '.join(map(str, stray))} is not an item on the form")

    prorate = _fields(doc["prorate"], "prorate", {"max_missing"})
    max_missing = _int(prorate["max_missing"], "prorate.max_missing")

    labels = _mapping(doc["band_labels"], "band_labels")
    for band, label in labels.items():
        _fields(label, f"band_labels.{band}", {"en", "th"})
    scales = _parse_scales(doc["scales"], numbers, choices, max_missing, labels)

    impact = _parse_impact(doc["impact"]) if "impact" in doc else None
    cutoffs = _parse_cutoffs(doc["cutoffs"], scales, impact)
    return Instrument(name=name, version=version, choices=choices, items=tuple(items),
                      reversed_items=reversed_items, max_missing=max_missing, band_labels=labels,
                      scales=scales, cutoffs=cutoffs, impact=impact, document=copy.deepcopy(dict(doc)))


def _parse_scales(raw: Mapping, numbers: list[int], choices: tuple[Choice, ...], max_missing: int,
                  labels: Mapping) -> dict[str, Scale]:
    scales: dict[str, Scale] = {}
    home: dict[int, str] = {}  # item → the scale that holds it
    for name, entry in _mapping(raw, "scales").items():
        where = f"scale {name!r}"
        entry = _fields(entry, where, {"en", "th", "bands"}, {"items", "parts"})
        bands = tuple(_list(entry["bands"], f"{where} bands"))
        if len(bands) < 2 or len(set(bands)) != len(bands):
            raise _Invalid(f"{where} needs two or more distinct bands")
        if unlabelled := [b for b in bands if b not in labels]:
            raise _Invalid(f"{where}: band {unlabelled[0]!r} has no label in band_labels")
        if ("items" in entry) == ("parts" in entry):
            raise _Invalid(f"{where} must have either items or parts")
        if "items" in entry:
            members = tuple(_list(entry["items"], f"{where} items"))
            for number in members:
                if number not in numbers:
                    raise _Invalid(f"{where} lists item {number}, which is not on the form")
                if number in home:
                    twice = "twice in" if home[number] == name else f"in two scales: {home[number]!r} and"
                    raise _Invalid(f"item {number} is {twice} {name!r}")
                home[number] = name
            if max_missing >= len(members):
                raise _Invalid(f"prorate.max_missing {max_missing} would score {where} "
                               "from no answers at all")
            scale = Scale(name, entry["en"], entry["th"], bands, low=len(members) * choices[0].value,
                          high=len(members) * choices[-1].value, items=members)
        else:
            parts = tuple(_list(entry["parts"], f"{where} parts"))
            for part in parts:
                if part not in scales:
                    raise _Invalid(f"{where} sums {part!r}, which is not a scale defined before it")
            scale = Scale(name, entry["en"], entry["th"], bands, low=sum(scales[p].low for p in parts),
                          high=sum(scales[p].high for p in parts), parts=parts)
        scales[name] = scale
    if homeless := [n for n in numbers if n not in home]:
        raise _Invalid(f"item {homeless[0]} is in no scale")
    return scales


def _parse_impact(raw: Mapping) -> Impact:
    raw = _fields(raw, "impact", {"difficulty", "choices", "questions", "informants"})
    difficulty = _fields(raw["difficulty"], "impact.difficulty", {"en", "th", "choices"})
    choices = _choices(raw["choices"], "impact.choices", {"score"})
    points = {}
    for i, entry in enumerate(raw["choices"]):  # already checked by _choices
        if "score" not in entry:
            raise _Invalid(f"impact.choices[{i}] lacks score")
        points[entry["value"]] = _int(entry["score"], f"impact.choices[{i}].score")
    questions = {}
    for key, entry in _mapping(raw["questions"], "impact.questions").items():
        entry = _fields(entry, f"impact question {key!r}", {"en", "th"})
        questions[key] = Item(len(questions) + 1, entry["en"], entry["th"])
    informants = {}
    for informant, asked in _mapping(raw["informants"], "impact.informants").items():
        asked = _list(asked, f"impact.informants.{informant}")
        if stray := [q for q in asked if q not in questions]:
            raise _Invalid(f"impact for {informant} asks {stray[0]!r}, which is not an impact question")
        informants[informant] = tuple(asked)
    difficulty_choices = _choices(difficulty["choices"], "impact.difficulty.choices")
    return Impact(difficulty_choices, choices, points, questions, informants)


def _parse_cutoffs(raw: Mapping, scales: Mapping[str, Scale], impact: Impact | None) -> dict:
    if not _mapping(raw, "cutoffs"):
        raise _Invalid("cutoffs must name at least one group")
    if impact is not None and set(impact.informants) != set(raw):
        raise _Invalid(f"impact informants {sorted(impact.informants)} "
                       f"differ from cut-off groups {sorted(raw)}")
    cutoffs = {}
    for group, entry in raw.items():
        entry = _fields(entry, f"cut-offs for {group}", {"scales"})
        ranges = {name: (scale.bands, scale.low, scale.high) for name, scale in scales.items()}
        if impact is not None:
            ranges["impact"] = (impact.bands, 0, impact.high(group))
        given = _mapping(entry["scales"], f"cut-offs for {group}, scales")
        if missing := [name for name in ranges if name not in given]:
            raise _Invalid(f"cut-offs for {group} lack {missing[0]!r}")
        if stray := [name for name in given if name not in ranges]:
            raise _Invalid(f"cut-offs for {group} name {stray[0]!r}, which is not a scale")
        cutoffs[group] = {name: _bands(given[name], f"cut-offs for {group}, {name}", *ranges[name])
                          for name in ranges}
    return cutoffs


def _bands(raw: object, where: str, names: tuple[str, ...], low: int, high: int) -> tuple[Band, ...]:
    """The scale's bands, in its order, must tile its whole score range: no gap, no overlap, no excess."""
    if not isinstance(raw, Mapping):
        raise _Invalid(f"{where} must map each band to [lowest, highest]")
    if set(raw) != set(names):
        raise _Invalid(f"{where} must give exactly the bands {', '.join(names)} (got {', '.join(raw)})")
    bands = []
    for name in names:  # in score order, whatever order the file lists them in
        limits = raw[name]
        if not (isinstance(limits, Sequence) and len(limits) == 2):
            raise _Invalid(f"{where}: band {name!r} must be [lowest, highest]")
        first, last = _int(limits[0], f"{where}, {name}"), _int(limits[1], f"{where}, {name}")
        if first > last:
            raise _Invalid(f"{where}: band {name!r} runs backwards ({first} to {last})")
        bands.append(Band(name, first, last))
    if bands[0].low != low:
        raise _Invalid(f"{where}: band {bands[0].name!r} must start at the lowest possible score {low}, "
                       f"not {bands[0].low}")
    for before, after in itertools.pairwise(bands):
        if after.low > before.high + 1:
            first, last = before.high + 1, after.low - 1
            lost = f"score {first} is" if first == last else f"scores {first} to {last} are"
            raise _Invalid(f"{where}: gap, {lost} in no band (between {before.name!r} and {after.name!r})")
        if after.low <= before.high:
            raise _Invalid(f"{where}: overlap, {before.name!r} ends at {before.high} "
                           f"but {after.name!r} starts at {after.low}")
    if bands[-1].high != high:
        raise _Invalid(f"{where}: band {bands[-1].name!r} must end at the highest possible score {high}, "
                       f"not {bands[-1].high}")
    return tuple(bands)
