"""Project search: the same folding and ranking as organisations, the scope still applies, and
the list page, the API and the search page agree (one selector, one FilterSet)."""

from __future__ import annotations

import pytest

from grappe.core.models import Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects import selectors, services
from grappe.projects.models import ParticipantRole, ProjectStatus
from grappe.projects.search import PROJECTS
from grappe.registry.search import ORGANISATIONS

pytestmark = pytest.mark.django_db

PAGE = "/en/projects/"
API = "/api/v1/projects"


def lyon(**fields):
    return OrganisationFactory(city="Lyon", postcode="69001", paris_arrondissement=None, **fields)


@pytest.fixture
def catalogue():
    lab = lyon(name="Laboratoire Énergie")
    projects = {
        "SOLAR": ProjectFactory(
            acronym="SOLAR", title="Énergie solaire pour tous", summary="Stockage d'énergie"
        ),
        "ENERGIE": ProjectFactory(acronym="ENERGIE", title="Réseaux intelligents"),
        "WIND": ProjectFactory(acronym="WIND", title="Éolien en mer", keywords="énergie, vent"),
        "OTHER": ProjectFactory(acronym="OTHER", title="Jeux vidéo"),
        "SECRET": ProjectFactory(
            acronym="SECRET", title="Énergie confidentielle", status=ProjectStatus.DRAFT
        ),
    }
    for project in projects.values():
        ParticipationFactory(project=project, organisation=lyon(), role=ParticipantRole.COORDINATOR)
    ParticipationFactory(project=projects["WIND"], organisation=lab)
    ParticipationFactory(project=projects["SOLAR"], organisation=lyon())
    return {"lab": lab, **projects}


def search(scope, q: str) -> list[str]:
    return [p.acronym for p in selectors.project_search(scope=scope, q=q)]


def test_accents_and_case_give_the_same_projects(catalogue) -> None:
    public = scope_for(None)
    results = search(public, "énergie")
    assert set(results) == {"SOLAR", "ENERGIE", "WIND"}
    assert search(public, "energie") == search(public, "ENERGIE") == results
    assert results[0] == "ENERGIE"  # the exact acronym first
    assert search(public, "eolien") == ["WIND"]
    assert search(public, "stockage d energie") == ["SOLAR"]  # the summary


def test_a_draft_is_found_by_its_consortium_and_clusters_but_not_by_outsiders(catalogue) -> None:
    secret = catalogue["SECRET"]
    partner = secret.participations.get().organisation
    cluster = ClusterFactory()
    AccreditationFactory(project=secret, cluster=cluster)
    owner = scope_for(user_with_role(Role.MEMBER, organisation=partner))
    insider = scope_for(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    outsider = scope_for(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    assert "SECRET" in search(owner, "confidentielle")
    assert "SECRET" in search(insider, "confidentielle")
    assert search(outsider, "confidentielle") == []
    assert search(scope_for(None), "confidentielle") == []


def test_the_page_the_api_and_the_search_page_agree_in_relevance_order(client, catalogue) -> None:
    api = client.get(API, {"q": "energie", "limit": 100}).json()
    page = client.get(PAGE, {"q": "energie"})
    search_page = client.get("/en/search/", {"q": "énergie"})
    expected = search(scope_for(None), "energie")
    assert [p["acronym"] for p in api["items"]] == expected
    assert [p.acronym for p in page.context["listing"].items] == expected
    assert [p.acronym for p in search_page.context["projects"]] == expected
    assert page.context["listing"].total == len(expected) == search_page.context["project_count"]


def test_keyset_pages_walk_a_relevance_order_once(client, catalogue, settings) -> None:
    expected = search(scope_for(None), "energie")
    seen, query = [], {"q": "energie", "limit": 1}
    for _ in range(10):
        body = client.get(API, query).json()
        seen += [p["acronym"] for p in body["items"]]
        if body["next_cursor"] is None:
            break
        query = {"q": "energie", "limit": 1, "cursor": body["next_cursor"]}
    assert seen == expected
    settings.PAGE_SIZE = 1
    seen, query = [], {"q": "energie"}
    for _ in range(10):
        listing = client.get(PAGE, query).context["listing"]
        seen += [p.acronym for p in listing.items]
        if listing.next_cursor is None:
            break
        query = {"q": "energie", "cursor": listing.next_cursor}
    assert seen == expected


def test_a_relevance_cursor_with_another_query_is_refused(client, catalogue) -> None:
    first = client.get(API, {"q": "energie", "limit": 1}).json()
    response = client.get(API, {"q": "eolien", "limit": 1, "cursor": first["next_cursor"]})
    assert response.status_code == 422
    assert "q" in response.json()["detail"][0]["msg"]


def test_an_explicit_sort_wins_over_relevance_and_relevance_without_q_is_the_default(
    client, catalogue
) -> None:
    by_name = client.get(API, {"q": "energie", "sort": "name", "limit": 100}).json()
    assert [p["acronym"] for p in by_name["items"]] == ["ENERGIE", "SOLAR", "WIND"]
    plain = client.get(API, {"sort": "relevance", "limit": 100})
    assert plain.status_code == 200
    default = client.get(API, {"limit": 100}).json()
    assert plain.json()["items"] == default["items"]


def test_paris_only_finds_projects_with_a_partner_in_paris_whatever_the_arrondissement(
    client, catalogue
) -> None:
    paris = OrganisationFactory(
        name="Atelier", city="PARIS", postcode="", paris_arrondissement=None
    )
    assert not paris.in_paris  # a factory row: the services set it, as below
    from grappe.registry import services as registry_services

    registry_services.organisation_update(actor=None, organisation=paris, city="PARIS ")
    paris.refresh_from_db()
    assert paris.in_paris and paris.paris_arrondissement is None
    ParticipationFactory(project=catalogue["OTHER"], organisation=paris)
    acronyms = [
        p["acronym"] for p in client.get(API, {"paris_only": "true", "limit": 100}).json()["items"]
    ]
    assert "OTHER" in acronyms and "WIND" not in acronyms


def test_consortium_changes_keep_both_indexes_current(catalogue) -> None:
    wind, lab = catalogue["WIND"], catalogue["lab"]
    assert lab.search_entry.get().activity == 1
    participation = wind.participations.get(organisation=lab)
    services.partner_remove(actor=None, participation=participation)
    assert lab.search_entry.get().activity == 0
    assert wind.search_entry.get().activity == 1
    services.partner_add(actor=None, project=wind, organisation_id=lab.pk)
    assert lab.search_entry.get().activity == 1
    services.project_update(actor=None, project=wind, title="Hydrolien")
    assert search(scope_for(None), "hydrolien") == ["WIND"]
    assert PROJECTS.stale() == (set(), set(), set())
    assert ORGANISATIONS.stale() == (set(), set(), set())
    services.project_delete(actor=None, project=wind)
    assert search(scope_for(None), "hydrolien") == []
    assert PROJECTS.stale() == (set(), set(), set())
    assert ORGANISATIONS.stale() == (set(), set(), set())


def test_a_correction_never_reveals_a_word_of_a_project_the_user_may_not_see(catalogue) -> None:
    """`confidentielle` is only in a draft: an outsider is offered nothing, its consortium is."""
    public = scope_for(None)
    assert selectors.project_suggestion(scope=public, q="energie confidentiele") is None
    coordinator_org = catalogue["SECRET"].participations.get().organisation
    insider = scope_for(user_with_role(Role.MEMBER, organisation=coordinator_org))
    assert selectors.project_suggestion(scope=insider, q="energie confidentiele") == (
        "energie confidentielle"
    )
    assert selectors.project_suggestion(scope=public, q="enrgie solaire") == "energie solaire"


# --- the search page's bounded reads ----------------------------------------------------------


def test_the_search_page_preview_and_count_agree_with_the_full_search(catalogue) -> None:
    public = scope_for(None)
    for q in ("energie", "ENERGIE", "eolien", "jeux", "confidentielle", "zzz"):
        rows, count = selectors.project_search_preview(scope=public, q=q)
        assert [p.acronym for p in rows] == search(public, q)
        assert (count.value, count.more) == (len(search(public, q)), False)


def test_a_draft_is_never_a_candidate_of_an_outsider_even_when_it_is_the_most_active(
    catalogue,
) -> None:
    """Candidates and counts come from the scoped projects: the draft (the most active match)
    neither shows nor takes the one place of a visible project, and is not counted."""
    secret = catalogue["SECRET"]
    for _ in range(3):
        ParticipationFactory(project=secret, organisation=lyon())
    public = scope_for(None)
    rows, count = PROJECTS.preview(
        selectors.project_list(scope=public), "energie", cap=1, candidates=1
    )
    acronyms = [p.acronym for p in rows.order_by(*selectors.PROJECT_RELEVANCE)]
    assert count.more and "SECRET" not in acronyms
    assert acronyms[0] == "ENERGIE"  # the exact acronym
    assert len(acronyms) >= 2  # a visible project took the activity candidate's place
    assert selectors.project_search_preview(scope=public, q="confidentielle")[1].value == 0
    owner = scope_for(
        user_with_role(Role.MEMBER, organisation=secret.participations.first().organisation)
    )
    mine, count = PROJECTS.preview(
        selectors.project_list(scope=owner), "confidentielle", cap=0, candidates=1
    )
    assert [p.acronym for p in mine] == ["SECRET"] and count.more
    assert selectors.project_search_preview(scope=owner, q="energie")[1].value == 4


def test_the_search_page_says_more_than_the_cap_for_projects(
    client, catalogue, monkeypatch
) -> None:
    import grappe.core.search as core_search

    monkeypatch.setattr(core_search, "COUNT_CAP", 2)
    response = client.get("/en/search/", {"q": "energie"})
    assert (response.context["project_count"], response.context["project_count_more"]) == (2, True)
    assert "(more than 2)" in response.content.decode()
    french = client.get("/fr/search/", {"q": "energie"}).content.decode()
    assert "(plus de 2)" in french
