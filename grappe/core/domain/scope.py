"""What a user may see and do, as plain data: the result of their role assignments.

The fields record which roles the user holds (which field records which role is said by
`grappe.core.domain.roles.ROLES`); what each role may do is the role table's business:
ask `can` and `reach`, never the fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from grappe.core.domain.roles import (
    ASSIGNABLE_ROLES,
    ROLES,
    Action,
    Reach,
    Role,
    ScopeKind,
    Target,
    allowed,
    reach,
)


@dataclass(frozen=True)
class Scope:
    """A user's roles. Anonymous visitors get `Scope.public()` (they hold only `EVERYONE`)."""

    user_id: int | None = None
    is_staff_wide: bool = False  # administrator
    is_evaluator: bool = False
    funder_ids: frozenset[int] = field(default_factory=frozenset)  # programme officer
    cluster_ids: frozenset[int] = field(default_factory=frozenset)  # cluster manager
    organisation_ids: frozenset[int] = field(default_factory=frozenset)  # member

    @classmethod
    def public(cls) -> Scope:
        return cls()

    @classmethod
    def of(cls, user_id: int | None, assignments: Iterable[tuple[Role | str, int | None]]) -> Scope:
        """Build a scope from (role, id of the funder / cluster / organisation or None) pairs."""
        flags: dict[str, bool] = {}
        ids: dict[str, set[int]] = {}
        for raw_role, object_id in assignments:
            spec = ROLES[Role(raw_role)]
            if spec.scope_field is None:
                continue
            if spec.scope is ScopeKind.NONE:
                flags[spec.scope_field] = True
            elif object_id is not None:
                ids.setdefault(spec.scope_field, set()).add(object_id)
        frozen = {name: frozenset(values) for name, values in ids.items()}
        return cls(user_id=user_id, **flags, **frozen)  # type: ignore[arg-type]

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @cached_property
    def held(self) -> Mapping[Role, frozenset[int]]:
        """Each role the user holds -> the ids it is scoped to (empty for unscoped roles)."""
        result: dict[Role, frozenset[int]] = {Role.EVERYONE: frozenset()}
        for role in ASSIGNABLE_ROLES:
            spec = ROLES[role]
            value = getattr(self, spec.scope_field or "")
            if spec.scope is ScopeKind.NONE:
                if value:
                    result[role] = frozenset()
            elif value:
                result[role] = frozenset(value)
        return result

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.held)

    def can(self, action: Action, target: Target | None = None) -> bool:
        """May the user do `action` to `target` (to at least one object when `target` is None)?"""
        return allowed(action, self.held, target)

    def reach(self, action: Action) -> Reach:
        """Everything the user may do `action` to (for a query; see `core.scopes.reach_q`)."""
        return reach(action, self.held)
