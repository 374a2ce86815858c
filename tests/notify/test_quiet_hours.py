"""Quiet hours with the one clock: a register saved late in the evening tells guardians at seven the next
morning, not in the night."""

import dataclasses
from datetime import datetime, time, timedelta

from backend import clock
from backend.notify.tables import Message
from tests.attendance.test_register import ANAN, SOMSRI, save


async def test_a_register_saved_at_half_past_ten_at_night_is_sent_at_seven(app, client, people, settings, drain,
                                                                          fake_twilio):
    night = datetime.combine(clock.today(), time(22, 30), clock.SCHOOL_TIME)
    seven = datetime.combine(clock.today() + timedelta(days=1), time(7, 0), clock.SCHOOL_TIME)
    app.state.settings = dataclasses.replace(settings, quiet_from_hour=21, quiet_until_hour=7)
    try:
        with clock.set_to(night):
            await people.somchai.sign_in(settings, client)
            page = await save(client, people, **{f"s{ANAN}": "absent"})
            assert page.status_code == 200
            await drain()
    finally:
        app.state.settings = settings
    assert fake_twilio.sent_to(SOMSRI) == []
    [held] = await Message.select()
    assert (held["status"], held["not_before"]) == ("queued", seven)
    with clock.set_to(seven - timedelta(minutes=1)):
        await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    with clock.set_to(seven + timedelta(seconds=30)):
        await drain()
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert "อนันต์ ขาดเรียน" in sms.body


async def test_an_sms_due_by_day_that_reaches_the_worker_at_night_waits_for_seven(client, people, settings, drain,
                                                                                  fake_twilio):
    """The register is saved at four in the afternoon, but the worker is down (or Redis is) until eleven at night:
    the guardian hears at seven the next morning, once, not at eleven."""
    afternoon = datetime.combine(clock.today(), time(16, 0), clock.SCHOOL_TIME)
    night = afternoon.replace(hour=23)
    seven = datetime.combine(clock.today() + timedelta(days=1), time(7, 0), clock.SCHOOL_TIME)
    quiet = dataclasses.replace(settings, quiet_from_hour=21, quiet_until_hour=7)
    with clock.set_to(afternoon):
        await people.somchai.sign_in(settings, client)
        assert (await save(client, people, **{f"s{ANAN}": "absent"})).status_code == 200
    with clock.set_to(night):
        await drain(quiet)  # the worker is back: the sweep finds the afternoon's message
    assert fake_twilio.sent_to(SOMSRI) == []
    [held] = await Message.select()
    assert (held["status"], held["not_before"], held["attempts"]) == ("queued", seven, 0)
    with clock.set_to(seven + timedelta(seconds=30)):
        await drain(quiet)
        await drain(quiet)
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert "อนันต์ ขาดเรียน" in sms.body
