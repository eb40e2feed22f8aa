"""The workflow of an application to a call, as data, with its guards. Pure.

An accredited project's consortium drafts an application to an open call and submits it before
the deadline (`submit`); the programme officer screens it (`screen_eligible`, or
`screen_ineligible` with the reasons); eligible applications go to the experts
(`start_evaluation`), are ranked by the panel (`rank`), and decided (`fund` / `decline`). The
consortium may withdraw until the decision. Every change goes through
`funding.services.application_transition`; the facts the guards read come from the funding app
and from the apps above it (evaluation, decisions), which add theirs through
`funding.services.register_application_facts`.

A call pins the workflow version its applications start under (`Call.application_workflow_version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.workflow import Guard, ObjectRole, Workflow, WorkflowRegistry, load_workflow

WORKFLOW_ID = "application"


@dataclass(frozen=True)
class ApplicationFacts:
    """What the guards look at, computed by the services (each app supplies its own)."""

    before_deadline: bool = False  # the call is open now, server time (Europe/Paris dates)
    project_accredited: bool = False  # by at least one cluster
    screening_passed: bool = False  # every rule passed, or an override with a justification
    experts_assigned: bool = False  # the call's number of evaluators, free of conflict
    consensus_done: bool = False  # a consensus report recorded
    amounts_approved: bool = False  # at least one approved amount for a partner


_GUARD_LIST: tuple[Guard[ApplicationFacts], ...] = (
    Guard(
        "before_deadline",
        gettext_noop("the call is open"),
        lambda f: f.before_deadline,
        gettext_noop(
            "The call is not open: applications are taken between its opening and closing dates."
        ),
    ),
    Guard(
        "project_accredited",
        gettext_noop("the project is accredited by a cluster"),
        lambda f: f.project_accredited,
        gettext_noop("Only a project accredited by a cluster may apply."),
    ),
    Guard(
        "screening_passed",
        gettext_noop("the eligibility screening passed"),
        lambda f: f.screening_passed,
        gettext_noop(
            "The eligibility screening did not pass: override it with a justification or "
            "declare the application ineligible."
        ),
    ),
    Guard(
        "experts_assigned",
        gettext_noop("the experts are assigned"),
        lambda f: f.experts_assigned,
        gettext_noop("Assign the call's number of experts, free of conflict, first."),
    ),
    Guard(
        "consensus_done",
        gettext_noop("the consensus report is written"),
        lambda f: f.consensus_done,
        gettext_noop("The rapporteur has not recorded the consensus report yet."),
    ),
    Guard(
        "amounts_approved",
        gettext_noop("an amount is approved"),
        lambda f: f.amounts_approved,
        gettext_noop("Approve the amount of at least one partner under the envelope first."),
    ),
)
GUARDS: dict[str, Guard[ApplicationFacts]] = {g.id: g for g in _GUARD_LIST}

C, P, F, E, S = (
    ObjectRole.COORDINATOR.value,
    ObjectRole.PARTNER.value,
    ObjectRole.FUNDER_OFFICER.value,
    ObjectRole.EVALUATOR.value,
    ObjectRole.STAFF.value,
)
_INSIDE = [C, P, F, S]


def _state(sid: str, staff: str, public: str, *, terminal: bool = False) -> dict[str, Any]:
    return {
        "id": sid,
        "staff_label": staff,
        "public_label": public,
        "terminal": terminal,
        # Applications are never public: the consortium, the funder's officers and staff see
        # them; an assigned evaluator from evaluation on.
        "visible_to": _INSIDE + ([E] if sid in _EVALUATED else []),
    }


_EVALUATED = {"under_evaluation", "ranked", "funded", "not_funded"}
_LIVE = ["draft", "submitted", "eligible", "under_evaluation", "ranked"]

V1: dict[str, Any] = {
    "id": WORKFLOW_ID,
    "version": 1,
    "initial": "draft",
    "entry": ["draft"],
    "states": [
        _state("draft", gettext_noop("Draft"), gettext_noop("Draft")),
        _state(
            "submitted",
            gettext_noop("Application submitted"),
            gettext_noop("Application submitted"),
        ),
        _state("eligible", gettext_noop("Eligible"), gettext_noop("Eligible")),
        _state("ineligible", gettext_noop("Ineligible"), gettext_noop("Ineligible"), terminal=True),
        _state(
            "under_evaluation", gettext_noop("Under evaluation"), gettext_noop("Under evaluation")
        ),
        _state("ranked", gettext_noop("Ranked by the panel"), gettext_noop("Under evaluation")),
        _state("funded", gettext_noop("Funded"), gettext_noop("Funded"), terminal=True),
        _state("not_funded", gettext_noop("Not funded"), gettext_noop("Not funded"), terminal=True),
        _state("withdrawn", gettext_noop("Withdrawn"), gettext_noop("Withdrawn"), terminal=True),
    ],
    "transitions": [
        {
            "id": "submit",
            "label": gettext_noop("Submit the application"),
            "from": ["draft"],
            "to": "submitted",
            "roles": [C],
            "guards": ["before_deadline", "project_accredited"],
            "reason_required": False,
        },
        {
            "id": "withdraw",
            "label": gettext_noop("Withdraw the application"),
            "from": _LIVE,
            "to": "withdrawn",
            "roles": [C],
            "guards": [],
            "reason_required": True,
        },
        {
            "id": "screen_eligible",
            "label": gettext_noop("Declare eligible"),
            "from": ["submitted"],
            "to": "eligible",
            "roles": [F, S],
            "guards": ["screening_passed"],
            "reason_required": False,
        },
        {
            "id": "screen_ineligible",
            "label": gettext_noop("Declare ineligible"),
            "from": ["submitted"],
            "to": "ineligible",
            "roles": [F, S],
            "guards": [],
            "reason_required": True,
        },
        {
            "id": "start_evaluation",
            "label": gettext_noop("Send to the experts"),
            "from": ["eligible"],
            "to": "under_evaluation",
            "roles": [F, S],
            "guards": ["experts_assigned"],
            "reason_required": False,
        },
        {
            "id": "rank",
            "label": gettext_noop("Record the panel's ranking"),
            "from": ["under_evaluation"],
            "to": "ranked",
            "roles": [F, S],
            "guards": ["consensus_done"],
            "reason_required": False,
        },
        {
            "id": "fund",
            "label": gettext_noop("Fund"),
            "from": ["ranked"],
            "to": "funded",
            "roles": [F, S],
            "guards": ["amounts_approved"],
            "reason_required": False,
        },
        {
            "id": "decline",
            "label": gettext_noop("Decline"),
            "from": ["ranked"],
            "to": "not_funded",
            "roles": [F, S],
            "guards": [],
            "reason_required": True,
        },
    ],
}

VERSIONS: list[dict[str, Any]] = [V1]
APPLICATION_WORKFLOWS: WorkflowRegistry[ApplicationFacts] = WorkflowRegistry(
    load_workflow(v, guards=GUARDS) for v in VERSIONS
)
CURRENT: Workflow[ApplicationFacts] = APPLICATION_WORKFLOWS.current
