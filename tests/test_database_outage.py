"""PostgreSQL connections killed under the app (a failover, a restart, an operator's pg_terminate_backend): a page
request that loses its connection is answered again or with a Thai "try again" page (503), never a bare 500, and
the next request works."""

import asyncio

import asyncpg
import pytest

from tests.conftest import DATABASE_URL, IS_POSTGRES, text_of

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has no server connections to lose")

KILL = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")


async def kill_connections() -> int:
    killer = await asyncpg.connect(DATABASE_URL)
    try:
        return len(await killer.fetch(KILL))
    finally:
        await killer.close()


def pages(people) -> list[str]:
    return ["/", f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}", f"/records/{people.students['10001']}",
            "/visits", "/screening", f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}"]


async def test_pages_work_after_their_connections_were_killed(client, people, settings):
    await people.somchai.sign_in(settings, client)
    for url in pages(people) * 2:
        assert await kill_connections() >= 1
        response = await client.get(url)
        if response.status_code == 503:  # told to try again: and trying again works
            assert "ลองใหม่" in text_of(response.text)
            response = await client.get(url)
        assert response.status_code == 200, url


async def test_connections_killed_during_requests_never_give_a_server_error(make_client, people, settings):
    browsers = [make_client() for _ in range(4)]
    for browser in browsers:
        await people.somchai.sign_in(settings, browser)
    urls = pages(people)
    statuses: list[tuple[int, str]] = []
    done = asyncio.Event()

    async def browse(browser, offset: int) -> None:
        for i in range(30):
            url = urls[(i + offset) % len(urls)]
            response = await browser.get(url)
            statuses.append((response.status_code, url))
            if response.status_code == 503:
                assert "ลองใหม่" in text_of(response.text)

    async def keep_killing() -> None:
        while not done.is_set():
            await kill_connections()
            await asyncio.sleep(0.02)

    killer = asyncio.create_task(keep_killing())
    try:
        await asyncio.gather(*(browse(browser, n) for n, browser in enumerate(browsers)))
    finally:
        done.set()
        await killer
    assert not [s for s in statuses if s[0] not in (200, 503)], statuses
    assert len(statuses) == 120
    for url in urls:  # once the database is left alone, every page opens
        assert (await browsers[0].get(url)).status_code == 200
