"""Public project pages: list with filters, detail with consortium, aid and insiders' budget."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
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
    ProjectStatus,
    ResearchCategory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def world():
    """A funded project with a Paris coordinator and a Lyon partner, accredited by two clusters."""
    lead = ClusterFactory(name="Systematic Paris Region", slug="systematic")
    second = ClusterFactory(name="Cap Digital", slug="cap-digital")
    other_cluster = ClusterFactory(name="Medicen", slug="medicen")
    coordinator = OrganisationFactory(name="Capteurs de Paris")
    partner = OrganisationFactory(
        name="Lyon Optique", city="Lyon", postcode="69002", paris_arrondissement=None
    )
    outsider_org = OrganisationFactory(name="Ailleurs SA")
    project = ProjectFactory(
        acronym="LUMEN",
        title="Smart street lighting",
        summary="Lighting that adapts to people.",
        keywords="lighting, sensors",
        status=ProjectStatus.FUNDED,
        start_date=dt.date(2023, 3, 1),
        trl_start=3,
        trl_target=6,
    )
    # The partner is created first so that "coordinator first" is not an accident of ids.
    p_partner = ParticipationFactory(project=project, organisation=partner, display_order=0)
    p_coord = ParticipationFactory(
        project=project, organisation=coordinator, role=ParticipantRole.COORDINATOR, display_order=1
    )
    AccreditationFactory(
        project=project, cluster=second, is_lead=False, accredited_on=dt.date(2022, 9, 1)
    )
    AccreditationFactory(
        project=project, cluster=lead, is_lead=True, accredited_on=dt.date(2022, 10, 1)
    )
    city = FunderFactory(name_en="City of Paris", name_fr="Ville de Paris")
    FundingLineFactory(
        participation=p_coord,
        funder=city,
        requested=Decimal("300000.00"),
        granted=Decimal("250000.00"),
    )
    FundingLineFactory(
        participation=p_partner,
        funder=city,
        requested=Decimal("120000.00"),
        granted=Decimal("100000.00"),
    )
    BudgetLineFactory(
        participation=p_coord,
        cost_category=CostCategory.PERSONNEL,
        research_category=ResearchCategory.INDUSTRIAL,
        amount=Decimal("600000.00"),
    )
    BudgetLineFactory(
        participation=p_coord,
        cost_category=CostCategory.INSTRUMENTS,
        research_category=ResearchCategory.EXPERIMENTAL,
        amount=Decimal("200000.00"),
    )
    BudgetLineFactory(
        participation=p_partner,
        cost_category=CostCategory.PERSONNEL,
        research_category=ResearchCategory.INDUSTRIAL,
        amount=Decimal("200000.00"),
    )
    draft = ProjectFactory(acronym="HUSH", title="A secret proposal", status=ProjectStatus.DRAFT)
    ParticipationFactory(project=draft, organisation=coordinator, role=ParticipantRole.COORDINATOR)
    completed = ProjectFactory(
        acronym="OLDIE", status=ProjectStatus.COMPLETED, start_date=dt.date(2015, 1, 1)
    )
    ParticipationFactory(project=completed, organisation=partner, role=ParticipantRole.COORDINATOR)
    AccreditationFactory(project=completed, cluster=other_cluster)
    return {
        "project": project,
        "draft": draft,
        "completed": completed,
        "coordinator": coordinator,
        "partner": partner,
        "outsider_org": outsider_org,
        "lead": lead,
        "other_cluster": other_cluster,
        "city": city,
    }


# List ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "status"), [("en", "Funded"), ("fr", 'lang="fr"')])
def test_project_list_renders_public_projects_in_both_languages(client, world, lang, status):
    response = client.get(f"/{lang}/projects/")
    assert response.status_code == 200
    body = text(response)
    assert status in body
    assert "LUMEN" in body
    assert "OLDIE" in body
    assert "HUSH" not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=lumen", {"LUMEN"}),
        ("q=street", {"LUMEN"}),
        ("q=sensors", {"LUMEN"}),
        ("cluster=systematic", {"LUMEN"}),
        ("cluster=cap-digital", {"LUMEN"}),
        ("cluster=medicen", {"OLDIE"}),
        ("status=completed", {"OLDIE"}),
        ("status=draft", set()),  # the public does not see proposals
        ("year=2023", {"LUMEN"}),
        ("year=2015", {"OLDIE"}),
        ("paris_only=on", {"LUMEN"}),
    ],
)
def test_project_list_filters(client, world, query, expected):
    response = client.get(f"/en/projects/?{query}")
    assert response.status_code == 200
    assert {p.acronym for p in response.context["listing"].items} == expected


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("year=abc", "Start year", "whole number"),
        ("year=1200", "Start year", "greater than or equal to 1900"),
        ("year=2020.5", "Start year", "whole number"),
        ("status=lost", "Status", "Select a valid choice"),
        ("cluster=atlantis", "Accredited by", "Unknown cluster slug: atlantis"),
        ("sort=price", "Sort by", "Select a valid choice"),
        ("organisation=abc", "Partner organisation", "Unknown organisation id: abc"),
    ],
)
def test_project_list_bad_input_shows_the_error_not_a_500(client, world, query, field, message):
    response = client.get(f"/en/projects/?{query}")
    assert response.status_code == 200
    assert re.search(rf"{field}: [^<]*{message}", text(response))
    assert response.context["listing"].total == 2


def test_project_list_member_sees_its_own_draft(client, world):
    client.force_login(user_with_role(Role.MEMBER, organisation=world["coordinator"]))
    response = client.get("/en/projects/?status=draft")
    assert {p.acronym for p in response.context["listing"].items} == {"HUSH"}


def test_project_list_shows_lead_cluster_and_coordinator(client, world):
    body = text(client.get("/en/projects/?q=lumen"))
    row = body[body.index("LUMEN") :]
    assert row.index("Systematic Paris Region") < row.index("Capteurs de Paris")
    assert "Cap Digital" not in row[: row.index("</tr>")]


# Detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "date", "granted", "status"),
    [
        ("en", "March 1, 2023", "€350,000", "Funded"),
        ("fr", "1 mars 2023", "350\u00a0000\u00a0€", 'lang="fr"'),
    ],
)
def test_project_detail_public_view(client, world, lang, date, granted, status):
    response = client.get(f"/{lang}/projects/{world['project'].pk}/")
    assert response.status_code == 200
    body = text(response)
    assert "LUMEN" in body
    assert "Smart street lighting" in body
    assert "Lighting that adapts to people." in body
    assert date in body
    assert granted in body
    assert status in body
    assert "sensors" in body


def test_project_detail_lists_coordinator_first_and_lead_cluster_first(client, world):
    response = client.get(f"/en/projects/{world['project'].pk}/")
    partners = [p.organisation.name for p in response.context["partners"]]
    assert partners == ["Capteurs de Paris", "Lyon Optique"]
    clusters = [a.cluster.slug for a in response.context["accreditations"]]
    assert clusters == ["systematic", "cap-digital"]
    body = text(response)
    assert body.index("Capteurs de Paris") < body.index("Lyon Optique")


def test_unknown_project_is_404(client, world):
    assert client.get("/en/projects/999999/").status_code == 404
    assert client.get("/fr/projects/999999/").status_code == 404


# Owner / insider / outsider: a draft project ---------------------------------------------------


def test_draft_project_owner_sees_it(client, world):
    client.force_login(user_with_role(Role.MEMBER, organisation=world["coordinator"]))
    response = client.get(f"/en/projects/{world['draft'].pk}/")
    assert response.status_code == 200
    assert "A secret proposal" in text(response)


def test_draft_project_insider_sees_it(client, world):
    """A programme officer of a funder involved is an insider."""
    partner_in_draft = ParticipationFactory(project=world["draft"], organisation=world["partner"])
    FundingLineFactory(
        participation=partner_in_draft, funder=world["city"], granted=None, decided_on=None
    )
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, funder=world["city"]))
    assert client.get(f"/en/projects/{world['draft'].pk}/").status_code == 200
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    assert client.get(f"/en/projects/{world['draft'].pk}/").status_code == 200


def test_draft_project_is_404_for_outsiders(client, world):
    url = f"/en/projects/{world['draft'].pk}/"
    assert client.get(url).status_code == 404
    client.force_login(user_with_role(Role.MEMBER, organisation=world["outsider_org"]))
    assert client.get(url).status_code == 404
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=world["other_cluster"]))
    assert client.get(url).status_code == 404


# Owner / insider / outsider: budget lines ------------------------------------------------------


def _budget_shown(client, user, project) -> bool:
    if user is not None:
        client.force_login(user)
    response = client.get(f"/en/projects/{project.pk}/")
    assert response.status_code == 200
    body = text(response)
    shown = "Research category mix" in body and "€1,000,000" in body
    # Requested aid is for insiders too.
    assert ("€420,000" in body) == shown
    return shown


def test_budget_owner_sees_budget_per_partner_and_research_mix(client, world):
    owner = user_with_role(Role.MEMBER, organisation=world["partner"])
    assert _budget_shown(client, owner, world["project"])


def test_budget_insider_cluster_manager_sees_it(client, world):
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=world["lead"])
    assert _budget_shown(client, manager, world["project"])


def test_budget_outsiders_do_not_see_it(client, world):
    assert not _budget_shown(client, None, world["project"])
    other = user_with_role(Role.MEMBER, organisation=world["outsider_org"])
    assert not _budget_shown(client, other, world["project"])
    other_manager = user_with_role(Role.CLUSTER_MANAGER, cluster=world["other_cluster"])
    assert not _budget_shown(client, other_manager, world["project"])


def test_budget_table_and_research_mix_figures(client, world):
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    response = client.get(f"/en/projects/{world['project'].pk}/")
    budget = response.context["budget"]
    assert [r["organisation"].name for r in budget["rows"]] == ["Capteurs de Paris", "Lyon Optique"]
    assert budget["total"] == Decimal("1000000.00")
    assert budget["rows"][0]["total"] == Decimal("800000.00")
    mix = {str(r["label"]): r["share"] for r in response.context["research_mix"]}
    assert mix == {"Industrial research": Decimal("80"), "Experimental development": Decimal("20")}
    assert "80.0%" in text(response)
    french = text(client.get(f"/fr/projects/{world['project'].pk}/"))
    assert "80,0\u00a0%" in french
    assert "1\u00a0000\u00a0000\u00a0€" in french


# Query-count guard -----------------------------------------------------------------------------


def test_project_list_query_count_does_not_grow_with_page_size(client, settings):
    cluster = ClusterFactory(slug="big")
    for i in range(65):
        project = ProjectFactory(start_date=dt.date(2020 + i % 4, 1, 1))
        ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
        ParticipationFactory(project=project)
        AccreditationFactory(project=project, cluster=cluster)
    counts = {}
    urls = (
        "/en/projects/",
        "/en/projects/?cluster=big&paris_only=on&year=2021",
        "/en/projects/?sort=-amount",
    )
    for size in (10, 50):
        settings.PAGE_SIZE = size
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            counts[(size, url)] = len(ctx.captured_queries)
            # A later page costs what the first does (keyset: no OFFSET), plus at most one query
            # on the page where rows with a start date run out and the undated ones begin.
            if size == 10:
                cursor = urlencode({"cursor": response.context["listing"].next_cursor})
                with CaptureQueriesContext(connection) as ctx:
                    next_page = client.get(url + ("&" if "?" in url else "?") + cursor)
                assert next_page.status_code == 200 and not next_page.context["listing"].errors
                assert all("OFFSET" not in q["sql"] for q in ctx.captured_queries)
                counts[(size, url, "next")] = len(ctx.captured_queries)
    print(f"\nproject list queries: {counts}")
    for url in urls:
        assert counts[(10, url)] == counts[(50, url)]
        assert counts[(10, url)] <= counts[(10, url, "next")] <= counts[(10, url)] + 1


# No query string makes a 500 -----------------------------------------------------------------


ODD_VALUES = [
    "\x00",
    "abc\x00",
    "-1",
    "0",
    "99999999999999999999999",
    "1e5",
    "",
    " ",
    "é" * 300,
    "'; --",
]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(
    "url",
    ["/en/projects/", "/fr/organisations/", "/en/search/", "/en/clusters/systematic/"],
)
def test_odd_query_values_never_cause_a_500(client, world, url, value):
    params = (
        *("q", "cluster", "status", "year", "kind", "country", "city", "paris_only"),
        *("organisation", "sort", "cursor", "export"),
    )
    response = client.get(url, dict.fromkeys(params, value))
    assert response.status_code == 200
