"""Promotion for every student: a homeroom's activities with who was there, and the parents' classroom meeting —
invitations through the outbox (one per guardian, none to an opted-out one, who is named to the teacher instead),
a parent's reply, the attendance, minutes and satisfaction taken at the meeting, and the counts of each class."""

from __future__ import annotations

import gzip
from datetime import date, datetime, timedelta

from backend import clock, db, schoolyear
from backend.notify import push
from backend.notify.tables import Alert, Message
from backend.promotion.tables import ActivityPresence, HomeroomActivity, MeetingAttendance, ParentMeeting
from backend.students.tables import Guardian, StudentGuardian
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture counting the statements sent

SOMSRI, PRASERT = "+66811111111", "+66822222222"
NO_MEETING = "ภาคเรียนนี้ยังไม่มีการประชุมผู้ปกครอง"


def _class(people) -> str:
    return f"/promotion/classrooms/{people.classrooms['BKK ม.1/1']}"


async def _schedule(client, people, settings, day=None, place="ห้อง 121") -> str:
    await people.somchai.sign_in(settings, client)
    day = day or clock.today()
    response = await client.submit(f"{_class(people)}/meetings", {"held_on": day.isoformat(), "starts_at": "23:59",
                                                                  "place": place})
    assert response.status_code == 200, text_of(response.text)
    return response.url.path


async def test_the_homeroom_teacher_records_an_activity_with_who_was_there(client, people, settings, make_client):
    anan, bua, chai = (people.students[code] for code in ("10001", "10002", "10003"))
    await people.somchai.sign_in(settings, client)
    page = (await client.get(_class(people))).text
    assert f'name="p{anan}" value="1" checked' in page and f'name="p{bua}" value="1" checked' in page  # all ticked
    today = clock.today().isoformat()
    # A student of another class, a day to come, no topic: nothing is saved, and what was typed comes back.
    stranger = await client.submit(f"{_class(people)}/activities", {"held_on": today, "topic": "ออมเงิน",
                                                                   f"p{anan}": "1", f"p{chai}": "1"})
    assert stranger.status_code == 422 and "ไม่ได้อยู่ในห้องนี้" in text_of(stranger.text)
    future = (clock.today() + timedelta(days=1)).isoformat()
    later = await client.submit(f"{_class(people)}/activities", {"held_on": future, "topic": ""})
    assert later.status_code == 422 and await HomeroomActivity.count() == 0
    assert 'value="ออมเงิน"' in stranger.text
    # Bua was absent: unticked.
    saved = await client.submit(f"{_class(people)}/activities", {
        "held_on": today, "topic": "การออมเงินและเศรษฐกิจพอเพียง", f"p{anan}": "1", "note": "ทำบัญชีรายรับรายจ่าย",
        "evaluation": "นักเรียนสนใจดี"})
    page = text_of(saved.text)
    assert "การออมเงินและเศรษฐกิจพอเพียง" in page and "มา 1 จาก 2 คน" in page and NO_MEETING in page
    assert [r["student"] for r in await ActivityPresence.select(ActivityPresence.student)] == [anan]

    # The executive and the head of ม.1 see each class's counts; Malee only her own class, and not ม.1/1's page.
    for person, rooms in ((people.wichai, ["ม.1/1", "ม.1/2"]), (people.sunee, ["ม.1/1", "ม.1/2"]),
                          (people.malee, ["ม.1/2"])):
        reader = make_client()
        await person.sign_in(settings, reader)
        counts = text_of((await reader.get("/promotion")).text)
        assert [room for room in ("ม.1/1", "ม.1/2") if room in counts] == rooms
        if "ม.1/1" in rooms:
            assert "ม.1/1 1 ยังไม่มี" in counts and "ม.1/2 0 ยังไม่มี" in counts
            assert "การออมเงิน" in text_of((await reader.get(_class(people))).text)
        else:
            assert (await reader.get(_class(people))).status_code == 404


async def test_invitations_go_once_to_each_guardian_and_none_to_one_who_turned_sms_off(
        client, people, settings, drain, fake_twilio, push_service):
    await Guardian.update({Guardian.sms_opt_out: True}).where(Guardian.phone == PRASERT)  # Bua's only guardian
    subscription = push_service.subscription("somsri-phone")
    await push.save_subscription(settings, await people.somsri.viewer(), subscription["endpoint"],
                                 subscription["p256dh"], subscription["auth"])
    url = await _schedule(client, people, settings)
    page = text_of((await client.get(url)).text)
    assert "ส่งคำเชิญไม่ได้" in page and "บัว" in page.split("ส่งคำเชิญไม่ได้")[1] and "ปิด SMS" in page
    await drain()
    assert [d.token for d in push_service.delivered] == ["somsri-phone"] and fake_twilio.messages == []
    assert await Message.count() == 1 and await Alert.count().where(Alert.kind == "meeting") == 2


async def test_an_sms_invitation_says_when_and_where_with_no_link(client, people, settings, drain, fake_twilio):
    day = clock.today() + timedelta(days=3)
    await _schedule(client, people, settings, day=day, place="หอประชุม")
    await drain()
    [sms] = fake_twilio.sent_to(PRASERT)
    assert "ประชุม" in sms.body and "23:59" in sms.body and "หอประชุม" in sms.body and "http" not in sms.body
    assert len(fake_twilio.sent_to(SOMSRI)) == 1  # Somsri has the app but no notifications: an SMS
    await drain()  # a second run of the worker sends nothing again
    assert len(fake_twilio.messages) == 2


async def test_a_meeting_in_the_past_is_refused_and_nobody_is_told(client, people, settings):
    await people.somchai.sign_in(settings, client)
    refused = await client.submit(f"{_class(people)}/meetings", {
        "held_on": (clock.today() - timedelta(days=1)).isoformat(), "starts_at": "8 โมง", "place": "ห้องเรียน"})
    page = text_of(refused.text)
    assert refused.status_code == 422 and "ผ่านไปแล้ว" in page and "18:00" in page
    assert await ParentMeeting.count() == 0 and await Message.count() == 0


async def test_a_parent_replies_and_the_teacher_takes_attendance_at_the_meeting(client, people, settings,
                                                                              make_client):
    anan, bua, chai = (people.students[code] for code in ("10001", "10002", "10003"))
    url = await _schedule(client, people, settings)
    meeting_id = url.rsplit("/", 1)[1]
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    invitations = text_of((await parent.get("/promotion/invitations")).text)
    assert "ประชุมผู้ปกครอง ม.1/1" in invitations and "อนันต์" in invitations and "บัว" not in invitations
    assert (await parent.submit(f"/promotion/meetings/{meeting_id}/reply", {"answer": "maybe"})).status_code == 422
    answered = await parent.submit(f"/promotion/meetings/{meeting_id}/reply", {"answer": "coming"})
    assert "จะมาร่วมประชุม" in text_of(answered.text)
    stranger = make_client()  # Noi's children study at another school
    await people.noi.sign_in(settings, stranger)
    assert (await stranger.submit(f"/promotion/meetings/{meeting_id}/reply", {"answer": "coming"})).status_code == 404
    teacher_view = text_of((await client.get(url)).text)
    assert "สมศรี ใจดี · จะมาร่วมประชุม" in teacher_view and "จะมาร่วมประชุม 1 มาไม่ได้ 0" in teacher_view

    # A student of another class cannot be marked; a count that is not a number is sent back.
    wrong = await client.submit(f"{url}/record", {f"c{chai}": "1"})
    assert wrong.status_code == 422 and await MeetingAttendance.count() == 0
    bad = await client.submit(f"{url}/record", {f"c{anan}": "1", "rated_4": "สี่"})
    assert bad.status_code == 422 and "ใส่จำนวน" in text_of(bad.text) and await MeetingAttendance.count() == 0
    held = await client.submit(f"{url}/record", {f"c{anan}": "1", "minutes": "แจ้งตารางสอบ",
                                                "follow_ups": "โทรหาผู้ปกครองบัว", "rated_4": "1", "rated_5": "1"})
    page = text_of(held.text)
    assert "แจ้งตารางสอบ" in page and "2 คำตอบ เฉลี่ย 4.5 จาก 5" in page
    came = {r["student"]: r["came"] for r in await MeetingAttendance.select()}
    assert came == {anan: True, bua: False}
    assert NO_MEETING not in text_of((await client.get(_class(people))).text)
    executive = make_client()
    await people.wichai.sign_in(settings, executive)
    assert "ม.1/1 0 1" in text_of((await executive.get("/promotion")).text)
    # The meeting is over: the answer can no longer change.
    assert (await parent.submit(f"/promotion/meetings/{meeting_id}/reply",
                                {"answer": "not_coming"})).status_code == 409


async def test_a_meeting_set_ahead_for_next_term_counts_for_next_term(client, people, settings, make_client):
    start_year = schoolyear.school_year_of(clock.today()) - schoolyear.BE_OFFSET
    with clock.set_to(datetime(start_year, 10, 1, 10, 0, tzinfo=clock.SCHOOL_TIME)):  # term 1
        url = await _schedule(client, people, settings, day=date(start_year, 11, 5))  # term 2
        page = text_of((await client.get(_class(people))).text)
        assert NO_MEETING in page and "5 พ.ย." in page  # listed, but not this term's meeting
        assert await ParentMeeting.count().where(ParentMeeting.term == 2) == 1
    with clock.set_to(datetime(start_year, 11, 5, 20, 0, tzinfo=clock.SCHOOL_TIME)):
        await people.somchai.sign_in(settings, client)
        await client.submit(f"{url}/record", {})
        assert NO_MEETING not in text_of((await client.get(_class(people))).text)


async def test_attendance_waits_for_the_day_of_the_meeting(client, people, settings):
    url = await _schedule(client, people, settings, day=clock.today() + timedelta(days=2))
    refused = await client.submit(f"{url}/record", {})
    assert refused.status_code == 409 and await MeetingAttendance.count() == 0


async def test_the_pages_take_as_many_queries_for_a_bigger_class(client, people, settings, queries):  # noqa: F811
    first = await _schedule(client, people, settings)
    await client.submit(f"{_class(people)}/activities", {"held_on": clock.today().isoformat(), "topic": "กติกาห้อง"})

    async def weigh(pages) -> list[tuple[int, int]]:
        found = []
        for page in pages:
            await client.get(page)
            queries.clear()
            html = (await client.get(page)).text
            found.append((len(queries), len(gzip.compress(html.encode()))))
        return found

    before = await weigh([first, _class(people), "/promotion"])
    async with db.transaction():  # Bua gains a guardian, the class another activity and another meeting
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10002"],
                                                     guardian=people.guardians[SOMSRI], relation="ป้า"))
    second = await _schedule(client, people, settings)
    await client.submit(f"{_class(people)}/activities", {"held_on": clock.today().isoformat(), "topic": "ออม"})
    after = await weigh([second, _class(people), "/promotion"])
    assert [n for n, _ in after] == [n for n, _ in before], queries
    assert all(size < 14 * 1024 for _, size in after)
    page = text_of((await client.get(second)).text)
    assert page.count("สมศรี ใจดี") == 2 and "ส่งคำเชิญแล้ว 2" in page  # for Anan and for Bua, invited once
    meeting_id = second.rsplit("/", 1)[1]
    assert await Alert.count().where(Alert.event_key.like(f"meeting:{meeting_id}:%")) == 2  # Somsri, Prasert
