"""Demo rows for proposals built by their partners (called by nothing yet: the demo loader may
call `demo_proposal` after it has created the organisations and the member login).

Everything goes through the services (actor None: the system), so the audit log, the search
index and the invitation states are as they would be after real use.
"""

from __future__ import annotations

from decimal import Decimal

from grappe.projects.models import Participation, PartnerInvitation, Project
from grappe.projects.services import (
    invitation_create,
    invitation_transition,
    partner_budget_set,
    proposal_create,
)
from grappe.registry.models import Organisation


def demo_proposal(
    *,
    coordinator: Organisation,
    partner: Organisation,
    invited: Organisation,
    acronym: str = "DEMO-PROPOSAL",
) -> tuple[Project, PartnerInvitation]:
    """A draft coordinated by `coordinator`, with `partner` (invited and accepted, with a budget)
    and a pending invitation to `invited`, whose members see it in their area."""
    project = proposal_create(
        actor=None,
        organisation_id=coordinator.pk,
        acronym=acronym,
        title="Low-energy sensors for the city's buildings",
        summary="A demo proposal being built by its partners.",
        keywords="sensors, energy, buildings",
        trl_start=3,
        trl_target=6,
        duration_months=24,
        is_demo=True,
    )
    accepted = invitation_create(actor=None, project=project, organisation_id=partner.pk)
    invitation_transition(actor=None, invitation=accepted, transition="accept")
    for organisation, amount in ((coordinator, "180000.00"), (partner, "95000.00")):
        participation = Participation.objects.get(project=project, organisation=organisation)
        partner_budget_set(
            actor=None,
            participation=participation,
            lines={
                ("personnel", "industrial"): Decimal(amount),
                ("overheads_operating", "industrial"): Decimal("20000.00"),
            },
        )
    pending = invitation_create(actor=None, project=project, organisation_id=invited.pk)
    return project, pending
