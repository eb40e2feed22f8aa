"""Conflicts of interest read from the database, for the pure detection of
`funding/domain/conflicts.py`: the experts' organisations, every participation Grappe knows
(imported CORDIS and ANR projects included) with the projects' dates, the ownership links, the
labelling committees the experts sat on, and their declarations. Each conflict comes back with
its evidence in words (organisation names, the shared project, its year).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.domain.sources import source_of
from grappe.evaluation.models import Declaration, Expert, Waiver
from grappe.funding.domain import conflicts as domain
from grappe.funding.domain.conflicts import Conflict, ConflictKind
from grappe.funding.models import Application
from grappe.labelling.models import Review
from grappe.projects.models import Participation, Project
from grappe.registry.models import Organisation, Ownership

WINDOW_YEARS = 5


@dataclass(frozen=True)
class Found:
    """One conflict of a pair, in words, and whether the officer waived it."""

    conflict: Conflict
    text: str
    waived: bool = False
    waiver_justification: str = ""

    @property
    def hard(self) -> bool:
        return self.conflict.hard

    @property
    def kind(self) -> str:
        return self.conflict.kind.value

    @property
    def blocks(self) -> bool:
        return self.hard or not self.waived


Pairs = dict[tuple[int, int], list[Found]]


def detect(
    experts: Iterable[Expert], applications: Iterable[Application], *, today: dt.date | None = None
) -> Pairs:
    """(expert pk, application pk) → its conflicts in words (hard ones first); pairs without
    a conflict are absent."""
    experts = list(experts)
    applications = list(applications)
    if not experts or not applications:
        return {}
    today = today or timezone.localdate()
    expert_orgs = {e.organisation_id for e in experts if e.organisation_id}
    # Only the projects an expert's organisation took part in can make co-participations.
    rows = Participation.objects.filter(
        project_id__in=Participation.objects.filter(organisation_id__in=expert_orgs).values(
            "project_id"
        )
    ).values_list("project_id", "organisation_id", "project__start_date", "project__end_date")
    participations = [domain.Participation(p, o, s, e) for p, o, s, e in rows]
    links = list(Ownership.objects.values_list("holder_id", "held_id"))
    index = domain.ConflictIndex(participations, links, today=today, window_years=WINDOW_YEARS)
    app_ids = [a.pk for a in applications]
    partners: dict[int, set[int]] = defaultdict(set)
    for project_id, org_id in Participation.objects.filter(
        project_id__in={a.project_id for a in applications}
    ).values_list("project_id", "organisation_id"):
        partners[project_id].add(org_id)
    declared: dict[int, dict[int, str]] = defaultdict(dict)
    for expert_id, app_id, statement in Declaration.objects.filter(
        expert__in=experts, application_id__in=app_ids, has_conflict=True
    ).values_list("expert_id", "application_id", "statement"):
        declared[expert_id][app_id] = statement
    by_user: dict[int, list[Expert]] = defaultdict(list)
    for e in experts:
        by_user[e.user_id].append(e)
    committee: dict[int, dict[int, str]] = defaultdict(dict)
    for user_id, project_id, cluster in Review.objects.filter(
        session__memberships__user_id__in=list(by_user),
        submission__project_id__in={a.project_id for a in applications},
    ).values_list(
        "session__memberships__user_id", "submission__project_id", "session__cluster__name"
    ):
        for e in by_user[user_id]:
            committee[e.pk][project_id] = cluster
    found = domain.detect(
        index,
        [
            domain.Expert(
                e.pk,
                frozenset({e.organisation_id}) if e.organisation_id else frozenset(),
                declared=declared.get(e.pk, {}),
                committee_projects=committee.get(e.pk, {}),
            )
            for e in experts
        ],
        [
            domain.Application(a.pk, a.project_id, frozenset(partners.get(a.project_id, ())))
            for a in applications
        ],
    )
    return _in_words(found, index)


def _in_words(found: dict[tuple[int, int], list[Conflict]], index: domain.ConflictIndex) -> Pairs:
    org_ids = {
        x for cs in found.values() for c in cs for x in (c.expert_organisation, c.partner) if x
    }
    project_ids = {c.project for cs in found.values() for c in cs if c.project}
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    projects = {}
    for p in Project.objects.filter(pk__in=project_ids).only("pk", "acronym", "source"):
        source = source_of(p.source) if p.source else None
        projects[p.pk] = f"{p.acronym} ({_(source.name)})" if source else p.acronym
    waivers: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    for expert_id, app_id, kind, justification in Waiver.objects.filter(
        expert_id__in={e for e, _a in found}, application_id__in={a for _e, a in found}
    ).values_list("expert_id", "application_id", "kind", "justification"):
        waivers[expert_id, app_id][kind] = justification
    out: Pairs = {}
    for pair, conflicts in found.items():
        rows = []
        for c in conflicts:
            params = {
                "expert_organisation": orgs.get(c.expert_organisation or 0, ""),
                "partner": orgs.get(c.partner or 0, ""),
                "project": projects.get(c.project or 0, ""),
                "year": str(c.until.year) if c.until else "",
                "statement": c.detail,
                "cluster": c.detail,
            }
            justification = "" if c.hard else waivers[pair].get(c.kind.value, "")
            rows.append(Found(c, _(c.message) % params, bool(justification), justification))
        out[pair] = rows
    return out


def blocking(found: Pairs) -> set[tuple[int, int]]:
    """The pairs kept apart: a hard conflict, or a waivable one not waived."""
    return {pair for pair, rows in found.items() if any(r.blocks for r in rows)}


def refusal_text(rows: list[Found]) -> str:
    """Why an expert may not evaluate an application (the conflicts that block)."""
    reasons = " ".join(r.text for r in rows if r.blocks)
    return _("This expert has a conflict of interest with the application: %(reasons)s") % {
        "reasons": reasons
    }


def kinds_waivable() -> tuple[str, ...]:
    return tuple(k.value for k in ConflictKind if k not in domain.HARD)
