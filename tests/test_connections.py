"""A request's reads on one pooled PostgreSQL connection (db.one_connection, backend.connections), given back as its
answer starts: the pool's round trip per query (0.05 ms of CPU each, eleven on a parent's home page) paid once."""

import asyncio

import pytest

from backend import db

pytestmark = pytest.mark.skipif(db.engine().engine_type != "postgres", reason="SQLite reads on the loop's connection")

PID = "SELECT pg_backend_pid() AS pid"


async def test_a_requests_reads_share_one_connection_and_a_task_it_starts_takes_its_own(database):
    pool = database.pool
    async with db.one_connection():
        first, second = [(await db.fetch(PID))[0]["pid"] for _ in range(2)]
        assert first == second
        assert pool.get_idle_size() == pool.get_size() - 1  # one taken, and kept between reads
        side, again = await asyncio.gather(db.fetch(PID), db.fetch(PID))  # tasks of their own: no clash
        assert first not in (side[0]["pid"], again[0]["pid"])
    assert pool.get_idle_size() == pool.get_size()  # given back when the request ends


async def test_a_page_gives_its_connection_back(client, people, settings, database):
    await people.somsri.sign_in(settings, client)
    assert "วันนี้:" in (await client.get("/")).text
    assert database.pool.get_idle_size() == database.pool.get_size()
