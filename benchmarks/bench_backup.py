"""Backup → restore round trip of the demo data, on SQLite and (optionally) PostgreSQL.

Run:  python benchmarks/bench_backup.py [--postgres postgres://postgres@127.0.0.1:5432]

For each database: migrate and load the demo into a fresh source database, `grappe backup`,
`grappe restore` into a fresh empty database, `grappe audit verify` there, then print the time of
each step and every table whose row count differs between source and target (none expected).
SQLite databases live in a temporary directory; PostgreSQL ones are created as
`bench_backup_src` and `bench_backup_target` on the given server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grappe(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "grappe", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def timed(label: str, url: str, *args: str) -> str:
    started = time.perf_counter()
    out = grappe(url, *args)
    print(f"  {label:<28} {time.perf_counter() - started:6.2f} s")
    return out


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def round_trip(name: str, source: str, target: str, work: Path) -> None:
    print(f"{name}")
    timed("migrate (source)", source, "migrate", "-v0")
    timed("load_demo (source)", source, "load_demo")
    archive = work / f"{name}.tar.gz"
    timed("backup", source, "backup", "--output", str(archive))
    timed("backup --verify", source, "backup", "--verify", str(archive))
    timed("restore (empty target)", target, "restore", str(archive))
    verify = grappe(target, "audit", "verify").strip()
    manifest = manifest_of(archive)
    counts = manifest["tables"]
    print(f"  archive: {archive.stat().st_size / 1024:.0f} KiB")
    print(f"  tables: {len(counts)}, rows: {sum(counts.values())} (restore checks each count)")
    print(f"  target: {verify}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="server URL without database name")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grappe-bench-backup-"))
    try:
        round_trip(
            "sqlite",
            f"sqlite:///{work / 'source.sqlite3'}",
            f"sqlite:///{work / 'target.sqlite3'}",
            work,
        )
        if args.postgres:
            import psycopg

            server = args.postgres.rstrip("/")
            names = ("bench_backup_src", "bench_backup_target")
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                for db in names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
                    admin.execute(f'CREATE DATABASE "{db}"')
            try:
                round_trip("postgresql", f"{server}/{names[0]}", f"{server}/{names[1]}", work)
            finally:
                with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                    for db in names:
                        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
