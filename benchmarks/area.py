"""The area view (/area and one school's /area/schools/{id}) of an area supervisor over ten schools: one of about
3,000 students with a year of data, nine smaller ones. Its server time, its HTML as sent and its SQL queries, beside a
supervisor of one school (the same number of queries is the point).

Run from the repository root (several minutes):

    .venv/bin/python benchmarks/area.py                        # SQLite in a temp folder
    .venv/bin/python benchmarks/area.py --database postgres     # DROPS schema public of --postgres-url

Steps:
1. A fresh database: the director benchmark's big school (ม.1–ม.6, 13 rooms each, six weeks of registers) and nine
   smaller schools (ม.1–ม.3, one to four rooms a grade), each with last school year's classrooms and a year of the
   care system in both school years (benchmarks/director.py's seeding) and its behaviour records.
2. Two area supervisors made as the operator makes them: one over the ten schools, one over the big school alone.
3. The app served as in production. Warm, 30 times each: /area and the big school's /area/schools/{id}: p50/p95
   (target ≤ 300 ms), HTML as sent (gzip, target ≤ 14 KB), and SQL queries counted in-process for the supervisor of
   ten schools and of one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import tempfile
import time
from pathlib import Path

from bench_database import database_arguments, fresh_database, use_database
from behaviour import HTML_LIMIT, p50_p95, page_times, queries_of, seed_year, serve
from director import GRADES, PAGE_TARGET_MS, last_year_classrooms, seed_care_year, seed_school

SMALL_ROOMS = (1, 1, 2, 2, 2, 3, 3, 4, 4)  # rooms a grade of the nine smaller schools (ม.1–ม.3)


async def run(args) -> None:
    from backend.accounts import services as accounts
    from backend.accounts import sessions
    from backend.config import Settings
    from backend.students.tables import Student

    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(2572)
    async with fresh_database(args):
        started = time.monotonic()
        big = await seed_school("BIG", GRADES, args.rooms_per_grade, 2570)
        smaller = [await seed_school(f"S{n}", GRADES[:3], rooms, 2580 + n) for n, rooms in enumerate(SMALL_ROOMS)]
        for school in (big, *smaller):
            await last_year_classrooms(school["school"])
            await seed_care_year(school["school"], school, rng)
            await seed_year(school["school"], args.incidents if school is big else args.incidents // 10, rng)
        sizes = [await Student.count().where(Student.school == s["school"]) for s in (big, *smaller)]
        print(f"seeded ten schools of {', '.join(f'{n:,}' for n in sizes)} students, each with a year of care, "
              f"in {time.monotonic() - started:.0f} s")
        codes = ["BIG", *(f"S{n}" for n in range(len(SMALL_ROOMS)))]
        ten = await accounts.create_area_supervisor("area-ten", "ศน.สิบโรงเรียน", "x" * 12, codes)
        one = await accounts.create_area_supervisor("area-one", "ศน.หนึ่งโรงเรียน", "x" * 12, ["BIG"])
        settings = Settings.from_env()
        tokens = {"ten": await sessions.start_session(settings, ten),
                  "one": await sessions.start_session(settings, one)}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = serve(port, Path(tempfile.mkdtemp(prefix="doolae-bench-area-")) / "server.log")
        try:
            paths = ["/area", f"/area/schools/{big['school']}"]
            counts = await queries_of(tokens, paths)
            print(f"\n{'page':<26} {'p50 ms':>7} {'p95 ms':>7} {'gzip':>8} {'SQL 10 schools':>15} {'SQL 1 school':>13}")
            for path in paths:
                took, wire = await page_times(f"http://127.0.0.1:{port}", tokens["ten"], path, 30)
                p50, p95 = p50_p95(took)
                marks = (["SLOW"] if p95 > PAGE_TARGET_MS else []) + (["HEAVY"] if wire > HTML_LIMIT else []) + (
                    ["GROWS"] if counts[("ten", path)] > counts[("one", path)] else [])
                print(f"{path:<26} {p50:>7.0f} {p95:>7.0f} {wire:>8,} {counts[('ten', path)]:>15} "
                      f"{counts[('one', path)]:>13}  {' '.join(marks) or 'OK'}")
            print(f"(targets: ≤ {PAGE_TARGET_MS} ms, ≤ {HTML_LIMIT // 1024} KB gzip; SQL counted in-process for the "
                  f"supervisor of ten schools and of the big one alone; load average {os.getloadavg()[0]:.1f} on "
                  f"{os.cpu_count()} CPUs: times on a busy machine run long)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench_area")
    parser.add_argument("--rooms-per-grade", type=int, default=13, help="the big school's; about 40 students a room")
    parser.add_argument("--incidents", type=int, default=20000, help="the big school's behaviour incidents a year")
    args = parser.parse_args()
    use_database(args, "doolae-bench-area-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
