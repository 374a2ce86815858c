"""Handing messages to the worker, and the per-school send rate.

Redis is transport, never storage: a message row exists before its job, so when Redis is down enqueueing only
logs, and the worker's sweep finds the row later. Without Redis at all (the demo on a bare machine) the web
process delivers in-process with the same job functions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import datetime

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name
from redis.exceptions import RedisError

from backend.clock import now

log = logging.getLogger("doolae.notify")
SEND_JOB = "send_message"


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 0  # the web must start (and answer) even when Redis is away
    settings.conn_timeout = 2
    return settings


def queue_name(deployment: str) -> str:
    """The deployment's own queue: two deployments on one Redis (staging beside production) must not take each
    other's jobs. Job ids and send-rate counters are scoped by it too (arq keeps job ids across queues)."""
    return f"{deployment}:queue"


async def connect(url: str, queue: str = default_queue_name) -> ArqRedis | None:
    try:
        return await create_pool(redis_settings(url), default_queue_name=queue)
    except (RedisError, OSError) as error:
        log.warning("Redis at %s is not reachable (%s): messages wait in the outbox for the sweep", url, error)
        return None


class JobQueue:
    """Enqueues send jobs on arq. The job id (message and tag) makes a double enqueue harmless; arq remembers ids
    for an hour, so each reason to send again brings its own tag: new, try<n>, sweep<minute>, admin<time>."""

    def __init__(self, pool: ArqRedis | None):
        self.pool = pool

    async def send(self, message_ids: list[int], defer: float | None = None, tag: str = "new",
                   until: datetime | None = None) -> None:
        """Deliver these messages now, after `defer` seconds, or at `until` (a message held for a grace period).
        A job that runs before its message is due does nothing; the sweep sends whatever a lost job left."""
        if self.pool is None or not message_ids:
            return
        try:
            for message_id in message_ids:
                await self.pool.enqueue_job(SEND_JOB, message_id, _defer_by=None if until else defer,
                                            _defer_until=until,
                                            _job_id=f"{self.pool.default_queue_name}:message:{message_id}:{tag}")
        except (RedisError, OSError) as error:
            log.warning("could not enqueue %s message(s) (%s); the sweep will send them", len(message_ids), error)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()


class InProcessQueue(JobQueue):
    """No Redis: deliver in background tasks of this process. The sweep loop (notify.queue.run_sweeps) retries."""

    def __init__(self, deliver):
        super().__init__(None)
        self._deliver = deliver
        self._tasks: set[asyncio.Task] = set()

    async def send(self, message_ids: list[int], defer: float | None = None, tag: str = "new",
                   until: datetime | None = None) -> None:
        if until is not None:
            defer = max((until - now()).total_seconds(), 0)
        for message_id in message_ids:
            task = asyncio.get_running_loop().create_task(self._later(message_id, defer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _later(self, message_id: int, defer: float | None) -> None:
        if defer:
            await asyncio.sleep(defer)
        try:
            await self._deliver(message_id)
        except Exception:  # noqa: BLE001 - a background task must not die silently; the sweep retries it
            log.exception("in-process delivery of message %s failed", message_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()


class RateLimiter:
    """At most `rate` sends per second per key (a school). Redis counts across workers; without Redis, per process."""

    def __init__(self, redis: ArqRedis | None):
        self.redis = redis
        self._local: dict[tuple[str, int], int] = defaultdict(int)

    async def wait(self, key: str, rate: int) -> None:
        while True:
            second = int(time.time())
            if self.redis is not None:
                counter = f"{self.redis.default_queue_name}:rate:{key}:{second}"
                taken = await self.redis.incr(counter)
                if taken == 1:
                    await self.redis.expire(counter, 5)
            else:
                self._local[(key, second)] += 1
                taken = self._local[(key, second)]
                if len(self._local) > 1000:
                    self._local = defaultdict(int, {k: v for k, v in self._local.items() if k[1] >= second - 2})
            if taken <= max(rate, 1):
                return
            await asyncio.sleep(second + 1 - time.time() + 0.001)
