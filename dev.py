#!/usr/bin/env python3
"""The README's two commands, on a machine with only Python 3.11+.

    python3 dev.py demo    set up, then run a demo school on SQLite with its worker
    python3 dev.py test    set up, then run the whole test suite on SQLite and on PostgreSQL (side by side)

Setting up means: a virtual environment in .venv with the exact versions from the lock files, the project
installed into it, and the Thai catalogue compiled. It is repeated only when a lock file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
POSTGRES_URL = os.environ.get("DOOLAE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*command: str | Path, env: dict | None = None, check: bool = True) -> int:
    return subprocess.run([str(c) for c in command], cwd=ROOT, env=env, check=check).returncode


def set_up(lock: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Doolae needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say("creating the virtual environment in .venv")
        run(sys.executable, "-m", "venv", VENV)
    stamp = VENV / f".installed-{lock}"
    wanted = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in
                                     ("requirements.lock", "requirements-s3.lock", lock, "pyproject.toml"))).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        say(f"installing pinned dependencies from {lock}")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", lock)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
        stamp.write_text(wanted)
    # The catalogue is compiled at build time, never committed.
    run(BIN / "pybabel", "compile", "-d", "backend/locale", "--domain", "messages",
        env={**os.environ, "PYTHONWARNINGS": "ignore"})


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def as_root(*command: str) -> bool:
    """Run a system command when we may (root, or passwordless sudo); False when we may not."""
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            return False
        command = ("sudo", "-n", *command)
    return subprocess.run(command, cwd=ROOT).returncode == 0


_apt_updated = False


def apt_install(package: str) -> bool:
    """Install a Debian package when we may; the package lists are refreshed first (a fresh machine has none)."""
    global _apt_updated
    if not _apt_updated:
        _apt_updated = as_root("apt-get", "update", "-q")
    return as_root("apt-get", "install", "-y", "-q", package)


def check_test_database() -> str | None:
    """None when the tests' PostgreSQL database answers; else what is wrong, in words. A missing database is made
    when the server lets us (trust auth, as the README asks)."""
    probe = (
        "import asyncio, sys, asyncpg\n"
        "async def main(url):\n"
        "    try:\n"
        "        await (await asyncpg.connect(url, timeout=5)).close()\n"
        "    except asyncpg.InvalidCatalogNameError:\n"
        "        server, name = url.rsplit('/', 1)\n"
        "        admin = await asyncpg.connect(server + '/postgres', timeout=5)\n"
        "        await admin.execute(f'CREATE DATABASE \"{name}\"')\n"
        "        await admin.close()\n"
        "        print(f'made the database {name}')\n"
        "asyncio.run(main(sys.argv[1]))\n"
    )
    result = subprocess.run([str(PYTHON), "-c", probe, POSTGRES_URL], cwd=ROOT, capture_output=True, text=True)
    if result.returncode == 0:
        if result.stdout.strip():
            say(result.stdout.strip())
        return None
    reason = (result.stderr.strip().splitlines() or ["no answer"])[-1]
    return f"PostgreSQL at {POSTGRES_URL} ({reason})"


def ensure_services() -> None:
    """The tests use a real Redis, PostgreSQL and Chromium; start or install them when missing."""
    if not port_open("127.0.0.1", 6379):
        say("starting Redis")
        if not shutil.which("redis-server"):
            apt_install("redis-server")
        if shutil.which("redis-server"):
            subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
                            "--save", "", "--appendonly", "no"], check=False)
    if not port_open("127.0.0.1", 5432) and shutil.which("pg_ctlcluster"):
        say("starting PostgreSQL")
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            as_root("pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start")
    if not Path("/usr/bin/chromium").exists():
        say("installing Chromium for the browser tests (Debian package)")
        apt_install("chromium")
    for _ in range(20):
        if port_open("127.0.0.1", 6379) and port_open("127.0.0.1", 5432):
            break
        time.sleep(0.5)
    missing = [name for name, ok in (("Redis on 127.0.0.1:6379", port_open("127.0.0.1", 6379)),
                                     ("PostgreSQL on 127.0.0.1:5432 (trust auth)", port_open("127.0.0.1", 5432)),
                                     ("Chromium at /usr/bin/chromium", Path("/usr/bin/chromium").exists()))
               if not ok]
    if not missing:
        problem = check_test_database()
        if problem:
            missing.append(problem)
    if missing:
        sys.exit("The tests need " + ", ".join(missing) + ". Install or start them and run again "
                 "(DOOLAE_TEST_POSTGRES_URL names another database).")


def test(pytest_args: list[str]) -> int:
    set_up("requirements-test.lock")
    ensure_services()
    say("ruff (lint)")
    if run(BIN / "ruff", "check", ".", check=False) != 0:
        say("ruff found problems (above): fix them first")
        return 1
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    engines = (("SQLite", base), ("PostgreSQL", {**base, "DATABASE_URL": POSTGRES_URL}))
    command = [str(PYTHON), "-m", "pytest", "-q", *pytest_args]
    if (os.cpu_count() or 1) < 2:
        failed = 0
        for name, env in engines:
            say(f"tests on {name}")
            started = time.monotonic()
            code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            say(f"{name}: {'passed' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
            failed = failed or code
        return failed
    # Two cores or more: both engines' runs go side by side (each has its own database, Redis server, ports and
    # temporary folder), each printing its output whole when it ends, so that the two never interleave.
    say("tests on SQLite and on PostgreSQL, side by side (each run's output follows when it ends)")
    started = time.monotonic()
    runs = []
    for name, env in engines:
        output = open(VENV / f"test-{name.lower()}.log", "w+b")  # read back when the run ends
        runs.append((name, output, subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                                    stderr=subprocess.STDOUT)))
    failed = 0
    pending = list(runs)
    while pending:
        time.sleep(1)
        for run_ in [r for r in pending if r[2].poll() is not None]:
            name, output, process = run_
            pending.remove(run_)
            say(f"tests on {name}")
            output.seek(0)
            sys.stdout.buffer.write(output.read())
            output.close()
            sys.stdout.flush()
            code = process.returncode
            say(f"{name}: {'passed' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
            failed = failed or code
    return failed


def demo(args: list[str]) -> None:
    set_up("requirements.lock")
    os.execv(str(BIN / "doolae"), [str(BIN / "doolae"), "demo", *args])


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        sys.exit(__doc__)
    if sys.argv[1] == "demo":
        demo(sys.argv[2:])
    sys.exit(test(sys.argv[2:]))


if __name__ == "__main__":
    main()
