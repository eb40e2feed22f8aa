"""The refusals every service raises, and how the API answers them. One place for all apps.

- `PermissionDenied` (Django): the actor's role may not do this → 403.
- `ValidationError` (Django): the input is wrong → 422, one entry per field, translated.
- `TransitionRefused`: a workflow said no (`refusal` names the check) → 403 / 409 / 422 by
  `REFUSAL_STATUS`.

An API operation catches `SERVICE_REFUSALS` and returns `refused(exc)`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.responses import Status

from grappe.core.domain.workflow import Decision, Workflow


class TransitionRefused(Exception):
    """A transition the engine refused, with a translated message naming the transition, the
    acting role and the failed condition. `refusal` says which check failed (`Refusal` values,
    plus "idempotency_key_reused" and "unknown_version")."""

    def __init__(self, message: str, *, refusal: str, transition: str, guard: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.refusal = refusal
        self.transition = transition
        self.guard = guard


SERVICE_REFUSALS = (PermissionDenied, ValidationError, TransitionRefused)

# A refusal's HTTP status: not yours to do (403); not now (409); the request itself is wrong (422).
REFUSAL_STATUS = {
    "role": 403,
    "wrong_state": 409,
    "guard": 409,
    "idempotency_key_reused": 409,
    "unknown_version": 409,
    "own_service": 409,  # a transition with its own service (a submission goes to clusters)
    "reason": 422,
    "unknown_transition": 422,
}


class RefusalOut(Schema):
    detail: str = Field(description="Why, naming the transition, your role and the condition.")
    refusal: str = Field(
        description="role, wrong_state, guard, reason, unknown_transition, "
        "idempotency_key_reused, unknown_version or own_service (a step with its own "
        "operation: a project is submitted through POST /api/v1/projects/{id}/submissions)."
    )
    transition: str
    guard: str = Field("", description="The id of the condition that failed, if one did.")


def transition_refused(refusal: TransitionRefused, *, default: int = 409) -> Status[Any]:
    return Status(
        REFUSAL_STATUS.get(refusal.refusal, default),
        RefusalOut(
            detail=refusal.message,
            refusal=refusal.refusal,
            transition=refusal.transition,
            guard=refusal.guard,
        ),
    )


def refused(exc: Exception) -> Status[Any]:
    """The API's answer to a service's refusal (one of `SERVICE_REFUSALS`)."""
    if isinstance(exc, TransitionRefused):
        return transition_refused(exc)
    if isinstance(exc, PermissionDenied):
        return Status(403, {"detail": str(exc)})
    if not isinstance(exc, ValidationError):
        raise exc
    errors = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    return Status(
        422,
        {
            "detail": [
                {
                    "loc": ["body", field],
                    "msg": " ".join(str(m) for m in error.messages),
                    "type": error.code or "refused",
                }
                for field, field_errors in errors.items()
                for error in field_errors
            ]
        },
    )


# --- the explanation of a workflow's refusal, in the reader's language ---------------------------


def _or_list(labels: list[str]) -> str:
    translated = [_(label) for label in labels]
    if len(translated) <= 1:
        return "".join(translated)
    return _("%(items)s or %(last)s") % {
        "items": ", ".join(translated[:-1]),
        "last": translated[-1],
    }


def workflow_refusal_text(workflow: Workflow[Any], decision: Decision, *, state: str) -> str:
    """The translated explanation of a decision refused by any workflow (projects, invitations,
    applications, labelling reviews, grants)."""
    msgid, params = workflow.refusal_message(decision, state=state)
    values = {
        **params,
        "transition": _(params["transition"]),
        "state": _(params["state"]),
        "role": _or_list(params["role"]),
        "allowed": _or_list(params["allowed"]),
        "guard": _(params["guard"]) if params["guard"] else "",
        "detail": _(params["detail"]) if params["detail"] else "",
    }
    return (_(msgid) % values).strip()
