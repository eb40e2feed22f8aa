"""Funding reads: calls, and the adapter from a stored project to the rules engine's inputs.

`project_aid_input` loads one project with everything the engine needs (partners, budget lines,
organisation kinds and places, accreditations, other funders' aid, yearly figures and the
ownership links around the partners) in a fixed number of queries, whatever the consortium size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.scopes import field_in, reach_q
from grappe.funding.domain.common import ZERO, CostCategory, PartnerKind, ResearchCategory
from grappe.funding.domain.inputs import CostLine, OtherAid, PartnerInput, ProjectInput
from grappe.funding.domain.partners import declared_size, partner_kind
from grappe.funding.domain.rulesets import RuleSet, ruleset_from_dict
from grappe.funding.models import (
    Application,
    Call,
    CallStatus,
    Funder,
    ProposalTarget,
    RequestedAid,
)
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
)
from grappe.projects.selectors import PUBLIC_PROJECTS, project_can, project_get, project_list
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
    Cluster,
    Organisation,
    OrganisationFigures,
    OrganisationKind,
    Ownership,
)
from grappe.registry.models import DeclaredSize as OrgSizeClass

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


def target_call_choices(*, scope: Scope, today: dt.date | None = None) -> QuerySet[Call]:
    """The calls a proposal may target: those open or upcoming on `today` (not closed)."""
    day = today or timezone.localdate()
    return call_list(scope=scope).filter(closes_on__gte=day).order_by("closes_on", "slug")


def proposal_target_call(*, project: Project) -> Call | None:
    """The call the proposal targets, if its coordinator chose one (with funder and rule set).
    Confidential to the project's insiders: callers check who asks."""
    row = (
        ProposalTarget.objects.select_related("call__funder", "call__ruleset")
        .filter(project_id=project.pk)
        .first()
    )
    return row.call if row is not None else None


def checked_calls(*, scope: Scope, project: Project) -> tuple[list[Call], Call | None]:
    """The calls a proposal's live checks and aid simulation may run on — the open calls with a
    rule set, the target call first even when upcoming — and its target call (or None)."""
    calls = list(call_list(scope=scope, open_on=timezone.localdate()).filter(ruleset__isnull=False))
    target = proposal_target_call(project=project)
    if target is not None:
        calls = [target, *(c for c in calls if c.pk != target.pk)]
    return calls, target


# Programme officers manage their own funder's calls (`call.manage`; administrators any).
_CALL_MANAGE_LINKS = {Relation.OWN_FUNDER: field_in("funder_id")}


def calls_managed(*, scope: Scope) -> QuerySet[Call]:
    """The calls `scope` may set up (`call.manage`); none for everyone else."""
    return call_list(scope=scope).filter(reach_q(scope, Action.CALL_MANAGE, _CALL_MANAGE_LINKS))


def call_for_manage(*, scope: Scope, slug: str) -> Call:
    """A call `scope` may set up; raises `Call.DoesNotExist` otherwise (the page is a 404)."""
    return calls_managed(scope=scope).get(slug=slug)


def funders_managed(*, scope: Scope) -> QuerySet[Funder]:
    """The funders whose calls `scope` may create (`call.manage`)."""
    own = {Relation.OWN_FUNDER: field_in("pk")}
    return Funder.objects.filter(reach_q(scope, Action.CALL_MANAGE, own)).order_by("name_en")


def call_can_manage(*, scope: Scope, call: Call) -> bool:
    return scope.can(Action.CALL_MANAGE, Target.of(own_funder=[call.funder_id]))


def may_manage_calls(*, scope: Scope) -> bool:
    """Whether `scope` manages the calls of any funder (the manage pages; 403 otherwise)."""
    return not scope.reach(Action.CALL_MANAGE).nothing


# --------------------------------------------------------------------------- projects

# Notes about how the input was built (Django side; translated at display time).
NOTE_DECLARED_SIZE = gettext_noop(
    "No usable yearly figures: size taken from the organisation type (%(size)s)."
)
NOTE_UNKNOWN_SIZE = gettext_noop(
    "No usable yearly figures and no declared size: simulated as a %(size)s, the least "
    "favourable reading."
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
            unknown = org.kind == OrganisationKind.COMPANY
            note = NOTE_UNKNOWN_SIZE if unknown else NOTE_DECLARED_SIZE
            partner_notes.append(Note(note, {"size": size.value}))
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


# --------------------------------------------------------------------------- funder totals
# A funder's programme in figures, from its granted funding lines of public projects only (the
# same figures for every visitor: they are published on the funder page, the API and the home
# page). A project accredited by two clusters counts in both cluster rows.


def organisation_in_paris_q(prefix: str = "") -> Q:
    """Organisations located in Paris: an arrondissement, a 75 postcode in France, or the city."""
    return (
        Q(**{f"{prefix}paris_arrondissement__isnull": False})
        | Q(**{f"{prefix}country": "FR", f"{prefix}postcode__startswith": "75"})
        | Q(**{f"{prefix}city__iexact": "paris"})
    )


def organisation_start_up_q(prefix: str = "") -> Q:
    """Start-ups as public data tells them: the declared type, or the JEI status (CGI art. 44
    sexies-0 A), as the aid simulation reads them (`registry.domain.sme.startup_status` needs
    confidential figures and ownership, which public figures cannot use)."""
    return Q(**{f"{prefix}kind": OrganisationKind.START_UP}) | Q(**{f"{prefix}is_jei": True})


@dataclass(frozen=True)
class FigureRow:
    key: str  # a year, a cluster slug, an organisation kind or size class ("" when unknown)
    label: str
    granted: Decimal
    projects: int


@dataclass(frozen=True)
class FunderFigures:
    funder_id: int
    granted: Decimal
    lines: int
    projects: int
    first_year: int | None
    last_year: int | None
    start_ups: int
    start_ups_granted: Decimal
    paris_start_ups: int
    paris_start_ups_granted: Decimal
    by_year: tuple[FigureRow, ...] = ()
    by_cluster: tuple[FigureRow, ...] = ()
    by_kind: tuple[FigureRow, ...] = ()
    by_size: tuple[FigureRow, ...] = ()
    # Whether demo lines are counted: a page showing these figures carries the demo banner
    # (`grappe_ui.shown_records` reads `is_demo`).
    is_demo: bool = False

    @property
    def start_ups_share(self) -> Decimal | None:
        """The start-ups' share of the amount granted (0-1), None when nothing was granted."""
        return self.start_ups_granted / self.granted if self.granted else None

    @property
    def paris_start_ups_share(self) -> Decimal | None:
        return self.paris_start_ups_granted / self.granted if self.granted else None

    @property
    def start_ups_percent(self) -> Decimal:
        return (self.start_ups_share or ZERO) * 100

    @property
    def paris_start_ups_percent(self) -> Decimal:
        return (self.paris_start_ups_share or ZERO) * 100


def funder_granted_lines(*, scope: Scope, funder_id: int) -> QuerySet[FundingLine]:
    """The funder's granted lines on public projects (what its public figures sum)."""
    return FundingLine.objects.filter(
        funder_id=funder_id,
        granted__isnull=False,
        participation__project__in=project_list(scope=scope).filter(PUBLIC_PROJECTS),
    )


def _rows(qs: QuerySet[Any], field: str, labels: dict[Any, str]) -> list[FigureRow]:
    rows = (
        qs.values(field)
        .annotate(total=Sum("granted"), n=Count("participation__project", distinct=True))
        .order_by(field)
    )
    return [
        FigureRow(
            key="" if r[field] is None else str(r[field]),
            label=labels.get(r[field], str(r[field] or "")),
            granted=r["total"] or ZERO,
            projects=r["n"],
        )
        for r in rows
    ]


def funder_figures(*, scope: Scope, funder_id: int, breakdowns: bool = True) -> FunderFigures:
    """The funder's public figures: totals, by year, cluster, organisation kind and size, and
    the start-ups' and Parisian start-ups' part (a fixed number of queries: three without the
    `breakdowns`, which the home page does not show)."""
    lines = funder_granted_lines(scope=scope, funder_id=funder_id)
    total = lines.aggregate(
        granted=Sum("granted"),
        lines=Count("pk"),
        projects=Count("participation__project", distinct=True),
        first=Min("decided_on"),
        last=Max("decided_on"),
        demo=Count("pk", filter=Q(participation__project__is_demo=True)),
    )
    start_ups = lines.filter(organisation_start_up_q("participation__organisation__"))
    su = start_ups.aggregate(
        granted=Sum("granted"), n=Count("participation__organisation", distinct=True)
    )
    paris = start_ups.filter(organisation_in_paris_q("participation__organisation__")).aggregate(
        granted=Sum("granted"), n=Count("participation__organisation", distinct=True)
    )
    summary = FunderFigures(
        funder_id=funder_id,
        granted=total["granted"] or ZERO,
        lines=total["lines"],
        projects=total["projects"],
        first_year=total["first"].year if total["first"] else None,
        last_year=total["last"].year if total["last"] else None,
        start_ups=su["n"],
        start_ups_granted=su["granted"] or ZERO,
        paris_start_ups=paris["n"],
        paris_start_ups_granted=paris["granted"] or ZERO,
        is_demo=total["demo"] > 0,
    )
    if not breakdowns:
        return summary
    years = _rows(lines.annotate(year=ExtractYear("decided_on")), "year", {})
    clusters = dict(Cluster.objects.values_list("slug", "name"))
    by_cluster = _rows(
        lines.annotate(cluster=F("participation__project__accreditations__cluster__slug")),
        "cluster",
        {None: gettext("No cluster"), **clusters},
    )
    by_cluster.sort(key=lambda r: (r.key == "", -r.granted, r.label))
    kinds = {k: str(label) for k, label in OrganisationKind.choices}
    by_kind = _rows(lines, "participation__organisation__kind", kinds)
    by_kind.sort(key=lambda r: -r.granted)
    sizes = {k: str(label) for k, label in OrgSizeClass.choices}
    sizes[""] = gettext("Size not declared")
    by_size = _rows(lines, "participation__organisation__size_class", sizes)
    by_size.sort(key=lambda r: -r.granted)
    return dataclasses.replace(
        summary,
        by_year=tuple(years),
        by_cluster=tuple(by_cluster),
        by_kind=tuple(by_kind),
        by_size=tuple(by_size),
    )


def funder_get(*, scope: Scope, slug: str) -> Funder:
    """One funder by slug (funders are public); raises `Funder.DoesNotExist`."""
    return Funder.objects.get(slug=slug)


def funder_projects(*, scope: Scope, funder_id: int) -> QuerySet[Project]:
    """The public projects the funder granted aid to, with the amount it granted each
    (`funder_granted`), in the project list's default order."""
    granted = (
        FundingLine.objects.filter(
            participation__project=OuterRef("pk"), funder_id=funder_id, granted__isnull=False
        )
        .order_by()
        .values("funder_id")
        .annotate(total=Sum("granted"))
        .values("total")
    )
    return (
        project_list(scope=scope)
        .filter(PUBLIC_PROJECTS)
        # An uncorrelated IN, not EXISTS(... project = outer.pk): SQLite runs a correlated
        # EXISTS once per public project, each time walking all the funder's lines through
        # the funder_id index (24,848 projects x 443 lines on the shared CORDIS/ANR data: 6 s).
        .filter(
            pk__in=FundingLine.objects.filter(funder_id=funder_id, granted__isnull=False).values(
                "participation__project_id"
            )
        )
        .annotate(funder_granted=Subquery(granted))
    )


# --------------------------------------------------------------------------- applications
# Applications are never public: the project's partners and the officers of the call's funder
# see them (`application.view`); the officers list and screen them (`application.screen`).
# Anything else is a 404.

_APPLICATION_LINKS = {
    Relation.PARTNER: lambda ids: Exists(
        Participation.objects.filter(project_id=OuterRef("project_id"), organisation_id__in=ids)
    ),
    Relation.OWN_FUNDER: field_in("call__funder_id"),
}


def application_list(*, scope: Scope) -> QuerySet[Application]:
    """The applications `scope` may see (`application.view`)."""
    return (
        Application.objects.select_related("call__funder", "project")
        .filter(reach_q(scope, Action.APPLICATION_VIEW, _APPLICATION_LINKS))
        .order_by("-id")
    )


def application_get(*, scope: Scope, pk: int) -> Application:
    """One application `scope` may see; raises `Application.DoesNotExist` otherwise (a 404)."""
    return application_list(scope=scope).get(pk=pk)


def application_can_screen(*, scope: Scope, application: Application) -> bool:
    return scope.can(Action.APPLICATION_SCREEN, Target.of(own_funder=[application.call.funder_id]))


def call_for_screening(*, scope: Scope, slug: str) -> Call:
    """A call whose applications `scope` screens; raises `Call.DoesNotExist` otherwise."""
    links = {Relation.OWN_FUNDER: field_in("funder_id")}
    return (
        call_list(scope=scope)
        .filter(reach_q(scope, Action.APPLICATION_SCREEN, links))
        .get(slug=slug)
    )


def call_for_screening_exists(*, scope: Scope, call: Call) -> bool:
    return scope.can(Action.APPLICATION_SCREEN, Target.of(own_funder=[call.funder_id]))


def call_applications(*, scope: Scope, call: Call) -> QuerySet[Application]:
    """The applications to `call` its screening officer lists (drafts are the consortium's:
    not listed), with the number of partners and of failed verdicts not overridden."""
    links = {Relation.OWN_FUNDER: field_in("call__funder_id")}
    return (
        Application.objects.filter(call=call)
        .exclude(status="draft")
        .filter(reach_q(scope, Action.APPLICATION_SCREEN, links))
        .select_related("call__funder", "project")
        .annotate(
            failed_verdicts=Count(
                "verdicts",
                filter=~Q(verdicts__status="passed") & Q(verdicts__override_justification=""),
                distinct=True,
            ),
            requested_sum=Subquery(
                RequestedAid.objects.filter(application=OuterRef("pk"))
                .order_by()
                .values("application")
                .annotate(total=Sum("amount"))
                .values("total")
            ),
        )
    )


def applications_of_project(*, scope: Scope, project: Project) -> QuerySet[Application]:
    return application_list(scope=scope).filter(project=project).order_by("-id")


def coordinated_projects(*, scope: Scope) -> QuerySet[Project]:
    """The accredited projects the user's organisations coordinate (who may apply)."""
    if not scope.organisation_ids:
        return Project.objects.none()
    return (
        project_list(scope=scope)
        .filter(
            participations__organisation_id__in=sorted(scope.organisation_ids),
            participations__role=ParticipantRole.COORDINATOR,
        )
        .filter(Exists(Accreditation.objects.filter(project_id=OuterRef("pk"))))
        .distinct()
        .order_by("acronym", "id")
    )
