"""Test setup: one real database per run (SQLite by default, PostgreSQL when DATABASE_URL says so),
emptied before each test; the app driven in-process over ASGI; personas from tests/personas.py.

The tests' settings are a Settings built here and passed to create_app() and the worker; the environment of this
process is only read (DATABASE_URL), never changed. A server or worker the tests start in a subprocess gets the
same settings through its own environment (Settings.as_env()).

Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pytest
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = Path(tempfile.mkdtemp(prefix="doolae-test-"))
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{TEST_DIR / 'test.sqlite'}"
sys.path.insert(0, str(ROOT))

import copy  # noqa: E402
import dataclasses  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from arq.connections import create_pool  # noqa: E402
from arq.worker import Worker  # noqa: E402

from piccolo.table import sort_table_classes  # noqa: E402

from backend import db  # noqa: E402
from backend.app import create_app  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.notify.fake_twilio import FakeTwilio  # noqa: E402
from backend.notify.push import generate_vapid_keys  # noqa: E402
from backend.notify.queue import JobQueue, redis_settings  # noqa: E402
from backend.schools import services as schools  # noqa: E402
from backend.visits.storage import open_photo_store  # noqa: E402
from tests.fakes.webpush import FakePushService  # noqa: E402
from workers.settings import WorkerSettings  # noqa: E402

IS_POSTGRES = DATABASE_URL.startswith("postgres")
# What every test's settings start from; the settings fixture adds the local stand-ins.
BASE_SETTINGS = Settings(database_url=DATABASE_URL, secret_key="test-secret-key-for-doolae-tests-only-0123456789",
                         photo_dir=str(TEST_DIR / "photos"))


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'} ({DATABASE_URL})"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "one_engine: a test of processes, Redis or the browser, whose SQL the "
                                       "engine-specific tests already cover: run once, on SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The whole suite runs on both engines, except browser tests and one_engine tests, which run on SQLite only:
    running them again on PostgreSQL would test the same browser, processes and Redis a second time."""
    if not IS_POSTGRES:
        return
    once = pytest.mark.skip(reason="runs once, on SQLite (browser, process or Redis test)")
    for item in items:
        if item.get_closest_marker("e2e") or item.get_closest_marker("one_engine"):
            item.add_marker(once)


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a `doolae` subprocess: this machine's (PATH and so on) with the tests' settings."""
    return {**os.environ, **settings.as_env(), **extra}


async def _fresh_schema() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = db.engine()
    if IS_POSTGRES:
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    result = await run_forwards("doolae")
    assert result.success, result.message


@pytest.fixture(scope="session")
async def database():
    engine = db.configure(DATABASE_URL)
    await _fresh_schema()
    await db.start(engine)
    yield engine
    await db.stop(engine)


# Children before parents, so that deleting never trips a RESTRICT foreign key (parents first to put rows back).
TABLE_CLASSES = list(reversed(sort_table_classes(db.APP_CONFIG.table_classes)))
TABLES = [t._meta.tablename for t in TABLE_CLASSES]


async def _empty_tables(engine) -> None:
    schools.forget_school_years()
    # DELETE, not TRUNCATE: PostgreSQL's TRUNCATE of sixty small tables costs 50 ms, about a third of a test.
    async with db.transaction():
        for table in TABLES:
            await engine.run_ddl(f'DELETE FROM "{table}"')


@pytest.fixture(autouse=True)
async def empty_database(database):
    """Every test starts from empty tables (the schema stays)."""
    await _empty_tables(database)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _private_redis() -> tuple[str, subprocess.Popen | None]:
    """A Redis server of this test run's own, so that two runs on one machine (or a run and a demo) never take
    each other's jobs. Without redis-server on the PATH (Redis in a container), a database of the Redis at
    127.0.0.1:6379 that the other engine's run does not use: the two engines' runs may go side by side."""
    if not shutil.which("redis-server"):
        return f"redis://127.0.0.1:6379/{5 if IS_POSTGRES else 3}", None
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", server


@pytest.fixture(scope="session")
def redis_url():
    url, server = _private_redis()
    yield url
    if server is not None:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def fake_twilio():
    twilio = FakeTwilio(deliver_after=None)  # tests post status callbacks themselves
    twilio.start()
    yield twilio
    twilio.stop()


@pytest.fixture(scope="session")
def push_service():
    service = FakePushService()
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def settings(fake_twilio, push_service, redis_url) -> Settings:
    """The tests' settings, pointed at the local stand-ins (Twilio, the push service, a Redis of the run's own)."""
    private, public = generate_vapid_keys()
    return dataclasses.replace(
        BASE_SETTINGS, redis_url=redis_url, public_base_url="http://testserver",
        twilio_account_sid=fake_twilio.account_sid, twilio_auth_token=fake_twilio.auth_token, twilio_from="DOOLAE",
        twilio_api_url=fake_twilio.url, vapid_private_key=private, vapid_public_key=public,
        # Tests run at any hour; quiet hours have their own test (tests/notify) with a fixed clock.
        quiet_from_hour=None, quiet_until_hour=None,
        # Alerts leave at once; the grace period has its own tests (tests/attendance/test_grace.py).
        alert_grace_minutes=0,
        push_service_hosts=(push_service.url.removeprefix("http://"),),  # the local push service is accepted too
        retry_base_seconds=0.05,
    )


@pytest.fixture(scope="session")
def s3_settings(settings):
    """Settings that keep photos in a bucket of a local S3: moto's server speaks S3's wire format, so boto3
    works as it does against Tigris or AWS. boto3 finds it as in production, through the AWS_* variables."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in (("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}"),
                            ("AWS_ACCESS_KEY_ID", "doolae"), ("AWS_SECRET_ACCESS_KEY", "doolae-test"),
                            ("AWS_REGION", "auto")):
            env.setenv(name, value)  # boto3 reads its endpoint and keys from these itself, as on Fly
        yield dataclasses.replace(settings, photo_store="s3://doolae-photos/visits", photo_store_region="auto")
    server.stop()


@pytest.fixture(scope="session")
def s3_photos(s3_settings):
    """The photo store on the local S3, its bucket made: one for the run (a boto3 client takes 0.2 s to make)."""
    store = open_photo_store(s3_settings)
    store.client.create_bucket(Bucket=store.bucket, CreateBucketConfiguration={"LocationConstraint": "auto"})
    return store


@pytest.fixture(scope="session")
async def redis(settings):
    pool = await create_pool(redis_settings(settings.redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture(autouse=True)
async def clean_outside(request, fake_twilio, push_service):
    """The stand-ins forget the last test's messages; Redis loses its jobs (only for tests that use it)."""
    fake_twilio.messages.clear()
    fake_twilio.scripted.clear()
    fake_twilio.invalid_numbers.clear()
    fake_twilio.requests = 0
    push_service.delivered.clear()
    push_service.gone.clear()
    if "redis" in request.fixturenames:
        await request.getfixturevalue("redis").flushdb()


@pytest.fixture(scope="session")
def app(settings, database, redis):
    application = create_app(settings)
    application.state.queue = JobQueue(redis)
    return application


@pytest.fixture
def drain(settings, redis):
    """Run the real worker (arq, burst mode) against Redis until no job is left: what a deployed worker does."""

    async def run(worker_settings=None) -> None:
        pool = await create_pool(redis_settings(settings.redis_url))
        # Fresh cron jobs each time: arq keeps their next run on the objects, and the sweep must run at start.
        worker = Worker(functions=WorkerSettings.functions, cron_jobs=copy.deepcopy(WorkerSettings.cron_jobs),
                        on_startup=WorkerSettings.on_startup,
                        on_shutdown=WorkerSettings.on_shutdown, redis_pool=pool, burst=True, poll_delay=0.01,
                        max_jobs=20, handle_signals=False, ctx={"settings": worker_settings or settings})
        try:
            await worker.main()
        finally:
            await worker.close()

    return run


class Browser(httpx.AsyncClient):
    """An HTTP client that behaves like a phone's browser: asks for HTML, keeps cookies, sends the CSRF token."""

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    async def get_page(self, url: str, **kwargs) -> httpx.Response:
        return await self.get(url, **kwargs)

    async def submit(self, url: str, data: dict | None = None, **kwargs) -> httpx.Response:
        """POST a form as the page would: fetch a page first if there is no CSRF cookie yet."""
        if not self.csrf_token():
            await self.get("/signin")
        return await self.post(url, data={"_csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


@pytest.fixture
async def client(app):
    async with Browser(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                       headers={"accept": "text/html"}, follow_redirects=True) as browser:
        yield browser


async def browsers_of(app):
    """Make browsers on this app, as many as a test wants; each is closed when the test ends."""
    opened: list[Browser] = []

    def make() -> Browser:
        browser = Browser(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                          headers={"accept": "text/html"}, follow_redirects=True)
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        await browser.aclose()


@pytest.fixture
async def make_client(app):
    """More browsers at once: a teacher and a parent side by side."""
    async for make in browsers_of(app):
        yield make


def text_of(html: str) -> str:
    """The visible text of a page, whitespace folded: what a person reads."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)  # the page's styles are written into it
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


async def snapshot_rows() -> dict:
    """Every row of every table, parents first: what restore_rows() puts back."""
    rows = {table: await table.select() for table in reversed(TABLE_CLASSES)}
    return {table: found for table, found in rows.items() if found}


async def restore_rows(engine, rows: dict) -> None:
    """Put back rows of snapshot_rows() into emptied tables: a tenth of the cost of building them again."""
    async with db.transaction():
        for table, found in rows.items():
            await table.insert(*(table(_data=row) for row in found))
    if IS_POSTGRES:  # ids go on after the restored rows', as they did when the rows were made
        await engine.run_ddl("SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('{t._meta.tablename}', 'id'), (SELECT max(id) FROM {t._meta.tablename}))"
            for t in rows))


@pytest.fixture(scope="session")
async def persona_rows(settings, database):
    """The personas, built once a run by the real services (roster import, accounts, homerooms), and every row
    that made: putting rows back costs a tenth of building them again, and most tests start from the personas."""
    from tests.personas import build_personas

    await _empty_tables(database)
    people = await build_personas(settings)
    rows = await snapshot_rows()
    await _empty_tables(database)
    return people, rows


@pytest.fixture
async def people(persona_rows, database):
    """The personas of tests/personas.py, in a database emptied just before (see empty_database)."""
    built, rows = persona_rows
    await restore_rows(database, rows)
    return copy.deepcopy(built)
