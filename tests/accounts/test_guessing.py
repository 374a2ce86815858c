"""Guessing passwords and codes: the probe's ways around the throttle (issue 9, findings 2, 3 and 5)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from backend import clock, db
from backend.notify.queue import JobQueue
from backend.accounts import codes
from backend.app import create_app
from tests.conftest import IS_POSTGRES, ROOT, TEST_DIR, child_env, free_port, text_of
from tests.personas import PASSWORD


async def sign_in(client, username: str, password: str, **headers):
    if not client.cookies.get("csrftoken"):
        await client.get("/signin")
    return await client.post("/signin", data={"_csrf_token": client.cookies.get("csrftoken"), "username": username,
                                              "password": password, "next": "/"}, headers=headers)


async def test_a_very_long_proxy_address_is_refused_politely_and_still_counted(settings, people):
    behind_fly = create_app(dataclasses.replace(settings, client_ip_header="Fly-Client-IP"))
    address = "1" * 5000
    # The clock stands still: on a busy machine a wrong password's hashing outlasts the first short wait.
    with clock.set_to(clock.now()):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=behind_fly), base_url="http://testserver",
                                     headers={"accept": "text/html"}) as client:
            for _ in range(5):
                page = await sign_in(client, "somchai", "guess", **{"Fly-Client-IP": address})
                assert page.status_code == 422, page.status_code
            page = await sign_in(client, "somchai", "guess", **{"Fly-Client-IP": address})
            assert page.status_code == 429


@pytest.fixture(scope="module")
def served(database, settings):
    """The app as `doolae serve` runs it in production, in its own process (no proxy header configured)."""
    port = free_port()
    log = open(TEST_DIR / "guessing-server.log", "wb")  # noqa: SIM115 (closed after the module's tests)
    env = {key: value for key, value in child_env(settings).items() if key != "CLIENT_IP_HEADER"}
    process = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a busy machine imports the app slowly
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).text == "ok":
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "the server did not start"
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


async def test_forged_forwarded_for_headers_do_not_make_new_addresses(served, settings):
    async with httpx.AsyncClient(base_url=served, headers={"accept": "text/html"}) as client:
        statuses, sent_at = [], []
        for i in range(settings.sign_in_limit_per_address + 1):
            sent_at.append(time.monotonic())
            page = await sign_in(client, f"guess{i}", "x", **{"X-Forwarded-For": f"10.0.{i // 200}.{i % 200}"})
            statuses.append(page.status_code)
    assert statuses[:-1] == [422] * settings.sign_in_limit_per_address
    # Held for a second after the limit; a machine so busy that the last guess left later than that (the server
    # runs on its own clock) proves nothing either way.
    assert statuses[-1] == 429 or sent_at[-1] - sent_at[-2] > 1


async def test_forty_parallel_guesses_are_not_all_tried(make_client, people):
    pages = await asyncio.gather(*(sign_in(make_client(), "somchai", f"guess-{i}") for i in range(40)))
    tried = [page for page in pages if page.status_code == 422]
    # Five free tries, then one each time a wait (1 s, 2 s, …) has passed while the others queue.
    assert len(tried) <= 7
    assert all(page.status_code == 429 for page in pages if page.status_code != 422)


async def test_an_unknown_name_takes_as_long_as_a_wrong_password(client, people):
    async def timed(username: str) -> float:
        started = time.perf_counter()
        await sign_in(client, username, "wrong-password")
        return time.perf_counter() - started

    await timed("somchai")  # warm up
    known, unknown = [], []
    for i in range(4):  # interleaved, so that a busy machine slows both alike
        known.append(await timed("somchai"))
        unknown.append(await timed(f"nobody{i}"))
    assert statistics.median(unknown) > 0.6 * statistics.median(known)


async def test_wrong_passwords_slow_down_instead_of_locking_out(client, people):
    start = clock.now()
    with clock.set_to(start):
        for _ in range(5):
            assert (await sign_in(client, "somchai", "guess")).status_code == 422
        page = await sign_in(client, "somchai", PASSWORD)  # even the right password waits its turn
    assert page.status_code == 429
    assert re.search(r"กรุณารอ \d+ วินาที", text_of(page.text)), text_of(page.text)
    assert 'name="username"' in page.text and 'value="somchai"' in page.text  # the form, to try again after the wait
    with clock.set_to(start + timedelta(seconds=60)):
        assert (await sign_in(client, "somchai", "guess")).status_code == 422
        # Each further failure doubles the wait (2 s now, less the time the check took).
        assert re.search(r"กรุณารอ [12] วินาที", text_of((await sign_in(client, "somchai", PASSWORD)).text))
    with clock.set_to(start + timedelta(seconds=120)):
        page = await sign_in(client, "somchai", PASSWORD)
    assert page.status_code == 303 or "สวัสดี ครูสมชาย" in text_of(page.text)
    with clock.set_to(start + timedelta(seconds=120)):
        # A success forgets the account's failures.
        assert (await sign_in(client, "somchai", "guess")).status_code == 422


async def test_parallel_code_guesses_get_five_tries(make_client, people, settings):
    viewer = await people.kanya.viewer()
    issued = await codes.issue_sign_in_code(settings, JobQueue(None), viewer, people.guardians["+66822222222"])
    wrong = [f"{(int(issued.code) + i) % 1_000_000:06d}" for i in range(1, 25)]

    async def guess(code: str, i: int):
        try:
            await codes.redeem_sign_in_code(settings, "0822222222", code, f"10.1.0.{i}")
            return "right"
        except codes.AccountError as error:
            return error.message

    outcomes = await asyncio.gather(*(guess(code, i) for i, code in enumerate(wrong)))
    assert outcomes.count("The code is not right. Check the SMS and try again.") <= 5
    assert await guess(issued.code, 99) != "right"  # the code is spent


async def _stored_bytes() -> int:
    if IS_POSTGRES:
        rows = await db.engine().run_ddl(
            "SELECT sum(pg_total_relation_size(c.oid)) AS size FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
        return int(rows[0]["size"])
    rows = await db.engine().run_ddl("SELECT (p.page_count - f.freelist_count) * s.page_size AS size "
                                     "FROM pragma_page_count p, pragma_freelist_count f, pragma_page_size s")
    return int(rows[0]["size"])


async def test_long_typed_names_are_not_stored(client, people):
    before = await _stored_bytes()
    for _ in range(10):
        page = await sign_in(client, secrets.token_hex(50_000), "x")  # 100 KB each, incompressible
        assert page.status_code == 422
    assert await _stored_bytes() - before < 200_000
