"""Home visits on a phone: the visit form's bytes on the wire, the offline script's size, and the time to send 50
visits queued offline (each with a photo of about 150–200 KB) once the network returns, on loopback.

Run from the repository root (about a minute):

    .venv/bin/python benchmarks/visits_sync.py                       # SQLite in a temp folder
    .venv/bin/python benchmarks/visits_sync.py --database postgres   # see the WARNING below
    .venv/bin/python benchmarks/visits_sync.py --visits 100

WARNING: --database postgres DROPS AND RECREATES SCHEMA public of the database at --postgres-url (default
postgres://postgres@127.0.0.1:5432/test): everything in it is lost. It refuses while other sessions are connected
to that database (a test run, say) unless --force.

Steps:
1. A fresh database (piccolo migrations): one school, one ม.1 room of 50 students imported from a roster
   (backend.demo.roster_csv) and its homeroom teacher, who gets a session (accounts.sessions.start_session).
2. The app served as in production: `python -m backend.cli serve` in a subprocess, jobs in-process (no Redis
   needed), photos in the temp folder.
3. Bytes on the wire: the visit form page (gzip, as the server sends it) and each script and stylesheet it names,
   first load and a boosted navigation. Target: the form page with its own script (visits.js) ≤ 20 KB compressed.
   htmx and app.js are every page's and already on the phone (browser and service-worker caches) by the time a
   teacher opens the form; they are shown too. The styles are written into every page (no stylesheet to fetch).
4. visits.js raw and gzipped.
5. Headless Chromium (Debian's, through Playwright) on a 360 px phone: the form is opened online, the network
   cut, and 50 visits saved through the form, each with a camera-sized JPEG that the page's own visits.js shrinks
   to ≤ 200 KB. Then the network returns and the clock runs until the phone's queue is empty; the server must then
   hold exactly 50 visits and 50 photos. Target ≤ 10 s.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from statistics import mean

from bench_database import database_arguments, postgres_guard
from backend import clock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
FORM_TARGET = 20 * 1024
SYNC_TARGET = 10.0
MAX_PHOTO = 200 * 1024


# Runs in the page once the network is back: resolves when the phone's queue is empty.
QUEUE_DRAINED = """async () => {
  while ((await VisitQueue.all()).length) await new Promise((resolve) => setTimeout(resolve, 10));
}"""


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# 1. Seeding ------------------------------------------------------------------------------------------------


async def seed(students: int) -> tuple[str, list[int]]:
    """A homeroom of `students` and its teacher; returns the teacher's session token and the student ids."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import db, demo
    from backend.accounts import services as accounts
    from backend.accounts import sessions
    from backend.accounts.tables import Role
    from backend.config import Settings
    from backend.schools import services as schools
    from backend.schools.tables import Classroom
    from backend.students import services as roster
    from backend.students.tables import Student

    engine = db.engine()
    if os.environ["DATABASE_URL"].startswith("postgres"):
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    with contextlib.redirect_stdout(io.StringIO()) as said:  # piccolo narrates each migration
        result = await run_forwards("doolae")
    if not result.success:
        print(said.getvalue())
        raise SystemExit(f"migration failed: {result.message}")
    await db.start(engine)
    school_id = await schools.create_school("BENCH", "โรงเรียนดูแลวิทยา", "ดูแลวิทยา", ["ม.1"])
    await accounts.create_user(school_id, "bench-admin", "ครูผู้ดูแลระบบ", Role.admin, "bench-password")
    admin = await demo.admin_viewer(school_id)
    csv_text = demo.roster_csv(["ม.1"], 1, min_size=students, max_size=students)
    preview = await roster.import_roster(admin, "bench-roster.csv", csv_text.encode("utf-8"))
    if preview.errors:
        raise SystemExit(f"roster has errors: {preview.errors[:3]}")
    room = await Classroom.select(Classroom.id).where(Classroom.school == school_id).first()
    teacher_id = await accounts.create_user(school_id, "bench-teacher", "ครูสมใจ ดวงแก้ว", Role.homeroom_teacher,
                                            "bench-password")
    await accounts.assign_homeroom(admin, room["id"], teacher_id)
    token = await sessions.start_session(Settings.from_env(), teacher_id)
    ids = [r["id"] for r in await Student.select(Student.id).where(Student.classroom == room["id"]).order_by(
        Student.number_in_class)]
    return token, ids


def serve(port: int, log: Path) -> subprocess.Popen:
    import httpx

    process = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port)], cwd=ROOT, env=os.environ.copy(), stdout=open(log, "wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")


# 2. Bytes on the wire --------------------------------------------------------------------------------------


def on_the_wire(client, url: str, **headers) -> tuple[int, int, str, str]:
    """(bytes on the wire, bytes decoded, content-encoding, body) of one GET."""
    with client.stream("GET", url, headers={"accept-encoding": "gzip", **headers}) as response:
        response.raise_for_status()
        wire = b"".join(response.iter_raw())
        encoding = response.headers.get("content-encoding", "")
    body = gzip.decompress(wire) if encoding == "gzip" else wire
    return len(wire), len(body), encoding or "none", body.decode("utf-8", "replace")


def page_weight(base_url: str, token: str) -> dict:
    import httpx

    from backend.accounts.middleware import SESSION_COOKIE

    rows = []
    with httpx.Client(base_url=base_url, cookies={SESSION_COOKIE: token}, timeout=30) as client:
        wire, raw, encoding, html = on_the_wire(client, "/visits/form", accept="text/html")
        rows.append(("/visits/form (whole page)", wire, raw, encoding))
        boosted = on_the_wire(client, "/visits/form", accept="text/html", **{"hx-request": "true",
                                                                            "hx-boosted": "true"})
        assets = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
            r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
        for asset in assets:
            a_wire, a_raw, a_encoding, _ = on_the_wire(client, asset)
            rows.append((asset.split("?")[0], a_wire, a_raw, a_encoding))
    source = (ROOT / "frontend" / "static" / "visits.js").read_bytes()
    return {"rows": rows, "boosted": boosted[:3], "visits_js_raw": len(source),
            "visits_js_gzip": len(gzip.compress(source, 9, mtime=0))}


# 3. Fifty visits queued offline, then sent -----------------------------------------------------------------


async def sync_run(base_url: str, token: str, students: list[int], count: int, folder: Path) -> dict:
    from playwright.async_api import async_playwright

    from backend.accounts.middleware import SESSION_COOKIE
    from backend.visits.tables import Visit, VisitPhoto

    today = clock.today()
    answered: list[tuple[str, int]] = []
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH",
                                            timezone_id="Asia/Bangkok", base_url=base_url)
        context.set_default_timeout(30_000)
        await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base_url, "httpOnly": True,
                                    "sameSite": "Lax"}])

        def seen(response) -> None:
            if response.request.method == "POST" and response.url.endswith("/visits/sync"):
                answered.append(("visit", response.status))
            elif response.request.method == "PUT" and "/photos/" in response.url:
                answered.append(("photo", response.status))

        context.on("response", seen)
        page = await context.new_page()
        await page.goto("/visits/form")
        await page.evaluate("navigator.serviceWorker.ready")
        if not await page.evaluate("navigator.serviceWorker.controller !== null"):
            await page.reload()
        await page.wait_for_function("navigator.serviceWorker.controller !== null")
        from tests.e2e.camera import CAMERA_JPEG  # the browser test's camera photo (sys.path has the root by now)

        cameras = []  # files on disk, as a phone's gallery has them (and quicker to hand to Chromium)
        for seed in range(1, 5):
            cameras.append(folder / f"IMG_{seed:04}.jpg")
            cameras[-1].write_bytes(base64.b64decode(await page.evaluate(CAMERA_JPEG, seed)))

        await context.set_offline(True)
        print(f"offline: saving {count} visits through the form…", flush=True)
        form = page.locator("form[data-visit-form]")
        queueing = time.perf_counter()
        for number in range(count):
            await form.locator("[name=student]").select_option(str(students[number % len(students)]))
            await form.locator("[name=visited_on]").fill((today - timedelta(days=number % 30)).isoformat())
            await form.locator("[name=area]").fill(f"บ้านหนองบัว หมู่ {number % 12 + 1}")
            await form.locator("[name=met_with]").fill("ยายและแม่")
            await form.locator("[name=living]").fill("อยู่กับยายและแม่ พ่อไปทำงานต่างจังหวัด")
            await form.locator("[name=income_per_person]").fill("2500")
            await form.locator("[name=tenure]").select_option("own")
            await form.locator("[name=condition]").select_option("fair")
            await form.locator("[name=photo-outside]").set_input_files(cameras[number % len(cameras)])
            # The form's own submit (what the Save button does), not a synthetic tap: after input, headless
            # Chromium gives canvas.toBlob no idle time and each photo waits a full second before it is shrunk.
            await form.evaluate("(form) => form.requestSubmit()")
            await page.locator("#queue-text").filter(has_text=f"({number + 1})").wait_for()
        queueing = time.perf_counter() - queueing
        queued = await page.evaluate("VisitQueue.all().then((rs) => rs.map((r) => r.photos[0].blob.size))")
        if len(queued) != count or await Visit.count() != 0:
            raise SystemExit(f"expected {count} visits waiting on the phone and none on the server")

        started = time.perf_counter()
        await context.set_offline(False)
        await page.evaluate(QUEUE_DRAINED)
        elapsed = time.perf_counter() - started
        await page.locator("#queue").wait_for(state="hidden")
        badge_gone = time.perf_counter() - started
        visits, photos = await Visit.count(), await VisitPhoto.count()
        sizes = [r["size"] for r in await VisitPhoto.select(VisitPhoto.size)]
        await browser.close()
    return {"queueing": queueing, "elapsed": elapsed, "badge_gone": badge_gone, "visits": visits, "photos": photos,
            "sizes": sizes, "queued_sizes": queued, "camera_sizes": [c.stat().st_size for c in cameras],
            "answered": answered}


# 4. Report -------------------------------------------------------------------------------------------------


def report(weight: dict, run: dict, count: int, database: str) -> bool:
    print(f"\nDoolae home visits on a phone — {database}, loopback, headless Chromium 360×740\n")
    print("Bytes on the wire (gzip as served; first load of the visit form):")
    print(f"  {'resource':<42}{'on the wire':>12}{'decoded':>12}  encoding")
    for name, wire, raw, encoding in weight["rows"]:
        print(f"  {name:<42}{kb(wire):>12}{kb(raw):>12}  {encoding}")
    rows = {name: wire for name, wire, _, _ in weight["rows"]}
    form = rows["/visits/form (whole page)"] + rows.get("/static/visits.js", 0)
    everything = sum(rows.values())
    b_wire, b_raw, b_encoding = weight["boosted"]
    print(f"  {'/visits/form (boosted navigation)':<42}{kb(b_wire):>12}{kb(b_raw):>12}  {b_encoding}")
    form_ok = form <= FORM_TARGET
    print(f"\n  form page + visits.js: {kb(form)} (target ≤ {kb(FORM_TARGET)}: {'OK' if form_ok else 'OVER'})")
    boosted_form = b_wire + rows.get("/static/visits.js", 0)
    print(f"  boosted form + visits.js (from another page of the app): {kb(boosted_form)}")
    print(f"  first load with nothing cached (+ htmx, app.js; shared by every page): {kb(everything)}")
    print("\nThe offline script, frontend/static/visits.js:")
    print(f"  raw {weight['visits_js_raw']:,} bytes ({kb(weight['visits_js_raw'])}), "
          f"gzip -9 {weight['visits_js_gzip']:,} bytes ({kb(weight['visits_js_gzip'])})")

    sizes, cams = run["sizes"], run["camera_sizes"]
    visits_sent = sorted(status for what, status in run["answered"] if what == "visit")
    photos_sent = sorted(status for what, status in run["answered"] if what == "photo")
    print(f"\n{count} visits saved offline through the form ({run['queueing']:.1f} s, photos shrunk on the phone from "
          f"{kb(min(cams))}–{kb(max(cams))} camera JPEGs to {kb(min(run['queued_sizes']))}–"
          f"{kb(max(run['queued_sizes']))}, mean {kb(mean(run['queued_sizes']))}), then the network returned:")
    print(f"  queue empty after {run['elapsed']:.2f} s ({run['elapsed'] / count * 1000:.0f} ms a visit), "
          f"badge gone after {run['badge_gone']:.2f} s")
    print(f"  uploaded {kb(sum(sizes))} of photos; server holds {run['visits']} visits and {run['photos']} photos; "
          f"answers: visits {summary(visits_sent)}, photos {summary(photos_sent)}")
    stored_ok = run["visits"] == count and run["photos"] == count and max(sizes) <= MAX_PHOTO
    sync_ok = run["elapsed"] <= SYNC_TARGET
    print(f"  target ≤ {SYNC_TARGET:.0f} s: {'OK' if sync_ok else 'OVER'}; exactly {count} of each, every photo "
          f"≤ {kb(MAX_PHOTO)}: {'OK' if stored_ok else 'WRONG'}")
    return form_ok and sync_ok and stored_ok


def summary(statuses: list[int]) -> str:
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n}× {status}" for status, n in sorted(counts.items())) or "none"


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], DEFAULT_PG)
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (database, photos, server log)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="doolae-bench-visits-"))
    if args.database == "postgres":
        postgres_guard(args.postgres_url, args.force)
        database_url = args.postgres_url
    else:
        database_url = f"sqlite:///{folder / 'bench.sqlite'}"
    # The engine is chosen when piccolo_conf is imported: settle the environment before any backend import.
    os.environ.update(DATABASE_URL=database_url, PICCOLO_CONF="piccolo_conf", PHOTO_DIR=str(folder / "photos"),
                      DOOLAE_INPROCESS_JOBS="1", SECRET_KEY="bench-secret-key-for-doolae-benchmarks-0123456789")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(ROOT))

    async def run() -> bool:
        from backend import db

        started = time.perf_counter()
        token, students = await seed(students=50)
        print(f"seeded a homeroom of {len(students)} students in {time.perf_counter() - started:.1f} s; "
              "serving the app", flush=True)
        port = free_port()
        server = serve(port, folder / "server.log")
        try:
            base_url = f"http://127.0.0.1:{port}"
            weight = await asyncio.to_thread(page_weight, base_url, token)
            result = await sync_run(base_url, token, students, args.visits, folder)
        finally:
            server.terminate()
            server.wait(timeout=30)
            await db.stop(db.engine())
        return report(weight, result, args.visits, "PostgreSQL" if args.database == "postgres" else "SQLite")

    try:
        ok = asyncio.run(run())
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
