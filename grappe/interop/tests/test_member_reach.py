"""Member sheets give no reach and write no existing organisation (issue 13, finding 1)."""

from __future__ import annotations

import datetime as dt

import pytest
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
from grappe.interop.members import members_commit, members_preview
from grappe.interop.models import ImportRun, OrganisationAlias, RunStatus
from grappe.interop.services import import_run_create
from grappe.registry import selectors
from grappe.registry.models import (
    ChangeProposalStatus,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
    OrganisationKind,
)

pytestmark = pytest.mark.django_db

HEADER = "name,type,siren,address,postcode,city,country,website,member_since,member_until"
SIREN = make_siren(66_000_001)


def sheet(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def run_for(cluster, data: bytes) -> ImportRun:
    return import_run_create(
        source="members", payload=data, file_name="members.csv", cluster=cluster
    )


@pytest.fixture
def other_clusters_startup():
    """A start-up another cluster imported and whose membership the start-up confirmed."""
    home = ClusterFactory(name="Home cluster")
    startup = OrganisationFactory(
        name="Petite Pousse",
        kind=OrganisationKind.START_UP,
        siren=SIREN,
        address="1 rue du Départ",
        postcode="75011",
        city="Paris",
        website="https://pousse.example",
        source="members",
    )
    MembershipFactory(cluster=home, organisation=startup, confirmed_at=timezone.now())
    FiguresFactory(organisation=startup, year=2024)
    return startup, home


def test_a_manager_importing_another_clusters_siren_gets_no_reach_and_changes_nothing(
    client, other_clusters_startup
) -> None:
    startup, home = other_clusters_startup
    before = Organisation.objects.filter(pk=startup.pk).values().get()
    aliases_before = OrganisationAlias.objects.count()
    intruder_cluster = ClusterFactory(name="Intruder cluster")
    intruder = user_with_role(Role.CLUSTER_MANAGER, cluster=intruder_cluster)
    row = (
        f"Géant Industriel,large_company,{SIREN},99 avenue Ailleurs,69001,Lyon,FR,"
        "https://evil.example,2020-01-01,"
    )
    run = run_for(intruder_cluster, sheet(row))
    preview = members_preview(run)
    [line] = preview.lines
    assert line.action == "propose"
    assert "Large company" in line.detail and "https://evil.example" in line.detail

    run = members_commit(run, user=intruder)

    assert run.status == RunStatus.SUCCEEDED, run.error
    # not one field of the organisation moved, and no alias was added to it
    assert Organisation.objects.filter(pk=startup.pk).values().get() == before
    assert OrganisationAlias.objects.count() == aliases_before
    # the membership is in the intruder's own cluster, unconfirmed: no reach
    membership = ClusterMembership.objects.get(cluster=intruder_cluster, organisation=startup)
    assert membership.confirmed_at is None
    scope = scope_for(intruder)
    assert not selectors.organisation_can_see_figures(scope=scope, organisation=startup)
    assert not selectors.organisation_figures(scope=scope, organisation=startup).exists()
    assert not selectors.organisation_ownership(scope=scope, organisation=startup).exists()
    client.force_login(intruder)
    page = client.get(reverse("organisation_detail", kwargs={"pk": startup.pk})).content.decode()
    assert "Yearly figures" not in page
    # the home cluster's membership is untouched
    assert ClusterMembership.objects.get(cluster=home, organisation=startup).confirmed_at
    # the differences wait for the organisation, as proposals
    proposals = {
        p.field: (p.old_value, p.proposed_value, p.status)
        for p in OrganisationChangeProposal.objects.filter(organisation=startup)
    }
    assert proposals == {
        "name": ("Petite Pousse", "Géant Industriel", ChangeProposalStatus.PENDING),
        "kind": ("start_up", "large_company", ChangeProposalStatus.PENDING),
        "address": ("1 rue du Départ", "99 avenue Ailleurs", ChangeProposalStatus.PENDING),
        "postcode": ("75011", "69001", ChangeProposalStatus.PENDING),
        "city": ("Paris", "Lyon", ChangeProposalStatus.PENDING),
        "website": ("https://pousse.example", "https://evil.example", ChangeProposalStatus.PENDING),
    }
    assert run.counts["change_proposal"]["created"] == 6
    assert OrganisationChangeProposal.objects.filter(run=run, cluster=intruder_cluster).count() == 6
    event = AuditEvent.objects.get(action="import.members", object_id=str(run.pk))
    assert event.after["counts"]["change_proposal"]["created"] == 6


def test_a_blank_field_of_an_existing_organisation_is_proposed_not_filled(
    other_clusters_startup,
) -> None:
    startup, _home = other_clusters_startup
    Organisation.objects.filter(pk=startup.pk).update(website="")
    cluster = ClusterFactory()
    row = f"Petite Pousse,start_up,{SIREN},1 rue du Départ,75011,Paris,FR,https://x.example,2021-01-01,"
    run = members_commit(run_for(cluster, sheet(row)), user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    startup.refresh_from_db()
    assert startup.website == ""
    [proposal] = OrganisationChangeProposal.objects.filter(organisation=startup)
    assert (proposal.field, proposal.old_value, proposal.proposed_value) == (
        "website",
        "",
        "https://x.example",
    )


def test_importing_the_same_sheet_again_proposes_nothing_twice(other_clusters_startup) -> None:
    cluster = ClusterFactory()
    row = f"Petite Pousse,large_company,{SIREN},,,Paris,FR,,2021-01-01,"
    first = members_commit(run_for(cluster, sheet(row)), user=None)
    second = members_commit(run_for(cluster, sheet(row)), user=None)
    assert first.counts["change_proposal"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert second.counts["change_proposal"]["created"] == 0
    assert second.counts["change_proposal"]["unchanged"] == 1
    assert OrganisationChangeProposal.objects.count() == 1


def test_an_organisation_the_sheet_creates_is_filled_from_it() -> None:
    cluster = ClusterFactory()
    row = "Nouvelle Pousse,start_up,,5 rue Neuve,75011,Paris,FR,https://neuve.example,2024-01-01,"
    run = members_commit(run_for(cluster, sheet(row)), user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    org = Organisation.objects.get(name="Nouvelle Pousse")
    assert (org.kind, org.address, org.postcode, org.website, org.source) == (
        "start_up",
        "5 rue Neuve",
        "75011",
        "https://neuve.example",
        "members",
    )
    assert not OrganisationChangeProposal.objects.exists()
    assert ClusterMembership.objects.get(organisation=org).confirmed_at is None


def test_a_name_that_only_differs_in_spelling_is_not_proposed(other_clusters_startup) -> None:
    cluster = ClusterFactory()
    row = f"PETITE POUSSE SAS,start_up,{SIREN},,,PARIS,FR,,2021-01-01,"
    run = run_for(cluster, sheet(row))
    assert [line.action for line in members_preview(run).lines] == ["match"]
    members_commit(run, user=None)
    assert not OrganisationChangeProposal.objects.exists()


def test_ending_a_confirmed_membership_keeps_the_confirmation_but_ends_the_reach() -> None:
    cluster = ClusterFactory()
    org = OrganisationFactory(name="Ancien Membre", siren=SIREN)
    FiguresFactory(organisation=org)
    membership = MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=dt.date(2020, 1, 1),
        confirmed_at=timezone.now(),
    )
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    assert selectors.organisation_can_see_figures(scope=scope_for(manager), organisation=org)
    row = f"Ancien Membre,sme,{SIREN},,,Paris,FR,,2020-01-01,2022-06-30"
    run = members_commit(run_for(cluster, sheet(row)), user=manager)
    assert run.status == RunStatus.SUCCEEDED, run.error
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2022, 6, 30) and membership.confirmed_at is not None
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    assert not selectors.organisation_can_see_figures(scope=scope_for(manager), organisation=org)


def test_reopening_an_ended_membership_by_sheet_needs_a_new_confirmation() -> None:
    cluster = ClusterFactory()
    org = OrganisationFactory(name="Revenant", siren=SIREN)
    membership = MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
        confirmed_at=timezone.now(),
    )
    row = f"Revenant,sme,{SIREN},,,Paris,FR,,2020-01-01,"
    members_commit(run_for(cluster, sheet(row)), user=None)
    membership.refresh_from_db()
    assert membership.end_date is None
    assert membership.confirmed_at is None and membership.confirmed_by is None


def test_a_sheet_row_updates_the_membership_that_started_that_day() -> None:
    cluster = ClusterFactory()
    org = OrganisationFactory(name="Fidèle", siren=SIREN)
    old = MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=dt.date(2010, 1, 1),
        end_date=dt.date(2012, 1, 1),
    )
    current = MembershipFactory(cluster=cluster, organisation=org, start_date=dt.date(2020, 1, 1))
    row = f"Fidèle,sme,{SIREN},,,Paris,FR,,2020-01-01,2030-01-01"
    members_commit(run_for(cluster, sheet(row)), user=None)
    old.refresh_from_db()
    current.refresh_from_db()
    assert old.end_date == dt.date(2012, 1, 1)
    assert current.end_date == dt.date(2030, 1, 1)
