"""Registry services: organisations, merges and their undo, memberships, figures, ownership.

Tests of services that delete or re-point rows run committed (`transaction=True`): foreign keys
are checked at commit, so a test inside a rolled-back transaction would never see them fail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from grappe.core.models import AuditEvent, Role, RoleAssignment
from grappe.core.tests.factories import (
    BudgetLineFactory,
    ClusterFactory,
    FiguresFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    make_siren,
    user_with_role,
)
from grappe.interop.models import MergeProposal, OrganisationAlias
from grappe.projects.models import BudgetLine, Participation
from grappe.registry import services
from grappe.registry.models import ClusterMembership, Organisation, OrganisationFigures, Ownership

pytestmark = pytest.mark.django_db


def rows_pointing_to(organisation_id: int) -> list[Any]:
    """Every row that refers to the organisation, serialised (what a merge must put back)."""
    found: list[Any] = []
    for rel in Organisation._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and isinstance(rel.field, models.ForeignKey):
            qs = rel.field.model._base_manager.filter(**{rel.field.attname: organisation_id})
            found.extend(serializers.serialize("python", qs.order_by("pk")))
    return sorted(found, key=lambda r: (r["model"], r["pk"]))


def everything() -> list[Any]:
    """Every row of the tables a merge touches, serialised, except the organisation kept's
    `updated_at` (filling a blank and putting it back moves it)."""
    result = []
    for model in (
        Organisation,
        Participation,
        BudgetLine,
        ClusterMembership,
        OrganisationFigures,
        Ownership,
        RoleAssignment,
        OrganisationAlias,
        MergeProposal,
    ):
        for row in serializers.serialize("python", model.objects.order_by("pk")):
            row["fields"].pop("updated_at", None)
            result.append(row)
    return result


@pytest.mark.django_db(transaction=True)
def test_a_merge_moves_every_reference_drops_what_keep_already_has_and_undo_restores_all() -> None:
    keep = OrganisationFactory(name="Institut Exemple", city="Marseille", siren="", pic="")
    dup = OrganisationFactory(name="INSTITUT EXEMPLE", city="Montpellier", pic="999999123")
    other = OrganisationFactory()
    # participations: one moves, one is in a project keep is already in (dropped with its budget)
    shared = ParticipationFactory(organisation=keep).project
    moved = ParticipationFactory(organisation=dup)
    dropped = ParticipationFactory(organisation=dup, project=shared)
    BudgetLineFactory(participation=dropped)
    # figures: 2024 moves, 2025 is already known for keep
    FiguresFactory(organisation=keep, year=2025)
    FiguresFactory(organisation=dup, year=2025, turnover=Decimal("1.00"))
    FiguresFactory(organisation=dup, year=2024)
    # ownership: dup holds keep (would become keep holds keep: dropped); other holds dup (moves)
    Ownership.objects.create(holder=dup, held=keep, capital_share=10, voting_share=10)
    Ownership.objects.create(holder=other, held=dup, capital_share=30, voting_share=30)
    MembershipFactory(organisation=dup)
    member = user_with_role(Role.MEMBER, organisation=dup)
    OrganisationAlias.objects.create(
        organisation=dup, name="INSTITUT EXEMPLE", normalised="institut exemple", source="anr"
    )
    # proposals: this pair, and one where dup is the organisation kept
    MergeProposal.objects.create(keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="x")
    MergeProposal.objects.create(keep=dup, duplicate=other, duplicate_pk=other.pk, reason="y")
    admin = user_with_role(Role.ADMINISTRATOR)
    before = everything()
    dup_rows = rows_pointing_to(dup.pk)

    record = services.organisation_merge(actor=admin, keep=keep, duplicate=dup)

    assert not Organisation.objects.filter(pk=dup.pk).exists()
    assert rows_pointing_to(dup.pk) == []
    keep.refresh_from_db()
    assert keep.pic == "999999123"  # a blank filled from the duplicate
    assert set(keep.participations.values_list("pk", flat=True)) >= {moved.pk}
    assert not Participation.objects.filter(pk=dropped.pk).exists()
    assert not BudgetLine.objects.filter(participation_id=dropped.pk).exists()
    assert sorted(keep.figures.values_list("year", "turnover")) == [
        (2024, Decimal("1500000.00")),
        (2025, Decimal("1500000.00")),
    ]
    assert not Ownership.objects.filter(holder=keep, held=keep).exists()
    assert Ownership.objects.filter(holder=other, held=keep).exists()
    assert RoleAssignment.objects.get(user=member).organisation_id == keep.pk
    assert MergeProposal.objects.filter(keep=keep, duplicate=other).exists()
    event = AuditEvent.objects.get(action="organisation.merge")
    assert event.actor == admin and event.object_id == str(keep.pk)

    restored = services.organisation_merge_undo(actor=admin, record=record)

    assert restored.pk == dup.pk
    assert everything() == before
    assert rows_pointing_to(dup.pk) == dup_rows
    assert AuditEvent.objects.filter(action="organisation.merge_undo").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_undo_is_refused_and_changes_nothing_when_a_third_organisation_took_the_identifier() -> (
    None
):
    keep = OrganisationFactory(siren="")
    dup = OrganisationFactory(siren=make_siren(66_000_001))
    ParticipationFactory(organisation=dup)
    record = services.organisation_merge(actor=None, keep=keep, duplicate=dup)
    Organisation.objects.filter(pk=keep.pk).update(siren="")
    OrganisationFactory(siren=make_siren(66_000_001))  # the number now belongs to someone else
    before = everything()
    with pytest.raises(services.MergeRefused, match="cannot be undone"):
        services.organisation_merge_undo(actor=None, record=record)
    assert everything() == before


@pytest.mark.django_db(transaction=True)
def test_organisations_with_different_identifiers_are_never_merged() -> None:
    keep = OrganisationFactory(siren=make_siren(66_000_002))
    dup = OrganisationFactory(siren=make_siren(66_000_003))
    with pytest.raises(services.MergeRefused, match="different SIREN numbers"):
        services.organisation_merge(actor=None, keep=keep, duplicate=dup)
    assert Organisation.objects.filter(pk=dup.pk).exists()
    with pytest.raises(services.MergeRefused, match="into itself"):
        services.organisation_merge(actor=None, keep=keep, duplicate=keep)


@pytest.mark.django_db(transaction=True)
def test_only_staff_merge_organisations() -> None:
    keep, dup = OrganisationFactory(), OrganisationFactory(siren="")
    cluster = ClusterFactory()
    MembershipFactory(cluster=cluster, organisation=dup)
    for user in (
        user_with_role(Role.MEMBER, organisation=dup),
        user_with_role(Role.CLUSTER_MANAGER, cluster=cluster),
    ):
        with pytest.raises(PermissionDenied):
            services.organisation_merge(actor=user, keep=keep, duplicate=dup)
    assert Organisation.objects.filter(pk=dup.pk).exists()
    services.organisation_merge(actor=user_with_role(Role.ADMINISTRATOR), keep=keep, duplicate=dup)
    assert not Organisation.objects.filter(pk=dup.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_organisation_in_a_project_is_not_deleted_but_merged() -> None:
    org = ParticipationFactory().organisation
    with pytest.raises(ValidationError, match="merge it"):
        services.organisation_delete(actor=None, organisation=org)
    assert Organisation.objects.filter(pk=org.pk).exists()
    lone = OrganisationFactory()
    FiguresFactory(organisation=lone)
    services.organisation_delete(actor=None, organisation=lone)
    assert not Organisation.objects.filter(pk=lone.pk).exists()
    assert AuditEvent.objects.get(action="organisation.delete").before["name"] == lone.name


def test_create_validates_and_audits() -> None:
    admin = user_with_role(Role.ADMINISTRATOR)
    org = services.organisation_create(actor=admin, name="Acme", kind="sme", siren="")
    event = AuditEvent.objects.get(action="organisation.create")
    assert event.object_id == str(org.pk) and event.after["name"] == "Acme"
    with pytest.raises(ValidationError) as info:
        services.organisation_create(actor=admin, name="Bad", kind="sme", siren="123")
    assert "siren" in info.value.message_dict
    with pytest.raises(ValidationError, match="Unknown field"):
        services.organisation_create(actor=admin, name="X", kind="sme", colour="blue")
    assert Organisation.objects.count() == 1


def test_update_triad_owner_insider_outsider() -> None:
    org = OrganisationFactory(city="Paris")
    cluster = ClusterFactory()
    MembershipFactory(cluster=cluster, organisation=org)
    owner = user_with_role(Role.MEMBER, organisation=org)
    outsider = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    services.organisation_update(actor=owner, organisation=org, website="https://acme.example")
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=outsider, organisation=org, city="Lyon")
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=outsider, name="New", kind="sme")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    created = services.organisation_create(
        actor=manager, cluster_id=cluster.pk, name="New", kind="sme", siren=""
    )
    assert created.pk
    org.refresh_from_db()
    assert (org.website, org.city) == ("https://acme.example", "Paris")
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.before == {"website": ""} and event.after == {"website": "https://acme.example"}
    # nothing changed: nothing written
    services.organisation_update(actor=owner, organisation=org, city="Paris")
    assert AuditEvent.objects.filter(action="organisation.update").count() == 1


def test_memberships_start_change_and_end_by_the_clusters_manager_only() -> None:
    cluster, other = ClusterFactory(), ClusterFactory()
    org = OrganisationFactory()
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    outsider = user_with_role(Role.CLUSTER_MANAGER, cluster=other)
    membership = services.membership_start(
        actor=manager, cluster_id=cluster.pk, organisation_id=org.pk, start_date=dt.date(2024, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        services.membership_end(actor=outsider, membership=membership, end_date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="before the start date"):
        services.membership_end(actor=manager, membership=membership, end_date=dt.date(2023, 1, 1))
    services.membership_end(actor=manager, membership=membership, end_date=dt.date(2025, 6, 30))
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2025, 6, 30)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["membership.start", "membership.update"]
    with pytest.raises(PermissionDenied):
        services.membership_start(
            actor=outsider, cluster_id=cluster.pk, organisation_id=org.pk, start_date="2024-01-01"
        )


def test_figures_and_ownership_are_set_once_per_year_and_pair() -> None:
    org, holder = OrganisationFactory(), OrganisationFactory()
    owner = user_with_role(Role.MEMBER, organisation=org)
    outsider = user_with_role(Role.MEMBER, organisation=holder)
    money = {"staff_awu": Decimal("3"), "turnover": Decimal("10"), "balance_sheet": Decimal("5")}
    services.figures_set(actor=owner, organisation_id=org.pk, year=2024, **money)
    services.figures_set(
        actor=owner, organisation_id=org.pk, year=2024, **{**money, "turnover": Decimal("12")}
    )
    assert list(org.figures.values_list("year", "turnover")) == [(2024, Decimal("12.00"))]
    with pytest.raises(PermissionDenied):
        services.figures_set(actor=outsider, organisation_id=org.pk, year=2023, **money)
    with pytest.raises(ValidationError):
        services.figures_set(
            actor=owner, organisation_id=org.pk, year=2024, **{**money, "turnover": Decimal("-1")}
        )
    link = services.ownership_set(
        actor=owner,
        holder_id=holder.pk,
        held_id=org.pk,
        holder_category="enterprise",
        capital_share=Decimal("25"),
        voting_share=Decimal("25"),
    )
    assert link.pk
    with pytest.raises(ValidationError, match="itself"):
        services.ownership_set(
            actor=owner,
            holder_id=org.pk,
            held_id=org.pk,
            holder_category="enterprise",
            capital_share=Decimal("1"),
            voting_share=Decimal("1"),
        )
    with pytest.raises(ValidationError):
        services.ownership_set(
            actor=owner,
            holder_id=holder.pk,
            held_id=org.pk,
            holder_category="enterprise",
            capital_share=Decimal("101"),
            voting_share=Decimal("25"),
        )
    assert Ownership.objects.get().capital_share == Decimal("25")
    actions = AuditEvent.objects.values_list("action", flat=True)
    assert sorted(a for a in actions if not a.startswith("role")) == [
        "figures.set",
        "figures.set",
        "ownership.set",
    ]
