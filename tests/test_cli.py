"""The `doolae` command as a deploy runs it: `doolae migrate` is Fly's release command and must finish."""

import subprocess
import sys

from tests.conftest import ROOT, TEST_DIR


def test_migrate_finishes_and_can_run_again():
    database = TEST_DIR / "cli-migrate.sqlite"
    database.unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    for _ in range(2):  # the second run finds nothing to do
        done = subprocess.run([sys.executable, "-m", "backend.cli", "migrate"], cwd=ROOT, env=env, timeout=60,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert "already complete" in done.stdout
