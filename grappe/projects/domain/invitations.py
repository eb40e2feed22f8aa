"""The partner invitation's states and who may move it: pure data, no Django.

pending → accepted | declined (a member of the invited organisation), pending → cancelled (the
coordinator). Accepted, declined and cancelled are final: a new invitation may follow a declined
or cancelled one. `projects.services.invitation_transition` is the one writer.
"""

from __future__ import annotations

from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop


class Side(StrEnum):
    INVITEE = "invitee"  # acts for the invited organisation
    COORDINATOR = "coordinator"  # acts for the proposal's coordinator


PENDING = "pending"
FINAL = frozenset({"accepted", "declined", "cancelled"})

# transition -> (target state, the side that may fire it)
TRANSITIONS: dict[str, tuple[str, Side]] = {
    "accept": ("accepted", Side.INVITEE),
    "decline": ("declined", Side.INVITEE),
    "cancel": ("cancelled", Side.COORDINATOR),
}

NOT_PENDING = gettext_noop("This invitation was already answered or cancelled.")
UNKNOWN = gettext_noop("Unknown action on an invitation: %(value)s.")
WRONG_SIDE = {
    Side.INVITEE: gettext_noop(
        "Only a member of the invited organisation may accept or decline this invitation."
    ),
    Side.COORDINATOR: gettext_noop("Only the coordinator may cancel this invitation."),
}


def decide(state: str, transition: str, sides: frozenset[Side]) -> tuple[str | None, str]:
    """(the new state, "") when allowed; (None, the refusal msgid) otherwise."""
    if transition not in TRANSITIONS:
        return None, UNKNOWN
    target, side = TRANSITIONS[transition]
    if state != PENDING:
        return None, NOT_PENDING
    if side not in sides:
        return None, WRONG_SIDE[side]
    return target, ""
