"""The labelling workflow of one submission before a committee, as data, with its guards. Pure.

A submission attached to a committee session is `under_review`; the cluster manager records the
committee's decision (accredited / accredited with conditions / refused) with its reasons
(`decide`), may reopen it, and publishes it (`publish`): only then does the consortium see the
status and the reasons, and an accreditation is recorded on the project. Every change goes
through `labelling.services.review_transition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.workflow import Guard, ObjectRole, Workflow, WorkflowRegistry, load_workflow

WORKFLOW_ID = "labelling"


class Outcome(StrEnum):
    ACCREDITED = "accredited"
    ACCREDITED_WITH_CONDITIONS = "accredited_with_conditions"
    REFUSED = "refused"

    @property
    def accredits(self) -> bool:
        return self is not Outcome.REFUSED


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ACCREDITED: gettext_noop("Accredited"),
    Outcome.ACCREDITED_WITH_CONDITIONS: gettext_noop("Accredited with conditions"),
    Outcome.REFUSED: gettext_noop("Refused"),
}


@dataclass(frozen=True)
class ReviewFacts:
    """What the guards look at (the proposed outcome included), computed by the service."""

    submission_live: bool = True
    outcome: str = ""
    conditions_given: bool = False
    scored_by: int = 0  # committee members without a conflict who scored
    checklist_complete: bool = False


def _accrediting(f: ReviewFacts) -> bool:
    return f.outcome in (Outcome.ACCREDITED, Outcome.ACCREDITED_WITH_CONDITIONS)


_GUARD_LIST: tuple[Guard[ReviewFacts], ...] = (
    Guard(
        "submission_live",
        gettext_noop("the consortium has not withdrawn the submission"),
        lambda f: f.submission_live,
        gettext_noop("The consortium withdrew this submission."),
    ),
    Guard(
        "outcome_chosen",
        gettext_noop("a decision is chosen"),
        lambda f: f.outcome in set(Outcome),
        gettext_noop("Choose accredited, accredited with conditions or refused."),
    ),
    Guard(
        "has_scores",
        gettext_noop("at least one committee member without a conflict has scored"),
        lambda f: f.scored_by >= 1,
        gettext_noop("No committee member free of conflict has scored this submission yet."),
    ),
    Guard(
        "conditions_given",
        gettext_noop("the conditions are stated"),
        lambda f: f.outcome != Outcome.ACCREDITED_WITH_CONDITIONS or f.conditions_given,
        gettext_noop("An accreditation with conditions needs its conditions written out."),
    ),
    Guard(
        "checklist_complete",
        gettext_noop("every checklist item is ticked"),
        lambda f: not _accrediting(f) or f.checklist_complete,
        gettext_noop("Tick every item of the checklist before accrediting."),
    ),
)
GUARDS: dict[str, Guard[ReviewFacts]] = {g.id: g for g in _GUARD_LIST}

C, P, M, S = (
    ObjectRole.COORDINATOR.value,
    ObjectRole.PARTNER.value,
    ObjectRole.CLUSTER_MANAGER.value,
    ObjectRole.STAFF.value,
)

V1: dict[str, Any] = {
    "id": WORKFLOW_ID,
    "version": 1,
    "initial": "under_review",
    "entry": ["under_review"],
    "states": [
        {
            "id": "under_review",
            "staff_label": gettext_noop("Under review"),
            "public_label": gettext_noop("Under review by the committee"),
            "terminal": False,
            "visible_to": [M, S],
        },
        {
            "id": "decided",
            "staff_label": gettext_noop("Decided, not published"),
            "public_label": gettext_noop("Under review by the committee"),
            "terminal": False,
            "visible_to": [M, S],
        },
        {
            "id": "published",
            "staff_label": gettext_noop("Decision published"),
            "public_label": gettext_noop("Decision published"),
            "terminal": True,
            "visible_to": [C, P, M, S],
        },
    ],
    "transitions": [
        {
            "id": "decide",
            "label": gettext_noop("Record the decision"),
            "from": ["under_review"],
            "to": "decided",
            "roles": [M, S],
            "guards": [
                "submission_live",
                "outcome_chosen",
                "has_scores",
                "conditions_given",
                "checklist_complete",
            ],
            "reason_required": True,
        },
        {
            "id": "reopen",
            "label": gettext_noop("Reopen the review"),
            "from": ["decided"],
            "to": "under_review",
            "roles": [M, S],
            "guards": [],
            "reason_required": True,
        },
        {
            "id": "publish",
            "label": gettext_noop("Publish the decision"),
            "from": ["decided"],
            "to": "published",
            "roles": [M, S],
            "guards": ["submission_live"],
            "reason_required": False,
        },
    ],
}

VERSIONS: list[dict[str, Any]] = [V1]
LABELLING_WORKFLOWS: WorkflowRegistry[ReviewFacts] = WorkflowRegistry(
    load_workflow(v, guards=GUARDS) for v in VERSIONS
)
CURRENT: Workflow[ReviewFacts] = LABELLING_WORKFLOWS.current
