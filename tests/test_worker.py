"""The arq worker starts against the real Redis and does its housekeeping."""

from datetime import timedelta

from arq.connections import create_pool
from arq.worker import Worker

from backend import clock
from backend.accounts import sessions
from backend.accounts.tables import UserSession
from backend.notify.queue import redis_settings
from workers.settings import WorkerSettings


async def test_worker_purges_expired_sessions_and_keeps_live_ones(people, settings):
    live = await sessions.start_session(settings, people.somchai.user_id)
    await sessions.start_session(settings, people.malee.user_id)
    await UserSession.update({UserSession.expires_at: clock.now() - timedelta(days=1)}).where(
        UserSession.user == people.malee.user_id)

    pool = await create_pool(redis_settings(settings.redis_url))
    await pool.flushdb()
    await pool.enqueue_job("purge_expired", _job_id="purge-test")
    worker = Worker(functions=WorkerSettings.functions, on_startup=WorkerSettings.on_startup,
                    on_shutdown=WorkerSettings.on_shutdown, redis_pool=pool, burst=True, poll_delay=0.05,
                    handle_signals=False, ctx={"settings": settings})
    try:
        assert await worker.run_check() == 1
    finally:
        await worker.close()
    assert [s["user"] for s in await UserSession.select(UserSession.user)] == [people.somchai.user_id]
    assert await sessions.session_user(live) is not None
