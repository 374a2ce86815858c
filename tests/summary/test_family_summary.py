"""The weekly family summary (issue 13): a seeded week gives each family exactly its children's week in a few lines,
one SMS (its parts counted) for a family without the app or a push for one with it, and the same in the app; a quiet
week sends nothing; the guardian's choices decide what appears (a kind turned off never does) and the items they kept
for the summary are settled; two runs at once, or a run cut short and run again, build and send each summary once;
the admin sees beforehand what its SMS will cost each month."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from arq.connections import create_pool
from arq.worker import Worker

from backend import clock, db
from backend.notify.segments import sms_segments
from backend.notify.tables import Message, PushSubscription, SummaryItem
from backend.promotion import services as promotion
from backend.schools.calendar import Week
from backend.summary import services as summary
from backend.summary.tables import FamilySummary
from backend.notify.queue import redis_settings
from benchmarks.bench_database import counting_queries
from tests.attendance.test_register import PRASERT, SOMSRI
from tests.behaviour.test_digest import _record, _register
from tests.conftest import ROOT, child_env, text_of
from tests.notify.test_choices import choose
from tests.notify.test_delivery import subscribe
from workers.settings import WorkerSettings

WEEK = Week(date(2026, 11, 16))  # Monday 16 to Friday 20 November 2026
NOI = "+66833333333"


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), clock.SCHOOL_TIME)


FRIDAY_EVENING = at(WEEK.friday, 18, 13)  # the hourly job's first run after 18:00


async def _registers(people, settings, marks: dict[tuple[str, int], dict[str, str]]) -> None:
    """Every school day's morning register of both classes (present unless said), as the teachers take them."""
    for offset in range(5):
        day = WEEK.monday + timedelta(days=offset)
        for room, teacher in (("BKK ม.1/1", people.somchai), ("BKK ม.1/2", people.malee)):
            await _register(people, settings, teacher, room, day, marks.get((room, offset), {}))


async def _seed_week(people, settings) -> None:
    """Anan (ม.1/1): absent Monday and Tuesday, cut maths on Thursday, out of uniform on Tuesday. Chai (ม.1/2, his
    brother): late on Monday, a good deed on Thursday, and his class's parents' meeting next Tuesday. Bua
    (ม.1/1): at school on time every day, nothing else. Ek (Chiang Mai): nothing."""
    await _registers(people, settings, {("BKK ม.1/1", 0): {"10001": "absent"}, ("BKK ม.1/1", 1): {"10001": "absent"},
                                        ("BKK ม.1/2", 0): {"10003": "late"}})
    await _register(people, settings, people.wipa, "BKK ม.1/1", date(2026, 11, 19), {"10001": "absent"}, period=2)
    await _record(people, people.prasit, "uniform", ["10001"], date(2026, 11, 17), sanction="warning")
    await _record(people, people.wipa, "volunteer", ["10003"], date(2026, 11, 19), kind="good_deed")
    with clock.set_to(at(date(2026, 11, 19), 15)):
        await promotion.schedule_meeting(await people.malee.viewer(), settings, _NoQueue(), people.classrooms[
            "BKK ม.1/2"], {"held_on": "2026-11-24", "starts_at": "18:00", "place": "ห้อง 121"})


class _NoQueue:
    async def send(self, *args, **kwargs) -> None:  # the invitations wait in the outbox (not under test here)
        return None


async def _summary_of(people, phone: str) -> dict | None:
    return await FamilySummary.select().where(FamilySummary.guardian == people.guardians[phone]).output(
        load_json=True).first()


async def _summary_messages() -> list[dict]:
    return await Message.select(Message.guardian, Message.channel, Message.body, Message.segments,
                                Message.status).where(Message.alert.kind == "family_summary").order_by(Message.id)


async def test_a_seeded_week_tells_each_family_its_childrens_week_and_a_quiet_week_sends_nothing(
        make_client, people, settings, drain, fake_twilio):
    await _seed_week(people, settings)
    with clock.set_to(at(WEEK.friday, 17, 59)):
        assert await summary.compile_due(settings) == {}  # not before Friday 18:00
    with clock.set_to(FRIDAY_EVENING):
        built = await summary.compile_due(settings)
        await drain()
    assert built == {people.bangkok: 2, people.chiang_mai: 1}  # Somsri and Prasert; Noi

    somsri = await _summary_of(people, SOMSRI)
    assert not somsri["skipped"] and somsri["week_start"] == WEEK.monday
    anan, chai = somsri["content"]["children"]  # one summary for both of her children, in class order
    assert (anan["name"], anan["room"], anan["days"], anan["present"], anan["absent"], anan["leave"], anan["late"],
            anan["cut"]) == ("อนันต์ ใจดี", "ม.1/1", 5, 3, 2, 0, 0, 1)
    assert [i["words"] for i in anan["incidents"]] == ["แต่งกายหรือทรงผมผิดระเบียบ"]  # the school's words for parents
    assert anan["good_deeds"] == [] and anan["notices"] == []
    assert (chai["name"], chai["days"], chai["present"], chai["late"], chai["absent"]) == ("ชัย ใจดี", 5, 5, 1, 0)
    assert [g["words"] for g in chai["good_deeds"]] == ["ทำความดีเป็นจิตอาสา"]
    assert [(m["kind"], m["day"], m["starts_at"], m["place"], m["room"]) for m in somsri["content"]["meetings"]] == [
        ("meeting", "2026-11-24", "18:00", "ห้อง 121", "ม.1/2")]

    # Somsri has no push subscription: one SMS, no link, its parts counted, within what carriers join.
    [sms] = [m for m in await _summary_messages() if m["guardian"] == people.guardians[SOMSRI]]
    assert sms["channel"] == "sms" and sms["status"] == "sent"
    assert sms["body"] == ("โรงเรียนกร สรุปสัปดาห์ 16-20 พ.ย.: อนันต์ มา 3/5 ขาด 2 หนีเรียน 1 ผิดระเบียบ 1; "
                           "ชัย มา 5/5 สาย 1 ทำดี 1; ประชุมผู้ปกครอง 24 พ.ย. 18:00")
    assert sms["segments"] == sms_segments(sms["body"]).count == 2
    assert [m.body for m in fake_twilio.sent_to(SOMSRI) if "สรุปสัปดาห์" in m.body] == [sms["body"]]
    assert "http" not in sms["body"]

    # Bua's week had nothing to tell: decided (skipped), nothing sent. Likewise Ek's in Chiang Mai.
    assert (await _summary_of(people, PRASERT))["skipped"] and (await _summary_of(people, NOI))["skipped"]
    assert [m["guardian"] for m in await _summary_messages()] == [people.guardians[SOMSRI]]
    assert not [m for m in fake_twilio.sent_to(PRASERT) if "สรุปสัปดาห์" in m.body]

    # In the app: the summary page and the home page show the same week.
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    with clock.set_to(FRIDAY_EVENING):
        page = text_of((await parent.get("/summary")).text)
        home = text_of((await parent.get("/")).text)
    for shown in (page, home):
        assert "สัปดาห์ 16 พ.ย. 2569 – 20 พ.ย. 2569" in shown
        assert "มาเรียน 3 จาก 5 วัน · ขาดเรียน 2 วัน · หนีเรียน 1 คาบ" in shown
        assert "แต่งกายหรือทรงผมผิดระเบียบ" in shown and "ทำความดีเป็นจิตอาสา" in shown
        assert "ประชุมผู้ปกครองชั้นเรียน ม.1/2" in shown and "ห้อง 121" in shown
    assert "แต่งกาย/ทรงผมผิดระเบียบ" not in page  # the staff's name of the category is not the family's


async def test_the_guardians_choices_decide_what_appears_and_kept_items_are_settled(
        make_client, people, settings, drain, fake_twilio):
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    await choose(parent, people, settings, people.guardians[SOMSRI], attendance="weekly", behaviour="off",
                 good_deeds="off", meetings="off")
    await _seed_week(people, settings)  # Chai's late Monday is kept for the summary, not sent
    kept = await SummaryItem.select(SummaryItem.id, SummaryItem.kind, SummaryItem.day).where(
        SummaryItem.guardian == people.guardians[SOMSRI])
    assert sorted(k["kind"] for k in kept) == ["cut", "late"]  # Anan's cut maths too
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
        await drain()
    content = (await _summary_of(people, SOMSRI))["content"]
    anan, chai = content["children"]
    assert anan["incidents"] == [] and "good_deeds" not in chai and content["meetings"] == []  # off: never there
    assert (anan["absent"], anan["cut"], chai["late"]) == (2, 1, 1)  # absences are never off; late kept weekly
    assert [(n["kind"], n["day"]) for n in chai["notices"]] == [("late", "2026-11-16")]
    assert [(n["kind"], n["day"]) for n in anan["notices"]] == [("cut", "2026-11-19")]
    assert await SummaryItem.count().where(SummaryItem.summarised_at.is_null()) == 0
    [sms] = await _summary_messages()
    assert sms["body"] == "โรงเรียนกร สรุปสัปดาห์ 16-20 พ.ย.: อนันต์ มา 3/5 ขาด 2 หนีเรียน 1; ชัย มา 5/5 สาย 1"
    assert sms["segments"] == sms_segments(sms["body"]).count == 2
    page = text_of((await parent.get("/summary")).text)
    page = page[page.index("สัปดาห์ 16 พ.ย."):]  # the summary, after the menu
    assert "เก็บไว้แจ้งในสรุปนี้: สาย 16 พ.ย. 2569" in page
    assert "ผิดระเบียบ" not in page and "จิตอาสา" not in page and "ประชุม" not in page


async def test_a_kind_turned_off_after_it_was_kept_never_appears_and_a_week_left_with_nothing_is_skipped(
        make_client, people, settings, drain):
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    await choose(parent, people, settings, people.guardians[SOMSRI], attendance="weekly")
    await _registers(people, settings, {("BKK ม.1/2", 0): {"10003": "late"}})
    assert await SummaryItem.count() == 1
    await choose(parent, people, settings, people.guardians[SOMSRI], attendance="off")  # changed her mind
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
        await drain()
    found = await _summary_of(people, SOMSRI)
    assert found["skipped"] and await _summary_messages() == []
    assert await SummaryItem.count().where(SummaryItem.summarised_at.is_null()) == 0  # settled, not left waiting
    assert "ยังไม่มีสรุป" in text_of((await parent.get("/summary")).text)


async def test_a_family_with_the_app_gets_a_push_that_opens_the_summary(
        make_client, people, settings, drain, fake_twilio, push_service):
    await subscribe(make_client(), people, settings, push_service)
    await _seed_week(people, settings)
    await drain()  # the week's own alerts
    push_service.delivered.clear()
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
        await drain()
    [pushed] = await _summary_messages()
    assert pushed["channel"] == "push" and pushed["status"] == "sent"
    assert len(push_service.delivered) == 1 and not [m for m in fake_twilio.sent_to(SOMSRI) if "สรุป" in m.body]
    message = await Message.select(Message.id).where(Message.alert.kind == "family_summary").first()
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    opened = await parent.get(f"/notify/opened/{message['id']}")
    assert str(opened.url).endswith("/summary") and "ทำความดีเป็นจิตอาสา" in text_of(opened.text)
    assert await PushSubscription.count() == 1


async def test_another_family_or_a_teacher_cannot_read_it(make_client, people, settings):
    await _seed_week(people, settings)
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
    mine = await _summary_of(people, SOMSRI)
    for person, status in ((people.somsri, 200), (people.noi, 404), (people.somchai, 403), (people.kanya, 403)):
        browser = make_client()
        await person.sign_in(settings, browser)
        response = await browser.get(f"/summary/{mine['id']}")
        assert response.status_code == status, person
        if status != 200:
            assert "อนันต์" not in response.text


async def test_two_workers_and_two_more_runs_at_once_build_and_send_each_summary_once(
        people, settings, redis, drain, fake_twilio):
    await _seed_week(people, settings)
    await _registers(people, settings, {("BKK ม.1/1", 4): {"10002": "late"}})  # Prasert has news too
    for n in (1, 2):  # the hourly cron's job, twice: each worker takes one
        await redis.enqueue_job("compile_family_summaries", _job_id=f"summary-test-{n}")
    workers = [Worker(functions=WorkerSettings.functions, on_startup=WorkerSettings.on_startup,
                      on_shutdown=WorkerSettings.on_shutdown,
                      redis_pool=await create_pool(redis_settings(settings.redis_url)), burst=True, poll_delay=0.01,
                      max_jobs=1, handle_signals=False, ctx={"settings": settings}) for _ in range(2)]
    with clock.set_to(FRIDAY_EVENING):
        try:
            await asyncio.gather(*(worker.main() for worker in workers))
        finally:
            for worker in workers:  # closed together: in one process they share SQLite's reading connection
                await worker.close()
        await asyncio.gather(summary.compile_due(settings), summary.compile_due(settings))  # and twice more at once
        await drain()
    rows = await FamilySummary.select(FamilySummary.guardian)
    assert sorted(r["guardian"] for r in rows) == sorted(people.guardians.values())  # once each
    messages = await _summary_messages()
    assert sorted(m["guardian"] for m in messages) == sorted([people.guardians[SOMSRI], people.guardians[PRASERT]])
    for phone in (SOMSRI, PRASERT):
        assert len([m for m in fake_twilio.sent_to(phone) if "สรุปสัปดาห์" in m.body]) == 1


# A worker process running the Friday job, one guardian a transaction (batch=1), killed mid-run by the test.
CRASHING_RUN = """
import asyncio, sys
from datetime import date
from backend import db
from backend.config import Settings
from backend.schools.calendar import Week
from backend.summary import services

async def main():
    settings = Settings.from_env()
    await db.start(db.configure(settings.database_url))
    await services.compile_school(settings, int(sys.argv[1]), Week(date.fromisoformat(sys.argv[2])), batch=1)
    print("finished")

asyncio.run(main())
"""


async def test_a_run_killed_mid_way_is_finished_by_the_next_without_duplicates(people, settings, drain, fake_twilio):
    await _seed_week(people, settings)
    added = await _more_families(people, 60, late=True)  # each with a late Monday: each gets an SMS
    total = len(people.guardians) - 1 + len(added)  # Bangkok's guardians (Noi is Chiang Mai's)
    worker = subprocess.Popen([sys.executable, "-c", CRASHING_RUN, str(people.bangkok), WEEK.monday.isoformat()],
                              cwd=ROOT, env=child_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(6000):  # at most a minute: the process starts, reads the week, then builds one by one
            if await FamilySummary.count() >= 3 or worker.poll() is not None:
                break
            await asyncio.sleep(0.005)
        worker.kill()  # SIGKILL: no clean-up, as when a machine dies
    finally:
        out, err = worker.communicate(timeout=30)
    assert b"finished" not in out, err.decode()[-2000:]
    done = await FamilySummary.count()
    assert 3 <= done < total  # whole batches only: each summary with its message, or neither
    assert len(await _summary_messages()) == await FamilySummary.count().where(FamilySummary.skipped == False)  # noqa: E712
    again = await summary.compile_school(settings, people.bangkok, WEEK)
    assert again.built == total - done
    assert (await summary.compile_school(settings, people.bangkok, WEEK)).built == 0
    await drain()
    assert await FamilySummary.count() == total
    told = [m["guardian"] for m in await _summary_messages()]
    assert sorted(told) == sorted([people.guardians[SOMSRI], *added])  # Prasert's week was quiet
    assert len([m for m in fake_twilio.messages if "สรุปสัปดาห์" in m.body]) == len(told)  # one SMS each


async def _more_families(people, count: int, late: bool = False) -> list[int]:
    """More students in ม.1/1, each with a guardian of their own (a mobile number, no app); late on Monday if asked.
    Returns the new guardians."""
    from backend.attendance.tables import AttendanceMark
    from backend.students.tables import Guardian, Student, StudentEnrolment, StudentGuardian

    room = people.classrooms["BKK ม.1/1"]
    year = (await summary.schools.school_year_now(people.bangkok, WEEK.friday)).school_year_id
    async with db.transaction():
        new = await Student.insert(*[
            Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ญ.", first_name=f"นักเรียน{n}",
                    last_name="ทดสอบ", classroom=room, number_in_class=10 + n, updated_at=clock.now())
            for n in range(count)]).returning(Student.id)
        await StudentEnrolment.insert(*[
            StudentEnrolment(school=people.bangkok, student=row["id"], school_year=year, classroom=room,
                             number_in_class=10 + n, starts_on=date(2026, 5, 1), changed_at=clock.now())
            for n, row in enumerate(new)])
        guardians = await Guardian.insert(*[
            Guardian(school=people.bangkok, name=f"ผู้ปกครอง{n}", phone=f"+6689000{n:04d}", updated_at=clock.now())
            for n in range(count)]).returning(Guardian.id)
        await StudentGuardian.insert(*[
            StudentGuardian(school=people.bangkok, student=row["id"], guardian=g["id"], relation="มารดา")
            for row, g in zip(new, guardians, strict=True)])
        if late:
            await AttendanceMark.insert(*[
                AttendanceMark(school=people.bangkok, student=row["id"], classroom=room, day=WEEK.monday, period=0,
                               status="late", marked_at=at(WEEK.monday)) for row in new])
    return [g["id"] for g in guardians]


async def test_past_the_budget_the_summary_sms_waits_for_the_admin(make_client, people, settings, drain,
                                                                   fake_twilio):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit("/notify/budget", {"monthly": "0.01", "price": "0.75"})
    await _seed_week(people, settings)
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
        await drain()
    [held] = await _summary_messages()
    assert held["status"] == "held" and not [m for m in fake_twilio.sent_to(SOMSRI) if "สรุป" in m.body]
    page = text_of((await admin.get("/notify/outbox")).text)
    held_section = page[page.index("ข้อความรอการตัดสินใจ"):page.index("ข้อความทั้งหมด")]
    assert "สรุปประจำสัปดาห์ถึงครอบครัว" in held_section and "สรุปสัปดาห์ 16-20 พ.ย.: อนันต์" in held_section


async def test_the_admin_sees_beforehand_what_the_summaries_will_cost_each_month(make_client, people, settings,
                                                                                  drain):
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.submit("/notify/budget", {"monthly": "800", "price": "0.75"})
    # Families with no app, told of a busy week: Somsri's two children, Prasert's one (Noi is another school's).
    somsri = "โรงเรียนกร สรุปสัปดาห์ 16-20 พ.ย.: อนันต์ มา 4/5 สาย 1 ขาด 1 ทำดี 1 ผิดระเบียบ 1; " \
             "ชัย มา 4/5 สาย 1 ขาด 1 ทำดี 1 ผิดระเบียบ 1; ประชุมผู้ปกครอง 27 พ.ย. 18:00"
    prasert = "โรงเรียนกร สรุปสัปดาห์ 16-20 พ.ย.: บัว มา 4/5 สาย 1 ขาด 1 ทำดี 1 ผิดระเบียบ 1; " \
              "ประชุมผู้ปกครอง 27 พ.ย. 18:00"
    each = sms_segments(somsri).count + sms_segments(prasert).count
    assert (sms_segments(somsri).count, sms_segments(prasert).count) == (3, 2)
    with clock.set_to(at(WEEK.monday, 9)):  # Fridays to come: 20 and 27 November; December has four school weeks
        page = text_of((await admin.get("/notify/outbox")).text)
    assert "ส่งทาง SMS ตามกำหนด: สรุปประจำสัปดาห์ถึงครอบครัว" in page
    assert "2 ครอบครัวไม่มีแอปและรับทาง SMS: ครั้งละไม่เกิน 3 ข้อความย่อย" in page
    november, december = 2 * each, 4 * each
    assert (f"พฤศจิกายน 2569 (ที่ยังจะส่ง) 2 {november} {Decimal(november * 75) / 100:.2f} บาท" in page)
    assert f"ธันวาคม 2569 4 {december} {Decimal(december * 75) / 100:.2f} บาท" in page

    # After a Friday's sends, what they really cost (a quiet week sends less than the forecast).
    await _seed_week(people, settings)
    with clock.set_to(FRIDAY_EVENING):
        await summary.compile_due(settings)
        await drain()
        page = text_of((await admin.get("/notify/outbox")).text)
    assert "ครั้งล่าสุด (20 พ.ย. 2569): 1 SMS, 2 ข้อความย่อย · 1.50 บาท" in page
    assert "พฤศจิกายน 2569 (ที่ยังจะส่ง) 1 " in page  # only the 27th is still to come


async def test_compiling_costs_the_same_queries_for_2_families_as_for_42(people, settings):
    """A batch (500 guardians, one transaction) costs the same queries however many families it holds."""
    await _seed_week(people, settings)

    async def compile_counted() -> int:
        await FamilySummary.delete().where(FamilySummary.school == people.bangkok)
        with counting_queries(db.engine()) as counter, clock.set_to(FRIDAY_EVENING):
            await summary.compile_school(settings, people.bangkok, WEEK)
        return counter["queries"]

    await compile_counted()  # warms the school-year cache
    small = await compile_counted()
    await _more_families(people, 40)
    big = await compile_counted()
    assert await FamilySummary.count().where(FamilySummary.school == people.bangkok) == 42
    assert big == small, f"{small} queries for 2 families, {big} for 42"
