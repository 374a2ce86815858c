"""A task cancelled inside a transaction (a request whose client went away: anyio cancels every await until its scope
is left; an arq job past its timeout) still ends that transaction: what it wrote is rolled back, its connection goes
back to the pool instead of staying "idle in transaction" with its locks, and on SQLite the write lock is free for
the next writer."""

import asyncio
import threading

import aiosqlite
import anyio
import asyncpg
import pytest

from backend import clock, db
from backend.students.tables import Guardian
from tests.conftest import DATABASE_URL, IS_POSTGRES

IN_TRANSACTION = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND state LIKE 'idle in transaction%'")


async def _write_then_wait(school: int, name: str, waiting: str) -> None:
    async with db.transaction():
        await Guardian.insert(Guardian(school=school, name=name, updated_at=clock.now()))
        if waiting == "query":  # cancelled while PostgreSQL runs a slow statement for us
            await db.engine().run_ddl("SELECT pg_sleep(5)")
        else:  # cancelled while our code awaits something else (an outside service, say)
            await asyncio.sleep(5)


async def _sqlite_connections_open() -> int:
    """aiosqlite connections still open (each is a thread), once those closing have had a moment."""
    for _ in range(40):
        found = sum(1 for thread in threading.enumerate() if isinstance(thread, aiosqlite.Connection))
        if not found:
            return 0
        await asyncio.sleep(0.05)
    return found


async def _left_in_transaction() -> int:
    """Connections to the tests' database idle inside a transaction, once those ending have had a moment."""
    watcher = await asyncpg.connect(DATABASE_URL)
    try:
        for _ in range(40):
            found = await watcher.fetchval(IN_TRANSACTION)
            if not found:
                return 0
            await asyncio.sleep(0.05)
        return found
    finally:
        await watcher.close()


async def _in_a_request(work) -> None:
    """As a web request runs it: its queries on the request's one connection (db.one_connection)."""
    async with db.one_connection():
        await Guardian.count()  # the request has its connection before its transaction begins
        await work


async def _pool_all_idle() -> bool:
    pool = db.engine().pool
    for _ in range(40):
        if pool.get_idle_size() == pool.get_size():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("inside", ["request", "job"])
@pytest.mark.parametrize("waiting", ["query", "other"] if IS_POSTGRES else ["other"])
@pytest.mark.parametrize("cancelled_by", ["anyio scope", "task.cancel"])
async def test_a_cancelled_transaction_is_rolled_back_and_its_connection_given_back(people, waiting, cancelled_by,
                                                                                   inside):
    def work():
        written = _write_then_wait(people.bangkok, "ยกเลิกกลางทาง", waiting)
        return _in_a_request(written) if inside == "request" else written

    if cancelled_by == "anyio scope":  # as Litestar's server does when the client goes
        with anyio.move_on_after(0.3):
            await work()
    else:  # as asyncio.wait_for does to an arq job past its timeout
        task = asyncio.ensure_future(work())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    if IS_POSTGRES:
        assert await _left_in_transaction() == 0
    else:  # the transaction's own connection was closed (a thread left open kept its lock, and the process alive)
        assert await _sqlite_connections_open() == 0
    # The next writer is not kept waiting (SQLite's busy timeout is 30 s), and the cancelled write is not there.
    with anyio.fail_after(5):
        async with db.transaction():
            await Guardian.insert(Guardian(school=people.bangkok, name="ถัดไป", updated_at=clock.now()))
    names = {row["name"] for row in await Guardian.select(Guardian.name)}
    assert "ถัดไป" in names and "ยกเลิกกลางทาง" not in names
    if IS_POSTGRES:  # every connection is back: as many requests at once as before get one
        assert await _pool_all_idle()


@pytest.mark.skipif(not IS_POSTGRES, reason="only PostgreSQL has a pool (SQLite's reads share one connection)")
async def test_requests_that_read_then_write_at_once_never_wait_for_ever_nor_keep_a_connection(people):
    """Each request holds one pooled connection: forty at once (twice the pool) that read, then write in a
    transaction, then start a task that writes after the request has ended (an in-process delivery) all finish,
    and every connection is back in the pool after."""
    late: list[asyncio.Task] = []

    async def write(name: str) -> None:
        async with db.transaction():
            await Guardian.insert(Guardian(school=people.bangkok, name=name, updated_at=clock.now()))

    async def after_the_request(n: int) -> None:
        await asyncio.sleep(0.05)
        await Guardian.count()
        await write(f"ภายหลัง {n}")

    async def request(n: int) -> None:
        async with db.one_connection():
            await Guardian.count()
            await write(f"คำขอ {n}")
            late.append(asyncio.ensure_future(after_the_request(n)))

    with anyio.fail_after(20):
        await asyncio.gather(*(request(n) for n in range(40)))
        await asyncio.gather(*late)
    names = {row["name"] for row in await Guardian.select(Guardian.name)}
    assert {f"คำขอ {n}" for n in range(40)} | {f"ภายหลัง {n}" for n in range(40)} <= names
    assert await _pool_all_idle()
