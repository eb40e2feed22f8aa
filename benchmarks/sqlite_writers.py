"""Officers saving one call's rule set at the same time, on a file SQLite database.

    python benchmarks/sqlite_writers.py                      # today's settings (SQLITE_OPTIONS)
    python benchmarks/sqlite_writers.py --legacy             # the settings before issue 13
    python benchmarks/sqlite_writers.py --threads 8 --saves 50 --processes
    python benchmarks/sqlite_writers.py --json               # one JSON line (the test reads it)

Migrates a fresh SQLite file in a temporary folder, creates one call, then starts `--threads`
officers (threads, or processes with `--processes`) that each open the call's rule set and save
a changed copy `--saves` times, all released together. Each save passes the version its officer
opened (`expected_version`), as the back-office form does: a save that lost the race is refused
as stale ("changed since you opened it"), which is the answer a user should get. Prints how many
saves were stored, refused as stale, failed with `database is locked`, or failed otherwise, the
wall time and the versions stored. Issue 13 saw the second of two concurrent officers always get
`database is locked` (a 500) with `{"init_command": "PRAGMA journal_mode=WAL;"}`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LEGACY_OPTIONS = {"init_command": "PRAGMA journal_mode=WAL;"}
OUTCOMES = ("saved", "stale", "locked", "other")


def _setup(path: Path, legacy: bool) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    os.environ.setdefault("GRAPPE_DEBUG", "false")
    from django.conf import settings

    if legacy:
        settings.DATABASES["default"]["OPTIONS"] = dict(LEGACY_OPTIONS)
    import django

    django.setup()


def _prepare(threads: int) -> tuple[int, list[int]]:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from grappe.funding.models import Funder
    from grappe.funding.services import call_create

    call_command("migrate", verbosity=0)
    funder = Funder.objects.create(slug="city", name_en="City", name_fr="Ville", kind="city")
    call = call_create(
        actor=None,
        funder=funder,
        slug="race",
        title_en="Race",
        title_fr="Course",
        # a call not yet open: an open call's rule set is pinned
        opens_on=timezone.localdate() + dt.timedelta(days=30),
        closes_on=timezone.localdate() + dt.timedelta(days=120),
        source_code="city-of-paris",
    )
    users = [
        get_user_model().objects.create_user(f"officer{n}", is_staff=True) for n in range(threads)
    ]
    return call.pk, [u.pk for u in users]


def _officer(n: int, user_pk: int, call_pk: int, saves: int, start: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import OperationalError, connections

    from grappe.core.concurrency import EditConflict
    from grappe.funding.models import Call
    from grappe.funding.services import call_ruleset_update

    counts = dict.fromkeys(OUTCOMES, 0)
    errors: list[str] = []
    try:
        user = get_user_model().objects.get(pk=user_pk)
        start.wait()
        for i in range(saves):
            call = Call.objects.select_related("ruleset").get(pk=call_pk)  # the form opened
            assert call.ruleset is not None
            opened = call.ruleset.version
            data = dict(call.ruleset.data)
            data["title"] = f"Saved by officer {n}, save {i}"
            try:
                call_ruleset_update(
                    actor=user, call=call, data=data, reason="race", expected_version=opened
                )
                counts["saved"] += 1
            except EditConflict:
                counts["stale"] += 1
            except OperationalError as exc:
                counts["locked" if "locked" in str(exc) else "other"] += 1
                errors.append(str(exc))
            except Exception as exc:  # counted and printed
                counts["other"] += 1
                errors.append(repr(exc))
    finally:
        connections.close_all()
    return {"counts": counts, "errors": errors[:3]}


def _process_officer(args: tuple[Any, ...]) -> dict[str, Any]:
    path, legacy, n, user_pk, call_pk, saves, start = args
    _setup(path, legacy)
    return _officer(n, user_pk, call_pk, saves, start)


def run(*, threads: int, saves: int, legacy: bool, processes: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="grappe-sqlite-") as folder:
        path = Path(folder) / "race.sqlite3"
        _setup(path, legacy)
        from django.db import connections

        from grappe.funding.models import CallRuleSet

        call_pk, user_pks = _prepare(threads)
        connections.close_all()
        began = time.perf_counter()
        results: list[dict[str, Any]] = []
        if processes:
            context = multiprocessing.get_context("fork")
            with context.Manager() as manager:
                start = manager.Barrier(threads)
                jobs = [
                    (path, legacy, n, pk, call_pk, saves, start) for n, pk in enumerate(user_pks)
                ]
                with context.Pool(threads) as pool:
                    results = pool.map(_process_officer, jobs)
        else:
            barrier = threading.Barrier(threads)
            lock = threading.Lock()

            def work(n: int, pk: int) -> None:
                result = _officer(n, pk, call_pk, saves, barrier)
                with lock:
                    results.append(result)

            workers = [threading.Thread(target=work, args=(n, pk)) for n, pk in enumerate(user_pks)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        wall = time.perf_counter() - began
        totals = {k: sum(r["counts"][k] for r in results) for k in OUTCOMES}
        versions = CallRuleSet.objects.filter(call_id=call_pk).count()
        connections.close_all()
    return {
        "settings": "legacy" if legacy else "SQLITE_OPTIONS",
        "workers": f"{threads} {'processes' if processes else 'threads'}",
        "attempted": threads * saves,
        **totals,
        "versions_stored": versions,
        "wall_seconds": round(wall, 2),
        "errors": [e for r in results for e in r["errors"]][:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--saves", type=int, default=25, help="saves per officer")
    parser.add_argument("--legacy", action="store_true", help="the SQLite options before")
    parser.add_argument("--processes", action="store_true", help="processes, not threads")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    summary = run(
        threads=args.threads, saves=args.saves, legacy=args.legacy, processes=args.processes
    )
    if args.json:
        print(json.dumps(summary))
        return
    for key, value in summary.items():
        print(f"{key:>16}: {value}")


if __name__ == "__main__":
    main()
