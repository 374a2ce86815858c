"""LINE for the notify tests: a local server that speaks LINE's Messaging API (the official SDK is pointed at it
through the settings, as Twilio's library is at the Twilio stand-in), the app and the worker with those settings,
and browsers for that app."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from arq.connections import create_pool
from arq.worker import Worker

from backend.app import create_app
from backend.notify.fake_line import FakeLine
from backend.notify.queue import JobQueue, redis_settings
from workers.settings import WorkerSettings
from tests.conftest import browsers_of


@pytest.fixture(scope="session")
def line_server():
    server = FakeLine()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_line(line_server):
    """The stand-in, with the last test's messages, scripts and retry keys forgotten."""
    line_server.forget()
    return line_server


@pytest.fixture(scope="session")
def line_settings(settings, line_server):
    return dataclasses.replace(settings, line_api_url=line_server.url)


@pytest.fixture(scope="session")
def line_app(line_settings, database, redis):
    application = create_app(line_settings)
    application.state.queue = JobQueue(redis)
    return application


@pytest.fixture
async def line_browser(line_app):
    """More browsers at once, on the app whose LINE is the stand-in."""
    async for make in browsers_of(line_app):
        yield make


@pytest.fixture
def line_drain(line_settings, redis):
    """The real worker (burst mode) with the LINE stand-in's settings, until no job is left."""

    async def run() -> None:
        pool = await create_pool(redis_settings(line_settings.redis_url))
        worker = Worker(functions=WorkerSettings.functions, cron_jobs=copy.deepcopy(WorkerSettings.cron_jobs),
                        on_startup=WorkerSettings.on_startup, on_shutdown=WorkerSettings.on_shutdown,
                        redis_pool=pool, burst=True, poll_delay=0.01, max_jobs=20, handle_signals=False,
                        ctx={"settings": line_settings})
        try:
            await worker.main()
        finally:
            await worker.close()

    return run
