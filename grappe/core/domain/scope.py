"""What a user may see and do, as plain data: the result of their role assignments."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """A user's reach. Anonymous visitors get `Scope.public()`.

    `is_staff_wide` covers administrators (and Django superusers): they see everything.
    """

    user_id: int | None = None
    is_staff_wide: bool = False
    is_evaluator: bool = False
    funder_ids: frozenset[int] = field(default_factory=frozenset)
    cluster_ids: frozenset[int] = field(default_factory=frozenset)
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def public(cls) -> Scope:
        return cls()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_programme_officer(self) -> bool:
        return bool(self.funder_ids)

    def can_manage_cluster(self, cluster_id: int) -> bool:
        return self.is_staff_wide or cluster_id in self.cluster_ids

    def acts_for_organisation(self, organisation_id: int) -> bool:
        return self.is_staff_wide or organisation_id in self.organisation_ids
