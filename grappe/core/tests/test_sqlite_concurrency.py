"""SQLite under concurrent writers: officers saving one call's rule set at the same time, in
threads and in processes, on a real file database (not the in-memory test database), with the
settings' `SQLITE_OPTIONS`. No save may fail with "database is locked": each is stored or, when
it lost the race, refused as stale ("changed since you opened it")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR).parent / "benchmarks" / "sqlite_writers.py"


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_concurrent_rule_set_saves_on_a_file_database_never_hit_database_is_locked(
    workers: str,
) -> None:
    command = [sys.executable, str(SCRIPT), "--threads", "4", "--saves", "8", "--json"]
    if workers == "processes":
        command.append("--processes")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["settings"] == "SQLITE_OPTIONS"
    assert (summary["locked"], summary["other"]) == (0, 0), summary["errors"]
    assert summary["saved"] + summary["stale"] == summary["attempted"] == 32
    # A save is refused only when another was stored between its read and its lock, and one
    # stored save can make each of the 3 other officers lose at most one: stale <= 3 x saved.
    assert summary["saved"] >= 8
    assert summary["versions_stored"] == summary["saved"] + 1  # and the initial version


def test_the_sqlite_settings_are_the_ones_the_test_above_proves() -> None:
    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert settings.DATABASES["default"]["OPTIONS"] == options
