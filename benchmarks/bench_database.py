"""What every benchmark needs of its database: a PostgreSQL database nobody else is using, and a fresh schema.
The benchmarks import it as a sibling module (python benchmarks/<name>.py puts this folder on the path)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, contextmanager


def database_arguments(description: str, default_postgres_url: str):
    """The argument parser every benchmark starts from: which engine, which PostgreSQL database, --force."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=default_postgres_url,
                        help="its schema public is DROPPED and recreated (default: %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="drop the PostgreSQL schema even when other sessions are connected")
    return parser


def postgres_guard(url: str, force: bool, create: bool = False) -> None:
    """Refuse to run when other sessions use the database (the benchmark drops its schema under them); with
    `create`, make the database first when it is missing."""
    import asyncpg

    async def others() -> list:
        try:
            connection = await asyncpg.connect(url)
        except asyncpg.InvalidCatalogNameError:
            if not create:
                raise
            base, _, name = url.rpartition("/")
            admin = await asyncpg.connect(f"{base}/postgres")
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            connection = await asyncpg.connect(url)
        try:
            return await connection.fetch("SELECT pid FROM pg_stat_activity "
                                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            await connection.close()

    found = asyncio.run(others())
    if found and not force:
        raise SystemExit(f"{len(found)} other session(s) are connected to {url}; this benchmark would drop its "
                         f"schema public under them. Wait for them to finish, or pass --force.")


async def fresh_schema(is_postgres: bool) -> None:
    """An empty database at the newest migration (SQLite benchmarks start from a new file)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import db

    if is_postgres:
        await db.engine().run_ddl("DROP SCHEMA public CASCADE")
        await db.engine().run_ddl("CREATE SCHEMA public")
    result = await run_forwards("doolae")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")


def use_database(args, work_prefix: str) -> str:
    """The database of this run (a PostgreSQL one checked by postgres_guard, or SQLite in a new temp folder), set
    in the environment with the rest the backend reads when it is first imported: call before importing it."""
    import os
    import sys
    import tempfile
    from pathlib import Path

    if args.database == "postgres":
        postgres_guard(args.postgres_url, args.force, create=True)
        database_url = args.postgres_url
    else:
        database_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix=work_prefix)) / 'bench.sqlite'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-for-doolae-benchmarks-0123456789")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    return database_url


@contextmanager
def counting_queries(engine):
    """Counts every SQL statement the engine runs inside the block: yields {"queries": n}, which the caller may
    set back to 0 between measurements."""
    counter = {"queries": 0}
    engine_class = type(engine)
    original = engine_class.run_querystring

    async def counted(self, querystring, in_pool=False):
        counter["queries"] += 1
        return await original(self, querystring, in_pool)

    engine_class.run_querystring = counted
    try:
        yield counter
    finally:
        engine_class.run_querystring = original


@asynccontextmanager
async def fresh_database(args):
    """The backend's engine, started on an empty database at the newest migration; stopped at the end."""
    from backend import db

    engine = db.engine()
    await db.start(engine)
    try:
        await fresh_schema(args.database == "postgres")
        yield engine
    finally:
        await db.stop(engine)


async def small_and_big_schools(rooms_per_grade: int) -> dict:
    """Two demo schools with six weeks of attendance: "small" (one classroom) and "big" (ม.1–ม.6, rooms_per_grade
    rooms each): a measure that is the same in both does not grow with the school."""
    from backend import demo

    return {"small": await demo.create_demo_school("SMALL", ("ม.1",), 1, history=True),
            "big": await demo.create_demo_school("BIG", ("ม.1", "ม.2", "ม.3", "ม.4", "ม.5", "ม.6"),
                                                 rooms_per_grade, seed=2570, history=True)}
