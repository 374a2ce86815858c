"""The grace period: a mis-tap (absent, then present a moment later) sends nothing at all. Attendance alerts wait
three minutes in the outbox (a row with its send-after time), the worker's job or the sweep sends them when due,
and the teacher sees when. Sign-in codes are not held. Also: a register that marks absent a student whose guardians
cannot be reached says so and names the student, and the homeroom list shows who cannot be reached.

The clock stands on Wednesday 18 Nov 2026 (term 2 of 2569), a day in the past: arq defers a held job to that hour
of the real clock, so it runs at once and finds its message not yet due by the program's clock, as a job run early
would; what is due is then sent by the sweep."""

import dataclasses
import re
from datetime import date, datetime, time

import pytest

from backend import clock
from backend.notify.tables import Alert, Message
from backend.students.tables import Guardian
from tests.attendance.test_register import ANAN, BUA, PRASERT, SOMSRI, save
from tests.conftest import text_of
from tests.personas import build_personas

WEDNESDAY = date(2026, 11, 18)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(WEDNESDAY, time(hour, minute, second), clock.SCHOOL_TIME)


@pytest.fixture
async def school(app, settings):
    """The personas on that Wednesday, and the web app holding attendance alerts for three minutes."""
    with clock.set_to(at(7, 0)):
        people = await build_personas(settings)
    app.state.settings = dataclasses.replace(settings, alert_grace_minutes=3)
    yield people
    app.state.settings = settings


async def test_a_mis_tap_corrected_within_the_grace_period_sends_nothing(client, school, settings, drain,
                                                                         fake_twilio):
    await school.somchai.sign_in(settings, client)
    with clock.set_to(at(8, 10)):
        page = await save(client, school, **{f"s{ANAN}": "absent"})
        assert "จะส่งข้อความถึงผู้ปกครอง 1 ข้อความ เวลา 08:13 น." in text_of(page.text)
        assert "จะส่งเวลา 08:13 น." in text_of(page.text)  # on the register, beside Anan
        await drain()
    assert fake_twilio.messages == []
    with clock.set_to(at(8, 10, 30)):
        page = await save(client, school, **{f"s{ANAN}": "present"})
        await drain()
    with clock.set_to(at(8, 20)):
        await drain()
    assert fake_twilio.messages == []  # neither the alert nor a correction
    assert [m["status"] for m in await Message.select(Message.status)] == ["cancelled"]
    assert await Alert.count().where(Alert.kind == "correction") == 0


async def test_after_the_grace_period_the_alert_goes_and_a_correction_follows(client, school, settings, drain,
                                                                               fake_twilio):
    await school.somchai.sign_in(settings, client)
    with clock.set_to(at(8, 10)):
        await save(client, school, **{f"s{ANAN}": "absent"})
    with clock.set_to(at(8, 12, 59)):
        await drain()
    assert fake_twilio.messages == []  # not before 08:13
    with clock.set_to(at(8, 13, 5)):
        await drain()
    [absent] = fake_twilio.sent_to(SOMSRI)
    assert "อนันต์ ขาดเรียน" in absent.body
    with clock.set_to(at(8, 20)):
        page = await save(client, school, **{f"s{ANAN}": "present"})
        assert "กำลังแจ้งผู้ปกครอง 1 ข้อความ" in text_of(page.text)  # the correction is not held
        await drain()
    absent, correction = fake_twilio.sent_to(SOMSRI)
    assert "ขออภัย แก้ไข อนันต์ มาเรียนตามปกติ" in correction.body


async def test_a_held_alert_is_sent_once_though_its_job_was_lost_and_the_worker_restarted(
        client, school, settings, drain, fake_twilio, redis):
    await school.somchai.sign_in(settings, client)
    with clock.set_to(at(8, 10)):
        await save(client, school, **{f"s{ANAN}": "absent", f"s{BUA}": "absent"})
    await redis.flushdb()  # Redis lost the deferred jobs: the outbox rows are the truth
    with clock.set_to(at(8, 14)):
        await drain()
        await drain()  # a second worker run (a restart) finds nothing more to send
    with clock.set_to(at(8, 30)):
        await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1 and len(fake_twilio.sent_to(PRASERT)) == 1


async def test_sign_in_codes_are_not_held(client, school, settings, drain, fake_twilio):
    await school.kanya.sign_in(settings, client)
    with clock.set_to(at(8, 10)):
        page = await client.submit(f"/admin/parents/{school.guardians[PRASERT]}/code")
        code = re.search(r'<p class="code">(\d{6})</p>', page.text).group(1)
        await drain()
    [sms] = fake_twilio.sent_to(PRASERT)
    assert code in sms.body


async def test_absent_students_whose_guardians_cannot_be_reached_are_named(make_client, school, settings, drain,
                                                                           fake_twilio):
    await Guardian.update({Guardian.sms_opt_out: True}).where(Guardian.phone == PRASERT)  # Bua's only guardian
    teacher = make_client()
    await school.somchai.sign_in(settings, teacher)
    with clock.set_to(at(8, 10)):
        page = text_of((await save(teacher, school, **{f"s{ANAN}": "absent", f"s{BUA}": "absent"})).text)
        assert "ติดต่อผู้ปกครองของ บัว (ปิด SMS) ไม่ได้ จึงไม่มีใครได้รับแจ้ง" in page
        assert "อนันต์ (" not in page  # Somsri is told
        homeroom = text_of((await teacher.get("/students/homeroom")).text)
    assert "1 คนติดต่อผู้ปกครองทาง SMS หรือแอปไม่ได้" in homeroom
    bua = homeroom.split("บัว", 1)[1]
    assert "ติดต่อผู้ปกครองไม่ได้" in bua.split("ชัย")[0] and "ติดต่อผู้ปกครองไม่ได้" not in homeroom.split("บัว")[0]


async def test_a_push_to_the_parents_app_waits_the_grace_period_too(client, school, settings, drain, push_service,
                                                                   fake_twilio):
    from backend.notify import push

    subscription = push_service.subscription("somsri-phone")
    with clock.set_to(at(7, 30)):
        await push.save_subscription(settings, await school.somsri.viewer(), subscription["endpoint"],
                                     subscription["p256dh"], subscription["auth"])
    await school.somchai.sign_in(settings, client)
    with clock.set_to(at(8, 10)):
        await save(client, school, **{f"s{ANAN}": "absent"})
        await drain()
    assert push_service.delivered == []
    with clock.set_to(at(8, 13, 5)):
        await drain()
    assert [d.token for d in push_service.delivered] == ["somsri-phone"] and fake_twilio.messages == []
