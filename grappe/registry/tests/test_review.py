"""Membership confirmation and change proposals: services and pages (owner / insider / outsider)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grappe.core.models import AuditEvent, Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    ClusterFactory,
    FiguresFactory,
    MembershipFactory,
    OrganisationFactory,
    make_siren,
    user_with_role,
)
from grappe.registry import selectors, services
from grappe.registry.models import (
    ChangeProposalStatus,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(name="Pousse", kind="start_up", website="https://pousse.example")


@pytest.fixture
def cluster():
    return ClusterFactory()


@pytest.fixture
def membership(org, cluster):
    return MembershipFactory(cluster=cluster, organisation=org, start_date=dt.date(2024, 1, 1))


def proposal(org, field="kind", old="start_up", new="large_company", cluster=None):
    return OrganisationChangeProposal.objects.create(
        organisation=org, field=field, old_value=old, proposed_value=new, cluster=cluster
    )


@pytest.fixture
def people(org, cluster):
    return {
        "owner": user_with_role(Role.MEMBER, organisation=org),
        "admin": user_with_role(Role.ADMINISTRATOR),
        # the manager of the cluster that listed the organisation is an insider, not the owner
        "manager": user_with_role(Role.CLUSTER_MANAGER, cluster=cluster),
        "outsider": user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
    }


# --- services --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_organisation_or_an_administrator_confirms_and_the_manager_gains_reach(
    people, membership, org, cluster, who
) -> None:
    FiguresFactory(organisation=org)
    manager_scope = scope_for(people["manager"])
    assert not selectors.organisation_can_see_figures(scope=manager_scope, organisation=org)
    services.membership_confirm(actor=people[who], membership=membership)
    membership.refresh_from_db()
    assert membership.confirmed_at is not None and membership.confirmed_by == people[who]
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    assert selectors.organisation_can_see_figures(scope=scope_for(manager), organisation=org)
    event = AuditEvent.objects.get(action="membership.confirm")
    assert event.actor == people[who] and event.object_id == str(membership.pk)


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_the_manager_and_outsiders_cannot_confirm(people, membership, who) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_confirm(actor=people[who], membership=membership)
    membership.refresh_from_db()
    assert membership.confirmed_at is None
    assert not AuditEvent.objects.filter(action="membership.confirm").exists()


def test_an_ended_or_confirmed_membership_cannot_be_confirmed(people, org, cluster) -> None:
    ended = MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=dt.date(2010, 1, 1),
        end_date=dt.date(2011, 1, 1),
    )
    with pytest.raises(ValidationError, match="has ended"):
        services.membership_confirm(actor=people["owner"], membership=ended)
    done = MembershipFactory(cluster=cluster, organisation=org, confirmed_at=timezone.now())
    with pytest.raises(ValidationError, match="already confirmed"):
        services.membership_confirm(actor=people["owner"], membership=done)


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_accepting_applies_the_value_and_is_audited(people, org, cluster, who) -> None:
    p = proposal(org, cluster=cluster)
    services.change_proposal_accept(actor=people[who], proposal=p)
    org.refresh_from_db()
    assert org.kind == "large_company"
    p.refresh_from_db()
    assert p.status == ChangeProposalStatus.ACCEPTED and p.decided_by == people[who]
    event = AuditEvent.objects.get(action="organisation.change_accept")
    assert event.before == {"kind": "start_up"} and event.after == {"kind": "large_company"}


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_the_manager_and_outsiders_cannot_decide(people, org, cluster, who) -> None:
    p = proposal(org, cluster=cluster)
    with pytest.raises(PermissionDenied):
        services.change_proposal_accept(actor=people[who], proposal=p)
    with pytest.raises(PermissionDenied):
        services.change_proposal_reject(actor=people[who], proposal=p)
    org.refresh_from_db()
    p.refresh_from_db()
    assert org.kind == "start_up" and p.status == ChangeProposalStatus.PENDING


def test_rejecting_leaves_the_organisation_as_it_is(people, org) -> None:
    p = proposal(org)
    services.change_proposal_reject(actor=people["owner"], proposal=p)
    org.refresh_from_db()
    p.refresh_from_db()
    assert org.kind == "start_up" and p.status == ChangeProposalStatus.REJECTED
    assert AuditEvent.objects.filter(action="organisation.change_reject").exists()
    with pytest.raises(ValidationError, match="already decided"):
        services.change_proposal_accept(actor=people["owner"], proposal=p)


def test_a_stale_proposal_is_refused_and_changes_nothing(people, org) -> None:
    p = proposal(org, field="website", old="https://old.example", new="https://new.example")
    with pytest.raises(ValidationError, match="changed since this was proposed"):
        services.change_proposal_accept(actor=people["owner"], proposal=p)
    org.refresh_from_db()
    assert org.website == "https://pousse.example"
    p.refresh_from_db()
    assert p.status == ChangeProposalStatus.PENDING


def test_a_value_that_breaks_a_rule_is_refused_naming_the_field(people, org) -> None:
    taken = make_siren(77_000_001)
    OrganisationFactory(siren=taken)
    p = proposal(org, field="siren", old=org.siren, new=taken)
    with pytest.raises(ValidationError, match="SIREN"):
        services.change_proposal_accept(actor=people["owner"], proposal=p)
    assert Organisation.objects.get(pk=org.pk).siren == org.siren
    assert OrganisationChangeProposal.objects.get(pk=p.pk).status == ChangeProposalStatus.PENDING


def test_the_same_value_is_not_proposed_twice(org, cluster) -> None:
    items = [(org.pk, "kind", "start_up", "large_company")]
    assert services.change_proposals_create(actor=None, cluster=cluster, run=None, items=items) == 1
    assert services.change_proposals_create(actor=None, cluster=cluster, run=None, items=items) == 0
    with pytest.raises(ValueError, match="description"):
        services.change_proposals_create(
            actor=None, cluster=cluster, run=None, items=[(org.pk, "description", "", "x")]
        )


# --- pages -----------------------------------------------------------------------------------


def urls(org, membership, p):
    return {
        "review": reverse("organisation_review", kwargs={"pk": org.pk}),
        "confirm": reverse(
            "membership_confirm", kwargs={"pk": org.pk, "membership_pk": membership.pk}
        ),
        "decide": reverse("change_proposal_decide", kwargs={"pk": org.pk, "proposal_pk": p.pk}),
    }


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_review_pages_are_404_for_insiders_and_outsiders(client, people, org, membership, who):
    p = proposal(org)
    client.force_login(people[who])
    pages = urls(org, membership, p)
    assert client.get(pages["review"]).status_code == 404
    assert client.post(pages["confirm"]).status_code == 404
    assert client.post(pages["decide"], {"action": "accept"}).status_code == 404
    membership.refresh_from_db()
    org.refresh_from_db()
    assert membership.confirmed_at is None and org.kind == "start_up"
    page = client.get(reverse("organisation_detail", kwargs={"pk": org.pk})).content.decode()
    assert 'data-testid="review-link"' not in page


def test_review_pages_send_anonymous_visitors_to_the_login(client, org, membership):
    pages = urls(org, membership, proposal(org))
    for url in pages.values():
        response = client.post(url) if url != pages["review"] else client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("review_list")).status_code == 302


def test_the_owner_confirms_and_decides_from_the_pages(client, people, org, membership, cluster):
    p = proposal(org, cluster=cluster)
    reject = proposal(
        org, field="website", old="https://pousse.example", new="https://evil.example"
    )
    client.force_login(people["owner"])
    detail = client.get(reverse("organisation_detail", kwargs={"pk": org.pk})).content.decode()
    assert "3 items wait for your decision" in detail
    listing = client.get(reverse("review_list")).content.decode()
    assert listing.count('data-testid="review-row"') == 1 and "Pousse" in listing
    pages = urls(org, membership, p)
    page = client.get(pages["review"]).content.decode()
    assert page.count('data-testid="pending-membership"') == 1
    assert page.count('data-testid="pending-change"') == 2
    assert "Large company" in page and cluster.name in page
    followed = client.post(pages["confirm"], follow=True).content.decode()
    assert f"The membership of {cluster.name} is confirmed." in followed
    followed = client.post(pages["decide"], {"action": "accept"}, follow=True).content.decode()
    assert "Accepted: type is now Large company." in followed
    url = reverse("change_proposal_decide", kwargs={"pk": org.pk, "proposal_pk": reject.pk})
    client.post(url, {"action": "reject"})
    org.refresh_from_db()
    assert org.kind == "large_company" and org.website == "https://pousse.example"
    assert ClusterMembership.objects.get(pk=membership.pk).confirmed_at is not None
    page = client.get(pages["review"]).content.decode()
    assert "No membership waits for your confirmation." in page
    assert "No change waits for your decision." in page
    # a second decision on a decided proposal changes nothing and says why
    followed = client.post(pages["decide"], {"action": "reject"}, follow=True).content.decode()
    assert "This proposal is not waiting for a decision." in followed
    assert OrganisationChangeProposal.objects.get(pk=p.pk).status == ChangeProposalStatus.ACCEPTED


def test_a_bad_action_or_a_refused_value_is_a_message_not_an_error(client, people, org):
    taken = make_siren(77_000_002)
    OrganisationFactory(siren=taken)
    p = proposal(org, field="siren", old=org.siren, new=taken)
    client.force_login(people["owner"])
    url = reverse("change_proposal_decide", kwargs={"pk": org.pk, "proposal_pk": p.pk})
    page = client.post(url, {"action": "nope"}, follow=True).content.decode()
    assert "Choose to accept or to reject the proposal." in page
    response = client.post(url, {"action": "accept"}, follow=True)
    assert response.status_code == 200
    assert "The proposed value cannot be applied" in response.content.decode()


def test_the_review_page_in_french(client, people, org, membership):
    proposal(org)
    client.force_login(people["owner"])
    page = client.get(f"/fr/organisations/{org.pk}/review/").content.decode()
    assert "Adhésions à confirmer" in page and "Confirmer : nous sommes membres" in page


def test_the_administrator_sees_every_organisation_to_review(client, people, org, membership):
    other = OrganisationFactory(name="Autre")
    proposal(other, field="city", old="Paris", new="Lyon")
    OrganisationFactory(name="Rien à voir")
    client.force_login(people["admin"])
    page = client.get(reverse("review_list")).content.decode()
    assert page.count('data-testid="review-row"') == 2
    assert "Rien à voir" not in page
    client.force_login(people["outsider"])
    page = client.get("/en/organisations/to-review/").content.decode()
    assert "Nothing waits for your decision." in page
