"""Thai phone numbers: 081-234-5678 as typed in a roster becomes +66812345678 (E.164)."""

from __future__ import annotations

import phonenumbers


class BadPhone(ValueError):
    pass


def normalise_phone(raw: str, region: str = "TH") -> str:
    """E.164 for a valid number; raises BadPhone for anything a school could not reach."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise BadPhone(text) from error
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    digits = [c for c in text if c.isdigit()]
    return len(digits) >= 9 and all(c.isdigit() or c in "+-() " for c in text.strip())


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def display_phone(e164: str | None) -> str:
    """How a Thai reader writes it: 081-234-5678."""
    if not e164:
        return ""
    digits = e164[3:]
    if e164.startswith("+66") and digits.isdigit() and digits[0] != "0" and 8 <= len(digits) <= 9:
        # The Thai numbers normalise_phone stores, read without phonenumbers, which takes about 30 µs a number
        # (a homeroom's guardians, every parent's home page); parsing them gives the same.
        national = "0" + digits
    else:
        number = phonenumbers.parse(e164)
        if number.country_code != 66:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        national = "0" + str(number.national_number)
    if len(national) == 10:
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    return f"{national[:2]}-{national[2:5]}-{national[5:]}"  # landline: 02-123-4567
