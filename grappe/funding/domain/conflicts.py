"""Conflicts of interest between expert evaluators and applications, each with its evidence. Pure.

An expert may not evaluate an application when (issue 10, item 5):

- **same organisation** (hard): the expert's organisation is in the consortium;
- **same corporate group** (hard): the expert's organisation and a partner are linked by
  ownership, transitively and in both directions (a parent's parent, a subsidiary's subsidiary,
  two sister companies under one parent): they are in one connected component of the ownership
  graph;
- **declared** (hard): the expert declared a conflict with this application;
- **co-participation** (waivable): the expert's organisation and a partner took part in one
  project that ran within the last `window_years` years (every project Grappe knows, imported
  ones included);
- **labelling committee** (waivable): the expert sat on the labelling committee that accredited
  the project.

Hard conflicts block; the officer may waive the others with a written justification (the
service records it). Detection is organised for volume: the ownership groups are computed once
(union-find), and co-participation is inverted — for each partner organisation, the experts
whose organisation worked with it — so only real conflicts are ever enumerated, never every
expert × application pair.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop
from grappe.registry.domain.ownership import ownership_groups


class ConflictKind(StrEnum):
    SAME_ORGANISATION = "same_organisation"
    SAME_GROUP = "same_group"
    DECLARED = "declared"
    CO_PARTICIPATION = "co_participation"
    LABELLING_COMMITTEE = "labelling_committee"


HARD = frozenset({ConflictKind.SAME_ORGANISATION, ConflictKind.SAME_GROUP, ConflictKind.DECLARED})

# What each kind says, with its evidence as parameters (names filled in by the caller).
MESSAGES: Mapping[ConflictKind, str] = {
    ConflictKind.SAME_ORGANISATION: gettext_noop(
        "The expert's organisation %(expert_organisation)s is in the consortium."
    ),
    ConflictKind.SAME_GROUP: gettext_noop(
        "The expert's organisation %(expert_organisation)s and the partner %(partner)s belong "
        "to one corporate group (ownership links)."
    ),
    ConflictKind.DECLARED: gettext_noop("The expert declared a conflict: %(statement)s"),
    ConflictKind.CO_PARTICIPATION: gettext_noop(
        "The expert's organisation %(expert_organisation)s and the partner %(partner)s took "
        "part together in %(project)s (until %(year)s)."
    ),
    ConflictKind.LABELLING_COMMITTEE: gettext_noop(
        "The expert sat on the labelling committee of %(cluster)s that accredited this project."
    ),
}


@dataclass(frozen=True)
class Conflict:
    """One reason an expert may not evaluate an application, with its evidence (ids)."""

    kind: ConflictKind
    expert_organisation: int | None = None
    partner: int | None = None
    project: int | None = None  # the shared project (co-participation)
    until: dt.date | None = None  # when that project ended (or started, if no end is known)
    detail: str = ""  # a declaration's statement, a committee's cluster

    @property
    def hard(self) -> bool:
        return self.kind in HARD

    @property
    def message(self) -> str:
        return MESSAGES[self.kind]


@dataclass(frozen=True)
class Participation:
    """An organisation in a project, with the project's dates (either may be unknown)."""

    project: int
    organisation: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Expert:
    id: int
    organisations: frozenset[int]
    declared: Mapping[int, str] = field(default_factory=dict)  # application id -> statement
    committee_projects: Mapping[int, str] = field(default_factory=dict)  # project -> cluster


@dataclass(frozen=True)
class Application:
    id: int
    project: int
    partners: frozenset[int]


def _ran_until(p: Participation) -> dt.date | None:
    return p.end or p.start


class ConflictIndex:
    """Everything detection needs, built once: ownership groups and, per organisation, the
    organisations it worked with in a project that ran on or after `since`."""

    def __init__(
        self,
        participations: Iterable[Participation],
        ownership_links: Iterable[tuple[int, int]],
        *,
        today: dt.date,
        window_years: int = 5,
    ) -> None:
        self.since = today.replace(year=today.year - window_years)
        self.group = ownership_groups(ownership_links)
        members: dict[int, list[int]] = defaultdict(list)
        self.until: dict[int, dt.date] = {}
        for p in participations:
            until = _ran_until(p)
            if until is None or until < self.since:
                continue
            members[p.project].append(p.organisation)
            self.until[p.project] = until
        self.projects_of: dict[int, list[int]] = defaultdict(list)
        for project, orgs in members.items():
            for org in set(orgs):
                self.projects_of[org].append(project)
        self.members = {k: frozenset(v) for k, v in members.items()}

    def collaborators(self, organisation: int) -> dict[int, int]:
        """Partner organisation → one recent project shared with `organisation` (the latest,
        then the smallest id)."""
        found: dict[int, int] = {}
        for project in sorted(
            self.projects_of.get(organisation, ()), key=lambda p: (self.until[p], -p)
        ):
            for other in self.members[project]:
                if other != organisation:
                    found[other] = project
        return found


def detect(
    index: ConflictIndex, experts: Iterable[Expert], applications: Iterable[Application]
) -> dict[tuple[int, int], list[Conflict]]:
    """(expert id, application id) → its conflicts, hard ones first; pairs without any
    conflict are absent."""
    apps = list(applications)
    found: dict[tuple[int, int], list[Conflict]] = defaultdict(list)
    # Inverted indexes: who may clash with a partner organisation, and how.
    by_organisation: dict[int, list[tuple[int, int]]] = defaultdict(list)  # org → (expert, own)
    by_group: dict[int, list[tuple[int, int]]] = defaultdict(list)
    by_collaborator: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    expert_list = list(experts)
    for expert in expert_list:
        for own in sorted(expert.organisations):
            by_organisation[own].append((expert.id, own))
            group = index.group.get(own)
            if group is not None:
                by_group[group].append((expert.id, own))
            for partner, project in index.collaborators(own).items():
                by_collaborator[partner].append((expert.id, own, project))
    for app in apps:
        for partner in sorted(app.partners):
            for expert_id, own in by_organisation.get(partner, ()):
                found[expert_id, app.id].append(
                    Conflict(ConflictKind.SAME_ORGANISATION, expert_organisation=own, partner=own)
                )
            group = index.group.get(partner)
            if group is not None:
                for expert_id, own in by_group.get(group, ()):
                    if own != partner:
                        found[expert_id, app.id].append(
                            Conflict(
                                ConflictKind.SAME_GROUP, expert_organisation=own, partner=partner
                            )
                        )
            for expert_id, own, project in by_collaborator.get(partner, ()):
                if project != app.project:
                    found[expert_id, app.id].append(
                        Conflict(
                            ConflictKind.CO_PARTICIPATION,
                            expert_organisation=own,
                            partner=partner,
                            project=project,
                            until=index.until[project],
                        )
                    )
    by_id = {a.id: a for a in apps}
    by_project: dict[int, list[int]] = defaultdict(list)
    for app in apps:
        by_project[app.project].append(app.id)
    for expert in expert_list:
        for app_id, statement in expert.declared.items():
            if app_id in by_id:
                found[expert.id, app_id].append(Conflict(ConflictKind.DECLARED, detail=statement))
        for project, cluster in expert.committee_projects.items():
            for app_id in by_project.get(project, ()):
                found[expert.id, app_id].append(
                    Conflict(ConflictKind.LABELLING_COMMITTEE, detail=cluster)
                )
    return {
        pair: sorted(conflicts, key=lambda c: (not c.hard, c.kind.value, c.partner or 0))
        for pair, conflicts in found.items()
    }


def blocks(conflicts: Iterable[Conflict], waived: Iterable[ConflictKind] = ()) -> bool:
    """Whether these conflicts keep the expert off the application: any hard one, or a
    waivable one the officer did not waive."""
    waived_kinds = set(waived)
    return any(c.hard or c.kind not in waived_kinds for c in conflicts)
