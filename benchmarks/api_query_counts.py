"""Query count (and time) of each API list endpoint at page sizes 10 and 100.

Run:  python benchmarks/api_query_counts.py

Builds a throwaway SQLite database in a temporary directory (your own database is not touched),
fills it with ≥ 120 rows per list, and calls every list endpoint as an anonymous visitor and as
a logged-in member. The counts must not depend on the page size; the query-count guards in
grappe/*/tests/test_api.py enforce that in CI.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="grappe-bench-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from grappe.core.models import Role
    from grappe.core.tests import factories as f
    from grappe.projects.models import ParticipantRole

    call_command("migrate", verbosity=0)

    clusters = [f.ClusterFactory(slug=f"bench-{i}", display_order=i) for i in range(130)]
    organisations = f.OrganisationFactory.create_batch(150)
    for i, organisation in enumerate(organisations):
        f.MembershipFactory(cluster=clusters[i % 3], organisation=organisation)
    for i in range(150):
        project = f.ProjectFactory(start_date=None if i % 7 == 0 else dt.date(2020 + i % 5, 1, 1))
        f.ParticipationFactory(
            project=project,
            organisation=organisations[i % 150],
            role=ParticipantRole.COORDINATOR,
        )
        f.ParticipationFactory(project=project, organisation=organisations[(i + 1) % 150])
        f.AccreditationFactory(project=project, cluster=clusters[i % 3])
        f.AccreditationFactory(project=project, cluster=clusters[(i + 1) % 3], is_lead=False)

    member = f.user_with_role(Role.MEMBER, organisation=organisations[0])
    endpoints = ["/api/v1/clusters", "/api/v1/organisations", "/api/v1/projects"]

    print(f"{'endpoint':<28}{'caller':<11}{'limit':>6}{'rows':>6}{'queries':>9}{'ms':>8}")
    for caller in ("anonymous", "member"):
        client = Client()
        if caller == "member":
            client.force_login(member)
        for url in endpoints:
            counts = set()
            for limit in (10, 100):
                client.get(url, {"limit": limit})  # warm-up
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url, {"limit": limit})
                    elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.content
                rows = len(response.json()["items"])
                counts.add(len(ctx.captured_queries))
                print(
                    f"{url:<28}{caller:<11}{limit:>6}{rows:>6}"
                    f"{len(ctx.captured_queries):>9}{elapsed:>8.1f}"
                )
            if len(counts) != 1:
                raise SystemExit(f"{url} ({caller}): query count grows with page size: {counts}")


if __name__ == "__main__":
    main()
