"""The Thai school year and Buddhist-era dates, as a teacher reads them."""

from datetime import date, datetime, timezone

import pytest

from backend import i18n
from backend.schoolyear import be_year, default_terms, school_year_of, term_on


@pytest.mark.parametrize("day, year", [
    (date(2026, 11, 25), 2569),  # term 2
    (date(2027, 2, 10), 2569),  # still the school year that began in May 2026
    (date(2026, 5, 15), 2568),  # the day before the new year starts
    (date(2026, 5, 16), 2569),
])
def test_school_year_is_named_by_the_buddhist_year_it_starts_in(day, year):
    assert school_year_of(day) == year


@pytest.mark.parametrize("day, term", [
    (date(2026, 5, 16), 1), (date(2026, 10, 10), 1), (date(2026, 10, 20), None),
    (date(2026, 11, 1), 2), (date(2026, 11, 25), 2), (date(2027, 3, 31), 2), (date(2027, 4, 20), None),
])
def test_terms_and_breaks(day, term):
    found = term_on(day, default_terms(school_year_of(day)))
    assert (found.number if found else None) == term


def test_buddhist_era_dates_in_thai_and_gregorian_in_english():
    day = date(2026, 11, 25)
    assert be_year(day) == 2569
    assert i18n.format_date(day, "th") == "25 พ.ย. 2569"
    assert i18n.format_date(day, "th", long=True) == "วันพุธที่ 25 พฤศจิกายน 2569"
    assert i18n.format_date(day, "en") == "25 Nov 2026"


def test_times_show_in_bangkok_time():
    # 23:30 UTC on 24 Nov is already 06:30 on 25 Nov in Thailand.
    moment = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)
    assert i18n.format_datetime(moment, "th") == "25 พ.ย. 2569 06:30"


def test_term_labels():
    assert i18n.format_term(2569, 2, "th") == "ภาคเรียนที่ 2 ปีการศึกษา 2569"
    assert i18n.format_term(2569, None, "th") == "ปิดภาคเรียน ปีการศึกษา 2569"
    assert i18n.format_term(2569, 1, "en") == "Term 1, school year 2569 (2026–27)"


def test_every_message_has_a_thai_translation():
    from babel.messages.pofile import read_po

    with open(i18n.LOCALE_DIR / "th" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po)
    untranslated = [m.id for m in catalogue if m.id and not (m.string[0] if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []


def test_a_typed_date_takes_the_pickers_form_or_the_thai_one_in_either_era():
    from backend.schoolyear import typed_date

    assert typed_date("2026-11-30") == typed_date("2569-11-30") == typed_date("30/11/2569") == date(2026, 11, 30)
    assert typed_date("30.11.2026") == date(2026, 11, 30)
    assert typed_date("31/11/2569") is None and typed_date("next week") is None and typed_date("") is None
