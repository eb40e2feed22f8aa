"""Build a user's `Scope` from their role assignments (one query, cached on the user object)."""

from __future__ import annotations

from typing import Any

from grappe.core.domain.scope import Scope
from grappe.core.models import Role, RoleAssignment


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.public()
    cached = getattr(user, "_grappe_scope", None)
    if cached is not None:
        return cached
    funders: set[int] = set()
    clusters: set[int] = set()
    organisations: set[int] = set()
    staff_wide = bool(user.is_superuser)
    evaluator = False
    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list(
        "role", "funder_id", "cluster_id", "organisation_id"
    )
    for role, funder_id, cluster_id, organisation_id in rows:
        if role == Role.ADMINISTRATOR:
            staff_wide = True
        elif role == Role.EVALUATOR:
            evaluator = True
        elif role == Role.PROGRAMME_OFFICER:
            funders.add(funder_id)
        elif role == Role.CLUSTER_MANAGER:
            clusters.add(cluster_id)
        elif role == Role.MEMBER:
            organisations.add(organisation_id)
    scope = Scope(
        user_id=user.pk,
        is_staff_wide=staff_wide,
        is_evaluator=evaluator,
        funder_ids=frozenset(funders),
        cluster_ids=frozenset(clusters),
        organisation_ids=frozenset(organisations),
    )
    user._grappe_scope = scope
    return scope
