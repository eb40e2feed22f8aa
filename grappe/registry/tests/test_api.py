"""API: clusters and organisations — filters, pagination, errors, confidential figures, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import hypothesis
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import strategies as st

from grappe.core.models import Role
from grappe.core.tests.factories import (
    ClusterFactory,
    FiguresFactory,
    FunderFactory,
    MembershipFactory,
    OrganisationFactory,
    user_with_role,
)
from grappe.registry.models import (
    ClusterKind,
    ClusterTheme,
    Organisation,
    OrganisationKind,
    Ownership,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def client() -> Client:
    return Client()


def get_json(client: Client, url: str, expect: int = 200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    return response.json()


def walk(client: Client, url: str, limit: int, **params) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        query = {**params, "limit": limit}
        if cursor:
            query["cursor"] = cursor
        body = get_json(client, url, **query)
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 500


def count_queries(client: Client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


# --- clusters --------------------------------------------------------------------------------


def test_clusters_list_in_display_order_with_member_counts(client):
    b = ClusterFactory(name="Beta", display_order=2)
    a = ClusterFactory(name="Alpha", display_order=1)
    hub = ClusterFactory(name="Hub", kind=ClusterKind.NETWORK, display_order=0)
    MembershipFactory(cluster=a)
    MembershipFactory(cluster=a)
    MembershipFactory(cluster=a, end_date=dt.date(2021, 1, 1))  # ended: not counted
    body = get_json(client, f"{API}/clusters")
    assert [c["slug"] for c in body["items"]] == [a.slug, b.slug, hub.slug]
    assert body["items"][0]["member_count"] == 2
    assert body["next_cursor"] is None


def test_clusters_filter_by_kind(client):
    ClusterFactory()
    hub = ClusterFactory(kind=ClusterKind.NETWORK)
    body = get_json(client, f"{API}/clusters", kind="network")
    assert [c["slug"] for c in body["items"]] == [hub.slug]


def test_clusters_refuse_an_unknown_kind(client):
    body = get_json(client, f"{API}/clusters", expect=422, kind="planet")
    assert body["detail"][0]["loc"] == ["query", "kind"]
    assert body["detail"][0]["type"] == "enum"


def test_cluster_detail_has_both_languages_themes_and_member_count(client):
    cluster = ClusterFactory(
        description_en="Complex systems.", description_fr="Systèmes complexes."
    )
    ClusterTheme.objects.create(cluster=cluster, name_en="Road safety", name_fr="Sécurité routière")
    MembershipFactory(cluster=cluster)
    body = get_json(client, f"{API}/clusters/{cluster.slug}")
    assert body["description_en"] == "Complex systems."
    assert body["description_fr"] == "Systèmes complexes."
    assert body["themes"] == [{"name_en": "Road safety", "name_fr": "Sécurité routière"}]
    assert body["member_count"] == 1
    assert body["topic_fr"] == "Systèmes complexes"


def test_unknown_cluster_is_404_naming_it(client):
    body = get_json(client, f"{API}/clusters/atlantis", expect=404)
    assert body == {"detail": "Not found: cluster atlantis"}


def test_clusters_paginate(client):
    for i in range(7):
        ClusterFactory(display_order=i)
    pages = walk(client, f"{API}/clusters", limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    slugs = [c["slug"] for page in pages for c in page]
    assert len(set(slugs)) == 7


# --- organisations: filters ------------------------------------------------------------------


def names(body) -> list[str]:
    return [o["name"] for o in body["items"]]


def test_organisations_filter_by_text_kind_city_country_and_paris(client):
    OrganisationFactory(name="Acme Robotics", kind=OrganisationKind.START_UP, keywords="robots")
    OrganisationFactory(
        name="Lyon Lab",
        kind=OrganisationKind.RESEARCH_LAB,
        city="Lyon",
        postcode="69001",
        paris_arrondissement=None,
    )
    OrganisationFactory(
        name="Berlin GmbH", city="Berlin", country="DE", postcode="10115", paris_arrondissement=None
    )
    url = f"{API}/organisations"
    assert names(get_json(client, url, q="robot")) == ["Acme Robotics"]
    assert names(get_json(client, url, kind="research_lab")) == ["Lyon Lab"]
    assert names(get_json(client, url, city="lyon")) == ["Lyon Lab"]
    assert names(get_json(client, url, country="de")) == ["Berlin GmbH"]
    assert names(get_json(client, url, paris_only="true")) == ["Acme Robotics"]
    assert names(get_json(client, url, kind="")) == ["Acme Robotics", "Berlin GmbH", "Lyon Lab"]


def test_organisations_filter_by_current_cluster_membership(client):
    cluster = ClusterFactory(slug="medicen")
    member = OrganisationFactory(name="Member")
    former = OrganisationFactory(name="Former")
    OrganisationFactory(name="Outsider")
    MembershipFactory(cluster=cluster, organisation=member)
    MembershipFactory(cluster=cluster, organisation=former, end_date=dt.date(2021, 1, 1))
    assert names(get_json(client, f"{API}/organisations", cluster="medicen")) == ["Member"]


@pytest.mark.parametrize(
    ("params", "field", "error_type"),
    [
        ({"kind": "giant"}, "kind", "enum"),
        ({"country": "France"}, "country", "string_pattern_mismatch"),
        ({"paris_only": "perhaps"}, "paris_only", "bool_parsing"),
        ({"cluster": "atlantis"}, "cluster", "unknown_cluster"),
        ({"q": "a\x00b"}, "q", "control_characters"),
        ({"q": "x" * 201}, "q", "string_too_long"),
        ({"limit": "0"}, "limit", "greater_than_equal"),
        ({"limit": "-1"}, "limit", "greater_than_equal"),
        ({"limit": "1000"}, "limit", "less_than_equal"),
        ({"limit": "ten"}, "limit", "int_parsing"),
        ({"cursor": "not-a-cursor"}, "cursor", "invalid_cursor"),
    ],
)
def test_organisations_bad_query_is_422_naming_the_field_and_rule(
    client, params, field, error_type
):
    body = get_json(client, f"{API}/organisations", expect=422, **params)
    [error] = body["detail"]
    assert error["loc"] == ["query", field]
    assert error["type"] == error_type
    assert error["msg"]


def test_limit_above_the_maximum_names_the_maximum(client):
    body = get_json(
        client, f"{API}/organisations", expect=422, limit=settings.API_MAX_PAGE_SIZE + 1
    )
    assert str(settings.API_MAX_PAGE_SIZE) in body["detail"][0]["msg"]


def test_a_cursor_from_another_list_is_422(client):
    ClusterFactory.create_batch(3)
    cursor = get_json(client, f"{API}/clusters", limit=1)["next_cursor"]
    body = get_json(client, f"{API}/organisations", expect=422, cursor=cursor)
    assert body["detail"][0]["loc"] == ["query", "cursor"]


# --- organisations: pagination ---------------------------------------------------------------


def test_organisation_pages_have_no_duplicates_and_no_gaps(client):
    # Duplicate names force the id tiebreaker to do its job.
    for i in range(57):
        OrganisationFactory(name=f"Org {i % 20:02d}")
    pages = walk(client, f"{API}/organisations", limit=10)
    assert [len(p) for p in pages] == [10, 10, 10, 10, 10, 7]
    ids = [o["id"] for page in pages for o in page]
    assert ids == list(Organisation.objects.order_by("name", "id").values_list("id", flat=True))


def test_default_page_size_is_25(client):
    OrganisationFactory.create_batch(30)
    body = get_json(client, f"{API}/organisations")
    assert len(body["items"]) == 25
    assert body["next_cursor"]


def test_the_same_cursor_gives_the_same_page(client):
    OrganisationFactory.create_batch(12)
    cursor = get_json(client, f"{API}/organisations", limit=5)["next_cursor"]
    first = get_json(client, f"{API}/organisations", limit=5, cursor=cursor)
    second = get_json(client, f"{API}/organisations", limit=5, cursor=cursor)
    assert first == second


# --- organisations: detail and confidential figures ------------------------------------------


@pytest.fixture
def confidential_org():
    cluster = ClusterFactory()
    organisation = OrganisationFactory(name="Secretive SAS")
    MembershipFactory(cluster=cluster, organisation=organisation, confirmed_at=timezone.now())
    FiguresFactory(organisation=organisation, year=2024, turnover=Decimal("1234567.5"))
    FiguresFactory(organisation=organisation, year=2025)
    parent = OrganisationFactory(name="Parent Group")
    Ownership.objects.create(
        holder=parent,
        held=organisation,
        capital_share=Decimal("30"),
        voting_share=Decimal("30"),
    )
    return organisation, cluster


def test_organisation_detail_is_public_without_figures(client, confidential_org):
    organisation, cluster = confidential_org
    body = get_json(client, f"{API}/organisations/{organisation.pk}")
    assert body["name"] == "Secretive SAS"
    assert body["identifiers"]["siren"] == organisation.siren
    assert body["memberships"][0]["cluster"]["slug"] == cluster.slug
    assert body["figures"] is None
    assert body["ownership"] is None


def test_own_member_sees_figures_and_ownership_with_money_as_strings(client, confidential_org):
    organisation, _ = confidential_org
    client.force_login(user_with_role(Role.MEMBER, organisation=organisation))
    body = get_json(client, f"{API}/organisations/{organisation.pk}")
    assert [f["year"] for f in body["figures"]] == [2025, 2024]
    assert body["figures"][1]["turnover"] == "1234567.50"
    assert body["figures"][0]["staff_awu"] == "12.50"
    [link] = body["ownership"]
    assert link["holder"]["name"] == "Parent Group"
    assert link["capital_share"] == "30.00"


def test_manager_of_a_cluster_it_belongs_to_sees_figures(client, confidential_org):
    organisation, cluster = confidential_org
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    body = get_json(client, f"{API}/organisations/{organisation.pk}")
    assert len(body["figures"]) == 2
    assert len(body["ownership"]) == 1


def test_manager_of_a_cluster_whose_membership_is_unconfirmed_gets_no_figures(client):
    cluster, organisation = ClusterFactory(), OrganisationFactory()
    MembershipFactory(cluster=cluster, organisation=organisation)
    FiguresFactory(organisation=organisation, year=2024)
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    body = get_json(client, f"{API}/organisations/{organisation.pk}")
    assert body["figures"] is None and body["ownership"] is None


def test_programme_officer_sees_figures(client, confidential_org):
    organisation, _ = confidential_org
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory()))
    assert len(get_json(client, f"{API}/organisations/{organisation.pk}")["figures"]) == 2


@pytest.mark.parametrize("outsider", ["other_member", "other_cluster_manager", "evaluator"])
def test_outsiders_get_no_figures(client, confidential_org, outsider):
    organisation, _ = confidential_org
    user = {
        "other_member": lambda: user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
        "other_cluster_manager": lambda: user_with_role(
            Role.CLUSTER_MANAGER, cluster=ClusterFactory()
        ),
        "evaluator": lambda: user_with_role(Role.EVALUATOR),
    }[outsider]()
    client.force_login(user)
    body = get_json(client, f"{API}/organisations/{organisation.pk}")
    assert body["figures"] is None
    assert body["ownership"] is None
    assert "1234567" not in str(body)


def test_organisation_list_never_carries_figures(client, confidential_org):
    organisation, _ = confidential_org
    client.force_login(user_with_role(Role.MEMBER, organisation=organisation))
    body = get_json(client, f"{API}/organisations")
    assert all("figures" not in item for item in body["items"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("999999", 404),
        ("0", 404),
        ("-5", 404),
        ("99999999999999999999999999", 404),  # beyond the database integer: still not a 500
        ("abc", 422),
        ("1.5", 422),
    ],
)
def test_organisation_detail_bad_ids(client, path, status):
    body = get_json(client, f"{API}/organisations/{path}", expect=status)
    if status == 404:
        assert body["detail"].startswith("Not found: organisation")
    else:
        assert body["detail"][0]["loc"] == ["path", "id"]


# --- OpenAPI and docs ------------------------------------------------------------------------


def test_openapi_document_lists_every_endpoint(client):
    doc = get_json(client, f"{API}/openapi.json")
    assert doc["info"]["title"] == "Grappe API"
    for path in [
        "/api/v1/clusters",
        "/api/v1/clusters/{slug}",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/projects",
        "/api/v1/projects/{id}",
    ]:
        assert path in doc["paths"], path
    params = {p["name"] for p in doc["paths"]["/api/v1/organisations"]["get"]["parameters"]}
    assert {"q", "kind", "cluster", "city", "country", "paris_only", "limit", "cursor"} <= params


def test_docs_page_loads(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_docs_page_uses_local_assets_only(client):
    response = client.get(f"{API}/docs")
    assert b"cdn." not in response.content
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content


# --- query counts: they must not grow with the page size -------------------------------------


@pytest.fixture
def many_organisations():
    clusters = [ClusterFactory(slug=f"busy-{i}") for i in range(3)]
    for i in range(360):
        organisation = OrganisationFactory()
        MembershipFactory(cluster=clusters[i % 3], organisation=organisation)
        ClusterTheme.objects.create(cluster=clusters[i % 3], name_en=f"T{i}", name_fr=f"T{i}")
    for i in range(117):
        ClusterFactory(display_order=i)
    return clusters


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (f"{API}/clusters", {}),
        (f"{API}/organisations", {}),
        (f"{API}/organisations", {"cluster": "busy-0", "q": "Organisation"}),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_list_query_count_does_not_grow_with_page_size(
    client, many_organisations, url, params, who
):
    if who == "member":
        client.force_login(
            user_with_role(Role.MEMBER, organisation=Organisation.objects.order_by("id").first())
        )
    count_page_of_10 = count_queries(client, url, limit=10, **params)
    count_page_of_100 = count_queries(client, url, limit=100, **params)
    cursor = get_json(client, url, limit=10, **params)["next_cursor"]
    count_next_page = count_queries(client, url, limit=100, cursor=cursor, **params)
    print(f"{url} {params} {who}: limit=10 → {count_page_of_10}, limit=100 → {count_page_of_100}")
    assert count_page_of_10 == count_page_of_100 == count_next_page
    assert count_page_of_100 <= 6


# --- no input makes a 500 --------------------------------------------------------------------

ALL_QUERY_PARAMETERS = [
    *("q", "kind", "cluster", "city", "country", "paris_only", "status", "year"),
    *("organisation", "limit", "cursor"),
]
fuzz_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@hypothesis.settings(
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    endpoint=st.sampled_from(["clusters", "organisations", "projects"]),
    params=st.dictionaries(
        st.sampled_from(ALL_QUERY_PARAMETERS),
        fuzz_text,
        max_size=4,
    ),
)
def test_no_query_string_makes_a_server_error(endpoint, params):
    response = Client(raise_request_exception=False).get(f"{API}/{endpoint}", params)
    assert response.status_code in (200, 422), (params, response.content)
    if response.status_code == 422:
        assert response.json()["detail"][0]["loc"][0] == "query"


@hypothesis.settings(
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    endpoint=st.sampled_from(["clusters", "organisations", "projects"]),
    key=fuzz_text.filter(lambda s: "/" not in s and "?" not in s and "#" not in s and s.strip()),
)
def test_no_detail_path_makes_a_server_error(endpoint, key):
    from urllib.parse import quote

    response = Client(raise_request_exception=False).get(f"{API}/{endpoint}/{quote(key)}")
    assert response.status_code in (404, 422), (key, response.content)
