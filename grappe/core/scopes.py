"""Build a user's `Scope` from their role assignments (one query, cached on the user object),
and turn a scope's reach into a query."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from grappe.core.actors import Actor
from grappe.core.domain.roles import ASSIGNABLE_ROLES, ROLES, Action, Relation, Role
from grappe.core.domain.scope import Scope
from grappe.core.models import RoleAssignment

# The RoleAssignment fields a role can be scoped to, named by the role table.
_SCOPE_COLUMNS = tuple(
    dict.fromkeys(ROLES[r].scope.value for r in ASSIGNABLE_ROLES if ROLES[r].scope.value)
)


def scope_for(user: Actor) -> Scope:
    # (An anonymous visitor is never authenticated: the isinstance only tells mypy so.)
    if (
        user is None
        or isinstance(user, AnonymousUser)
        or not getattr(user, "is_authenticated", False)
    ):
        return Scope.public()
    cached: Scope | None = getattr(user, "_grappe_scope", None)
    if cached is not None:
        return cached
    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list("role", *_SCOPE_COLUMNS)
    assignments: list[tuple[Role | str, int | None]] = []
    for role, *ids in rows:
        by_column = dict(zip(_SCOPE_COLUMNS, ids, strict=True))
        assignments.append((role, by_column.get(ROLES[Role(role)].scope.value)))
    # Django's superuser flag (createsuperuser) is the administrator role.
    if user.is_superuser:
        assignments.append((Role.ADMINISTRATOR, None))
    scope = Scope.of(user.pk, assignments)
    user._grappe_scope = scope  # type: ignore[attr-defined]  # a per-request cache on the user
    return scope


# How one relation is found in SQL for one model, given the user's ids (a Q or an Exists).
RelationQ = Callable[[frozenset[int]], Any]


def reach_q(
    scope: Scope,
    action: Action,
    relations: Mapping[Relation, RelationQ],
    public: Q | None = None,
) -> Q:
    """The rows `scope` may do `action` to, as one `Q`.

    The role table decides which relations count for the user; `relations` says how each is
    found in SQL for this model (e.g. `partner` -> an Exists over participations), `public`
    which rows are public. A relation the table grants but the caller cannot evaluate is a
    programming error, raised rather than silently refused.
    """
    reach = scope.reach(action)
    if reach.everything:
        return Q()
    q: Any = Q(pk__in=[])
    if reach.public:
        if public is None:
            raise ImproperlyConfigured(f"{action}: the table grants public rows; say which")
        q |= public
    for relation, ids in reach.links.items():
        if relation not in relations:
            raise ImproperlyConfigured(f"{action}: no query for the relation {relation}")
        q |= relations[relation](ids)
    return cast(Q, q)


def reach_exists(
    scope: Scope,
    action: Action,
    queryset: QuerySet[Any] | Callable[[], QuerySet[Any]],
    relations: Mapping[Relation, RelationQ],
    public: Q | None = None,
) -> bool:
    """May `scope` do `action` to the row(s) of `queryset` (typically one object by pk)?

    No query when the table alone answers (an administrator; a role that reaches nothing);
    `queryset` may be a callable, then called only when a query is needed.
    """
    reach = scope.reach(action)
    if reach.everything:
        return True
    if reach.nothing:
        return False
    if not isinstance(queryset, QuerySet):
        queryset = queryset()
    return queryset.filter(reach_q(scope, action, relations, public)).exists()


def field_in(lookup: str) -> RelationQ:
    """A relation that is a plain column (or lookup path) holding the related id."""
    return lambda ids: Q(**{f"{lookup}__in": sorted(ids)})
