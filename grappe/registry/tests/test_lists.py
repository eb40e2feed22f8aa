"""The organisation list is declared once (OrganisationFilterSet): the page and the API have the
same filters with the same results, every order pages correctly, and the export holds only
public fields."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grappe.core.models import Role
from grappe.core.tests.factories import (
    ClusterFactory,
    FiguresFactory,
    MembershipFactory,
    OrganisationFactory,
    user_with_role,
)
from grappe.registry.filters import ClusterFilterSet, OrganisationFilterSet
from grappe.registry.models import ClusterKind, OrganisationKind

pytestmark = pytest.mark.django_db

PAGE = "/en/organisations/"
API = "/api/v1/organisations"


@pytest.fixture
def directory():
    medicen = ClusterFactory(slug="medicen", name="Medicen")
    games = ClusterFactory(slug="games", name="Capital Games", kind=ClusterKind.NETWORK)
    specs = [
        (
            "Atelier Quantique",
            OrganisationKind.RESEARCH_LAB,
            "Paris",
            "FR",
            11,
            dt.date(2001, 1, 1),
        ),
        ("Berlin Sensorik", OrganisationKind.SME, "Berlin", "DE", None, None),
        ("Crayon Vert", OrganisationKind.START_UP, "Lyon", "FR", None, dt.date(2021, 5, 1)),
        ("Dune Jeux", OrganisationKind.START_UP, "Paris", "FR", 3, dt.date(2021, 5, 1)),
        ("Écoles Réunies", OrganisationKind.HIGHER_EDUCATION, "Lyon", "FR", None, None),
    ]
    orgs = {}
    for name, kind, city, country, arrondissement, founded in specs:
        orgs[name] = OrganisationFactory(
            name=name,
            kind=kind,
            city=city,
            country=country,
            postcode="75011" if arrondissement else "00000",
            paris_arrondissement=arrondissement,
            founded_on=founded,
            keywords="games" if name == "Dune Jeux" else "",
        )
    MembershipFactory(cluster=medicen, organisation=orgs["Atelier Quantique"])
    MembershipFactory(cluster=medicen, organisation=orgs["Berlin Sensorik"])
    MembershipFactory(
        cluster=medicen, organisation=orgs["Crayon Vert"], end_date=dt.date(2020, 1, 1)
    )
    MembershipFactory(cluster=games, organisation=orgs["Dune Jeux"])
    FiguresFactory(
        organisation=orgs["Atelier Quantique"],
        turnover=Decimal("987654.32"),
        balance_sheet=Decimal("123456.78"),
    )
    return {"medicen": medicen, **orgs}


def page_names(client, query):
    response = client.get(PAGE, query)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return [o.name for o in response.context["listing"].items]


def api_names(client, query):
    response = client.get(API, {**query, "limit": 100})
    assert response.status_code == 200, response.content
    return [o["name"] for o in response.json()["items"]]


def test_the_page_and_the_api_have_the_same_filter_names(client):
    declared = set(OrganisationFilterSet.base_filters)
    page_fields = set(client.get(PAGE).context["form"].fields)
    operation = client.get("/api/v1/openapi.json").json()["paths"][API]["get"]
    api_params = {p["name"] for p in operation["parameters"]} - {"limit", "cursor"}
    assert page_fields == declared == api_params
    assert declared == {"q", "cluster", "kind", "city", "country", "paris_only", "sort"}


def test_the_cluster_api_parameters_come_from_its_filterset(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/clusters"]["get"]
    api_params = {p["name"] for p in operation["parameters"]} - {"limit", "cursor"}
    assert api_params == set(ClusterFilterSet.base_filters) == {"kind", "sort"}


QUERIES = [
    {},
    {"q": "jeux"},
    {"q": "games"},
    {"q": "lyon"},
    {"kind": "start_up"},
    {"cluster": "medicen"},
    {"city": "LYON"},  # the page did not have this filter before: now both do
    {"country": "de"},
    {"paris_only": "on"},
    {"paris_only": "off"},
    {"paris_only": "1"},
    {"kind": "start_up", "city": "paris"},
    {"sort": "name"},
    {"sort": "-name"},
    {"sort": "date"},
    {"sort": "-date"},
    {"cluster": "medicen", "sort": "-date"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_the_page_and_the_api_give_the_same_rows_in_the_same_order(
    client, directory, settings, query
):
    settings.PAGE_SIZE = 100
    assert page_names(client, query) == api_names(client, query)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "date",
            ["Atelier Quantique", "Crayon Vert", "Dune Jeux", "Berlin Sensorik", "Écoles Réunies"],
        ),
        (
            "-date",
            ["Crayon Vert", "Dune Jeux", "Atelier Quantique", "Berlin Sensorik", "Écoles Réunies"],
        ),
    ],
)
def test_undated_organisations_sort_last_both_ways(client, directory, sort, expected):
    assert api_names(client, {"sort": sort}) == expected


def test_clusters_sort_by_name(client, directory):
    body = client.get("/api/v1/clusters", {"sort": "-name"}).json()
    assert [c["slug"] for c in body["items"]] == ["medicen", "games"]


def test_an_api_cursor_used_with_other_filters_is_a_422_naming_the_parameter(client, directory):
    first = client.get(API, {"country": "FR", "limit": 1}).json()
    response = client.get(API, {"country": "FR", "kind": "sme", "cursor": first["next_cursor"]})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "cursor"] and error["type"] == "invalid_cursor"
    assert "other values of kind" in error["msg"]


def test_the_page_lists_count_and_offers_downloads(client, directory, settings):
    settings.PAGE_SIZE = 2
    body = client.get(PAGE, {"country": "FR"}).content.decode()
    assert "4 organisations" in body
    assert 'href="?country=FR&amp;export=csv"' in body
    assert 'href="?country=FR&amp;export=xlsx"' in body
    assert 'name="sort"' in body


def csv_rows(client, query):
    response = client.get(PAGE, {**query, "export": "csv"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_is_the_filtered_list_with_its_current_clusters(client, directory):
    rows = csv_rows(client, {"cluster": "medicen", "sort": "-name"})
    header = rows[0]
    assert [r[1] for r in rows[1:]] == ["Berlin Sensorik", "Atelier Quantique"]
    atelier = dict(zip(header, rows[2], strict=True))
    assert atelier["Clusters (current)"] == "Medicen"
    assert atelier["Paris arrondissement"] == "11" and atelier["Founded on"] == "2001-01-01"
    sheet = load_workbook(io.BytesIO(client.get(PAGE, {"export": "xlsx"}).content)).active
    assert len(list(sheet.iter_rows(values_only=True))) == 6  # header + every organisation


@pytest.mark.parametrize("who", ["owner", "insider", "outsider", "anonymous"])
def test_an_export_never_carries_confidential_figures(client, directory, who):
    atelier = directory["Atelier Quantique"]
    users = {
        "owner": lambda: user_with_role(Role.MEMBER, organisation=atelier),
        "insider": lambda: user_with_role(Role.CLUSTER_MANAGER, cluster=directory["medicen"]),
        "outsider": lambda: user_with_role(Role.MEMBER, organisation=directory["Crayon Vert"]),
    }
    if who in users:
        client.force_login(users[who]())
    rows = csv_rows(client, {})
    assert len(rows) == 6
    assert not any("987654" in cell or "123456" in cell for row in rows for cell in row)
    assert not any("turnover" in h.lower() or "balance" in h.lower() for h in rows[0])
    xlsx = client.get(PAGE, {"export": "xlsx"})
    values = [
        v
        for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
        for v in row
    ]
    assert not any(str(v).startswith(("987654", "123456")) for v in values)
