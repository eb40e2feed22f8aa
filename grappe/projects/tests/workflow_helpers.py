"""A draft proposal and the people around it, for the workflow tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grappe.core.models import Role, RoleAssignment
from grappe.core.tests.factories import (
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    UserFactory,
    user_with_role,
)
from grappe.projects.models import ParticipantRole, ProjectStatus


@dataclass
class Proposal:
    project: Any
    coordinator: Any  # the organisation
    partner: Any
    owner: Any  # a member of the coordinating organisation
    insider: Any  # a member of the partner organisation
    outsider: Any  # a member of an unrelated organisation
    manager: Any  # a manager of an unrelated cluster
    staff: Any  # an administrator


def proposal(status: str = ProjectStatus.DRAFT) -> Proposal:
    project = ProjectFactory(status=status, acronym="WORKFLOW1")
    coordinator = OrganisationFactory(name="Coordinating SME")
    partner = OrganisationFactory(name="Partner lab")
    ParticipationFactory(
        project=project, organisation=coordinator, role=ParticipantRole.COORDINATOR
    )
    ParticipationFactory(project=project, organisation=partner, role=ParticipantRole.PARTNER)
    staff = UserFactory(username="admin-wf")
    RoleAssignment.objects.create(user=staff, role=Role.ADMINISTRATOR)
    return Proposal(
        project=project,
        coordinator=coordinator,
        partner=partner,
        owner=user_with_role(Role.MEMBER, organisation=coordinator),
        insider=user_with_role(Role.MEMBER, organisation=partner),
        outsider=user_with_role(Role.MEMBER, organisation=OrganisationFactory()),
        manager=user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()),
        staff=staff,
    )
