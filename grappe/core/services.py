"""Core writers: the audit log and role assignments; helpers every app's services share."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _

from grappe.core.fastsql import insert_with_ids, update_rows
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


# --- helpers for the apps' services -----------------------------------------------------------


class _ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder stops at the millisecond), so that a stored
    row can be put back exactly."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def jsonable(value: Any) -> Any:
    """`value` as JSON would give it back (Decimal and dates as strings)."""
    return json.loads(json.dumps(value, cls=_ExactEncoder))


def snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return dict(jsonable({name: getattr(obj, name) for name in names}))


def require(allowed: bool, message: str) -> None:
    """Raise `PermissionDenied(message)` unless the user's scope allowed the action."""
    if not allowed:
        raise PermissionDenied(message)


def check_fields(names: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise ValidationError(
            _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)}, code="unknown"
        )


def changes_apply(
    *,
    actor: Any,
    obj: models.Model,
    changes: Mapping[str, Any],
    action: str,
    reason: str = "",
    validate_unique: bool = True,
) -> list[str]:
    """Set the fields of a locked row that `changes` alters, validate, save only those, and
    record before/after; returns the names changed (none: nothing written)."""
    changed = [name for name, value in changes.items() if getattr(obj, name) != value]
    if not changed:
        return []
    before = snapshot(obj, changed)
    for name in changed:
        setattr(obj, name, changes[name])
    obj.full_clean(validate_unique=validate_unique)
    touch = ["updated_at"] if any(f.name == "updated_at" for f in obj._meta.concrete_fields) else []
    obj.save(update_fields=[*changed, *touch])
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=snapshot(obj, changed),
        reason=reason,
    )
    return changed


def audit_bulk(*, actor: Any, action: str, on_behalf_of: Any, after: dict[str, Any]) -> None:
    """One audit event for a batch written by an import, under the import run."""
    if on_behalf_of is not None:
        audit_record(actor=actor, action=action, obj=on_behalf_of, after=after)


def bulk_insert(
    *,
    actor: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    allowed: Iterable[str],
    on_behalf_of: Any,
) -> list[int]:
    """An import's batch of new rows (values in the order of `fields`): ids reserved, one
    `executemany` / `COPY`, one audit event (`<model>.bulk_create`). Returns the ids."""
    if not rows:
        return []
    check_fields(fields, allowed)
    ids = insert_with_ids(model, fields, rows)
    audit_bulk(
        actor=actor,
        action=f"{model._meta.model_name}.bulk_create",
        on_behalf_of=on_behalf_of,
        after={"count": len(ids), "first_id": ids[0]},
    )
    return ids


def bulk_update(
    *,
    actor: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    allowed: Iterable[str],
    on_behalf_of: Any,
    batch_size: int,
) -> None:
    """An import's batch of changed rows, `(pk, *values)`; one audit event."""
    if not rows:
        return
    check_fields(fields, allowed)
    update_rows(model, fields, rows, batch_size=batch_size)
    audit_bulk(
        actor=actor,
        action=f"{model._meta.model_name}.bulk_update",
        on_behalf_of=on_behalf_of,
        after={"count": len(rows), "fields": list(fields)},
    )
