"""The `doolae` command as a deploy runs it: `doolae migrate` is Fly's release command and must finish; the demo
stops as a whole."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, TEST_DIR, child_env, free_port

# Both tests run the command on SQLite files of their own, whatever the suite's engine.
pytestmark = pytest.mark.one_engine


def test_migrate_finishes_and_can_run_again():
    database = TEST_DIR / "cli-migrate.sqlite"
    database.unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    for _ in range(2):  # the second run finds nothing to do
        done = subprocess.run([sys.executable, "-m", "backend.cli", "migrate"], cwd=ROOT, env=env, timeout=60,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert "already complete" in done.stdout


# A small demo school made beforehand, so that `doolae demo` keeps it instead of seeding a whole term's history.
SMALL_DEMO = ("import asyncio\n"
              "from backend import cli\n"
              "from backend.demo import create_demo_school\n"
              "cli._prepare()\n"
              "asyncio.run(cli._with_db(cli.migrate()))\n"
              "asyncio.run(cli._with_db(create_demo_school(grades=('ม.1',), rooms_per_grade=1)))\n")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped, only not yet reaped
    except FileNotFoundError:
        return False


def test_stopping_the_demo_with_sigterm_stops_its_worker_too(settings, tmp_path):
    """As a process manager stops it (systemd, Docker, supervisord: SIGTERM to the demo's own process)."""
    env = child_env(settings, DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite'}", DEPLOYMENT=f"sigterm{free_port()}",
                    WORKER_HEALTH_PORT=str(free_port()), PHOTO_DIR=str(tmp_path / "photos"))
    seeded = subprocess.run([sys.executable, "-c", SMALL_DEMO], cwd=ROOT, env=env, timeout=120, capture_output=True,
                            text=True)
    assert seeded.returncode == 0, seeded.stderr
    log_path = tmp_path / "demo.log"
    with open(log_path, "w") as log:
        demo = subprocess.Popen([sys.executable, "-m", "backend.cli", "demo", "--port", str(free_port())], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    worker_pid = None
    try:
        deadline = time.monotonic() + 90
        while worker_pid is None and time.monotonic() < deadline and demo.poll() is None:
            found = re.search(r"worker started \(pid (\d+)\)", log_path.read_text())
            worker_pid = int(found.group(1)) if found else None
            time.sleep(0.2)
        assert worker_pid and _running(worker_pid), log_path.read_text()
        time.sleep(2)  # the web server up and the worker at work
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) != 0
        assert not _running(worker_pid), "the demo's worker is still running after the demo stopped"
        assert "worker stopped" in log_path.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        if worker_pid and _running(worker_pid):  # left behind: stop it, so that the test run leaves nothing
            os.kill(worker_pid, signal.SIGKILL)


def test_the_operator_makes_an_area_supervisor_over_named_schools():
    database = TEST_DIR / "cli-area.sqlite"
    database.unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}

    def doolae(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, timeout=60,
                              capture_output=True, text=True)

    assert doolae("migrate").returncode == 0
    for code, name in (("BKK", "โรงเรียนกรุงเทพศึกษา"), ("CNX", "โรงเรียนเชียงใหม่วิทยา")):
        assert doolae("create-school", code, name, name[:10], "--grades", "ม.1").returncode == 0
    refused = doolae("create-area-supervisor", "areerat", "ศน.อารีรัตน์", "--schools", "BKK,NOPE",
                     "--password", "x" * 12)
    assert refused.returncode != 0 and "NOPE" in refused.stderr
    made = doolae("create-area-supervisor", "areerat", "ศน.อารีรัตน์", "--schools", "BKK", "--password", "x" * 12)
    assert made.returncode == 0, made.stderr
    assert doolae("area-schools", "areerat", "BKK,CNX").returncode == 0
    assert doolae("area-schools", "nobody", "BKK").returncode != 0


def test_the_sms_and_line_clients_chatter_stays_out_of_the_log():
    """The app's log shows our lines (jobs, errors), not each request Twilio's or LINE's client makes."""
    script = ("import logging\n"
              "from backend import cli\n"
              "cli._prepare()\n"
              "for name in ('twilio.http_client', 'twilio.async_http_client', 'twilio.rest', 'linebot',\n"
              "             'linebot.v3.messaging', 'urllib3.connectionpool', 'httpx', 'httpcore.http11'):\n"
              "    logging.getLogger(name).info('chatter from %s', name)\n"
              "    logging.getLogger(name).warning('a warning from %s', name)\n"
              "logging.getLogger('doolae.notify').info('our line')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "our line" in done.stderr and "chatter" not in done.stderr
    assert done.stderr.count("a warning from") == 8  # their warnings still show
