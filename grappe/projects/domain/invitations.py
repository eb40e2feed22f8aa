"""The partner invitation's workflow as data, for the core workflow engine. Pure.

pending → accepted | declined (a member of the invited organisation), pending → cancelled (the
coordinator). Accepted, declined and cancelled are final: a new invitation may follow a declined
or cancelled one. Administrators and the system (the demo) may fire each step.
`projects.services.invitation_transition` is the one writer; it records each step as a
`core.Transition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.workflow import ObjectRole, Workflow, WorkflowRegistry, load_workflow

WORKFLOW_ID = "invitation"
PENDING = "pending"


@dataclass(frozen=True)
class InvitationFacts:
    """No guard reads facts yet: the project's draft state is checked by the service."""


INV, C, S = ObjectRole.INVITEE.value, ObjectRole.COORDINATOR.value, ObjectRole.STAFF.value
_SEEN_BY = [INV, C, S]

V1: dict[str, Any] = {
    "id": WORKFLOW_ID,
    "version": 1,
    "initial": PENDING,
    "entry": [PENDING],
    "states": [
        {
            "id": PENDING,
            "staff_label": gettext_noop("Pending"),
            "public_label": gettext_noop("Pending"),
            "terminal": False,
            "visible_to": _SEEN_BY,
        },
        *(
            {
                "id": state,
                "staff_label": label,
                "public_label": label,
                "terminal": True,
                "visible_to": _SEEN_BY,
            }
            for state, label in (
                ("accepted", gettext_noop("Accepted")),
                ("declined", gettext_noop("Declined")),
                ("cancelled", gettext_noop("Cancelled")),
            )
        ),
    ],
    "transitions": [
        {
            "id": "accept",
            "label": gettext_noop("Accept the invitation"),
            "from": [PENDING],
            "to": "accepted",
            "roles": [INV, S],
            "guards": [],
            "reason_required": False,
        },
        {
            "id": "decline",
            "label": gettext_noop("Decline the invitation"),
            "from": [PENDING],
            "to": "declined",
            "roles": [INV, S],
            "guards": [],
            "reason_required": False,
        },
        {
            "id": "cancel",
            "label": gettext_noop("Cancel the invitation"),
            "from": [PENDING],
            "to": "cancelled",
            "roles": [C, S],
            "guards": [],
            "reason_required": False,
        },
    ],
}

VERSIONS: list[dict[str, Any]] = [V1]
INVITATION_WORKFLOWS: WorkflowRegistry[InvitationFacts] = WorkflowRegistry(
    load_workflow(v, guards={}) for v in VERSIONS
)
CURRENT: Workflow[InvitationFacts] = INVITATION_WORKFLOWS.current
