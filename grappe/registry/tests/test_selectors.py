"""Organisation reads: public directory, confidential figures (owner / insider / outsider)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grappe.core.domain.scope import Scope
from grappe.core.models import Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    ClusterFactory,
    FiguresFactory,
    FunderFactory,
    MembershipFactory,
    OrganisationFactory,
    user_with_role,
)
from grappe.registry import selectors
from grappe.registry.filters import OrganisationFilterSet
from grappe.registry.models import OrganisationKind, Ownership

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_with_figures():
    membership = MembershipFactory(confirmed_at=timezone.now())
    FiguresFactory(organisation=membership.organisation)
    return membership.organisation, membership.cluster


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", True),
        ("cluster_manager", True),
        ("programme_officer", True),
        ("administrator", True),
        ("outsider", False),
        ("other_cluster_manager", False),
        ("public", False),
    ],
)
def test_figures_are_confidential(org_with_figures, who: str, sees: bool) -> None:
    org, cluster = org_with_figures
    users = {
        "owner": lambda: user_with_role(Role.MEMBER, organisation=org),
        "cluster_manager": lambda: user_with_role(Role.CLUSTER_MANAGER, cluster=cluster),
        "programme_officer": lambda: user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory()),
        "administrator": lambda: user_with_role(Role.ADMINISTRATOR),
        "outsider": lambda: user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
        "other_cluster_manager": lambda: user_with_role(
            Role.CLUSTER_MANAGER, cluster=ClusterFactory()
        ),
    }
    scope = Scope.public() if who == "public" else scope_for(users[who]())
    assert selectors.organisation_figures(scope=scope, organisation=org).exists() is sees
    assert selectors.organisation_can_see_figures(scope=scope, organisation=org) is sees


def listed(**data):
    """The organisation list as the page and the API filter it, for the public."""
    queryset = selectors.organisation_list(scope=Scope.public())
    return list(OrganisationFilterSet(data, queryset=queryset).qs)


@pytest.mark.parametrize(
    ("membership", "sees"),
    [
        ({"confirmed": True}, True),
        ({"confirmed": False}, False),  # e.g. added by the manager's own member sheet
        ({"confirmed": True, "end_date": dt.date(2021, 12, 31)}, False),  # a former member
        ({"confirmed": True, "start_date": dt.date(2099, 1, 1)}, False),  # not a member yet
        ({"confirmed": True, "end_date": dt.date(2099, 12, 31)}, True),
    ],
)
def test_a_cluster_manager_reaches_only_current_confirmed_members(membership, sees) -> None:
    org = OrganisationFactory()
    FiguresFactory(organisation=org)
    Ownership.objects.create(
        holder=OrganisationFactory(), held=org, capital_share=30, voting_share=30
    )
    cluster = ClusterFactory()
    MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=membership.get("start_date", dt.date(2020, 1, 1)),
        end_date=membership.get("end_date"),
        confirmed_at=timezone.now() if membership["confirmed"] else None,
    )
    scope = scope_for(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    assert selectors.organisation_can_see_figures(scope=scope, organisation=org) is sees
    assert selectors.organisation_figures(scope=scope, organisation=org).exists() is sees
    assert selectors.organisation_ownership(scope=scope, organisation=org).exists() is sees


def test_an_ended_confirmed_membership_does_not_add_to_an_unconfirmed_current_one() -> None:
    org, cluster = OrganisationFactory(), ClusterFactory()
    FiguresFactory(organisation=org)
    MembershipFactory(
        cluster=cluster,
        organisation=org,
        start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2018, 1, 1),
        confirmed_at=timezone.now(),
    )
    MembershipFactory(cluster=cluster, organisation=org, start_date=dt.date(2020, 1, 1))
    scope = scope_for(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    assert selectors.organisation_can_see_figures(scope=scope, organisation=org) is False


def test_directory_filters() -> None:
    cluster = ClusterFactory(slug="medicen")
    lab = OrganisationFactory(name="Institut Pasteur Lab", kind=OrganisationKind.RESEARCH_LAB)
    MembershipFactory(cluster=cluster, organisation=lab)
    former = OrganisationFactory(name="Former Member")
    MembershipFactory(cluster=cluster, organisation=former, end_date=dt.date(2021, 1, 1))
    lyon = OrganisationFactory(
        name="Lyon Batteries", city="Lyon", postcode="69001", paris_arrondissement=None
    )
    assert listed(q="pasteur") == [lab]
    assert listed(cluster="medicen") == [lab]
    assert listed(kind=OrganisationKind.RESEARCH_LAB) == [lab]
    assert lyon not in listed(paris_only=True)
    assert listed(city="lyon") == [lyon]
    assert listed() == [former, lab, lyon]  # by name


def test_cluster_list_counts_current_members_only() -> None:
    cluster = ClusterFactory()
    MembershipFactory(cluster=cluster)
    MembershipFactory(cluster=cluster, end_date=dt.date(2021, 1, 1))
    assert selectors.cluster_get(scope=Scope.public(), slug=cluster.slug).member_count == 1
    assert selectors.cluster_members(scope=Scope.public(), cluster=cluster).count() == 1


def test_an_ended_membership_stays_ended_when_another_cluster_membership_is_open() -> None:
    # The start and end conditions must hold for the same membership row.
    former, other = ClusterFactory(), ClusterFactory()
    org = OrganisationFactory()
    MembershipFactory(cluster=former, organisation=org, end_date=dt.date(2021, 1, 1))
    MembershipFactory(cluster=other, organisation=org)
    public = Scope.public()
    assert org not in selectors.cluster_members(scope=public, cluster=former)
    assert org in selectors.cluster_members(scope=public, cluster=other)
    assert selectors.cluster_get(scope=public, slug=former.slug).member_count == 0
    assert org not in listed(cluster=former.slug)
