"""The partner index built from the database, its suggestions on the pages and the API: owner /
insider / outsider, no proposal-only fact for outsiders, 422s naming the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.domain.roles import Role
from grappe.core.models import AuditEvent
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    ClusterFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.matchmaking import selectors
from grappe.matchmaking.models import PartnerIndex
from grappe.matchmaking.services import partner_index_rebuild, partner_index_refresh_if_stale
from grappe.projects.models import ProjectStatus
from grappe.registry.domain.vocabulary import OrganisationKind
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    cluster = ClusterFactory(name="Cap Digital Test")
    a = OrganisationFactory(name="Alpha Buses", kind=OrganisationKind.SME)
    b = OrganisationFactory(name="Beta Motors", kind=OrganisationKind.LARGE_COMPANY, city="Lyon")
    lab = OrganisationFactory(name="Hydrogen Lab", kind=OrganisationKind.RESEARCH_LAB)
    secret = OrganisationFactory(name="Secret Partner", kind=OrganisationKind.RESEARCH_LAB)
    MembershipFactory(cluster=cluster, organisation=lab)
    p1 = ProjectFactory(acronym="H2BUS", title="Hydrogen storage for buses")
    p2 = ProjectFactory(acronym="H2TRUCK", title="Hydrogen tanks for trucks")
    for org in (a, lab):
        ParticipationFactory(project=p1, organisation=org)
    for org in (b, lab):
        ParticipationFactory(project=p2, organisation=org)
    draft = ProjectFactory(
        acronym="QUANTUM", title="Quantum hydroponics proposal", status=ProjectStatus.DRAFT
    )
    for org in (a, secret):
        ParticipationFactory(project=draft, organisation=org)
    # the consortium to complete: b alone on a new proposal
    proposal = ProjectFactory(
        acronym="NEWBUS", title="Hydrogen buses for Paris", status=ProjectStatus.SUBMITTED
    )
    ParticipationFactory(project=proposal, organisation=b)
    return {
        "cluster": cluster,
        "a": a,
        "b": b,
        "lab": lab,
        "secret": secret,
        "p1": p1,
        "draft": draft,
        "proposal": proposal,
    }


def test_the_index_holds_public_projects_only_and_is_audited(world: dict[str, Any]) -> None:
    index = partner_index_rebuild(actor=None)
    assert (index.project_count, index.participation_count) == (2, 4)
    assert index.organisation_count == 3  # a, b, lab: not the one known only from a draft
    model = selectors.partner_model()
    assert model is not None
    assert model.projects_of(str(world["secret"].pk)) == []
    assert AuditEvent.objects.filter(action="partner_index.rebuild").count() == 1
    partner_index_rebuild(actor=None)
    assert PartnerIndex.objects.count() == 1  # the older one is dropped


def test_completion_ranks_the_lab_with_true_reasons_for_the_insider(world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    member = user_with_role(Role.MEMBER, organisation=world["b"])
    found = selectors.project_partner_suggestions(
        scope=scope_for(member), project=world["proposal"]
    )
    assert found is not None
    assert found[0].organisation == world["lab"]
    reasons = found[0].reasons
    assert "Worked with 1 of your partners on 1 project" in reasons
    assert "Research organisation: the consortium has none" in reasons
    assert "Member of cluster Cap Digital Test" in reasons
    assert any(r.startswith("Projects matching your text: ") and "H2TRUCK" in r for r in reasons)
    # the secret partner's only project is a draft: it is never suggested, not even to insiders
    assert world["secret"] not in [s.organisation for s in found]


def test_outsiders_get_no_completion_and_no_proposal_fact(world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    outsider = user_with_role(Role.MEMBER, organisation=world["lab"])
    with pytest.raises(type(world["proposal"]).DoesNotExist):
        selectors.project_partner_suggestions(scope=scope_for(outsider), project=world["proposal"])
    for scope in (scope_for(None), scope_for(outsider)):
        found = selectors.partner_search(scope=scope, text="quantum hydroponics")
        assert found is not None
        assert world["secret"] not in [s.organisation for s in found]
        assert all("QUANTUM" not in r for s in found for r in s.reasons)


def test_partner_search_page_filters_and_explains(client: Client, world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    url = reverse("partner_search")
    assert "Type a need" in client.get(url).content.decode()
    page = client.get(url, {"q": "stockage d'hydrogène", "kind": "research_lab"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hydrogen Lab" in html and "Beta Motors" not in html
    assert "Member of cluster Cap Digital Test" in html
    bad = client.get(url, {"q": "x", "country": "FRA"})
    assert "two-letter" in bad.content.decode()


def test_project_page_shows_completion_to_insiders_only(
    client: Client, world: dict[str, Any]
) -> None:
    partner_index_rebuild(actor=None)
    url = reverse("project_detail", args=[world["p1"].pk])
    assert 'data-testid="consortium-completion"' not in client.get(url).content.decode()
    client.force_login(user_with_role(Role.MEMBER, organisation=world["a"]))
    html = client.get(url).content.decode()
    assert 'data-testid="consortium-completion"' in html
    assert "Beta Motors" in html  # worked with the lab, a's partner, on H2TRUCK


def test_organisation_page_shows_organisations_like_it(
    client: Client, world: dict[str, Any]
) -> None:
    partner_index_rebuild(actor=None)
    html = client.get(reverse("organisation_detail", args=[world["a"].pk])).content.decode()
    assert 'data-testid="similar-organisations"' in html
    assert "Beta Motors" in html


def test_api_answers_and_names_the_bad_field(client: Client, world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    ok = client.get("/api/v1/partners", {"q": "hydrogen", "kind": "research_lab"})
    assert ok.status_code == 200
    assert [i["name"] for i in ok.json()["items"]] == ["Hydrogen Lab"]
    for params, field in (
        ({"kind": "bogus"}, "kind"),
        ({"country": "FRA"}, "country"),
        ({"limit": 51}, "limit"),
        ({"cluster": "no-such-cluster"}, "cluster"),
    ):
        r = client.get("/api/v1/partners", params)
        assert r.status_code == 422, params
        assert field in r.content.decode()
    similar = client.get(f"/api/v1/organisations/{world['a'].pk}/similar", {"limit": 0})
    assert similar.status_code == 422 and "limit" in similar.content.decode()
    assert client.get("/api/v1/organisations/999999/similar").status_code == 404


def test_api_completion_is_404_for_outsiders(client: Client, world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    url = f"/api/v1/projects/{world['proposal'].pk}/partner-suggestions"
    assert client.get(url).status_code == 404
    client.force_login(user_with_role(Role.MEMBER, organisation=world["lab"]))
    assert client.get(url).status_code == 404
    client.force_login(user_with_role(Role.MEMBER, organisation=world["b"]))
    r = client.get(url)
    assert r.status_code == 200
    assert r.json()["items"][0]["name"] == "Hydrogen Lab"


def test_a_data_change_enqueues_a_rebuild_and_reads_never_wait(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    assert selectors.partner_search(scope=scope_for(None), text="x") is None  # no index yet
    partner_index_rebuild(actor=None)
    first = PartnerIndex.objects.get()
    ParticipationFactory(project=world["p1"], organisation=world["secret"])
    with django_capture_on_commit_callbacks(execute=True):
        assert partner_index_refresh_if_stale()
    assert PartnerIndex.objects.get().pk != first.pk
    assert not partner_index_refresh_if_stale()  # checked a moment ago


def _coordinated_proposal(world: dict[str, Any]) -> Any:
    from grappe.projects.models import ParticipantRole

    world["proposal"].participations.update(role=ParticipantRole.COORDINATOR)
    return world["proposal"]


def test_the_coordinator_adds_a_suggested_partner(client: Client, world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    proposal = _coordinated_proposal(world)
    client.force_login(user_with_role(Role.MEMBER, organisation=world["b"]))
    page = client.get(reverse("project_detail", args=[proposal.pk])).content.decode()
    assert f'data-testid="invite-{world["lab"].pk}"' in page
    url = reverse("project_partner_invite", args=[proposal.pk])
    r = client.post(url, {"organisation": world["lab"].pk})
    assert r.status_code == 302
    assert proposal.participations.filter(organisation=world["lab"]).exists()
    assert AuditEvent.objects.filter(action="participation.add").exists()
    again = client.post(url, {"organisation": world["lab"].pk})
    assert again.status_code == 422 and "already in the consortium" in again.content.decode()
    assert client.post(url, {"organisation": "x"}).status_code == 422
    assert client.post(url, {"organisation": 99999999}).status_code == 422


def test_only_the_coordinator_side_may_add_and_outsiders_get_404(
    client: Client, world: dict[str, Any]
) -> None:
    proposal = _coordinated_proposal(world)
    ParticipationFactory(project=proposal, organisation=world["a"])  # a plain partner
    url = reverse("project_partner_invite", args=[proposal.pk])
    client.force_login(user_with_role(Role.MEMBER, organisation=world["a"]))
    assert client.post(url, {"organisation": world["lab"].pk}).status_code == 403
    client.force_login(user_with_role(Role.MEMBER, organisation=world["lab"]))
    assert client.post(url, {"organisation": world["lab"].pk}).status_code == 404
    assert not proposal.participations.filter(organisation=world["lab"]).exists()


def test_reasons_are_translated(client: Client, world: dict[str, Any]) -> None:
    partner_index_rebuild(actor=None)
    html = client.get("/fr/partners/", {"q": "hydrogène"}).content.decode()
    assert "Membre du pôle Cap Digital Test" in html


def test_the_number_of_queries_does_not_grow_with_the_suggestions(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        project = ProjectFactory(acronym=f"H2X{n}", title="Hydrogen storage")
        ParticipationFactory(project=project, organisation=world["lab"])
        ParticipationFactory(project=project, organisation=OrganisationFactory())
    partner_index_rebuild(actor=None)
    selectors.partner_model()
    with django_assert_max_num_queries(4):
        found = selectors.partner_search(scope=scope_for(None), text="hydrogen", limit=20)
    assert found is not None and len(found) == 15  # every candidate but the secret one
    assert any(r.startswith("Projects matching your text") for s in found for r in s.reasons)


def test_a_cluster_member_without_projects_is_a_candidate(world: dict[str, Any]) -> None:
    newcomer = OrganisationFactory(name="New Member", kind=OrganisationKind.START_UP)
    MembershipFactory(cluster=world["cluster"], organisation=newcomer)
    partner_index_rebuild(actor=None)
    found = selectors.partner_search(
        scope=scope_for(None),
        text="",
        organisations=Organisation.objects.filter(kind=OrganisationKind.START_UP),
    )
    assert found is not None and [s.organisation for s in found] == [newcomer]
    assert "Member of cluster Cap Digital Test" in found[0].reasons


@pytest.mark.parametrize("head", [2, 5, selectors.FILTER_HEAD])
def test_a_filtered_search_is_the_ranking_of_the_filtered_organisations(
    world: dict[str, Any], head: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The filter is asked about the best `head` first, its ids read only when too few of those
    # pass: with a small head both ways are taken; the answer is always the best of the
    # organisations the filter lets through, in the model's order.
    for n in range(12):
        kind = OrganisationKind.RESEARCH_LAB if n % 4 == 0 else OrganisationKind.SME
        project = ProjectFactory(acronym=f"H2Y{n}", title="Hydrogen storage" * (n % 3 + 1))
        ParticipationFactory(project=project, organisation=world["lab"])
        ParticipationFactory(project=project, organisation=OrganisationFactory(kind=kind))
    partner_index_rebuild(actor=None)
    model = selectors.partner_model()
    assert model is not None
    monkeypatch.setattr(selectors, "FILTER_HEAD", head)
    for kind, limit in ((OrganisationKind.RESEARCH_LAB, 3), (OrganisationKind.SME, 4)):
        wanted = Organisation.objects.filter(kind=kind)
        ids = {str(pk) for pk in wanted.values_list("pk", flat=True)}
        mask = np.array([o in ids for o in model.org_ids])
        expected = [o for o, _ in model.rank([], "hydrogen", top=limit, allowed=mask)]
        found = selectors.partner_search(
            scope=scope_for(None), text="hydrogen", organisations=wanted, limit=limit
        )
        assert found is not None
        assert [str(s.organisation.pk) for s in found] == expected
        assert len(expected) == limit
