"""The workflows of a grant, as data, with their guards. Pure.

- An **agreement** is drafted by the funder's programme officer from a granted funding line,
  offered to the partner, accepted by the partner's signatory (who and when are recorded),
  activated by the officer, and closed once nothing is left to pay. An amendment sends an
  accepted or active agreement back to `offered` with its new version.
- An **expense statement** is submitted by the partner and reviewed by the officer once every
  line is accepted, adjusted or rejected.
- An **installment** is requested (by the partner or the officer), approved and paid (with the
  payment reference) by the officer, or rejected.
- A **report** (yearly or final) is submitted by the partner, approved by the officer or
  returned for changes.

Every change goes through `grappe.grants.services` (one transition service per object kind,
sharing one writer of the `core.Transition` rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.workflow import Guard, ObjectRole, Workflow, WorkflowRegistry, load_workflow

P, FO, S = ObjectRole.PARTNER.value, ObjectRole.FUNDER_OFFICER.value, ObjectRole.STAFF.value


@dataclass(frozen=True)
class GrantFacts:
    """What the guards look at, computed by the service."""

    amount_positive: bool = True
    has_costs: bool = True
    nothing_pending: bool = True
    lines_decided: bool = True
    amount_covered: bool = True  # the amount is still due (nothing paid meanwhile)


_GUARDS: tuple[Guard[GrantFacts], ...] = (
    Guard(
        "amount_positive",
        gettext_noop("the agreement grants an amount"),
        lambda f: f.amount_positive,
        gettext_noop("Set the amount of the grant first."),
    ),
    Guard(
        "has_costs",
        gettext_noop("the eligible costs are given by category"),
        lambda f: f.has_costs,
        gettext_noop("Give at least one category of eligible costs."),
    ),
    Guard(
        "nothing_pending",
        gettext_noop("no installment waits for approval or payment"),
        lambda f: f.nothing_pending,
        gettext_noop("Pay or reject the installments still open first."),
    ),
    Guard(
        "lines_decided",
        gettext_noop("every line is accepted, adjusted or rejected"),
        lambda f: f.lines_decided,
        gettext_noop("Decide on every line of the statement first."),
    ),
    Guard(
        "amount_covered",
        gettext_noop("the amount is still due"),
        lambda f: f.amount_covered,
        gettext_noop("This amount is no longer due: request the installment again."),
    ),
)
GUARDS: dict[str, Guard[GrantFacts]] = {g.id: g for g in _GUARDS}


def _state(id_: str, label: str, terminal: bool = False) -> dict[str, Any]:
    return {
        "id": id_,
        "staff_label": label,
        "public_label": label,
        "terminal": terminal,
        "visible_to": [P, FO, S],
    }


def _t(
    id_: str,
    label: str,
    sources: list[str],
    to: str,
    roles: list[str],
    guards: list[str] | None = None,
    reason: bool = False,
) -> dict[str, Any]:
    return {
        "id": id_,
        "label": label,
        "from": sources,
        "to": to,
        "roles": roles,
        "guards": guards or [],
        "reason_required": reason,
    }


AGREEMENT_V1: dict[str, Any] = {
    "id": "grant_agreement",
    "version": 1,
    "initial": "draft",
    "entry": ["draft"],
    "states": [
        _state("draft", gettext_noop("Draft")),
        _state("offered", gettext_noop("Offered to the partner")),
        _state("accepted", gettext_noop("Accepted by the partner")),
        _state("active", gettext_noop("Active")),
        _state("closed", gettext_noop("Closed"), terminal=True),
    ],
    "transitions": [
        _t(
            "offer",
            gettext_noop("Offer the agreement"),
            ["draft"],
            "offered",
            [FO, S],
            ["amount_positive", "has_costs"],
        ),
        _t("accept", gettext_noop("Accept the agreement"), ["offered"], "accepted", [P]),
        _t(
            "withdraw",
            gettext_noop("Withdraw the offer"),
            ["offered"],
            "draft",
            [FO, S],
            reason=True,
        ),
        _t("activate", gettext_noop("Start the grant"), ["accepted"], "active", [FO, S]),
        _t(
            "amend",
            gettext_noop("Offer an amendment"),
            ["accepted", "active"],
            "offered",
            [FO, S],
            ["amount_positive", "has_costs", "nothing_pending"],
            reason=True,
        ),
        _t(
            "close",
            gettext_noop("Close the grant"),
            ["active"],
            "closed",
            [FO, S],
            ["nothing_pending"],
            reason=True,
        ),
    ],
}

STATEMENT_V1: dict[str, Any] = {
    "id": "expense_statement",
    "version": 1,
    "initial": "submitted",
    "entry": ["submitted"],
    "states": [
        _state("submitted", gettext_noop("Submitted")),
        _state("reviewed", gettext_noop("Reviewed"), terminal=True),
    ],
    "transitions": [
        _t(
            "review",
            gettext_noop("Close the review"),
            ["submitted"],
            "reviewed",
            [FO, S],
            ["lines_decided"],
        ),
    ],
}

INSTALLMENT_V1: dict[str, Any] = {
    "id": "installment",
    "version": 1,
    "initial": "requested",
    "entry": ["requested"],
    "states": [
        _state("requested", gettext_noop("Requested")),
        _state("approved", gettext_noop("Approved")),
        _state("paid", gettext_noop("Paid"), terminal=True),
        _state("rejected", gettext_noop("Rejected"), terminal=True),
    ],
    "transitions": [
        _t(
            "approve",
            gettext_noop("Approve the payment"),
            ["requested"],
            "approved",
            [FO, S],
            ["amount_covered"],
        ),
        _t(
            "pay",
            gettext_noop("Record the payment"),
            ["approved"],
            "paid",
            [FO, S],
            ["amount_covered"],
        ),
        _t(
            "reject",
            gettext_noop("Reject the payment"),
            ["requested", "approved"],
            "rejected",
            [FO, S],
            reason=True,
        ),
    ],
}

REPORT_V1: dict[str, Any] = {
    "id": "impact_report",
    "version": 1,
    "initial": "submitted",
    "entry": ["submitted"],
    "states": [
        _state("submitted", gettext_noop("Submitted")),
        _state("returned", gettext_noop("Returned for changes")),
        _state("approved", gettext_noop("Approved"), terminal=True),
    ],
    "transitions": [
        _t("approve", gettext_noop("Approve the report"), ["submitted"], "approved", [FO, S]),
        _t(
            "return",
            gettext_noop("Return the report for changes"),
            ["submitted"],
            "returned",
            [FO, S],
            reason=True,
        ),
        _t("resubmit", gettext_noop("Submit the report again"), ["returned"], "submitted", [P]),
    ],
}


def _registry(*versions: dict[str, Any]) -> WorkflowRegistry[GrantFacts]:
    return WorkflowRegistry(load_workflow(v, guards=GUARDS) for v in versions)


AGREEMENT_WORKFLOWS = _registry(AGREEMENT_V1)
STATEMENT_WORKFLOWS = _registry(STATEMENT_V1)
INSTALLMENT_WORKFLOWS = _registry(INSTALLMENT_V1)
REPORT_WORKFLOWS = _registry(REPORT_V1)
AGREEMENT: Workflow[GrantFacts] = AGREEMENT_WORKFLOWS.current
STATEMENT: Workflow[GrantFacts] = STATEMENT_WORKFLOWS.current
INSTALLMENT: Workflow[GrantFacts] = INSTALLMENT_WORKFLOWS.current
REPORT: Workflow[GrantFacts] = REPORT_WORKFLOWS.current


def grant_roles(
    *,
    is_staff: bool,
    partner_organisation_id: int,
    funder_id: int,
    organisation_ids: frozenset[int],
    funder_ids: frozenset[int],
) -> frozenset[ObjectRole]:
    """The roles a user holds on one grant: a member of the partner (not of another partner
    of the project), a programme officer of its funder, an administrator."""
    roles: set[ObjectRole] = set()
    if is_staff:
        roles.add(ObjectRole.STAFF)
    if partner_organisation_id in organisation_ids:
        roles.add(ObjectRole.PARTNER)
    if funder_id in funder_ids:
        roles.add(ObjectRole.FUNDER_OFFICER)
    return frozenset(roles)
