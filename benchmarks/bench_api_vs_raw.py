"""API lists and details against a raw WSGI baseline, measured from outside, side by side.

    python benchmarks/bench_api_vs_raw.py [--prepare] [--duration 4] [--rounds 3] [--concurrency 4]
        [--compare-tree ../main]

What it does:
1. On the PostgreSQL database `--database-url` (default `grappe_bench_api` on 127.0.0.1:5432),
   with `--prepare`, migrates and imports both real files (../shared/data: CORDIS H2020 and ANR)
   when the database holds no project yet, then runs ANALYZE.
2. In this process, asks Grappe each benchmarked URL as an anonymous visitor and captures the SQL
   it runs (exact statements, parameters bound by psycopg).
3. Starts two gunicorn servers with 2 sync workers each: Grappe (`grappe.wsgi`, DEBUG=false) and
   `benchmarks/raw_wsgi.py`, which runs the same statements with psycopg and returns every fetched
   row as JSON with orjson.
4. Alternates the two servers per endpoint and round (same client, same concurrency) and prints
   req/s, p50 and p99 latency and the ratio Grappe / raw per endpoint.
5. With `--compare-tree PATH` (another checkout of Grappe, e.g. main), a third server runs that
   checkout's `grappe.wsgi` on the same database, alternated with the two others, so a change is
   measured against its base in the same run (the machine is shared and noisy).

Target (issue 7): every API list and detail at ≥ 0.5x the raw baseline in req/s.
Needs the `bench` extra: `.venv/bin/pip install -e '.[bench]'` (gunicorn, orjson).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAPPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/grappe_bench_api"


def prepare(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    grappe = [sys.executable, "-m", "grappe"]
    subprocess.run([*grappe, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    probe = "from grappe.projects.models import Project; print(Project.objects.filter(is_demo=False).count())"
    count = subprocess.run(
        [*grappe, "shell", "-c", probe],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Django's shell prints how many objects it imported first: the count is the last line.
    count = count.splitlines()[-1] if count else ""
    if count not in ("", "0"):
        print(f"database already holds {count} real projects: not importing again")
    else:
        for kind, folder in (("cordis", "cordis-h2020-2016"), ("anr", "anr-dos-partners")):
            print(f"importing {kind} from {SHARED / folder} ...", flush=True)
            subprocess.run(
                [*grappe, "import", kind, str(SHARED / folder)], cwd=ROOT, env=env, check=True
            )
    # The planner's statistics, as autovacuum would gather them after a bulk import (a server
    # without autovacuum otherwise sorts whole tables for the list pages).
    subprocess.run(
        [
            *grappe,
            "shell",
            "-c",
            "from django.db import connection; connection.cursor().execute('ANALYZE')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def capture(database_url: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The SQL Grappe runs for each benchmarked URL, and a label per URL."""
    os.environ["DATABASE_URL"] = database_url
    # Captured with the parameters written into the text (Django's client-side binding), which
    # the raw app runs as is; the servers prepare their compiled statements (`core/compiled.py`)
    # as psycopg prepares the raw app's repeated statements by default.
    os.environ["DATABASE_PREPARED_STATEMENTS"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from grappe.projects.models import Project
    from grappe.registry.models import Cluster, Organisation

    project = (
        Project.objects.filter(is_demo=False)
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )
    organisation = (
        Organisation.objects.filter(is_demo=False)
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )
    cluster = Cluster.objects.order_by("slug").first()
    if project is None or organisation is None:
        sys.exit("no real data in this database: run with --prepare")
    urls = {"/api/v1/clusters?limit=50": "clusters list"}
    if cluster is not None:  # clusters come with the demo loader, not with the real files
        urls[f"/api/v1/clusters/{cluster.slug}"] = "cluster detail"
    urls |= {
        "/api/v1/organisations?limit=50": "organisations list",
        "/api/v1/organisations?country=DE&limit=50": "organisations ?country=DE",
        f"/api/v1/organisations/{organisation.pk}": "organisation detail (most projects)",
        "/api/v1/projects?limit=50": "projects list",
        f"/api/v1/projects/{project.pk}": "project detail (most partners)",
    }
    plan: dict[str, list[str]] = {}
    client = Client()
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
        plan[url] = [q["sql"] for q in queries.captured_queries]
    connection.close()
    return plan, urls


def serve(
    args: list[str], env: dict[str, str], port: int, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "sync",
            "--log-level",
            "warning",
            *args,
        ],
        cwd=cwd,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"server on port {port} did not start")


def load(port: int, url: str, duration: float, concurrency: int) -> tuple[int, list[float], int]:
    """Requests completed, their latencies (s) and non-200 answers, over `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            connection.close()
            mine.append(time.perf_counter() - start)
            bad += response.status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--prepare", action="store_true", help="migrate and import the real files")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--compare-tree",
        type=Path,
        help="another Grappe checkout (e.g. ../main) served too, as 'base', alternated",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("the raw baseline uses psycopg: give a PostgreSQL --database-url")
    if args.prepare:
        prepare(args.database_url)
    plan, labels = capture(args.database_url)

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
        plan_file = handle.name
    base_env = {**os.environ, "DATABASE_URL": args.database_url}
    grappe_env = {
        **base_env,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on the loopback, as behind a TLS proxy
    }
    raw_env = {**base_env, "RAW_SQL_FILE": plan_file, "RAW_DSN": args.database_url}
    servers = [
        serve(["grappe.wsgi:application"], grappe_env, 8701),
        serve(["--chdir", str(ROOT / "benchmarks"), "raw_wsgi:application"], raw_env, 8702),
    ]
    contenders = [("grappe", 8701), ("raw", 8702)]
    if args.compare_tree is not None:
        base = args.compare_tree.resolve()
        servers.append(serve(["grappe.wsgi:application"], grappe_env, 8703, cwd=base))
        contenders.append(("base", 8703))
    try:
        results: dict[str, dict[str, list[float]]] = {}
        counts: dict[tuple[str, str], int] = {}
        for url in plan:  # warm every server
            for _name, port in contenders:
                load(port, url, 0.5, 1)
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}/{args.rounds}", flush=True)
            for url in plan:
                for name, port in contenders[::-1] if round_ % 2 else contenders:
                    done, latencies, errors = load(port, url, args.duration, args.concurrency)
                    if errors:
                        sys.exit(f"{name} answered {errors} errors on {url}")
                    results.setdefault(url, {}).setdefault(name, []).extend(latencies)
                    counts[(url, name)] = counts.get((url, name), 0) + done
        total = args.duration * args.rounds
        compared = args.compare_tree is not None
        print()
        print(
            f"{'endpoint':42} {'queries':>7} {'grappe r/s':>10} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'raw r/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6}"
            + (f" {'base r/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'base':>6}" if compared else "")
        )
        ratios, base_ratios = [], []
        for url, label in labels.items():
            g, r = results[url]["grappe"], results[url]["raw"]
            g_rps, r_rps = counts[(url, "grappe")] / total, counts[(url, "raw")] / total
            ratio = g_rps / r_rps
            ratios.append(ratio)
            line = (
                f"{label:42} {len(plan[url]):>7} {g_rps:>10.1f} {percentile(g, 0.5) * 1000:>7.1f} "
                f"{percentile(g, 0.99) * 1000:>7.1f} {r_rps:>8.1f} {percentile(r, 0.5) * 1000:>7.1f} "
                f"{percentile(r, 0.99) * 1000:>7.1f} {ratio:>5.2f}x"
            )
            if compared:
                b_lat, b_rps = results[url]["base"], counts[(url, "base")] / total
                base_ratios.append(b_rps / r_rps)
                line += (
                    f" {b_rps:>8.1f} {percentile(b_lat, 0.5) * 1000:>7.1f} "
                    f"{percentile(b_lat, 0.99) * 1000:>7.1f} {b_rps / r_rps:>5.2f}x"
                )
            print(line)
        print(
            f"\nlowest ratio {min(ratios):.2f}x, geometric mean "
            f"{statistics.geometric_mean(ratios):.2f}x (target: every endpoint >= 0.5x)"
        )
        if compared:
            print(
                f"base ({args.compare_tree}): lowest ratio {min(base_ratios):.2f}x, geometric "
                f"mean {statistics.geometric_mean(base_ratios):.2f}x"
            )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        os.unlink(plan_file)


if __name__ == "__main__":
    main()
