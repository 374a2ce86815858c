"""How many SMS a text costs. Pure. One Thai character makes the whole message UCS-2 (70 per SMS, 67 per part);
plain Latin text is GSM-7 (160, 153 per part), where a few characters take two places."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
# Thai carriers join at most three parts; past that a message may not arrive whole.
MAX_PARTS = 3


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets, or UTF-16 code units
    count: int

    @property
    def too_long(self) -> bool:
        return self.count > MAX_PARTS


def sms_segments(text: str) -> Segments:
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # emoji take two units
        single, part = 70, 67
        encoding = "UCS-2"
    count = 1 if units <= single else -(-units // part)
    return Segments(encoding, units, count)
