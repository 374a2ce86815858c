"""The `doolae` command: serve, worker, worker-health, migrate, demo, import-roster, create-school, create-admin,
report, create-area-supervisor, area-schools, score."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("doolae")


def _prepare() -> None:
    # piccolo_conf.py sits at the project root; make it importable from wherever `doolae` runs.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Each SMS or LINE message would log its request and every header (Twilio's and LINE's clients at INFO/DEBUG)
    # and its HTTP call (httpx, urllib3): the log that matters (jobs, errors) drowned in them. Their warnings stay.
    for noisy in ("twilio", "linebot", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    from backend import db

    # The migrations were squashed into one before the first deployment: a database made by the earlier ones (an old
    # demo) cannot be brought forward, so say what to do instead of failing halfway.
    if await Migration.table_exists():
        folder = Path(db.APP_CONFIG.migrations_folder_path)
        known = {path.stem.removeprefix("doolae_") for path in folder.glob("*.py")}
        applied = {row["name"] for row in await Migration.select(Migration.name).where(Migration.app_name == "doolae")}
        ids = {name.replace("-", "_").replace(":", "_").replace("T", "t") for name in applied}
        if applied and not ids & known:
            raise SystemExit("This database was made by an older Doolae whose migrations no longer exist. For the "
                             "demo, delete var/doolae.sqlite and run the demo again; it is made afresh.")
    result = await run_forwards("doolae")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")


async def _with_db(coroutine):
    from backend import db

    engine = db.engine()
    await db.start(engine)
    try:
        return await coroutine
    finally:
        await db.stop(engine)


def serve(host: str, port: int) -> None:
    import gc

    import uvicorn

    import backend.app  # noqa: F401 - every module loaded before the freeze below

    # The modules' objects live as long as the process: out of the collector's sight, a full collection (which a page
    # that counts a whole school's rows sets off) no longer walks them all.
    gc.freeze()

    # No proxy headers: any client can send X-Forwarded-For. The phone's address comes from the one header the
    # settings name (CLIENT_IP_HEADER, set by Fly's proxy itself), see web.client_address.
    uvicorn.run("backend.app:create_app", factory=True, host=host, port=port, proxy_headers=False,
                access_log=False)


def worker() -> None:
    from backend.config import Settings
    from workers.run import supervise

    code = asyncio.run(supervise(Settings.from_env()))
    lingering = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if lingering:
        # A query cancelled at shutdown can leave its SQLite connection's thread (aiosqlite's are not daemons)
        # waiting for work that never comes, and Python would wait for it at exit, forever. Everything is closed
        # by now and the outbox keeps what was not sent, so leave without waiting.
        log.warning("worker stopping with %d idle connection thread(s) left: %s", len(lingering), ", ".join(lingering))
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def worker_health() -> None:
    """Exit 0 if the worker on this machine is working, 1 if not (no Redis, stuck, or not running)."""
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    from backend.config import Settings

    url = f"http://127.0.0.1:{Settings.from_env().worker_health_port}/healthz"
    try:
        with urlopen(url, timeout=5) as response:  # noqa: S310 - a fixed local address
            print(response.read().decode().strip())
    except HTTPError as error:
        print(error.read().decode().strip())
        sys.exit(1)
    except (URLError, OSError) as error:
        print(f"no worker answers at {url}: {error}")
        sys.exit(1)


def redis_available(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except RedisError:
        return False


async def seed_demo() -> None:
    from backend.demo import create_demo_school, demo_exists
    from backend.students.phones import display_phone

    if await demo_exists():
        log.info("demo school already there; keeping it (delete var/doolae.sqlite to start afresh)")
        return
    logins = await create_demo_school(history=True)
    # The code is what the command line asks for (doolae import-roster DEMO …, doolae report DEMO …).
    print("\n  Demo school ready: โรงเรียนดูแลวิทยา (school code DEMO). Sign in with:\n")
    for role, username, password in logins.rows:
        shown = display_phone(username) if username.startswith("+") else username
        print(f"    {role:<28} {shown:<22} {password}")
    print()


def demo_services(host: str, port: int) -> None:
    """What the demo needs and a laptop lacks: SMS go to a local stand-in for Twilio (the real library, the real
    wire format), and a Web Push key pair is made once and kept in var/."""
    from backend.config import Settings
    from backend.notify.fake_twilio import FakeTwilio
    from backend.notify.push import generate_vapid_keys, public_key_of

    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")
    # Two demos on one machine (two checkouts, two ports) share its Redis: each its own queue and health port, or
    # one's worker would send the other's SMS from the wrong database.
    os.environ.setdefault("DEPLOYMENT", "doolae" if port == 8000 else f"doolae-demo-{port}")
    os.environ.setdefault("WORKER_HEALTH_PORT", str(port + 81 if port + 81 < 65536 else port - 81))  # 8000: 8081
    if not Settings.from_env().sms_enabled:
        twilio = FakeTwilio(deliver_after=2)
        os.environ.update(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                          TWILIO_FROM="DOOLAE", TWILIO_API_URL=twilio.start())
        log.info("SMS go to a local stand-in for Twilio at %s: the admin's Messages page shows them", twilio.url)
    if not Settings.from_env().push_enabled:
        key_file = ROOT / "var" / "vapid-private.pem"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(generate_vapid_keys()[0])
        private = key_file.read_text()
        os.environ.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public_key_of(private))


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def demo(host: str, port: int) -> None:
    """Migrate, seed the demo school once, then run the web server with a worker beside it."""
    import signal
    import subprocess

    from backend.config import Settings

    asyncio.run(_with_db(migrate()))
    asyncio.run(_with_db(seed_demo()))
    demo_services(host, port)
    settings = Settings.from_env()
    # A process manager stops the demo with SIGTERM. Uvicorn shuts down gracefully on it, then raises it again with
    # the handler it found: Python's default would end this process at once and leave the worker running on, so
    # SIGTERM exits through the `finally` below instead, which stops the worker first.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker_process = None
    try:
        if redis_available(settings.redis_url):
            worker_process = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT)
            log.info("worker started (pid %s) on %s", worker_process.pid, settings.redis_url)
        else:
            log.warning("no Redis at %s: the web process sends messages itself (same job functions, in-process)",
                        settings.redis_url)
            os.environ["DOOLAE_INPROCESS_JOBS"] = "1"
        print(f"  Open http://{host}:{port}/ on this machine (Ctrl+C stops).\n", flush=True)
        serve(host, port)
    finally:
        if worker_process:
            _stop(worker_process)


def _stop(process) -> None:
    """SIGTERM lets the worker finish the job in hand; one that does not stop in time is killed."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.info("worker stopped (pid %s)", process.pid)


def _column_report(preview) -> None:
    from backend.i18n import gettext
    from backend.students.columns import field_label

    if preview.sheet:
        print(f"sheet: {preview.sheet} (of {', '.join(preview.sheets)})")
    print("columns:")
    for column in preview.report.columns:
        header = column.header or "(no header)"
        if column.field is None:
            read_as = ("NOT RECOGNISED" if column.how == "unknown" else "a second column for a field already read")
        else:
            read_as = field_label(column.field) + (" (as told)" if column.how == "mapped" else "")
        print(f"  {column.letter:>2} {header:<30} -> {read_as}")
    for message in preview.report.missing:
        print(f"  missing: {gettext(message)}")


async def import_roster(school_code: str, path: Path, maps: list[str], ignores: list[str], sheet: str | None) -> None:
    from backend.accounts.tables import Role, User
    from backend.demo import admin_viewer
    from backend.i18n import gettext
    from backend.schools.tables import School
    from backend.students import services as students
    from backend.students.columns import FIELDS, IGNORE, header_key, parse_mapping_option

    school = await School.select(School.id).where(School.code == school_code).first()
    if school is None:
        raise SystemExit(f"no school with code {school_code}")
    if not await User.exists().where((User.school == school["id"]) & (User.role == Role.admin.value)):
        # The import is recorded as done by the school's admin, as from the import page.
        raise SystemExit(f"school {school_code} has no admin yet: the import is recorded under the school's admin. "
                         f"Create one first:\n  doolae create-admin {school_code} USERNAME \"ชื่อ\"\n"
                         f"then run this import again.")
    if not path.is_file():
        raise SystemExit(f"no file at {path}")
    told: dict[str, str] = {}
    for option in maps:
        try:
            key, name = parse_mapping_option(option)
        except ValueError:
            raise SystemExit(f'--map "{option}": write it as "HEADER=FIELD"; fields: {", ".join(FIELDS)}') from None
        told[key] = name
    for header in ignores:
        told[header_key(header) or header] = IGNORE
    preview = await students.import_roster(await admin_viewer(school["id"]), path.name, path.read_bytes(), told,
                                           sheet)
    if preview.errors:
        for error in preview.errors:
            print(f"row {error.line}: {gettext(error.message, **error.values)}", file=sys.stderr)
        raise SystemExit(f"nothing imported: {len(preview.errors)} problem(s)")
    _column_report(preview)
    if not preview.columns_ready:
        unplaced = [f"{c.letter} “{c.header or '(no header)'}”" for c in preview.report.unplaced]
        advice = []
        if unplaced:
            advice.append(f"columns not recognised: {', '.join(unplaced)}. Say what each holds with "
                          f'--map "HEADER=FIELD" (e.g. --map "เบอร์บ้าน=guardian_phone") or --ignore HEADER; '
                          f"fields: {', '.join(FIELDS)}")
        raise SystemExit("nothing imported: " + "; ".join(advice + [gettext(m) for m in preview.report.missing]))
    plan = preview.plan
    print(f"imported {preview.rows} rows: {len(plan.new_students)} new, {len(plan.changed_students)} changed, "
          f"{plan.unchanged} unchanged, {len(plan.new_classrooms)} new classrooms; guardians: "
          f"{plan.new_guardians} new, {plan.changed_guardians} changed, {plan.link_changes} links changed")
    if not plan.changes:
        print("nothing to change: the roster already matches this file")
    for shared in plan.shared_phones:
        print(f"note: phone {shared.phone} is written with several names ({', '.join(shared.names)}; rows "
              f"{', '.join(map(str, shared.lines))}): one guardian, named {shared.names[0]}")
    if plan.questions:
        print(f"note: {len(plan.questions)} guardian name(s) appear on several rows without one phone to show they "
              "are one person: they were kept as different guardians (the import page lets an admin say otherwise)")


async def create_school(code: str, name: str, short_name: str, grades: str) -> None:
    from backend.schools import services as schools

    school_id = await schools.create_school(code, name, short_name, grades.split(","))
    print(f"school {code} created (id {school_id})")


async def create_admin(school_code: str, username: str, name: str, password: str) -> None:
    from backend.accounts import services as accounts
    from backend.accounts.tables import Role
    from backend.schools.tables import School

    school = await School.select(School.id).where(School.code == school_code).first()
    if school is None:
        raise SystemExit(f"no school with code {school_code}")
    await accounts.create_user(school["id"], username, name, Role.admin, password)
    print(f"admin {username} created")


async def report(school_code: str, term: str, out: Path, username: str | None, year: str = "") -> None:
    """The report pack of a term, or with `year` of a whole school year, PDF and XLSX, written to files: made as the
    school's executive (or --as a member of its care committee), exactly as the download buttons of
    /supervision/report make it."""
    from backend.accounts import sessions
    from backend.accounts.tables import Role, User
    from backend.i18n import Refusal, gettext
    from backend.schools.tables import School
    from backend.supervision import report as pack
    from backend.supervision import year_report

    school = await School.select(School.id).where(School.code == school_code).first()
    if school is None:
        raise SystemExit(f"no school with code {school_code}")
    where = (User.school == school["id"]) & (User.active == True)  # noqa: E712 - a Piccolo column
    where &= (User.username == username) if username else (User.role == Role.executive.value)
    user = await User.select(User.id).where(where).order_by(User.id).first()
    if user is None:
        raise SystemExit(f"no user {username} in school {school_code}" if username else
                         f"school {school_code} has no executive: name a member of its care committee with --as")
    try:
        viewer = await sessions.viewer_of(user["id"])
        found = await (year_report.build(viewer, year) if year else pack.build(viewer, term))
    except Refusal as refusal:
        raise SystemExit(gettext(refusal.message, **refusal.values)) from None
    out.mkdir(parents=True, exist_ok=True)
    for suffix, data in (("pdf", await pack.pdf(found)), ("xlsx", await pack.xlsx(found))):
        path = out / f"{found.filename}.{suffix}"  # the school's code first, as the web download's
        path.write_bytes(data)
        print(f"{path} ({len(data):,} bytes)")
async def create_area_supervisor(username: str, name: str, password: str, schools: str) -> None:
    """An area supervisor is the deployment's, made by its operator: no school's admin can make or change one."""
    from backend.accounts import services as accounts
    from backend.i18n import Refusal

    try:
        await accounts.create_area_supervisor(username, name, password, schools.split(","))
    except Refusal as refusal:
        raise SystemExit(refusal.text()) from None
    print(f"area supervisor {username} created, overseeing {schools}")


async def area_schools(username: str, schools: str) -> None:
    from backend.accounts import services as accounts
    from backend.i18n import Refusal

    try:
        await accounts.set_area_schools(username, schools.split(","))
    except Refusal as refusal:
        raise SystemExit(refusal.text()) from None
    print(f"area supervisor {username} now oversees {schools}")


def score(instrument: str, informant: str | None, answers: str) -> None:
    """Score a paper form by hand: prints the scales and bands as JSON (see backend/screening/scoring.py)."""
    import json

    from backend.screening import scoring

    try:
        raw = [int(a) if a.strip() not in ("", "-") else None for a in answers.split(",")]
    except ValueError:
        raise SystemExit("answers are numbers separated by commas; leave a blank (or -) for an unanswered "
                         "item") from None
    try:
        loaded = scoring.load_instrument(instrument)
        result = (scoring.score_sdq(loaded, informant or "student", raw) if instrument == "sdq"
                  else scoring.score_eq(loaded, raw))
    except ValueError as error:
        raise SystemExit(str(error)) from None
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


def main(argv: list[str] | None = None) -> None:
    _prepare()
    parser = argparse.ArgumentParser(prog="doolae", description="Doolae: student care and support for Thai schools")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "demo"):
        command = commands.add_parser(name, help="run the web app" if name == "serve" else
                                      "migrate, seed a demo school and run web and worker")
        command.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        command.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    commands.add_parser("worker", help="run the arq worker (needs Redis)")
    commands.add_parser("worker-health", help="exit 0 if this machine's worker is working, 1 if not")
    commands.add_parser("migrate", help="apply database migrations")
    command = commands.add_parser("import-roster", help="import a roster (CSV or Excel .xlsx) for a school")
    command.add_argument("school")
    command.add_argument("path", type=Path)
    command.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                         help='what a column holds, e.g. --map "เบอร์บ้าน=guardian_phone" (repeatable)')
    command.add_argument("--ignore", action="append", default=[], metavar="HEADER",
                         help="a column not to import (repeatable)")
    command.add_argument("--sheet", help="the sheet of an Excel file (default: the first)")
    command = commands.add_parser("create-school", help="create a school")
    command.add_argument("code")
    command.add_argument("name")
    command.add_argument("short_name")
    command.add_argument("--grades", default="ม.1,ม.2,ม.3,ม.4,ม.5,ม.6")
    command = commands.add_parser("create-admin", help="create an admin account for a school")
    command.add_argument("school")
    command.add_argument("username")
    command.add_argument("name")
    command.add_argument("--password", default=os.environ.get("DOOLAE_ADMIN_PASSWORD"))
    command = commands.add_parser("report", help="write a school's term or school year report pack (PDF and XLSX) "
                                  "to files")
    command.add_argument("school")
    chosen = command.add_mutually_exclusive_group()
    chosen.add_argument("--term", default="", help='the term, e.g. 2569-2 (default: the current term)')
    chosen.add_argument("--year", default="", help="a whole school year, both terms, e.g. 2569")
    command.add_argument("--out", type=Path, default=Path("."), help="the folder to write to (default: here)")
    command.add_argument("--as", dest="username", help="a member of the care committee (default: an executive)")
    command = commands.add_parser("create-area-supervisor",
                                  help="create an area supervisor's account over schools (their figures only)")
    command.add_argument("username")
    command.add_argument("name")
    command.add_argument("--schools", required=True, help="the codes of the schools overseen, e.g. BKK,CNX")
    command.add_argument("--password", default=os.environ.get("DOOLAE_AREA_PASSWORD"))
    command = commands.add_parser("area-schools", help="set the schools an area supervisor oversees")
    command.add_argument("username")
    command.add_argument("schools", help="the codes of the schools overseen, e.g. BKK,CNX")
    command = commands.add_parser("score", help="score a paper SDQ or EQ form and print JSON")
    command.add_argument("instrument", choices=["sdq", "eq"])
    command.add_argument("--informant", choices=["student", "teacher", "parent"],
                         help="SDQ only: who filled the form (default student)")
    command.add_argument("--answers", required=True,
                         help="SDQ: 25 answers 0–2 as ticked; EQ: 52 answers 1–4 as ticked; comma-separated")
    args = parser.parse_args(argv)

    if args.command == "score":
        score(args.instrument, args.informant, args.answers)
    elif args.command == "serve":
        serve(args.host, args.port)
    elif args.command == "demo":
        demo(args.host, args.port)
    elif args.command == "worker":
        worker()
    elif args.command == "worker-health":
        worker_health()
    elif args.command == "migrate":
        asyncio.run(_with_db(migrate()))
    elif args.command == "import-roster":
        asyncio.run(_with_db(import_roster(args.school, args.path, args.map, args.ignore, args.sheet)))
    elif args.command == "report":
        asyncio.run(_with_db(report(args.school, args.term, args.out, args.username, args.year)))
    elif args.command == "create-school":
        asyncio.run(_with_db(create_school(args.code, args.name, args.short_name, args.grades)))
    elif args.command == "create-admin":
        args.password = args.password or _ask_password()
        asyncio.run(_with_db(create_admin(args.school, args.username, args.name, args.password)))
    elif args.command == "create-area-supervisor":
        args.password = args.password or _ask_password()
        asyncio.run(_with_db(create_area_supervisor(args.username, args.name, args.password, args.schools)))
    elif args.command == "area-schools":
        asyncio.run(_with_db(area_schools(args.username, args.schools)))


def _ask_password() -> str:
    """The new account's password, typed where it is not echoed; without a terminal (a script, a pipe) say how to
    give it instead of failing with a traceback."""
    import getpass

    if not sys.stdin.isatty():
        raise SystemExit("No terminal to type a password in: give it with --password, or run this in a terminal.")
    return getpass.getpass("password: ")


if __name__ == "__main__":
    main()
