"""`doolae worker` for real: arq's worker, started again when Redis comes back; a health endpoint for the
platform's check; and an exit when it has not worked for too long, because Fly restarts a process that exits
but not one that is alive and idle. Messages are never lost meanwhile: the outbox is the truth, and the sweep
sends again whatever a lost job left behind."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import signal
import time

from arq import worker as arq_worker
from redis.exceptions import RedisError

from backend.config import Settings
from workers.settings import WorkerSettings

log = logging.getLogger("doolae.worker")
HEALTHY_WITHIN = 15.0  # seconds since Redis last answered a poll (the worker polls twice a second)


class Heartbeat:
    """When the worker last completed a poll of its queue: Redis answered, and the loop is not stuck."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.ever = False

    def beat(self) -> None:
        self.last, self.ever = time.monotonic(), True

    def age(self) -> float:
        return time.monotonic() - self.last

    @property
    def healthy(self) -> bool:
        return self.ever and self.age() < HEALTHY_WITHIN


class Worker(arq_worker.Worker):
    """arq's worker, beating the heart after each poll of the queue (arq calls heart_beat at the end of one)."""

    def __init__(self, *args, heartbeat: Heartbeat, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heartbeat = heartbeat

    async def heart_beat(self) -> None:
        await super().heart_beat()
        self.heartbeat.beat()


def make_worker(settings: Settings, heartbeat: Heartbeat) -> Worker:
    return Worker(
        functions=WorkerSettings.functions, cron_jobs=copy.deepcopy(WorkerSettings.cron_jobs),
        on_startup=WorkerSettings.on_startup, on_shutdown=WorkerSettings.on_shutdown,
        redis_settings=WorkerSettings.redis_settings, queue_name=WorkerSettings.queue_name,
        max_jobs=WorkerSettings.max_jobs, max_tries=WorkerSettings.max_tries, job_timeout=WorkerSettings.job_timeout,
        handle_signals=False, ctx={"settings": settings}, heartbeat=heartbeat,
    )


async def serve_health(heartbeat: Heartbeat, port: int) -> asyncio.Server:
    """GET (any path) answers 200 while the worker works, 503 when it cannot: for Fly's check and
    `doolae worker-health`."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        if heartbeat.healthy:
            status, body = "200 OK", "working\n"
        else:
            status = "503 Service Unavailable"
            body = f"not working for {heartbeat.age():.0f} s: Redis is unreachable or the worker is stuck\n"
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n{body}".encode())
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "0.0.0.0", port)  # noqa: S104 - Fly checks the machine's address


async def _close(worker: Worker, running: asyncio.Task) -> None:
    """Stop one run of the worker whatever state Redis is in: arq's own close() needs Redis, and without its
    on_shutdown the database stays open and keeps the process alive."""
    for task in [running, *worker.tasks.values()]:
        task.cancel()
    await asyncio.gather(running, *worker.tasks.values(), return_exceptions=True)
    if "delivery" in worker.ctx:
        try:
            await WorkerSettings.on_shutdown(worker.ctx)
        except Exception:  # noqa: BLE001 - closing what is left must not stop the next run
            log.exception("worker shutdown failed")
    if worker._pool is not None:
        with contextlib.suppress(RedisError, OSError):
            await worker._pool.aclose()


async def supervise(settings: Settings) -> int:
    """Run the worker until SIGTERM (0). When Redis goes away it is started again as soon as Redis answers;
    after settings.worker_give_up_seconds without a working poll it exits with 1 for the platform to restart."""
    heartbeat = Heartbeat()
    health = None
    if settings.worker_health_port:
        try:
            health = await serve_health(heartbeat, settings.worker_health_port)
        except OSError as error:  # another worker on this machine has the port (two demos): work without it
            log.warning("no health check on port %s: %s", settings.worker_health_port, error)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while True:
            worker = make_worker(settings, heartbeat)
            running = asyncio.ensure_future(worker.main())
            while not (running.done() or stop.is_set()):
                if heartbeat.age() > settings.worker_give_up_seconds:
                    log.error("no working poll of Redis for %.0f s: exiting so that the platform restarts the worker",
                              heartbeat.age())
                    await _close(worker, running)
                    return 1
                await asyncio.wait([running], timeout=1)
            if stop.is_set():
                await _close(worker, running)
                return 0
            error = running.exception()
            await _close(worker, running)
            if error is not None and not isinstance(error, (RedisError, OSError)):
                raise error
            log.warning("lost Redis (%s): starting again when it answers", error)
            await asyncio.sleep(1)
    finally:
        if health is not None:
            health.close()
