"""The homeroom teacher's weekly digest: a seeded week gives exactly its counts (a holiday's register not counted),
it is built once however many runs and workers, a closed week gets none, it is read only by the teacher and those
who oversee the class, and compiling costs the same queries however big the class."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, time

from arq.connections import create_pool
from arq.worker import Worker

from backend import clock, db
from backend.accounts.tables import User
from backend.attendance import services as attendance
from backend.behaviour import digest
from backend.behaviour import services as behaviour
from backend.behaviour.tables import BehaviourSettings, WeeklyDigest
from backend.notify.queue import JobQueue, redis_settings
from backend.schools import services as schools
from backend.schools.calendar import Week
from backend.students.tables import Student, StudentEnrolment
from backend.visits import services as visits
from benchmarks.bench_database import counting_queries
from tests.conftest import text_of
from workers.settings import WorkerSettings

WEEK = Week(date(2026, 11, 16))  # Monday; Wednesday the 18th is a holiday in these tests
SOMCHAI_PHONE = "+66812223344"


def at(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), clock.SCHOOL_TIME)


async def _register(people, settings, teacher, room: str, day: date, marks: dict[str, str], period: int = 0):
    with clock.set_to(at(day)):
        await attendance.save_register(await teacher.viewer(), settings, JobQueue(None), people.classrooms[room],
                                       day, {people.students[code]: status for code, status in marks.items()},
                                       period=period, subject="คณิตศาสตร์" if period else "")


async def _record(people, who, code: str, students: list[str], day: date, kind="incident", **extra) -> int:
    category = next(c for c in await behaviour.categories(people.bangkok) if c["code"] == code)
    with clock.set_to(at(day, 10)):
        saved = await behaviour.record(await who.viewer(), {
            "client_id": uuid.uuid4().hex, "kind": kind, "students": [people.students[s] for s in students],
            "category": category["id"], "happened_at": f"{day.isoformat()}T09:30", **extra})
    return saved.incident_id


async def _seed_week(people, settings) -> None:
    """Anan: absent Monday and Tuesday, cut a period on Thursday, in a fight on Tuesday (−20), not visited.
    Bua: late Monday and Thursday, absent on the holiday (not a school day: not counted), a good deed (+5),
    visited. Outside the week or voided: nothing."""
    await schools.add_calendar_day(people.bangkok, "holiday", "วันหยุดทดสอบ", "18/11/2569")
    room = "BKK ม.1/1"
    await _register(people, settings, people.somchai, room, date(2026, 11, 16), {"10001": "absent", "10002": "late"})
    await _register(people, settings, people.somchai, room, date(2026, 11, 17), {"10001": "absent"})
    await _register(people, settings, people.somchai, room, date(2026, 11, 18), {"10002": "absent"})
    await _register(people, settings, people.somchai, room, date(2026, 11, 19), {"10002": "late"})
    await _register(people, settings, people.wipa, room, date(2026, 11, 19), {"10001": "absent"}, period=2)
    await _register(people, settings, people.somchai, room, date(2026, 11, 13), {"10002": "absent"})  # week before
    await _record(people, people.prasit, "fighting", ["10001"], date(2026, 11, 17), sanction="deduct")
    await _record(people, people.wipa, "volunteer", ["10002"], date(2026, 11, 19), kind="good_deed")
    await _record(people, people.prasit, "uniform", ["10002"], date(2026, 11, 12), sanction="deduct")  # before
    wrong = await _record(people, people.prasit, "phone", ["10002"], date(2026, 11, 20), sanction="warning")
    with clock.set_to(at(date(2026, 11, 20), 11)):
        await behaviour.void(await people.prasit.viewer(), wrong, "คนละคน")
        await visits.save_visit(await people.somchai.viewer(), {
            "client_id": str(uuid.uuid4()), "student": people.students["10002"], "status": "done",
            "visited_on": "2026-11-20"})


async def _digest_of(people, room: str) -> dict:
    row = await WeeklyDigest.select().where(
        (WeeklyDigest.classroom == people.classrooms[room]) & (WeeklyDigest.week_start == WEEK.monday)).output(
        load_json=True).first()
    return row


async def test_a_seeded_week_gives_exactly_its_counts_good_deeds_first(people, settings, client):
    await _seed_week(people, settings)
    with clock.set_to(at(WEEK.friday, 16)):
        built = await digest.compile_due(settings)
    assert built[people.bangkok] == 2  # Somchai's ม.1/1 and Malee's ม.1/2
    found = await _digest_of(people, "BKK ม.1/1")
    s = found["sections"]
    anan, bua = people.students["10001"], people.students["10002"]
    assert s["attendance"]["school_days"] == 4
    assert {row["student"]: (row["absent"], row["late"], row["cut"], row["leave"])
            for row in s["attendance"]["students"]} == {anan: (2, 0, 1, 0), bua: (0, 2, 0, 0)}
    assert [(g["student"], g["category"], g["points"]) for g in s["good_deeds"]["items"]] == [(bua, "จิตอาสา", 5)]
    assert [(i["student"], i["category"], i["points"]) for i in s["incidents"]["items"]] == [
        (anan, "ทะเลาะวิวาท", 20)]
    assert {p["student"]: (p["change"], p["balance"]) for p in s["incidents"]["points"]} == {
        anan: (-20, 80), bua: (5, 100)}  # Bua: −5 the week before, +5 this week
    assert [v["student"] for v in s["visits"]["not_visited"]] == [anan]
    assert [c["student"] for c in s["check_in"]] == [anan, bua]
    assert s["rules"]["items"] == [] and s["screening"] == {"results": [], "groups": [], "concerns": []}
    other = (await _digest_of(people, "BKK ม.1/2"))["sections"]
    assert other["attendance"]["students"] == [] and other["good_deeds"]["items"] == []

    await people.somchai.sign_in(settings, client)
    page = text_of((await client.get(f"/behaviour/digests/{found['id']}")).text)
    page = page[page.index("ห้อง ม.1/1: สรุปประจำสัปดาห์"):]  # the digest, after the menu
    assert page.index("ความดี") < page.index("การมาเรียน") < page.index("ทะเลาะวิวาท")
    assert "จิตอาสา" in page and "ขาดเรียนโดยไม่ลา 2 วัน" in page
    listing = text_of((await client.get("/behaviour/digests")).text)
    assert "ห้อง ม.1/1" in listing and "ห้อง ม.1/2" not in listing
    home = text_of((await client.get("/")).text)
    assert "ห้อง ม.1/1: สรุปประจำสัปดาห์" in home


async def test_only_the_teacher_and_those_who_oversee_the_class_read_it(people, settings, make_client):
    with clock.set_to(at(WEEK.friday, 16)):
        await digest.compile_school(settings, people.bangkok, WEEK)
    found = await _digest_of(people, "BKK ม.1/1")
    for person, status in ((people.somchai, 200), (people.sunee, 200), (people.wichai, 200), (people.malee, 404),
                           (people.prasit, 404), (people.ratana, 404), (people.somsri, 404), (people.preecha, 403)):
        browser = make_client()
        await person.sign_in(settings, browser)
        response = await browser.get(f"/behaviour/digests/{found['id']}")
        assert response.status_code == status, person


async def test_nothing_before_the_hour_and_nothing_on_a_closed_week(people, settings):
    with clock.set_to(at(WEEK.friday, 14)):
        assert await digest.compile_due(settings) == {}
    await BehaviourSettings.insert(BehaviourSettings(school=people.bangkok, digest_weekday=3, digest_hour=12,
                                                     updated_at=clock.now()))
    with clock.set_to(at(date(2026, 11, 19), 13)):  # Thursday 13:00: the school chose Thursday noon
        assert (await digest.compile_due(settings)).get(people.bangkok) == 2
    await schools.add_calendar_day(people.bangkok, "closure", "ปิดภาคเรียน", "23/11/2569", "27/11/2569")
    with clock.set_to(at(date(2026, 11, 27), 16)):
        built = await digest.compile_due(settings)
    assert people.bangkok not in built and built.get(people.chiang_mai) == 1  # Chiang Mai's week was open
    assert not await WeeklyDigest.exists().where((WeeklyDigest.week_start == date(2026, 11, 23))
                                                 & (WeeklyDigest.school == people.bangkok))


async def test_two_workers_at_once_build_each_digest_once_and_point_the_teacher_once(
        people, settings, redis, fake_twilio):
    await BehaviourSettings.insert(BehaviourSettings(school=people.bangkok, digest_pointer="sms",
                                                     updated_at=clock.now()))
    await User.update({User.phone: SOMCHAI_PHONE}).where(User.id == people.somchai.user_id)
    await _seed_week(people, settings)
    for n in (1, 2):  # the hourly cron's job, twice: each worker takes one
        await redis.enqueue_job("compile_digests", _job_id=f"digest-test-{n}")

    workers = []
    for _ in range(2):
        workers.append(Worker(functions=WorkerSettings.functions, on_startup=WorkerSettings.on_startup,
                              on_shutdown=WorkerSettings.on_shutdown,
                              redis_pool=await create_pool(redis_settings(settings.redis_url)),
                              burst=True, poll_delay=0.01, max_jobs=1, handle_signals=False,
                              ctx={"settings": settings}))
    with clock.set_to(at(WEEK.friday, 16)):
        try:
            await asyncio.gather(*(worker.main() for worker in workers))
        finally:
            # Closed when both are done: in one test process they share SQLite's reading connection, which a
            # worker's shutdown closes (two deployed workers are two processes).
            for worker in workers:
                await worker.close()
        await asyncio.gather(digest.compile_due(settings), digest.compile_due(settings))  # and twice more at once
    rows = await WeeklyDigest.select(WeeklyDigest.teacher, WeeklyDigest.classroom).where(
        WeeklyDigest.school == people.bangkok)
    assert sorted((r["teacher"], r["classroom"]) for r in rows) == sorted([
        (people.somchai.user_id, people.classrooms["BKK ม.1/1"]),
        (people.malee.user_id, people.classrooms["BKK ม.1/2"])])
    sent = fake_twilio.sent_to(SOMCHAI_PHONE)
    assert len(sent) == 1 and "ม.1/1" in sent[0].body and "พร้อมแล้ว" in sent[0].body


async def test_compiling_costs_the_same_queries_however_big_the_class(people, settings):
    await _seed_week(people, settings)
    async def compile_counted() -> int:
        await WeeklyDigest.delete().where(WeeklyDigest.school == people.bangkok)
        with counting_queries(db.engine()) as counter, clock.set_to(at(WEEK.friday, 16)):
            assert len(await digest.compile_school(settings, people.bangkok, WEEK)) == 2
        return counter["queries"]

    await compile_counted()  # warms the school-year cache
    small = await compile_counted()
    room = people.classrooms["BKK ม.1/1"]
    year = (await schools.school_year_now(people.bangkok, WEEK.friday)).school_year_id
    new = await Student.insert(*[
        Student(school=people.bangkok, code=f"2{n:04d}", title="ด.ช.", first_name=f"นักเรียน{n}", last_name="ทดสอบ",
                classroom=room, number_in_class=10 + n, updated_at=clock.now())
        for n in range(40)]).returning(Student.id)
    await StudentEnrolment.insert(*[
        StudentEnrolment(school=people.bangkok, student=row["id"], school_year=year, classroom=room,
                         number_in_class=10 + n, starts_on=date(2026, 5, 1), changed_at=clock.now())
        for n, row in enumerate(new)])
    big = await compile_counted()
    found = await _digest_of(people, "BKK ม.1/1")
    assert len(found["sections"]["visits"]["not_visited"]) == 41  # the new students are in it
    assert big == small, f"{small} queries for 2 students, {big} for 42"
