"""The project workflow as data (today's statuses), its guards, and who stands where.

The definition is loaded and validated at import time: a broken edit fails every test at once,
with the path of the mistake. A new version is appended to `VERSIONS` (never edited in place
once projects use it): projects keep the version they started under.

Entry points: a project entered here starts as `draft`; an import of published funding data
(CORDIS, ANR) creates it directly in the state its source publishes (`funded` or `completed`).
Every later change goes through `projects.services.project_transition`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.scope import Scope
from grappe.core.domain.workflow import Guard, ObjectRole, Workflow, WorkflowRegistry, load_workflow

WORKFLOW_ID = "project"


@dataclass(frozen=True)
class ProjectFacts:
    """What the guards look at, computed by the service from the database."""

    has_coordinator: bool = False
    partner_count: int = 0
    accreditation_count: int = 0
    granted_aid_lines: int = 0


@dataclass(frozen=True)
class ProjectRelations:
    """Who is attached to one project, as ids (computed from its rows)."""

    coordinator_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    partner_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    # Clusters it was submitted to (a live submission) or accredited by.
    cluster_ids: frozenset[int] = field(default_factory=frozenset)
    funder_ids: frozenset[int] = field(default_factory=frozenset)  # funders of its aid lines
    evaluator_user_ids: frozenset[int] = field(default_factory=frozenset)  # none assigned yet


def may_hold_project_role(scope: Scope) -> bool:
    """False when `project_roles` gives no role whatever the project's relations (the public,
    a user whose roles name no organisation, cluster or funder): callers then need not read
    the relations at all."""
    return bool(
        scope.is_staff_wide
        or scope.organisation_ids
        or scope.cluster_ids
        or scope.funder_ids
        or scope.is_evaluator
    )


def project_roles(scope: Scope, relations: ProjectRelations) -> frozenset[ObjectRole]:
    """The roles a user holds relative to one project, from today's `Scope` fields.

    Pure, so that the role table (`scope.can`) can later take it over unchanged.
    """
    roles: set[ObjectRole] = set()
    if scope.is_staff_wide:
        roles.add(ObjectRole.STAFF)
    if scope.organisation_ids & relations.coordinator_organisation_ids:
        roles.add(ObjectRole.COORDINATOR)
    if scope.organisation_ids & (
        relations.partner_organisation_ids | relations.coordinator_organisation_ids
    ):
        roles.add(ObjectRole.PARTNER)
    if scope.cluster_ids & relations.cluster_ids:
        roles.add(ObjectRole.CLUSTER_MANAGER)
    if scope.funder_ids & relations.funder_ids:
        roles.add(ObjectRole.FUNDER_OFFICER)
    if scope.is_evaluator and scope.user_id in relations.evaluator_user_ids:
        roles.add(ObjectRole.EVALUATOR)
    return frozenset(roles)


_GUARD_LIST: tuple[Guard[ProjectFacts], ...] = (
    Guard(
        "has_coordinator",
        gettext_noop("the consortium has a coordinator"),
        lambda f: f.has_coordinator,
        gettext_noop("Name a coordinating organisation first."),
    ),
    Guard(
        "has_partner",
        gettext_noop("the consortium has at least two organisations"),
        lambda f: f.partner_count >= 2,
        gettext_noop("A collaborative project needs at least one partner besides the coordinator."),
    ),
    Guard(
        "has_accreditation",
        gettext_noop("a cluster has accredited it"),
        lambda f: f.accreditation_count >= 1,
        gettext_noop("Record the accrediting cluster (with its date) first."),
    ),
    Guard(
        "has_granted_aid",
        gettext_noop("aid has been granted"),
        lambda f: f.granted_aid_lines >= 1,
        gettext_noop("Record the aid granted by at least one funder first."),
    ),
)
GUARDS: dict[str, Guard[ProjectFacts]] = {g.id: g for g in _GUARD_LIST}

C, P, M, F, S = (
    ObjectRole.COORDINATOR.value,
    ObjectRole.PARTNER.value,
    ObjectRole.CLUSTER_MANAGER.value,
    ObjectRole.FUNDER_OFFICER.value,
    ObjectRole.STAFF.value,
)
INSIDERS = [C, P, M, F, S]

# Version 1: the statuses the platform has had since the start.
V1: dict[str, Any] = {
    "id": WORKFLOW_ID,
    "version": 1,
    "initial": "draft",
    "entry": ["draft", "funded", "completed"],
    "states": [
        {
            "id": "draft",
            "staff_label": gettext_noop("Draft"),
            "public_label": gettext_noop("Proposal in preparation"),
            "terminal": False,
            "visible_to": INSIDERS,
        },
        {
            "id": "submitted",
            "staff_label": gettext_noop("Submitted for accreditation"),
            "public_label": gettext_noop("Proposal under review"),
            "terminal": False,
            "visible_to": INSIDERS,
        },
        {
            "id": "accredited",
            "staff_label": gettext_noop("Accredited"),
            "public_label": gettext_noop("Accredited by a cluster"),
            "terminal": False,
            "visible_to": ["public", *INSIDERS],
        },
        {
            "id": "funded",
            "staff_label": gettext_noop("Funded"),
            "public_label": gettext_noop("Funded, under way"),
            "terminal": False,
            "visible_to": ["public", *INSIDERS],
        },
        {
            "id": "completed",
            "staff_label": gettext_noop("Completed"),
            "public_label": gettext_noop("Completed"),
            "terminal": True,
            "visible_to": ["public", *INSIDERS],
        },
        {
            "id": "not_accredited",
            "staff_label": gettext_noop("Not accredited"),
            "public_label": gettext_noop("Not accredited"),
            "terminal": True,
            "visible_to": INSIDERS,
        },
        {
            "id": "withdrawn",
            "staff_label": gettext_noop("Withdrawn"),
            "public_label": gettext_noop("Withdrawn"),
            "terminal": True,
            "visible_to": INSIDERS,
        },
    ],
    "transitions": [
        {
            "id": "submit",
            "label": gettext_noop("Submit for accreditation"),
            "from": ["draft"],
            "to": "submitted",
            "roles": [C, S],
            "guards": ["has_coordinator", "has_partner"],
            "reason_required": False,
        },
        {
            "id": "return_to_draft",
            "label": gettext_noop("Return to draft"),
            "from": ["submitted"],
            "to": "draft",
            "roles": [C, M, S],
            "guards": [],
            "reason_required": True,
        },
        {
            "id": "accredit",
            "label": gettext_noop("Accredit"),
            "from": ["submitted"],
            "to": "accredited",
            "roles": [M, S],
            "guards": ["has_accreditation"],
            "reason_required": False,
        },
        {
            "id": "refuse_accreditation",
            "label": gettext_noop("Refuse accreditation"),
            "from": ["submitted"],
            "to": "not_accredited",
            "roles": [M, S],
            "guards": [],
            "reason_required": True,
        },
        {
            "id": "record_funding",
            "label": gettext_noop("Record the funding"),
            "from": ["accredited"],
            "to": "funded",
            "roles": [F, S],
            "guards": ["has_granted_aid"],
            "reason_required": False,
        },
        {
            "id": "complete",
            "label": gettext_noop("Mark as completed"),
            "from": ["funded"],
            "to": "completed",
            "roles": [C, F, S],
            "guards": [],
            "reason_required": False,
        },
        {
            "id": "withdraw",
            "label": gettext_noop("Withdraw"),
            "from": ["draft", "submitted", "accredited"],
            "to": "withdrawn",
            "roles": [C, S],
            "guards": [],
            "reason_required": True,
        },
    ],
}

VERSIONS: list[dict[str, Any]] = [V1]
PROJECT_WORKFLOWS: WorkflowRegistry[ProjectFacts] = WorkflowRegistry(
    load_workflow(v, guards=GUARDS) for v in VERSIONS
)
CURRENT: Workflow[ProjectFacts] = PROJECT_WORKFLOWS.current


def transition_between(workflow: Workflow[ProjectFacts], source: str, target: str) -> str | None:
    """The id of the transition leading from `source` to `target`, if the workflow has one."""
    return next(
        (t.id for t in workflow.outgoing(source) if t.target == target),
        None,
    )


def entry_state_problem(workflow: Workflow[ProjectFacts], state: str) -> str | None:
    """`None` when a project may be created in `state`, else a (marked) message."""
    if state in workflow.entry:
        return None
    return gettext_noop("A project cannot start in this state.")


def public_states(versions: Iterable[Workflow[ProjectFacts]] = (CURRENT,)) -> frozenset[str]:
    return frozenset().union(*(wf.public_states() for wf in versions))
