"""Funding reads: calls, and the adapter from a stored project to the rules engine's inputs.

`project_aid_input` loads one project with everything the engine needs (partners, budget lines,
organisation kinds and places, accreditations, other funders' aid, yearly figures and the
ownership links around the partners) in a fixed number of queries, whatever the consortium size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from grappe.core.domain.roles import Action
from grappe.core.domain.scope import Scope
from grappe.funding.domain.common import ZERO, CostCategory, PartnerKind, ResearchCategory
from grappe.funding.domain.inputs import CostLine, OtherAid, PartnerInput, ProjectInput
from grappe.funding.domain.partners import declared_size, partner_kind
from grappe.funding.domain.rulesets import RuleSet, ruleset_from_dict
from grappe.funding.models import Call, CallStatus
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
)
from grappe.projects.selectors import project_can, project_get
from grappe.registry.domain.sme import (
    Enterprise,
    EnterpriseFigures,
    HolderKind,
    Holding,
    SmeInputError,
    SmeResult,
    assess_smes,
)
from grappe.registry.models import (
    COMPANY_KINDS,
    Organisation,
    OrganisationFigures,
    OrganisationKind,
    Ownership,
)

HUNDRED = Decimal(100)

# How far the ownership graph around the partners is followed: each hop is one query, so a
# simulation costs a bounded number of queries. Three hops cover a partner's parent, its
# grand-parent and their other subsidiaries, which is what linked/partner aggregation needs.
OWNERSHIP_HOPS = 3

# --------------------------------------------------------------------------- calls


def call_list(
    *,
    scope: Scope,
    open_on: dt.date | None = None,
    status: str = "all",
    today: dt.date | None = None,
) -> QuerySet[Call]:
    """Calls are public. `open_on` keeps those open on that day; `status` (`open`, `closed`,
    `upcoming` or `all`) is judged on `today` (default: the local date)."""
    qs = Call.objects.select_related("funder", "ruleset")
    if open_on is not None:
        qs = qs.filter(opens_on__lte=open_on, closes_on__gte=open_on)
    day = today or timezone.localdate()
    if status == CallStatus.OPEN:
        qs = qs.filter(opens_on__lte=day, closes_on__gte=day)
    elif status == CallStatus.CLOSED:
        qs = qs.filter(closes_on__lt=day)
    elif status == CallStatus.UPCOMING:
        qs = qs.filter(opens_on__gt=day)
    elif status != "all":
        raise ValueError(f"unknown call status {status!r}")
    return qs.order_by("-opens_on", "slug")


def call_get(*, scope: Scope, slug: str) -> Call:
    """One call by slug; raises `Call.DoesNotExist`."""
    return call_list(scope=scope).get(slug=slug)


def call_ruleset(call: Call) -> RuleSet:
    """The call's current rule set, validated (it was validated when stored)."""
    if call.ruleset is None:
        raise Call.DoesNotExist(f"call {call.slug} has no rule set")
    return ruleset_from_dict(call.ruleset.data)


# --------------------------------------------------------------------------- projects

# Notes about how the input was built (Django side; translated at display time).
NOTE_DECLARED_SIZE = gettext_noop(
    "No usable yearly figures: size taken from the organisation type (%(size)s)."
)
NOTE_OTHER_AID_PRO_RATA = gettext_noop(
    "Aid from %(funder)s (%(amount_eur)s EUR) spread over the cost categories pro rata."
)


@dataclass(frozen=True)
class Note:
    """A remark on how a partner's input was built: English template + params."""

    template: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AidInput:
    """What `simulate` needs, plus display names and remarks per partner id."""

    project: ProjectInput
    sizes: dict[str, SmeResult]
    names: dict[str, str]
    notes: dict[str, tuple[Note, ...]] = field(default_factory=dict)
    organisation_ids: dict[str, int] = field(default_factory=dict)


def project_can_simulate(*, scope: Scope, project: Project) -> bool:
    """`project.simulate_aid` in the role table."""
    return project_can(scope=scope, action=Action.PROJECT_SIMULATE_AID, project=project)


def project_for_simulation(*, scope: Scope, pk: int) -> Project:
    """A project the user may simulate; raises `Project.DoesNotExist` otherwise (a 404)."""
    project = project_get(scope=scope, pk=pk)
    if not project_can_simulate(scope=scope, project=project):
        raise Project.DoesNotExist("not allowed to simulate this project")
    return project


def _participations(project: Project) -> list[Participation]:
    return list(
        Participation.objects.filter(project=project)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("id")),
            Prefetch(
                "funding_lines",
                queryset=FundingLine.objects.select_related("funder").order_by("funder_id"),
            ),
        )
        .order_by("id")
    )


def _ownership_around(org_ids: set[int]) -> list[Ownership]:
    """Ownership links within OWNERSHIP_HOPS of the partners: one query per hop."""
    seen: set[int] = set(org_ids)
    frontier: set[int] = set(org_ids)
    links: dict[int, Ownership] = {}
    for _hop in range(OWNERSHIP_HOPS):
        if not frontier:
            break
        rows = Ownership.objects.filter(Q(held_id__in=frontier) | Q(holder_id__in=frontier))
        new: set[int] = set()
        for row in rows:
            links[row.pk] = row
            for oid in (row.holder_id, row.held_id):
                if oid not in seen:
                    new.add(oid)
        seen |= new
        frontier = new
    return sorted(links.values(), key=lambda o: o.pk)


def _enterprises(
    org_ids: set[int], holdings: Iterable[Ownership]
) -> tuple[dict[str, Enterprise], list[Holding]]:
    """Domain enterprises (with yearly figures) and holdings for the organisations involved."""
    ids = set(org_ids)
    for o in holdings:
        ids.update((o.holder_id, o.held_id))
    figures: dict[int, list[EnterpriseFigures]] = defaultdict(list)
    for row in OrganisationFigures.objects.filter(organisation_id__in=ids).order_by(
        "organisation_id", "year"
    ):
        figures[row.organisation_id].append(
            EnterpriseFigures(row.year, row.staff_awu, row.turnover, row.balance_sheet)
        )
    orgs = Organisation.objects.filter(pk__in=ids).only("id", "founded_on", "is_jei")
    enterprises = {
        str(o.pk): Enterprise(
            str(o.pk), tuple(figures.get(o.pk, ())), founded=o.founded_on, jei=o.is_jei
        )
        for o in orgs
    }
    domain_holdings = [
        Holding(
            str(o.holder_id),
            str(o.held_id),
            o.capital_share / HUNDRED,
            o.voting_share / HUNDRED,
            HolderKind(o.holder_category),
            o.dominant_influence,
        )
        for o in holdings
    ]
    return enterprises, domain_holdings


def _spread(amount: Decimal, weights: dict[CostCategory, Decimal]) -> dict[CostCategory, Decimal]:
    """Split `amount` over categories pro rata to `weights` (to the cent, remainder last)."""
    total = sum(weights.values(), ZERO)
    if total <= 0:
        return {CostCategory.PERSONNEL: amount}
    out: dict[CostCategory, Decimal] = {}
    left = amount
    cats = [c for c in CostCategory if weights.get(c, ZERO) > 0]
    for c in cats[:-1]:
        share = (amount * weights[c] / total).quantize(Decimal("0.01"))
        out[c] = share
        left -= share
    out[cats[-1]] = left
    return out


def project_aid_input(
    *,
    scope: Scope,
    project: Project,
    funder_id: int | None = None,
    as_of: dt.date | None = None,
) -> AidInput:
    """The engine's input for a stored project, for a user allowed to simulate it.

    Aid already requested or granted by funders other than `funder_id` (the call's funder) is
    "other aid" for cumulation, spread over the partner's cost categories pro rata. SME sizes
    come from the yearly figures and the ownership links (`assess_smes`); a company without
    usable figures keeps the size its type implies. Raises `Project.DoesNotExist` for a user
    who may not simulate the project.
    """
    if not project_can_simulate(scope=scope, project=project):
        raise Project.DoesNotExist("not allowed to simulate this project")
    parts = _participations(project)
    accreditations = list(
        Accreditation.objects.filter(project=project)
        .select_related("cluster")
        .order_by("-is_lead", "accredited_on", "id")
    )
    org_ids = {p.organisation_id for p in parts}
    holdings = _ownership_around(org_ids)
    enterprises, domain_holdings = _enterprises(org_ids, holdings)

    company_ids = [str(p.organisation_id) for p in parts if p.organisation.kind in COMPANY_KINDS]
    sizes: dict[str, SmeResult] = {}
    for pid in company_ids:
        ent = enterprises.get(pid)
        if ent is None or not ent.figures:
            continue
        try:
            sizes.update(assess_smes([pid], enterprises, domain_holdings))
        except SmeInputError:
            continue

    names: dict[str, str] = {}
    notes: dict[str, tuple[Note, ...]] = {}
    organisation_ids: dict[str, int] = {}
    partners: list[PartnerInput] = []
    for p in parts:
        org = p.organisation
        pid = str(org.pk)
        names[pid] = org.short_name or org.name
        organisation_ids[pid] = org.pk
        partner_notes: list[Note] = []
        kind = partner_kind(org.kind)
        size, french = declared_size(org.kind)
        if kind is PartnerKind.COMPANY and pid not in sizes:
            partner_notes.append(Note(NOTE_DECLARED_SIZE, {"size": size.value}))
        costs = tuple(
            CostLine(
                CostCategory(b.cost_category),
                ResearchCategory(b.research_category),
                b.amount,
                id=f"line-{b.pk}",
            )
            for b in p.budget_lines.all()
        )
        weights: dict[CostCategory, Decimal] = defaultdict(lambda: ZERO)
        for c in costs:
            weights[c.category] += c.amount
        other: list[OtherAid] = []
        for fl in p.funding_lines.all():
            if funder_id is not None and fl.funder_id == funder_id:
                continue
            amount = fl.granted if fl.granted is not None else fl.requested
            if amount <= 0:
                continue
            funder_name = fl.funder.name
            for cat, part in _spread(amount, dict(weights)).items():
                if part > 0:
                    other.append(OtherAid(funder_name, cat, part))
            partner_notes.append(
                Note(NOTE_OTHER_AID_PRO_RATA, {"funder": funder_name, "amount_eur": amount})
            )
        partners.append(
            PartnerInput(
                id=pid,
                kind=kind,
                costs=costs,
                size=size,
                french_category=french,
                is_startup=org.kind == OrganisationKind.START_UP or org.is_jei,
                coordinator=p.role == ParticipantRole.COORDINATOR,
                country=org.country or "FR",
                in_paris=org.paris_arrondissement is not None,
                contract_research=p.role == ParticipantRole.SUBCONTRACTOR,
                requests_aid=p.role != ParticipantRole.SUBCONTRACTOR,
                other_aid=tuple(other),
            )
        )
        if partner_notes:
            notes[pid] = tuple(partner_notes)

    lead = next((a.cluster.slug for a in accreditations if a.is_lead), None)
    domain_project = ProjectInput(
        id=project.acronym,
        partners=tuple(partners),
        accreditations=tuple(a.cluster.slug for a in accreditations),
        lead_cluster=lead,
        as_of=as_of or project.start_date or timezone.localdate(),
    )
    for a in accreditations:
        names.setdefault(a.cluster.slug, a.cluster.short_name or a.cluster.name)
    return AidInput(domain_project, sizes, names, notes, organisation_ids)
