"""Care at a big school: the homeroom teacher's home page (its to-do list) and the executive's care page /care on a
school of about 3,400 students with a year of cases.

Run from the repository root (a few minutes):

    .venv/bin/python benchmarks/care.py                          # SQLite in a temp folder
    .venv/bin/python benchmarks/care.py --database postgres       # DROPS schema public of --postgres-url
    .venv/bin/python benchmarks/care.py --cases 300 --referrals 100

Steps:
1. A fresh database: a demo school (ม.1–ม.6, 14 rooms each, about 3,400 students) with a counsellor, and a
   one-room school beside it (the query counts of both must be the same).
2. This term's screening groups (about one student in seven at risk or with problems, confirmed) and a year of
   cases in bulk: --cases cases (half closed), each with a plan of three helps, four follow-ups and two notes, and
   --referrals referrals to the counsellor in every state. The first homeroom has its share, and a few of its
   students still need a case. Written in bulk: the pages read the same rows either way.
3. The app served as in production (`python -m backend.cli serve`). The teacher's home page and the executive's
   /care (and, for the record, the counsellor's /care and referral inbox), each warm, 30 times: p50/p95 (target
   ≤ 200 ms), its HTML as sent (gzip, target ≤ 14 KB) and its SQL queries (counted in-process, in the big school
   and in the one-room school).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import tempfile
import time
from datetime import datetime, time as day_time, timedelta
from pathlib import Path

from bench_database import counting_queries, database_arguments, fresh_database, use_database
from behaviour import HTML_LIMIT, p50_p95, page_times, serve

PAGE_TARGET_MS = 200
GROUP_SHARE = 7  # one student in GROUP_SHARE is confirmed at risk or with problems


async def seed_school(code: str, grades: tuple[str, ...], rooms_per_grade: int, seed: int) -> dict:
    """A demo school, its counsellor, and the people whose pages are measured."""
    from backend.accounts import services as accounts
    from backend.accounts.tables import Role, User
    from backend.demo import DEMO_PASSWORD, create_demo_school
    from backend.accounts.tables import HomeroomAssignment
    from backend.schools.tables import School

    await create_demo_school(code, grades, rooms_per_grade, seed=seed)
    school = (await School.select(School.id).where(School.code == code).first())["id"]
    counsellor = await accounts.create_user(school, f"{code.lower()}-counsellor", "ครูรัตนา แนะแนวดี", Role.counsellor,
                                            DEMO_PASSWORD)
    director = await User.select(User.id).where(User.username == f"{code.lower()}-director").first()
    teacher = await User.select(User.id).where(User.username == f"{code.lower()}-teacher1").first()
    first_room = await HomeroomAssignment.select(HomeroomAssignment.classroom).where(
        HomeroomAssignment.teacher == teacher["id"]).first()
    return {"school": school, "counsellor": counsellor, "director": director["id"], "teacher": teacher["id"],
            "first_room": first_room["classroom"]}


async def seed_year_of_cases(people: dict, cases: int, referral_count: int, rng: random.Random) -> dict:
    """This term's confirmed groups and a year of cases with their plans, follow-ups, notes and referrals."""
    from backend import clock, db
    from backend.accounts import sessions
    from backend.accounts.tables import Role, User
    from backend.care.tables import (CareCase, CaseNote, FollowUp, HelpKind, Outcome, PlanActivity, Referral,
                                     ReferralStatus)
    from backend.screening import services as screening
    from backend.screening.tables import GroupDecision
    from backend.students.tables import Student

    started = time.monotonic()
    school = people["school"]
    teacher = await sessions.viewer_of(people["teacher"])
    year_id, term = await screening.current_term(teacher)
    pupils = await Student.select(Student.id, Student.classroom).where(Student.school == school)
    by_room: dict[int, list[int]] = {}
    for p in pupils:
        by_room.setdefault(p["classroom"], []).append(p["id"])
    flagged = [p for p in pupils if rng.randrange(GROUP_SHARE) == 0]
    # The first homeroom: eight of its students flagged, six of them with a case, two still needing one.
    first = [p for p in pupils if p["classroom"] == people["first_room"]]
    flagged = [p for p in flagged if p["classroom"] != people["first_room"]] + first[:8]
    now = clock.now()
    groups = [rng.choice(("risk", "problem")) for _ in flagged]
    decisions = [GroupDecision(school=school, student=p["id"], school_year=year_id, term=term, proposed=group,
                               reasons=[], group=group, note="", decided_by=people["teacher"], decided_at=now)
                 for p, group in zip(flagged, groups, strict=True)]
    for chunk in db.chunks(decisions, 500):
        await GroupDecision.insert(*chunk)
    with_case = first[:6] + rng.sample([p for p in flagged if p["classroom"] != people["first_room"]],
                                       max(0, min(cases, len(flagged)) - 6))
    staff = [row["id"] for row in await User.select(User.id).where(
        (User.school == school) & User.role.is_in([Role.homeroom_teacher.value, Role.counsellor.value]))]
    today = clock.today()
    rows = []
    for n, p in enumerate(with_case):
        opened = datetime.combine(today - timedelta(days=rng.randrange(1, 330)), day_time(9),
                                  tzinfo=clock.SCHOOL_TIME)
        closed = n >= 6 and n % 2 == 0  # half the school's cases closed; the first homeroom's all open
        rows.append(CareCase(school=school, school_year=year_id, student=p["id"], source="screening",
                             concern="ผลคัดกรองพบปัญหาด้านอารมณ์และเพื่อน มาสายบ่อย " * 3, opened_by=people["teacher"],
                             opened_at=opened, status="closed" if closed else "open",
                             closed_at=opened + timedelta(days=60) if closed else None,
                             outcome=Outcome.improved.value if closed else ""))
    case_rows = []
    for chunk in db.chunks(rows, 500):
        case_rows += await CareCase.insert(*chunk).returning(CareCase.id, CareCase.student, CareCase.opened_at)
    room_of = {p["id"]: p["classroom"] for p in pupils}
    activities, follow_ups, notes = [], [], []
    for n, case in enumerate(case_rows):
        mine = n < 6
        for kind in (HelpKind.buddy.value, HelpKind.parents.value, HelpKind.counselling.value):
            buddy = next((s for s in by_room[room_of[case["student"]]] if s != case["student"]), None) \
                if kind == HelpKind.buddy.value else None
            responsible = people["counsellor"] if kind == HelpKind.counselling.value else (
                people["teacher"] if mine else rng.choice(staff))
            activities.append(PlanActivity(care_case=case["id"], kind=kind, description="ให้เพื่อนชวนทำการบ้าน",
                                           responsible=responsible, buddy=buddy,
                                           starts_on=case["opened_at"].date(),
                                           follow_up_on=today + timedelta(days=rng.randrange(-20, 20)),
                                           created_at=case["opened_at"]))
    activity_rows = []
    for chunk in db.chunks(activities, 500):
        activity_rows += await PlanActivity.insert(*chunk).returning(PlanActivity.id, PlanActivity.care_case)
    for row in activity_rows:
        for _ in range(rng.randrange(1, 3)):
            follow_ups.append(FollowUp(care_case=row["care_case"], activity=row["id"],
                                       done="คุยกับนักเรียน ยอมรับว่านอนดึกเล่นเกม", progress="same",
                                       written_by=people["teacher"], written_at=now))
    for case in case_rows:
        for sensitivity in ("case_team", "teachers"):
            notes.append(CaseNote(care_case=case["id"], sensitivity=sensitivity, body="พ่อแม่แยกทางกัน อยู่กับยาย",
                                  written_by=people["teacher"], written_at=now))
    for chunk in db.chunks(follow_ups, 500):
        await FollowUp.insert(*chunk)
    for chunk in db.chunks(notes, 500):
        await CaseNote.insert(*chunk)
    states = [s.value for s in ReferralStatus]
    referrals = [Referral(school=school, care_case=case["id"], to_role=Role.counsellor.value,
                          reason="ร้องไห้บ่อย ไม่อยากมาโรงเรียน", status=states[n % len(states)],
                          sent_by=people["teacher"], sent_at=case["opened_at"] + timedelta(days=3))
                 for n, case in enumerate(case_rows[:referral_count])]
    for chunk in db.chunks(referrals, 500):
        await Referral.insert(*chunk)
    return {"flagged": len(flagged), "cases": len(case_rows), "activities": len(activity_rows),
            "follow_ups": len(follow_ups), "notes": len(notes), "referrals": len(referrals),
            "seconds": time.monotonic() - started}


async def queries_of(engine, tokens: dict[str, str], paths: list[str]) -> dict[tuple[str, str], int]:
    """SQL queries of one warm GET of each page, in-process, for each session."""
    import httpx

    from backend.accounts.middleware import SESSION_COOKIE
    from backend.app import create_app
    from backend.config import Settings

    found = {}
    app = create_app(Settings.from_env())
    with counting_queries(engine) as counter:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for name, token in tokens.items():
                client.cookies.set(SESSION_COOKIE, token)
                for path in paths:
                    await client.get(path, headers={"accept": "text/html"})
                    counter["queries"] = 0
                    response = await client.get(path, headers={"accept": "text/html"})
                    assert response.status_code == 200, (name, path, response.status_code)
                    found[(name, path)] = counter["queries"]
    return found


async def run(args) -> None:
    from backend.accounts import sessions
    from backend.config import Settings

    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(2570)
    async with fresh_database(args) as engine:
        started = time.monotonic()
        big = await seed_school("BENCH", ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"), args.rooms_per_grade, 2570)
        small = await seed_school("SMALL", ("ม.1",), 1, 2571)
        from backend.students.tables import Student

        print(f"seeded a school of {await Student.count().where(Student.school == big['school']):,} students and a "
              f"one-room school in {time.monotonic() - started:.0f} s")
        written = await seed_year_of_cases(big, args.cases, args.referrals, rng)
        await seed_year_of_cases(small, 4, 2, rng)
        print(f"{written['flagged']:,} students at risk or with problems; {written['cases']} cases, "
              f"{written['activities']} helps, {written['follow_ups']} follow-ups, {written['notes']} notes, "
              f"{written['referrals']} referrals, written in {written['seconds']:.0f} s")
        settings = Settings.from_env()
        tokens = {f"{size} {who}": await sessions.start_session(settings, school[who])
                  for size, school in (("big", big), ("small", small)) for who in ("teacher", "director", "counsellor")}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = serve(port, Path(tempfile.mkdtemp(prefix="doolae-bench-care-")) / "server.log")
        try:
            pages = [("teacher", "/"), ("director", "/care"), ("counsellor", "/care"),
                     ("counsellor", "/care/referrals")]
            print(f"\n{'page':<28} {'p50 ms':>7} {'p95 ms':>7} {'gzip':>8} {'SQL big':>8} {'SQL small':>9}")
            for who, path in pages:
                counts = await queries_of(engine, {"big": tokens[f"big {who}"], "small": tokens[f"small {who}"]},
                                          [path])
                took, wire = await page_times(f"http://127.0.0.1:{port}", tokens[f"big {who}"], path, 30)
                p50, p95 = p50_p95(took)
                marks = (["SLOW"] if p95 > PAGE_TARGET_MS else []) + (["HEAVY"] if wire > HTML_LIMIT else []) + (
                    ["GROWS"] if counts[("big", path)] > counts[("small", path)] else [])
                print(f"{who + ' ' + path:<28} {p50:>7.0f} {p95:>7.0f} {wire:>8,} {counts[('big', path)]:>8} "
                      f"{counts[('small', path)]:>9}  {' '.join(marks) or 'OK'}")
            print(f"(targets: ≤ {PAGE_TARGET_MS} ms, ≤ {HTML_LIMIT // 1024} KB gzip; SQL counted in-process in the "
                  f"big school and in a one-room school)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench")
    parser.add_argument("--cases", type=int, default=300, help="cases opened in the year")
    parser.add_argument("--referrals", type=int, default=100, help="referrals inside the school")
    parser.add_argument("--rooms-per-grade", type=int, default=14, help="about 40 students a room")
    args = parser.parse_args()
    use_database(args, "doolae-bench-care-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
