"""Core writers: the audit log, role assignments, users and groups; helpers every app's services
share."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor
from grappe.core.audit_guard import audit_chain_lock
from grappe.core.domain.audit_chain import GENESIS, HASHED_FIELDS, event_hash
from grappe.core.fastsql import insert_with_ids, update_rows
from grappe.core.models import AuditEvent, Role, RoleAssignment


def actor_role_text(actor: Actor) -> str:
    """The actor's standing when it acted, as text that outlives the user and its roles."""
    pk = getattr(actor, "pk", None)
    if actor is None or pk is None:
        return ""
    parts = [flag for flag in ("superuser", "staff") if getattr(actor, f"is_{flag}", False)]
    rows = RoleAssignment.objects.filter(user_id=pk).values_list(
        "role", "funder_id", "cluster_id", "organisation_id"
    )
    for role, funder_id, cluster_id, organisation_id in sorted(rows, key=str):
        scope = (
            f" funder={funder_id}"
            if funder_id
            else f" cluster={cluster_id}"
            if cluster_id
            else f" organisation={organisation_id}"
            if organisation_id
            else ""
        )
        parts.append(f"{role}{scope}")
    return ", ".join(parts)[:255]


def _json_safe(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the JSON column gives back (Decimal and dates as strings), so the hash matches it."""
    if value is None:
        return None
    return cast(dict[str, Any], json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> AuditEvent:
    """Append one immutable audit event, chained to the one before it.

    Call it inside the service's transaction, preferably after the service's own writes: the
    chain stays locked until that transaction ends (`audit_chain_lock`). `before` and `after`
    may hold Decimals and dates; they are stored as JSON strings.
    """
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    event = AuditEvent(
        actor_id=actor_id,
        actor_name=actor.get_username() if actor is not None and actor_id is not None else "",
        actor_role=actor_role_text(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=_json_safe(before),
        after=_json_safe(after),
        reason=reason,
    )
    with transaction.atomic(using=using):
        audit_chain_lock(connections[using])
        event.created_at = timezone.now()  # under the lock: times follow the chain's order
        last = AuditEvent.objects.using(using).order_by("-id").values_list("hash", flat=True)
        event.prev_hash = last.first() or GENESIS
        event.hash = event_hash(event.prev_hash, {f: getattr(event, f) for f in HASHED_FIELDS})
        event.save(using=using, force_insert=True)
    return event


@transaction.atomic
def role_assign(
    *,
    actor: Actor,
    user: User,
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
    actor: Actor,
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


def audit_bulk(*, actor: Actor, action: str, on_behalf_of: Any, after: dict[str, Any]) -> None:
    """One audit event for a batch written by an import, under the import run."""
    if on_behalf_of is not None:
        audit_record(actor=actor, action=action, obj=on_behalf_of, after=after)


def bulk_insert(
    *,
    actor: Actor,
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
    actor: Actor,
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


@transaction.atomic
def role_revoke(*, actor: Actor, assignment: RoleAssignment, reason: str = "") -> None:
    """Take a role away; the event keeps what the assignment was."""
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        before={
            "user": assignment.user_id,
            "role": assignment.role,
            "funder": assignment.funder_id,
            "cluster": assignment.cluster_id,
            "organisation": assignment.organisation_id,
        },
        reason=reason,
    )
    assignment.delete()


# --------------------------------------------------------------------------- users and groups

# What a user event shows of the account; never the password hash.
USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
)
# Flags whose change is an event of its own, so that "who granted superuser" is one filter.
USER_FLAG_ACTIONS = {
    "is_superuser": ("user.superuser_grant", "user.superuser_revoke"),
    "is_staff": ("user.staff_grant", "user.staff_revoke"),
    "is_active": ("user.activate", "user.deactivate"),
}


def user_snapshot(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in USER_FIELDS}


def _names(items: Any) -> list[str]:
    return sorted(str(getattr(item, "name", item)) for item in items)


def _permission_names(permissions: Any) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


def user_created_record(*, actor: Actor, user: User, reason: str = "") -> None:
    """The events of a new account: its creation, then each power it was created with.

    For accounts saved by code Grappe does not own (Django's `createsuperuser`).
    """
    audit_record(
        actor=actor, action="user.create", obj=user, after=user_snapshot(user), reason=reason
    )
    for flag, (grant, _revoke) in USER_FLAG_ACTIONS.items():
        if flag != "is_active" and getattr(user, flag):
            audit_record(actor=actor, action=grant, obj=user, reason=reason)


def user_password_changed_record(*, actor: Actor, user: User, reason: str = "") -> None:
    """A password set, changed or disabled by someone else than its owner (never the hash).

    For the forms and commands of Django's that save the password themselves.
    """
    audit_record(
        actor=actor,
        action="user.password_change",
        obj=user,
        after={"usable": user.has_usable_password()},
        reason=reason,
    )


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str | None = None,
    password_hash: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    reason: str = "",
) -> Any:
    """Create an account. `password_hash` is for a password a form has already hashed.

    Without either password the account cannot log in until one is set.
    """
    user = get_user_model()(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password_hash:
        user.password = password_hash
    elif password is not None:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_created_record(actor=actor, user=user, reason=reason)
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, reason: str = "", **fields: Any) -> Any:
    """Change account fields (`USER_FIELDS`); each staff, superuser or active flip is its own event.

    `user` may already carry the new values (an admin form has set them): the stored row is the
    "before".
    """
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValueError(f"user_update does not change {sorted(unknown)}")
    stored = type(user)._default_manager.select_for_update().get(pk=user.pk)
    before = user_snapshot(stored)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    after = user_snapshot(user)
    for flag, (grant, revoke) in USER_FLAG_ACTIONS.items():
        if before[flag] != after[flag]:
            audit_record(
                actor=actor, action=grant if after[flag] else revoke, obj=user, reason=reason
            )
    changed = [n for n in USER_FIELDS if n not in USER_FLAG_ACTIONS and before[n] != after[n]]
    if changed:
        audit_record(
            actor=actor,
            action="user.change",
            obj=user,
            before={n: before[n] for n in changed},
            after={n: after[n] for n in changed},
            reason=reason,
        )
    return user


def _relation_set(
    *, actor: Actor, obj: Any, relation: Any, values: Any, key: str, reason: str
) -> None:
    """Set a many-to-many relation (groups, permissions); one event when it changed."""

    def names() -> list[str]:
        if key == "permissions":
            return _permission_names(relation.select_related("content_type"))
        return _names(relation.all())

    before = names()
    relation.set(values)
    after = names()
    if before != after:
        audit_record(
            actor=actor,
            action=f"{obj._meta.model_name}.{key}_change",
            obj=obj,
            before={key: before},
            after={key: after},
            reason=reason,
        )


@transaction.atomic
def user_groups_set(*, actor: Actor, user: User, groups: Any, reason: str = "") -> None:
    _relation_set(
        actor=actor, obj=user, relation=user.groups, values=groups, key="groups", reason=reason
    )


@transaction.atomic
def user_permissions_set(*, actor: Actor, user: User, permissions: Any, reason: str = "") -> None:
    _relation_set(
        actor=actor,
        obj=user,
        relation=user.user_permissions,
        values=permissions,
        key="permissions",
        reason=reason,
    )


@transaction.atomic
def user_delete(*, actor: Actor, user: User, reason: str = "") -> None:
    """Delete an account: its roles are revoked (one event each), then the account itself.

    Its past events keep its name and role as text; their link to the account becomes NULL.
    """
    for assignment in RoleAssignment.objects.filter(user=user):
        role_revoke(actor=actor, assignment=assignment, reason=reason or "user deleted")
    audit_record(
        actor=actor,
        action="user.delete",
        obj=user,
        before={
            **user_snapshot(user),
            "groups": _names(user.groups.all()),
            "permissions": _permission_names(user.user_permissions.select_related("content_type")),
        },
        reason=reason,
    )
    user.delete()


@transaction.atomic
def group_create(*, actor: Actor, name: str, permissions: Any = (), reason: str = "") -> Group:
    group = Group(name=name)
    group.full_clean()
    group.save()
    group.permissions.set(permissions)
    audit_record(
        actor=actor,
        action="group.create",
        obj=group,
        after={"name": name, "permissions": _permission_names(group.permissions.all())},
        reason=reason,
    )
    return group


@transaction.atomic
def group_update(*, actor: Actor, group: Group, name: str, reason: str = "") -> Group:
    before = Group.objects.get(pk=group.pk).name
    group.name = name
    group.full_clean()
    group.save()
    if before != name:
        audit_record(
            actor=actor,
            action="group.change",
            obj=group,
            before={"name": before},
            after={"name": name},
            reason=reason,
        )
    return group


@transaction.atomic
def group_permissions_set(
    *, actor: Actor, group: Group, permissions: Any, reason: str = ""
) -> None:
    _relation_set(
        actor=actor,
        obj=group,
        relation=group.permissions,
        values=permissions,
        key="permissions",
        reason=reason,
    )


@transaction.atomic
def group_delete(*, actor: Actor, group: Group, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action="group.delete",
        obj=group,
        before={
            "name": group.name,
            "members": _names(u.get_username() for u in group.user_set.all()),
            "permissions": _permission_names(group.permissions.select_related("content_type")),
        },
        reason=reason,
    )
    group.delete()
