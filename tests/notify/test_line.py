"""LINE as a channel (issue 13), through the official SDK against a local server that speaks LINE's wire format:
the admin sets up the school's account (secrets never shown back); a parent links their LINE by sending a one-time
code to it (the webhook is read only when signed with the channel secret); messages chosen for LINE go there, once
however often a lost answer makes the worker try again, and by SMS when LINE cannot take them or the parent blocked
the account; each grade's staff group gets one morning register summary per school day, counts only unless the school
turns names on."""

import asyncio
import logging
import re
from datetime import datetime, time, timedelta

from backend import clock
from backend.attendance import summaries
from backend.notify.line import retry_key
from backend.notify.tables import ChannelChoice, LineCode, LineEvent, LineGroup, LineLink, LineSettings, Message
from backend.schools import services as schools
from backend.schools.tables import Grade
from tests.attendance.test_register import ANAN, BUA, CHAI, SOMSRI, save
from tests.conftest import text_of

TOKEN = "bkk-channel-access-token-" + "a1B2" * 20
SECRET = "0123456789abcdef0123456789abcdef"
SOMSRI_LINE = "U" + "5" * 32
STRANGER_LINE = "U" + "9" * 32
GROUP = "C" + "1" * 32
TEACHER_LINE = "U" + "7" * 32


async def set_up_line(make, people, settings, fake_line, **extra):
    """Kanya enters the school's channel secret and access token; LINE knows the token."""
    fake_line.add_account(TOKEN, "@bkk-school", "โรงเรียนกรุงเทพศึกษา")
    admin = make()
    await people.kanya.sign_in(settings, admin)
    page = await admin.submit("/notify/line/settings", {"enabled": "1", "channel_secret": SECRET,
                                                        "access_token": TOKEN, "summary_time": "09:00", **extra})
    assert page.status_code == 200 and "บันทึกการตั้งค่า LINE แล้ว" in text_of(page.text)
    return admin


async def webhook(client, people, fake_line, *events, secret=SECRET, signature=None):
    body = fake_line.webhook_body(TOKEN, *events)
    return await client.post(f"/notify/line/webhook/{people.bangkok}", content=body, headers={
        "content-type": "application/json; charset=utf-8",
        "x-line-signature": signature if signature is not None else fake_line.sign(secret, body)})


def code_on(page) -> str:
    return re.search(r'class="code">([\d ]+)<', page.text).group(1)


async def link_somsri(make, people, settings, fake_line):
    parent = make()
    await people.somsri.sign_in(settings, parent)
    page = await parent.submit("/notify/line/code")
    assert "ส่งรหัสนี้ไปที่บัญชี LINE ของโรงเรียนภายใน 10 นาที" in text_of(page.text)
    response = await webhook(make(), people, fake_line, fake_line.text_event(SOMSRI_LINE, code_on(page)))
    assert response.status_code == 200
    return parent


def pushed(fake_line, to):
    return [m for m in fake_line.sent_to(to) if m.reply_token is None]


def replies(fake_line, to):
    return [m.text for m in fake_line.sent_to(to) if m.reply_token is not None]


async def test_the_admin_sets_up_line_and_its_secrets_are_never_shown_back(line_browser, people, line_settings,
                                                                          fake_line):
    admin = line_browser()
    await people.kanya.sign_in(line_settings, admin)
    refused = await admin.submit("/notify/line/settings", {"enabled": "1"})
    assert refused.status_code == 422
    assert "หากจะเปิดใช้ LINE ให้กรอกรหัสลับของแชนแนลและโทเค็นการเข้าถึงแชนแนล" in text_of(refused.text)
    fake_line.add_account(TOKEN, "@bkk-school", "BKK")
    wrong = await admin.submit("/notify/line/settings", {"enabled": "1", "channel_secret": SECRET,
                                                         "access_token": "not-a-token-LINE-knows-0000"})
    assert wrong.status_code == 422 and "LINE ไม่ยอมรับโทเค็นการเข้าถึงแชนแนลนี้" in text_of(wrong.text)
    assert await LineSettings.count() == 0  # nothing saved
    await set_up_line(line_browser, people, line_settings, fake_line)
    page = (await admin.get("/notify/line/settings")).text
    assert SECRET not in page and TOKEN not in page  # never shown back in full
    assert SECRET[-4:] in page and TOKEN[-4:] in page and "@bkk-school" in page
    assert f"http://testserver/notify/line/webhook/{people.bangkok}" in page
    stored = await LineSettings.select().first()
    assert SECRET not in stored["channel_secret"] and TOKEN not in stored["access_token"]  # encrypted at rest
    # Saving again with the secret fields empty keeps them.
    await admin.submit("/notify/line/settings", {"enabled": "1", "summaries": "1", "summary_time": "08:45"})
    kept = await LineSettings.select().first()
    assert kept["summaries"] and kept["summary_time"] == "08:45" and kept["channel_secret"]
    menu = (await admin.get("/")).text
    assert 'href="/notify/line/settings"' in menu


async def test_a_parent_links_line_by_sending_a_code_through_a_signed_webhook(line_browser, people, line_settings,
                                                                             fake_line):
    await set_up_line(line_browser, people, line_settings, fake_line)
    parent = line_browser()
    await people.somsri.sign_in(line_settings, parent)
    page = text_of((await parent.get("/notify/line")).text)
    assert "@bkk-school" in page and "รับรหัส" in page
    issued = await parent.submit("/notify/line/code")
    code = code_on(issued)
    assert re.fullmatch(r"\d{4} \d{4}", code)
    assert await LineCode.count().where(LineCode.digest == code.replace(" ", "")) == 0  # only a digest is kept
    answered = await webhook(line_browser(), people, fake_line, fake_line.text_event(SOMSRI_LINE, code))
    assert answered.status_code == 200
    [link] = await LineLink.select()
    assert (link["guardian"], link["line_user"]) == (people.guardians[SOMSRI], SOMSRI_LINE)
    assert any("เชื่อมต่อแล้ว" in text for text in replies(fake_line, SOMSRI_LINE))  # replied through LINE
    page = text_of((await parent.get("/notify/line")).text)
    assert "เชื่อมต่อแล้ว" in page and "ยกเลิกการเชื่อมต่อ LINE" in page
    # Her messages now come by LINE (what she had left at the default); she may change any.
    chosen = {r["topic"]: r["choice"] for r in await ChannelChoice.select().where(
        ChannelChoice.guardian == people.guardians[SOMSRI])}
    assert chosen["absence"] == "line" and chosen["attendance"] == "line"
    choices = text_of((await parent.get("/notify/choices")).text)
    assert "ทาง LINE (ส่ง SMS แทนหาก LINE รับไม่ได้)" in choices
    # The code worked once: someone else sending it later links nothing.
    await webhook(line_browser(), people, fake_line, fake_line.text_event(STRANGER_LINE, code))
    assert await LineLink.count() == 1
    assert any("รหัสนี้ไม่ถูกต้อง" in text for text in replies(fake_line, STRANGER_LINE))
    # Unlinking from the app.
    gone = await parent.submit("/notify/line/unlink")
    assert "ยกเลิกการเชื่อมต่อ LINE แล้ว" in text_of(gone.text) and await LineLink.count() == 0


async def test_codes_expire_and_wrong_guesses_are_slowed(line_browser, people, line_settings, fake_line):
    await set_up_line(line_browser, people, line_settings, fake_line)
    parent = line_browser()
    await people.somsri.sign_in(line_settings, parent)
    code = code_on(await parent.submit("/notify/line/code"))
    with clock.set_to(clock.now() + timedelta(minutes=11)):
        await webhook(line_browser(), people, fake_line, fake_line.text_event(SOMSRI_LINE, code))
    assert await LineLink.count() == 0
    guesses = [fake_line.text_event(STRANGER_LINE, f"{n:08d}") for n in range(7)]
    await webhook(line_browser(), people, fake_line, *guesses)
    answers = replies(fake_line, STRANGER_LINE)
    assert len(answers) == 7 and "ลองใหม่อีกครั้งใน" in answers[-1]
    assert await LineLink.count() == 0


async def test_a_bad_signature_is_refused_in_words_and_nothing_is_stored(line_browser, people, line_settings,
                                                                         fake_line, caplog):
    await set_up_line(line_browser, people, line_settings, fake_line)
    parent = line_browser()
    await people.somsri.sign_in(line_settings, parent)
    code = code_on(await parent.submit("/notify/line/code"))
    event = fake_line.text_event(SOMSRI_LINE, code)
    with caplog.at_level(logging.WARNING, logger="doolae.notify"):
        forged = await webhook(line_browser(), people, fake_line, event, secret="f" * 32)
        unsigned = await webhook(line_browser(), people, fake_line, event, signature="")
    for refused in (forged, unsigned):
        assert refused.status_code == 403
        assert "X-Line-Signature" in refused.json()["message"]  # says what is wrong, and that nothing was kept
    assert "bad x-line-signature" in caplog.text
    assert await LineLink.count() == 0 and await LineEvent.count() == 0
    assert replies(fake_line, SOMSRI_LINE) == []
    # Nothing lost: the code is still unused, and the event LINE sends signed is handled.
    assert (await webhook(line_browser(), people, fake_line, event)).status_code == 200
    assert await LineLink.count() == 1
    # LINE sending the same event again (its answer was late) changes nothing.
    assert (await webhook(line_browser(), people, fake_line, event)).json() == {"handled": 0}
    assert len(replies(fake_line, SOMSRI_LINE)) == 1


async def test_an_absence_by_line_reaches_line_exactly_once_across_a_retry(line_browser, people, line_settings,
                                                                          line_drain, fake_line, fake_twilio):
    await set_up_line(line_browser, people, line_settings, fake_line)
    await link_somsri(line_browser, people, line_settings, fake_line)
    fake_line.fail_next(500, accept=True)  # LINE takes the message, but its answer is lost on the way back
    teacher = line_browser()
    await people.somchai.sign_in(line_settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await line_drain()
    [sent] = pushed(fake_line, SOMSRI_LINE)
    assert "อนันต์" in sent.text
    row = await Message.select().where(Message.channel == "line").first()
    assert (row["status"], row["attempts"], row["recipient"]) == ("sent", 2, SOMSRI_LINE)
    assert sent.retry_key == retry_key(line_settings.deployment, row["id"])  # each try carried the same key
    assert fake_twilio.sent_to(SOMSRI) == []  # LINE reached her: no SMS


async def test_line_refusing_a_message_sends_it_by_sms(line_browser, people, line_settings, line_drain, fake_line,
                                                        fake_twilio):
    await set_up_line(line_browser, people, line_settings, fake_line)
    await link_somsri(line_browser, people, line_settings, fake_line)
    fake_line.fail_next(400, "Failed to send messages")
    teacher = line_browser()
    await people.somchai.sign_in(line_settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await line_drain()
    assert pushed(fake_line, SOMSRI_LINE) == []
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert "อนันต์" in sms.body
    line_row = await Message.select().where(Message.channel == "line").first()
    assert line_row["status"] == "failed" and line_row["error_code"] == "line_refused"


async def test_a_parent_who_blocks_the_account_gets_sms_until_they_add_it_again(line_browser, people, line_settings,
                                                                               line_drain, fake_line, fake_twilio):
    await set_up_line(line_browser, people, line_settings, fake_line)
    parent = await link_somsri(line_browser, people, line_settings, fake_line)
    somchai, malee = line_browser(), line_browser()
    await people.somchai.sign_in(line_settings, somchai)
    await save(somchai, people, **{f"s{ANAN}": "absent"})  # queued for her LINE …
    await webhook(line_browser(), people, fake_line, fake_line.unfollow_event(SOMSRI_LINE))  # … she blocks it
    await line_drain()
    assert pushed(fake_line, SOMSRI_LINE) == []
    [sms] = fake_twilio.sent_to(SOMSRI)  # the absence is not lost
    assert "อนันต์" in sms.body
    assert (await Message.select().where(Message.channel == "line").first())["error_code"] == "line_unlinked"
    assert "บล็อก" in text_of((await parent.get("/notify/line")).text)
    # She adds the account again: LINE takes her messages once more.
    await webhook(line_browser(), people, fake_line, fake_line.follow_event(SOMSRI_LINE, unblocked=True))
    assert any("ยินดีต้อนรับกลับ" in text for text in replies(fake_line, SOMSRI_LINE))
    await people.malee.sign_in(line_settings, malee)
    await save(malee, people, "BKK ม.1/2", **{f"s{CHAI}": "absent"})
    await line_drain()
    [by_line] = pushed(fake_line, SOMSRI_LINE)
    assert "ชัย" in by_line.text and len(fake_twilio.sent_to(SOMSRI)) == 1


# Staff groups ------------------------------------------------------------------------------------------------------


async def give_group_to_grade(make, people, settings, fake_line, admin):
    grade = await Grade.select(Grade.id).where((Grade.school == people.bangkok) & (Grade.code == "ม.1")).first()
    page = await admin.submit(f"/notify/line/grades/{grade['id']}/code")
    assert "รหัสสำหรับกลุ่มครูของ ม.1" in text_of(page.text)
    fake_line.groups[GROUP] = "ครูสายชั้น ม.1"
    await webhook(make(), people, fake_line, fake_line.join_event(GROUP),
                  fake_line.text_event(TEACHER_LINE, "สวัสดีครับ", group_id=GROUP),  # staff talk: no answer
                  fake_line.text_event(TEACHER_LINE, code_on(page), group_id=GROUP))
    answers = replies(fake_line, GROUP)
    assert len(answers) == 2 and "ม.1" in answers[1] and "09:00" in answers[1]
    [group] = await LineGroup.select()
    assert group["grade"] == grade["id"] and group["name"] == "ครูสายชั้น ม.1"
    return grade["id"]


async def morning_at(people, make, settings, day_time):
    """Somchai takes ม.1/1's register (Anan absent, Bua late); ม.1/2's is not taken."""
    teacher = make()
    await people.somchai.sign_in(settings, teacher)
    with clock.set_to(day_time):
        await save(teacher, people, **{f"s{ANAN}": "absent", f"s{BUA}": "late"})


async def test_each_grade_group_gets_one_summary_with_counts_and_no_names(line_browser, people, line_settings,
                                                                          line_drain, fake_line, redis):
    admin = await set_up_line(line_browser, people, line_settings, fake_line, summaries="1")
    await give_group_to_grade(line_browser, people, line_settings, fake_line, admin)
    page = text_of((await admin.get("/notify/line/settings")).text)
    assert "ครูสายชั้น ม.1" in page
    nine = datetime.combine(clock.today(), time(9, 5), clock.SCHOOL_TIME)
    await morning_at(people, line_browser, line_settings, nine - timedelta(minutes=40))
    with clock.set_to(nine - timedelta(minutes=10)):
        assert await summaries.send_due(line_settings) == {}  # not yet 09:00
    with clock.set_to(nine):
        await asyncio.gather(summaries.send_due(line_settings), summaries.send_due(line_settings))  # two workers
        await summaries.send_due(line_settings)
        await line_drain()  # and the worker's own run at its start
    [summary] = pushed(fake_line, GROUP)
    assert "ม.1/1: ขาด 1 คน สาย 1 คน" in summary.text and "ม.1/2: ยังไม่เช็กชื่อ" in summary.text
    assert "รวม: ขาด 1 คน สาย 1 คน ยังไม่เช็กชื่อ 1 ห้อง" in summary.text
    assert "อนันต์" not in summary.text and "บัว" not in summary.text  # no names unless the school turns them on


async def test_names_are_in_the_summary_when_the_school_turns_them_on(line_browser, people, line_settings,
                                                                      line_drain, fake_line):
    admin = await set_up_line(line_browser, people, line_settings, fake_line, summaries="1", summary_names="1")
    await give_group_to_grade(line_browser, people, line_settings, fake_line, admin)
    nine = datetime.combine(clock.today(), time(9, 5), clock.SCHOOL_TIME)
    await morning_at(people, line_browser, line_settings, nine - timedelta(minutes=40))
    with clock.set_to(nine):
        await line_drain()
    [summary] = pushed(fake_line, GROUP)
    assert "ขาด: 1. อนันต์ ใจดี" in summary.text and "สาย: 2. บัว รักเรียน" in summary.text


async def test_no_summary_on_a_holiday(line_browser, people, line_settings, line_drain, fake_line):
    admin = await set_up_line(line_browser, people, line_settings, fake_line, summaries="1")
    await give_group_to_grade(line_browser, people, line_settings, fake_line, admin)
    day = clock.today() + timedelta(days=7 + (2 - clock.today().weekday()) % 7)  # a Wednesday, next week or after
    await schools.add_calendar_day(people.bangkok, "holiday", "วันหยุดพิเศษ", day.isoformat())
    with clock.set_to(datetime.combine(day, time(9, 30), clock.SCHOOL_TIME)):
        assert await summaries.send_due(line_settings) == {}
        await line_drain()
    assert pushed(fake_line, GROUP) == []
    assert await Message.count().where(Message.channel == "line") == 0


async def test_the_weekly_family_summary_follows_a_parent_who_chose_line(line_browser, people, line_settings,
                                                                         line_drain, fake_line, fake_twilio):
    from backend.summary import services as summary
    from tests.behaviour.test_digest import _record
    from tests.summary.test_family_summary import FRIDAY_EVENING, WEEK

    admin = await set_up_line(line_browser, people, line_settings, fake_line)
    await link_somsri(line_browser, people, line_settings, fake_line)  # her messages now come by LINE
    await _record(people, people.wipa, "volunteer", [CHAI], WEEK.monday + timedelta(days=3), kind="good_deed")
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_school(line_settings, people.bangkok, WEEK)
        await line_drain()
    [sent] = [m for m in pushed(fake_line, SOMSRI_LINE) if "สรุปสัปดาห์" in m.text]
    assert "ชัย มา" not in sent.text and "ชัย ทำดี 1" in sent.text  # no register taken that week: no days
    assert not [m for m in fake_twilio.sent_to(SOMSRI) if "สรุป" in m.body]
    row = await Message.select(Message.channel, Message.status).where(Message.alert.kind == "family_summary").first()
    assert row == {"channel": "line", "status": "sent"}
    page = text_of((await admin.get("/notify/outbox")).text)
    assert "1 ครอบครัวไม่มีแอปและรับทาง SMS" in page  # Prasert; Somsri's come by LINE
