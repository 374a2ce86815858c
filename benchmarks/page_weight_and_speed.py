"""Page weight and speed of a parent's home page, on a school of about 3,000 students.

Run from the repository root (it takes about a minute and a half):

    .venv/bin/python benchmarks/page_weight_and_speed.py                        # SQLite in a temp file
    .venv/bin/python benchmarks/page_weight_and_speed.py --database postgres    # see the WARNING below
    .venv/bin/python benchmarks/page_weight_and_speed.py --profile              # + py-spy of the server

WARNING: --database postgres DROPS AND RECREATES SCHEMA public of the database at --postgres-url
(default postgres://postgres@127.0.0.1:5432/test). Everything in that schema is lost. The script
refuses when other sessions are connected to that database (a test run, say) unless --force, but a
test run that starts midway will still empty the tables under it (every request then fails with 401 and
the summary says INVALID). On a shared machine, point --postgres-url at a database of its own:
    createdb -h 127.0.0.1 -U postgres doolae_bench
    .venv/bin/python benchmarks/page_weight_and_speed.py --database postgres \
        --postgres-url postgres://postgres@127.0.0.1:5432/doolae_bench

Steps:
1. A fresh database (piccolo migrations), seeded through the app's own services: one school with
   ม.1–ม.6, 12 rooms a grade, 40–44 students a room (backend.demo.roster_csv), imported by the admin
   with students.import_roster; one homeroom teacher per room. Some siblings share a guardian, as in
   real rosters, so there is a parent with two children.
2. That parent gets an account (accounts.ensure_parent_account) and a session (accounts.sessions.start_session).
3. In-process breakdown of one request to "/": SQL queries (count, time), page() render time, the rest.
4. Doolae and benchmarks/hello_app.py each run under uvicorn the same way: 1 worker, uvloop/httptools,
   no access log, proxy headers as `backend.cli serve` sets them.
5. Page weight: gzip bytes of "/" on first load with every <link href> and <script src> in the page,
   then a later hx-boost navigation (static files cached). Targets: HTML <= 14 KB, total <= 30 KB.
6. Throughput: wrk -t2 -c50 -d10s --latency on both pages; requests/s, p50, p99, and the ratio
   (target: the parent page at >= 50% of hello-world). wrk shares the machine's cores with the server.
7. Slow phone (slow_phone.py): first paint and load of the hello-world and of Doolae's pages (sign-in, the
   parent's home and attendance, a teacher's home, register, homeroom and visit form) in Chromium at 360 px with
   150 ms RTT, 1.6 Mbps and CPU x4, cold (first visit) and warm (service worker and cache filled); --no-phone
   skips it.
8. A summary table. Servers are stopped and the temp folder removed at the end.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import logging
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from statistics import mean

import slow_phone
from bench_database import database_arguments, fresh_schema, postgres_guard

ROOT = Path(__file__).resolve().parent.parent
GRADES = ["ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"]
PASSWORD = "bench-password"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"
HTML_TARGET = 14 * 1024  # one TCP initial congestion window is about 14 KB
FIRST_LOAD_TARGET = 30 * 1024
RATIO_TARGET = 0.5
UVICORN_FLAGS = ["--host", "127.0.0.1", "--no-access-log", "--proxy-headers", "--forwarded-allow-ips", "*",
                 "--log-level", "warning"]


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# 1. Seeding ------------------------------------------------------------------------------------------------


def with_siblings(csv_text: str, pairs: int, seed: int) -> str:
    """Give `pairs` older students the guardians (and surname) of a younger student in another grade."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    header, body = rows[0], rows[1:]
    rng = random.Random(seed)
    by_grade: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(body):
        by_grade[row[4].split("/")[0]].append(index)
    grades = [g for g in GRADES if by_grade[g]]
    used: set[int] = set()
    made = 0
    while made < pairs:
        younger, older = sorted(rng.sample(range(len(grades)), 2))
        a = rng.choice(by_grade[grades[younger]])
        b = rng.choice(by_grade[grades[older]])
        if a in used or b in used:
            continue
        used.update((a, b))
        # Same family: same surname, the same guardian rows (name, relation, phone, smartphone).
        body[b] = body[b][:3] + [body[a][3]] + body[b][4:6] + body[a][6:]
        made += 1
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue()


@dataclass
class Seeded:
    school_id: int
    students: int
    classrooms: int
    guardians: int
    teachers: int
    parent_user_id: int
    parent_name: str
    parent_phone: str
    children: list[str]
    token: str
    timings: dict[str, float]
    teacher_token: str = ""  # the homeroom teacher of the first classroom, for the slow-phone pages
    classroom_id: int = 0


async def seed(args) -> Seeded:
    from backend import demo
    from backend.accounts import services as accounts
    from backend.accounts import codes, passwords, sessions
    from backend.accounts.tables import Role, User
    from backend.config import Settings
    from backend.schools import services as schools
    from backend.schools.tables import Classroom
    from backend.students import services as students
    from backend.students.tables import Guardian, Student, StudentGuardian

    timings: dict[str, float] = {}
    started = time.perf_counter()
    school_id = await schools.create_school("BENCH", "โรงเรียนดูแลวิทยา", "ดูแลวิทยา", GRADES)
    await accounts.create_user(school_id, "bench-admin", "ครูผู้ดูแลระบบ", Role.admin, PASSWORD)
    await accounts.create_user(school_id, "bench-director", "ผอ.วิชัย ศรีสุข", Role.executive, PASSWORD)
    viewer = await demo.admin_viewer(school_id)

    csv_text = demo.roster_csv(GRADES, args.rooms_per_grade, seed=args.seed, min_size=40, max_size=44)
    csv_text = with_siblings(csv_text, args.sibling_pairs, args.seed)
    moment = time.perf_counter()
    preview = await students.import_roster(viewer, "bench-roster.csv", csv_text.encode("utf-8"))
    if preview.errors:
        raise SystemExit(f"roster has errors: {preview.errors[:3]}")
    timings["roster import"] = time.perf_counter() - moment

    moment = time.perf_counter()
    rooms = await Classroom.select(Classroom.id).where(Classroom.school == school_id).order_by(
        Classroom.grade.level).order_by(Classroom.room)
    for index, room in enumerate(rooms):
        name = demo.TEACHERS[index % len(demo.TEACHERS)]
        teacher_id = await accounts.create_user(school_id, f"bench-teacher{index + 1}", f"ครู{name}",
                                                Role.homeroom_teacher, PASSWORD)
        await accounts.assign_homeroom(viewer, room["id"], teacher_id)
    timings["teachers + homerooms (argon2 each)"] = time.perf_counter() - moment

    # A guardian with two children, a phone and a smartphone: the parent this benchmark signs in as.
    links = await StudentGuardian.select(StudentGuardian.guardian).where(StudentGuardian.school == school_id)
    per_guardian = Counter(link["guardian"] for link in links)
    candidates = [g for g, n in per_guardian.items() if n == 2] or list(per_guardian)
    with_phone = Guardian.phone.is_not_null() & (Guardian.has_smartphone == True)  # noqa: E712
    guardian = await Guardian.select(Guardian.id, Guardian.name, Guardian.phone).where(
        Guardian.id.is_in(candidates) & with_phone).order_by(Guardian.id).first()
    parent_id = await codes.ensure_parent_account(viewer, guardian["id"])
    await User.update({User.password_hash: passwords.hash_password(PASSWORD),
                       User.must_change_password: False}).where(User.id == parent_id)
    token = await sessions.start_session(Settings.from_env(), parent_id)
    first_teacher = await User.select(User.id).where(User.username == "bench-teacher1").first()
    teacher_token = await sessions.start_session(Settings.from_env(), first_teacher["id"])
    children = await Student.select(Student.first_name, Student.last_name).where(
        Student.id.is_in(StudentGuardian.select(StudentGuardian.student).where(
            StudentGuardian.guardian == guardian["id"])))
    timings["seeding total"] = time.perf_counter() - started
    return Seeded(
        school_id=school_id,
        students=await Student.count().where(Student.school == school_id),
        classrooms=len(rooms),
        guardians=await Guardian.count().where(Guardian.school == school_id),
        teachers=len(rooms),
        parent_user_id=parent_id,
        parent_name=guardian["name"],
        parent_phone=guardian["phone"],
        children=[f"{c['first_name']} {c['last_name']}" for c in children],
        token=token,
        timings=timings,
        teacher_token=teacher_token,
        classroom_id=rooms[0]["id"],
    )


# 3. In-process breakdown -----------------------------------------------------------------------------------


@dataclass
class Breakdown:
    label: str
    requests: int
    wall_ms: float  # mean per request, in process (no HTTP server)
    queries: float
    orm_ms: float  # Piccolo: building the SQL, running it, turning rows into dicts
    driver_ms: float  # engine.run_querystring alone (connection + driver + database)
    render_ms: float  # backend.web.page(): Jinja render and Response
    response_bytes: int
    query_list: list[tuple[str, float]] = field(default_factory=list)  # each query of a request, mean ms


async def breakdown(token: str, n: int) -> list[Breakdown]:
    import httpx
    from piccolo.query.base import Query

    from backend import db
    from backend.accounts.middleware import SESSION_COOKIE
    from backend.app import create_app
    from backend import web  # the home page renders through web.page()

    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's logging config shows httpx's INFO lines
    engine_class = type(db.engine())
    stats = {"queries": 0, "orm": 0.0, "driver": 0.0, "render": 0.0}
    trace: list[tuple[str, float]] | None = None

    original_rq = engine_class.run_querystring
    original_run = Query._run
    original_page = web.page

    async def timed_rq(self, querystring, in_pool=False):
        moment = time.perf_counter()
        try:
            return await original_rq(self, querystring, in_pool)
        finally:
            spent = time.perf_counter() - moment
            stats["queries"] += 1
            stats["driver"] += spent
            if trace is not None:
                trace.append((" ".join(str(querystring).split()), spent))

    async def timed_run(self, node=None, in_pool=True):
        moment = time.perf_counter()
        try:
            return await original_run(self, node=node, in_pool=in_pool)
        finally:
            stats["orm"] += time.perf_counter() - moment

    def timed_page(*a, **kw):
        moment = time.perf_counter()
        try:
            return original_page(*a, **kw)
        finally:
            stats["render"] += time.perf_counter() - moment

    engine_class.run_querystring = timed_rq
    Query._run = timed_run
    web.page = timed_page
    results = []
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            client.cookies.set(SESSION_COOKIE, token)
            first = await client.get("/", headers={"Accept": "text/html"})
            if first.status_code != 200:
                raise SystemExit(f"in-process GET / gave {first.status_code}: {first.text[:300]}")
            cases = [
                ("GET / identity", {"Accept": "text/html", "Accept-Encoding": "identity"}),
                ("GET / gzip", {"Accept": "text/html", "Accept-Encoding": "gzip"}),
                ("GET / boosted gzip",
                 {"Accept-Encoding": "gzip", "HX-Request": "true", "HX-Boosted": "true"}),
            ]
            for label, headers in cases:
                for _ in range(20):  # warm up
                    await client.get("/", headers=headers)
                traces: list[list[tuple[str, float]]] = []
                for key in stats:
                    stats[key] = 0 if key == "queries" else 0.0
                walls = []
                size = 0
                for _ in range(n):
                    trace = []
                    moment = time.perf_counter()
                    response = await client.get("/", headers=headers)
                    walls.append(time.perf_counter() - moment)
                    size = response.num_bytes_downloaded  # as sent: compressed when gzip was asked for
                    traces.append(trace)
                    trace = None
                per_query = [(traces[0][i][0], mean(t[i][1] for t in traces if len(t) > i) * 1000)
                             for i in range(len(traces[0]))]
                results.append(Breakdown(
                    label=label, requests=n, wall_ms=mean(walls) * 1000, queries=stats["queries"] / n,
                    orm_ms=stats["orm"] / n * 1000, driver_ms=stats["driver"] / n * 1000,
                    render_ms=stats["render"] / n * 1000, response_bytes=size, query_list=per_query))
    finally:
        engine_class.run_querystring = original_rq
        Query._run = original_run
        web.page = original_page
    return results


# 4. Servers ------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, target: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.command = [sys.executable, "-m", "uvicorn", *target, "--port", str(self.port), *UVICORN_FLAGS]
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait(self, path: str, timeout: float = 30) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"{self.name} did not start; its log:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# 5. Page weight --------------------------------------------------------------------------------------------


class References(HTMLParser):
    """Every <link href> and <script src> (and <img src>) a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            self.found.append((f"link rel={attrs.get('rel', '')}", attrs["href"]))
        elif tag in ("script", "img") and attrs.get("src"):
            self.found.append((tag, attrs["src"]))


@dataclass
class Fetched:
    path: str
    kind: str
    status: int
    body: int  # bytes of body as sent (compressed when the server compressed it)
    headers: int  # approximate bytes of the status line and headers
    encoding: str
    text: bytes  # the decoded body

    @property
    def wire(self) -> int:
        return self.body + self.headers


def fetch(client, path: str, kind: str, headers: dict[str, str]) -> Fetched:
    with client.stream("GET", path, headers=headers) as response:
        raw = b"".join(response.iter_raw())
        header_bytes = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n") + 2 + sum(
            len(k) + len(v) + 4 for k, v in response.headers.raw)
        encoding = response.headers.get("content-encoding", "")
        decoded = gzip.decompress(raw) if encoding == "gzip" else raw
        for cookie in response.cookies.jar:
            client.cookies.set(cookie.name, cookie.value)
        return Fetched(path, kind, response.status_code, len(raw), header_bytes, encoding or "-", decoded)


@dataclass
class Weight:
    first_load: list[Fetched]
    after_load: list[Fetched]
    boosted: Fetched
    cookie: str  # the Cookie header the browser now sends: session and CSRF cookie


def page_weight(server: Server, token: str) -> Weight:
    import httpx

    from backend.accounts.middleware import SESSION_COOKIE

    browser = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) doolae-bench",
               "Accept-Encoding": "gzip, deflate, br"}
    with httpx.Client(base_url=server.url, headers=browser, timeout=10) as client:
        client.cookies.set(SESSION_COOKIE, token)
        html = fetch(client, "/", "HTML page", {"Accept": "text/html,application/xhtml+xml"})
        if html.status != 200:
            raise SystemExit(f"GET / as the parent gave {html.status}")
        parser = References()
        parser.feed(html.text.decode())
        first, seen = [html], set()
        for kind, href in parser.found:
            if href in seen or href.startswith(("http:", "https:", "//", "data:")):
                continue
            seen.add(href)
            first.append(fetch(client, href, kind, {"Accept": "*/*"}))
        # Not in the page itself but fetched soon after: app.js registers the service worker, whose
        # install fetches /offline (the static shell is already in the HTTP cache); Chrome fetches a
        # manifest icon when it checks that the app is installable.
        after = [fetch(client, "/sw.js", "service worker (app.js)", {"Accept": "*/*"}),
                 fetch(client, "/offline", "SW precache of /offline", {"Accept": "*/*"})]
        manifest = next((f for f in first if f.path.startswith("/manifest")), None)
        if manifest is not None:
            for icon in json.loads(manifest.text).get("icons", []):
                if icon["src"] not in seen:
                    seen.add(icon["src"])
                    after.append(fetch(client, icon["src"], f"manifest icon {icon.get('sizes', '')}", {}))
        boosted = fetch(client, "/", "hx-boost navigation", {
            "HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": server.url + "/", "Accept": "*/*"})
        # The CSRF cookie goes back with every later request, so the server does not mint a new one each time.
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    return Weight(first, after, boosted, cookie)


def print_weight(weight: Weight) -> None:
    print(f"\n  {'first load of / (parent)':<58} {'status':>6} {'enc':>5} {'body':>9} {'+headers':>9}"
          f" {'decoded':>9}")
    for f in weight.first_load:
        print(f"  {f.path[:40]:<40} {f.kind[:17]:<17} {f.status:>6} {f.encoding:>5} {f.body:>9,} {f.wire:>9,}"
              f" {len(f.text):>9,}")
    body = sum(f.body for f in weight.first_load)
    wire = sum(f.wire for f in weight.first_load)
    html = weight.first_load[0]
    print(f"  {'TOTAL':<58} {'':>6} {'':>5} {body:>9,} {wire:>9,}   {len(weight.first_load)} requests")
    print(f"  HTML: {kb(html.body)} gzip ({kb(html.wire)} with headers)  target <= {kb(HTML_TARGET)}  "
          f"{'OK' if html.wire <= HTML_TARGET else 'OVER'}")
    print(f"  first load: {kb(wire)} with headers  target <= {kb(FIRST_LOAD_TARGET)}  "
          f"{'OK' if wire <= FIRST_LOAD_TARGET else 'OVER'}")
    print("\n  fetched after load, not counted above:")
    for f in weight.after_load:
        print(f"  {f.path[:40]:<40} {f.kind[:17]:<17} {f.status:>6} {f.encoding:>5} {f.body:>9,} {f.wire:>9,}"
              f" {len(f.text):>9,}")
    b = weight.boosted
    print(f"\n  later navigation (hx-boost, static cached): {b.status} {b.encoding} body {b.body:,} B, "
          f"{b.wire:,} B with headers, {len(b.text):,} B decoded; 1 request")


# 6. Throughput ---------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    label: str
    rps: float
    p50: float
    p99: float
    requests: int
    bad: int
    errors: str
    seconds: float  # wall time of the run
    server_cpu: float  # the server's CPU time over the run's wall time (1.0 = one core busy)
    postgres_cpu: float  # the same for all PostgreSQL processes on the machine (other users' too)

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per request: steadier than req/s when other work shares the machine."""
        return self.server_cpu * self.seconds * 1000 / self.requests if self.requests else 0.0


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


def postgres_cpu_seconds() -> float:
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wrk(label: str, url: str, headers: list[str], args, duration: int | None = None,
        server: Server | None = None) -> WrkResult:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration or args.duration}s",
               "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    cpu_before, pg_before, wall_before = (cpu_seconds(server.process.pid) if server else 0.0,
                                          postgres_cpu_seconds(), time.monotonic())
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    wall = time.monotonic() - wall_before
    cpu = (cpu_seconds(server.process.pid) - cpu_before) / wall if server else 0.0
    pg = (postgres_cpu_seconds() - pg_before) / wall
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return WrkResult(
        label=label,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50=_ms(percentiles["50"]),
        p99=_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        bad=int(bad.group(1)) if bad else 0,
        errors=errors.group(1).strip() if errors else "",
        server_cpu=cpu,
        postgres_cpu=pg,
        seconds=wall,
    )


def find_py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


PROFILE_PARTS = [  # the first of these found from the innermost frame outwards names a sample's owner
    ("/piccolo/", "Piccolo (building SQL, turning rows into dicts)"),
    ("/aiosqlite/", "aiosqlite (thread hand-offs)"), ("sqlite3", "sqlite3"), ("/asyncpg/", "asyncpg"),
    ("/jinja2/", "Jinja2"), ("gzip.py", "gzip"), ("/litestar/", "Litestar"), ("/msgspec/", "msgspec"),
    ("/uvicorn/", "uvicorn + httptools"), ("/httptools/", "uvicorn + httptools"),
    ("/backend/", "Doolae's own code"), ("/asyncio/", "asyncio"), ("threading.py", "threads"),
]


def summarise_profile(raw_path: Path, top: int = 14) -> None:
    """Where the GIL holder was, from py-spy's collapsed stacks: by package (innermost known frame), and
    inclusive time of Doolae's own functions."""
    owners: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        owner = "other (standard library)"
        for frame in reversed(frames):
            found = next((name for key, name in PROFILE_PARTS if key in frame), None)
            if found:
                owner = found
                break
        owners[owner] += n
        for frame in {f for f in frames if "/backend/" in f}:
            ours[re.sub(r"\(.*/backend/", "(backend/", frame)] += n
    if not total:
        print("  (no samples)")
        return
    print(f"  {total:,} samples, by package:")
    for name, n in owners.most_common():
        print(f"    {n / total:6.1%}  {name}")
    print("  Doolae functions, inclusive (with what they call):")
    for frame, n in ours.most_common(top):
        print(f"    {n / total:6.1%}  {frame[:110]}")


def throughput(doolae: Server, hello: Server, cookie: str, args, work_dir: Path) -> list[WrkResult]:
    gzip_h = "Accept-Encoding: gzip"
    plain_h = "Accept-Encoding: identity"
    html_h = "Accept: text/html"
    parent_h = f"Cookie: {cookie}"
    boost_h = ["HX-Request: true", "HX-Boosted: true"]
    runs = [
        ("hello-world, gzip", hello, [gzip_h, html_h]),
        ("parent /, gzip", doolae, [gzip_h, html_h, parent_h]),
        ("hello-world, identity", hello, [plain_h, html_h]),
        ("parent /, identity", doolae, [plain_h, html_h, parent_h]),
        ("parent /, hx-boost gzip", doolae, [gzip_h, parent_h, *boost_h]),
    ]
    results = []
    for label, server, headers in runs:
        url = server.url + "/"
        wrk(label, url, headers, args, duration=2)  # warm up: connections, template cache
        result = wrk(label, url, headers, args, server=server)
        results.append(result)
        note = f"  non-2xx: {result.bad}" if result.bad else ""
        note += f"  socket errors: {result.errors}" if result.errors else ""
        print(f"  {label:<26} {result.rps:>9,.0f} req/s   p50 {result.p50:6.2f} ms   p99 {result.p99:6.2f} ms"
              f"   CPU: server {result.server_cpu:4.0%} = {result.cpu_ms_per_request:.2f} ms/req,"
              f" postgres {result.postgres_cpu:4.0%}"
              f"   ({result.requests:,} requests){note}")
    if args.profile:
        # An extra run, not one of the measured ones: sampling slows the server down.
        py_spy = find_py_spy()
        if py_spy is None:
            print("  (py-spy not found: .venv/bin/pip install py-spy; no profile)")
            return results
        raw = work_dir / "parent-gzip.collapsed"
        label, server, headers = runs[1]
        url = server.url + "/"
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(doolae.process.pid), "--duration", str(args.duration),
             "--rate", "200", "--gil", "--nonblocking", "--full-filenames", "--format", "raw",
             "-o", str(raw)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        during = wrk(label, url, headers, args)
        spy.wait(timeout=args.duration + 30)
        if raw.exists():
            print(f"\n  py-spy --gil of the Doolae server during an extra '{label}' run"
                  f" ({during.rps:,.0f} req/s while sampled); share of samples where the GIL holder was in:")
            summarise_profile(raw)
        else:
            print(f"  py-spy failed: {spy.stderr.read().decode()[-500:]}")
    return results


# Main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], DEFAULT_PG)
    parser.add_argument("--rooms-per-grade", type=int, default=12)
    parser.add_argument("--sibling-pairs", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--breakdown-requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="py-spy the server during the parent gzip run")
    parser.add_argument("--phone-runs", type=int, default=3, help="slow-phone loads per page (median)")
    parser.add_argument("--no-phone", action="store_true", help="skip the slow-phone browser step")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (SQLite file, server logs)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    work_dir = Path(tempfile.mkdtemp(prefix="doolae-bench-"))
    database_url = (args.postgres_url if args.database == "postgres"
                    else f"sqlite:///{work_dir / 'bench.sqlite'}")
    if args.database == "postgres":
        postgres_guard(database_url, args.force)
    # The engine is chosen when piccolo_conf is imported: settle the environment before any backend import.
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-for-doolae-benchmarks-0123456789")
    sys.path.insert(0, str(ROOT))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    from backend import db
    from backend.accounts.middleware import SESSION_COOKIE

    print(f"Doolae page weight and speed: {args.database} ({database_url}), {os.cpu_count()} cores, "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
    load = os.getloadavg()[0]
    print(f"load average before starting {load:.2f}"
          + ("  WARNING: the machine is busy; req/s will be low and noisy (CPU ms/request less so)"
             if load > 1 else ""))

    async def prepare() -> tuple[Seeded, list[Breakdown], float]:
        moment = time.perf_counter()
        await fresh_schema(args.database == "postgres")
        migrate = time.perf_counter() - moment
        engine = db.engine()
        await db.start(engine)
        try:
            seeded = await seed(args)
            return seeded, await breakdown(seeded.token, args.breakdown_requests), migrate
        finally:
            await db.stop(engine)

    servers: list[Server] = []
    try:
        seeded, parts, migrate_s = asyncio.run(prepare())
        print(f"\n1. Seeding: {seeded.students:,} students in {seeded.classrooms} classrooms, "
              f"{seeded.guardians:,} guardians, {seeded.teachers} homeroom teachers")
        timings = "; ".join(f"{k} {v:.1f} s" for k, v in seeded.timings.items())
        print(f"  migrations {migrate_s:.1f} s; {timings}")
        print(f"\n2. Parent: {seeded.parent_name} ({seeded.parent_phone}), user {seeded.parent_user_id}, "
              f"children: {', '.join(seeded.children)}")

        print(f"\n3. Where a request's time goes, in process (httpx ASGI transport, no server), mean of "
              f"{args.breakdown_requests} sequential requests:")
        print(f"  {'request':<20} {'total':>8} {'SQL n':>6} {'ORM+SQL':>8} {'driver':>8} {'page()':>8}"
              f" {'rest':>8} {'bytes':>7}")
        for b in parts:
            rest = b.wall_ms - b.orm_ms - b.render_ms
            print(f"  {b.label:<20} {b.wall_ms:7.2f}ms {b.queries:6.1f} {b.orm_ms:7.2f}ms"
                  f" {b.driver_ms:7.2f}ms {b.render_ms:7.2f}ms {rest:7.2f}ms {b.response_bytes:>7,}")
        print("  (driver = engine.run_querystring: connection, driver, database; ORM+SQL adds Piccolo's"
              " query building\n   and row handling; page() = Jinja render + Response; rest = Litestar,"
              " middleware, CSRF, gzip, the test transport)")
        print("  The queries of one GET / (mean ms each):")
        for sql, ms in parts[0].query_list:
            print(f"    {ms:6.2f} ms  {sql[:150]}")

        doolae = Server("doolae", ["backend.app:create_app", "--factory"], env, work_dir)
        servers.append(doolae)
        hello = Server("hello", ["benchmarks.hello_app:create_app", "--factory"], env, work_dir)
        servers.append(hello)
        doolae.wait("/healthz")
        hello.wait("/")
        print(f"\n4. Servers: python -m uvicorn <app> --factory --port N {' '.join(UVICORN_FLAGS)}")
        print(f"  doolae {doolae.url} (backend.app:create_app)   "
              f"hello {hello.url} (benchmarks.hello_app:create_app)")

        print("\n5. Page weight (gzip body bytes as sent; '+headers' adds the status line and headers)")
        weight = page_weight(doolae, seeded.token)
        print_weight(weight)
        for name in seeded.children:
            if name.split()[0] not in weight.first_load[0].text.decode():
                print(f"  WARNING: child {name} is not on the parent's page")

        print(f"\n6. Throughput: wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency"
              f" --timeout 10s -H 'Accept-Encoding: gzip|identity' -H 'Accept: text/html'"
              f" [-H 'Cookie: {SESSION_COOKIE}=…; csrftoken=…'] URL  (after a 2 s warm-up)")
        runs = throughput(doolae, hello, weight.cookie, args, work_dir)
        by = {r.label: r for r in runs}

        phone: list[slow_phone.PhoneResult] = []
        if not args.no_phone:
            print(f"\n7. Slow phone: Chromium 360 px, {slow_phone.RTT_MS} ms RTT, "
                  f"{slow_phone.DOWN_BYTES_PER_S * 8 / 1e6:.1f} Mbps, CPU x{slow_phone.CPU_SLOWDOWN};"
                  f" median of {args.phone_runs}")
            parent = {SESSION_COOKIE: seeded.token}
            teacher = {SESSION_COOKIE: seeded.teacher_token}
            pages = [
                slow_phone.PhonePage("hello-world /", "/", {}),
                slow_phone.PhonePage("sign-in /signin", "/signin", {}),
                slow_phone.PhonePage("parent home /", "/", parent),
                slow_phone.PhonePage("parent attendance", "/attendance/children", parent),
                slow_phone.PhonePage("teacher home /", "/", teacher),
                slow_phone.PhonePage("teacher register", f"/attendance/classrooms/{seeded.classroom_id}", teacher),
                slow_phone.PhonePage("teacher homeroom", "/students/homeroom", teacher),
                slow_phone.PhonePage("teacher visit form", "/visits/form", teacher),
            ]
            phone = [slow_phone.run(hello.url, pages[:1], args.phone_runs)[0],
                     *slow_phone.run(doolae.url, pages[1:], args.phone_runs)]
            slow_phone.print_results(phone)

        html = weight.first_load[0]
        first_wire = sum(f.wire for f in weight.first_load)
        gz_ratio = by["parent /, gzip"].rps / by["hello-world, gzip"].rps
        id_ratio = by["parent /, identity"].rps / by["hello-world, identity"].rps
        boost_ratio = by["parent /, hx-boost gzip"].rps / by["hello-world, gzip"].rps
        cpu_ratio = by["hello-world, gzip"].cpu_ms_per_request / by["parent /, gzip"].cpu_ms_per_request

        def mark(ok: bool, *checked: WrkResult) -> str:
            if any(r.bad or r.errors for r in checked):
                return "INVALID (errors)"
            return "OK" if ok else "MISSED"

        print(f"\n8. Summary ({args.database}, {seeded.students:,} students)")
        rows = [
            ("seeding (roster + accounts)", f"{seeded.timings['seeding total']:.1f} s", "", ""),
            ("first load: HTML gzip (+headers)", f"{html.body:,} B ({html.wire:,} B)",
             f"<= {HTML_TARGET:,} B", mark(html.wire <= HTML_TARGET)),
            ("first load: total, requests", f"{first_wire:,} B, {len(weight.first_load)} req",
             f"<= {FIRST_LOAD_TARGET:,} B", mark(first_wire <= FIRST_LOAD_TARGET)),
            ("later hx-boost navigation", f"{weight.boosted.body:,} B ({weight.boosted.wire:,} B)", "", ""),
        ]
        for r in runs:
            rows.append((f"wrk {r.label}", f"{r.rps:,.0f} req/s",
                         f"p50 {r.p50:.2f} / p99 {r.p99:.2f} ms, {r.cpu_ms_per_request:.2f} ms CPU/req",
                         f"{r.bad:,} non-2xx!" if r.bad else ("socket errors!" if r.errors else "")))
        gz = (by["parent /, gzip"], by["hello-world, gzip"])
        rows += [
            ("req/s parent ÷ hello, gzip (the target)", f"{gz_ratio:.0%}", f">= {RATIO_TARGET:.0%}",
             mark(gz_ratio >= RATIO_TARGET, *gz)),
            ("req/s parent ÷ hello, identity", f"{id_ratio:.0%}", f">= {RATIO_TARGET:.0%}",
             mark(id_ratio >= RATIO_TARGET, by["parent /, identity"], by["hello-world, identity"])),
            ("req/s boosted ÷ hello, gzip", f"{boost_ratio:.0%}", f">= {RATIO_TARGET:.0%}",
             mark(boost_ratio >= RATIO_TARGET, by["parent /, hx-boost gzip"], by["hello-world, gzip"])),
            ("CPU/req hello ÷ parent, gzip (steadier)", f"{cpu_ratio:.0%}", f">= {RATIO_TARGET:.0%}",
             mark(cpu_ratio >= RATIO_TARGET, *gz)),
            ("in-process GET / (gzip)", f"{parts[1].wall_ms:.2f} ms",
             f"{parts[1].queries:.0f} SQL queries, {parts[1].orm_ms:.2f} ms in ORM+SQL", ""),
        ]
        for r in phone:
            ok = (max(r.cold_paint, r.warm_paint) <= slow_phone.PAINT_TARGET_S
                  and max(r.cold_load, r.warm_load) <= slow_phone.LOAD_TARGET_S)
            rows.append((f"slow phone: {r.label}",
                         f"paint {r.cold_paint:.2f}/{r.warm_paint:.2f} s, load {r.cold_load:.2f}/{r.warm_load:.2f} s",
                         f"cold/warm; {r.requests} req, {r.bytes:,} B", "OK" if ok else "MISSED"))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for name, value, target, verdict in rows:
            print(f"  {name:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {verdict}")
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"\nkept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
