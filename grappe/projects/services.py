"""Project writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grappe.core.domain.workflow import Decision, ObjectRole
from grappe.core.models import Transition
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS, ProjectFacts, project_roles
from grappe.projects.models import Project
from grappe.projects.selectors import project_relations, project_workflow_facts
from grappe.projects.tasks import project_transition_notify

# --- status: the project workflow (the only writer of Project.status after creation) ----------


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


@dataclass(frozen=True)
class TransitionOutcome:
    row: Transition
    replayed: bool  # True when the idempotency key had already been used: nothing changed


def _or_list(labels: list[str]) -> str:
    translated = [_(label) for label in labels]
    if len(translated) <= 1:
        return "".join(translated)
    return _("%(items)s or %(last)s") % {
        "items": ", ".join(translated[:-1]),
        "last": translated[-1],
    }


def refusal_text(decision: Decision, *, state: str, version: int) -> str:
    """The translated explanation of a refused decision (for the page, the API and the admin)."""
    workflow = PROJECT_WORKFLOWS.get(version)
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


def actor_project_roles(actor: Any | None, project: Project) -> frozenset[ObjectRole]:
    """The roles `actor` holds relative to `project`. `None` is a trusted system process (an
    import of published data, run by an operator or by staff), which acts as staff."""
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    return project_roles(scope_for(actor), project_relations(project))


@dataclass(frozen=True)
class OfferedTransition:
    """A transition the user's roles may fire from the current state; `why_not` (translated)
    when a condition or a missing reason blocks it."""

    id: str
    label: str
    reason_required: bool
    allowed: bool
    why_not: str


def project_offered_transitions(*, actor: Any | None, project: Project) -> list[OfferedTransition]:
    """What to offer `actor` on the project page or in the admin (checked again on firing)."""
    workflow = PROJECT_WORKFLOWS.get(project.workflow_version)
    offered = workflow.offered(
        state=project.status,
        roles=actor_project_roles(actor, project),
        facts=project_workflow_facts(project),
    )
    return [
        OfferedTransition(
            id=t.id,
            label=_(t.label),
            reason_required=t.reason_required,
            allowed=decision.allowed,
            why_not=_blocked_text(decision, project),
        )
        for t, decision in offered
    ]


def _blocked_text(decision: Decision, project: Project) -> str:
    if decision.allowed:
        return ""
    if decision.guard is None:  # not offered for any other reason, but say it all the same
        return refusal_text(decision, state=project.status, version=project.workflow_version)
    return (
        _("Not possible yet: the condition “%(guard)s” is not met. %(detail)s")
        % {"guard": _(decision.guard.label), "detail": _(decision.guard.message)}
    ).strip()


def project_transition(
    *,
    actor: Any | None,
    project: Project,
    transition: str,
    reason: str = "",
    idempotency_key: str = "",
) -> TransitionOutcome:
    """Fire `transition` on `project` for `actor`: lock the row, ask the workflow (role, guards,
    reason), set the new status, write the `Transition` row and the audit event in one
    transaction, and e-mail the consortium once it is committed.

    Replaying a call with the same `idempotency_key` returns the first call's row and changes
    nothing. Raises `TransitionRefused` (translated message) when the workflow says no; nothing
    is written then. `project` is updated in place.
    """
    reason = (reason or "").strip()
    key = (idempotency_key or "").strip()
    content_type = ContentType.objects.get_for_model(Project)
    try:
        with transaction.atomic():
            locked = Project.objects.select_for_update().get(pk=project.pk)
            if key:
                previous = Transition.objects.filter(
                    content_type=content_type, object_id=locked.pk, idempotency_key=key
                ).first()
                if previous is not None:
                    return _replayed(previous, transition, project, locked)
            row = _fire(actor, locked, transition, reason, key, content_type)
    except IntegrityError:
        # Two requests with the same key raced past the check (SQLite does not lock rows):
        # the first one won, this one changed nothing.
        previous = Transition.objects.filter(
            content_type=content_type, object_id=project.pk, idempotency_key=key
        ).first()
        if not key or previous is None:
            raise
        return _replayed(previous, transition, project, Project.objects.get(pk=project.pk))
    project.status = locked.status
    project.updated_at = locked.updated_at
    return TransitionOutcome(row=row, replayed=False)


def _replayed(
    previous: Transition, transition: str, project: Project, current: Project
) -> TransitionOutcome:
    if previous.transition != transition:
        raise TransitionRefused(
            _(
                "This request key was already used for “%(other)s” on this project: send a new "
                "key for a new request."
            )
            % {"other": previous.transition},
            refusal="idempotency_key_reused",
            transition=transition,
        )
    project.status = current.status
    return TransitionOutcome(row=previous, replayed=True)


def _fire(
    actor: Any | None,
    locked: Project,
    transition: str,
    reason: str,
    key: str,
    content_type: ContentType,
) -> Transition:
    try:
        workflow = PROJECT_WORKFLOWS.get(locked.workflow_version)
    except KeyError:
        raise TransitionRefused(
            _("This project follows workflow version %(version)s, which this Grappe lacks.")
            % {"version": locked.workflow_version},
            refusal="unknown_version",
            transition=transition,
        ) from None
    facts: ProjectFacts = project_workflow_facts(locked)
    roles = actor_project_roles(actor, locked)
    decision = workflow.decide(
        transition, state=locked.status, roles=roles, facts=facts, reason=reason
    )
    if not decision.allowed:
        assert decision.refusal is not None
        raise TransitionRefused(
            refusal_text(decision, state=locked.status, version=locked.workflow_version),
            refusal=decision.refusal.value,
            transition=transition,
            guard=decision.guard.id if decision.guard else "",
        )
    assert decision.target is not None and decision.acting_role is not None
    before = locked.status
    locked.status = decision.target
    locked.save(update_fields=["status", "updated_at"])
    row = Transition.objects.create(
        content_type=content_type,
        object_id=locked.pk,
        workflow=workflow.id,
        workflow_version=workflow.version,
        transition=transition,
        from_state=before,
        to_state=locked.status,
        actor=actor if getattr(actor, "pk", None) else None,
        acting_role=decision.acting_role.value,
        reason=reason,
        idempotency_key=key,
    )
    audit_record(
        actor=actor,
        action="project.transition",
        obj=locked,
        before={"status": before},
        after={
            "status": locked.status,
            "transition": transition,
            "acting_role": decision.acting_role.value,
            "workflow": f"{workflow.id} v{workflow.version}",
        },
        reason=reason,
    )
    language = get_language() or "en"
    transaction.on_commit(lambda: _notify(row.pk, language))
    return row


def _notify(transition_pk: int, language: str) -> None:
    project_transition_notify.enqueue(transition_pk, language)
