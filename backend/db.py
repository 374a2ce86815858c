"""The one Piccolo app: every area's tables, the migrations folder, the engine and the transaction helper."""

from __future__ import annotations

import asyncio
import contextlib
import operator
import sqlite3
import sys
import time
from contextvars import ContextVar
from datetime import date, datetime, timezone
from functools import reduce
from pathlib import Path

import asyncpg
from piccolo.columns.combination import WhereRaw
from piccolo.conf.apps import AppConfig, table_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString

ROOT = Path(__file__).resolve().parent.parent

# Every area with a tables.py is listed here, once.
AREAS = ["schools", "accounts", "students", "attendance", "notify", "records", "visits", "screening", "behaviour",
         "care", "promotion", "leave",
         "conversations", "survey", "supervision", "summary"]

APP_CONFIG = AppConfig(
    app_name="doolae",
    migrations_folder_path=str(ROOT / "migrations"),
    table_classes=table_finder(modules=[f"backend.{area}.tables" for area in AREAS], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)


# Piccolo reads SQLite's typed columns through Python converters of two calls each (bytes to text, then the value),
# and INTEGER through int(Decimal(text)) in case a stored value is "1.0", which SQLite's INTEGER affinity already
# stores as the integer 1. They run for every id, flag, date and time of every row read (a parent's home page reads
# about a hundred); these give the same values in one call, or in none.
FAST_CONVERTERS = {
    "INTEGER": int,
    "BOOLEAN": b"1".__eq__,
    "DATE": lambda value: date.fromisoformat(value.decode()),
    "TIMESTAMPTZ": lambda value: datetime.fromisoformat(value.decode()).replace(tzinfo=timezone.utc),
}
for declared, converter in FAST_CONVERTERS.items():
    sqlite3.register_converter(declared, converter)


_ending: set[asyncio.Task] = set()  # transactions still ending after their task was cancelled (kept from the GC)


async def _to_the_end(work) -> None:
    """Await work that must not stop half way, in its own task: a cancellation of the caller reaches the caller (at
    once) but not the work, which goes on to its end."""
    task = asyncio.ensure_future(work)
    _ending.add(task)
    task.add_done_callback(_ending.discard)
    await asyncio.shield(task)


class EndsEvenIfCancelled:
    """Piccolo's transactions end (commit or roll back, then give the connection back) by awaits that a cancelled
    task cuts short: a request whose client went away (anyio cancels every await until its scope is left), an arq
    job past its timeout. The connection then stayed checked out of the pool "idle in transaction", holding its row
    locks (on SQLite, the write lock: every writer after waited, then failed), until the process ended. Here the
    ending runs to its end whatever happens to the task; the task still gets its cancellation, and the commit's
    error if it failed."""

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            if isinstance(self, PostgresTransaction):
                self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:  # piccolo 1.38 kept the connection (on SQLite, a non-daemon thread hanging exit)
            await _to_the_end(self._give_back())
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        self.engine.current_transaction.reset(self.context)
        await _to_the_end(self._end(failed=exception is not None))
        return exception is None

    async def _end(self, failed: bool) -> None:
        try:
            if failed:
                if not self._rolled_back:  # the caller may have rolled back already
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self._give_back()

    async def _give_back(self) -> None:
        held = getattr(self, "_held", None)
        if held is not None:  # the request's own connection: it stays the request's
            await held.after_transaction(self.connection)
            return
        pool = getattr(self.engine, "pool", None)
        if pool is not None:
            await pool.release(self.connection)  # rolls back whatever the ending could not
        else:
            await self.connection.close()


class SafeSQLiteTransaction(EndsEvenIfCancelled, SQLiteTransaction):
    pass


class SafePostgresTransaction(EndsEvenIfCancelled, PostgresTransaction):
    async def get_connection(self):
        # Inside a request, its own connection (waiting while its other reads use it), never a second one from the
        # pool: a request holding one connection while waiting for another is how a burst of sign-ins once took all
        # twenty and waited for ever.
        held = _held()
        connection = await held.take_for_transaction() if held is not None else None
        self._held = held if connection is not None else None
        return connection if connection is not None else await super().get_connection()


class RequestConnection:
    """A request's one PostgreSQL connection, taken from the pool at its first query and given back when it ends.
    Taking a pooled connection and giving it back costs about 0.05 ms of CPU a query (asyncpg's pool is Python);
    a parent's home page made ten. Its reads and transactions take turns on it (a lock), so tasks the request
    starts share it safely, and a request never waits for a second connection while holding one."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.connection = None
        self.turn = asyncio.Lock()
        # False once the request has ended: a task it started that outlives it (an in-process delivery) goes to
        # the pool as any other, instead of taking a connection no one would give back.
        self.open = True

    async def _connection(self):
        if self.connection is None:
            self.connection = await self.pool.acquire()
        return self.connection

    async def fetch(self, query: str, args) -> list:
        async with self.turn:
            if not self.open:  # the request ended while this waited its turn
                return await self.pool.fetch(query, *args)
            connection = await self._connection()
            try:
                return await connection.fetch(query, *args)
            except CONNECTION_LOST:
                self._forget()
                await self._release(connection)
                raise

    async def take_for_transaction(self):
        """The connection, this transaction's until after_transaction(); None if the request ended meanwhile."""
        await self.turn.acquire()
        try:
            if not self.open:
                self.turn.release()
                return None
            return await self._connection()
        except BaseException:
            self.turn.release()
            raise

    async def after_transaction(self, connection) -> None:
        try:
            if connection.is_closed() or connection.is_in_transaction():  # the ending failed half way
                self._forget()
                await self._release(connection)  # rolls back, or closes
        finally:
            self.turn.release()

    def _forget(self) -> None:
        """A connection that failed is not the request's any more (the pool renews or closes it)."""
        self.connection = None

    async def give_back(self) -> None:
        async with self.turn:  # after whatever a task of the request is doing on it
            self.open = False
            if self.connection is not None:
                connection, self.connection = self.connection, None
                await self._release(connection)

    async def _release(self, connection) -> None:
        # A connection the server closed has gone back to the pool by itself (asyncpg's holder then refuses it).
        with contextlib.suppress(asyncpg.exceptions.InterfaceError, asyncpg.exceptions.InternalClientError):
            await self.pool.release(connection)


_request_connection: ContextVar[RequestConnection | None] = ContextVar("doolae_request_connection", default=None)


def _held() -> RequestConnection | None:
    held = _request_connection.get()
    return held if held is not None and held.open else None


@contextlib.asynccontextmanager
async def one_connection():
    """Around a web request: on PostgreSQL, all its queries on one pooled connection (see RequestConnection)."""
    db = engine()
    if not isinstance(db, PostgresEngine) or db.pool is None or _held() is not None:
        yield
        return
    held = RequestConnection(db.pool)
    token = _request_connection.set(held)
    try:
        yield
    finally:
        _request_connection.reset(token)
        await _to_the_end(held.give_back())


class SafeSQLiteEngine(SQLiteEngine):
    # Piccolo opens a new aiosqlite connection (a new thread) for every query outside a transaction, about 1.7 ms
    # each. Plain SELECTs share one long-lived connection per event loop instead, run on the loop's own thread: a
    # read by primary key takes a few microseconds in SQLite, while handing it to aiosqlite's thread and back costs
    # about 0.09 ms of CPU (a parent's home page makes three). WAL lets it read beside writers without waiting for
    # them, and outside a transaction each statement sees what was committed before it. Closed by stop().
    _readers: dict = {}  # per event loop: the connection, and when it was opened (time.monotonic())
    # SQLite reads the planner's statistics when a connection opens; a reader reopens after this long, so it plans
    # with those the worker's refresh_statistics() gathered in the night.
    READER_SECONDS = 3600

    def _reader(self) -> sqlite3.Connection:
        loop = asyncio.get_running_loop()
        found = self._readers.get(id(loop))
        if found is not None and time.monotonic() - found[1] < self.READER_SECONDS:
            return found[0]
        if found is not None:
            found[0].close()
        reader = sqlite3.connect(**self.connection_kwargs)
        reader.execute("PRAGMA foreign_keys = 1")
        self._readers[id(loop)] = (reader, time.monotonic())
        return reader

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query_type == "generic" and query.lstrip()[:6].upper() == "SELECT":
            # Executed and read to the end in one call, so no other request's statement runs in between. Rows are
            # made dicts here, with the column names read once per query rather than once per row.
            cursor = self._reader().execute(query, args or [])
            rows = cursor.fetchall()
            names = [column[0] for column in cursor.description] if rows else []
            return [dict(zip(names, row, strict=True)) for row in rows]
        return await super()._run_in_new_connection(query, args, query_type, table)

    async def close_readers(self) -> None:
        for reader, _opened in list(self._readers.values()):
            reader.close()
        self._readers.clear()

    def transaction(self, transaction_type=TransactionType.deferred, allow_nested=True):
        return SafeSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


# What a broken unique key raises, on either engine.
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)

# What a query raises when PostgreSQL's side of its connection is gone (a restart, a failover, an operator's
# pg_terminate_backend): the query did not run, or its answer was lost with the connection.
CONNECTION_LOST = (asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                   asyncpg.exceptions.InternalClientError, ConnectionError)


class ReconnectingPostgresEngine(PostgresEngine):
    """The pool keeps idle connections that the server may have closed, and learns it only on the next query.
    A lost connection renews the whole pool (a restart loses them all at once), and a read outside a transaction
    is asked once more on a fresh connection; anything else is the caller's to answer ("try again")."""

    def transaction(self, allow_nested=True):
        return SafePostgresTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query, args=None):
        held = _held()
        ask = super()._run_in_pool if held is None else (lambda q, a: held.fetch(q, a or []))
        try:
            return await ask(query, args)
        except CONNECTION_LOST:
            await self.pool.expire_connections()
            if query.lstrip()[:6].upper() != "SELECT":
                raise  # a write may have been done before its answer was lost: never run it twice
            return await ask(query, args)


def forget_connections() -> None:
    """After a lost connection surfaced (inside a transaction, say): open fresh ones for the next requests."""
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        asyncio.get_running_loop().create_task(db.pool.expire_connections())


def make_engine(database_url: str) -> Engine:
    if database_url.startswith(("postgres://", "postgresql://")):
        return ReconnectingPostgresEngine(config={"dsn": database_url})
    path = Path(database_url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; the setting is stored in the file.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    # A long busy timeout makes concurrent writers wait their turn instead of failing.
    return SafeSQLiteEngine(path=str(path), timeout=30)


_configured: tuple[str, Engine] | None = None  # the database URL in use, and its engine


def configure(database_url: str) -> Engine:
    """Use the database the Settings name: create_app(), the worker and the doolae command call this before any
    query. Every table of the app, and piccolo's own migration table and runner (which read piccolo_conf.DB), get
    this engine, so nothing depends on what the environment said when a module was imported."""
    global _configured
    if _configured is not None and _configured[0] == database_url:
        return _configured[1]
    from piccolo.apps.migrations.tables import Migration

    chosen = make_engine(database_url)
    for table in [*APP_CONFIG.table_classes, Migration]:
        table._meta.db = chosen
    conf = sys.modules.get("piccolo_conf")
    if conf is not None:
        conf.DB = chosen
    _configured = (database_url, chosen)
    return chosen


def engine() -> Engine:
    """The engine in use: the configured one, else (a script, piccolo's command line) the one DATABASE_URL names."""
    if _configured is None:
        from backend.config import Settings

        return configure(Settings.from_env().database_url)
    return _configured[1]


_engine_sql: dict[tuple[str, str], str] = {}  # fetch()'s SQL as each engine takes it, made once


async def fetch(sql: str, *values) -> list[dict]:
    """The rows of a read written out in SQL with {} for its values, as Table.raw() returns them, for the reads
    every request makes (the session; a parent's children and their day). raw() parses and rewrites the SQL for
    the engine on every call, about 0.02 ms of CPU a query; here that is done once per SQL. The engine still runs
    it (transactions, reconnection, and the benchmarks' query counts are as for raw())."""
    db = engine()
    key = (sql, db.engine_type)
    ready = _engine_sql.get(key)
    if ready is None:
        ready = _engine_sql[key] = QueryString(sql, *values).compile_string(db.engine_type)[0]
    query = QueryString(sql)
    query.args = values  # plain values: nothing for QueryString to convert (it looks for columns among them)
    query._frozen_compiled_strings = (ready, list(values))  # what compile_string() would give, without parsing
    rows = await db.run_querystring(query)
    return db.transform_response_to_dicts(rows) if rows else []


def transaction():
    """One atomic unit of work. On SQLite it takes the write lock up front (IMMEDIATE):
    a deferred transaction that reads and then writes fails at once under contention."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


# PostgreSQL's protocol carries at most 32,767 values a statement: a school's survey codes by SMS to 4,000 guardians
# are more (fourteen values a message). Writes that grow with the school go in slices of this many rows.
BATCH_ROWS = 1000


def batches(rows: list) -> list[list]:
    """Rows in slices of BATCH_ROWS, each small enough for one statement on either engine."""
    return [rows[start:start + BATCH_ROWS] for start in range(0, len(rows), BATCH_ROWS)]


async def refresh_statistics() -> None:
    """SQLite chooses among a table's indexes from statistics that only ANALYZE gathers (sqlite_stat1); without
    them it guesses, and has read a whole school's register history for one parent's page. The worker runs this each
    night and when it starts (about 0.2 s for a school with a term's data). PostgreSQL's autovacuum keeps its own."""
    if isinstance(engine(), SQLiteEngine):
        await engine().run_ddl("ANALYZE")


def index_migration(migration_id: str, description: str, unique: list[tuple], plain: list[tuple]):
    """A migration's forwards() creating indexes by raw DDL, which both engines share. Composite unique keys are
    made this way because piccolo adds Unique constraints with ALTER TABLE … ADD CONSTRAINT, which SQLite lacks.
    Each index is (name, table, "column, column")."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager

    async def forwards():
        manager = MigrationManager(migration_id=migration_id, app_name="doolae", description=description)

        async def create():
            for name, table, columns in unique:
                await engine().run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
            for name, table, columns in plain:
                await engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

        async def drop():
            for name, _, _ in unique + plain:
                await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

        manager.add_raw(create)
        manager.add_raw_backwards(drop)
        return manager

    return forwards


async def lock(kind: str, key: int) -> None:
    """Inside a transaction: serialise writers of one thing (say, one classroom's register) until commit.
    PostgreSQL takes an advisory lock; SQLite's IMMEDIATE transaction already admits one writer at a time."""
    db = engine()
    if isinstance(db, PostgresEngine):
        namespace = int.from_bytes(kind.encode()[:4].ljust(4, b"\0"), "big") & 0x7FFFFFFF
        await db.run_ddl(f"SELECT pg_advisory_xact_lock({namespace}, {int(key)})")


# A whole school's students in one IN (...): the largest Thai schools have about 5,000, and both engines take up to
# 32,766 parameters. Reads use it, so a page costs the same number of queries in a small school and a big one.
WHOLE_SCHOOL = 5000


def chunks(ids: list, size: int = 500):
    """Ids in slices small enough for an IN (...) on either engine (SQLite allows 32,766 parameters); 500 suits
    multi-row inserts (rows × columns parameters), WHOLE_SCHOOL a select."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def among(column, ids) -> WhereRaw:
    """`column IN (ids)` for a whole school's ids in one query, the ids (checked to be integers) written into the
    SQL: Piccolo's is_in() converts and binds every value, about 8 ms per 1,000 ids each time on either engine, which
    cost a big school's pages more than their queries did. No parameter limit applies; no ids match nothing."""
    listed = ",".join(str(int(i)) for i in ids) or "NULL"
    return WhereRaw(f"{column._meta.get_full_name(with_alias=False)} IN ({listed})")


def either(clauses):
    """The OR of where-clauses (each school's own, in a read made once for several schools); nothing matches none."""
    return reduce(operator.or_, clauses, WhereRaw("1 = 0"))


async def newest_per_student(table, columns, student_ids: list[int], where) -> dict[int, dict]:
    """The newest row of each student in an append-only table (the record's entries, visits, decisions)."""
    found: dict[int, dict] = {}
    rows = await table.select(table.student, *columns).where(among(table.student, student_ids) & where).order_by(
        table.id, ascending=False).output(load_json=True)
    for row in rows:
        found.setdefault(row["student"], row)
    return found


def contains(column, text: str):
    """A case-insensitive substring match on either engine (SQLite's LIKE already ignores ASCII case)."""
    pattern = f"%{text}%"
    return column.like(pattern) if isinstance(engine(), SQLiteEngine) else column.ilike(pattern)


def school_month(column, alias: str | None = None) -> QueryString:
    """A timestamp's month in school time as "YYYY-MM", for GROUP BY on either engine (Bangkok keeps UTC+7 all
    year, so SQLite's fixed shift is exact; its timestamps are stored in UTC)."""
    if isinstance(engine(), SQLiteEngine):
        return QueryString("strftime('%Y-%m', {}, '+7 hours')", column, alias=alias)
    return QueryString("to_char({} AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM')", column, alias=alias)


async def _keep_session(connection) -> None:
    """asyncpg's default reset sends RESET ALL, UNLISTEN *, CLOSE ALL and an advisory unlock each time a connection
    goes back to the pool (after every query): a round trip for nothing, as Doolae sets none of those (its locks are
    transaction-scoped). asyncpg still rolls back a transaction left open."""


async def start(db: Engine) -> bool:
    """Open the PostgreSQL pool unless one is open already (tests open it once); True if this call opened it.
    On SQLite: True, so that the caller's stop() closes the shared reading connection."""
    if isinstance(db, PostgresEngine) and db.pool is None:
        await db.start_connection_pool(min_size=2, max_size=20, reset=_keep_session)
        return True
    return isinstance(db, SafeSQLiteEngine)


async def stop(db: Engine) -> None:
    if isinstance(db, SafeSQLiteEngine):
        await db.close_readers()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
        db.pool = None
