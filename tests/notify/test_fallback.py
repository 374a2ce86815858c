"""A push about an absence not opened within two hours falls back to SMS exactly once — whatever the number of
runs of the check, at once or one after the other — and not at all when the parent opened it or tapped "seen" in
time. Quiet hours hold the SMS (an absence is not urgent), and opening the push meanwhile means it never goes."""

import asyncio
import dataclasses
from datetime import datetime, time, timedelta

from backend import clock
from backend.notify.delivery import close_delivery, fall_back_unread, open_delivery
from backend.notify.tables import Alert, Message
from tests.attendance.test_register import ANAN, SOMSRI, save
from tests.notify.test_delivery import subscribe


async def absent_with_the_app(make_client, people, settings, drain, push_service):
    """Somsri has the app; Somchai marks Anan absent; the push leaves. Returns Somsri's browser and the push."""
    parent, teacher = make_client(), make_client()
    await subscribe(parent, people, settings, push_service)
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await drain()
    assert [d.token for d in push_service.delivered] == ["somsri-phone"]
    pushed = await Message.select().where(Message.channel == "push").first()
    assert pushed["status"] == "sent"
    return parent, pushed


async def check(settings, redis, runs: int = 1, at_once: bool = False) -> list[int]:
    """What the worker's cron job does, `runs` times (concurrently, or one after the other)."""
    delivery = await open_delivery(settings, redis)
    try:
        if at_once:
            found = await asyncio.gather(*(fall_back_unread(delivery) for _ in range(runs)))
        else:
            found = [await fall_back_unread(delivery) for _ in range(runs)]
        for ids in found:
            await delivery.queue.send(ids, tag="unread")
        return [i for ids in found for i in ids]
    finally:
        await close_delivery(delivery)


async def test_a_push_not_opened_in_two_hours_falls_back_to_sms_exactly_once(make_client, people, settings, drain,
                                                                              fake_twilio, push_service, redis):
    _, pushed = await absent_with_the_app(make_client, people, settings, drain, push_service)
    await check(settings, redis, runs=3)  # too early: nothing
    assert await Message.count().where(Message.channel == "sms") == 0
    with clock.set_to(pushed["sent_at"] + timedelta(hours=2, minutes=1)):
        made = await check(settings, redis, runs=2, at_once=True)  # two workers at the same moment
        made += await check(settings, redis, runs=2)  # and twice more, one after the other
        await drain()  # the worker's own cron runs the check at its start too
        await drain()
    assert len(made) == 1
    sent = fake_twilio.sent_to(SOMSRI)
    assert len(sent) == 1 and sent[0].body == pushed["body"]  # the same words, by SMS
    sms = await Message.select().where(Message.channel == "sms").first()
    assert sms["fallback_of"] == pushed["id"] and sms["status"] == "sent"


async def test_a_push_opened_in_time_sends_no_sms(make_client, people, settings, drain, fake_twilio, push_service,
                                                  redis):
    parent, pushed = await absent_with_the_app(make_client, people, settings, drain, push_service)
    opened = await parent.get(f"/notify/opened/{pushed['id']}")  # the notification tapped
    assert opened.status_code == 200 and "อนันต์" in opened.text
    with clock.set_to(pushed["sent_at"] + timedelta(hours=3)):
        assert await check(settings, redis, runs=2) == []
        await drain()
    assert fake_twilio.sent_to(SOMSRI) == []


async def test_seen_tapped_in_the_app_in_time_sends_no_sms(make_client, people, settings, drain, fake_twilio,
                                                           push_service, redis):
    parent, pushed = await absent_with_the_app(make_client, people, settings, drain, push_service)
    seen = await parent.submit(f"/attendance/alerts/{pushed['alert']}/ack")
    assert seen.status_code == 200
    with clock.set_to(pushed["sent_at"] + timedelta(hours=3)):
        assert await check(settings, redis) == []
        await drain()
    assert fake_twilio.sent_to(SOMSRI) == []


async def test_another_parent_cannot_mark_a_push_read(make_client, people, settings, drain, fake_twilio,
                                                      push_service, redis):
    _, pushed = await absent_with_the_app(make_client, people, settings, drain, push_service)
    stranger = make_client()
    await people.noi.sign_in(settings, stranger)
    assert (await stranger.get(f"/notify/opened/{pushed['id']}")).status_code == 404
    with clock.set_to(pushed["sent_at"] + timedelta(hours=3)):
        await check(settings, redis)
        await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1


async def test_the_fallback_sms_waits_for_the_morning_and_opening_the_push_meanwhile_stops_it(
        make_client, people, settings, drain, fake_twilio, push_service, redis):
    night = datetime.combine(clock.today(), time(22, 30), clock.SCHOOL_TIME)
    with clock.set_to(night):
        parent, pushed = await absent_with_the_app(make_client, people, settings, drain, push_service)
    quiet = dataclasses.replace(settings, quiet_from_hour=21, quiet_until_hour=7)
    with clock.set_to(night + timedelta(hours=2, minutes=5)):  # 00:35
        [made] = await check(quiet, redis)
        await drain()
    assert fake_twilio.sent_to(SOMSRI) == []  # quiet hours: an absence is not urgent
    sms = await Message.select().where(Message.id == made).first()
    assert sms["not_before"] == datetime.combine(clock.today() + timedelta(days=1), time(7), clock.SCHOOL_TIME)
    with clock.set_to(night + timedelta(hours=7, minutes=30)):  # 06:00: Somsri opens the notification
        await parent.get(f"/notify/opened/{pushed['id']}")
    with clock.set_to(night + timedelta(hours=9)):  # 07:30
        await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    assert (await Message.select(Message.status).where(Message.id == made).first())["status"] == "cancelled"
    assert (await Alert.select(Alert.acknowledged_at).first())["acknowledged_at"] is None  # opened, not "seen"
