"""The summary's SMS (pure): the week's dates as a family reads them, English for a parent who reads English, and
a family of many children still within the three parts Thai carriers join."""

from datetime import date

from backend.notify import wording
from backend.notify.segments import MAX_PARTS, sms_segments
from backend.summary import compose

MONDAY = date(2026, 11, 16)


def body(content: dict, locale: str = "th") -> str:
    values = compose.sms_values({}, "โรงเรียนกร", content, locale, MONDAY)
    return wording.compose({}, compose.KIND, locale, {"school": "โรงเรียนกร", **values})


def test_a_week_across_two_months_names_both():
    assert compose.week_words(date(2026, 11, 30), "th") == "30 พ.ย.-4 ธ.ค."
    assert compose.week_words(MONDAY, "th") == "16-20 พ.ย."
    assert compose.week_words(MONDAY, "en") == "16-20 Nov"


def test_a_parent_who_reads_english_gets_english_words():
    content = compose.busy_week([compose.Child(1, "Anan Jaidee", "ม.1/1")], date(2026, 11, 20))
    assert body(content, "en") == ("โรงเรียนกร week of 16-20 Nov: Anan present 4/5 late 1 absent 1 good deeds 1 "
                                   "incidents 1; parents' meeting 27 Nov 18:00")


def test_a_family_of_many_children_still_fits_three_parts():
    children = [compose.Child(n, f"ด.ช.ลูกคนที่{n}ชื่อยาวมาก นามสกุลยาว", "ม.1/1") for n in range(6)]
    content = compose.busy_week(children, date(2026, 11, 20))
    text = body(content)
    assert sms_segments(text).count == MAX_PARTS and text.endswith("…")
    two = body(compose.busy_week(children[:2], date(2026, 11, 20)))
    assert sms_segments(two).count <= MAX_PARTS and not two.endswith("…")  # shortened, not cut


def test_rules_kept_for_the_summary_are_named_in_a_word():
    content = {"children": [{"name": "อนันต์ ใจดี", "days": 5, "present": 5, "late": 3, "incidents": [],
                             "notices": [{"kind": "rule_lates", "day": "2026-11-19"},
                                         {"kind": "late", "day": "2026-11-19"}]}], "meetings": []}
    assert body(content) == "โรงเรียนกร สรุปสัปดาห์ 16-20 พ.ย.: อนันต์ มา 5/5 สาย 3 มาสายบ่อย"
