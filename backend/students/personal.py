"""A student's personal facts as Thai schools write them: citizen ID, Buddhist-era birth dates, sex. Pure."""

from __future__ import annotations

import re
from datetime import date

# G-codes (รหัส G) are given by the Ministry to students without a Thai citizen ID: G and 12 digits.
G_CODE = re.compile(r"^G\d{12}$")
THAI_MONTHS = {
    name: number for number, names in enumerate((
        ("มกราคม", "มค"), ("กุมภาพันธ์", "กพ"), ("มีนาคม", "มีค"), ("เมษายน", "เมย"), ("พฤษภาคม", "พค"),
        ("มิถุนายน", "มิย"), ("กรกฎาคม", "กค"), ("สิงหาคม", "สค"), ("กันยายน", "กย"), ("ตุลาคม", "ตค"),
        ("พฤศจิกายน", "พย"), ("ธันวาคม", "ธค")), start=1) for name in names
}
BE_OFFSET = 543
SEXES = {"ชาย": "m", "ช": "m", "male": "m", "m": "m", "boy": "m", "1": "m", "เด็กชาย": "m", "นาย": "m",
         "หญิง": "f", "ญ": "f", "female": "f", "f": "f", "girl": "f", "2": "f", "เด็กหญิง": "f", "นางสาว": "f"}


def citizen_id(text: str) -> str | None:
    """The 13-digit citizen ID with its mod-11 check digit verified, or a G-code; None if neither."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if G_CODE.match(compact):
        return compact
    if not (len(compact) == 13 and compact.isascii() and compact.isdigit()):
        return None
    total = sum(int(digit) * (13 - position) for position, digit in enumerate(compact[:12]))
    return compact if (11 - total % 11) % 10 == int(compact[12]) else None


def birth_date(text: str) -> date | None:
    """25/11/2556, 25-11-2556, 25 พ.ย. 2556, 25 พฤศจิกายน 2556 (Buddhist era, as schools write it), or a Gregorian
    year and an ISO date (as Excel gives a date cell). None if it is not a date."""
    text = text.strip()
    iso = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$", text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        parts = re.match(r"^(\d{1,2})\s*[/.\- ]\s*([^\s/.\-\d]+\.?\s*[^\s/.\-\d]*\.?|\d{1,2})\s*[/.\- ]\s*(\d{4})$",
                         text)
        if not parts:
            return None
        day, year = int(parts.group(1)), int(parts.group(3))
        month_text = parts.group(2)
        if month_text.isdigit():
            month = int(month_text)
        else:
            month = THAI_MONTHS.get(re.sub(r"[\s.]", "", month_text), 0)
    if year > 2400:
        year -= BE_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None


def sex(text: str) -> str | None:
    """m or f, from ชาย/หญิง, M/F, 1/2 (DMC's codes) and the like; None if not one of these."""
    return SEXES.get(text.strip().lower().rstrip("."))
