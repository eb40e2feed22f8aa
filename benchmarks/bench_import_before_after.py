"""Import time of the real CORDIS and ANR files: another checkout ("before") against this one,
side by side in one run (issue 8: "import time no worse than 1.5x").

    python benchmarks/bench_import_before_after.py /tmp/before             # SQLite, 2 rounds
    python benchmarks/bench_import_before_after.py /tmp/before --rounds 3
    python benchmarks/bench_import_before_after.py /tmp/before \\
        --postgres postgres://postgres@127.0.0.1:5432/postgres             # PostgreSQL too
        # add --postgres-only to skip the SQLite rounds

The "before" tree is any checkout of Grappe, e.g. the commit before the identity work:

    mkdir -p /tmp/before && git archive e8c09ba^ | tar -x -C /tmp/before

Each measurement is a child process (`--child TREE`) that puts TREE first on sys.path, migrates
a fresh database (SQLite in a temporary folder, or a new PostgreSQL database dropped afterwards;
not timed), then imports ../shared/data/cordis-h2020-2016 and ../shared/data/anr-dos-partners
(or $GRAPPE_SHARED_DATA) in that order, as `grappe import` does, and reports per file the wall
time and the CPU time of the process (`time.process_time`; on PostgreSQL the server's CPU is not
in it). The machine is shared and noisy, so the two trees alternate (before, now, now, before,
...) and each figure is the median of the rounds; the ratio is now / before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAPPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = (("cordis", "cordis-h2020-2016"), ("anr", "anr-dos-partners"))


def child(tree: Path, database_url: str) -> dict[str, Any]:
    """Import both files with the code of `tree` into the database at `database_url`."""
    sys.path.insert(0, str(tree))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from grappe.interop.services import import_run_create, import_run_execute

    call_command("migrate", verbosity=0, skip_checks=True)
    figures: dict[str, Any] = {}
    for source, folder in FILES:
        path = SHARED / folder
        wall, cpu = time.perf_counter(), time.process_time()
        run = import_run_create(source=source, path=path)
        run = import_run_execute(run, path=path)
        figures[source] = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
        }
        if run.status != "succeeded":
            raise SystemExit(f"{tree}: {source} import {run.status}: {run.error}")
    return figures


def _postgres_database(base: str, create: bool, name: str) -> str:
    """Create (or drop) database `name` on the server of `base`; returns its URL."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def measure(tree: Path, postgres: str | None) -> dict[str, Any]:
    """One child process importing both files with `tree`'s code."""
    with tempfile.TemporaryDirectory() as work:
        name = f"grappe_bench_import_{uuid.uuid4().hex[:8]}"
        url = (
            _postgres_database(postgres, True, name)
            if postgres
            else f"sqlite:///{Path(work) / 'import.sqlite3'}"
        )
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(tree), "--database", url],
                check=True,
                capture_output=True,
                text=True,
                cwd=work,
            )
        except subprocess.CalledProcessError as exc:
            sys.exit(f"{tree}: child failed\n{exc.stderr[-3000:]}")
        finally:
            if postgres:
                _postgres_database(postgres, False, name)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report(label: str, runs: dict[str, list[dict[str, Any]]]) -> None:
    print(f"\n{label}: median of {len(runs['before'])} rounds (seconds)")
    print(
        f"{'file':<8} {'before wall':>12} {'now wall':>10} {'ratio':>6}   "
        f"{'before CPU':>11} {'now CPU':>9} {'ratio':>6}"
    )
    for source in [s for s, _ in FILES] + ["total"]:
        cells = []
        for measure_ in ("wall", "cpu"):
            values = []
            for tree in ("before", "now"):
                if source == "total":
                    each = [sum(r[s][measure_] for s, _ in FILES) for r in runs[tree]]
                else:
                    each = [r[source][measure_] for r in runs[tree]]
                values.append(statistics.median(each))
            cells.append(values)
        (bw, nw), (bc, nc) = cells
        print(
            f"{source:<8} {bw:>12.2f} {nw:>10.2f} {nw / bw:>5.2f}x   "
            f"{bc:>11.2f} {nc:>9.2f} {nc / bc:>5.2f}x"
        )
    print("every round (before | now, wall/CPU per file):")
    for i, (b, n) in enumerate(zip(runs["before"], runs["now"], strict=True), 1):
        cell = "  ".join(
            f"{s} {b[s]['wall']:.2f}/{b[s]['cpu']:.2f} | {n[s]['wall']:.2f}/{n[s]['cpu']:.2f}"
            for s, _ in FILES
        )
        print(f"  round {i}: {cell}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", nargs="?", help="the other checkout (the 'before' tree)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree (at least 2)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure on PostgreSQL: a server URL whose user may create databases",
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="with --postgres: skip the SQLite rounds"
    )
    parser.add_argument("--child", metavar="TREE", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child), args.database)))
        return
    if not args.before:
        parser.error("give the 'before' tree")
    if not (SHARED / "anr-dos-partners").is_dir():
        sys.exit(f"shared data not found under {SHARED} (set GRAPPE_SHARED_DATA)")
    before = Path(args.before).resolve()
    if not (before / "grappe" / "interop" / "services.py").is_file():
        sys.exit(f"{before} is not a Grappe checkout")
    trees = {"before": before, "now": ROOT}
    rounds = max(2, args.rounds)
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres")
    databases: list[tuple[str, str | None]] = [] if args.postgres_only else [("SQLite", None)]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    for label, postgres in databases:
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "now": []}
        for i in range(rounds):
            # before, now, now, before, ...: neither tree always runs first
            order = ("before", "now") if i % 2 == 0 else ("now", "before")
            for name in order:
                runs[name].append(measure(trees[name], postgres))
                figures = runs[name][-1]
                print(
                    f"{label} round {i + 1} {name:<6} "
                    + "  ".join(
                        f"{s} {figures[s]['wall']:.2f}s wall {figures[s]['cpu']:.2f}s CPU"
                        for s, _ in FILES
                    ),
                    flush=True,
                )
        report(label, runs)


if __name__ == "__main__":
    main()
