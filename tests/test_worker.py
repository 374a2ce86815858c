"""The arq worker starts against the real Redis and does its housekeeping; it survives a Redis restart and says
when it cannot work; two deployments on one Redis keep to their own jobs."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta


import pytest
from arq.connections import create_pool
from arq.worker import Worker

from backend import clock
from backend.accounts import sessions
from backend.accounts.tables import UserSession
from backend.notify.queue import redis_settings
from tests.conftest import ROOT, TEST_DIR, child_env, free_port
from workers.settings import WorkerSettings


async def _run_job(settings, name: str) -> None:
    """One of the worker's jobs, run by a real worker in burst mode, which must succeed."""
    pool = await create_pool(redis_settings(settings.redis_url))
    await pool.flushdb()
    await pool.enqueue_job(name, _job_id=f"{name}-test")
    worker = Worker(functions=WorkerSettings.functions, on_startup=WorkerSettings.on_startup,
                    on_shutdown=WorkerSettings.on_shutdown, redis_pool=pool, burst=True, poll_delay=0.05,
                    handle_signals=False, ctx={"settings": settings})
    try:
        assert await worker.run_check() == 1
    finally:
        await worker.close()


async def test_worker_purges_expired_sessions_and_keeps_live_ones(people, settings):
    live = await sessions.start_session(settings, people.somchai.user_id)
    await sessions.start_session(settings, people.malee.user_id)
    await UserSession.update({UserSession.expires_at: clock.now() - timedelta(days=1)}).where(
        UserSession.user == people.malee.user_id)

    await _run_job(settings, "purge_expired")
    assert [s["user"] for s in await UserSession.select(UserSession.user)] == [people.somchai.user_id]
    assert await sessions.session_user(live) is not None


async def test_the_worker_gathers_the_planners_statistics(people, settings):
    """Without them SQLite guesses its plans (tests/home: the parent's page once read the school's whole register)."""
    from backend import db

    await _run_job(settings, "refresh_statistics")
    if db.engine().engine_type == "sqlite":
        rows = await db.fetch("SELECT tbl FROM sqlite_stat1 WHERE tbl = {}", "student")
        assert rows, "ANALYZE gathered nothing for the students"


async def test_two_deployments_on_one_redis_never_take_each_others_jobs(people, settings, fake_twilio):
    """Two schools' deployments (say a staging and a production app) share one Redis: each worker sends only
    its own deployment's messages, and the same message id in both is two jobs, not one."""
    from backend.notify import outbox
    from backend.notify.queue import JobQueue, connect, queue_name

    [message_id] = await outbox.text_person(settings, school_id=people.bangkok, user_id=people.kanya.user_id,
                                            phone="+66890000001", locale="th", kind="sign_in_code",
                                            event_key="two-deployments", values={"code": "123456", "minutes": 30})
    staging = await connect(settings.redis_url, queue_name("staging"))
    production = await connect(settings.redis_url, queue_name("doolae"))
    await staging.flushdb()
    await JobQueue(staging).send([message_id])
    await JobQueue(production).send([message_id])
    assert await staging.zcard(queue_name("staging")) == 1 and await production.zcard(queue_name("doolae")) == 1

    async def burst(pool, deployment: str) -> None:
        worker = Worker(functions=WorkerSettings.functions, redis_pool=pool, queue_name=queue_name(deployment),
                        on_startup=WorkerSettings.on_startup, on_shutdown=WorkerSettings.on_shutdown, burst=True,
                        poll_delay=0.05, handle_signals=False, ctx={"settings": settings})
        try:
            await worker.run_check()
        finally:
            await worker.close()

    await burst(production, "doolae")
    assert len(fake_twilio.sent_to("+66890000001")) == 1
    assert await staging.zcard(queue_name("staging")) == 1  # staging's job is still waiting for its own worker
    await staging.aclose()
    await production.aclose()


def start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return server


def start_worker(settings, redis_port: int, health_port: int, give_up: int) -> subprocess.Popen:
    """`doolae worker` as Fly runs it, in its own process, with the tests' database and local Twilio."""
    env = child_env(settings, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", WORKER_HEALTH_PORT=str(health_port),
                    WORKER_GIVE_UP_SECONDS=str(give_up))
    log = open(TEST_DIR / f"worker-{redis_port}.log", "wb")  # noqa: SIM115 - kept open for the process's life
    return subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def worker_health(health_port: int) -> int:
    """What the platform's check sees: `doolae worker-health` exits 0 when the worker is working."""
    env = {**os.environ, "WORKER_HEALTH_PORT": str(health_port)}  # the health check needs nothing else
    return subprocess.run([sys.executable, "-m", "backend.cli", "worker-health"], cwd=ROOT, env=env,
                          capture_output=True, timeout=20).returncode


async def eventually(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.2)


async def text_somebody(settings, people, redis_port: int, n: int) -> str:
    from backend.notify import outbox
    from backend.notify.queue import JobQueue, connect, queue_name

    phone = f"+6689111000{n}"
    ids = await outbox.text_person(settings, school_id=people.bangkok, user_id=people.kanya.user_id, phone=phone,
                                   locale="th", kind="sign_in_code", event_key=f"restart-{n}",
                                   values={"code": "123456", "minutes": 30})
    pool = await connect(f"redis://127.0.0.1:{redis_port}/0", queue_name(settings.deployment))
    await JobQueue(pool).send(ids)
    await pool.aclose()
    return phone


@pytest.mark.one_engine
async def test_the_worker_carries_on_after_redis_restarts_and_says_when_it_cannot_work(people, settings,
                                                                                      fake_twilio):
    redis_port, health_port = free_port(), free_port()
    server = start_redis(redis_port)
    worker = start_worker(settings, redis_port, health_port, give_up=120)
    try:
        await eventually(lambda: worker_health(health_port) == 0)
        before = await text_somebody(settings, people, redis_port, 1)
        await eventually(lambda: len(fake_twilio.sent_to(before)) == 1)

        server.kill()  # Redis restarts: its process dies, and with it every connection and queued job
        server.wait()
        await eventually(lambda: worker_health(health_port) != 0)  # the check fails while it cannot work
        server = start_redis(redis_port)
        await eventually(lambda: worker_health(health_port) == 0)
        after = await text_somebody(settings, people, redis_port, 2)
        await eventually(lambda: len(fake_twilio.sent_to(after)) == 1)  # SMS go out again, untouched by hand
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)  # a send or a database write in progress finishes first
        server.kill()
        server.wait()


@pytest.mark.one_engine
async def test_a_worker_without_redis_for_too_long_exits_so_that_the_platform_restarts_it(settings):
    redis_port, health_port = free_port(), free_port()
    server = start_redis(redis_port)
    worker = start_worker(settings, redis_port, health_port, give_up=3)
    try:
        await eventually(lambda: worker_health(health_port) == 0)
        server.kill()
        server.wait()
        assert await asyncio.to_thread(worker.wait, 30) != 0  # exits, and not as if all were well
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
