"""Delivering the outbox: Twilio's errors and retries, status callbacks, Web Push with SMS fall-back, the sweep,
quiet hours, opt-outs, the send rate, and the admin's view."""

import time
from datetime import date, datetime, timedelta, timezone

from twilio.request_validator import RequestValidator

from backend.config import Settings
from backend.notify import outbox
from backend.notify import outbox as notify
from backend.notify.tables import Message, PushSubscription
from backend.schools.tables import School
from backend.students.tables import Guardian
from tests.attendance.test_register import ANAN, BUA, PRASERT, SOMSRI, save
from tests.conftest import text_of
from backend import clock


async def absent(client, people, settings, *codes):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{code}": "absent" for code in codes})


async def messages() -> dict[str, dict]:
    return {m["recipient"]: m for m in await Message.select()}


async def test_a_throttled_send_is_retried_after_retry_after(client, people, settings, drain, fake_twilio):
    fake_twilio.fail_next(429, 20429, retry_after=1)
    await absent(client, people, settings, ANAN)
    started = time.monotonic()
    await drain()
    assert time.monotonic() - started >= 1  # Twilio's Retry-After was honoured
    assert len(fake_twilio.sent_to(SOMSRI)) == 1 and fake_twilio.requests == 2
    row = (await messages())[SOMSRI]
    assert (row["status"], row["attempts"], row["error_code"]) == ("sent", 2, None)


async def test_server_errors_are_retried_with_backoff(client, people, settings, drain, fake_twilio):
    fake_twilio.fail_next(500, 30008, times=2)
    await absent(client, people, settings, ANAN)
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1
    assert (await messages())[SOMSRI]["attempts"] == 3


async def test_an_invalid_number_fails_at_once_with_its_reason(make_client, people, settings, drain, fake_twilio):
    fake_twilio.invalid_numbers.add(SOMSRI)
    teacher, admin = make_client(), make_client()
    await absent(teacher, people, settings, ANAN)
    await drain()
    row = (await messages())[SOMSRI]
    assert (row["status"], row["attempts"], row["error_code"]) == ("failed", 1, "21211")
    assert fake_twilio.requests == 1  # no retry of a permanent error
    register = text_of((await teacher.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert "ส่งไม่ถึง (21211)" in register and "หมายเลขโทรศัพท์ไม่ถูกต้อง แก้ไขในรายชื่อนักเรียน" in register
    await people.kanya.sign_in(settings, admin)
    outbox = text_of((await admin.get("/notify/outbox?status=failed")).text)
    assert "หมายเลขโทรศัพท์ไม่ถูกต้อง" in outbox  # what to do, in Thai, then the provider's own words
    assert "21211: Unable to create record: The 'To' number +66811111111 is not a valid phone number." in outbox

    # The school fixes the number with Twilio's help; the admin sends it again.
    fake_twilio.invalid_numbers.clear()
    page = await admin.submit(f"/notify/outbox/{row['id']}/retry")
    assert "นำข้อความเข้าคิวส่งอีกครั้งแล้ว" in text_of(page.text)
    await drain()
    assert (await messages())[SOMSRI]["status"] == "sent" and len(fake_twilio.sent_to(SOMSRI)) == 1


async def test_the_sweep_sends_what_a_flushed_redis_lost(client, people, settings, drain, fake_twilio, redis):
    await absent(client, people, settings, ANAN, BUA)
    await redis.flushdb()  # every queued job gone
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1 and len(fake_twilio.sent_to(PRASERT)) == 1


async def test_a_worker_killed_mid_send_neither_loses_nor_doubles(client, people, settings, drain, fake_twilio,
                                                                 redis):
    await absent(client, people, settings, ANAN, BUA)
    await redis.flushdb()
    rows = await messages()
    long_ago = clock.now() - timedelta(minutes=10)
    # Somsri's SMS reached Twilio before the worker died; Prasert's did not.
    await Message.update({Message.status: "sending", Message.updated_at: long_ago, Message.attempts: 1}).where(
        Message.id.is_in([rows[SOMSRI]["id"], rows[PRASERT]["id"]]))
    from backend.notify.fake_twilio import SentMessage

    callback = f"{settings.public_base_url}/notify/twilio/status?m={rows[SOMSRI]['id']}"
    fake_twilio.messages.append(SentMessage("SMalready", SOMSRI, "DOOLAE", rows[SOMSRI]["body"], callback,
                                            clock.now()))
    # Twilio tells us so through the status callback, which carries our message's id.
    report = {"MessageSid": "SMalready", "MessageStatus": "sent"}
    response = await client.post(callback, data=report, headers=signed(settings, report, callback))
    assert response.status_code == 204
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1 and len(fake_twilio.sent_to(PRASERT)) == 1
    after = await messages()
    assert after[SOMSRI]["provider_id"] == "SMalready" and after[PRASERT]["status"] == "sent"


async def test_an_earlier_identical_sms_is_not_taken_for_a_lost_one(client, people, settings, drain, fake_twilio,
                                                                    redis):
    """Same phone, same words (a wording without name or date): the earlier one is not this one."""
    for n in range(2):
        await outbox.text_person(settings, school_id=people.bangkok, user_id=people.kanya.user_id, phone=SOMSRI,
                                 locale="th", kind="sign_in_code", event_key=f"same-words-{n}",
                                 values={"code": "123456", "minutes": 30})
        if n == 0:
            await drain()
    [first, second] = await Message.select().order_by(Message.id)
    assert first["body"] == second["body"] and first["status"] == "sent"
    # The worker claimed the second and died before handing it to Twilio.
    await redis.flushdb()
    await Message.update({Message.status: "sending", Message.attempts: 1,
                          Message.updated_at: clock.now() - timedelta(minutes=10)}).where(Message.id == second["id"])
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 2  # it went out, rather than being marked sent unsent
    second = await Message.select().where(Message.id == second["id"]).first()
    assert second["status"] == "sent" and second["provider_id"] not in (None, first["provider_id"])


def signed(settings, params: dict, url: str | None = None) -> dict:
    url = url or f"{settings.public_base_url}/notify/twilio/status"
    return {"X-Twilio-Signature": RequestValidator(settings.twilio_auth_token).compute_signature(url, params)}


async def test_status_callbacks_must_be_signed_by_twilio(client, people, settings, drain):
    await absent(client, people, settings, ANAN)
    await drain()
    sid = (await messages())[SOMSRI]["provider_id"]
    forged = {"MessageSid": sid, "MessageStatus": "delivered"}
    response = await client.post("/notify/twilio/status", data=forged, headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert (await messages())[SOMSRI]["status"] == "sent"
    response = await client.post("/notify/twilio/status", data=forged, headers=signed(settings, forged))
    assert response.status_code == 204
    assert (await messages())[SOMSRI]["status"] == "delivered"
    late_sent = {"MessageSid": sid, "MessageStatus": "sent"}  # out of order: must not go backwards
    await client.post("/notify/twilio/status", data=late_sent, headers=signed(settings, late_sent))
    assert (await messages())[SOMSRI]["status"] == "delivered"


async def test_undelivered_reports_keep_the_carriers_error(client, people, settings, drain):
    await absent(client, people, settings, ANAN)
    await drain()
    sid = (await messages())[SOMSRI]["provider_id"]
    report = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    await client.post("/notify/twilio/status", data=report, headers=signed(settings, report))
    row = (await messages())[SOMSRI]
    assert (row["status"], row["error_code"]) == ("undelivered", "30003")


async def subscribe(client, people, settings, push_service, token="somsri-phone"):
    await people.somsri.sign_in(settings, client)
    await client.get("/attendance/children")
    subscription = push_service.subscription(token)
    response = await client.post("/notify/push/subscribe", json=subscription,
                                 headers={"x-csrftoken": client.csrf_token()})
    assert response.status_code == 204


async def test_a_parent_with_the_app_gets_a_push_instead_of_an_sms(make_client, people, settings, drain,
                                                                   fake_twilio, push_service):
    await subscribe(make_client(), people, settings, push_service)
    await absent(make_client(), people, settings, ANAN)
    await drain()
    assert [d.token for d in push_service.delivered] == ["somsri-phone"]
    assert push_service.delivered[0].claims["sub"] == settings.vapid_subject
    assert fake_twilio.sent_to(SOMSRI) == []
    assert (await messages())[f"user:{people.somsri.user_id}"]["status"] == "sent"


async def test_an_expired_push_subscription_falls_back_to_sms(make_client, people, settings, drain, fake_twilio,
                                                              push_service):
    await subscribe(make_client(), people, settings, push_service)
    push_service.gone.add("somsri-phone")
    await absent(make_client(), people, settings, ANAN)
    await drain()
    assert push_service.delivered == []
    assert len(fake_twilio.sent_to(SOMSRI)) == 1
    assert await PushSubscription.count() == 0  # dropped on 410
    pushed = (await messages())[f"user:{people.somsri.user_id}"]
    assert (pushed["status"], pushed["error_code"]) == ("failed", "410")


async def test_an_opted_out_guardian_gets_no_sms_and_the_teacher_sees_it(client, people, settings, drain,
                                                                         fake_twilio):
    await people.somchai.sign_in(settings, client)
    guardian = people.guardians[SOMSRI]
    page = await client.submit(f"/notify/guardians/{guardian}/sms",
                               {"opt_out": "true", "next": "/students/homeroom"})
    assert "ปิด SMS ของผู้ปกครองคนนี้แล้ว" in text_of(page.text)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    register = text_of((await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert "ติดต่อผู้ปกครองไม่ได้" in register


async def test_only_the_school_or_the_guardian_can_turn_sms_off(client, people, settings):
    await people.malee.sign_in(settings, client)  # not Anan's teacher, and Somsri is not hers… but Chai is
    guardian = people.guardians[PRASERT]  # Bua's father: Bua is in ม.1/1, not Malee's room
    page = await client.submit(f"/notify/guardians/{guardian}/sms", {"opt_out": "true"})
    assert page.status_code == 404  # a guardian she does not look after does not exist for her
    assert not (await Guardian.select(Guardian.sms_opt_out).where(Guardian.id == guardian).first())["sms_opt_out"]


def test_quiet_hours_hold_sms_until_seven_in_the_morning():
    settings = Settings()
    night = datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc)  # 22:30 in Bangkok
    held = notify.sendable_from(settings, night, "Asia/Bangkok", urgent=False)
    assert held == datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)  # 07:00 Bangkok
    early = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)  # 05:00 Bangkok on the 26th
    assert notify.sendable_from(settings, early, "Asia/Bangkok", urgent=False) == held
    day = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)  # 10:00 Bangkok
    assert notify.sendable_from(settings, day, "Asia/Bangkok", urgent=False) == day
    assert notify.sendable_from(settings, night, "Asia/Bangkok", urgent=True) == night


async def test_a_held_message_waits_for_its_time(client, people, settings, drain, fake_twilio):
    await absent(client, people, settings, ANAN)
    morning = clock.now() + timedelta(hours=8)
    await Message.update({Message.not_before: morning}).where(Message.id > 0)
    await drain()
    assert fake_twilio.messages == [] and (await messages())[SOMSRI]["status"] == "queued"
    await Message.update({Message.not_before: clock.now()}).where(Message.id > 0)
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1


async def test_the_schools_send_rate_is_respected(client, people, settings, drain, fake_twilio):
    await School.update({School.sms_per_second: 1}).where(School.id == people.bangkok)
    await absent(client, people, settings, ANAN, BUA)
    for n in range(2):
        await notify.text_person(settings, school_id=people.bangkok, user_id=people.kanya.user_id,
                                 phone=f"+6689000000{n}", locale="th", kind="sign_in_code",
                                 event_key=f"rate-test-{n}", values={"code": "123456", "minutes": 30})
    await drain()
    moments = sorted(m.created.timestamp() for m in fake_twilio.messages)
    assert len(moments) == 4
    # One a second: the fourth leaves at least three seconds after the first was allowed, so it reaches Twilio
    # more than two seconds after the first did, however late in its second the first one went (a busy machine
    # can deliver two in the same wall-clock second, so the span is what is asserted).
    assert moments[-1] - moments[0] > 2


async def test_the_sign_in_code_goes_by_sms(client, people, settings, drain, fake_twilio):
    await people.kanya.sign_in(settings, client)
    page = await client.submit(f"/admin/parents/{people.guardians[PRASERT]}/code")
    assert "กำลังส่งรหัสทาง SMS ไปที่ 082-222-2222" in text_of(page.text)
    await drain()
    [sms] = fake_twilio.sent_to(PRASERT)
    assert "รหัสเข้าแอปดูแล" in sms.body and "http" not in sms.body
    code = sms.body.split("รหัสเข้าแอปดูแล ")[1][:6]
    assert f'<p class="code">{code}</p>' in page.text


async def test_admin_rewords_an_sms_and_sees_what_it_costs(client, people, settings, drain, fake_twilio):
    await people.kanya.sign_in(settings, client)
    page = await client.get("/notify/templates")
    assert "1 ข้อความ SMS · UCS-2" in text_of(page.text)
    link = {"kind": "absent", "locale": "th", "body": "{{ school }}: {{ name }} ขาด ดู https://bit.ly/x"}
    page = await client.submit("/notify/templates", link)
    assert page.status_code == 422 and "กสทช." in text_of(page.text)
    page = await client.submit("/notify/templates", {"kind": "absent", "locale": "th", "body": "ก" * 210})
    assert page.status_code == 422 and "ยาวเกินไป" in text_of(page.text)
    page = await client.submit("/notify/templates", {"kind": "absent", "locale": "th",
                                                     "body": "{{ school }} แจ้ง {{ name }} ไม่มาเรียน {{ date }}"})
    assert page.status_code == 200
    await absent(client, people, settings, ANAN)
    await drain()
    assert fake_twilio.sent_to(SOMSRI)[0].body.startswith("โรงเรียนกร แจ้ง อนันต์ ไม่มาเรียน")


async def test_another_schools_admin_sees_none_of_these_messages(make_client, people, settings, drain):
    teacher, other = make_client(), make_client()
    await absent(teacher, people, settings, ANAN)
    await drain()
    await people.preecha.sign_in(settings, other)
    outbox = text_of((await other.get("/notify/outbox")).text)
    assert "อนันต์" not in outbox and "ไม่มีข้อความ" in outbox
    rows = await Message.select(Message.id)
    page = await other.submit(f"/notify/outbox/{rows[0]['id']}/retry")
    assert page.status_code == 404 and "ไม่มีข้อความนี้" in text_of(page.text)
    assert (await Message.select(Message.status).first())["status"] != "queued"  # nothing was sent again


async def test_a_parent_turns_sms_off_in_the_app(client, people, settings):
    await people.somsri.sign_in(settings, client)
    page = await client.get("/attendance/children")
    assert "SMS ถึง 081-111-1111: เปิด" in text_of(page.text)
    page = await client.submit(f"/notify/guardians/{people.guardians[SOMSRI]}/sms",
                               {"opt_out": "true", "next": "/attendance/children"})
    assert "SMS ถึง 081-111-1111: ปิด" in text_of(page.text)


async def test_the_homeroom_list_shows_who_turned_sms_off(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await client.get("/students/homeroom")
    page = await client.submit(f"/notify/guardians/{people.guardians[PRASERT]}/sms",
                               {"opt_out": "true", "next": "/students/homeroom"})
    assert str(page.url).endswith("/students/homeroom")
    assert "ประเสริฐ รักเรียน (บิดา) ปิด SMS" in text_of(page.text)


def test_a_school_can_set_or_turn_off_quiet_hours():
    night = datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc)  # 22:30 in Bangkok
    assert notify.sendable_from(Settings.from_env({"QUIET_HOURS": "off"}), night, "Asia/Bangkok", False) == night
    later = Settings.from_env({"QUIET_HOURS": "23-6"})
    assert notify.sendable_from(later, night, "Asia/Bangkok", False) == night  # 22:30 is before 23:00


async def test_a_message_to_every_guardian_of_a_big_school_is_written_whole(people, settings):
    """A survey's codes by SMS to 2,500 guardians: fourteen values a message, more than PostgreSQL's 32,767 a
    statement, so they are written a thousand at a time (all or none, in the caller's transaction)."""
    from backend import db

    school = await notify.school_row(people.bangkok)
    guardian = people.guardians[SOMSRI]
    reach = notify.Reach(guardian_id=guardian, user_id=None, locale="th", channel=notify.Channel.sms,
                         recipient=SOMSRI)
    closes = date(2026, 12, 20)
    specs = [notify.AlertSpec(None, f"survey:big:{n}", "survey_code", None, {"code": f"{n:06d}", "day": closes},
                              [reach]) for n in range(2500)]
    async with db.transaction():
        ids = await notify.create_alerts(settings, school, specs)
    assert len(ids) == 2500 and await Message.count().where(Message.recipient == SOMSRI) == 2500
