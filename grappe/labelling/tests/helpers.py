"""A submitted proposal before a committee, and the people around it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grappe.core.models import Role, RoleAssignment
from grappe.core.tests.factories import ClusterFactory, OrganisationFactory, user_with_role
from grappe.labelling.services import criteria_set_create, review_attach, session_create
from grappe.projects.services import SubmissionRequest, project_submit
from grappe.projects.tests.workflow_helpers import Proposal, proposal
from grappe.registry.models import Ownership

DEFINITION: dict[str, Any] = {
    "checklist": [
        {"id": "consortium", "label": "At least two partners"},
        {"id": "budget", "label": "Budget complete"},
    ],
    "criteria": [
        {"id": "innovation", "label": "Innovation", "weight": 3, "max_score": 5},
        {"id": "fit", "label": "Fit with the themes", "weight": 1, "max_score": 10},
    ],
}
GOOD_SCORES = {"innovation": 4, "fit": 8}


@dataclass
class Committee:
    p: Proposal
    cluster: Any
    other_cluster: Any
    manager: Any  # manages the cluster and chairs the session
    member: Any  # sits on the committee, no conflict
    conflicted: Any  # sits on it; acts for the grandparent company of the coordinator
    other_manager: Any  # manages another cluster
    evaluator: Any
    session: Any
    review: Any
    submission: Any


def _link(holder: Any, held: Any) -> None:
    Ownership.objects.create(
        holder=holder, held=held, capital_share=Decimal("60"), voting_share=Decimal("60")
    )


def committee() -> Committee:
    p = proposal()
    cluster = ClusterFactory(name="Cap Labelling")
    other_cluster = ClusterFactory(name="Other cluster")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    member = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    RoleAssignment.objects.create(user=member, role=Role.MEMBER, organisation=OrganisationFactory())
    # A two-level chain: Group holds Holding, Holding holds the coordinator.
    group = OrganisationFactory(name="Big Group SA")
    holding = OrganisationFactory(name="Holding SAS")
    _link(group, holding)
    _link(holding, p.coordinator)
    conflicted = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    RoleAssignment.objects.create(user=conflicted, role=Role.MEMBER, organisation=group)
    other_manager = user_with_role(Role.CLUSTER_MANAGER, cluster=other_cluster)
    evaluator = user_with_role(Role.EVALUATOR)
    (submission,) = project_submit(
        actor=p.owner,
        project=p.project,
        clusters=[SubmissionRequest(cluster.pk, "Fits the cluster's themes.")],
    )
    criteria_set_create(actor=manager, cluster=cluster, definition=DEFINITION)
    session = session_create(
        actor=manager,
        cluster=cluster,
        title="Committee of December",
        meets_on=dt.date(2026, 12, 15),
        member_ids=[manager.pk, member.pk, conflicted.pk],
    )
    review = review_attach(actor=manager, session=session, submission=submission)
    return Committee(
        p=p,
        cluster=cluster,
        other_cluster=other_cluster,
        manager=manager,
        member=member,
        conflicted=conflicted,
        other_manager=other_manager,
        evaluator=evaluator,
        session=session,
        review=review,
        submission=submission,
    )
