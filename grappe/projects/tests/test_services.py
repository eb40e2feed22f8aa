"""Project record services: create, update, partners, budget lines (owner / insider / outsider).

Tests of services that delete rows run committed (`transaction=True`).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grappe.core.models import AuditEvent, Role
from grappe.core.tests.factories import (
    BudgetLineFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects import services
from grappe.projects.models import BudgetLine, Participation, Project, ProjectStatus

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_draft_with_their_organisation_as_coordinator() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    project = services.project_create(
        actor=member, coordinator_id=org.pk, acronym="NEW", title="A new project"
    )
    assert project.status == ProjectStatus.DRAFT
    assert Participation.objects.get(project=project).role == "coordinator"
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "project.create",
        "participation.add",
    }
    outsider = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.project_create(actor=outsider, coordinator_id=org.pk, acronym="X", title="X")
    with pytest.raises(ValidationError) as info:
        services.project_create(actor=member, coordinator_id=org.pk, acronym="", title="T")
    assert "acronym" in info.value.message_dict
    assert Project.objects.count() == 1


def test_update_never_touches_the_status_and_follows_the_triad() -> None:
    coordinator = ParticipationFactory(role="coordinator")
    project = coordinator.project
    partner = ParticipationFactory(project=project)
    owner = user_with_role(Role.MEMBER, organisation=coordinator.organisation)
    insider = user_with_role(Role.MEMBER, organisation=partner.organisation)
    outsider = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    services.project_update(actor=owner, project=project, title="A better title")
    for user in (insider, outsider):
        with pytest.raises(PermissionDenied):
            services.project_update(actor=user, project=project, title="Mine now")
    with pytest.raises(ValidationError, match="workflow"):
        services.project_update(actor=owner, project=project, status=ProjectStatus.WITHDRAWN)
    project.refresh_from_db()
    assert (project.title, project.status) == ("A better title", ProjectStatus.FUNDED)
    with pytest.raises(ValidationError, match="workflow"):
        services.project_bulk_update(actor=None, fields=["status"], rows=[(project.pk, "draft")])


def test_partners_once_each_and_one_coordinator() -> None:
    coordinator = ParticipationFactory(role="coordinator")
    project = coordinator.project
    owner = user_with_role(Role.MEMBER, organisation=coordinator.organisation)
    org = OrganisationFactory()
    part = services.partner_add(actor=owner, project=project, organisation_id=org.pk)
    assert part.display_order == 1
    with pytest.raises(ValidationError, match="already in the consortium"):
        services.partner_add(actor=owner, project=project, organisation_id=org.pk)
    with pytest.raises(ValidationError, match="already has a coordinator"):
        services.partner_add(
            actor=owner,
            project=project,
            organisation_id=OrganisationFactory().pk,
            role="coordinator",
        )
    with pytest.raises(ValidationError, match="already has a coordinator"):
        services.partner_update(actor=owner, participation=part, role="coordinator")
    outsider = user_with_role(Role.MEMBER, organisation=org)  # a partner, not the coordinator
    with pytest.raises(PermissionDenied):
        services.partner_add(
            actor=outsider, project=project, organisation_id=OrganisationFactory().pk
        )
    assert project.participations.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_partner_is_removed_with_its_budget() -> None:
    coordinator = ParticipationFactory(role="coordinator")
    part = ParticipationFactory(project=coordinator.project)
    BudgetLineFactory(participation=part)
    owner = user_with_role(Role.MEMBER, organisation=coordinator.organisation)
    with pytest.raises(PermissionDenied):
        services.partner_remove(
            actor=user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
            participation=part,
        )
    services.partner_remove(actor=owner, participation=part)
    assert not Participation.objects.filter(pk=part.pk).exists()
    assert not BudgetLine.objects.filter(participation_id=part.pk).exists()
    event = AuditEvent.objects.get(action="participation.remove")
    assert event.before["organisation_id"] == part.organisation_id and event.before["budget"]


@pytest.mark.django_db(transaction=True)
def test_budget_lines_are_set_as_a_whole_by_the_partner_or_the_coordinator() -> None:
    coordinator = ParticipationFactory(role="coordinator")
    part = ParticipationFactory(project=coordinator.project)
    BudgetLineFactory(participation=part, cost_category="personnel", research_category="industrial")
    partner = user_with_role(Role.MEMBER, organisation=part.organisation)
    owner = user_with_role(Role.MEMBER, organisation=coordinator.organisation)
    outsider = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    lines = {
        ("instruments_equipment", "industrial"): Decimal("1000.00"),
        ("personnel", "experimental"): Decimal("0"),
    }
    services.budget_lines_set(actor=partner, participation=part, lines=lines)
    assert sorted(
        part.budget_lines.values_list("cost_category", "research_category", "amount")
    ) == [
        ("instruments_equipment", "industrial", Decimal("1000.00")),
        ("personnel", "experimental", Decimal("0.00")),
    ]
    services.budget_lines_set(actor=owner, participation=part, lines=lines)  # the same: no event
    assert AuditEvent.objects.filter(action="budget.set").count() == 1
    with pytest.raises(PermissionDenied):
        services.budget_lines_set(actor=outsider, participation=part, lines={})
    with pytest.raises(ValidationError) as info:
        services.budget_lines_set(
            actor=partner,
            participation=part,
            lines={("rockets", "industrial"): Decimal("1"), ("personnel", "x"): Decimal("-1")},
        )
    assert "rockets" in str(info.value) and "non-negative" in str(info.value)
    assert part.budget_lines.count() == 2


@pytest.mark.django_db(transaction=True)
def test_only_staff_delete_a_project() -> None:
    coordinator = ParticipationFactory(role="coordinator")
    BudgetLineFactory(participation=coordinator)
    owner = user_with_role(Role.MEMBER, organisation=coordinator.organisation)
    with pytest.raises(PermissionDenied):
        services.project_delete(actor=owner, project=coordinator.project)
    assert Project.objects.filter(pk=coordinator.project_id).exists()
    lone = ProjectFactory()
    services.project_delete(actor=user_with_role(Role.ADMINISTRATOR), project=coordinator.project)
    assert list(Project.objects.values_list("pk", flat=True)) == [lone.pk]
    assert not BudgetLine.objects.exists()
