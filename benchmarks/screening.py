"""Screening at the size of a big school: scoring and grouping 3,000 students, and a classroom's summary page.

Run from the repository root (two to three minutes; filing 12,500 forms one by one is most of it):

    .venv/bin/python benchmarks/screening.py                       # SQLite in a temp folder
    .venv/bin/python benchmarks/screening.py --database postgres   # see the WARNING below

WARNING: --database postgres DROPS AND RECREATES SCHEMA public of the database at --postgres-url (default
postgres://postgres@127.0.0.1:5432/doolae_bench_screening, created when missing): everything in it is lost.
It refuses while other sessions are connected to that database (a test run, say) unless --force. Do not point
it at `test`, which the test suite uses.

Steps:
1. A fresh database (piccolo migrations) and a school built by backend.demo.create_demo_school: ม.1–ม.6,
   13 rooms a grade, 35–45 students a room (about 3,100), a homeroom teacher per room and an executive.
2. Answers for every student, made up with a fixed seed (most students untroubled, some not, a few blanks as
   on paper): the SDQ by the student, the homeroom teacher and a parent, and the EQ: four forms a student.
3. Pure scoring: every form through backend.screening.scoring (score_sdq / score_eq and the JSON that is
   filed), in process, no database; the best of three runs.
4. Filing: every form through the service for forms on paper, screening.filling.enter_paper, as the
   student's homeroom teacher, one after another (what typing them in does, spread over weeks in real life):
   total and per form. Checks that every filed result equals the pure scoring's.
5. Grouping: services.proposals() for every student (the school's criteria, all four forms, checklists, GPA,
   home visits, absences), and the executive's services.school_overview(); median of three runs.
   Target: pure scoring + proposals for the whole school ≤ 5 s.
6. Pages through the real app in process (httpx ASGI transport: no network, so this is server time), median
   of --requests requests: a ~40-student room's summary /screening/classrooms/{id} as its homeroom teacher
   (gzip bytes as a browser gets them, first load and hx-boost navigation; target ≤ 14 KB, the project's page
   target of one TCP initial window), its XLSX download, and the executive's /screening/school.
7. Sign-in slips for that whole class (one argon2 hash each), as the sign-ins page makes them in one request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_database import database_arguments, fresh_schema, postgres_guard

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/doolae_bench_screening"
GRADES = ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6")
FORMS = (("sdq", "student"), ("sdq", "teacher"), ("sdq", "parent"), ("eq", "student"))
GROUPING_TARGET = 5.0  # seconds: scoring + grouping the whole school
HTML_TARGET = 14 * 1024  # gzip bytes: one TCP initial window (as in benchmarks/page_weight_and_speed.py)
PAGE_TIME_TARGET = 0.2  # seconds of server time for a classroom's summary page (this benchmark's own target)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def timed(make, times: int = 3) -> tuple[float, list[float], object]:
    """Median seconds of `times` awaited runs, every run's seconds, and the last result."""
    runs, result = [], None
    for _ in range(times):
        moment = time.perf_counter()
        result = await make()
        runs.append(time.perf_counter() - moment)
    return statistics.median(runs), runs, result


def runs_text(runs: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in runs)


# 1. Database and school ----------------------------------------------------------------------------------


async def seed(args, figures: dict) -> dict:
    from backend.accounts import sessions
    from backend.accounts.tables import HomeroomAssignment, Role, User
    from backend.demo import create_demo_school
    from backend.screening import services
    from backend.students.tables import Student

    moment = time.perf_counter()
    await create_demo_school(code="BENCH", grades=GRADES, rooms_per_grade=args.rooms_per_grade,
                             seed=args.seed)
    figures["seeding"] = time.perf_counter() - moment
    school_id = (await Student.select(Student.school).first())["school"]
    students = await Student.select(Student.id, Student.classroom).where(
        Student.school == school_id).order_by(Student.id)
    homerooms = {r["classroom"]: r["teacher"] for r in await HomeroomAssignment.select(
        HomeroomAssignment.classroom, HomeroomAssignment.teacher)}
    director = (await User.select(User.id).where(User.role == Role.executive.value).first())["id"]
    executive = await sessions.viewer_of(director)
    year_id, term = await services.current_term(executive)
    figures["students"], figures["classrooms"] = len(students), len(homerooms)
    print(f"\n1. Seeded {len(students):,} students in {len(homerooms)} classrooms, with their homeroom "
          f"teachers and guardians, in {figures['seeding']:.1f} s (school year id {year_id}, term {term})")
    return {"school_id": school_id, "students": students, "homerooms": homerooms, "director": director,
            "executive": executive, "year_id": year_id, "term": term,
            "teachers": {room: await sessions.viewer_of(user) for room, user in homerooms.items()}}


# 2. Answers ------------------------------------------------------------------------------------------------


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def make_answers(rng: random.Random, instrument, informant: str, trouble: float) -> tuple[list, dict]:
    """One form's raw ticks (None = blank) and, for the SDQ, its back page. A few SDQ items are left blank,
    as on paper (scales are pro-rated); the EQ has none: an EQ with a blank is not scored (max_missing 0)."""
    if instrument.name == "eq":
        ticks = []
        for number in range(1, len(instrument.items) + 1):
            good = 1 + _binomial(rng, 3, max(0.05, 0.75 - trouble))  # 1 not true … 4 very true (a good trait)
            ticks.append(5 - good if number in instrument.reversed_items else good)
        return ticks, {}
    prosocial = set(instrument.scales["prosocial"].items)
    ticks = []
    for number in range(1, len(instrument.items) + 1):
        if rng.random() < 0.01:
            ticks.append(None)
        elif number in prosocial:
            ticks.append(_binomial(rng, 2, max(0.05, 0.8 - trouble / 2)))
        elif number in instrument.reversed_items:
            ticks.append(2 - _binomial(rng, 2, trouble))
        else:
            ticks.append(_binomial(rng, 2, trouble))
    for scale in instrument.scales.values():  # a form too blank to score is sent back, not filed: fill it in
        missing = [n for n in scale.items if ticks[n - 1] is None]
        for number in missing[instrument.max_missing:]:
            ticks[number - 1] = 1
    impact = {"difficulty": 0 if trouble < 0.3 else rng.randint(1, 3)}
    if impact["difficulty"]:
        for question in instrument.impact.informants[informant]:
            impact[question] = _binomial(rng, 3, trouble)
    return ticks, impact


def as_form(ticks: list, impact: dict) -> dict[str, str]:
    """What the paper-entry form posts: q1…qN (blank ones absent) and the back page's answers."""
    raw = {f"q{n}": str(tick) for n, tick in enumerate(ticks, start=1) if tick is not None}
    raw.update({name: str(value) for name, value in impact.items()})
    return raw


def make_work(args, school: dict) -> list[tuple]:
    from backend.screening import services

    rng = random.Random(args.seed)
    work = []  # (student, classroom, instrument, informant, ticks, impact)
    for student in school["students"]:
        trouble = min(0.95, rng.betavariate(1.3, 5))  # mean ≈ 0.2, with a long tail of troubled students
        for name, informant in FORMS:
            seen = min(0.95, max(0.0, trouble + rng.uniform(-0.1, 0.1)))  # informants disagree a little
            ticks, impact = make_answers(rng, services.base_instrument(name), informant, seen)
            work.append((student["id"], student["classroom"], name, informant, ticks, impact))
    print(f"\n2. Answers made up for {len(work):,} forms ({len(FORMS)} a student: "
          f"{', '.join(f'{n.upper()} {i}' for n, i in FORMS)})")
    return work


# 3–4. Scoring and filing --------------------------------------------------------------------------------


def score_all(work: list[tuple]) -> list[dict]:
    from backend.screening import services
    from backend.screening.scoring import EQ_AGE_BAND, score_eq, score_sdq

    sdq, eq = services.base_instrument("sdq"), services.base_instrument("eq")
    out = []
    for _, _, name, informant, ticks, impact in work:
        if name == "sdq":
            back_page = impact if impact.get("difficulty") is not None else None
            result = score_sdq(sdq, informant, ticks, back_page)
        else:
            result = score_eq(eq, ticks, EQ_AGE_BAND)
        out.append(result.to_json())
    return out


async def score_and_file(school: dict, work: list[tuple], figures: dict) -> None:
    from backend.screening import filling
    from backend.screening.tables import ScreeningForm

    runs = []
    for _ in range(3):
        moment = time.perf_counter()
        scored = score_all(work)
        runs.append(time.perf_counter() - moment)
    figures["scoring"] = min(runs)
    print(f"\n3. Pure scoring of {len(work):,} forms (scoring.score_sdq / score_eq + to_json, in process): "
          f"{figures['scoring']:.3f} s, {figures['scoring'] / len(work) * 1e6:.0f} µs a form (best of 3)")

    timings = []
    started = time.perf_counter()
    for student, classroom, name, informant, ticks, impact in work:
        moment = time.perf_counter()
        await filling.enter_paper(school["teachers"][classroom], student, name, informant,
                                   as_form(ticks, impact))
        timings.append(time.perf_counter() - moment)
    figures["filing"] = time.perf_counter() - started
    figures["filing_per_form"] = statistics.mean(timings)
    timings.sort()
    filed = await ScreeningForm.select(
        ScreeningForm.student, ScreeningForm.instrument, ScreeningForm.informant, ScreeningForm.result,
    ).where(ScreeningForm.slot == "current").output(load_json=True)
    by_key = {(f["student"], f["instrument"], f["informant"]): f["result"] for f in filed}
    matching = 0
    for (student, _, name, informant, _, _), expected in zip(work, scored, strict=True):
        got = dict(by_key.get((student, name, informant)) or {})
        got.pop("prorated", None)  # which scales were estimated: the service adds it for the teacher's page
        matching += got == expected
    figures["filed_match"], figures["forms"] = matching, len(work)
    print(f"\n4. Filing {len(work):,} forms through screening.filling.enter_paper, one after another, as "
          f"each student's homeroom teacher: {figures['filing']:.1f} s; per form mean "
          f"{ms(figures['filing_per_form'])}, median {ms(timings[len(timings) // 2])}, "
          f"p95 {ms(timings[int(len(timings) * 0.95)])}, max {ms(timings[-1])}")
    print(f"   {len(filed):,} current forms filed; {matching:,} of {len(work):,} results equal the pure "
          f"scoring's" + ("" if matching == len(work) else "  MISMATCH!"))


# 5. Grouping -----------------------------------------------------------------------------------------------


async def group(school: dict, figures: dict) -> None:
    from backend.screening import services

    ids = [s["id"] for s in school["students"]]
    year_id, term = school["year_id"], school["term"]
    figures["proposals"], proposal_runs, proposals = await timed(
        lambda: services.proposals(school["school_id"], ids, year_id, term))
    figures["overview"], overview_runs, overview = await timed(
        lambda: services.school_overview(school["executive"]))
    figures["current_forms"], _, _ = await timed(lambda: services.current_forms(ids, year_id, term))
    groups: dict[str, int] = {}
    for proposal in proposals.values():
        groups[proposal.group.value] = groups.get(proposal.group.value, 0) + 1
    print(f"\n5. Grouping {len(ids):,} students: services.proposals() median {figures['proposals']:.2f} s "
          f"(runs {runs_text(proposal_runs)}); the executive's services.school_overview() median "
          f"{figures['overview']:.2f} s (runs {runs_text(overview_runs)})")
    print(f"   proposed groups: {', '.join(f'{g} {n:,}' for g, n in sorted(groups.items()))}; the overview "
          f"counts {overview['students']:,} students, {len(overview['missing']):,} not fully screened")
    print(f"   services.current_forms() for every student alone (reading the filed forms' JSON): median "
          f"{figures['current_forms']:.2f} s; proposals() and school_overview() read them once each")


# 6. Pages --------------------------------------------------------------------------------------------------


async def pages(args, school: dict, figures: dict) -> int:
    import httpx

    from backend.accounts import sessions
    from backend.accounts.middleware import SESSION_COOKIE
    from backend.app import create_app
    from backend.config import Settings

    counts: dict[int, int] = {}
    for student in school["students"]:
        counts[student["classroom"]] = counts.get(student["classroom"], 0) + 1
    room = min(counts, key=lambda c: (abs(counts[c] - 40), c))
    settings = Settings.from_env()
    teacher_token = await sessions.start_session(settings, school["homerooms"][room])
    director_token = await sessions.start_session(settings, school["director"])
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's logging config shows httpx's INFO lines
    browser = {"Accept": "text/html,application/xhtml+xml", "Accept-Encoding": "gzip, deflate, br",
               "User-Agent": "Mozilla/5.0 (Linux; Android 14) doolae-bench"}
    boosted = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate, br", "HX-Request": "true",
               "HX-Boosted": "true"}

    async def measure(client, path: str, headers: dict, label: str) -> dict:
        for _ in range(3):  # warm up: templates compiled, connections open
            response = await client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{label}: GET {path} gave {response.status_code}: {response.text[:300]}")
        runs = []
        for _ in range(args.requests):
            moment = time.perf_counter()
            response = await client.get(path, headers=headers)
            runs.append(time.perf_counter() - moment)
        status_line = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
        header_bytes = len(status_line) + 2 + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
        return {"label": label, "median": statistics.median(runs), "min": min(runs), "max": max(runs),
                "wire": response.num_bytes_downloaded, "headers": header_bytes,
                "decoded": len(response.content), "encoding": response.headers.get("content-encoding", "-"),
                "content": response.content}

    found = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(SESSION_COOKIE, teacher_token)
        path = f"/screening/classrooms/{room}"
        found.append(await measure(client, path, browser, f"classroom summary ({counts[room]} students)"))
        found.append(await measure(client, path, boosted, "  the same, hx-boost navigation"))
        found.append(await measure(client, f"{path}?format=xlsx", {"Accept-Encoding": "gzip, deflate, br"},
                                   "  its XLSX download"))
        client.cookies.set(SESSION_COOKIE, director_token)
        found.append(await measure(client, "/screening/school", browser,
                                   f"executive's school overview ({figures['students']:,})"))
    figures["pages"] = found
    linked = found[0]["content"].decode().count('href="/screening/students/')
    print(f"\n6. Pages through the app in process (httpx ASGI transport, no network), median of "
          f"{args.requests} after warm-up; bytes as sent (gzip when the server compressed)")
    print(f"  {'page':<44} {'median':>9} {'min':>9} {'max':>9} {'enc':>5} {'body':>9} {'+headers':>9}"
          f" {'decoded':>9}")
    for p in found:
        print(f"  {p['label']:<44} {ms(p['median']):>9} {ms(p['min']):>9} {ms(p['max']):>9}"
              f" {p['encoding']:>5} {p['wire']:>9,} {p['wire'] + p['headers']:>9,} {p['decoded']:>9,}")
    print(f"  (the classroom page links {linked} students)")
    return room


# 7. Sign-in slips ------------------------------------------------------------------------------------------


async def slips(school: dict, room: int, figures: dict) -> None:
    from backend.accounts import services as accounts
    from backend.accounts import passwords

    members = [s["id"] for s in school["students"] if s["classroom"] == room]
    moment = time.perf_counter()
    for student in members:
        await accounts.issue_student_password(school["teachers"][room], student)
    figures["slips"], figures["slips_count"] = time.perf_counter() - moment, len(members)
    hashes = []
    for _ in range(5):
        moment = time.perf_counter()
        passwords.hash_password("a-temporary-password")
        hashes.append(time.perf_counter() - moment)
    print(f"\n7. Sign-in slips for the {len(members)} students of that class "
          f"(accounts.issue_student_password, as POST /screening/classrooms/{{id}}/sign-ins does in one "
          f"request; argon2 runs in a thread, so other requests are served meanwhile): "
          f"{figures['slips']:.1f} s, {ms(figures['slips'] / len(members))} a slip; "
          f"passwords.hash_password() alone: median {ms(statistics.median(hashes))}")


# 8. Re-scoring after new cut-offs ----------------------------------------------------------------------------


async def rescore(school: dict, figures: dict) -> None:
    from backend.accounts import sessions
    from backend.accounts.tables import Role, User
    from backend.screening import school_settings, services
    from backend.screening.tables import ScreeningForm

    admin = await sessions.viewer_of((await User.select(User.id).where(User.role == Role.admin.value).first())["id"])
    form = {f"cut.{informant}.{scale}.{band}": str(low)
            for informant, scales in school_settings.cutoff_starts(services.base_instrument("sdq")).items()
            for scale, starts in scales.items() for band, low in starts.items()
            if band not in ("normal", "no_strength")}
    await school_settings.save_cutoffs(admin, {**form, "cut.parent.total.risk": "12", "cut.parent.total.problem": "15"})
    moment = time.perf_counter()
    stale = await school_settings.forms_to_rescore(admin)
    counted = time.perf_counter() - moment
    moment = time.perf_counter()
    done, same = await school_settings.rescore_term(admin)
    figures["rescore"], figures["rescored"] = time.perf_counter() - moment, done
    left = await school_settings.forms_to_rescore(admin)
    current = await ScreeningForm.count().where(ScreeningForm.slot == "current")
    print(f"\n8. The school changes its parent SDQ cut-offs: school_settings.forms_to_rescore() (the criteria page's "
          f"notice) {ms(counted)} finds {stale:,}; school_settings.rescore_term() scores {done:,} again ({same:,} come "
          f"out the same) in {figures['rescore']:.1f} s; {left} left to re-score, {current:,} current forms "
          f"(as before)")


# Main ------------------------------------------------------------------------------------------------------


async def run(args) -> dict:
    from backend import db

    figures: dict = {}
    await fresh_schema(args.database == "postgres")
    engine = db.engine()
    await db.start(engine)
    try:
        school = await seed(args, figures)
        work = make_work(args, school)
        await score_and_file(school, work, figures)
        await group(school, figures)
        room = await pages(args, school, figures)
        await slips(school, room, figures)
        await rescore(school, figures)
    finally:
        await db.stop(engine)
    return figures


def print_summary(args, figures: dict) -> None:
    scoring_grouping = figures["scoring"] + figures["proposals"]
    scoring_overview = figures["scoring"] + figures["overview"]
    classroom, boosted, xlsx, school = figures["pages"]
    classroom_wire = classroom["wire"] + classroom["headers"]

    def mark(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    rows = [
        ("school", (f"{figures['students']:,} students, {figures['classrooms']} rooms, "
                    f"{figures['forms']:,} forms"), "", ""),
        ("pure scoring, all forms", f"{figures['scoring']:.2f} s", "", ""),
        ("proposals() for every student", f"{figures['proposals']:.2f} s", "", ""),
        ("scoring + grouping the school", f"{scoring_grouping:.2f} s", f"<= {GROUPING_TARGET:.0f} s",
         mark(scoring_grouping <= GROUPING_TARGET)),
        ("executive's school_overview()", f"{figures['overview']:.2f} s", "", ""),
        ("scoring + school overview", f"{scoring_overview:.2f} s", f"<= {GROUPING_TARGET:.0f} s",
         mark(scoring_overview <= GROUPING_TARGET)),
        ("filing every form via enter_paper", f"{figures['filing']:.1f} s",
         f"{ms(figures['filing_per_form'])} a form", ""),
        ("filed results = pure scoring", f"{figures['filed_match']:,}", f"{figures['forms']:,}",
         mark(figures["filed_match"] == figures["forms"])),
        ("classroom page, gzip (+headers)", f"{classroom['wire']:,} B ({classroom_wire:,} B)",
         f"<= {HTML_TARGET:,} B", mark(classroom_wire <= HTML_TARGET)),
        ("classroom page, server time", ms(classroom["median"]), f"<= {ms(PAGE_TIME_TARGET)}",
         mark(classroom["median"] <= PAGE_TIME_TARGET)),
        ("classroom page, hx-boost gzip", f"{boosted['wire']:,} B, {ms(boosted['median'])}", "", ""),
        ("classroom XLSX", f"{xlsx['wire']:,} B, {ms(xlsx['median'])}", "", ""),
        ("school overview page, gzip", f"{school['wire']:,} B, {ms(school['median'])}", "", ""),
        (f"sign-in slips for {figures['slips_count']} students", f"{figures['slips']:.1f} s", "", ""),
        (f"re-scoring {figures['rescored']:,} forms after new cut-offs", f"{figures['rescore']:.1f} s", "", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"\nSummary ({args.database})")
    for name, value, target, verdict in rows:
        print(f"  {name:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {verdict}")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], DEFAULT_PG)
    parser.add_argument("--rooms-per-grade", type=int, default=13)
    parser.add_argument("--requests", type=int, default=15, help="requests per page for the median")
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (the SQLite file)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    work_dir = Path(tempfile.mkdtemp(prefix="doolae-bench-screening-"))
    database_url = (args.postgres_url if args.database == "postgres"
                    else f"sqlite:///{work_dir / 'bench.sqlite'}")
    if args.database == "postgres":
        postgres_guard(database_url, args.force, create=True)
    # The engine is chosen when piccolo_conf is imported: settle the environment before any backend import.
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-for-doolae-benchmarks-0123456789")
    sys.path.insert(0, str(ROOT))
    print(f"Doolae screening benchmark: {args.database} ({database_url}), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    try:
        print_summary(args, asyncio.run(run(args)))
    finally:
        if args.keep:
            print(f"\nkept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
