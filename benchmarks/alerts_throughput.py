"""How fast a whole school's morning register becomes guardian alerts, and how fast the worker drains them.

    .venv/bin/python benchmarks/alerts_throughput.py [--database sqlite|postgres] [--rate 50] [--absent 1.0]

1. Seeds a school of about 3,000 students in 80 homerooms (ม.1–ม.5, 16 rooms each) with a teacher per room.
2. Serves the app (`doolae serve`, a subprocess) and has all 80 homeroom teachers save their register at the same
   moment over HTTP, marking the given share of students absent. Prints the time until the last save returned and
   until every alert was queued in Redis (target: all queued ≤ 5 s after the last save).
3. Starts a real worker (`doolae worker`, a subprocess) against Redis and a local Twilio stand-in, with the school's
   rate set to --rate SMS a second, and prints the drain rate and duplicates (target: ≥ 95 % of the rate, 0 dups).

PostgreSQL: uses the `test` database at 127.0.0.1 and drops its public schema. Redis: uses database 5, flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/5"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure(database: str) -> str:
    url = POSTGRES if database == "postgres" else f"sqlite:///{tempfile.mkdtemp(prefix='doolae-bench-')}/bench.sqlite"
    os.environ.update(DATABASE_URL=url, PICCOLO_CONF="piccolo_conf", REDIS_URL=REDIS,
                      SECRET_KEY="benchmark-secret-key-0123456789-0123456789")
    sys.path.insert(0, str(ROOT))
    return url


async def seed() -> tuple[int, list[int]]:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import db
    from backend.accounts.tables import HomeroomAssignment
    from backend.demo import create_demo_school
    from backend.students.tables import Student

    engine = db.engine()
    if os.environ["DATABASE_URL"].startswith("postgres"):
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    await run_forwards("doolae")
    await db.start(engine)
    started = time.monotonic()
    await create_demo_school(code="BENCH", grades=("ม.1", "ม.2", "ม.3", "ม.4", "ม.5"), rooms_per_grade=16)
    students = await Student.count()
    teachers = [row["teacher"] for row in await HomeroomAssignment.select(HomeroomAssignment.teacher)]
    print(f"seeded {students} students in {len(teachers)} homerooms in {time.monotonic() - started:.1f} s")
    return students, teachers


async def sessions(teachers: list[int]) -> list[tuple[str, int]]:
    from backend.accounts import sessions
    from backend.accounts.tables import HomeroomAssignment
    from backend.config import Settings

    settings = Settings.from_env()
    rooms = {r["teacher"]: r["classroom"] for r in await HomeroomAssignment.select(
        HomeroomAssignment.teacher, HomeroomAssignment.classroom)}
    return [(await sessions.start_session(settings, t), rooms[t]) for t in teachers]


def start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "backend.cli", *command], cwd=ROOT, env=env or os.environ.copy(),
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)


async def save_all(url: str, rooms: list[tuple[str, int]], absent_share: float) -> tuple[float, int]:
    """Every homeroom teacher saves at once. Returns seconds until the last save came back, and absences marked."""
    import httpx

    from backend.students.tables import Student

    members: dict[int, list[int]] = {}
    for row in await Student.select(Student.id, Student.classroom):
        members.setdefault(row["classroom"], []).append(row["id"])
    absences = 0
    forms = []
    for token, classroom in rooms:
        ids = sorted(members[classroom])
        cut = round(len(ids) * absent_share)
        absences += cut
        form = {f"s-{sid}": ("absent" if i < cut else "present") for i, sid in enumerate(ids)}
        forms.append((token, classroom, form))

    async def one(client: httpx.AsyncClient, token: str, classroom: int, form: dict) -> None:
        client.cookies.set("doolae_session", token)
        page = await client.get(f"/attendance/classrooms/{classroom}")
        csrf = client.cookies.get("csrftoken")
        form = {**form, "_csrf_token": csrf, "period": "0"}
        response = await client.post(f"/attendance/classrooms/{classroom}", data=form)
        assert response.status_code in (200, 303), (response.status_code, page.status_code)

    clients = [httpx.AsyncClient(base_url=url, timeout=120, headers={"accept": "text/html"}) for _ in forms]
    started = time.monotonic()
    await asyncio.gather(*(one(c, t, room, f) for c, (t, room, f) in zip(clients, forms, strict=True)))
    elapsed = time.monotonic() - started
    for client in clients:
        await client.aclose()
    return elapsed, absences


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=int, default=50, help="the school's SMS per second")
    parser.add_argument("--absent", type=float, default=1.0, help="share of students marked absent")
    args = parser.parse_args()
    configure(args.database)

    from arq.connections import create_pool

    from backend.notify.fake_twilio import FakeTwilio
    from backend.config import Settings
    from backend.notify.queue import queue_name, redis_settings
    from backend.notify.tables import Message
    from backend.schools.tables import School

    _, teachers = await seed()
    await School.update({School.sms_per_second: args.rate}).where(School.id > 0)
    rooms = await sessions(teachers)
    redis = await create_pool(redis_settings(REDIS))
    await redis.flushdb()
    queue = queue_name(Settings.from_env().deployment)

    twilio = FakeTwilio(deliver_after=None)
    twilio.start()
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="doolae-bench-logs-"))
    env = {**os.environ, "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
           "TWILIO_FROM": "BENCH", "TWILIO_API_URL": twilio.url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    server = start(["serve", "--port", str(port)], logs / "server.log", env)
    import httpx

    async with httpx.AsyncClient() as probe:
        for _ in range(200):
            try:
                if (await probe.get(f"http://127.0.0.1:{port}/healthz")).text == "ok":
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    try:
        saving, absences = await save_all(f"http://127.0.0.1:{port}", rooms, args.absent)
        after_save = time.monotonic()
        expected = await Message.count()
        while await redis.zcard(queue) < expected and time.monotonic() - after_save < 60:
            await asyncio.sleep(0.05)
        queued_after = time.monotonic() - after_save
        jobs = await redis.zcard(queue)
        print(f"80 registers saved concurrently: last save returned after {saving:.2f} s; {absences} absences, "
              f"{expected} messages in the outbox, {jobs} jobs in Redis {queued_after:.2f} s after the last save "
              f"(target ≤ 5 s)")

        worker = start(["worker"], logs / "worker.log", env)
        started = time.monotonic()
        while len(twilio.messages) < expected and time.monotonic() - started < 600:
            await asyncio.sleep(0.1)
        worker.terminate()
        worker.wait(timeout=30)
        sent = twilio.messages
        if len(sent) < 2:
            raise SystemExit(f"the worker sent {len(sent)} messages; see {logs}/worker.log")
        first, last = min(m.created for m in sent), max(m.created for m in sent)
        seconds = (last - first).total_seconds() or 1e-9
        rate = (len(sent) - 1) / seconds
        dups = sum(n - 1 for n in Counter((m.to, m.body) for m in sent).values() if n > 1)
        per_second = Counter(int(m.created.timestamp()) for m in sent)
        print(f"drained {len(sent)} SMS into the local Twilio in {seconds:.1f} s: {rate:.1f}/s against a rate of "
              f"{args.rate}/s ({rate / args.rate:.0%}, target ≥ 95 %); busiest second {max(per_second.values())}; "
              f"duplicates {dups}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        twilio.stop()
        await redis.aclose()
        from backend import db

        await db.stop(db.engine())


if __name__ == "__main__":
    asyncio.run(main())
