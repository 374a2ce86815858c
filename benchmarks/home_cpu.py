"""Server CPU of one parent home page request, in process, beside the hello-world, and where it goes.

Run from the repository root:

    .venv/bin/python benchmarks/home_cpu.py                      # SQLite, seeded once into /tmp (reused)
    .venv/bin/python benchmarks/home_cpu.py --profile            # + cProfile of the parent's requests
    .venv/bin/python benchmarks/home_cpu.py --database postgres --postgres-url postgres://…/doolae_bench

The school is page_weight_and_speed's (about 3,000 students, a parent with two children). Requests go straight
to the ASGI application (no HTTP server, no test client), so what is measured is the application's own work:
Litestar, middleware, session lookup, queries, the template, gzip. CPU is the process's CPU time (all threads,
so aiosqlite's thread counts) divided by the number of requests; the hello-world app runs the same way.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

from bench_database import database_arguments, fresh_schema, postgres_guard

ROOT = Path(__file__).resolve().parent.parent


def request_scope(path: str, headers: dict[str, str]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }


async def call(app, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request through the ASGI app; the status and the body as sent."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(request_scope(path, headers), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def cpu_per_request(app, path: str, headers: dict[str, str], n: int) -> float:
    for _ in range(50):  # warm up: templates compiled, caches filled, connections open
        status, _body = await call(app, path, headers)
        if status != 200:
            raise SystemExit(f"GET {path} gave {status}")
    cpu = time.process_time()
    for _ in range(n):
        await call(app, path, headers)
    return (time.process_time() - cpu) / n * 1000


async def add_a_years_history(school_id: int) -> dict[str, int]:
    """What a real school holds by late November, which the parent's page reads beside: every student's register on
    every weekday of the school year so far, a weekly family summary for every guardian for twelve weeks, and the
    term's open survey with a code for every guardian. Without them a read that walks the school's rows instead of
    the family's (as three once did on SQLite) costs nothing here."""
    from datetime import timedelta

    from backend import clock
    from backend.schools import services as schools
    from backend.schools.tables import SchoolYear
    from backend.survey.tables import Survey

    today = clock.today()
    year = await schools.school_year_now(school_id, today)
    first = (await SchoolYear.select().where(SchoolYear.id == year.school_year_id).first())["starts_on"]
    moment = clock.now()
    days = [first + timedelta(days=n) for n in range((today - first).days) if (first + timedelta(days=n)).weekday() < 5]
    for n, day in enumerate(days):  # about 5 % late and 2 % absent, different students each day
        await Survey.raw(
            "INSERT INTO attendance_mark (school, student, classroom, day, period, subject, status, marked_at) "
            "SELECT school, id, classroom, {}, 0, '', CASE WHEN (id + {}) % 20 = 0 THEN 'late' "
            "WHEN (id + {}) % 50 = 0 THEN 'absent' ELSE 'present' END, {} FROM student WHERE school = {}",
            day, n, n, moment, school_id)
    monday = today - timedelta(days=today.weekday())
    for week in range(1, 13):
        start = monday - timedelta(days=7 * week)
        child = {"student": 0, "name": "ด.ญ.กนกพร ใจดี", "room": "ม.1/1", "days": 5, "present": 4, "absent": 0,
                 "leave": 1, "late": 1, "cut": 0, "incidents": [], "notices": [],
                 "good_deeds": [{"words": "ช่วยครูจัดห้องสมุด", "day": (start + timedelta(days=2)).isoformat()}]}
        await Survey.raw(
            "INSERT INTO family_summary (school, guardian, week_start, skipped, content, built_at) "
            "SELECT school, id, {}, false, {}, {} FROM guardian WHERE school = {}",
            start, json.dumps({"children": [child], "meetings": []}, ensure_ascii=False), moment, school_id)
    survey = await Survey.insert(Survey(school=school_id, school_year=year.school_year_id, term=year.term_number or 1,
                                        questions="ครูประจำชั้นดูแลบุตรหลานของท่านอย่างใส่ใจ", free_question="",
                                        closes_on=today + timedelta(days=14), opened_at=moment)).returning(Survey.id)
    await Survey.raw("INSERT INTO survey_code (survey, guardian, classroom, digest, used) "
                     "SELECT {}, id, NULL, 'bench-' || id, false FROM guardian WHERE school = {}",
                     survey[0]["id"], school_id)
    counts = {}
    for table in ("attendance_mark", "family_summary", "survey_code"):
        counts[table] = (await Survey.raw(f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"]
    return counts


async def run(args, database_url: str) -> None:
    import page_weight_and_speed as pws

    from backend import db
    from backend.accounts.middleware import SESSION_COOKIE
    from backend.app import create_app
    from benchmarks.hello_app import create_app as create_hello

    engine = db.engine()
    await db.start(engine)
    try:
        state = Path(args.state)
        if args.database == "postgres" or not state.exists() or not Path(args.sqlite_file).exists():
            await fresh_schema(args.database == "postgres")
            seeded = await pws.seed(args)
            history = await add_a_years_history(seeded.school_id)
            state.write_text(json.dumps({"token": seeded.token, "students": seeded.students, "history": history}))
        saved = json.loads(state.read_text())
        app, hello = create_app(), create_hello()
        # With a CSRF cookie, as a browser sends back, so the middleware does not mint a token on every request.
        parent = {"accept": "text/html", "accept-encoding": "gzip",
                  "cookie": f"{SESSION_COOKIE}={saved['token']}; csrftoken={args.csrf}"}
        plain = {"accept": "text/html", "accept-encoding": "gzip"}
        held = ", ".join(f"{n:,} {table}" for table, n in saved.get("history", {}).items())
        print(f"{args.database}, {saved['students']:,} students ({held}); {args.requests} requests each, in process")
        rows = []
        for label, target, path, headers in [
            ("hello-world /", hello, "/", plain),
            ("parent /", app, "/", parent),
            ("parent / (hx-boost)", app, "/", {**parent, "hx-request": "true", "hx-boosted": "true"}),
            ("sign-in page (no session)", app, "/signin", plain),
        ]:
            rows.append((label, await cpu_per_request(target, path, headers, args.requests)))
        for label, ms in rows:
            print(f"  {label:<28} {ms:6.3f} ms CPU/request")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                await call(app, "/", parent)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs()
            print(f"\ncProfile of {args.requests} parent requests, by own time:")
            stats.sort_stats("tottime").print_stats(args.top)
            print("by cumulative time:")
            stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        await db.stop(engine)


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-file", default="/tmp/doolae-home-cpu-year.sqlite", help="seeded once, then reused")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rooms-per-grade", type=int, default=12)
    parser.add_argument("--sibling-pairs", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2569)
    args = parser.parse_args()
    args.csrf = "bench"
    args.state = args.sqlite_file + (".json" if args.database == "sqlite" else ".postgres.json")
    database_url = args.postgres_url if args.database == "postgres" else f"sqlite:///{args.sqlite_file}"
    if args.database == "postgres":
        postgres_guard(database_url, args.force, create=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-for-doolae-benchmarks-0123456789")
    sys.path.insert(0, str(ROOT))
    import uvloop

    uvloop.run(run(args, database_url))  # the event loop `doolae serve` runs on (uvicorn picks uvloop)


if __name__ == "__main__":
    main()
