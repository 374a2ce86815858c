"""Browser tests: the real app served by a subprocess, driven by Debian's Chromium through Playwright's async API.

The server is a subprocess (`python -m backend.cli serve`), not a thread: the test process's database engine and
PostgreSQL pool belong to pytest-asyncio's session loop. Both processes use the same database (DATABASE_URL is
settled by tests/conftest.py at import time), so the `people` fixture seeds in the test process and the server
reads what it wrote. Each test gets a fresh browser context (a fresh profile: no cookies, no service worker),
360×640 like a cheap phone, in Thai.

Playwright's async API runs on the session loop too; its sync API (and the pytest-playwright plugin) would leave
a loop running and break every asyncio test after it. Deselect these tests with `-m "not e2e"`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from arq.connections import create_pool
from playwright.async_api import async_playwright

from backend.notify.queue import redis_settings
from tests.conftest import ROOT, TEST_DIR, child_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 360, "height": 640}
STARTUP_SECONDS = 60  # a busy machine (CI beside other work) imports the app slowly


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser tests (a served app and Chromium); deselect with -m 'not e2e'")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _served_redis_url(settings) -> str:
    """The served app's worker runs all session long: it gets a Redis database of its own (the next one), so it
    never takes the jobs that other tests drain with their own worker."""
    server, database = settings.redis_url.rsplit("/", 1)
    return f"{server}/{int(database) + 1}"


def _start(settings, command: list[str], log_path: Path) -> subprocess.Popen:
    env = child_env(settings, REDIS_URL=_served_redis_url(settings))
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "backend.cli", *command], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server_url(database, settings) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 (a secure context, so service workers run), with an arq worker
    beside it, once per run. `settings` has put the local Twilio and push service in the environment first.
    Their output goes to e2e-server.log and e2e-worker.log in the run's temporary folder (TEST_DIR)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = TEST_DIR / "e2e-server.log"
    process = _start(settings, ["serve", "--host", "127.0.0.1", "--port", str(port)], log_path)
    worker = _start(settings, ["worker"], TEST_DIR / "e2e-worker.log")
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{_log_tail(log_path)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /healthz in {STARTUP_SECONDS}s:\n{_log_tail(log_path)}")
            time.sleep(0.1)
        yield url
    finally:
        _stop(process)
        _stop(worker)


@pytest.fixture(autouse=True)
async def forget_earlier_tests_jobs(server_url, settings):
    """arq keeps a finished job's id for an hour and refuses a job with the same id, and every test's rows start
    again from id 1: a new message's job ("message:1:new") would be refused as done, and the message would wait
    for the outbox's sweep. In a school ids never come back; here the served worker forgets the last test's jobs."""
    pool = await create_pool(redis_settings(_served_redis_url(settings)))
    try:
        await pool.flushdb()
    finally:
        await pool.aclose()


@pytest.fixture(scope="session")
async def playwright():
    driver = await async_playwright().start()
    try:
        yield driver
    finally:
        await driver.stop()


@pytest.fixture(scope="session")
async def chromium(playwright):
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        await browser.close()


def _context_options(server_url: str) -> dict:
    return {"viewport": VIEWPORT, "locale": "th-TH", "base_url": server_url}


@pytest.fixture
async def context(chromium, server_url):
    context = await chromium.new_context(**_context_options(server_url))
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def profile_context(playwright, server_url, tmp_path):
    """A browser with an on-disk profile, for what Chromium refuses in incognito-like contexts
    (installing the app: Page.getInstallabilityErrors says "in-incognito" for a new_context())."""
    context = await playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, **_context_options(server_url))
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(context):
    return await context.new_page()


@pytest.fixture
def signed_in(server_url, settings):
    """Give a browser context a person's session cookie, as signing in would (without waiting for argon2)."""
    from backend.accounts import sessions
    from backend.accounts.middleware import SESSION_COOKIE

    async def sign_in(context, person) -> None:
        token = await sessions.start_session(settings, person.user_id)
        await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server_url,
                                    "httpOnly": True, "sameSite": "Lax"}])

    return sign_in
