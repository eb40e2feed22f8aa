"""Core writers: the audit log and role assignments."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from grappe.core.models import AuditEvent, Role, RoleAssignment


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one immutable audit event; call it inside the service's transaction."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason,
    )


@transaction.atomic
def role_assign(
    *,
    actor: Any | None,
    user: Any,
    role: Role | str,
    funder: Any | None = None,
    cluster: Any | None = None,
    organisation: Any | None = None,
) -> RoleAssignment:
    """Give `user` a role in a scope; assigning an existing role again changes nothing.

    Raises `ValidationError` when the scope does not fit the role (a cluster manager needs a
    cluster and nothing else, and so on).
    """
    existing = RoleAssignment.objects.filter(
        user=user, role=role, funder=funder, cluster=cluster, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment(
        user=user, role=role, funder=funder, cluster=cluster, organisation=organisation
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        after={
            "user": user.pk,
            "role": str(role),
            "funder": getattr(funder, "pk", None),
            "cluster": getattr(cluster, "pk", None),
            "organisation": getattr(organisation, "pk", None),
        },
    )
    return assignment
