"""Keyset pages against OFFSET pages, and the CSV export, on a large project list.

Run:  python benchmarks/list_pages.py [--projects 25000] [--page 300]

Builds a throwaway SQLite database in a temporary directory (set BENCH_DATABASE_URL to a
throwaway PostgreSQL database instead: it is migrated and filled), with N public projects (one
in seven undated), a coordinator and an accrediting cluster each. Prints, for the project list's
default order (newest start first, undated last):

- the query plan of the first page (the `project_list_order` index, or a sort of the table);
- the median time of page P read with OFFSET (what the HTML list did) and with a cursor (what
  the pages and the API do now), and of the count the page shows;
- the time of `/en/projects/?export=csv` for the whole list, in rows per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=25_000)
    parser.add_argument("--page", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="grappe-bench-")
    try:
        run(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(tmp: str, args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from grappe.core.pagination import _order_expressions, encode_cursor, paginate, sort_keys
    from grappe.core.scopes import scope_for
    from grappe.projects.models import (
        Accreditation,
        ParticipantRole,
        Participation,
        Project,
        ProjectStatus,
    )
    from grappe.projects.selectors import project_list
    from grappe.registry.models import Cluster, Organisation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    clusters = Cluster.objects.bulk_create(
        Cluster(name=f"Cluster {i}", slug=f"cluster-{i}", display_order=i) for i in range(12)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Organisation {i:05d}", kind="sme") for i in range(2000)
    )
    projects = Project.objects.bulk_create(
        (
            Project(
                acronym=f"P{i:06d}",
                title=f"Project {i}",
                status=ProjectStatus.FUNDED,
                start_date=None if i % 7 == 0 else dt.date(2008 + i % 17, 1 + i % 12, 1),
                eu_contribution=Decimal(i % 5000) * 100 if i % 3 else None,
            )
            for i in range(args.projects)
        ),
        batch_size=2000,
    )
    Participation.objects.bulk_create(
        (
            Participation(
                project=p,
                organisation=organisations[i % len(organisations)],
                role=ParticipantRole.COORDINATOR,
            )
            for i, p in enumerate(projects)
        ),
        batch_size=2000,
    )
    Accreditation.objects.bulk_create(
        (
            Accreditation(project=p, cluster=clusters[i % 12], accredited_on=dt.date(2020, 1, 1))
            for i, p in enumerate(projects)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {args.projects} projects built in "
        f"{time.perf_counter() - started:.1f} s"
    )

    qs = project_list(scope=scope_for(None))
    keys = sort_keys(qs)
    ordered = qs.order_by(*_order_expressions(keys))
    size = 25
    offset = (args.page - 1) * size
    sql, params = ordered[:size].query.sql_with_params()
    with connection.cursor() as cursor:
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql, params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    print(f"first-page plan: {plan}")

    before = ordered[offset - 1]
    cursor = encode_cursor(keys, before, {"sort": "-date"})
    offset_page = [p.pk for p in ordered[offset : offset + size]]
    keyset_page = [
        p.pk for p in paginate(qs, limit=size, cursor=cursor, filters={"sort": "-date"}).items
    ]
    assert offset_page == keyset_page, "the two ways must read the same rows"

    t_offset = median_ms(lambda: list(ordered[offset : offset + size]), args.repeat)
    t_keyset = median_ms(
        lambda: paginate(qs, limit=size, cursor=cursor, filters={"sort": "-date"}), args.repeat
    )
    t_first = median_ms(lambda: paginate(qs, limit=size), args.repeat)
    t_count = median_ms(qs.count, args.repeat)
    print(f"page 1 (keyset):          {t_first:8.2f} ms")
    print(f"page {args.page} with OFFSET {offset}: {t_offset:8.2f} ms")
    print(f"page {args.page} with a cursor:   {t_keyset:8.2f} ms  ({t_offset / t_keyset:.1f}x)")
    print(f"count of the list:        {t_count:8.2f} ms")

    client = Client()
    start = time.perf_counter()
    response = client.get("/en/projects/", {"export": "csv"})
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - start
    print(
        f"CSV export: {lines} rows in {seconds:.2f} s ({lines / seconds:,.0f} rows/s), "
        f"status {response.status_code}"
    )


if __name__ == "__main__":
    main()
