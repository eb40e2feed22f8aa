"""Compiled first pages (docs/decisions/compiled-pages.md): an API list's first page is compiled
once per path, scope, filters, order, limit, language and day, and re-run as is. The cache holds
SQL, never rows: another user's scope is another entry, and new rows show at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.db import connection
from django.test import Client

from grappe.core import lists, pagination
from grappe.core.models import Role
from grappe.core.pagination import filter_digests
from grappe.core.tests.factories import (
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import Project, ProjectStatus
from grappe.registry.filters import OrganisationFilterSet
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    lists._compiled_pages(connection.alias).clear()
    yield
    lists._compiled_pages(connection.alias).clear()


def _ids(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


def test_a_member_and_the_public_never_get_each_others_rows_whatever_the_order():
    funded = ProjectFactory(status=ProjectStatus.FUNDED, start_date=dt.date(2024, 1, 1))
    draft = ProjectFactory(status=ProjectStatus.DRAFT, start_date=dt.date(2025, 1, 1))
    member_org = ParticipationFactory(project=draft).organisation
    member = Client()
    member.force_login(user_with_role(Role.MEMBER, organisation=member_org))
    outsider = Client()
    outsider.force_login(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    anonymous = Client()
    url = "/api/v1/projects?limit=10"
    for _round in range(2):  # the second round is served from the compiled pages
        assert _ids(anonymous, url) == [funded.pk]
        assert _ids(member, url) == [draft.pk, funded.pk]
        assert _ids(outsider, url) == [funded.pk]
        assert _ids(anonymous, url) == [funded.pk]
    assert len(lists._compiled_pages(connection.alias)) == 3  # one per scope


def test_the_cache_holds_sql_not_rows_and_a_hit_compiles_nothing(monkeypatch):
    first = ProjectFactory(status=ProjectStatus.FUNDED, start_date=dt.date(2020, 1, 1))
    client = Client()
    url = "/api/v1/projects?limit=5"
    assert _ids(client, url) == [first.pk]
    compiled = []
    real = lists._compile_page
    monkeypatch.setattr(lists, "_compile_page", lambda *a, **k: compiled.append(1) or real(*a, **k))
    second = ProjectFactory(status=ProjectStatus.FUNDED, start_date=dt.date(2021, 1, 1))
    assert _ids(client, url) == [second.pk, first.pk]  # a new row shows at once
    assert compiled == []
    assert _ids(client, "/api/v1/projects?limit=1") == [second.pk]  # another limit
    assert _ids(client, "/api/v1/projects?limit=5&status=draft") == []  # other filters
    assert _ids(client, "/api/v1/projects?limit=5&sort=date") == [first.pk, second.pk]
    assert len(compiled) == 3


def test_pages_from_the_cache_walk_the_same_rows_with_the_same_cursors():
    for day in (dt.date(2020, 1, 1), None, dt.date(2021, 1, 1), None, dt.date(2021, 1, 1)):
        ProjectFactory(status=ProjectStatus.FUNDED, start_date=day)

    def walk() -> tuple[list[int], list[str | None]]:
        seen, cursors, cursor = [], [], None
        while True:
            url = "/api/v1/projects?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = Client().get(url).json()
            seen += [row["id"] for row in page["items"]]
            cursors.append(page["next_cursor"])
            cursor = page["next_cursor"]
            if cursor is None:
                return seen, cursors

    def payloads(cursors: list[str | None]) -> list[object]:
        # a cursor is signed with a timestamp (to the second): compare what it carries
        return [c and signing.loads(c, salt=pagination._SALT) for c in cursors]

    cold = walk()
    warm = walk()  # the first page from the cache, its cursor the same
    assert warm[0] == cold[0] and payloads(warm[1]) == payloads(cold[1])
    assert sorted(cold[0]) == sorted(Project.objects.values_list("pk", flat=True))


def test_a_search_is_compiled_on_every_request():
    OrganisationFactory(name="Alpha Robotics")
    client = Client()
    assert len(_ids(client, "/api/v1/organisations?q=alpha")) == 1
    assert len(_ids(client, "/api/v1/organisations?limit=5")) == 1
    assert len(lists._compiled_pages(connection.alias)) == 1  # the unsearched list only


def test_the_oldest_compiled_page_goes_first(monkeypatch):
    monkeypatch.setattr(lists, "COMPILED_PAGES", 2)
    OrganisationFactory()
    client = Client()
    for limit in (1, 2, 3):
        _ids(client, f"/api/v1/organisations?limit={limit}")
    assert [key[6] for key in lists._compiled_pages(connection.alias)] == [2, 3]


def test_a_list_bound_to_no_parameter_builds_no_form_and_filters_as_one_with_blanks():
    queryset = Organisation.objects.order_by("name", "id")
    bare = OrganisationFilterSet({}, queryset=queryset)
    blanks = OrganisationFilterSet({"q": "", "kind": ""}, queryset=queryset)
    assert bare.is_valid() and blanks.is_valid()
    assert str(bare.qs.query) == str(blanks.qs.query)
    assert filter_digests(bare.cursor_filters()) == filter_digests(blanks.cursor_filters())
    assert bare.cursor_filters()["sort"] == "name"
    assert not hasattr(bare, "_form")
    assert ProjectFilterSet({}, queryset=Project.objects.all()).unfiltered()
    assert not ProjectFilterSet({"status": "funded"}, queryset=Project.objects.all()).unfiltered()
