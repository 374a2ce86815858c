"""The demo school shows a real school's state: its home visits (visited, planned, not started) on the pages
teachers and the director open."""

import re

import pytest

from backend.demo import DEMO_PASSWORD, create_demo_school, seed_home_visits
from backend.schools.tables import School
from tests.conftest import text_of

# The demo school runs on SQLite (the README's first command).
pytestmark = pytest.mark.one_engine


async def test_the_demo_has_home_visits_to_show(make_client):
    logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=3)  # without the attendance history
    await seed_home_visits((await School.select(School.id).first())["id"])
    usernames = {role.split()[0]: username for role, username, _ in logins.rows}
    teacher, director = make_client(), make_client()
    for browser, username in ((teacher, usernames["homeroom"]), (director, usernames["executive"])):
        await browser.submit("/signin", {"username": username, "password": DEMO_PASSWORD})

    homeroom = text_of((await teacher.get("/visits")).text)  # the first homeroom, ม.1/1
    counts = re.search(r"เยี่ยมแล้ว (\d+) นัดไว้ (\d+) ยังไม่เยี่ยม (\d+)", homeroom)
    visited, planned, not_yet = map(int, counts.groups())
    assert visited > 2 * not_yet and planned > 0 and "บ้านหนองบัว" in homeroom

    school = text_of((await director.get("/visits")).text)
    rooms = dict(re.findall(r"(ม\.1/\d) (\d+)/\d+ \d+ \d+", school))
    assert int(rooms["ม.1/1"]) > int(rooms["ม.1/2"]) > int(rooms["ม.1/3"]) == 0  # each room at its own stage


async def test_the_demo_has_a_term_of_behaviour_for_the_discipline_officer(make_client):
    from datetime import datetime, timezone

    from backend import clock, schoolyear
    from backend.behaviour.tables import Incident, PointsEntry
    from backend.demo import seed_behaviour

    start = schoolyear.school_year_of(clock.today()) - schoolyear.BE_OFFSET
    with clock.set_to(datetime(start, 12, 9, 3, 0, tzinfo=timezone.utc)):  # well into the second term
        logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=3)
        assert await seed_behaviour((await School.select(School.id).first())["id"]) > 50
        officer = make_client()
        username = next(name for role, name, _ in logins.rows if role == "discipline officer")
        await officer.submit("/signin", {"username": username, "password": DEMO_PASSWORD})
        page = text_of((await officer.get("/behaviour")).text)
    waiting = page[page.index("ทัณฑ์บนที่รอผู้ปกครองรับทราบ"):page.index("นักเรียนที่คะแนนต่ำกว่า")]
    assert "ม.1/" in waiting  # some letters still wait for a guardian's signature
    assert int(re.search(r"ความดีสัปดาห์นี้ (\d+)", page).group(1)) > 0
    assert "ครั้ง" in page[page.index("รูปแบบที่เกิดซ้ำ"):]  # students in trouble again and again
    assert await Incident.count().where(Incident.voided_at.is_not_null()) == 1
    assert await PointsEntry.count().where(PointsEntry.cause == "void") == 1  # its points came back


async def test_the_demo_has_cases_referrals_activities_and_a_meeting_per_class(make_client):
    from datetime import datetime, timezone

    from backend import clock, schoolyear
    from backend.care.tables import CareCase, Referral, TalentAchievement, TalentPlan
    from backend.demo import seed_care, seed_digests, seed_promotion, seed_screening
    from backend.promotion.tables import (CommitteeMember, CommitteeReport, GuidelineDocument, HomeroomActivity,
                                          NetworkMeeting, NetworkMember, ParentCommittee, ParentMeeting)
    from backend.schools.tables import Classroom

    start = schoolyear.school_year_of(clock.today()) - schoolyear.BE_OFFSET
    with clock.set_to(datetime(start, 12, 9, 3, 0, tzinfo=timezone.utc)):  # well into the second term
        await create_demo_school(grades=("ม.1",), rooms_per_grade=2)
        school = (await School.select(School.id).first())["id"]
        rooms = await Classroom.select(Classroom.id).order_by(Classroom.room)
        await seed_screening(school, rooms)
        counsellor = await seed_care(school, rooms, "demo")
        await seed_promotion(school)
        assert await seed_digests(school) == 2 * len(rooms)  # two weeks of each homeroom teacher's digest
        browser = make_client()
        await browser.submit("/signin", {"username": counsellor, "password": DEMO_PASSWORD})
        inbox = text_of((await browser.get("/care")).text)
        phqa = text_of((await browser.get("/care/phqa/results")).text)
        home = text_of((await browser.get("/")).text)
        plans = text_of((await browser.get("/care/talent")).text)
    assert 'ในข้อเสี่ยงฆ่าตัวตาย: 1 คน' in phqa and "เรื่องด่วน: ต้องติดต่อวันนี้" in home  # the PHQ-A's same-day path
    assert await TalentPlan.count() == 3 and await TalentAchievement.count() == 3  # gifted students' plans
    assert "ฟุตซอล" in plans and "ระนาดเอก" in plans
    assert await CareCase.count() >= 2 and "ให้การปรึกษาเบื้องต้น" in inbox  # the counselling she is responsible for
    assert await Referral.count().where(Referral.status == "reported") == 1
    assert await Referral.count().where(Referral.letter_number == 1) == 1  # one outside, with its letter
    for room in rooms:
        assert await HomeroomActivity.count().where(HomeroomActivity.classroom == room["id"]) >= 2
        assert await ParentMeeting.count().where((ParentMeeting.classroom == room["id"])
                                                 & ParentMeeting.held_at.is_not_null()) == 1
        # the white classroom: a committee of five and the reports of the last two months
        assert await CommitteeMember.count().where(CommitteeMember.classroom == room["id"]) == 5
        assert await CommitteeReport.count().where(CommitteeReport.classroom == room["id"]) == 2
        # the parent network: three to five guardians on the class's committee, one meeting held with its minutes
        committee = await ParentCommittee.select(ParentCommittee.id).where(
            ParentCommittee.classroom == room["id"]).first()
        assert 3 <= await NetworkMember.count().where(NetworkMember.committee == committee["id"]) <= 5
        assert await NetworkMeeting.count().where((NetworkMeeting.committee == committee["id"])
                                                  & (NetworkMeeting.minutes != "")) == 1
    assert await GuidelineDocument.count() == 2
    # Each room has students confirmed in every group the questionnaires found, "normal" too, and some left for the
    # homeroom teacher to confirm.
    from backend.screening.tables import GroupDecision
    for room in rooms:
        confirmed = {row["group"] for row in await GroupDecision.select(GroupDecision.group).where(
            GroupDecision.student.classroom == room["id"])}
        assert "normal" in confirmed, room
    school_committee = await ParentCommittee.select(ParentCommittee.id).where(
        ParentCommittee.classroom.is_null()).first()
    assert await NetworkMember.count().where(NetworkMember.committee == school_committee["id"]) >= 3
    assert await NetworkMeeting.count().where((NetworkMeeting.committee == school_committee["id"])
                                              & NetworkMeeting.held_at.is_not_null()) == 1


async def test_the_demo_has_a_month_of_sms_and_a_parent_who_chose_the_weekly_summary(make_client):
    from datetime import datetime, timezone

    from backend import clock
    from backend.demo import seed_sms_month
    from backend.notify.tables import ChannelChoice

    with clock.set_to(datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)):  # a Friday, well into the month
        logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=3)
        assert await seed_sms_month((await School.select(School.id).first())["id"]) > 100
        usernames = {role: username for role, username, _ in logins.rows}
        admin, parent = make_client(), make_client()
        await admin.submit("/signin", {"username": usernames["admin"], "password": DEMO_PASSWORD})
        page = text_of((await admin.get("/notify/outbox")).text)
        await parent.submit("/signin", {"username": usernames["parent"], "password": DEMO_PASSWORD})
        settings = text_of((await parent.get("/notify/choices")).text)
    assert "งบประมาณ 3,000.00 บาท" in page and "คาดการณ์ทั้งเดือน" in page
    spent = float(re.search(r"ใช้ไปแล้ว ([\d.]+) บาท", page).group(1))
    assert spent > 200
    assert {row["topic"]: row["choice"] for row in await ChannelChoice.select()} == {
        "attendance": "weekly", "behaviour": "weekly"}
    assert "ตั้งค่าล่าสุดในแอป" in settings


async def test_the_demo_parent_reads_last_weeks_family_summary(make_client):
    from datetime import datetime, timezone

    from backend import clock
    from backend.demo import seed_family_summaries

    with clock.set_to(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)):  # Monday morning: last week's is out
        logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=2)
        assert await seed_family_summaries((await School.select(School.id).first())["id"]) > 10
        usernames = {role: username for role, username, _ in logins.rows}
        parent, admin = make_client(), make_client()
        await parent.submit("/signin", {"username": usernames["parent"], "password": DEMO_PASSWORD})
        home = text_of((await parent.get("/")).text)
        page = text_of((await parent.get("/summary")).text)
        await admin.submit("/signin", {"username": usernames["admin"], "password": DEMO_PASSWORD})
        outbox = text_of((await admin.get("/notify/outbox")).text)
    for shown in (home, page):
        assert "สัปดาห์ 16 พ.ย. 2569 – 20 พ.ย. 2569" in shown and "ช่วยเหลือผู้อื่น" in shown
    assert "ส่งทาง SMS ตามกำหนด: สรุปประจำสัปดาห์ถึงครอบครัว" in outbox and "ครั้งล่าสุด (20 พ.ย. 2569)" in outbox


async def test_the_demo_has_this_terms_survey_half_answered_and_the_parent_asked(make_client):
    from backend.demo import seed_survey
    from backend.students.tables import Guardian
    from backend.survey.tables import SurveyAnswer, SurveyCode

    logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=2)
    usernames = {role: username for role, username, _ in logins.rows}
    school = (await School.select(School.id).first())["id"]
    parent_guardian = await Guardian.select(Guardian.id).where(Guardian.phone == usernames["parent"]).first()
    answered = await seed_survey(school, parent_guardian["id"])
    codes = await SurveyCode.count()
    assert codes > 40 and 0.4 * codes < answered < 0.7 * codes and await SurveyAnswer.count() == answered
    director, parent = make_client(), make_client()
    await director.submit("/signin", {"username": usernames["executive"], "password": DEMO_PASSWORD})
    page = text_of((await director.get("/surveys")).text)
    assert f"ตอบแล้ว {answered} จาก {codes}" in page and "ทั้งโรงเรียน" in page
    await parent.submit("/signin", {"username": usernames["parent"], "password": DEMO_PASSWORD})
    assert "/surveys/mine" in (await parent.get("/")).text


async def test_the_demo_childs_accepted_leave_is_in_the_register_and_the_family_summary(make_client):
    from datetime import datetime, timezone

    from backend import clock
    from backend.demo import seed_attendance_history, seed_family_summaries, seed_leave

    with clock.set_to(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)):  # Monday: last week's summary is out
        logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=1)
        school = (await School.select(School.id).first())["id"]
        # In the order the demo seeds them (create_demo_school(history=True)).
        await seed_leave(school)
        await seed_attendance_history(school)
        await seed_family_summaries(school)
        usernames = {role: username for role, username, _ in logins.rows}
        parent = make_client()
        await parent.submit("/signin", {"username": usernames["parent"], "password": DEMO_PASSWORD})
        page = text_of((await parent.get("/summary")).text)
    # The sick leave the teacher accepted for Monday 16 Nov is counted as leave, not as a day at school.
    assert "ลา 1" in page and "5 จาก 5" not in page


async def test_most_of_the_demos_cumulative_records_are_complete_and_some_not(make_client):
    from tests.supervision.test_figures import _row

    from backend.demo import seed_records

    logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=3)
    complete = await seed_records((await School.select(School.id).first())["id"])
    director = make_client()
    await director.submit("/signin", {"username": dict((r, u) for r, u, _ in logins.rows)["executive"],
                                      "password": DEMO_PASSWORD})
    done, total = map(int, _row(text_of((await director.get("/supervision")).text),
                                "ระเบียนสะสมครบถ้วน").split(" ")[0].split("/"))
    assert done == complete and 0.7 * total < done < total  # most complete, some still being filled in


async def test_the_demo_year_has_its_days_off_in_lieu_and_care_falls_due_on_school_days(make_client):
    """Walked on Sunday 29 Nov 2569: Father's Day (Sat 5 Dec) gives Monday 7 Dec off; a week on is a Sunday, so the
    plans' follow-ups fall due on a school day instead."""
    from datetime import date, datetime

    from backend import clock
    from backend.care.tables import PlanActivity
    from backend.demo import seed_care, seed_screening
    from backend.schools import services as schools
    from backend.schools.tables import Classroom

    with clock.set_to(datetime(2026, 11, 29, 9, tzinfo=clock.SCHOOL_TIME)):
        await create_demo_school(grades=("ม.1",), rooms_per_grade=2)
        school = (await School.select(School.id).first())["id"]
        rooms = await Classroom.select(Classroom.id).order_by(Classroom.room)
        await seed_screening(school, rooms)
        await seed_care(school, rooms, "demo")
    calendar = await schools.calendar_between(school, date(2026, 5, 1), date(2027, 3, 31))
    monday = calendar.closed_because(date(2026, 12, 7))
    assert monday is not None and monday.name == "ชดเชยวันพ่อแห่งชาติ"
    # The only other weekend holiday of the year is Teachers' Day (Sat 16 Jan 2570): schools close, offices do not.
    assert calendar.is_school_day(date(2027, 1, 18))
    due = {row["follow_up_on"] for row in await PlanActivity.select(PlanActivity.follow_up_on)}
    assert due and all(calendar.is_school_day(day) for day in due), sorted(due)


async def test_the_demos_past_messages_went_out_at_the_time_not_when_it_starts():
    """Its meetings were invited weeks ago: their SMS are the past's, not a burst at whatever hour the demo starts."""
    from backend import clock
    from backend.demo import seed_promotion, settle_history_messages
    from backend.notify.tables import Message

    await create_demo_school(grades=("ม.1",), rooms_per_grade=2)
    school = (await School.select(School.id).first())["id"]
    await seed_promotion(school, 2569)
    past = (Message.status == "queued") & (Message.not_before < clock.now().replace(hour=0, minute=0))
    waiting = await Message.count().where(past)
    assert waiting > 0  # the invitations, due when they were sent
    assert await settle_history_messages(school) >= waiting
    assert await Message.count().where(past) == 0
    assert await Message.count().where(Message.status == "delivered") >= waiting
