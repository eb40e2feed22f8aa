"""Public registry pages: home, cluster, organisations, search — both languages, filters, scopes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grappe.core.models import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    FiguresFactory,
    FunderFactory,
    FundingLineFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.models import ParticipantRole, ProjectStatus
from grappe.registry.models import ClusterKind, OrganisationKind, Ownership

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecosystem():
    """Two clusters, a hub, members of each type, a funded project with aid from two funders."""
    systematic = ClusterFactory(
        name="Systematic Paris Region",
        slug="systematic",
        topic_en="Complex systems",
        topic_fr="Systèmes complexes",
        description_en="The cluster of complex systems.",
        description_fr="Le pôle des systèmes complexes.",
        display_order=7,
    )
    medicen = ClusterFactory(
        name="Medicen Paris Region",
        slug="medicen",
        topic_en="Health technology",
        topic_fr="Technologies de santé",
        display_order=5,
    )
    hub = ClusterFactory(
        kind=ClusterKind.NETWORK,
        name="Capital Games",
        slug="capital-games",
        topic_en="Video games",
        topic_fr="Jeux vidéo",
    )
    lab = OrganisationFactory(
        name="Laboratoire Quantique",
        short_name="LQ",
        kind=OrganisationKind.RESEARCH_LAB,
        keywords="quantum sensing, photonics",
    )
    startup = OrganisationFactory(
        name="Robotique Nouvelle",
        kind=OrganisationKind.START_UP,
        city="Lyon",
        postcode="69001",
        paris_arrondissement=None,
        keywords="robots",
    )
    foreign = OrganisationFactory(
        name="Berlin Sensorik",
        kind=OrganisationKind.SME,
        city="Berlin",
        country="DE",
        postcode="10115",
        paris_arrondissement=None,
        siren="",
    )
    MembershipFactory(cluster=systematic, organisation=lab, confirmed_at=timezone.now())
    MembershipFactory(cluster=systematic, organisation=startup)
    MembershipFactory(cluster=medicen, organisation=foreign)
    # A past membership: not a current member.
    MembershipFactory(
        cluster=medicen,
        organisation=lab,
        start_date=dt.date(2010, 1, 1),
        end_date=dt.date(2012, 12, 31),
    )
    project = ProjectFactory(acronym="QUANTIX", title="Quantum sensors for cities")
    coord = ParticipationFactory(
        project=project, organisation=lab, role=ParticipantRole.COORDINATOR
    )
    partner = ParticipationFactory(project=project, organisation=startup)
    AccreditationFactory(project=project, cluster=systematic, is_lead=True)
    city = FunderFactory(name_en="City of Paris", name_fr="Ville de Paris")
    bpi = FunderFactory(name_en="Bpifrance", name_fr="Bpifrance")
    FundingLineFactory(
        participation=coord,
        funder=city,
        granted=Decimal("1234567.00"),
        decided_on=dt.date(2023, 5, 1),
    )
    FundingLineFactory(
        participation=partner,
        funder=bpi,
        granted=Decimal("200000.00"),
        decided_on=dt.date(2024, 5, 1),
    )
    return {
        "systematic": systematic,
        "medicen": medicen,
        "hub": hub,
        "lab": lab,
        "startup": startup,
        "foreign": foreign,
        "project": project,
    }


def text(response) -> str:
    return response.content.decode()


# Home ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "topic", "clusters_heading"),
    [
        ("en", "Competitiveness clusters", "Complex systems", 'lang="en"'),
        ("fr", 'lang="fr"', "Systèmes complexes", 'hreflang="en"'),
    ],
)
def test_home_lists_clusters_and_hubs_in_the_active_language(
    client, ecosystem, lang, heading, topic, clusters_heading
):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    body = text(response)
    assert heading in body
    assert clusters_heading in body
    assert topic in body
    assert "Systematic Paris Region" in body
    assert "Capital Games" in body
    # Two groups: clusters, then networks.
    assert body.index("Systematic Paris Region") < body.index("Capital Games")


def test_home_shows_member_counts_of_current_members_only(client, ecosystem):
    body = text(client.get("/en/"))
    systematic_card = body[body.index("Systematic Paris Region") :]
    assert "2 members" in systematic_card[:800]
    medicen_card = body[body.index("Medicen Paris Region") :]
    assert "1 member<" in medicen_card[:800]


def test_home_switcher_links_to_the_same_page_in_the_other_language(client, ecosystem):
    body = text(client.get("/en/organisations/?q=robot"))
    assert 'href="/fr/organisations/?q=robot"' in body


def test_demo_banner_appears_only_on_pages_that_show_demo_records(client, ecosystem):
    real = ecosystem["lab"]
    demo = OrganisationFactory(is_demo=True, name="Démo Synthétique")
    # Demo data is loaded, but the home page and a real organisation's page show none of it.
    assert 'data-testid="demo-banner"' not in text(client.get("/en/"))
    assert 'data-testid="demo-banner"' not in text(client.get(f"/en/organisations/{real.pk}/"))
    body = text(client.get(f"/en/organisations/{demo.pk}/"))
    assert 'data-testid="demo-banner"' in body
    # The list shows the demo record among real ones: the banner, and a badge on that row only.
    body = text(client.get("/en/organisations/"))
    assert 'data-testid="demo-banner"' in body
    assert body.count('data-testid="demo-badge"') == 1
    row = body[body.index("Démo Synthétique") :]
    assert 'data-testid="demo-badge"' in row[:300]


# Cluster page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "description", "total"),
    [
        ("en", "The cluster of complex systems.", "€1,434,567"),
        ("fr", "Le pôle des systèmes complexes.", "1\u00a0434\u00a0567\u00a0€"),
    ],
)
def test_cluster_page_shows_members_projects_and_funding(
    client, ecosystem, lang, description, total
):
    response = client.get(f"/{lang}/clusters/systematic/")
    assert response.status_code == 200
    body = text(response)
    assert description in body
    assert "Laboratoire Quantique" in body
    assert "Robotique Nouvelle" in body
    assert "Berlin Sensorik" not in body
    assert "QUANTIX" in body
    assert total in body  # grand total of aid granted
    funding = response.context["funding"]
    assert [row["year"] for row in funding["rows"]] == [2024, 2023]
    assert funding["grand_total"] == Decimal("1434567.00")
    funders = funding["funders"]
    assert funders == ["Bpifrance", "Ville de Paris" if lang == "fr" else "City of Paris"]
    assert funding["rows"][0]["cells"] == [Decimal("200000.00"), None]
    assert funding["funder_totals"] == [Decimal("200000.00"), Decimal("1234567.00")]


def test_cluster_page_groups_members_by_type(client, ecosystem):
    response = client.get("/en/clusters/systematic/")
    labels = [label for label, _ in response.context["member_groups"]]
    assert labels == ["Start-up", "Research lab"]


def test_cluster_page_hides_proposals_from_the_public(client, ecosystem):
    draft = ProjectFactory(acronym="SECRETDRAFT", status=ProjectStatus.DRAFT)
    AccreditationFactory(project=draft, cluster=ecosystem["systematic"])
    assert "SECRETDRAFT" not in text(client.get("/en/clusters/systematic/"))


def test_unknown_cluster_is_404(client, ecosystem):
    assert client.get("/en/clusters/nope/").status_code == 404
    assert client.get("/fr/clusters/nope/").status_code == 404


def test_cluster_page_with_a_bad_cursor_shows_the_error_above_the_first_page(client, ecosystem):
    response = client.get("/en/clusters/systematic/?cursor=abc")
    assert response.status_code == 200
    assert "The cursor is invalid or was altered" in text(response)
    assert response.context["projects"].is_first_page


# Organisation list ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "heading"), [("en", "Member organisations"), ("fr", 'lang="fr"')])
def test_organisation_list_renders_in_both_languages(client, ecosystem, lang, heading):
    response = client.get(f"/{lang}/organisations/")
    assert response.status_code == 200
    assert heading in text(response)
    assert response.context["listing"].total == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=quantum", {"Laboratoire Quantique"}),
        ("q=LQ", {"Laboratoire Quantique"}),
        ("q=lyon", {"Robotique Nouvelle"}),
        ("kind=start_up", {"Robotique Nouvelle"}),
        ("cluster=medicen", {"Berlin Sensorik"}),  # the lab's medicen membership has ended
        ("cluster=systematic", {"Laboratoire Quantique", "Robotique Nouvelle"}),
        ("paris_only=on", {"Laboratoire Quantique"}),
        ("country=de", {"Berlin Sensorik"}),
        ("country=FR&kind=research_lab", {"Laboratoire Quantique"}),
    ],
)
def test_organisation_list_filters(client, ecosystem, query, expected):
    response = client.get(f"/en/organisations/?{query}")
    assert response.status_code == 200
    assert {o.name for o in response.context["listing"].items} == expected


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("country=France", "Country", "two-letter"),
        ("country=F1", "Country", "two-letter"),
        ("kind=wizard", "Type", "Select a valid choice"),
        ("cluster=atlantis", "Cluster", "Unknown cluster slug: atlantis"),
        ("sort=size", "Sort by", "Select a valid choice"),
    ],
)
def test_organisation_list_bad_input_shows_the_error_not_a_500(
    client, ecosystem, query, field, message
):
    response = client.get(f"/en/organisations/?{query}")
    assert response.status_code == 200
    body = text(response)
    assert re.search(rf"{field}: [^<]*{message}", body), body
    # The invalid filter is ignored: all organisations are still listed.
    assert response.context["listing"].total == 3


def test_organisation_list_pages_follow_next_links_to_the_end(client, ecosystem, settings):
    settings.PAGE_SIZE = 2
    response = client.get("/en/organisations/")
    first = response.context["listing"]
    assert first.is_first_page and first.total == 3 and len(first.items) == 2
    assert 'rel="first"' not in text(response)
    next_link = re.search(r'href="([^"]+)" rel="next"', text(response)).group(1)
    response = client.get("/en/organisations/" + next_link.replace("&amp;", "&"))
    second = response.context["listing"]
    assert not second.is_first_page and second.next_cursor is None
    assert {o.name for o in first.items + second.items} == {
        "Laboratoire Quantique",
        "Robotique Nouvelle",
        "Berlin Sensorik",
    }
    assert 'rel="first"' in text(response) and 'rel="next"' not in text(response)


def test_organisation_list_in_french_translates_labels_of_types(client, ecosystem):
    body = text(client.get("/fr/organisations/"))
    assert 'lang="fr"' in body
    assert "Paris 11<sup>e</sup>" in body


# Organisation detail -------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "since"), [("en", "Jan. 1, 2020"), ("fr", "1 janvier 2020")])
def test_organisation_detail_in_both_languages(client, ecosystem, lang, since):
    lab = ecosystem["lab"]
    response = client.get(f"/{lang}/organisations/{lab.pk}/")
    assert response.status_code == 200
    body = text(response)
    assert "Laboratoire Quantique" in body
    assert lab.siren in body
    assert "quantum sensing" in body
    assert "Systematic Paris Region" in body
    assert "Medicen Paris Region" in body  # past membership, with its dates
    assert since in body
    assert "QUANTIX" in body


def test_unknown_organisation_is_404(client, ecosystem):
    assert client.get("/en/organisations/999999/").status_code == 404


@pytest.fixture
def confidential(ecosystem):
    lab = ecosystem["lab"]
    FiguresFactory(organisation=lab, year=2024, turnover=Decimal("7654321.00"))
    parent = OrganisationFactory(name="Groupe Parent")
    Ownership.objects.create(
        holder=parent, held=lab, capital_share=Decimal("60"), voting_share=Decimal("60")
    )
    return lab


def _figures_visible(client, user, lab) -> bool:
    if user is not None:
        client.force_login(user)
    response = client.get(f"/en/organisations/{lab.pk}/")
    assert response.status_code == 200
    body = text(response)
    return "€7,654,321" in body and "Groupe Parent" in body


def test_organisation_figures_owner_sees_them(client, confidential):
    owner = user_with_role(Role.MEMBER, organisation=confidential)
    assert _figures_visible(client, owner, confidential)


def test_organisation_figures_insider_cluster_manager_sees_them(client, confidential, ecosystem):
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=ecosystem["systematic"])
    assert _figures_visible(client, manager, confidential)


def test_organisation_figures_outsiders_do_not_see_them(client, confidential, ecosystem):
    assert not _figures_visible(client, None, confidential)
    other_member = user_with_role(Role.MEMBER, organisation=ecosystem["foreign"])
    assert not _figures_visible(client, other_member, confidential)
    hub_manager = user_with_role(Role.CLUSTER_MANAGER, cluster=ecosystem["hub"])
    assert not _figures_visible(client, hub_manager, confidential)


# Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_search_finds_clusters_organisations_and_projects(client, ecosystem, lang):
    response = client.get(f"/{lang}/search/?q=quant")
    assert response.status_code == 200
    body = text(response)
    assert "Laboratoire Quantique" in body
    assert "QUANTIX" in body
    response = client.get(f"/{lang}/search/?q=syst")
    assert [c.slug for c in response.context["clusters"]] == ["systematic"]


def test_search_matches_cluster_topics_in_french(client, ecosystem):
    response = client.get("/en/search/?q=jeux vidéo")
    assert [c.slug for c in response.context["clusters"]] == ["capital-games"]


def test_search_without_query_shows_the_box_only(client, ecosystem):
    response = client.get("/en/search/")
    assert response.status_code == 200
    assert "clusters" not in response.context


def test_search_hides_proposals_from_the_public(client, ecosystem):
    ProjectFactory(acronym="QUANTDRAFT", status=ProjectStatus.DRAFT)
    assert "QUANTDRAFT" not in text(client.get("/en/search/?q=quant"))


def test_search_rejects_an_overlong_query_with_a_message(client, ecosystem):
    response = client.get("/en/search/?q=" + "x" * 500)
    assert response.status_code == 200
    assert "at most 200 characters" in text(response)


# Login / logout ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_login_page_renders_with_labelled_fields(client, lang):
    response = client.get(f"/{lang}/accounts/login/")
    assert response.status_code == 200
    body = text(response)
    assert 'for="id_username"' in body
    assert 'for="id_password"' in body


def test_logged_in_header_shows_role_and_a_post_logout_button(client, ecosystem):
    user = user_with_role(Role.CLUSTER_MANAGER, cluster=ecosystem["systematic"])
    client.force_login(user)
    body = text(client.get("/en/"))
    assert user.username in body
    assert "Cluster manager" in body
    assert re.search(r'<form method="post" action="/en/accounts/logout/"', body)
    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302
    assert user.username not in text(client.get("/en/"))


def test_login_with_a_wrong_password_shows_an_error(client):
    user = user_with_role(Role.EVALUATOR)
    response = client.post("/en/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "error-summary" in text(response)


# Query-count guards --------------------------------------------------------------------------


@pytest.fixture
def many_rows():
    """70 organisations and 70 public projects across 12 clusters, all in one cluster too."""
    clusters = [ClusterFactory(slug=f"c{i}") for i in range(12)]
    big = clusters[0]
    funder = FunderFactory()
    for i in range(70):
        org = OrganisationFactory(kind=list(OrganisationKind.values)[i % 10])
        MembershipFactory(cluster=big, organisation=org)
        MembershipFactory(cluster=clusters[1 + i % 11], organisation=org)
        project = ProjectFactory(start_date=dt.date(2020 + i % 5, 1, 1))
        participation = ParticipationFactory(
            project=project, organisation=org, role=ParticipantRole.COORDINATOR
        )
        AccreditationFactory(project=project, cluster=big)
        FundingLineFactory(participation=participation, funder=funder)
    return big


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/en/organisations/",
        "/en/organisations/?cluster=c0&paris_only=on",
        "/en/organisations/?sort=-date&kind=sme",
        "/en/clusters/c0/",
        "/en/search/?q=o",
    ],
)
def test_query_count_does_not_grow_with_page_size(client, many_rows, settings, url):
    settings.PAGE_SIZE = 10
    small = _count_queries(client, url)
    settings.PAGE_SIZE = 50
    large = _count_queries(client, url)
    print(f"\nqueries {url}: PAGE_SIZE=10 → {small}, PAGE_SIZE=50 → {large}")
    assert small == large


# Error pages ---------------------------------------------------------------------------------


def test_not_found_page_uses_the_site_layout_in_the_active_language(client, ecosystem):
    response = client.get("/fr/clusters/nope/")
    assert response.status_code == 404
    body = text(response)
    assert '<html lang="fr">' in body
    assert 'href="/en/clusters/nope/"' in body  # the switcher still works
    response = client.get("/fr/nothing/here/")
    assert response.status_code == 404
    assert '<html lang="fr">' in text(response)


# French interface strings (active once the French catalogue is compiled) -----------------------


@pytest.mark.parametrize(
    ("url", "english", "french"),
    [
        ("/fr/", "Competitiveness clusters", "Pôles de compétitivité"),
        ("/fr/organisations/", "Member organisations", "Organisations membres"),
        ("/fr/projects/", "Collaborative R&D projects", "Projets de R&D collaboratifs"),
        ("/fr/search/", "Search clusters, organisations and projects", "Rechercher des pôles"),
    ],
)
def test_french_pages_use_the_french_catalogue(client, ecosystem, url, english, french):
    from django.utils import translation

    with translation.override("fr"):
        if translation.gettext("Competitiveness clusters") == "Competitiveness clusters":
            pytest.skip("the French catalogue has no entry for the site's strings yet")
    body = text(client.get(url))
    assert french in body
    assert english not in body


@pytest.mark.django_db
def test_only_the_clusters_managers_get_the_member_import_link(client) -> None:
    from grappe.core.models import Role
    from grappe.core.tests.factories import ClusterFactory, user_with_role

    cluster = ClusterFactory(slug="advancity")
    url = f"/en/clusters/{cluster.slug}/"
    link = f"/en/clusters/{cluster.slug}/members/import/"
    assert link not in client.get(url).content.decode()
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()))
    assert link not in client.get(url).content.decode()
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    assert link in client.get(url).content.decode()
