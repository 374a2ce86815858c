"""Forms described as data (the cumulative record's sections, the home-visit form): each field's kind, options and
limits, and clean(), which turns what was posted into typed values or names every field to fix. Pure; no area."""

from __future__ import annotations

import math
from dataclasses import dataclass

from backend.i18n import N_, Refusal


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # English msgid
    kind: str = "text"  # text, long, number, choice, choices, yesno
    options: tuple[tuple[str, str], ...] = ()  # (value, English msgid)
    minimum: float | None = None
    maximum: float | None = None
    decimals: bool = False  # a number kept as typed (a GPA of 3.0); otherwise whole numbers are stored as such


@dataclass(frozen=True)
class Form:
    name: str
    label: str  # English msgid
    fields: tuple[Field, ...]


class Invalid(Refusal):
    """Fields of a section form to fix: `errors` maps each field to an English msgid."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("Some fields need fixing."), errors=errors)


def clean(form: Form, raw: dict[str, str], only: tuple[str, ...] | None = None) -> dict:
    """Typed values from a posted form; Invalid names every field that is wrong."""
    values, errors = {}, {}
    for f in form.fields:
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
            values[f.name] = int(number) if number.is_integer() and not f.decimals else number
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
