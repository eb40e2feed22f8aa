"""Registry reads, scoped by the requesting user (`Scope`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from grappe.core.domain.scope import Scope
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationFigures,
    Ownership,
)


def current_membership_q(prefix: str = "", today: dt.date | None = None) -> Q:
    """A membership running today; `prefix` reaches it through a relation ("memberships__").

    Use it inside ONE filter() call: across a multi-valued relation, chained filters may match
    the start on one membership row and the end on another.
    """
    day = today or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def cluster_list(*, scope: Scope) -> QuerySet[Cluster]:
    """All clusters and hubs (public), with their themes and current member count."""
    active = current_membership_q("memberships__")
    return (
        Cluster.objects.prefetch_related("themes")
        .annotate(member_count=Count("memberships", filter=active, distinct=True))
        .order_by("kind", "display_order", "name")
    )


def cluster_get(*, scope: Scope, slug: str) -> Cluster:
    """One cluster by slug; raises `Cluster.DoesNotExist`."""
    return cluster_list(scope=scope).get(slug=slug)


def organisation_list(*, scope: Scope) -> QuerySet[Organisation]:
    """Every organisation the user may list (all are public; figures need `organisation_figures`),
    in the list's default order. `registry.filters.OrganisationFilterSet` narrows and sorts it."""
    return Organisation.objects.order_by("name", "id")


def organisation_text_q(term: str) -> Q:
    """Organisations whose name, short name, keywords or city contain `term`."""
    term = term.strip()
    return (
        Q(name__icontains=term)
        | Q(short_name__icontains=term)
        | Q(keywords__icontains=term)
        | Q(city__icontains=term)
    )


def organisation_current_member_of_q(cluster: Cluster) -> Exists:
    """Organisations with a membership of `cluster` running today."""
    return Exists(
        ClusterMembership.objects.filter(
            current_membership_q(), organisation=OuterRef("pk"), cluster=cluster
        )
    )


def organisation_search(*, scope: Scope, q: str) -> QuerySet[Organisation]:
    """Organisations matching a search term, in the list's default order."""
    return organisation_list(scope=scope).filter(organisation_text_q(q))


def organisation_get(*, scope: Scope, pk: int) -> Organisation:
    """One organisation with its memberships; raises `Organisation.DoesNotExist`."""
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ClusterMembership.objects.select_related("cluster").order_by("-start_date"),
        )
    ).get(pk=pk)


def organisation_can_see_figures(*, scope: Scope, organisation: Organisation) -> bool:
    """Yearly figures and ownership are confidential: the organisation's own members, managers of
    a cluster it belongs to, programme officers and administrators see them."""
    if scope.is_staff_wide or scope.is_programme_officer:
        return True
    if organisation.pk in scope.organisation_ids:
        return True
    if scope.cluster_ids:
        return ClusterMembership.objects.filter(
            organisation=organisation, cluster_id__in=scope.cluster_ids
        ).exists()
    return False


def organisation_figures(
    *, scope: Scope, organisation: Organisation
) -> QuerySet[OrganisationFigures]:
    """The organisation's yearly figures, newest first; empty for users who may not see them."""
    if not organisation_can_see_figures(scope=scope, organisation=organisation):
        return OrganisationFigures.objects.none()
    return organisation.figures.order_by("-year")


def organisation_ownership(*, scope: Scope, organisation: Organisation) -> QuerySet[Ownership]:
    """Links where the organisation is holder or held; empty for users who may not see them."""
    if not organisation_can_see_figures(scope=scope, organisation=organisation):
        return Ownership.objects.none()
    return Ownership.objects.filter(Q(holder=organisation) | Q(held=organisation)).select_related(
        "holder", "held"
    )


def cluster_members(*, scope: Scope, cluster: Cluster) -> QuerySet[Organisation]:
    """Current members of a cluster, ordered by type then name."""
    return (
        Organisation.objects.filter(
            current_membership_q("memberships__"), memberships__cluster=cluster
        )
        .distinct()
        .order_by("kind", "name", "id")
    )


def cluster_choices(*, scope: Scope) -> QuerySet[Cluster]:
    """Clusters and hubs for a filter's drop-down: slug and name only, display order (one query)."""
    return Cluster.objects.only("slug", "name", "kind").order_by("kind", "display_order", "name")


def cluster_search(*, scope: Scope, q: str) -> QuerySet[Cluster]:
    """Clusters whose name or topic (either language) contains `q`, with their member count."""
    term = q.strip()
    if not term:
        return Cluster.objects.none()
    return cluster_list(scope=scope).filter(
        Q(name__icontains=term)
        | Q(short_name__icontains=term)
        | Q(topic_en__icontains=term)
        | Q(topic_fr__icontains=term)
    )


def organisations_with_current_clusters(
    queryset: QuerySet[Organisation],
) -> QuerySet[Organisation]:
    """Prefetch each organisation's current memberships and their clusters (one query), as
    `current_memberships`."""
    current = (
        ClusterMembership.objects.filter(current_membership_q())
        .select_related("cluster")
        .order_by("cluster__kind", "cluster__display_order", "cluster__name")
    )
    return queryset.prefetch_related(
        Prefetch("memberships", queryset=current, to_attr="current_memberships")
    )
