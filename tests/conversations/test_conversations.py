"""Messages between guardians and the homeroom teacher: a parent writes about their child and reads the reply; the
teacher answers from the class inbox; nobody else reads it (another parent, the child's other guardian, a teacher of
another room, another school); the executive reads only with a reason, audited; a class message goes once to each
guardian through the outbox (push for Somsri, SMS for Prasert), never twice; the hours for replies; bad input."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from backend import clock, db
from backend.accounts import codes
from backend.accounts.tables import RecordRead
from backend.conversations import hours
from backend.conversations.tables import Post, Thread, ThreadRead
from backend.notify import push
from backend.notify.tables import Alert, Message
from backend.schools import services as schools
from backend.schools.calendar import Calendar, DayKind, DayOff
from backend.students.tables import Guardian, StudentGuardian
from tests.conftest import text_of

SOMSRI, PRASERT = "+66811111111", "+66822222222"
IN_HOURS = time(10, 0)


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=clock.SCHOOL_TIME)


async def _with_push(people, settings, push_service) -> None:
    subscription = push_service.subscription("somsri-phone")
    await push.save_subscription(settings, await people.somsri.viewer(), subscription["endpoint"],
                                 subscription["p256dh"], subscription["auth"])


async def _prasert_with_account(people) -> None:
    """Prasert (Bua's father) gets the app, and is made Anan's guardian too: two guardians of one child."""
    from backend.accounts.tables import User

    user_id = await codes.ensure_parent_account(await people.kanya.viewer(), people.guardians[PRASERT])
    await User.update({User.password_hash: "set"}).where(User.id == user_id)  # past the first sign-in
    async with db.transaction():
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10001"],
                                                     guardian=people.guardians[PRASERT], relation="ลุง", position=2))


async def _prasert(people, settings, browser) -> None:
    from backend.accounts.tables import User

    user = await User.select(User.id).where(User.username == PRASERT).first()
    from tests.personas import Person

    await Person(user["id"], PRASERT, "ประเสริฐ").sign_in(settings, browser)


async def test_a_parent_writes_the_teacher_answers_from_the_class_inbox_and_the_parent_reads_it(
        make_client, people, settings, drain, push_service, fake_twilio):
    anan = people.students["10001"]
    await _with_push(people, settings, push_service)
    parent, teacher = make_client(), make_client()
    with clock.set_to(at(clock.today(), IN_HOURS)):  # a school day (the personas' school opens today)
        await people.somsri.sign_in(settings, parent)
        await people.somchai.sign_in(settings, teacher)
        mine = text_of((await parent.get("/conversations")).text)
        assert "อนันต์" in mine and "ชัย" in mine and "ครูสมชาย" in mine and "ครูมาลี" in mine
        page = text_of((await parent.get(f"/conversations/children/{anan}")).text)
        assert "ครูตอบข้อความในวันเปิดเรียน เวลา 07:30–16:30 น." in page and "ครูจะตอบได้ตั้งแต่" not in page
        sent = await parent.submit(f"/conversations/children/{anan}", {"body": "อนันต์ปวดท้อง ขอให้ครูช่วยดูด้วยค่ะ"})
        assert "ส่งแล้ว ครูประจำชั้นจะเห็นข้อความในแอป" in text_of(sent.text)

        home = text_of((await teacher.get("/")).text)
        assert "ข้อความจากผู้ปกครอง · ข้อความที่ยังไม่ได้อ่าน 1 ข้อความ" in home
        inbox = text_of((await teacher.get("/conversations")).text)
        assert "อนันต์ ใจดี ม.1/1 · สมศรี ใจดี" in inbox and "ใหม่ 1" in inbox and "ปวดท้อง" in inbox
        thread = await Thread.select(Thread.id).where(Thread.student == anan).first()
        opened = text_of((await teacher.get(f"/conversations/{thread['id']}")).text)
        assert "อนันต์ปวดท้อง ขอให้ครูช่วยดูด้วยค่ะ" in opened and "กับ สมศรี ใจดี" in opened
        assert "ใหม่ 1" not in text_of((await teacher.get("/conversations")).text)  # read now
        answered = await teacher.submit(f"/conversations/{thread['id']}", {"body": "ครูจะพาไปห้องพยาบาลครับ"})
        assert "ส่งถึงผู้ปกครองแล้ว" in text_of(answered.text) and "แจ้งทางแอปแล้ว" in text_of(answered.text)

        assert "ข้อความใหม่ 1 ข้อความ" in text_of((await parent.get("/")).text)
        read = text_of((await parent.get(f"/conversations/children/{anan}")).text)
        assert "ครูจะพาไปห้องพยาบาลครับ" in read and "ครูอ่านแล้ว" in read
        assert "ข้อความใหม่" not in text_of((await parent.get("/")).text)
        await drain()  # at the same school-day hour: run between midnight and 07:30, the reply would not be due yet
    # Somsri's phone got one push for the reply; the teacher was told in the app only: no SMS to anyone.
    assert [d.token for d in push_service.delivered] == ["somsri-phone"] and fake_twilio.messages == []
    assert await Post.count() == 2  # both kept


async def test_no_one_else_reads_a_familys_thread(make_client, people, settings):
    anan = people.students["10001"]
    await _prasert_with_account(people)
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    await parent.submit(f"/conversations/children/{anan}", {"body": "เบอร์ใหม่ของแม่คือ 089-999-9999"})
    thread = await Thread.select(Thread.id).where(Thread.student == anan).first()
    url = f"/conversations/{thread['id']}"
    # The child's other guardian, a teacher of another room, the grade head, another school's teacher and parent.
    other_guardian = make_client()
    await _prasert(people, settings, other_guardian)
    for browser in (other_guardian,):
        assert (await browser.get(url)).status_code == 404
        own = text_of((await browser.get(f"/conversations/children/{anan}")).text)
        assert "089-999-9999" not in own and "ยังไม่มีข้อความ" in own  # his own thread about Anan, empty
    for person in (people.malee, people.dao, people.noi, people.wipa, people.sunee):
        browser = make_client()
        await person.sign_in(settings, browser)
        response = await browser.get(url)
        assert response.status_code in (403, 404) and "089-999-9999" not in response.text
        assert "089-999-9999" not in (await browser.get("/conversations")).text


async def test_two_guardians_have_a_thread_each_and_each_room_its_own_teacher(make_client, people, settings):
    anan, chai = people.students["10001"], people.students["10003"]
    await _prasert_with_account(people)
    somsri, prasert = make_client(), make_client()
    await people.somsri.sign_in(settings, somsri)
    await _prasert(people, settings, prasert)
    await somsri.submit(f"/conversations/children/{anan}", {"body": "จากแม่: อนันต์ลืมการบ้าน"})
    await somsri.submit(f"/conversations/children/{chai}", {"body": "จากแม่: ชัยจะมาสาย"})
    await prasert.submit(f"/conversations/children/{anan}", {"body": "จากลุง: มารับอนันต์ตอนบ่ายสาม"})
    assert await Thread.count() == 3
    assert "จากลุง" not in text_of((await somsri.get(f"/conversations/children/{anan}")).text)
    assert "จากแม่" not in text_of((await prasert.get(f"/conversations/children/{anan}")).text)
    # Somchai (ม.1/1) sees both of Anan's threads, not Chai's; Malee (ม.1/2) Chai's only.
    somchai, malee = make_client(), make_client()
    await people.somchai.sign_in(settings, somchai)
    await people.malee.sign_in(settings, malee)
    inbox = text_of((await somchai.get("/conversations")).text)
    assert "สมศรี ใจดี" in inbox and "ประเสริฐ รักเรียน" in inbox and "ชัยจะมาสาย" not in inbox
    assert "ข้อความที่ยังไม่ได้อ่าน 2 ข้อความ" in inbox
    theirs = text_of((await malee.get("/conversations")).text)
    assert "ชัยจะมาสาย" in theirs and "อนันต์" not in theirs


async def test_a_class_message_goes_once_to_each_guardian_by_push_or_sms(
        client, people, settings, drain, fake_twilio, push_service):
    await _with_push(people, settings, push_service)
    room = people.classrooms["BKK ม.1/1"]
    await people.somchai.sign_in(settings, client)
    url = f"/conversations/classrooms/{room}/send"
    assert "ผู้ปกครองทุกครอบครัวในห้อง" in text_of((await client.get(url)).text)
    form = {"body": "พรุ่งนี้ให้นักเรียนแต่งชุดพละ", "token": uuid.uuid4().hex, "student": ""}
    preview = text_of((await client.submit(url, form)).text)
    assert "ผู้ปกครอง 2 คน : ทางแอป 1 คน · ทาง SMS 1 คน" in preview
    assert "ค่า SMS: รวม 1 ข้อความ (ไม่เกิน 1 ข้อความต่อคน × ผู้ปกครอง 1 คน)" in preview
    assert await Post.count() == 0 and await Message.count() == 0  # nothing sent before the teacher confirms
    for _ in range(2):  # the form sent twice (a double tap): sent once
        sent = await client.submit(url, {**form, "confirm": "1"})
        assert "ส่งแล้ว: ทางแอป 1 คน ทาง SMS 1 คน ติดต่อไม่ได้ 0 คน" in text_of(sent.text)
    assert await Post.count() == 2 and await Message.count() == 2
    await drain()
    await drain()  # the worker run again sends nothing twice
    [sms] = fake_twilio.sent_to(PRASERT)
    assert "พรุ่งนี้ให้นักเรียนแต่งชุดพละ" in sms.body and "บัว" in sms.body and "http" not in sms.body
    assert len(fake_twilio.messages) == 1 and [d.token for d in push_service.delivered] == ["somsri-phone"]
    # Each guardian has it in their own thread; the parent reads it in the app.
    parent = client
    await people.somsri.sign_in(settings, parent)
    assert "ข้อความใหม่ 1 ข้อความ" in text_of((await parent.get("/")).text)
    page = text_of((await parent.get(f"/conversations/children/{people.students['10001']}")).text)
    assert "พรุ่งนี้ให้นักเรียนแต่งชุดพละ" in page and "ประเสริฐ" not in page and "082" not in page


async def test_one_family_and_who_cannot_be_reached(client, people, settings, drain, fake_twilio):
    await Guardian.update({Guardian.sms_opt_out: True}).where(Guardian.phone == PRASERT)
    room = people.classrooms["BKK ม.1/1"]
    await people.somchai.sign_in(settings, client)
    url = f"/conversations/classrooms/{room}/send"
    form = {"body": "บัวได้รางวัลเรียงความ", "token": uuid.uuid4().hex, "student": str(people.students["10002"])}
    preview = text_of((await client.submit(url, form)).text)
    assert "ผู้ปกครอง 1 คน" in preview and "ติดต่อไม่ได้ กรุณาแจ้งด้วยวิธีอื่น บัว รักเรียน ปิด SMS" in preview
    await client.submit(url, {**form, "confirm": "1"})
    [post] = await Post.select(Post.channel, Post.unreachable)
    assert post == {"channel": "", "unreachable": "opted_out"}  # kept in his thread, listed, not dropped
    await drain()
    assert fake_twilio.messages == []
    thread = await Thread.select(Thread.id).first()
    assert "แจ้งไม่ได้: ปิด SMS" in text_of((await client.get(f"/conversations/{thread['id']}")).text)


async def test_what_an_sms_cannot_carry_is_refused_before_anything_is_sent(client, people, settings):
    room = people.classrooms["BKK ม.1/1"]
    await people.somchai.sign_in(settings, client)
    url = f"/conversations/classrooms/{room}/send"
    link = await client.submit(url, {"body": "ดูรายละเอียดที่ https://example.com", "confirm": "1"})
    assert link.status_code == 422 and "กรุณาลบลิงก์ออก" in text_of(link.text)
    long = await client.submit(url, {"body": "ก" * 300, "confirm": "1"})
    assert long.status_code == 422 and "ต่อ SMS ได้ไม่เกิน 3 ข้อความ" in text_of(long.text)
    assert 'ก' * 300 in long.text  # what was typed comes back
    assert await Post.count() == 0 and await Alert.count() == 0


async def test_bad_input_is_refused_with_words_and_another_child_does_not_exist(client, people, settings):
    anan, bua = people.students["10001"], people.students["10002"]
    await people.somsri.sign_in(settings, client)
    url = f"/conversations/children/{anan}"
    huge = await client.submit(url, {"body": "ข" * 10_000})
    page = text_of(huge.text)
    assert huge.status_code == 422 and "ยาวได้ไม่เกิน 2,000 ตัวอักษร ข้อความนี้มี 10,000 ตัวอักษร" in page
    assert "ข" * 10_000 in huge.text  # nothing lost: the text is still in the box
    empty = await client.submit(url, {"body": "   "})
    assert empty.status_code == 422 and "กรุณาพิมพ์ข้อความก่อนส่ง" in text_of(empty.text)
    for response in (await client.get(f"/conversations/children/{bua}"),
                     await client.submit(f"/conversations/children/{bua}", {"body": "สวัสดีค่ะ"})):
        assert response.status_code == 404 and "บัว" not in text_of(response.text)
    assert await Post.count() == 0 and await Thread.count() == 0


async def test_the_executive_reads_a_thread_only_with_a_reason_and_the_read_is_audited(make_client, people,
                                                                                     settings):
    anan = people.students["10001"]
    parent, director, teacher = make_client(), make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await parent.submit(f"/conversations/children/{anan}", {"body": "ครูพูดจาไม่สุภาพกับลูก"})
    thread = await Thread.select(Thread.id).first()
    await people.wichai.sign_in(settings, director)
    listed = text_of((await director.get("/conversations")).text)
    assert "อนันต์" in listed and "ไม่สุภาพ" not in listed
    asked = text_of((await director.get(f"/conversations/{thread['id']}")).text)
    assert "เหตุผลที่เปิดอ่าน" in asked and "ไม่สุภาพ" not in asked
    no_reason = await director.submit(f"/conversations/{thread['id']}/audit", {"reason": ""})
    assert no_reason.status_code == 422 and "ไม่สุภาพ" not in text_of(no_reason.text)
    assert await ThreadRead.count() == 0 and await RecordRead.count() == 0
    reason = "ผู้ปกครองร้องเรียนเรื่องครูประจำชั้น"
    read = text_of((await director.submit(f"/conversations/{thread['id']}/audit", {"reason": reason})).text)
    assert "ครูพูดจาไม่สุภาพกับลูก" in read and "บันทึกการเปิดอ่านแล้ว" in read
    assert await ThreadRead.select(ThreadRead.reason, ThreadRead.reader) == [
        {"reason": reason, "reader": people.wichai.user_id}]
    assert await RecordRead.select(RecordRead.student, RecordRead.section) == [
        {"student": anan, "section": "messages"}]
    # The homeroom teacher sees who read it and why, and the message is still unread for them.
    await people.somchai.sign_in(settings, teacher)
    assert "ใหม่ 1" in text_of((await teacher.get("/conversations")).text)
    page = text_of((await teacher.get(f"/conversations/{thread['id']}")).text)
    assert "ผู้บริหารโรงเรียนที่เปิดอ่าน" in page and "ผอ.วิชัย" in page and reason in page
    reads = text_of((await teacher.get(f"/records/{anan}/reads")).text)
    assert "ข้อความระหว่างผู้ปกครองกับครูประจำชั้น" in reads


# Hours for replies ----------------------------------------------------------------------------------------------


async def test_outside_school_hours_the_parent_is_told_the_next_opening(make_client, people, settings):
    anan = people.students["10001"]
    await schools.ensure_school_year(people.bangkok, 2569)  # its holidays written, whatever today is
    parent, admin = make_client(), make_client()
    # Friday 8 January 2027 (B.E. 2570), evening: Monday the 11th.
    with clock.set_to(at(date(2027, 1, 8), time(18, 0))):
        await people.somsri.sign_in(settings, parent)
        page = text_of((await parent.get(f"/conversations/children/{anan}")).text)
        assert "ครูจะตอบได้ตั้งแต่วันจันทร์ที่ 11 มกราคม 2570 เวลา 07:30 น." in page
        sent = await parent.submit(f"/conversations/children/{anan}", {"body": "ลูกเป็นไข้ค่ะ"})
        assert "ส่งแล้ว (นอกเวลาทำการ) ครูจะตอบได้ตั้งแต่วันจันทร์ที่ 11 มกราคม 2570 เวลา 07:30 น." in text_of(
            sent.text)
    # The admin sets 08:00–16:00. Wednesday 9 December 2026 after school: Thursday is Constitution Day.
    await people.kanya.sign_in(settings, admin)
    wrong = await admin.submit("/conversations/hours", {"opens_at": "16:00", "closes_at": "08:00"})
    assert wrong.status_code == 422 and "เวลาสิ้นสุดต้องหลังเวลาเริ่ม" in text_of(wrong.text)
    await admin.submit("/conversations/hours", {"opens_at": "08:00", "closes_at": "16:00"})
    with clock.set_to(at(date(2026, 12, 9), time(16, 30))):
        await people.somsri.sign_in(settings, parent)
        page = text_of((await parent.get(f"/conversations/children/{anan}")).text)
        assert "08:00–16:00 น." in page and "ครูจะตอบได้ตั้งแต่วันศุกร์ที่ 11 ธันวาคม 2569 เวลา 08:00 น." in page
    with clock.set_to(at(date(2026, 12, 9), time(7, 0))):  # before opening: this morning
        await people.somsri.sign_in(settings, parent)
        assert "ตั้งแต่วันพุธที่ 9 ธันวาคม 2569 เวลา 08:00 น." in text_of(
            (await parent.get(f"/conversations/children/{anan}")).text)


@pytest.mark.parametrize("moment, expected", [
    (datetime(2027, 1, 8, 10, 0), None),  # Friday, in hours
    (datetime(2027, 1, 8, 16, 30), datetime(2027, 1, 11, 7, 30)),  # closing time: Monday
    (datetime(2027, 1, 9, 9, 0), datetime(2027, 1, 11, 7, 30)),  # Saturday
    (datetime(2027, 1, 11, 6, 0), datetime(2027, 1, 11, 7, 30)),  # Monday, early
    (datetime(2027, 1, 12, 17, 0), datetime(2027, 1, 14, 7, 30)),  # Wednesday the 13th closed (sports day)
    (datetime(2027, 1, 16, 9, 0), datetime(2027, 1, 16, 7, 30)),  # a make-up Saturday opens… but 9:00 is in hours
])
def test_the_next_opening_follows_the_school_calendar(moment, expected):
    calendar = Calendar(date(2027, 1, 1), date(2027, 2, 15), (
        DayOff(date(2027, 1, 13), date(2027, 1, 13), DayKind.closure, "กีฬาสี"),
        DayOff(date(2027, 1, 16), date(2027, 1, 16), DayKind.school_day, "เรียนชดเชย")))
    found = hours.availability(moment.replace(tzinfo=clock.SCHOOL_TIME), calendar, time(7, 30), time(16, 30))
    if expected is None or expected < moment:
        assert found.open_now and found.next_opening is None
    else:
        assert not found.open_now and found.next_opening == expected.replace(tzinfo=clock.SCHOOL_TIME)


async def test_the_demo_has_threads_with_replies_and_one_unread(make_client):
    from backend.demo import DEMO_PASSWORD, create_demo_school, seed_conversations
    from backend.schools.tables import School

    logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=1)
    assert await seed_conversations((await School.select(School.id).first())["id"]) >= 3
    usernames = {role.split()[0]: username for role, username, _ in logins.rows}
    teacher, parent = make_client(), make_client()
    await teacher.submit("/signin", {"username": usernames["homeroom"], "password": DEMO_PASSWORD})
    await parent.submit("/signin", {"username": usernames["parent"], "password": DEMO_PASSWORD})
    inbox = text_of((await teacher.get("/conversations")).text)
    assert "ข้อความที่ยังไม่ได้อ่าน 1 ข้อความ" in inbox and "ใหม่ 1" in inbox
    assert "ข้อความที่ยังไม่ได้อ่าน 1 ข้อความ" in text_of((await teacher.get("/")).text)
    mine = text_of((await parent.get("/conversations")).text)
    assert "ขอบคุณครูมากค่ะ" in mine
    assert await Post.count().where(Post.from_school == True) >= 4  # noqa: E712 - replies and the class message


async def test_a_long_thread_shows_its_newest_messages_and_the_earlier_ones_a_tap_away(client, people, settings):
    anan = people.students["10001"]
    await people.somsri.sign_in(settings, client)
    for n in range(35):
        await client.submit(f"/conversations/children/{anan}", {"body": f"ข้อความที่ {n + 1} "})
    page = (await client.get(f"/conversations/children/{anan}")).text
    assert "ข้อความที่ 35 " in text_of(page) and "ข้อความที่ 5 " not in text_of(page) and "ข้อความก่อนหน้า" in page
    earlier = page.split('href="?before=')[1].split('"')[0]
    older = text_of((await client.get(f"/conversations/children/{anan}?before={earlier}")).text)
    assert "ข้อความที่ 1 " in older and "ข้อความที่ 5 " in older and "ข้อความที่ 35 " not in older


async def test_a_class_message_in_quiet_hours_waits_for_the_morning_by_sms_and_says_so(client, people, settings,
                                                                                      push_service):
    import dataclasses

    from backend.conversations import services
    from backend.notify.queue import JobQueue

    await _with_push(people, settings, push_service)
    quiet = dataclasses.replace(settings, quiet_from_hour=21, quiet_until_hour=7)
    evening = at(clock.today(), time(21, 30))
    with clock.set_to(evening):
        teacher = await people.somchai.viewer()
        form = {"body": "พรุ่งนี้เลื่อนเวลาเข้าแถวเป็น 7:45", "student": ""}
        found = await services.message_class(teacher, quiet, JobQueue(None), people.classrooms["BKK ม.1/1"], form)
        assert found["preview"]["quiet_until"] == at(clock.today(), time(7, 0)) + timedelta(days=1)
        await services.message_class(teacher, quiet, JobQueue(None), people.classrooms["BKK ม.1/1"],
                                     {**form, "confirm": "1"})
    waits = {m["channel"]: m["not_before"] for m in await Message.select(Message.channel, Message.not_before)}
    assert waits["sms"] == at(clock.today(), time(7, 0)) + timedelta(days=1)  # Prasert: in the morning
    assert waits["push"] == evening  # Somsri's phone: silent, at once


async def test_the_menu_names_the_messages_for_who_reads_it(make_client, people, settings):
    """The same page is "messages with the teacher" to a parent and "messages from families" to the teacher."""
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await people.somchai.sign_in(settings, teacher)
    assert '<a href="/conversations">ข้อความถึงครู</a>' in (await parent.get("/")).text
    assert '<a href="/conversations">ข้อความจากผู้ปกครอง</a>' in (await teacher.get("/")).text


async def test_a_reply_late_at_night_says_its_sms_goes_at_seven_not_that_it_went(app, make_client, people, settings):
    import dataclasses

    anan = people.students["10001"]
    await _prasert_with_account(people)  # his account has no push: he is told by SMS
    parent, teacher = make_client(), make_client()
    night = at(clock.today(), time(22, 30))
    app.state.settings = dataclasses.replace(settings, quiet_from_hour=21, quiet_until_hour=7)
    try:
        with clock.set_to(night):
            await _prasert(people, settings, parent)
            await parent.submit(f"/conversations/children/{anan}", {"body": "พรุ่งนี้อนันต์ขอกลับบ้านเร็วครับ"})
            await people.somchai.sign_in(settings, teacher)
            thread = await Thread.select(Thread.id).where(Thread.guardian == people.guardians[PRASERT]).first()
            answered = text_of((await teacher.submit(f"/conversations/{thread['id']}", {"body": "ได้ครับ"})).text)
            assert "จะส่งทาง SMS เวลา 07:00 น." in answered and "แจ้งทาง SMS แล้ว" not in answered
            assert "ส่งถึงผู้ปกครองแล้ว" not in answered
        with clock.set_to(at(clock.today(), time(7, 1)) + timedelta(days=1)):
            morning = text_of((await teacher.get(f"/conversations/{thread['id']}")).text)
    finally:
        app.state.settings = settings
    assert "แจ้งทาง SMS แล้ว" in morning and "จะส่งทาง SMS" not in morning
    [sms] = await Message.select(Message.channel, Message.not_before)
    assert (sms["channel"], sms["not_before"]) == ("sms", at(clock.today(), time(7, 0)) + timedelta(days=1))


async def test_a_class_message_shows_once_in_the_inbox_with_how_many_it_reached_and_read_it(
        make_client, people, settings, push_service):
    await _with_push(people, settings, push_service)
    room = people.classrooms["BKK ม.1/1"]
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/conversations/classrooms/{room}/send", {
        "body": "พรุ่งนี้ให้นักเรียนแต่งชุดพละ", "token": uuid.uuid4().hex, "student": "", "confirm": "1"})
    inbox = text_of((await teacher.get("/conversations")).text)
    assert inbox.count("พรุ่งนี้ให้นักเรียนแต่งชุดพละ") == 1
    assert "ถึงทั้งห้อง ม.1/1" in inbox and "ส่งถึงผู้ปกครอง 2 คน · อ่านแล้ว 0 คน" in inbox
    await people.somsri.sign_in(settings, parent)
    await parent.get(f"/conversations/children/{people.students['10001']}")  # Somsri reads it
    inbox = text_of((await teacher.get("/conversations")).text)
    assert inbox.count("พรุ่งนี้ให้นักเรียนแต่งชุดพละ") == 1 and "ส่งถึงผู้ปกครอง 2 คน · อ่านแล้ว 1 คน" in inbox
    # A parent who answers it has their own thread back in the list, with what they wrote.
    await parent.submit(f"/conversations/children/{people.students['10001']}", {"body": "รับทราบค่ะ"})
    inbox = text_of((await teacher.get("/conversations")).text)
    assert "รับทราบค่ะ" in inbox and inbox.count("พรุ่งนี้ให้นักเรียนแต่งชุดพละ") == 1
