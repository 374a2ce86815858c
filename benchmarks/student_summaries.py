"""The students' care summaries as PDF: a class of 45 and a whole school of about 3,400 students, with this term's
screening and a year of cases.

Run from the repository root (a few minutes):

    .venv/bin/python benchmarks/student_summaries.py                      # SQLite in a temp folder
    .venv/bin/python benchmarks/student_summaries.py --database postgres  # DROPS schema public of --postgres-url

Steps:
1. A fresh database: the care benchmark's school (ม.1–ม.6, 14 rooms each) with its year of cases, plans,
   follow-ups, notes and referrals, and a teacher's SDQ filed for every student this term. The first homeroom gets
   students until it has 45.
2. As its homeroom teacher, the first class's PDF (one A4 page per student), three times: seconds, pages, size and
   SQL queries (the same for 2 students as for 45: counted in a one-room school too).
3. As the director, the whole school's summaries in one PDF: gathering and drawing timed apart (target: well under
   20 s), pages, size, queries.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import date

from bench_database import counting_queries, database_arguments, fresh_database, use_database
from care import seed_school, seed_year_of_cases

CLASS_SIZE = 45
SCHOOL_TARGET_S = 20


async def file_teacher_sdq_for_everyone(school: int, teacher_id: int, classroom: int) -> int:
    """One teacher's SDQ filed through the service for a student of the first room, and a copy of it for every other
    student: the summaries read the same rows however they were filed."""
    from backend import db
    from backend.accounts import sessions
    from backend.screening import filling
    from backend.screening.tables import ScreeningForm
    from backend.students.tables import Student

    first = await Student.select(Student.id).where(Student.classroom == classroom).first()
    await filling.enter_paper(await sessions.viewer_of(teacher_id), first["id"], "sdq", "teacher",
                              {"typed": "1,2,0,1,2 1,0,2,1,2 0,1,2,2,1 1,0,1,2,2 1,1,0,2,1"})
    model = await ScreeningForm.select().where(
        (ScreeningForm.school == school) & (ScreeningForm.slot == "current") & (ScreeningForm.instrument == "sdq")
    ).output(load_json=True).first()
    assert model is not None, "the demo school files some forms"
    have = {row["student"] for row in await ScreeningForm.select(ScreeningForm.student).where(
        (ScreeningForm.school == school) & (ScreeningForm.slot == "current") & (ScreeningForm.instrument == "sdq")
        & (ScreeningForm.informant == model["informant"]))}
    students = [row["id"] for row in await Student.select(Student.id).where(Student.school == school)]
    rows = [ScreeningForm(**{**{k: v for k, v in model.items() if k != "id"}, "student": student})
            for student in students if student not in have]
    for chunk in db.chunks(rows, 500):
        await ScreeningForm.insert(*chunk)
    return len(rows)


async def fill_class(school: int, classroom: int, size: int) -> int:
    """Students added to the classroom until it has `size`."""
    from backend import clock
    from backend.schools import services as schools
    from backend.students import enrolment
    from backend.students.tables import Student, StudentEnrolment

    have = (await enrolment.class_sizes(school, clock.today())).get(classroom, 0)
    year = (await schools.school_year_now(school, clock.today())).school_year_id
    new = await Student.insert(*[
        Student(school=school, code=f"9{n:05d}", title="เด็กหญิง", first_name=f"กิ่งแก้ว{n}", last_name="น้ำใจดี",
                classroom=classroom, number_in_class=have + n + 1, updated_at=clock.now())
        for n in range(size - have)]).returning(Student.id) if size > have else []
    if new:
        await StudentEnrolment.insert(*[
            StudentEnrolment(school=school, student=row["id"], school_year=year, classroom=classroom,
                             number_in_class=have + n + 1, starts_on=date(2000, 1, 1), changed_at=clock.now())
            for n, row in enumerate(new)])
    return have + len(new)


async def class_pdf(engine, viewer, classroom: int, keep: str = "") -> tuple[float, int, int, int]:
    """One class's PDF as its page makes it: seconds, pages, bytes, SQL queries (kept in a file if asked)."""
    from backend import i18n
    from backend.records import summary

    i18n.current_locale.set("th")
    with counting_queries(engine) as counter:
        started = time.perf_counter()
        _room, found = await summary.classroom_summaries(viewer, classroom)
        data = summary.to_pdf(found)
        took = time.perf_counter() - started
    if keep:
        with open(keep, "wb") as file:
            file.write(data)
    return took, data.count(b"/Type /Page "), len(data), counter["queries"]


async def run(args) -> None:
    from backend import i18n
    from backend.accounts import sessions
    from backend.records import summary
    from backend.students.tables import Student

    rng = random.Random(2570)
    async with fresh_database(args) as engine:
        started = time.monotonic()
        big = await seed_school("BENCH", ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"), args.rooms_per_grade, 2570)
        small = await seed_school("SMALL", ("ม.1",), 1, 2571)
        written = await seed_year_of_cases(big, args.cases, args.referrals, rng)
        await seed_year_of_cases(small, 4, 2, rng)
        forms = await file_teacher_sdq_for_everyone(big["school"], big["teacher"], big["first_room"])
        size = await fill_class(big["school"], big["first_room"], CLASS_SIZE)
        print(f"seeded a school of {await Student.count().where(Student.school == big['school']):,} students "
              f"({written['cases']} cases, {written['referrals']} referrals, {forms:,} SDQ forms copied) and a "
              f"one-room school in {time.monotonic() - started:.0f} s")

        teacher, small_teacher = (await sessions.viewer_of(big["teacher"]),
                                  await sessions.viewer_of(small["teacher"]))
        await class_pdf(engine, teacher, big["first_room"])  # warm: fonts loaded, school year cached
        runs = [await class_pdf(engine, teacher, big["first_room"], args.keep) for _ in range(3)]
        small_queries = (await class_pdf(engine, small_teacher, small["first_room"]))[3]
        took, pages, size_bytes, queries = runs[-1]
        print(f"\nclass of {size} (its homeroom teacher): {statistics.median(r[0] for r in runs) * 1000:.0f} ms "
              f"(median of 3), {pages} pages, {size_bytes / 1024:.0f} KB, {queries} SQL queries "
              f"({small_queries} in a one-room school){'' if queries == small_queries else '  GROWS'}")

        director = await sessions.viewer_of(big["director"])
        i18n.current_locale.set("th")
        with counting_queries(engine) as counter:
            started = time.perf_counter()
            found = await summary.school_summaries(director)
            gathered = time.perf_counter() - started
            data = summary.to_pdf(found)
            total = time.perf_counter() - started
        pages = data.count(b"/Type /Page ")
        print(f"whole school (the director): {len(found):,} students, {pages:,} pages, "
              f"{len(data) / 1024 / 1024:.1f} MB in {total:.1f} s (gathering {gathered:.1f} s, drawing "
              f"{total - gathered:.1f} s; {total / max(len(found), 1) * 1000:.1f} ms a student), "
              f"{counter['queries']} SQL queries  {'OK' if total < SCHOOL_TARGET_S else 'SLOW'} "
              f"(target < {SCHOOL_TARGET_S} s)")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench")
    parser.add_argument("--cases", type=int, default=300, help="cases opened in the year")
    parser.add_argument("--referrals", type=int, default=100, help="referrals inside the school")
    parser.add_argument("--rooms-per-grade", type=int, default=14, help="about 40 students a room")
    parser.add_argument("--keep", default="", help="write the class's PDF to this file, to look at")
    args = parser.parse_args()
    use_database(args, "doolae-bench-summaries-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
