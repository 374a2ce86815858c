"""Compiling the weekly family summaries of a 3,000-student school: time, SQL queries, and what goes out.

Run from the repository root (seeding takes a minute or two):

    .venv/bin/python benchmarks/family_summary.py                       # SQLite in a temp folder
    .venv/bin/python benchmarks/family_summary.py --database postgres   # DROPS schema public at --postgres-url

Steps:
1. A fresh database and a school built by backend.demo.create_demo_school: ม.1–ม.6, --rooms-per-grade rooms a grade
   (13: 78 homerooms, about 3,100 students with about 4,300 guardians), a homeroom teacher per room.
2. A week of data: every school day's morning register (about 3 % late, 2 % absent, 2 % on leave, a few periods
   cut), each late or absent mark told through the outbox as attendance tells it (so guardians who chose the weekly
   summary have items kept for it), --incidents incidents and good deeds recorded through behaviour.services, a
   parents' meeting next week in a third of the classes (invitations through the outbox); a third of the guardians
   choose the weekly summary for lateness and behaviour, and two in five have the app with notifications on.
3. The Friday job's work for the school (summary.services.compile_school) at 18:13, timed, with its SQL queries
   counted; then again (everything built: the hourly re-run's cost); then the admin's forecast of its SMS (the
   Messages page). Target: all summaries in ≤ 30 s; queries grow only with the batches of 500 guardians (each
   batch is one transaction), never per family.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time

from bench_database import counting_queries, database_arguments, fresh_database, use_database

async def seed_week(school_id: int, week, incidents: int, seed: int) -> None:
    from backend import clock
    from backend.accounts import sessions
    from backend.accounts import services as accounts
    from backend.accounts.tables import HomeroomAssignment, Role, User
    from backend.attendance import services as attendance
    from backend.attendance.tables import HOMEROOM_PERIOD, AttendanceMark, Status
    from backend.behaviour import services as behaviour
    from backend.config import Settings
    from backend.demo import DEMO_PASSWORD
    from backend.notify import outbox
    from backend.notify.tables import ChannelChoice, PushSubscription
    from backend.promotion import services as promotion
    from backend.schools import services as schools
    from backend.students.tables import Guardian, Student

    rng = random.Random(seed)
    settings = Settings.from_env()
    moment = clock.now()
    students = await Student.select(Student.id, Student.classroom, Student.first_name).where(
        Student.school == school_id).order_by(Student.id)
    guardians = [row["id"] for row in await Guardian.select(Guardian.id).where(Guardian.school == school_id)]
    # Choices: a third want lateness and behaviour in the weekly summary; two in five have the app with pushes on.
    weekly = rng.sample(guardians, len(guardians) // 3)
    for start in range(0, len(weekly), 500):
        await ChannelChoice.insert(*[ChannelChoice(school=school_id, guardian=g, topic=topic, choice="weekly",
                                                   set_via="app", updated_at=moment)
                                     for g in weekly[start:start + 500] for topic in ("attendance", "behaviour")])
    with_app = rng.sample(guardians, len(guardians) * 2 // 5)
    for start in range(0, len(with_app), 500):
        chunk = with_app[start:start + 500]
        users = await User.insert(*[User(school=school_id, username=f"bench-parent-{g}", display_name="ผู้ปกครอง",
                                         role=Role.parent.value, password_hash="-", created_at=moment)
                                    for g in chunk]).returning(User.id)
        for guardian, user in zip(chunk, users, strict=True):
            await Guardian.update({Guardian.user: user["id"]}).where(Guardian.id == guardian)
        await PushSubscription.insert(*[PushSubscription(user=user["id"], endpoint=f"https://fcm.googleapis.com/"
                                                         f"fcm/send/bench-{user['id']}", p256dh="k", auth="a",
                                                         created_at=moment) for user in users])
    # The week's registers, and each late or absent mark told as attendance tells it (through the outbox).
    calendar = await schools.calendar_between(school_id, week.monday, week.friday)
    school = await outbox.school_row(school_id)
    reaches = await outbox.guardians_of([s["id"] for s in students])
    for day in calendar.school_days():
        marks, specs = [], []
        for student in students:
            status = rng.choices([Status.present, Status.late, Status.absent, Status.sick_leave,
                                  Status.personal_leave], [930, 30, 22, 10, 8])[0]
            at = datetime.combine(day, clock_time(8), clock.SCHOOL_TIME)
            marks.append(AttendanceMark(school=school_id, student=student["id"], classroom=student["classroom"],
                                        day=day, period=HOMEROOM_PERIOD, status=status.value, marked_at=at))
            if status is Status.present and rng.random() < 0.004:
                marks.append(AttendanceMark(school=school_id, student=student["id"], classroom=student["classroom"],
                                            day=day, period=rng.randint(2, 7), status=Status.cut.value, marked_at=at))
            if status in (Status.late, Status.absent):
                specs.append(outbox.AlertSpec(student["id"], attendance.event_key(student["id"], day, 0),
                                              status.value, day, {"name": student["first_name"], "day": day},
                                              reaches.get(student["id"], [])))
        for start in range(0, len(marks), 500):
            await AttendanceMark.insert(*marks[start:start + 500])
        with clock.set_to(datetime.combine(day, clock_time(8, 5), clock.SCHOOL_TIME)):
            await outbox.create_alerts(settings, school, specs)
    # The week's behaviour records, as teachers and the discipline officer record them.
    await accounts.create_user(school_id, f"disc-{school_id}", "ครูปกครอง", Role.discipline, DEMO_PASSWORD)
    officer = await sessions.viewer_of((await User.select(User.id).where(
        User.username == f"disc-{school_id}").first())["id"])
    kinds = await behaviour.categories(school_id)
    ids = [s["id"] for s in students]
    for _ in range(incidents):
        category = rng.choice(kinds)
        day = rng.choice(calendar.school_days())
        with clock.set_to(datetime.combine(day, clock_time(15), clock.SCHOOL_TIME)):
            await behaviour.record(officer, {
                "client_id": uuid.uuid4().hex, "kind": category["kind"], "category": category["id"],
                "students": rng.sample(ids, rng.randint(1, 3)), "sanction": "warning",
                "happened_at": f"{day.isoformat()}T10:00"}, settings)
    # A parents' meeting next Tuesday in a third of the classes, its invitations through the outbox.
    rooms = await HomeroomAssignment.select(HomeroomAssignment.classroom, HomeroomAssignment.teacher).where(
        HomeroomAssignment.school == school_id)

    class NoQueue:
        async def send(self, *args, **kwargs) -> None:
            return None

    with clock.set_to(datetime.combine(week.monday + timedelta(days=3), clock_time(16), clock.SCHOOL_TIME)):
        for room in rooms[::3]:
            await promotion.schedule_meeting(await sessions.viewer_of(room["teacher"]), settings, NoQueue(),
                                             room["classroom"], {
                                                 "held_on": (week.monday + timedelta(days=8)).isoformat(),
                                                 "starts_at": "18:00", "place": "ห้องประชุม"})


async def measure(school_id: int, week, counter: dict):
    from backend import clock
    from backend.config import Settings
    from backend.summary import services as summary

    counter["queries"] = 0
    started = time.perf_counter()
    with clock.set_to(datetime.combine(week.friday, clock_time(18, 13), clock.SCHOOL_TIME)):
        built = await summary.compile_school(Settings.from_env(), school_id, week)
    return time.perf_counter() - started, counter["queries"], built


async def run(args) -> None:
    from backend import clock, demo
    from backend.accounts import sessions
    from backend.accounts.tables import Role, User
    from backend.notify.tables import Message
    from backend.schools.calendar import Week
    from backend.schools.tables import School
    from backend.students.tables import Guardian, Student
    from backend.summary import services as summary
    from backend.summary.tables import FamilySummary

    async with fresh_database(args) as engine:
        started = time.monotonic()
        week = Week.of(clock.today() - timedelta(days=7))  # last week: its Friday evening has passed
        await demo.create_demo_school("SMALL", ("ม.1",), 1, seed=2569)
        await demo.create_demo_school("BIG", ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"), args.rooms_per_grade,
                                      seed=2570)
        small, big = [(await School.select(School.id).where(School.code == code).first())["id"]
                      for code in ("SMALL", "BIG")]
        await seed_week(small, week, 5, 1)
        await seed_week(big, week, args.incidents, 2)
        print(f"seeded in {time.monotonic() - started:.0f} s; the week of {week.monday}")

        rows = []
        with counting_queries(engine) as counter:
            for name, school_id in (("small", small), ("big", big)):
                students = await Student.count().where(Student.school == school_id)
                guardians = await Guardian.count().where(Guardian.school == school_id)
                first = await measure(school_id, week, counter)
                again = await measure(school_id, week, counter)
                rows.append((name, students, guardians, first, again))
            admin = await User.select(User.id).where((User.school == big) & (User.role == Role.admin.value)).first()
            viewer = await sessions.viewer_of(admin["id"])
            counter["queries"] = 0
            forecast_started = time.perf_counter()
            with clock.set_to(datetime.combine(week.friday + timedelta(days=3), clock_time(9), clock.SCHOOL_TIME)):
                plan = await summary.sms_forecast(viewer)
            forecast = (time.perf_counter() - forecast_started, counter["queries"], plan)

        print(f"\n{'school':<6} {'students':>8} {'guardians':>9} {'compile s':>9} {'queries':>7} {'built':>6} "
              f"{'told':>6} {'re-run s':>8} {'re-run q':>8}")
        for name, students, guardians, (seconds, queries, built), (again_s, again_q, _) in rows:
            print(f"{name:<6} {students:>8,} {guardians:>9,} {seconds:>9.2f} {queries:>7} {built.built:>6,} "
                  f"{built.told:>6,} {again_s:>8.3f} {again_q:>8}")
        big_built = rows[1][3][2]
        sent = await Message.select(Message.channel, Message.segments).where(
            Message.id.is_in(big_built.message_ids or [-1]))
        sms = [m for m in sent if m["channel"] == "sms"]
        parts = sum(m["segments"] for m in sms)
        skipped = await FamilySummary.count().where((FamilySummary.school == big) & (FamilySummary.skipped == True))  # noqa: E712
        print(f"\nbig school: {big_built.built:,} summaries, {skipped:,} skipped (nothing happened), "
              f"{len(sent) - len(sms):,} by push, {len(sms):,} by SMS in {parts:,} parts "
              f"({parts / max(len(sms), 1):.2f} a family; {max((m['segments'] for m in sms), default=0)} at most)")
        seconds, queries, plan = forecast
        print(f"admin's forecast (Messages page): {seconds:.2f} s, {queries} queries; {plan.recipients:,} families by "
              f"SMS, at most {plan.parts_each} parts each; "
              + "; ".join(f"{m.month:%Y-%m}: {m.sends} Fridays, {m.parts:,} parts" for m in plan.months))
        big_seconds = rows[1][3][0]
        batches = -(-rows[1][2] // summary.BATCH)
        print(f"\ntarget: compile the family summaries of the {rows[1][1]:,}-student school in ≤ 30 s: "
              f"{big_seconds:.2f} s ({'OK' if big_seconds <= 30 else 'OVER'}); queries: {rows[0][3][1]} for "
              f"{rows[0][2]} guardians (one batch), {rows[1][3][1]} for {rows[1][2]:,} ({batches} batches of "
              f"{summary.BATCH})")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0],
                                "postgres://postgres@127.0.0.1:5432/doolae_bench_family_summary")
    parser.add_argument("--rooms-per-grade", type=int, default=13)
    parser.add_argument("--incidents", type=int, default=300)
    args = parser.parse_args()
    use_database(args, "doolae-family-summary-")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
