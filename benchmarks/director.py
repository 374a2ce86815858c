"""The director's overview of the care system (/supervision) at a big school with a year of data: its server time,
its HTML as sent and its SQL queries, beside a one-room school.

Run from the repository root (a few minutes):

    .venv/bin/python benchmarks/director.py                        # SQLite in a temp folder
    .venv/bin/python benchmarks/director.py --database postgres     # DROPS schema public of --postgres-url

Steps:
1. A fresh database: a demo school of about 3,000 students (ม.1–ม.6, 13 rooms each, its homeroom teachers, six
   weeks of this term's registers) with a counsellor, and a one-room school beside it.
2. Last school year's classrooms (every student enrolled in the room of the same grade and number) and a year of
   the care system in each of the two school years, written in bulk (the pages read the same rows either way): the
   cumulative record, home visits, four questionnaires a student and the groups confirmed each term, cases with
   their plans and follow-ups, referrals and their reports back, homeroom activities and parents' meetings, and
   --incidents behaviour records a year (benchmarks/behaviour.py's), and targets for this term.
3. The app served as in production (`python -m backend.cli serve`). The director's /supervision, warm, 30 times:
   p50/p95 (target ≤ 300 ms), its HTML as sent (gzip, target ≤ 14 KB) and its SQL queries (counted in-process, in
   the big school and the one-room school: the same is the point). The same for the students behind one figure,
   each homeroom's progress and last year's term (over, so remembered for ten minutes: supervision.figures).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import tempfile
import time
from datetime import date, datetime, time as day_time, timedelta
from pathlib import Path

from bench_database import database_arguments, fresh_database, use_database
from behaviour import HTML_LIMIT, p50_p95, page_times, queries_of, seed_year, serve

PAGE_TARGET_MS = 300
GRADES = ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6")
FORMS = ((("sdq", "student"), 0.9), (("sdq", "teacher"), 0.95), (("sdq", "parent"), 0.7), (("eq", "student"), 0.85))
GROUPS = (("normal", 75), ("risk", 12), ("problem", 8), ("special", 5))


async def seed_school(code: str, grades: tuple[str, ...], rooms_per_grade: int, seed: int) -> dict:
    from backend.accounts import services as accounts
    from backend.accounts.tables import Role, User
    from backend.demo import DEMO_PASSWORD, create_demo_school, seed_attendance_history
    from backend.schools.tables import School

    await create_demo_school(code, grades, rooms_per_grade, seed=seed)
    school = (await School.select(School.id).where(School.code == code).first())["id"]
    await seed_attendance_history(school, seed)
    counsellor = await accounts.create_user(school, f"{code.lower()}-counsellor", "ครูรัตนา แนะแนวดี", Role.counsellor,
                                            DEMO_PASSWORD)
    director = await User.select(User.id).where(User.username == f"{code.lower()}-director").first()
    return {"school": school, "director": director["id"], "counsellor": counsellor}


def _when(day: date, hour: int = 10) -> datetime:
    from backend import clock

    return datetime.combine(day, day_time(hour), tzinfo=clock.SCHOOL_TIME)


def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max(1, (last - first).days + 1)))


async def last_year_classrooms(school: int) -> int:
    """Last school year's classrooms, every student enrolled in the one of the same grade and number."""
    from backend import clock, db, schoolyear
    from backend.schools import services as schools
    from backend.schools.tables import Classroom
    from backend.students.tables import Student, StudentEnrolment

    this_be = schoolyear.school_year_of(clock.today())
    year_id = await schools.ensure_school_year(school, this_be - 1)
    first, last = schoolyear.default_year_dates(this_be - 1)
    rooms = await Classroom.select(Classroom.id, Classroom.grade, Classroom.room).where(Classroom.school == school)
    made = {}
    for room in rooms:
        row = await Classroom.insert(Classroom(school=school, school_year=year_id, grade=room["grade"],
                                               room=room["room"])).returning(Classroom.id)
        made[room["id"]] = row[0]["id"]
    pupils = await Student.select(Student.id, Student.classroom, Student.number_in_class).where(
        Student.school == school)
    rows = [StudentEnrolment(school=school, student=p["id"], school_year=year_id, classroom=made[p["classroom"]],
                             number_in_class=p["number_in_class"], starts_on=first, ends_on=last + timedelta(days=1),
                             changed_at=clock.now()) for p in pupils]
    for chunk in db.chunks(rows, 500):
        await StudentEnrolment.insert(*chunk)
    return len(rows)


async def seed_care_year(school: int, people: dict, rng: random.Random) -> dict:
    """Both school years' records, visits, screening, cases, referrals and promotion, in bulk."""
    from backend import clock, db
    from backend.accounts.tables import HomeroomAssignment
    from backend.care.tables import CareCase, FollowUp, PlanActivity, Referral
    from backend.promotion.tables import HomeroomActivity, ParentMeeting
    from backend.records.services import COMPLETE_SECTIONS
    from backend.records.tables import RecordEntry
    from backend.schools import services as schools
    from backend.screening.tables import GroupDecision, ScreeningForm
    from backend.students.tables import StudentEnrolment
    from backend.visits.tables import Visit

    today = clock.today()
    written: dict[str, int] = {}

    async def insert(table, rows: list) -> list:
        out = []
        for chunk in db.chunks(rows, 400):
            out += await table.insert(*chunk).returning(table.id)
        written[table.__name__] = written.get(table.__name__, 0) + len(rows)
        return out

    teacher = (await HomeroomAssignment.select(HomeroomAssignment.teacher).where(
        HomeroomAssignment.school == school).first())["teacher"]
    terms = [t for t in await schools.school_terms(school) if t.begun(today)]
    years = sorted({t.school_year_id for t in terms})
    first_year = min(t.year_be for t in terms)
    # The cumulative record: most students' four sections written last year, some this year, some never.
    pupils = [row["student"] for row in await StudentEnrolment.select(StudentEnrolment.student).where(
        StudentEnrolment.school == school).distinct()]
    entries = []
    for student in pupils:
        chance = rng.random()
        if chance < 0.85:
            term = next(t for t in terms if t.year_be == (first_year if chance < 0.6 else first_year + 1))
            for section in COMPLETE_SECTIONS:
                day = _day_in(rng, term.starts_on, min(term.ends_on, today))
                entries.append(RecordEntry(school=school, student=student, section=section,
                                           data={"notes": "ข้อมูลจากการเยี่ยมบ้าน"}, written_by=teacher,
                                           written_at=_when(day)))
    await insert(RecordEntry, entries)
    for year_id in years:
        members = await StudentEnrolment.select(StudentEnrolment.student, StudentEnrolment.classroom).where(
            (StudentEnrolment.school == school) & (StudentEnrolment.school_year == year_id))
        rooms = sorted({m["classroom"] for m in members})
        year_terms = sorted((t for t in terms if t.school_year_id == year_id), key=lambda t: t.number)
        visits_term = year_terms[0]
        await insert(Visit, [Visit(
            school=school, student=m["student"], teacher=teacher, client_id=f"bench-{year_id}-{m['student']}",
            status="done" if rng.random() < 0.94 else "planned",
            visited_on=_day_in(rng, visits_term.starts_on, min(visits_term.ends_on, today)), answers={},
            created_at=clock.now(), updated_at=clock.now()) for m in members if rng.random() < 0.9])
        for t in year_terms:
            last_day = min(t.ends_on, today)
            # The first student of the year has nothing filed or confirmed (as some do in any school), and the
            # first case of a term is referred, so that both schools' pages ask the same queries.
            forms = [ScreeningForm(school=school, student=m["student"], school_year=year_id, term=t.number,
                                   instrument=name, informant=informant, status="submitted", slot="current",
                                   answers={}, impact={}, source="paper", filled_by=teacher, result={},
                                   version="bench", started_at=_when(t.starts_on), updated_at=_when(t.starts_on),
                                   submitted_at=_when(_day_in(rng, t.starts_on, last_day)))
                     for m in members[1:] for (name, informant), share in FORMS if rng.random() < share]
            await insert(ScreeningForm, forms)
            decided = [(m, rng.choices([g for g, _ in GROUPS], [w for _, w in GROUPS])[0])
                       for m in members[1:] if rng.random() < 0.9]
            await insert(GroupDecision, [GroupDecision(
                school=school, student=m["student"], school_year=year_id, term=t.number, proposed=group, reasons=[],
                group=group, note="", decided_by=teacher, decided_at=_when(_day_in(rng, t.starts_on, last_day)))
                for m, group in decided])
            wanting = [m for m, group in decided if group in ("risk", "problem")]
            with_case = [m for m in wanting if rng.random() < 0.7]
            opened = [_day_in(rng, t.starts_on, last_day) for _ in with_case]
            closed = [t.ends_on < today and rng.random() < 0.5 for _ in with_case]  # half of past terms' closed
            cases = await insert(CareCase, [CareCase(
                school=school, school_year=year_id, student=m["student"], source="screening",
                concern="ผลคัดกรองพบปัญหาด้านอารมณ์และเพื่อน", opened_by=teacher, opened_at=_when(day),
                status="closed" if shut else "open", closed_at=_when(t.ends_on) if shut else None)
                for m, day, shut in zip(with_case, opened, closed, strict=True)])
            planned = [(case["id"], day) for case, day in zip(cases, opened, strict=True) if rng.random() < 0.8]
            activities = await insert(PlanActivity, [PlanActivity(
                care_case=case, kind="counselling", description="พบครูแนะแนวทุกสัปดาห์",
                responsible=people["counsellor"], starts_on=day, follow_up_on=day + timedelta(days=14),
                created_at=_when(day)) for case, day in planned])
            await insert(FollowUp, [FollowUp(
                care_case=case, activity=activity["id"], done="คุยกับนักเรียน", progress="same",
                written_by=people["counsellor"], written_at=_when(_day_in(rng, max(day, last_day - timedelta(
                    days=45)), last_day))) for (case, day), activity in zip(planned, activities, strict=True)
                for _ in range(rng.randrange(0, 3))])
            states = ("sent", "accepted", "in_progress", "reported", "closed")
            referred = [(case["id"], day, rng.choice(states)) for n, (case, day) in enumerate(zip(cases, opened,
                                                                                                 strict=True))
                        if n == 0 or rng.random() < 0.25]
            await insert(Referral, [Referral(
                school=school, care_case=case, to_role="counsellor", reason="ร้องไห้บ่อย ไม่อยากมาโรงเรียน",
                status=state, sent_by=teacher, sent_at=_when(day),
                reported_at=_when(day) + timedelta(days=5) if state in ("reported", "closed") else None)
                for case, day, state in referred])
            await insert(HomeroomActivity, [HomeroomActivity(
                school=school, school_year=year_id, term=t.number, classroom=room,
                held_on=_day_in(rng, t.starts_on, last_day), topic="การจัดการอารมณ์", recorded_by=teacher,
                recorded_at=clock.now()) for room in rooms for _ in range(rng.randrange(3, 8))])
            await insert(ParentMeeting, [ParentMeeting(
                school=school, school_year=year_id, term=t.number, classroom=room, held_on=t.starts_on,
                starts_at="08:00", place="ห้องประชุม", scheduled_by=teacher, scheduled_at=_when(t.starts_on),
                held_at=_when(t.starts_on + timedelta(days=14))) for room in rooms if rng.random() < 0.9])
    return written


async def set_targets(people: dict) -> None:
    from backend.accounts import sessions
    from backend.supervision import figures, services

    director = await sessions.viewer_of(people["director"])
    await services.save_targets(director, await figures.find_term(director), {
        "records": "90", "visits": "100", "screened": "100", "confirmed": "95", "meetings": "100", "cases": "90",
        "plans": "100", "followed": "80", "reported": "80", "incidents_down": "20"})


async def run(args) -> None:
    from backend.accounts import sessions
    from backend.config import Settings
    from backend.students.tables import Student
    from backend.supervision import figures

    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(2570)
    async with fresh_database(args):
        started = time.monotonic()
        big = await seed_school("BENCH", GRADES, args.rooms_per_grade, 2570)
        small = await seed_school("SMALL", ("ม.1",), 1, 2571)
        print(f"seeded a school of {await Student.count().where(Student.school == big['school']):,} students and a "
              f"one-room school in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        for school in (big, small):
            await last_year_classrooms(school["school"])
            written = await seed_care_year(school["school"], school, rng)
            if school is big:
                print("a year of care, both school years: " + ", ".join(f"{n:,} {table}"
                                                                         for table, n in written.items()))
            incidents = await seed_year(school["school"], args.incidents if school is big else 40, rng)
            if school is big:
                print(f"behaviour: {incidents['last']:,} incidents last year, {incidents['this']:,} this year so far")
            await set_targets(school)
        print(f"written in {time.monotonic() - started:.0f} s")
        settings = Settings.from_env()
        director = await sessions.viewer_of(big["director"])
        term = await figures.find_term(director)
        last = await figures.same_term_last_year(director, term)
        tokens = {size: await sessions.start_session(settings, school["director"])
                  for size, school in (("big", big), ("small", small))}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = serve(port, Path(tempfile.mkdtemp(prefix="doolae-bench-director-")) / "server.log")
        try:
            paths = ["/supervision", "/supervision/figures/plans", "/supervision/teachers",
                     f"/supervision?term={last.key}" if last else "/supervision"]
            counts = await queries_of(tokens, paths)
            print(f"\n{'page':<34} {'p50 ms':>7} {'p95 ms':>7} {'gzip':>8} {'SQL big':>8} {'SQL small':>9}")
            for path in paths:
                took, wire = await page_times(f"http://127.0.0.1:{port}", tokens["big"], path, 30)
                p50, p95 = p50_p95(took)
                marks = (["SLOW"] if p95 > PAGE_TARGET_MS else []) + (["HEAVY"] if wire > HTML_LIMIT else []) + (
                    ["GROWS"] if counts[("big", path)] > counts[("small", path)] else [])
                print(f"{path:<34} {p50:>7.0f} {p95:>7.0f} {wire:>8,} {counts[('big', path)]:>8} "
                      f"{counts[('small', path)]:>9}  {' '.join(marks) or 'OK'}")
            print(f"(targets: ≤ {PAGE_TARGET_MS} ms, ≤ {HTML_LIMIT // 1024} KB gzip; SQL counted in-process in the "
                  f"big school and in a one-room school; load average {os.getloadavg()[0]:.1f} on "
                  f"{os.cpu_count()} CPUs: times on a busy machine run long)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench_director")
    parser.add_argument("--rooms-per-grade", type=int, default=13, help="about 40 students a room")
    parser.add_argument("--incidents", type=int, default=20000, help="behaviour incidents a school year")
    args = parser.parse_args()
    use_database(args, "doolae-bench-director-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
