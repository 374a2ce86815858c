"""How Thai schools number a classroom's students: boys first, then girls, each by first name in Thai dictionary
order (or by name alone, or keeping last year's order). Pure."""

from __future__ import annotations

# Thai writes these vowels before the consonant they follow in speech; the dictionary orders by that consonant.
LEADING_VOWELS = "เแโใไ"
# Tone marks and the like decide order only between words otherwise the same.
MINOR_MARKS = "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"

MALE_TITLES = {"เด็กชาย", "ด.ช.", "ดช.", "ด.ช", "นาย", "mr", "mr.", "master"}
FEMALE_TITLES = {"เด็กหญิง", "ด.ญ.", "ดญ.", "ด.ญ", "นางสาว", "น.ส.", "นส.", "น.ส", "นาง", "miss", "mrs", "mrs.", "ms",
                 "ms."}

ORDERS = ("sex_name", "name", "keep")


def thai_sort_key(text: str) -> tuple[str, str]:
    """A key that sorts Thai words as a Thai dictionary does (เก่ง after กา, before ขวัญ)."""
    swapped: list[str] = []
    chars = list(text)
    i = 0
    while i < len(chars):
        if chars[i] in LEADING_VOWELS and i + 1 < len(chars):
            swapped += [chars[i + 1], chars[i]]
            i += 2
        else:
            swapped.append(chars[i])
            i += 1
    ordered = "".join(swapped)
    return "".join(c for c in ordered if c not in MINOR_MARKS), ordered


def sex_from_title(title: str) -> int:
    """0 for a boy's or man's title, 1 for a girl's or woman's, 2 when the title does not say."""
    key = title.strip().lower()
    if key in MALE_TITLES:
        return 0
    if key in FEMALE_TITLES:
        return 1
    return 2


def class_order(student: dict, order: str) -> tuple:
    """The sort key of a student (title, first_name, last_name, and for "keep" their earlier position) in a room."""
    name = (thai_sort_key(student["first_name"]), thai_sort_key(student["last_name"]))
    if order == "keep":
        return (student.get("position") or (999, 999), name)
    if order == "sex_name":
        return (sex_from_title(student["title"]), name)
    return name
