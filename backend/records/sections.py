"""What each section of the cumulative record holds, as data: the form, the validation and the labels come from
here. Pure. Fields follow what Thai schools record (OBEC record, home-visit form, EEF screening)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from backend.i18n import N_, Refusal


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # English msgid
    kind: str = "text"  # text, long, number, choice, choices, yesno
    options: tuple[tuple[str, str], ...] = ()  # (value, English msgid)
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    fields: tuple[Field, ...]
    sensitive: bool = False  # every read is audited
    # Staff roles beyond the student's homeroom teachers. What parents see is each school's choice
    # (School.parent_sections; the learning section unless the admin changes it).
    readers: frozenset[str] = field(default_factory=frozenset)
    editors: frozenset[str] = field(default_factory=frozenset)  # roles beyond the homeroom teachers


LIVES_WITH = ((("both_parents", N_("Both parents")), ("mother", N_("Mother")), ("father", N_("Father")),
               ("grandparents", N_("Grandparents")), ("relatives", N_("Relatives")), ("other", N_("Others")),
               ("alone", N_("Alone or in a dormitory"))))
INCOME_BANDS = (("lt3000", N_("Under 3,000 baht a person a month")), ("3000_5000", N_("3,000–5,000")),
                ("5000_10000", N_("5,000–10,000")), ("gt10000", N_("Over 10,000")))
TRAVEL = (("walk", N_("Walks")), ("bicycle", N_("Bicycle")), ("motorbike", N_("Motorbike")),
          ("school_bus", N_("School van or bus")), ("public", N_("Public transport")), ("car", N_("Car")))

SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("learning", N_("Learning"), (
        Field("gpa_last_term", N_("GPA last term"), "number", minimum=0, maximum=4),
        Field("gpa_history", N_("GPA by term (e.g. 2568/2: 3.25)"), "long"),
        Field("strengths", N_("Special abilities and interests"), "long"),
        Field("difficulties", N_("Learning difficulties"), "long"),
    ), readers=frozenset({"counsellor", "executive", "subject_teacher", "discipline", "nurse"})),
    Section("health", N_("Health"), (
        Field("physical", N_("Physical health"), "long"),
        Field("mental", N_("Mental health"), "long"),
        Field("behaviour", N_("Behaviour"), "long"),
        Field("disability", N_("Disability")),
        Field("chronic_illness", N_("Chronic illness")),
        Field("allergies", N_("Allergies")),
    ), sensitive=True, readers=frozenset({"counsellor", "nurse", "executive"}),
        editors=frozenset({"nurse", "counsellor"})),
    Section("family", N_("Family and economics"), (
        Field("lives_with", N_("Lives with"), "choice", options=LIVES_WITH),
        Field("parents_status", N_("Parents"), "choice", options=(
            ("together", N_("Living together")), ("separated", N_("Separated or divorced")),
            ("one_died", N_("One has died")), ("both_died", N_("Both have died")), ("away", N_("Working away")))),
        Field("household_size", N_("People in the household"), "number", minimum=1, maximum=30),
        Field("income_band", N_("Household income per person"), "choice", options=INCOME_BANDS),
        Field("debts", N_("Debts")),
        Field("welfare_card", N_("State welfare card"), "yesno"),
    ), sensitive=True, readers=frozenset({"counsellor", "executive"}), editors=frozenset({"counsellor"})),
    Section("safety", N_("Protection and safety"), (
        Field("travel", N_("Travel to school"), "choice", options=TRAVEL),
        Field("distance_km", N_("Distance from school (km)"), "number", minimum=0, maximum=300),
        Field("area", N_("Village or area")),
        Field("risks_home", N_("Risks at home"), "long"),
        Field("risks_way", N_("Risks on the way to school"), "long"),
    ), readers=frozenset({"counsellor", "executive", "discipline"}), editors=frozenset({"counsellor", "discipline"})),
    Section("other", N_("Other notes"), (
        Field("notes", N_("Notes"), "long"),
    ), readers=frozenset({"counsellor", "executive"}), editors=frozenset({"counsellor"})),
)}

# What a parent may correct themselves (the teacher sees the change and that it came from the parent).
PARENT_EDITABLE = {"family": ("lives_with", "household_size")}


class Invalid(Refusal):
    """Fields of a section form to fix: `errors` maps each field to an English msgid."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("Some fields need fixing."), errors=errors)


def clean(section: Section, raw: dict[str, str], only: tuple[str, ...] | None = None) -> dict:
    """Typed values from a posted form; Invalid names every field that is wrong."""
    values, errors = {}, {}
    for f in section.fields:
        if only is not None and f.name not in only:
            continue
        text = (raw.get(f.name) or "").strip()
        if not text:
            values[f.name] = None
        elif f.kind == "number":
            try:
                number = float(text.replace(",", ""))
            except ValueError:
                errors[f.name] = N_("Enter a number.")
                continue
            if not math.isfinite(number):  # "nan", "inf", or digits beyond any float: no engine stores them in JSON
                errors[f.name] = N_("Enter a number.")
                continue
            if (f.minimum is not None and number < f.minimum) or (f.maximum is not None and number > f.maximum):
                errors[f.name] = N_("This number is outside the possible range.")
                continue
            values[f.name] = int(number) if number.is_integer() and f.name != "gpa_last_term" else number
        elif f.kind == "choice":
            if text not in {value for value, _ in f.options}:
                errors[f.name] = N_("Choose one of the options.")
                continue
            values[f.name] = text
        elif f.kind == "yesno":
            values[f.name] = text in ("yes", "true", "1", "on")
        else:
            values[f.name] = text[:4000]
    if errors:
        raise Invalid(errors)
    return values
