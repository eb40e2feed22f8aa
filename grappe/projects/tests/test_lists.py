"""The project list is declared once (ProjectFilterSet): the page and the API have the same
filters with the same results, every order pages correctly, and the export holds exactly what
the user may see."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grappe.core.models import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    BudgetLineFactory,
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import ParticipantRole, ProjectStatus

pytestmark = pytest.mark.django_db

PAGE = "/en/projects/"
API = "/api/v1/projects"


@pytest.fixture
def catalogue():
    """Projects of every kind: public and proposals, dated and undated, with and without EU
    money, in two clusters, with partners in Paris and in Lyon."""
    systematic = ClusterFactory(slug="systematic")
    medicen = ClusterFactory(slug="medicen")
    paris = OrganisationFactory(name="Paris Capteurs")
    lyon = OrganisationFactory(city="Lyon", postcode="69001", paris_arrondissement=None)
    specs = [
        ("ALPHA", ProjectStatus.FUNDED, dt.date(2023, 3, 1), "900000.00", systematic, paris),
        ("BRAVO", ProjectStatus.FUNDED, dt.date(2023, 3, 1), None, medicen, lyon),
        ("CHARLIE", ProjectStatus.ACCREDITED, None, "120000.00", systematic, lyon),
        ("DELTA", ProjectStatus.COMPLETED, dt.date(2015, 6, 1), "120000.00", medicen, paris),
        ("ECHO", ProjectStatus.DRAFT, dt.date(2024, 1, 1), None, systematic, paris),
        ("FOXTROT", ProjectStatus.ACCREDITED, None, None, None, lyon),
        ("GOLF", ProjectStatus.SUBMITTED, dt.date(2019, 1, 1), "50.00", medicen, lyon),
    ]
    projects = {}
    for acronym, status, start, eu, cluster, coordinator in specs:
        project = ProjectFactory(
            acronym=acronym,
            title=f"{acronym.title()} sensors",
            keywords="sensing" if acronym in {"ALPHA", "DELTA"} else "",
            status=status,
            start_date=start,
            eu_contribution=Decimal(eu) if eu else None,
        )
        ParticipationFactory(
            project=project, organisation=coordinator, role=ParticipantRole.COORDINATOR
        )
        if cluster is not None:
            AccreditationFactory(project=project, cluster=cluster)
        projects[acronym] = project
    BudgetLineFactory(
        participation=projects["ALPHA"].participations.get(), amount=Decimal("765432.10")
    )
    return {"paris": paris, "lyon": lyon, "systematic": systematic, **projects}


def page_acronyms(client, query: dict) -> list[str]:
    response = client.get(PAGE, query)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return [p.acronym for p in response.context["listing"].items]


def api_acronyms(client, query: dict) -> list[str]:
    response = client.get(API, {**query, "limit": 100})
    assert response.status_code == 200, response.content
    assert response.json()["next_cursor"] is None
    return [p["acronym"] for p in response.json()["items"]]


def test_the_page_and_the_api_have_the_same_filter_names(client):
    declared = set(ProjectFilterSet.base_filters)
    page_fields = set(client.get(PAGE).context["form"].fields)
    operation = client.get("/api/v1/openapi.json").json()["paths"][API]["get"]
    api_params = {p["name"] for p in operation["parameters"]} - {"limit", "cursor"}
    assert page_fields == declared == api_params
    assert declared == {"q", "cluster", "status", "year", "organisation", "paris_only", "sort"}


QUERIES = [
    {},
    {"q": "sensing"},
    {"q": "echo"},
    {"cluster": "systematic"},
    {"status": "funded"},
    {"status": "draft"},
    {"year": "2023"},
    {"paris_only": "true"},
    {"paris_only": "0"},  # the same word means the same on both
    {"paris_only": "yes"},
    {"cluster": "medicen", "paris_only": "true"},
    {"sort": "date"},
    {"sort": "-date"},
    {"sort": "name"},
    {"sort": "-name"},
    {"sort": "amount"},
    {"sort": "-amount"},
    {"status": "accredited", "sort": "-amount"},
]


@pytest.mark.parametrize("who", ["anonymous", "owner"])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_the_page_and_the_api_give_the_same_rows_in_the_same_order(
    client, catalogue, settings, who, query
):
    settings.PAGE_SIZE = 100
    if who == "owner":
        client.force_login(user_with_role(Role.MEMBER, organisation=catalogue["paris"]))
    assert page_acronyms(client, query) == api_acronyms(client, query)


def test_the_organisation_filter_is_the_same_on_the_page_and_the_api(client, catalogue):
    query = {"organisation": catalogue["lyon"].pk}
    page = client.get(PAGE, query).content.decode()
    assert f"Projects with {catalogue['lyon'].name} in the consortium." in page
    assert (
        page_acronyms(client, query)
        == api_acronyms(client, query)
        == ["BRAVO", "CHARLIE", "FOXTROT"]
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["ALPHA", "BRAVO", "DELTA", "CHARLIE", "FOXTROT"]),
        ("date", ["DELTA", "ALPHA", "BRAVO", "CHARLIE", "FOXTROT"]),
        ("name", ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "FOXTROT"]),
        ("-name", ["FOXTROT", "DELTA", "CHARLIE", "BRAVO", "ALPHA"]),
        ("-amount", ["ALPHA", "CHARLIE", "DELTA", "BRAVO", "FOXTROT"]),
        ("amount", ["CHARLIE", "DELTA", "ALPHA", "BRAVO", "FOXTROT"]),
    ],
)
def test_every_order_puts_missing_dates_and_amounts_last_and_breaks_ties_by_id(
    client, catalogue, sort, expected
):
    assert api_acronyms(client, {"sort": sort}) == expected


@pytest.mark.parametrize("sort", ["-date", "date", "name", "-amount", "amount"])
def test_pages_of_every_order_walk_the_list_once(client, catalogue, settings, sort):
    settings.PAGE_SIZE = 2
    seen, query = [], {"sort": sort}
    while True:
        response = client.get(PAGE, query)
        listing = response.context["listing"]
        seen += [p.acronym for p in listing.items]
        if listing.next_cursor is None:
            break
        query = {"sort": sort, "cursor": listing.next_cursor}
    assert seen == api_acronyms(client, {"sort": sort})


def test_the_page_shows_the_total_count_of_the_filtered_list(client, catalogue, settings):
    settings.PAGE_SIZE = 2
    response = client.get(PAGE, {"q": "sensors"})
    assert response.context["listing"].total == 5
    assert "5 projects" in response.content.decode()
    empty = client.get(PAGE, {"q": "nothing-like-this"})
    assert "0 projects" in empty.content.decode()
    assert "No project matches these filters." in empty.content.decode()
    assert "Download this list" not in empty.content.decode()


@pytest.mark.parametrize("value", ["999999", "0", "abc", "99999999999999999999999", "²", "-3"])
def test_an_unknown_organisation_is_an_error_on_the_page_and_a_422_on_the_api(
    client, catalogue, value
):
    page = client.get(PAGE, {"organisation": value})
    assert page.status_code == 200
    assert "Partner organisation: Unknown organisation id" in page.content.decode()
    assert page.context["listing"].total == 5  # the filter is not applied
    api = client.get(API, {"organisation": value})
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["query", "organisation"]
    if value == "999999":
        assert api.json()["detail"][0]["type"] == "unknown_organisation"


# --- cursors bound to their filters --------------------------------------------------------


def test_an_api_cursor_used_with_other_filters_is_a_422_naming_the_parameter(client, catalogue):
    first = client.get(API, {"q": "sensors", "limit": 2}).json()
    response = client.get(API, {"q": "sensing", "limit": 2, "cursor": first["next_cursor"]})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "cursor"] and error["type"] == "invalid_cursor"
    assert "other values of q" in error["msg"]
    response = client.get(API, {"q": "sensors", "sort": "name", "cursor": first["next_cursor"]})
    assert response.status_code == 422 and "sort" in response.json()["detail"][0]["msg"]
    # The same filters follow on.
    follow = client.get(API, {"q": "sensors", "limit": 2, "cursor": first["next_cursor"]})
    assert follow.status_code == 200


def test_the_cursor_message_is_translated(client, catalogue):
    first = client.get(API, {"status": "funded", "limit": 1}).json()
    response = client.get(
        API, {"limit": 1, "cursor": first["next_cursor"]}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 422
    assert "status" in response.json()["detail"][0]["msg"]
    assert "curseur" in response.json()["detail"][0]["msg"]


def test_a_page_cursor_used_with_other_filters_shows_why_above_the_first_page(
    client, catalogue, settings
):
    settings.PAGE_SIZE = 1
    cursor = client.get(PAGE, {"status": "funded"}).context["listing"].next_cursor
    response = client.get(PAGE, {"status": "accredited", "cursor": cursor})
    assert response.status_code == 200
    listing = response.context["listing"]
    assert listing.is_first_page and [p.acronym for p in listing.items] == ["CHARLIE"]
    assert "other values of status" in response.content.decode()


# --- exports: the filtered list, only what the user may see ---------------------------------


def export_rows(client, query: dict) -> list[list[str]]:
    response = client.get(PAGE, {**query, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="projects.csv"'
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_export_is_the_whole_filtered_list_in_its_order(client, catalogue, settings):
    settings.PAGE_SIZE = 1
    rows = export_rows(client, {"cluster": "systematic", "sort": "-amount", "cursor": "ignored"})
    assert rows[0][:4] == ["Id", "Acronym", "Title", "Status"]
    assert [r[1] for r in rows[1:]] == ["ALPHA", "CHARLIE"]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert alpha["EU contribution (EUR)"] == "900000.00"
    assert alpha["Start date"] == "2023-03-01"
    assert alpha["Coordinator"] == "Paris Capteurs"


def test_the_xlsx_export_holds_the_same_rows(client, catalogue):
    response = client.get(PAGE, {"status": "funded", "export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="projects.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["ALPHA", "BRAVO"]
    assert rows[1][6] == 900000  # a number, not text


def test_an_unknown_export_format_shows_an_error_on_the_page(client, catalogue):
    response = client.get(PAGE, {"export": "pdf"})
    assert response.status_code == 200
    assert "Unknown export format pdf" in response.content.decode()


def test_the_export_neutralises_formulas(client, catalogue):
    ProjectFactory(acronym="=1+2", title="@SUM(A1)", status=ProjectStatus.FUNDED, keywords="-x")
    row = next(r for r in export_rows(client, {})[1:] if r[1].endswith("=1+2"))
    assert row[1:3] == ["'=1+2", "'@SUM(A1)"] and row[-1] == "'-x"


PROPOSALS = {"ECHO", "GOLF"}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", {"ECHO"}),  # a member of the coordinator of ECHO
        ("insider", {"GOLF"}),  # the manager of the cluster GOLF was submitted to (medicen)
        ("outsider", set()),  # a member of an organisation in no proposal
        ("manager_elsewhere", set()),  # the manager of a cluster with no proposal
        ("anonymous", set()),
        ("administrator", PROPOSALS),
    ],
)
def test_an_export_holds_the_proposals_the_user_may_see_and_no_other(client, catalogue, who, sees):
    users = {
        "owner": lambda: user_with_role(Role.MEMBER, organisation=catalogue["paris"]),
        "insider": lambda: user_with_role(
            Role.CLUSTER_MANAGER, cluster=catalogue["GOLF"].accreditations.get().cluster
        ),
        "outsider": lambda: user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
        "manager_elsewhere": lambda: user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()),
        "administrator": lambda: user_with_role(Role.ADMINISTRATOR),
    }
    if who in users:
        client.force_login(users[who]())
    rows = export_rows(client, {})
    exported = {r[1] for r in rows[1:]}
    assert exported & PROPOSALS == sees
    assert {"ALPHA", "BRAVO", "CHARLIE", "DELTA", "FOXTROT"} <= exported
    # Budgets are confidential even to the export of insiders: no column carries them.
    assert "765432.10" not in str(rows) and "765432" not in str(rows)
    xlsx = client.get(PAGE, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert {r[1] for r in list(sheet.iter_rows(values_only=True))[1:]} == exported


def _count(client, url, query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_the_number_of_rows(client, fmt):
    cluster = ClusterFactory()

    def add(n):
        for _ in range(n):
            project = ProjectFactory(status=ProjectStatus.FUNDED)
            ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
            AccreditationFactory(project=project, cluster=cluster)

    add(3)
    few = _count(client, PAGE, {"export": fmt})
    add(40)
    many = _count(client, PAGE, {"export": fmt})
    assert few == many
