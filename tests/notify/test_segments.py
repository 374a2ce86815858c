"""SMS length as the carrier counts it: what a school pays and whether a message arrives whole."""

import pytest

from backend.notify.segments import sms_segments


@pytest.mark.parametrize("length, parts", [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_latin_text_is_gsm7(length, parts):
    counted = sms_segments("a" * length)
    assert (counted.encoding, counted.count) == ("GSM-7", parts)


def test_gsm7_extension_characters_take_two_places():
    assert sms_segments("{" * 80).count == 1
    assert sms_segments("{" * 81).count == 2
    assert sms_segments("€").units == 2


@pytest.mark.parametrize("length, parts", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_thai_text_is_ucs2(length, parts):
    counted = sms_segments("ก" * length)
    assert (counted.encoding, counted.count) == ("UCS-2", parts)
    assert counted.too_long == (parts > 3)


def test_one_thai_letter_makes_the_whole_message_ucs2():
    assert sms_segments("Your code is 123456 ก").encoding == "UCS-2"


def test_thai_marks_are_separate_code_points_and_emoji_count_twice():
    assert sms_segments("สวัสดีครับ นัดหมายพรุ่งนี้ 10:00 น.").units == 35
    assert sms_segments("😀").units == 2
    assert sms_segments("ก" * 69 + "😀").count == 2
