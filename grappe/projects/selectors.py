"""Project reads, scoped by the requesting user.

Accredited, funded and completed projects are public. Proposals (draft, submitted, not
accredited, withdrawn) are seen by their consortium's members, managers of the clusters that
accredited them, programme officers of funders involved, and administrators. Budget lines are
confidential to the same insiders even on public projects. Who sees what is the role table's
(`grappe.core.domain.roles`); this module says how each relation is found in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear
from django.utils.translation import get_language

from grappe.core.domain.roles import Action, Relation
from grappe.core.domain.scope import Scope
from grappe.core.scopes import RelationQ, reach_exists, reach_q
from grappe.projects.models import (
    PUBLIC_STATUSES,
    Accreditation,
    BudgetLine,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
)
from grappe.registry.models import Cluster

# How each relation of the role table is found for a project; who holds which is the table's.
PROJECT_RELATIONS: dict[Relation, RelationQ] = {
    Relation.PARTNER: lambda ids: Exists(
        Participation.objects.filter(project=OuterRef("pk"), organisation_id__in=ids)
    ),
    Relation.ACCREDITED_BY_CLUSTER: lambda ids: Exists(
        Accreditation.objects.filter(project=OuterRef("pk"), cluster_id__in=ids)
    ),
    Relation.FUNDED_BY_FUNDER: lambda ids: Exists(
        FundingLine.objects.filter(participation__project=OuterRef("pk"), funder_id__in=ids)
    ),
}
PUBLIC_PROJECTS = Q(status__in=PUBLIC_STATUSES)


def project_reach_q(*, scope: Scope, action: Action) -> Q:
    """The projects `scope` may do `action` to, as a filter."""
    return reach_q(scope, action, PROJECT_RELATIONS, public=PUBLIC_PROJECTS)


def project_can(*, scope: Scope, action: Action, project: Project) -> bool:
    """May `scope` do `action` to `project` (one query at most)?"""
    return reach_exists(
        scope, action, Project.objects.filter(pk=project.pk), PROJECT_RELATIONS, PUBLIC_PROJECTS
    )


def project_visible(*, scope: Scope) -> QuerySet[Project]:
    """Every project the user may see at all."""
    return Project.objects.filter(project_reach_q(scope=scope, action=Action.PROJECT_VIEW))


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    cluster: str = ""  # slug of an accrediting cluster
    status: str = ""
    year: int | None = None  # start year
    organisation: int | None = None
    paris_only: bool = False  # at least one partner in Paris


def project_list(*, scope: Scope, filters: ProjectFilters | None = None) -> QuerySet[Project]:
    f = filters or ProjectFilters()
    qs = project_visible(scope=scope)
    if f.q:
        term = f.q.strip()
        qs = qs.filter(
            Q(acronym__icontains=term) | Q(title__icontains=term) | Q(keywords__icontains=term)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.year:
        qs = qs.filter(start_date__year=f.year)
    if f.cluster:
        qs = qs.filter(
            Exists(Accreditation.objects.filter(project=OuterRef("pk"), cluster__slug=f.cluster))
        )
    if f.organisation:
        qs = qs.filter(
            Exists(
                Participation.objects.filter(project=OuterRef("pk"), organisation_id=f.organisation)
            )
        )
    if f.paris_only:
        qs = qs.filter(
            Exists(
                Participation.objects.filter(
                    project=OuterRef("pk"), organisation__paris_arrondissement__isnull=False
                )
            )
        )
    return qs.order_by("-start_date", "acronym", "id")


# The coordinator leads the consortium list, then partners, then subcontractors.
COORDINATOR_FIRST = Case(
    When(role=ParticipantRole.COORDINATOR, then=Value(0)),
    When(role=ParticipantRole.PARTNER, then=Value(1)),
    default=Value(2),
)


def project_get(*, scope: Scope, pk: int) -> Project:
    """One visible project with its consortium and accreditations; raises `Project.DoesNotExist`."""
    return (
        project_visible(scope=scope)
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organisation").order_by(
                    COORDINATOR_FIRST, "display_order", "id"
                ),
            ),
            Prefetch(
                "accreditations",
                queryset=Accreditation.objects.select_related("cluster").order_by(
                    "-is_lead", "accredited_on", "id"
                ),
            ),
        )
        .get(pk=pk)
    )


def project_is_insider(*, scope: Scope, project: Project) -> bool:
    """May the user see the project's confidential parts (budget lines, requested aid)?"""
    return project_can(scope=scope, action=Action.PROJECT_VIEW_CONFIDENTIAL, project=project)


def project_budget_lines(*, scope: Scope, project: Project) -> QuerySet[BudgetLine]:
    """Budget lines of the project's partners; empty for users outside the project."""
    if not project_is_insider(scope=scope, project=project):
        return BudgetLine.objects.none()
    return BudgetLine.objects.filter(participation__project=project).select_related(
        "participation__organisation"
    )


def project_funding_lines(*, scope: Scope, project: Project) -> QuerySet[FundingLine]:
    """Aid per partner and funder. The public sees granted aid of public projects; insiders also
    see what was requested."""
    qs = FundingLine.objects.filter(participation__project=project).select_related(
        "participation__organisation", "funder"
    )
    if project_is_insider(scope=scope, project=project):
        return qs
    return qs.filter(granted__isnull=False) if project.is_public else qs.none()


@dataclass(frozen=True)
class FundingTotal:
    funder: str
    year: int
    granted: Decimal


def cluster_funding_totals(*, scope: Scope, cluster: Cluster) -> list[FundingTotal]:
    """Aid granted to public projects the cluster accredited, per funder and decision year."""
    rows = (
        FundingLine.objects.filter(
            granted__isnull=False,
            participation__project__status__in=PUBLIC_STATUSES,
            participation__project__accreditations__cluster=cluster,
        )
        .annotate(year=ExtractYear("decided_on"))
        .values("funder__name_en", "funder__name_fr", "year")
        .annotate(total=Sum("granted"))
        .order_by("year", "funder__name_en")
    )
    fr = (get_language() or "en").startswith("fr")
    return [
        FundingTotal(
            funder=r["funder__name_fr"] if fr else r["funder__name_en"],
            year=r["year"],
            granted=r["total"] or Decimal("0"),
        )
        for r in rows
    ]


def cluster_projects(*, scope: Scope, cluster: Cluster) -> QuerySet[Project]:
    """Projects the cluster accredited that the user may see."""
    return project_list(scope=scope, filters=ProjectFilters(cluster=cluster.slug))


def projects_with_listing_details(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Prefetch what a project list shows (two queries whatever the page size):
    `ordered_accreditations` (lead cluster first) and `coordinators`."""
    return queryset.prefetch_related(
        Prefetch(
            "accreditations",
            queryset=Accreditation.objects.select_related("cluster").order_by(
                "-is_lead", "accredited_on", "id"
            ),
            to_attr="ordered_accreditations",
        ),
        Prefetch(
            "participations",
            queryset=Participation.objects.filter(role=ParticipantRole.COORDINATOR).select_related(
                "organisation"
            ),
            to_attr="coordinators",
        ),
    )
