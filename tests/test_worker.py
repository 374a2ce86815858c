"""The arq worker starts against the real Redis and does its housekeeping."""

from datetime import timedelta

from arq.connections import create_pool
from arq.worker import Worker

from backend import clock
from backend.accounts import services as accounts
from backend.accounts.tables import UserSession
from backend.notify.queue import redis_settings
from workers.settings import WorkerSettings


async def test_worker_purges_expired_sessions_and_keeps_live_ones(people, settings):
    live = await accounts.start_session(settings, people.somchai.user_id)
    await accounts.start_session(settings, people.malee.user_id)
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
    assert await accounts.session_user(live) is not None


async def test_two_deployments_on_one_redis_never_take_each_others_jobs(people, settings, fake_twilio):
    """Two schools' deployments (say a staging and a production app) share one Redis: each worker sends only
    its own deployment's messages, and the same message id in both is two jobs, not one."""
    from backend.notify import outbox
    from backend.notify.queue import JobQueue, connect, queue_name

    [message_id] = await outbox.text_person(settings, school_id=people.bangkok, user_id=people.kanya.user_id,
                                            phone="+66890000001", locale="th", kind="sign_in_code",
                                            event_key="two-deployments", values={"code": "123456", "minutes": 30})
    staging = await connect(settings.redis_url, queue_name("staging"))
    production = await connect(settings.redis_url, queue_name("doolae"))
    await staging.flushdb()
    await JobQueue(staging).send([message_id])
    await JobQueue(production).send([message_id])
    assert await staging.zcard(queue_name("staging")) == 1 and await production.zcard(queue_name("doolae")) == 1

    async def burst(pool, deployment: str) -> None:
        worker = Worker(functions=WorkerSettings.functions, redis_pool=pool, queue_name=queue_name(deployment),
                        on_startup=WorkerSettings.on_startup, on_shutdown=WorkerSettings.on_shutdown, burst=True,
                        poll_delay=0.05, handle_signals=False, ctx={"settings": settings})
        try:
            await worker.run_check()
        finally:
            await worker.close()

    await burst(production, "doolae")
    assert len(fake_twilio.sent_to("+66890000001")) == 1
    assert await staging.zcard(queue_name("staging")) == 1  # staging's job is still waiting for its own worker
    await staging.aclose()
    await production.aclose()
