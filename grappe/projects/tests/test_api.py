"""API: projects — filters, pagination, errors, owner/insider/outsider on proposals and budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grappe.core.models import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    BudgetLineFactory,
    ClusterFactory,
    FunderFactory,
    FundingLineFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.models import (
    CostCategory,
    ParticipantRole,
    Project,
    ProjectStatus,
    ResearchCategory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/projects"


@pytest.fixture
def client() -> Client:
    return Client()


def get_json(client: Client, url: str, expect: int = 200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    return response.json()


def acronyms(body) -> list[str]:
    return [p["acronym"] for p in body["items"]]


# --- the owner / insider / outsider triad -----------------------------------------------------


@pytest.fixture
def draft():
    """A draft proposal by two partners, submitted to one cluster, with aid asked of one funder."""
    cluster = ClusterFactory()
    funder = FunderFactory()
    project = ProjectFactory(acronym="SECRET", status=ProjectStatus.DRAFT)
    coordinator = ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    partner = ParticipationFactory(project=project)
    AccreditationFactory(project=project, cluster=cluster)
    FundingLineFactory(participation=partner, funder=funder, granted=None, decided_on=None)
    return {
        "project": project,
        "cluster": cluster,
        "funder": funder,
        "coordinator": coordinator.organisation,
        "partner": partner.organisation,
    }


def users(d):
    return {
        "owner: coordinator member": lambda: user_with_role(
            Role.MEMBER, organisation=d["coordinator"]
        ),
        "owner: partner member": lambda: user_with_role(Role.MEMBER, organisation=d["partner"]),
        "insider: accrediting cluster manager": lambda: user_with_role(
            Role.CLUSTER_MANAGER, cluster=d["cluster"]
        ),
        "insider: programme officer of the funder": lambda: user_with_role(
            Role.PROGRAMME_OFFICER, funder=d["funder"]
        ),
        "insider: administrator": lambda: user_with_role(Role.ADMINISTRATOR),
        "outsider: member of an unrelated organisation": lambda: user_with_role(
            Role.MEMBER, organisation=OrganisationFactory()
        ),
        "outsider: manager of another cluster": lambda: user_with_role(
            Role.CLUSTER_MANAGER, cluster=ClusterFactory()
        ),
        "outsider: officer of another funder": lambda: user_with_role(
            Role.PROGRAMME_OFFICER, funder=FunderFactory()
        ),
        "outsider: anonymous": lambda: None,
    }


ALLOWED = [
    "owner: coordinator member",
    "owner: partner member",
    "insider: accrediting cluster manager",
    "insider: programme officer of the funder",
    "insider: administrator",
]
REFUSED = [
    "outsider: member of an unrelated organisation",
    "outsider: manager of another cluster",
    "outsider: officer of another funder",
    "outsider: anonymous",
]


def login_as(client: Client, d, who: str) -> None:
    user = users(d)[who]()
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("who", ALLOWED)
def test_draft_is_visible_to_owners_and_insiders(client, draft, who):
    login_as(client, draft, who)
    body = get_json(client, f"{API}/{draft['project'].pk}")
    assert body["acronym"] == "SECRET"
    assert body["status"] == "draft"
    # Insiders see what was requested even before any decision.
    assert body["aid"][0]["requested"] == "50000.00"
    assert body["aid"][0]["granted"] is None
    assert "SECRET" in acronyms(get_json(client, API))


@pytest.mark.parametrize("who", REFUSED)
def test_draft_is_404_for_outsiders_and_absent_from_their_list(client, draft, who):
    login_as(client, draft, who)
    body = get_json(client, f"{API}/{draft['project'].pk}", expect=404)
    assert body == {"detail": f"Not found: project {draft['project'].pk}"}
    assert "SECRET" not in acronyms(get_json(client, API))
    assert "SECRET" not in acronyms(get_json(client, API, status="draft"))


@pytest.fixture
def funded():
    """A funded (public) project with budget lines and granted aid from two funders."""
    cluster = ClusterFactory()
    city, state = FunderFactory(name_en="City of Paris"), FunderFactory(name_en="State")
    project = ProjectFactory(acronym="OPEN", status=ProjectStatus.FUNDED)
    coordinator = ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    partner = ParticipationFactory(project=project)
    AccreditationFactory(project=project, cluster=cluster)
    BudgetLineFactory(
        participation=coordinator,
        research_category=ResearchCategory.INDUSTRIAL,
        amount=Decimal("300000.00"),
    )
    BudgetLineFactory(
        participation=partner,
        research_category=ResearchCategory.EXPERIMENTAL,
        cost_category=CostCategory.INSTRUMENTS,
        amount=Decimal("100000.00"),
    )
    BudgetLineFactory(
        participation=partner,
        research_category=ResearchCategory.INDUSTRIAL,
        amount=Decimal("0.01"),
    )
    FundingLineFactory(participation=coordinator, funder=city, granted=Decimal("45000"))
    FundingLineFactory(participation=partner, funder=city, granted=Decimal("5000.5"))
    FundingLineFactory(participation=partner, funder=state, granted=Decimal("20000"))
    return {
        "project": project,
        "cluster": cluster,
        "funder": city,
        "coordinator": coordinator.organisation,
        "partner": partner.organisation,
    }


@pytest.mark.parametrize("who", ALLOWED)
def test_budget_lines_of_a_funded_project_reach_insiders(client, funded, who):
    login_as(client, funded, who)
    body = get_json(client, f"{API}/{funded['project'].pk}")
    assert len(body["budget_lines"]) == 3
    assert body["budget_total"] == "400000.01"
    assert {line["amount"] for line in body["budget_lines"]} == {"300000.00", "100000.00", "0.01"}
    mix = {m["research_category"]: m for m in body["research_category_mix"]}
    assert mix["industrial"]["amount"] == "300000.01"
    assert mix["industrial"]["share"] == "75.00"
    assert mix["experimental"]["share"] == "25.00"
    assert all(line["requested"] == "50000.00" for line in body["aid"])


@pytest.mark.parametrize("who", REFUSED)
def test_budget_lines_of_a_funded_project_stay_hidden_from_outsiders(client, funded, who):
    login_as(client, funded, who)
    body = get_json(client, f"{API}/{funded['project'].pk}")
    assert body["acronym"] == "OPEN"
    assert body["budget_lines"] is None
    assert body["budget_total"] is None
    assert body["research_category_mix"] is None
    # Granted aid is public; what was requested is not.
    assert len(body["aid"]) == 3
    assert all(line["requested"] is None for line in body["aid"])
    assert "300000" not in str(body)


def test_aid_granted_is_totalled_per_funder(client, funded):
    body = get_json(client, f"{API}/{funded['project'].pk}")
    totals = {t["funder"]["name"]: t["granted"] for t in body["aid_granted_by_funder"]}
    assert totals == {"City of Paris": "50000.50", "State": "20000.00"}
    per_partner = {(a["organisation"]["id"], a["funder"]["slug"]) for a in body["aid"]}
    assert (funded["partner"].pk, funded["funder"].slug) in per_partner


def test_undecided_aid_is_not_shown_to_the_public(client, funded):
    partner = funded["project"].participations.exclude(role=ParticipantRole.COORDINATOR).get()
    FundingLineFactory(participation=partner, granted=None, decided_on=None)
    body = get_json(client, f"{API}/{funded['project'].pk}")
    assert len(body["aid"]) == 3


def test_detail_lists_consortium_coordinator_first_and_accreditations_lead_first(client):
    project = ProjectFactory(status=ProjectStatus.ACCREDITED)
    ParticipationFactory(project=project, display_order=0, organisation__name="Partner A")
    ParticipationFactory(
        project=project,
        role=ParticipantRole.COORDINATOR,
        display_order=5,
        organisation__name="Coord",
    )
    ParticipationFactory(
        project=project,
        role=ParticipantRole.SUBCONTRACTOR,
        display_order=1,
        organisation__name="Sub",
    )
    lead = ClusterFactory(name="Lead")
    AccreditationFactory(
        project=project,
        cluster=ClusterFactory(name="Second"),
        is_lead=False,
        accredited_on=dt.date(2023, 1, 1),
    )
    AccreditationFactory(
        project=project, cluster=lead, is_lead=True, accredited_on=dt.date(2023, 6, 1)
    )
    body = get_json(client, f"{API}/{project.pk}")
    assert [m["organisation"]["name"] for m in body["consortium"]] == ["Coord", "Partner A", "Sub"]
    assert [m["is_coordinator"] for m in body["consortium"]] == [True, False, False]
    assert body["consortium"][2]["role"] == "subcontractor"
    assert body["coordinator"]["name"] == "Coord"
    assert [a["cluster"]["name"] for a in body["accreditations"]] == ["Lead", "Second"]
    assert [a["is_lead"] for a in body["accreditations"]] == [True, False]
    assert [c["name"] for c in body["clusters"]] == ["Lead", "Second"]


def test_list_rows_carry_coordinator_and_lead_cluster_first(client, funded):
    [row] = get_json(client, API)["items"]
    assert row["coordinator"]["id"] == funded["coordinator"].pk
    assert row["clusters"][0]["slug"] == funded["cluster"].slug
    assert "budget_lines" not in row


# --- filters ---------------------------------------------------------------------------------


def test_projects_filter_by_text_status_year_cluster_organisation_and_paris(client):
    cluster = ClusterFactory(slug="systematic")
    paris_org = OrganisationFactory()
    lyon_org = OrganisationFactory(city="Lyon", postcode="69001", paris_arrondissement=None)
    robots = ProjectFactory(
        acronym="ROBOTS", keywords="robots, vision", start_date=dt.date(2022, 3, 1)
    )
    ParticipationFactory(project=robots, organisation=lyon_org)
    AccreditationFactory(project=robots, cluster=cluster)
    health = ProjectFactory(acronym="HEALTH", status=ProjectStatus.COMPLETED)
    ParticipationFactory(project=health, organisation=paris_org)
    ProjectFactory(acronym="UNDATED", start_date=None, status=ProjectStatus.ACCREDITED)

    assert acronyms(get_json(client, API, q="vision")) == ["ROBOTS"]
    assert acronyms(get_json(client, API, q="robots")) == ["ROBOTS"]
    assert acronyms(get_json(client, API, status="completed")) == ["HEALTH"]
    assert acronyms(get_json(client, API, year="2022")) == ["ROBOTS"]
    assert acronyms(get_json(client, API, cluster="systematic")) == ["ROBOTS"]
    assert acronyms(get_json(client, API, organisation=lyon_org.pk)) == ["ROBOTS"]
    assert acronyms(get_json(client, API, paris_only="1")) == ["HEALTH"]
    # Newest first; projects without a start date come last.
    assert acronyms(get_json(client, API)) == ["HEALTH", "ROBOTS", "UNDATED"]
    assert acronyms(get_json(client, API, year="", status="")) == ["HEALTH", "ROBOTS", "UNDATED"]


@pytest.mark.parametrize(
    ("params", "field", "error_type"),
    [
        ({"year": "zzz"}, "year", "int_parsing"),
        ({"year": "12"}, "year", "greater_than_equal"),
        ({"status": "secret"}, "status", "enum"),
        ({"organisation": "acme"}, "organisation", "int_parsing"),
        ({"organisation": str(2**70)}, "organisation", "less_than_equal"),
        ({"cluster": "atlantis"}, "cluster", "unknown_cluster"),
        ({"q": "\x00"}, "q", "control_characters"),
        ({"limit": "-1"}, "limit", "greater_than_equal"),
        ({"limit": "1000"}, "limit", "less_than_equal"),
        ({"cursor": "abc"}, "cursor", "invalid_cursor"),
        ({"cursor": "x" * 2000}, "cursor", "string_too_long"),
    ],
)
def test_bad_query_is_422_naming_the_field_and_rule(client, params, field, error_type):
    body = get_json(client, API, expect=422, **params)
    [error] = body["detail"]
    assert error["loc"] == ["query", field]
    assert error["type"] == error_type
    assert error["msg"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("abc", 422), ("1e3", 422), ("0", 404), ("123456", 404), (str(10**30), 404)],
)
def test_detail_bad_ids_are_404_or_422_never_500(client, path, status):
    get_json(client, f"{API}/{path}", expect=status)


def test_unknown_route_is_404(client):
    assert client.get("/api/v1/nothing-here").status_code == 404


# --- pagination ------------------------------------------------------------------------------


def test_pages_walk_every_visible_project_once_with_undated_ones_last(client):
    dates = [dt.date(2021, 1, 1), dt.date(2022, 1, 1), None]
    for i in range(45):
        ProjectFactory(acronym=f"P{i % 4}", start_date=dates[i % 3])
    ProjectFactory.create_batch(5, status=ProjectStatus.DRAFT)  # not visible to the public
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = get_json(client, API, **params)
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 7
    assert len(seen) == len(set(seen)) == 45
    public = Project.objects.exclude(status=ProjectStatus.DRAFT)
    assert set(seen) == set(public.values_list("id", flat=True))
    starts = [Project.objects.get(pk=pk).start_date for pk in seen]
    assert starts[-15:] == [None] * 15


def test_a_cursor_keeps_the_filters_it_was_used_with(client):
    for i in range(6):
        ProjectFactory(acronym=f"KEEP{i}", keywords="keep")
        ProjectFactory(acronym=f"DROP{i}")
    first = get_json(client, API, q="keep", limit=4)
    second = get_json(client, API, q="keep", limit=4, cursor=first["next_cursor"])
    assert len(first["items"]) + len(second["items"]) == 6
    assert all(a.startswith("KEEP") for a in acronyms(first) + acronyms(second))
    assert second["next_cursor"] is None


# --- query counts ------------------------------------------------------------------------------


@pytest.fixture
def many_projects():
    clusters = ClusterFactory.create_batch(3)
    organisations = OrganisationFactory.create_batch(10)
    for i in range(130):
        project = ProjectFactory(start_date=None if i % 7 == 0 else dt.date(2020 + i % 5, 1, 1))
        ParticipationFactory(
            project=project, organisation=organisations[i % 10], role=ParticipantRole.COORDINATOR
        )
        ParticipationFactory(project=project, organisation=organisations[(i + 1) % 10])
        AccreditationFactory(project=project, cluster=clusters[i % 3])
        AccreditationFactory(project=project, cluster=clusters[(i + 1) % 3], is_lead=False)
    return {"organisations": organisations, "clusters": clusters}


def count_queries(client: Client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(API, params)
    assert response.status_code == 200, response.content
    assert response.json()["items"]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "member", "cluster_manager", "programme_officer"])
def test_project_list_query_count_does_not_grow_with_page_size(client, many_projects, who):
    if who == "member":
        client.force_login(
            user_with_role(Role.MEMBER, organisation=many_projects["organisations"][0])
        )
    elif who == "cluster_manager":
        client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()))
    elif who == "programme_officer":
        client.force_login(user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory()))
    page_of_10 = count_queries(client, limit=10)
    page_of_100 = count_queries(client, limit=100)
    cursor = client.get(API, {"limit": 10}).json()["next_cursor"]
    next_page = count_queries(client, limit=100, cursor=cursor)
    filtered = count_queries(client, limit=100, cluster=many_projects["clusters"][0].slug)
    print(f"/api/v1/projects {who}: limit=10 → {page_of_10}, limit=100 → {page_of_100}")
    assert page_of_10 == page_of_100 == next_page
    assert filtered == page_of_100 + 1  # the cluster slug check
    assert page_of_100 <= 6
