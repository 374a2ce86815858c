"""Messages with the homeroom teacher at a big school: the teacher's inbox and the parent's home page (and, for the
record, the parent's thread and the executive's list) on a school of about 3,000 students with a year of messages.

Run from the repository root (a few minutes):

    .venv/bin/python benchmarks/conversations.py                        # SQLite in a temp folder
    .venv/bin/python benchmarks/conversations.py --database postgres     # DROPS schema public of --postgres-url

Steps:
1. A fresh database: a demo school (ม.1–ม.6, 13 rooms each, about 3,100 students) and a one-room school beside it
   (the query counts of both must be the same).
2. A year of messages in bulk: every student's first guardian has a thread with a year of messages (between 4 and
   60, half from the school), and every room got a class message each school week (one copy per guardian, in
   their thread). The first room's threads are all there and a few are unread. Written in bulk: the pages read the
   same rows either way.
3. The app served as in production (`python -m backend.cli serve`). Each page warm, 30 times: p50/p95 (target
   ≤ 200 ms), its HTML as sent (gzip, target ≤ 14 KB) and its SQL queries (counted in-process, in the big school and
   in the one-room school).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench_database import database_arguments, fresh_database, use_database
from behaviour import HTML_LIMIT, p50_p95, page_times, serve
from care import queries_of

PAGE_TARGET_MS = 200
WEEKS = 40  # a school year


async def seed_school(code: str, grades: tuple[str, ...], rooms_per_grade: int, seed: int) -> dict:
    """A demo school and the people whose pages are measured: the first room's teacher, the demo parent (whose
    child is in the first room), the director."""
    from backend.accounts.tables import HomeroomAssignment, Role, User
    from backend.demo import create_demo_school
    from backend.schools.tables import School

    await create_demo_school(code, grades, rooms_per_grade, seed=seed)
    school = (await School.select(School.id).where(School.code == code).first())["id"]
    users = {row["username"]: row["id"] for row in await User.select(User.id, User.username).where(
        User.school == school)}
    teacher = users[f"{code.lower()}-teacher1"]
    parent = await User.select(User.id).where((User.school == school) & (User.role == Role.parent.value)).first()
    room = await HomeroomAssignment.select(HomeroomAssignment.classroom).where(
        HomeroomAssignment.teacher == teacher).first()
    return {"school": school, "teacher": teacher, "parent": parent["id"], "director": users[f"{code.lower()}-director"],
            "first_room": room["classroom"]}


async def seed_year_of_messages(people: dict, rng: random.Random) -> dict:
    from backend import clock, db
    from backend.conversations.tables import Broadcast, Post, Thread
    from backend.students.tables import StudentGuardian

    started = time.monotonic()
    school = people["school"]
    links = await StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian,
                                         StudentGuardian.student.classroom.as_alias("classroom"),
                                         StudentGuardian.guardian.user.as_alias("user")).where(
        StudentGuardian.school == school).order_by(StudentGuardian.position)
    now = clock.now()
    year_ago = now - timedelta(weeks=WEEKS)
    first_guardian: dict[int, dict] = {}
    for link in links:
        # Every student's first guardian, and every guardian with an account (the demo parent's children).
        if link["student"] not in first_guardian or link["user"]:
            first_guardian.setdefault(link["student"], link)
            if link["user"]:
                first_guardian[link["student"]] = link
    pairs = list(first_guardian.values())
    threads = []
    for chunk in db.chunks(pairs, 400):
        threads += await Thread.insert(*[Thread(
            school=school, student=p["student"], guardian=p["guardian"], started_at=year_ago, last_at=now,
            last_preview="ขอบคุณครูมากค่ะ", school_unread=1 if p["classroom"] == people["first_room"] and
            rng.random() < 0.2 else 0, parent_unread=rng.randrange(0, 2)) for p in chunk]).returning(
            Thread.id, Thread.student)
    room_of = {p["student"]: p["classroom"] for p in pairs}
    by_room: dict[int, list[int]] = {}
    for t in threads:
        by_room.setdefault(room_of[t["student"]], []).append(t["id"])
    posts = []
    for t in threads:
        for n in range(rng.randrange(4, 61)):
            from_school = n % 2 == 1
            posts.append(Post(school=school, thread=t["id"], from_school=from_school,
                              author_name="ครูสมใจ ดวงแก้ว" if from_school else "ผู้ปกครอง",
                              body="ลูกไม่สบาย ขอลาหนึ่งวันนะคะ ขอบคุณค่ะ" if not from_school else "รับทราบครับ หายไว ๆ",
                              written_at=year_ago + timedelta(days=rng.randrange(0, WEEKS * 7)),
                              channel="push" if from_school else ""))
    broadcasts = []
    for room in by_room:
        for week in range(WEEKS):
            broadcasts.append(Broadcast(school=school, classroom=room, token=f"bench-{room}-{week}",
                                        body="แจ้งผู้ปกครอง วันศุกร์นี้แต่งชุดพละ", sent_by=people["teacher"],
                                        sent_at=year_ago + timedelta(weeks=week)))
    made = []
    for chunk in db.chunks(broadcasts, 400):
        made += await Broadcast.insert(*chunk).returning(Broadcast.id, Broadcast.classroom, Broadcast.sent_at)
    for b in made:
        for thread_id in by_room[b["classroom"]]:
            posts.append(Post(school=school, thread=thread_id, from_school=True, author_name="ครูสมใจ ดวงแก้ว",
                              body="แจ้งผู้ปกครอง วันศุกร์นี้แต่งชุดพละ", written_at=b["sent_at"], broadcast=b["id"],
                              copy_key=f"broadcast:{b['id']}:{thread_id}", channel="sms"))
    posts.sort(key=lambda p: p.written_at)
    for chunk in db.chunks(posts, 500):
        await Post.insert(*chunk)
    return {"threads": len(threads), "posts": len(posts), "broadcasts": len(made),
            "seconds": time.monotonic() - started}


async def run(args) -> None:
    from backend.accounts import sessions
    from backend.config import Settings
    from backend.conversations.tables import Thread
    from backend.students.tables import Student

    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(2570)
    async with fresh_database(args) as engine:
        started = time.monotonic()
        big = await seed_school("BENCH", ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"), args.rooms_per_grade, 2570)
        small = await seed_school("SMALL", ("ม.1",), 1, 2571)
        print(f"seeded a school of {await Student.count().where(Student.school == big['school']):,} students and a "
              f"one-room school in {time.monotonic() - started:.0f} s")
        written = await seed_year_of_messages(big, rng)
        await seed_year_of_messages(small, rng)
        print(f"{written['threads']:,} threads, {written['posts']:,} messages ({written['broadcasts']:,} class "
              f"messages), written in {written['seconds']:.0f} s")
        child = {}
        for size, school in (("big", big), ("small", small)):
            row = await Thread.select(Thread.student).where(Thread.guardian.user == school["parent"]).first()
            child[size] = row["student"]
        settings = Settings.from_env()
        tokens = {f"{size} {who}": await sessions.start_session(settings, school[who])
                  for size, school in (("big", big), ("small", small)) for who in ("teacher", "parent", "director")}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = serve(port, Path(tempfile.mkdtemp(prefix="doolae-bench-conversations-")) / "server.log")
        try:
            pages = [("teacher", "/conversations"), ("parent", "/"), ("teacher", "/"),
                     ("parent", "/conversations/children/{child}"), ("director", "/conversations")]
            print(f"\n{'page':<40} {'p50 ms':>7} {'p95 ms':>7} {'gzip':>8} {'SQL big':>8} {'SQL small':>9}")
            for who, path in pages:
                counts = {}
                for size in ("big", "small"):
                    found = await queries_of(engine, {size: tokens[f"{size} {who}"]},
                                             [path.format(child=child[size])])
                    counts[size] = next(iter(found.values()))
                took, wire = await page_times(f"http://127.0.0.1:{port}", tokens[f"big {who}"],
                                              path.format(child=child["big"]), 30)
                p50, p95 = p50_p95(took)
                marks = (["SLOW"] if p95 > PAGE_TARGET_MS else []) + (["HEAVY"] if wire > HTML_LIMIT else []) + (
                    ["GROWS"] if counts["big"] > counts["small"] else [])
                print(f"{who + ' ' + path:<40} {p50:>7.0f} {p95:>7.0f} {wire:>8,} {counts['big']:>8} "
                      f"{counts['small']:>9}  {' '.join(marks) or 'OK'}")
            print(f"(targets: ≤ {PAGE_TARGET_MS} ms, ≤ {HTML_LIMIT // 1024} KB gzip; SQL counted in-process in the "
                  f"big school and in a one-room school)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench")
    parser.add_argument("--rooms-per-grade", type=int, default=13, help="about 40 students a room (about 3,100 in all)")
    args = parser.parse_args()
    use_database(args, "doolae-bench-conversations-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
