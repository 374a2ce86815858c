"""The school's screening criteria and the group they propose for a student. Pure: no database here.

Criteria are data a school edits: for each domain, checklists of risk, problem (and, for special abilities,
special) signs, plus a few automatic rules. The proposal is the worst domain result — problem over risk over
normal — and "special" when nothing worse shows and a special ability is recorded (care-facts §4: the usual rule in
Thai schools' systems, not a written OBEC rule, so a school can see every reason and the teacher decides).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

from backend.i18n import N_
from backend.screening.tables import NOT_SCREENED, Group

# The OBEC individual screening record's domains, plus the three Thai schools add most often.
DOMAINS: dict[str, str] = {
    "learning": N_("Learning"),
    "special_ability": N_("Special abilities"),
    "health": N_("Health"),
    "mental_behaviour": N_("Mental health and behaviour"),
    "economic": N_("Economics"),
    "protection": N_("Protection and safety"),
    "drugs": N_("Drugs"),
    "sexual": N_("Sexual behaviour"),
    "games_devices": N_("Games and devices"),
    "violence": N_("Violence and bullying"),
    "other": N_("Other"),
}

LEVELS = ("risk", "problem", "special")

# Default signs: English msgids (translated where shown). A school's own signs are stored as written ("text").
_DEFAULT_SIGNS: dict[str, dict[str, list[str]]] = {
    "learning": {
        "risk": [N_("Grades falling"), N_("Often late or absent"), N_("Reads or writes slowly")],
        "problem": [N_("GPA below 1.00 or failing several subjects"), N_("Cannot read or write"),
                    N_("Misses school for days at a time")],
    },
    "special_ability": {
        "special": [N_("Outstanding grades"), N_("Talent in sport"), N_("Talent in art or music"),
                    N_("Talent in another field")],
    },
    "health": {
        "risk": [N_("Often unwell"), N_("Underweight or overweight"), N_("Poor eyesight or hearing")],
        "problem": [N_("Serious or chronic illness"), N_("Disability needing support")],
    },
    "mental_behaviour": {
        "risk": [N_("Withdrawn or sad for weeks"), N_("Often fights or argues")],
        "problem": [N_("Talks of self-harm"), N_("Behaviour that harms others")],
    },
    "economic": {
        "risk": [N_("Family income below 5,000 baht a month"), N_("Cannot afford school things")],
        "problem": [N_("No one earns in the household"), N_("Works to support the family")],
    },
    "protection": {
        "risk": [N_("Parents separated"), N_("Lives with grandparents or relatives"), N_("Risky surroundings")],
        "problem": [N_("Neglected or left alone"), N_("Violence at home"), N_("Abused")],
    },
    "drugs": {
        "risk": [N_("Friends or family use drugs"), N_("Smokes or drinks")],
        "problem": [N_("Uses drugs"), N_("Sells drugs")],
    },
    "sexual": {
        "risk": [N_("Dates and stays out late"), N_("Shares intimate pictures")],
        "problem": [N_("Has sex unprotected"), N_("Pregnant or got someone pregnant")],
    },
    "games_devices": {
        "risk": [N_("Games or phone over 3 hours a day"), N_("Stays up late on devices")],
        "problem": [N_("Misses school for games"), N_("Gambles online")],
    },
    "violence": {
        "risk": [N_("Teased or left out"), N_("Teases others")],
        "problem": [N_("Bullied or hurt repeatedly"), N_("Bullies or hurts others"), N_("Carries a weapon")],
    },
    "other": {"risk": [], "problem": []},
}

# Automatic rules: None switches a rule off. Where care-facts marks a threshold as the school's choice, this is
# only the default a school starts from.
DEFAULT_RULES: dict = {
    "gpa_problem_below": 1.0,
    "gpa_risk_below": 1.5,
    "gpa_special_from": None,
    "income_risk_below": 3000,  # baht per person per month: the EEF equity-grant line
    "income_problem_below": None,
    "absences_risk_from": 5,  # days absent or cutting class this term
    "absences_problem_from": 10,
    "sdq_informants": ["teacher", "student", "parent"],
    "sdq_scales": ["total"],  # SDQ scales whose risk/problem band counts in the mental health domain
    "eq_below_is_risk": True,
}

RULE_LIMITS = {  # what the admin may type, by rule
    "gpa_problem_below": (0, 4), "gpa_risk_below": (0, 4), "gpa_special_from": (0, 4),
    "income_risk_below": (0, 1_000_000), "income_problem_below": (0, 1_000_000),
    "absences_risk_from": (1, 200), "absences_problem_from": (1, 200),
}
SDQ_INFORMANTS = ("student", "teacher", "parent")
SDQ_SCALES = ("emotional", "conduct", "hyperactivity", "peer", "total")


def default_criteria() -> dict:
    signs = {}
    for domain, levels in _DEFAULT_SIGNS.items():
        signs[domain] = {level: [{"key": f"{domain}.{level}.{i}", "msgid": label}
                                 for i, label in enumerate(labels, start=1)] for level, labels in levels.items()}
    return {"signs": signs, "rules": copy.deepcopy(DEFAULT_RULES)}


def complete(document: Mapping | None) -> dict:
    """A stored criteria document with anything it lacks (a domain added since) taken from the defaults."""
    base = default_criteria()
    if not document:
        return base
    signs = {**base["signs"], **document.get("signs", {})}
    rules = {**base["rules"], **document.get("rules", {})}
    return {**document, "signs": signs, "rules": rules}


def sign_label(sign: Mapping, translate) -> str:
    return translate(sign["msgid"]) if "msgid" in sign else sign["text"]


def edit_signs(current: list[dict], lines: str, prefix: str, translate) -> list[dict]:
    """An admin's edit of one checklist, one sign per line. A line that still reads as an existing sign keeps it
    (and its key, so earlier ticks still name it); a new line becomes a new sign of the school's own words."""
    by_label = {sign_label(sign, translate).strip(): sign for sign in current}
    used = {sign["key"] for sign in current}
    result, seen = [], set()
    for line in lines.splitlines():
        text = " ".join(line.split())
        if not text or text in seen:
            continue
        seen.add(text)
        if text in by_label:
            result.append(by_label[text])
            continue
        number = 1
        while f"{prefix}.own{number}" in used:
            number += 1
        key = f"{prefix}.own{number}"
        used.add(key)
        result.append({"key": key, "text": text[:200]})
    return result


# --- The proposal -------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """What is known about one student this term, gathered by services."""

    sdq: dict[str, dict] = field(default_factory=dict)  # informant → result JSON of the current form
    eq: dict | None = None
    ticks: dict[str, dict[str, str]] = field(default_factory=dict)  # domain → {sign key: label when ticked}
    gpa: float | None = None
    income_per_person: float | None = None
    absences: int = 0
    checklist_saved: bool = False  # the teacher went through the checklist this term, even ticking nothing


@dataclass(frozen=True)
class Reason:
    domain: str
    level: str  # risk, problem, special
    why: str  # English msgid with %(…)s fields
    values: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict:
        return {"domain": self.domain, "level": self.level, "why": self.why, "values": dict(self.values)}


@dataclass(frozen=True)
class Proposal:
    group: Group
    domains: dict[str, str]  # domain → normal, risk, problem or special
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # what is not in yet: "sdq:teacher", "sdq:student", "sdq:parent", "eq"
    screened: bool = True  # a form filed or a sign ticked this term

    @property
    def state(self) -> str:
        """The group to show and count: "not screened" rather than a "normal" that nothing supports."""
        return NOT_SCREENED if not self.screened and self.group is Group.normal else self.group.value

    def domain_state(self, domain: str) -> str:
        """A domain's result to show: nothing found in a student not screened is not "normal" either."""
        level = self.domains[domain]
        return NOT_SCREENED if not self.screened and level == "normal" else level

    def reasons_json(self) -> list[dict]:
        return [reason.to_json() for reason in self.reasons]


_RANK = {"normal": 0, "special": 1, "risk": 2, "problem": 3}


def _sign_keys(signs: Mapping, domain: str) -> dict[str, str]:
    return {sign["key"]: level for level in LEVELS for sign in signs.get(domain, {}).get(level, [])}


def propose(criteria: Mapping, facts: Facts) -> Proposal:
    rules, signs = criteria["rules"], criteria["signs"]
    reasons: list[Reason] = []

    def add(domain: str, level: str, why: str, **values) -> None:
        reasons.append(Reason(domain, level, why, tuple(values.items())))

    for domain, ticked in facts.ticks.items():
        levels = _sign_keys(signs, domain)
        for key, label in ticked.items():
            # A sign removed from the checklist since it was ticked still counts, at the level it was ticked as
            # (its key names the level); the teacher unticks it to drop it.
            level = levels.get(key) or next((part for part in key.split(".") if part in LEVELS), "risk")
            add(domain, level, N_("Ticked: %(sign)s"), sign=label)

    if facts.gpa is not None:
        if rules.get("gpa_problem_below") is not None and facts.gpa < rules["gpa_problem_below"]:
            add("learning", "problem", N_("GPA %(gpa).2f is below %(limit).2f"), gpa=facts.gpa,
                limit=rules["gpa_problem_below"])
        elif rules.get("gpa_risk_below") is not None and facts.gpa < rules["gpa_risk_below"]:
            add("learning", "risk", N_("GPA %(gpa).2f is below %(limit).2f"), gpa=facts.gpa,
                limit=rules["gpa_risk_below"])
        if rules.get("gpa_special_from") is not None and facts.gpa >= rules["gpa_special_from"]:
            add("special_ability", "special", N_("GPA %(gpa).2f is %(limit).2f or above"), gpa=facts.gpa,
                limit=rules["gpa_special_from"])

    if facts.income_per_person is not None:
        income = facts.income_per_person
        if rules.get("income_problem_below") is not None and income < rules["income_problem_below"]:
            add("economic", "problem", N_("Income %(income)s baht a person a month is below %(limit)s"),
                income=f"{income:,.0f}", limit=f"{rules['income_problem_below']:,.0f}")
        elif rules.get("income_risk_below") is not None and income < rules["income_risk_below"]:
            add("economic", "risk", N_("Income %(income)s baht a person a month is below %(limit)s"),
                income=f"{income:,.0f}", limit=f"{rules['income_risk_below']:,.0f}")

    if rules.get("absences_problem_from") is not None and facts.absences >= rules["absences_problem_from"]:
        add("learning", "problem", N_("%(days)s days absent or cutting class this term"), days=facts.absences)
    elif rules.get("absences_risk_from") is not None and facts.absences >= rules["absences_risk_from"]:
        add("learning", "risk", N_("%(days)s days absent or cutting class this term"), days=facts.absences)

    for informant in rules.get("sdq_informants", []):
        result = facts.sdq.get(informant)
        if not result:
            continue
        for scale in rules.get("sdq_scales", []):
            scored = result["scales"].get(scale) or {}
            if scored.get("band") in ("risk", "problem"):
                add("mental_behaviour", scored["band"], N_("SDQ (%(informant)s): %(scale)s %(score)s"),
                    informant=informant, scale=scale, score=scored["score"])

    if facts.eq and rules.get("eq_below_is_risk"):
        total = facts.eq["scales"].get("total") or {}
        if total.get("band") == "below":
            add("mental_behaviour", "risk", N_("EQ total %(score)s is below the normal range"),
                score=total["score"])

    domains = {domain: "normal" for domain in DOMAINS}
    for reason in reasons:
        if _RANK[reason.level] > _RANK[domains.get(reason.domain, "normal")]:
            domains[reason.domain] = reason.level
    worst = max(domains.values(), key=_RANK.__getitem__)
    missing = tuple([f"sdq:{informant}" for informant in SDQ_INFORMANTS if informant not in facts.sdq]
                    + ([] if facts.eq else ["eq"]))
    screened = bool(facts.sdq or facts.eq or facts.checklist_saved or any(facts.ticks.values()))
    return Proposal(Group(worst), domains, tuple(reasons), missing, screened)
