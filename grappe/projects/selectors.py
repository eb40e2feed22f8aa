"""Project reads, scoped by the requesting user.

Accredited, funded and completed projects are public. Proposals (draft, submitted, not
accredited, withdrawn) are seen by their consortium's members, managers of the clusters that
accredited them, programme officers of funders involved, and administrators. Budget lines are
confidential to the same insiders even on public projects. Who sees what is the role table's
(`grappe.core.domain.roles`); this module says how each relation is found in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils.translation import get_language

from grappe.core.compiled import compiled_tuples, compiled_values
from grappe.core.domain.roles import Action, Relation
from grappe.core.domain.scope import Scope
from grappe.core.models import Transition
from grappe.core.scopes import RelationQ, reach_exists, reach_q
from grappe.core.search import RELEVANCE, SearchCount
from grappe.projects.domain.workflow import ProjectFacts, ProjectRelations
from grappe.projects.models import (
    PUBLIC_STATUSES,
    Accreditation,
    BudgetLine,
    ClusterSubmission,
    FundingLine,
    InvitationStatus,
    ParticipantRole,
    Participation,
    PartnerInvitation,
    Project,
    ProposalDocument,
    ProposalMessage,
)
from grappe.projects.search import PROJECTS
from grappe.registry.models import Cluster, Organisation
from grappe.registry.selectors import organisation_search

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
    Relation.SUBMITTED_TO_CLUSTER: lambda ids: Exists(
        ClusterSubmission.objects.filter(
            project=OuterRef("pk"), cluster_id__in=ids, withdrawn_at__isnull=True
        )
    ),
}
PUBLIC_PROJECTS = Q(status__in=PUBLIC_STATUSES)


def project_reach_q(*, scope: Scope, action: Action) -> Q:
    """The projects `scope` may do `action` to, as a filter."""
    return reach_q(scope, action, PROJECT_RELATIONS, public=PUBLIC_PROJECTS)


def project_can(*, scope: Scope, action: Action, project: Project) -> bool:
    """May `scope` do `action` to `project` (one query at most)?"""
    return reach_exists(
        scope,
        action,
        lambda: Project.objects.filter(pk=project.pk),
        PROJECT_RELATIONS,
        PUBLIC_PROJECTS,
    )


def project_visible(*, scope: Scope) -> QuerySet[Project]:
    """Every project the user may see at all."""
    return Project.objects.filter(project_reach_q(scope=scope, action=Action.PROJECT_VIEW))


def project_list(*, scope: Scope) -> QuerySet[Project]:
    """Every project the user may see, newest start first (undated last), in the list's default
    order. `projects.filters.ProjectFilterSet` narrows and sorts it."""
    return project_visible(scope=scope).order_by("-start_date", "acronym", "id")


# The relevance order of a search (`grappe.core.search`): exact grant number, exact acronym or
# title, text rank, activity (partners), then the acronym.
PROJECT_RELEVANCE = (*RELEVANCE, "acronym", "id")


def project_matching(qs: QuerySet[Project], q: str) -> QuerySet[Project]:
    """The projects of `qs` that match the search `q` (accents, case and punctuation ignored:
    acronym, title, summary, objective, keywords, topics, call, grant number), annotated with
    the relevance keys; the page's `q`, the API's `q` and the search page narrow through here.
    `qs` is a scoped selector's: a proposal stays hidden from those who may not see it."""
    return PROJECTS.ranked(qs, q)


def project_accredited_by_q(cluster: Cluster) -> Exists:
    return Exists(Accreditation.objects.filter(project=OuterRef("pk"), cluster=cluster))


def project_with_partner_q(organisation_id: int) -> Exists:
    return Exists(
        Participation.objects.filter(project=OuterRef("pk"), organisation_id=organisation_id)
    )


def project_with_partner_in_paris_q() -> Exists:
    return Exists(Participation.objects.filter(project=OuterRef("pk"), organisation__in_paris=True))


def project_search(*, scope: Scope, q: str) -> QuerySet[Project]:
    """Visible projects matching a search term, most relevant first (`PROJECT_RELEVANCE`)."""
    return project_matching(project_list(scope=scope), q).order_by(*PROJECT_RELEVANCE)


def project_search_preview(*, scope: Scope, q: str) -> tuple[QuerySet[Project], SearchCount]:
    """For a page showing the first projects of `project_search` (the search page): those in
    the same order, ranked over a bounded set of candidates taken from the visible projects only
    (a draft is never a candidate for an outsider), and how many match — exact up to
    `core.search.COUNT_CAP`, else "more than" (`core.search.SearchIndex.preview`)."""
    rows, count = PROJECTS.preview(project_list(scope=scope), q)
    return rows.order_by(*PROJECT_RELEVANCE), count


def project_suggestion(*, scope: Scope, q: str) -> str | None:
    """A corrected query when `q` finds no project the user may see, checked against those
    projects (a draft's words are never suggested to an outsider)."""
    return PROJECTS.suggestion(project_list(scope=scope), q)


def organisation_projects(*, scope: Scope, organisation_id: int) -> QuerySet[Project]:
    """Visible projects the organisation takes part in, in the list's default order."""
    return project_list(scope=scope).filter(project_with_partner_q(organisation_id))


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
        .select_related("funder")
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
    """Whether the user may see the project's confidential parts (proposals, requested aid,
    budget lines): the role table's answer, asked once per project object and scope (kept on
    the object). No query when the table alone answers (the public, an administrator)."""
    cached = getattr(project, "_grappe_insider", None)
    if cached is not None and cached[0] == scope:
        return bool(cached[1])
    insider = project_can(scope=scope, action=Action.PROJECT_VIEW_CONFIDENTIAL, project=project)
    project._grappe_insider = (scope, insider)  # type: ignore[attr-defined]
    return insider


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
    insider = project_is_insider(scope=scope, project=project)
    return _funding_lines(project.pk, insider=insider, public=project.is_public)


def _funding_lines(project_id: int, *, insider: bool, public: bool) -> QuerySet[FundingLine]:
    qs = FundingLine.objects.filter(participation__project_id=project_id).select_related(
        "participation__organisation", "funder"
    )
    if insider:
        return qs
    return qs.filter(granted__isnull=False) if public else qs.none()


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


@dataclass(frozen=True)
class ParticipationMoney:
    """An organisation's published money in one project (CORDIS: per participant)."""

    project_id: int
    acronym: str
    title: str
    is_demo: bool
    role: str
    eu_contribution: Decimal | None
    net_eu_contribution: Decimal | None
    total_cost: Decimal | None


@dataclass(frozen=True)
class OrganisationMoney:
    rows: list[ParticipationMoney]  # the newest `limit` projects
    count: int  # every project with published money
    eu_contribution: Decimal
    net_eu_contribution: Decimal
    total_cost: Decimal


def organisation_participation_money(
    *, scope: Scope, organisation_id: int, limit: int = 50
) -> OrganisationMoney:
    """The published per-participant money of the organisation in the projects the user may
    see (imported projects are public: a funded CORDIS project's figures are published data):
    the newest `limit` projects, and totals over all of them. Two queries."""
    participations = Participation.objects.filter(
        organisation_id=organisation_id,
        project__in=project_visible(scope=scope),
    ).filter(
        Q(eu_contribution__isnull=False)
        | Q(net_eu_contribution__isnull=False)
        | Q(total_cost__isnull=False)
    )
    zero = Decimal("0")
    totals = participations.aggregate(
        count=Count("pk"),
        eu=Sum("eu_contribution"),
        net=Sum("net_eu_contribution"),
        total=Sum("total_cost"),
    )
    rows = participations.order_by(
        "-project__start_date", "project__acronym", "project_id"
    ).values_list(
        "project_id",
        "project__acronym",
        "project__title",
        "project__is_demo",
        "role",
        "eu_contribution",
        "net_eu_contribution",
        "total_cost",
    )[:limit]
    return OrganisationMoney(
        rows=[ParticipationMoney(*row) for row in rows],
        count=totals["count"],
        eu_contribution=totals["eu"] or zero,
        net_eu_contribution=totals["net"] or zero,
        total_cost=totals["total"] or zero,
    )


def cluster_projects(*, scope: Scope, cluster: Cluster) -> QuerySet[Project]:
    """Projects the cluster accredited that the user may see."""
    return project_list(scope=scope).filter(project_accredited_by_q(cluster))


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


# --- the project workflow ---------------------------------------------------------------------


def project_relations(project: Project, *, reuse: bool = False) -> ProjectRelations:
    """Who is attached to the project (organisations by role, clusters, funders), as ids.

    With `reuse`, the answer of an earlier `reuse` call on the same object (kept on it): for
    the reads of one page, whose sections each ask (four queries a time). A service deciding
    a write asks afresh."""
    if reuse:
        kept = getattr(project, "_grappe_relations", None)
        if kept is None:
            kept = project._grappe_relations = project_relations(project)  # type: ignore[attr-defined]
        return cast(ProjectRelations, kept)
    coordinators: set[int] = set()
    partners: set[int] = set()
    for organisation_id, role in Participation.objects.filter(project=project).values_list(
        "organisation_id", "role"
    ):
        (coordinators if role == ParticipantRole.COORDINATOR else partners).add(organisation_id)
    return ProjectRelations(
        coordinator_organisation_ids=frozenset(coordinators),
        partner_organisation_ids=frozenset(partners),
        # Accrediting clusters and those with a live submission (their managers see it).
        cluster_ids=frozenset(
            Accreditation.objects.filter(project=project).values_list("cluster_id", flat=True)
        )
        | frozenset(project_live_submissions(project).values_list("cluster_id", flat=True)),
        funder_ids=frozenset(
            FundingLine.objects.filter(participation__project=project).values_list(
                "funder_id", flat=True
            )
        ),
    )


def project_workflow_facts(project: Project) -> ProjectFacts:
    """What the workflow's guards look at."""
    participations = Participation.objects.filter(project=project)
    return ProjectFacts(
        has_coordinator=participations.filter(role=ParticipantRole.COORDINATOR).exists(),
        partner_count=participations.count(),
        accreditation_count=Accreditation.objects.filter(project=project).count(),
        granted_aid_lines=FundingLine.objects.filter(
            participation__project=project, granted__isnull=False
        ).count(),
    )


def project_transition_history(*, scope: Scope, project: Project) -> QuerySet[Transition]:
    """The project's state changes, oldest first; only insiders see them."""
    if not project_is_insider(scope=scope, project=project):
        return Transition.objects.none()
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Project), object_id=project.pk
    ).select_related("actor")


# --- rows for the API: only the columns it answers, as dicts (no model objects) -----------------


def project_coordinator_rows(project_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The coordinator (`{"id", "name"}`) of each project, by project id (one query; none for
    no project). The consortium of a visible project is public."""
    if not project_ids:
        return {}
    _names, rows = compiled_tuples(  # compiled once per number of ids (`core/compiled.py`)
        "projects.coordinator_rows",
        Participation,
        lambda *ids: Participation.objects.filter(
            project_id__in=ids, role=ParticipantRole.COORDINATOR
        ).values_list("project_id", "organisation_id", "organisation__name"),
        list(project_ids),
    )
    coordinators: dict[int, dict[str, Any]] = {}
    for project_id, organisation_id, name in rows:
        coordinators.setdefault(project_id, {"id": organisation_id, "name": name})
    return coordinators


def project_cluster_rows(project_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The accrediting clusters (`{"slug", "name"}`) of each project, lead cluster first, by
    project id (one query; none for no project)."""
    if not project_ids:
        return {}
    _names, rows = compiled_tuples(  # compiled once per number of ids (`core/compiled.py`)
        "projects.cluster_rows",
        Accreditation,
        lambda *ids: (
            Accreditation.objects.filter(project_id__in=ids)
            .order_by("project_id", "-is_lead", "accredited_on", "id")
            .values_list("project_id", "cluster__slug", "cluster__name")
        ),
        list(project_ids),
    )
    clusters: dict[int, list[dict[str, Any]]] = {}
    for project_id, slug, name in rows:
        clusters.setdefault(project_id, []).append({"slug": slug, "name": name})
    return clusters


def project_consortium(*, scope: Scope, project: Project) -> QuerySet[Participation]:
    """The consortium of a visible project, coordinator first, then partners, then
    subcontractors (as `project_get` prefetches it)."""
    return _consortium(project.pk)


def _consortium(project_id: int) -> QuerySet[Participation]:
    return Participation.objects.filter(project_id=project_id).order_by(
        COORDINATOR_FIRST, "display_order", "id"
    )


def project_accreditations(*, scope: Scope, project: Project) -> QuerySet[Accreditation]:
    """The accreditations of a visible project, lead cluster first."""
    return _accreditations(project.pk)


def _accreditations(project_id: int) -> QuerySet[Accreditation]:
    return Accreditation.objects.filter(project_id=project_id).order_by(
        "-is_lead", "accredited_on", "id"
    )


# --- the API's project detail: statements compiled once, re-run with the id (core/compiled.py) --


def project_detail(*, scope: Scope, pk: int, fields: Sequence[str]) -> Project:
    """One project the user may see (`project_visible`), holding only `fields` (the rest
    deferred) and its funder (slug and names); raises `Project.DoesNotExist` for a project
    that does not exist or that the user may not see."""
    wanted = {"id", "funder_id", *fields}
    columns = tuple(f.attname for f in Project._meta.concrete_fields if f.attname in wanted)
    funder_columns = ("funder__slug", "funder__name_en", "funder__name_fr")
    _names, rows = compiled_tuples(
        ("projects.project_detail", scope, columns),
        Project,
        lambda id_: (
            project_visible(scope=scope).filter(pk=id_).values_list(*columns, *funder_columns)
        ),
        [pk],
    )
    if not rows:
        raise Project.DoesNotExist(f"no visible project {pk}")
    row = rows[0]
    db = router.db_for_read(Project)
    project = Project.from_db(db, list(columns), row[: len(columns)])
    funder_field = Project._meta.get_field("funder")
    if project.funder_id is not None:
        slug, name_en, name_fr = row[len(columns) :]
        funder = funder_field.related_model.from_db(  # type: ignore[union-attr]
            db,
            ["id", "slug", "name_en", "name_fr"],
            [project.funder_id, slug, name_en, name_fr],
        )
    else:
        funder = None
    funder_field.set_cached_value(project, funder)
    return project


def project_consortium_rows(
    *, scope: Scope, project: Project, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """`project_consortium` as dicts of `columns`."""
    return compiled_values(
        ("projects.consortium", tuple(columns)),
        Participation,
        lambda id_: _consortium(id_).values(*columns),
        [project.pk],
    )


def project_accreditation_rows(
    *, scope: Scope, project: Project, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """`project_accreditations` as dicts of `columns`."""
    return compiled_values(
        ("projects.accreditations", tuple(columns)),
        Accreditation,
        lambda id_: _accreditations(id_).values(*columns),
        [project.pk],
    )


def project_funding_line_rows(
    *, scope: Scope, project: Project, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """`project_funding_lines` as dicts of `columns`, by funder then line (the public sees
    granted aid of public projects only; insiders what was requested too)."""
    insider = project_is_insider(scope=scope, project=project)
    public = project.is_public
    return compiled_values(
        ("projects.funding_lines", insider, public, tuple(columns)),
        FundingLine,
        lambda id_: (
            _funding_lines(id_, insider=insider, public=public)
            .order_by("funder", "id")
            .values(*columns)
        ),
        [project.pk],
    )


# --- submissions for accreditation -------------------------------------------------------------


def project_live_submissions(project: Project) -> QuerySet[ClusterSubmission]:
    """The project's submissions not withdrawn, lead cluster first (no scope: callers have
    already checked that the project is visible)."""
    return (
        ClusterSubmission.objects.filter(project=project, withdrawn_at__isnull=True)
        .select_related("cluster")
        .order_by("-is_lead", "submitted_at", "id")
    )


def project_submissions(*, scope: Scope, project: Project) -> QuerySet[ClusterSubmission]:
    """Every submission of the project (withdrawn ones too), lead first; insiders only."""
    if not project_is_insider(scope=scope, project=project):
        return ClusterSubmission.objects.none()
    return (
        ClusterSubmission.objects.filter(project=project)
        .select_related("cluster", "submitted_by")
        .order_by("withdrawn_at", "-is_lead", "submitted_at", "id")
    )


def submission_get(*, scope: Scope, pk: int) -> ClusterSubmission:
    """One submission of a project the user may see confidentially; `DoesNotExist` else."""
    submission = ClusterSubmission.objects.select_related("project", "cluster").get(pk=pk)
    if not project_is_insider(scope=scope, project=submission.project):
        raise ClusterSubmission.DoesNotExist
    return submission


# --- proposals built by their partners -----------------------------------------------------------
# Who sees what on a draft: its consortium (every partner's members) sees the common description,
# the consortium, every partner's budget lines and the invitations; each organisation's yearly
# figures stay its own (`organisation.view_confidential`). Outsiders see nothing (404).


def proposal_invitations(*, scope: Scope, project: Project) -> QuerySet[PartnerInvitation]:
    """The invitations of a project, newest first; only its insiders see them."""
    if not project_is_insider(scope=scope, project=project):
        return PartnerInvitation.objects.none()
    return (
        PartnerInvitation.objects.filter(project=project)
        .select_related("organisation", "invited_by")
        .order_by("-created_at", "-id")
    )


def invitations_pending_for(*, scope: Scope) -> QuerySet[PartnerInvitation]:
    """Pending invitations to the organisations the user acts for (their own ones: an
    administrator's area does not list every invitation of the platform)."""
    return (
        PartnerInvitation.objects.filter(
            status=InvitationStatus.PENDING, organisation_id__in=sorted(scope.organisation_ids)
        )
        .select_related("organisation", "project", "invited_by")
        .order_by("-created_at", "-id")
    )


def invitation_get(*, scope: Scope, pk: int) -> PartnerInvitation:
    """One invitation the user may know of: to an organisation they act for, or on a project
    they are inside of. Raises `PartnerInvitation.DoesNotExist` otherwise."""
    invitation = PartnerInvitation.objects.select_related("project", "organisation").get(pk=pk)
    if invitation.organisation_id in scope.organisation_ids or scope.is_staff_wide:
        return invitation
    if project_is_insider(scope=scope, project=invitation.project):
        return invitation
    raise PartnerInvitation.DoesNotExist


def my_proposals(*, scope: Scope) -> QuerySet[Project]:
    """The projects the organisations the user acts for take part in, by status then acronym,
    with each one's role of theirs (`my_role`)."""
    ids = sorted(scope.organisation_ids)
    return (
        project_visible(scope=scope)
        .filter(
            Exists(Participation.objects.filter(project=OuterRef("pk"), organisation_id__in=ids))
        )
        .annotate(
            is_coordinated=Exists(
                Participation.objects.filter(
                    project=OuterRef("pk"),
                    organisation_id__in=ids,
                    role=ParticipantRole.COORDINATOR,
                )
            )
        )
        .order_by("status", "acronym", "id")
    )


def my_participations(*, scope: Scope, project: Project) -> list[Participation]:
    """The user's organisations' places in the project (the budgets they may enter)."""
    return list(
        Participation.objects.filter(
            project=project, organisation_id__in=sorted(scope.organisation_ids)
        ).select_related("organisation", "project")
    )


def organisations_to_invite(*, scope: Scope, q: str, limit: int = 10) -> list[Organisation]:
    """Registry organisations matching `q` (the registry's own search: names, acronyms,
    identifiers), most relevant first; the registry is public."""
    if len(q.strip()) < 2:
        return []
    return list(organisation_search(scope=scope, q=q.strip())[:limit])


def organisations_acted_for(*, scope: Scope) -> list[Organisation]:
    """The organisations the user acts for (a member's own; none for roles without one)."""
    return list(Organisation.objects.filter(pk__in=sorted(scope.organisation_ids)).order_by("name"))


def proposal_documents(*, scope: Scope, project: Project) -> QuerySet[ProposalDocument]:
    """The project's documents (without their content), newest first; only insiders see them."""
    if not project_is_insider(scope=scope, project=project):
        return ProposalDocument.objects.none()
    return (
        ProposalDocument.objects.filter(project=project)
        .defer("content")
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def proposal_document_get(*, scope: Scope, project: Project, pk: int) -> ProposalDocument:
    """One document with its content, for an insider; `ProposalDocument.DoesNotExist` else."""
    if not project_is_insider(scope=scope, project=project):
        raise ProposalDocument.DoesNotExist
    return ProposalDocument.objects.get(project=project, pk=pk)


def proposal_messages(*, scope: Scope, project: Project) -> QuerySet[ProposalMessage]:
    """The discussion thread, oldest first; only insiders see it."""
    if not project_is_insider(scope=scope, project=project):
        return ProposalMessage.objects.none()
    return (
        ProposalMessage.objects.filter(project=project)
        .select_related("author")
        .order_by("created_at", "id")
    )
