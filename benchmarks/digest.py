"""Compiling every homeroom teacher's weekly digest for a big school: time, and SQL queries per homeroom.

Run from the repository root (seeding is most of the few minutes it takes):

    .venv/bin/python benchmarks/digest.py                       # SQLite in a temp folder
    .venv/bin/python benchmarks/digest.py --database postgres   # DROPS schema public at --postgres-url

Steps:
1. A fresh database and a school built by backend.demo.create_demo_school: ม.1–ม.6, --rooms-per-grade rooms a
   grade (14: 84 homerooms, about 3,300 students), a homeroom teacher per room, six weeks of attendance history.
2. This week made busy: --incidents incidents and good deeds recorded through behaviour.services.record (each
   naming one to three students, points deducted or added), and home visits done for half the students.
3. The digest job's work for the school (behaviour.digest.compile_school) at Friday 16:00 of this week, timed,
   with its SQL queries counted; then again (everything built: the hourly re-run's cost). Target ≤ 10 s, and the
   same number of queries whatever the school's size (compile the small school for comparison).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time

from bench_database import (counting_queries, database_arguments, fresh_database, small_and_big_schools,
                            use_database)

GRADES = ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6")


async def busy_week(school_id: int, week, incidents: int, seed: int) -> None:
    from backend import clock
    from backend.accounts import services as accounts
    from backend.accounts.tables import Role, User
    from backend.behaviour import services as behaviour
    from backend.accounts.sessions import viewer_of
    from backend.demo import DEMO_PASSWORD
    from backend.students.tables import Student
    from backend.visits.tables import Visit

    rng = random.Random(seed)
    await accounts.create_user(school_id, f"disc-{school_id}", "ครูปกครอง", Role.discipline, DEMO_PASSWORD)
    officer = await User.select(User.id).where(User.username == f"disc-{school_id}").first()
    viewer = await viewer_of(officer["id"])
    students = [row["id"] for row in await Student.select(Student.id).where(Student.school == school_id)]
    kinds = await behaviour.categories(school_id)
    for _ in range(incidents):
        category = rng.choice(kinds)
        day = week.monday + timedelta(days=rng.randrange(5))
        with clock.set_to(datetime.combine(day, clock_time(15), clock.SCHOOL_TIME)):
            await behaviour.record(viewer, {
                "client_id": uuid.uuid4().hex, "kind": category["kind"], "category": category["id"],
                "students": rng.sample(students, rng.randint(1, 3)), "sanction": "deduct",
                "happened_at": f"{day.isoformat()}T10:00"})
    moment = clock.now()
    visited = rng.sample(students, len(students) // 2)
    for start in range(0, len(visited), 500):
        await Visit.insert(*[
            Visit(school=school_id, student=student, client_id=uuid.uuid4().hex, status="done",
                  visited_on=week.monday - timedelta(days=rng.randrange(1, 150)), answers={}, created_at=moment,
                  updated_at=moment) for student in visited[start:start + 500]])


async def measure(school_id: int, week, counter: dict) -> tuple[float, int, int]:
    from backend import clock
    from backend.behaviour import digest
    from backend.config import Settings

    counter["queries"] = 0
    started = time.perf_counter()
    with clock.set_to(datetime.combine(week.friday, clock_time(16), clock.SCHOOL_TIME)):
        built = await digest.compile_school(Settings.from_env(), school_id, week)
    return time.perf_counter() - started, counter["queries"], len(built)


async def run(args) -> None:
    from backend import clock
    from backend.schools.calendar import Week
    from backend.schools.tables import School
    from backend.students.tables import Student

    async with fresh_database(args) as engine:
        started = time.monotonic()
        week = Week.of(clock.today() - timedelta(days=1))  # the week history reaches (today is not seeded)
        await small_and_big_schools(args.rooms_per_grade)
        small, big = [(await School.select(School.id).where(School.code == code).first())["id"]
                      for code in ("SMALL", "BIG")]
        await busy_week(small, week, 5, 1)
        await busy_week(big, week, args.incidents, 2)
        print(f"seeded in {time.monotonic() - started:.0f} s; the week of {week.monday}")

        with counting_queries(engine) as counter:
            rows = []
            for name, school_id in (("small", small), ("big", big)):
                students = await Student.count().where(Student.school == school_id)
                first = await measure(school_id, week, counter)
                again = await measure(school_id, week, counter)
                rows.append((name, students, first, again))
        print(f"\n{'school':<7} {'students':>8} {'homerooms':>9} {'compile s':>9} {'queries':>7} "
              f"{'q/homeroom':>10} {'re-run s':>8} {'re-run q':>8}")
        for name, students, (seconds, queries, built), (again_s, again_q, _) in rows:
            print(f"{name:<7} {students:>8,} {built:>9} {seconds:>9.2f} {queries:>7} {queries / max(built, 1):>10.2f} "
                  f"{again_s:>8.3f} {again_q:>8}")
        big_row = rows[1]
        print(f"\ntarget: compile all digests of the big school in ≤ 10 s: {big_row[2][0]:.2f} s "
              f"({'OK' if big_row[2][0] <= 10 else 'OVER'}); queries the same for 1 and {big_row[2][2]} homerooms: "
              f"{'yes' if rows[0][2][1] == big_row[2][1] else 'NO'} ({rows[0][2][1]} and {big_row[2][1]})")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench_digest")
    parser.add_argument("--rooms-per-grade", type=int, default=14)
    parser.add_argument("--incidents", type=int, default=300)
    args = parser.parse_args()
    use_database(args, "doolae-digest-")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
