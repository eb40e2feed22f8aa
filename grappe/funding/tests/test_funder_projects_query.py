"""The funder page's project list (`selectors.funder_projects`): which projects, what the funder
granted each, and a filter SQLite runs once rather than once per public project (the QA crawl
of the shared CORDIS/ANR data found the funder page at 6 s of CPU: benchmarks/crawl_pages.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grappe.core.domain.scope import Scope
from grappe.core.tests.factories import (
    FunderFactory,
    FundingLineFactory,
    ParticipationFactory,
    ProjectFactory,
)
from grappe.funding.selectors import funder_projects
from grappe.projects.models import ProjectStatus

pytestmark = pytest.mark.django_db


def test_the_funder_lists_the_projects_it_granted_with_its_own_total() -> None:
    city, region = FunderFactory(), FunderFactory()
    both = ProjectFactory(acronym="BOTH")
    first = ParticipationFactory(project=both)
    FundingLineFactory(participation=first, funder=city, granted=Decimal("100"))
    FundingLineFactory(
        participation=ParticipationFactory(project=both), funder=city, granted=Decimal("50")
    )
    FundingLineFactory(participation=first, funder=region, granted=Decimal("7"))
    FundingLineFactory(participation__project__acronym="REGION", funder=region)
    FundingLineFactory(participation__project__acronym="PENDING", funder=city, granted=None)
    FundingLineFactory(
        participation__project__acronym="DRAFT",
        participation__project__status=ProjectStatus.DRAFT,
        funder=city,
    )
    rows = funder_projects(scope=Scope.public(), funder_id=city.pk)
    assert {(p.acronym, p.funder_granted) for p in rows} == {("BOTH", Decimal("150"))}
    assert rows.count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_the_funder_filter_is_not_a_subquery_per_project() -> None:
    city = FunderFactory()
    FundingLineFactory(funder=city)
    with CaptureQueriesContext(connection) as queries:
        funder_projects(scope=Scope.public(), funder_id=city.pk).count()
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {count}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "CORRELATED" not in plan, plan
