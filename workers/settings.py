"""WorkerSettings for arq: `doolae worker` (or `arq workers.settings.WorkerSettings`) runs it."""

from __future__ import annotations

import dataclasses

from arq import cron
from arq.worker import func

from backend import db
from backend.accounts import sessions
from backend.config import Settings
from backend.notify import line_account
from backend.notify.queue import SEND_JOB, queue_name, redis_settings
from backend.notify.delivery import close_delivery, open_delivery
from workers.digests import compile_digests, compile_family_summaries
from workers.line import morning_summaries
from workers.messages import fall_back_unread, send_message, sweep_outbox
from workers.rules import behaviour_attendance


async def startup(ctx: dict) -> None:
    ctx.setdefault("settings", Settings.from_env())  # tests pass their own
    ctx["db"] = db.configure(ctx["settings"].database_url)
    ctx["db_opened"] = await db.start(ctx["db"])
    ctx["delivery"] = await open_delivery(ctx["settings"], ctx["redis"])


async def shutdown(ctx: dict) -> None:
    await close_delivery(ctx["delivery"])
    if ctx.get("db_opened"):
        await db.stop(ctx["db"])


async def purge_expired(ctx: dict) -> int:
    """Hourly housekeeping: expired sessions, stale sign-in codes, old failed sign-ins, old LINE webhook events and
    codes."""
    await line_account.purge_old()
    return await sessions.purge_expired(ctx["settings"])


async def refresh_statistics(ctx: dict) -> None:
    """Nightly: the database's statistics for its query planner (db.refresh_statistics)."""
    await db.refresh_statistics()


DEPLOYMENT = Settings.from_env().deployment


class WorkerSettings:
    functions = [purge_expired, refresh_statistics, func(send_message, name=SEND_JOB),
                 compile_digests,  # weekly digests (behaviour.digest)
                 compile_family_summaries]  # weekly family summaries (summary.services)
    # Named after the deployment: arq keeps a cron run's job id across queues, so another deployment's sweep
    # at the same second would otherwise stand in for ours.
    cron_jobs = [
        cron(purge_expired, name=f"cron:{DEPLOYMENT}:purge_expired", minute=7, run_at_startup=True),
        # 02:37 in Thailand (the worker's clock is UTC), and at start: a new school's first data is planned well.
        cron(refresh_statistics, name=f"cron:{DEPLOYMENT}:refresh_statistics", hour=19, minute=37,
             run_at_startup=True),
        cron(sweep_outbox, name=f"cron:{DEPLOYMENT}:sweep_outbox", second={0, 20, 40}, run_at_startup=True),
        # A push not opened in time gets one SMS in its place (issue 13); once-only, so a missed minute is caught up.
        cron(fall_back_unread, name=f"cron:{DEPLOYMENT}:fall_back_unread", second=10, run_at_startup=True),
        # Behaviour rules over attendance and automatic deductions (issue 11).
        cron(behaviour_attendance, name=f"cron:{DEPLOYMENT}:behaviour_attendance", minute=set(range(0, 60, 5)),
             second=30, run_at_startup=True),
        # Weekly digests: each hour, each school whose digest hour has passed; building is once-only, so an
        # hour missed (the worker down) is caught up at the next.
        cron(compile_digests, name=f"cron:{DEPLOYMENT}:compile_digests", minute=3),
        # Weekly family summaries (issue 13): each hour from Friday 18:00 school time until the weekend ends; once per
        # guardian and week, so the first run after 18:00 builds them and later ones catch up whatever it missed.
        cron(compile_family_summaries, name=f"cron:{DEPLOYMENT}:compile_family_summaries", minute=13),
        # The morning register summary to each grade's staff group on LINE (issue 13): once per grade and day, so
        # a run repeated (two workers, a restart) sends nothing more.
        cron(morning_summaries, name=f"cron:{DEPLOYMENT}:morning_summaries", minute=set(range(0, 60, 5)),
             second=45, run_at_startup=True),
    ]
    queue_name = queue_name(DEPLOYMENT)
    on_startup = startup
    on_shutdown = shutdown
    # The web starts without Redis (conn_retries=0); the worker exists to use it, so a Redis restart while the
    # worker starts is waited out rather than fatal.
    redis_settings = dataclasses.replace(redis_settings(Settings.from_env().redis_url), conn_retries=10,
                                         conn_timeout=5)
    max_jobs = 20
    max_tries = 3  # the outbox row counts real attempts; arq's own retries only cover a crashed job
    job_timeout = 60

