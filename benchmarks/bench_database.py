"""What every benchmark needs of its database: a PostgreSQL database nobody else is using, and a fresh schema.
The benchmarks import it as a sibling module (python benchmarks/<name>.py puts this folder on the path)."""

from __future__ import annotations

import asyncio


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
