"""Detail statements compiled once and re-run with new ids (`grappe/core/compiled.py`): the
rows are those of the queryset, a scope is its own entry (an outsider never gets a query
compiled for an insider), and an id the SQL does not bind as is is never replayed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.test import Client

from grappe.core import compiled
from grappe.core.models import Role
from grappe.core.tests.factories import (
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.models import ProjectStatus
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    compiled._cache(connection.alias).clear()
    yield
    compiled._cache(connection.alias).clear()


def _names(*ids: int) -> list[dict[str, object]]:
    return compiled.compiled_values(
        "test.names",
        Organisation,
        lambda *pks: Organisation.objects.filter(pk__in=pks).order_by("id").values("id", "name"),
        list(ids),
    )


def test_a_hit_gives_the_rows_of_the_queryset_for_the_new_ids():
    a, b, c = (OrganisationFactory(name=n) for n in ("Alpha", "Beta", "Gamma"))
    assert _names(a.pk) == [{"id": a.pk, "name": "Alpha"}]
    assert _names(b.pk) == [{"id": b.pk, "name": "Beta"}]  # same entry, another id
    assert _names(c.pk, a.pk) == [{"id": a.pk, "name": "Alpha"}, {"id": c.pk, "name": "Gamma"}]
    assert _names(0) == []
    assert len(compiled._cache(connection.alias)) == 2  # one per number of ids
    b.name = "Beta renamed"
    b.save()
    assert _names(b.pk) == [{"id": b.pk, "name": "Beta renamed"}]  # SQL, not rows


def test_an_id_the_sql_does_not_bind_as_is_is_run_as_django_would():
    organisation = OrganisationFactory(name="Alpha", city="Lyon")
    rows = compiled.compiled_values(
        "test.transformed",
        Organisation,
        # The id is compared as text: the marker is not among the parameters as an integer.
        lambda pk: Organisation.objects.filter(city__iexact=str(pk)).values("id"),
        [organisation.pk],
    )
    assert rows == []
    cache = compiled._cache(connection.alias)
    assert [v for k, v in cache.items() if k[0] == "test.transformed"] == [None]
    upper = compiled.compiled_values(
        "test.upper",
        Organisation,
        lambda pk: Organisation.objects.filter(pk=pk).annotate(u=Upper("name")).values("u"),
        [organisation.pk],
    )
    assert upper == [{"u": "ALPHA"}]


def test_an_outsider_never_sees_a_draft_whose_detail_was_compiled_for_an_insider():
    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    member = Client()
    member.force_login(
        user_with_role(Role.MEMBER, organisation=ParticipationFactory(project=draft).organisation)
    )
    outsider = Client()
    outsider.force_login(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    anonymous = Client()
    url = f"/api/v1/projects/{draft.pk}"
    for _round in range(2):  # the second round re-runs the compiled statements
        assert member.get(url).status_code == 200
        assert outsider.get(url).status_code == 404
        assert anonymous.get(url).status_code == 404
    funded = ProjectFactory(status=ProjectStatus.FUNDED)
    assert anonymous.get(f"/api/v1/projects/{funded.pk}").json()["id"] == funded.pk


# --- prepared statements on PostgreSQL (`compiled_cursor`) -------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgres_only
def test_a_compiled_statement_is_prepared_once_and_gives_the_rows_and_values_of_the_orm():
    from grappe.interop.models import ImportRun

    run = ImportRun.objects.create(source="cordis", file_name="projects.zip")

    def build(pk: int):  # type: ignore[no-untyped-def]
        return ImportRun.objects.filter(pk=pk).values("id", "file_name", "created_at")

    before = _prepared_statements()
    for _ in range(3):
        rows = compiled.compiled_values("test.prepared", ImportRun, build, [run.pk])
        assert rows == list(build(run.pk))  # the same values, time zone included
    assert rows[0]["created_at"].tzinfo is not None
    added = [s for s in _prepared_statements() if s not in before]
    assert len(added) == 1  # prepared once, re-run with the id
    assert "interop_importrun" in added[0]


@postgres_only
def test_compiled_statements_are_counted_as_queries(django_assert_num_queries):
    organisation = OrganisationFactory(name="Alpha")
    _names(organisation.pk)
    with django_assert_num_queries(1):  # in the query log like every other query
        assert _names(organisation.pk) == [{"id": organisation.pk, "name": "Alpha"}]


@postgres_only
def test_prepared_statements_can_be_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    organisation = OrganisationFactory(name="Alpha")
    before = _prepared_statements()
    for _ in range(3):
        assert _names(organisation.pk) == [{"id": organisation.pk, "name": "Alpha"}]
    assert _prepared_statements() == before


@postgres_only
def test_django_s_own_queries_stay_unprepared():
    organisation = OrganisationFactory(name="Alpha")
    _names(organisation.pk)  # sets the connection's threshold for the compiled statements
    before = _prepared_statements()
    for _ in range(10):
        assert Organisation.objects.get(pk=organisation.pk).name == "Alpha"
    assert _prepared_statements() == before
