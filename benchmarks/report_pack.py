"""The whole school's term report pack (/supervision/report, `doolae report`) at a 3,000-student school with a year
of data: the time to count it, draw its PDF and write its workbook, their sizes, the PDF's pages and the SQL queries,
beside a one-room school.

Run from the repository root (a few minutes):

    .venv/bin/python benchmarks/report_pack.py                        # SQLite in a temp folder
    .venv/bin/python benchmarks/report_pack.py --database postgres     # DROPS schema public of --postgres-url

The school is benchmarks/director.py's (ม.1–ม.6, 13 rooms each, last school year's classrooms, both years' records,
visits, screening, cases, referrals, promotion, --incidents behaviour records a year and this term's targets), plus
the parents' survey of this term. Each pack is made in-process as the director (the same functions the download
buttons call), three times: the first cold (nothing shaped yet in this process), then warm. Target: ≤ 20 s.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import time

from bench_database import database_arguments, fresh_database, use_database
from behaviour import seed_year
from director import GRADES, last_year_classrooms, seed_care_year, seed_school, set_targets

TARGET_S = 20


def _count_queries() -> dict:
    from backend import db

    counter = {"n": 0}
    engine_class = type(db.engine())
    original = engine_class.run_querystring

    async def counted(self, querystring, in_pool=False):
        counter["n"] += 1
        return await original(self, querystring, in_pool)

    engine_class.run_querystring = counted
    return counter


async def open_survey(director) -> None:
    from backend.config import Settings
    from backend.notify.queue import JobQueue
    from backend.survey import services as survey

    # No Redis: the codes' messages stay in the outbox, nothing is sent in a benchmark.
    await survey.open_survey(director, Settings.from_env(), JobQueue(None), {
        "questions": "\n".join(survey.DEFAULT_QUESTIONS), "free_question": survey.DEFAULT_FREE_QUESTION})


async def make_pack(director) -> dict:
    from backend.supervision import figures, report

    counter = _count_queries.counter
    figures.forget()
    counter["n"] = 0
    started = time.monotonic()
    found = await report.build(director, "")
    built = time.monotonic()
    queries = counter["n"]
    pdf = await report.pdf(found)
    drawn = time.monotonic()
    xlsx = await report.xlsx(found)
    written = time.monotonic()
    return {"count": built - started, "pdf": drawn - built, "xlsx": written - drawn, "total": written - started,
            "queries": queries, "pdf_bytes": len(pdf), "xlsx_bytes": len(xlsx), "pdf_data": pdf,
            "classrooms": sum(1 for s in found.sections if s.footer)}


async def run(args) -> None:
    import pypdf

    from backend.accounts import sessions
    from backend.students.tables import Student

    rng = random.Random(2570)
    async with fresh_database(args):
        started = time.monotonic()
        big = await seed_school("BENCH", GRADES, args.rooms_per_grade, 2570)
        small = await seed_school("SMALL", ("ม.1",), 1, 2571)
        students = await Student.count().where(Student.school == big["school"])
        for school in (big, small):
            await last_year_classrooms(school["school"])
            await seed_care_year(school["school"], school, rng)
            await seed_year(school["school"], args.incidents if school is big else 40, rng)
            await set_targets(school)
            await open_survey(await sessions.viewer_of(school["director"]))
        print(f"seeded a school of {students:,} students with a year of data (and a one-room school) in "
              f"{time.monotonic() - started:.0f} s")
        _count_queries.counter = _count_queries()
        print(f"\n{'school':<8} {'run':<5} {'count s':>8} {'PDF s':>7} {'XLSX s':>7} {'total s':>8} {'PDF KB':>8} "
              f"{'pages':>6} {'XLSX KB':>8} {'SQL':>5}")
        for name, school in (("big", big), ("small", small)):
            director = await sessions.viewer_of(school["director"])
            for run_number in range(3 if name == "big" else 1):
                found = await make_pack(director)
                pages = len(pypdf.PdfReader(io.BytesIO(found["pdf_data"])).pages)
                mark = "OK" if found["total"] <= TARGET_S else "SLOW"
                print(f"{name:<8} {'cold' if run_number == 0 else 'warm':<5} {found['count']:>8.2f} "
                      f"{found['pdf']:>7.2f} {found['xlsx']:>7.2f} {found['total']:>8.2f} "
                      f"{found['pdf_bytes'] / 1024:>8.0f} {pages:>6} {found['xlsx_bytes'] / 1024:>8.0f} "
                      f"{found['queries']:>5}  {mark} ({found['classrooms']} classroom pages)")
        print(f"(target: the whole pack ≤ {TARGET_S} s; SQL counted in-process, the same in both schools is the "
              f"point; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: times on a busy machine run "
              f"long)")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench_report")
    parser.add_argument("--rooms-per-grade", type=int, default=13, help="about 40 students a room")
    parser.add_argument("--incidents", type=int, default=20000, help="behaviour incidents a school year")
    args = parser.parse_args()
    use_database(args, "doolae-bench-report-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
