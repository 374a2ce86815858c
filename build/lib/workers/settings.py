"""WorkerSettings for arq: `doolae worker` (or `arq workers.settings.WorkerSettings`) runs it."""

from __future__ import annotations

from arq import cron
from arq.connections import RedisSettings

from backend import db
from backend.accounts import services as accounts
from backend.config import Settings


async def startup(ctx: dict) -> None:
    ctx["settings"] = Settings.from_env()
    ctx["db"] = db.engine()
    ctx["db_opened"] = await db.start(ctx["db"])


async def shutdown(ctx: dict) -> None:
    if ctx.get("db_opened"):
        await db.stop(ctx["db"])


async def purge_expired(ctx: dict) -> int:
    """Hourly housekeeping: expired sessions, stale sign-in codes, old failed sign-ins."""
    return await accounts.purge_expired(ctx["settings"])


class WorkerSettings:
    functions = [purge_expired]
    cron_jobs = [cron(purge_expired, minute=7, run_at_startup=True)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(Settings.from_env().redis_url)
    max_tries = 5
    job_timeout = 60
