"""Registry reads, scoped by the requesting user (`Scope`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.scopes import RelationQ, field_in, reach_exists
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


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    kind: str = ""
    cluster: str = ""  # cluster slug
    city: str = ""
    paris_only: bool = False
    country: str = ""


def organisation_list(
    *, scope: Scope, filters: OrganisationFilters | None = None
) -> QuerySet[Organisation]:
    """Organisations matching the filters; public fields only (figures need `organisation_figures`)."""
    f = filters or OrganisationFilters()
    qs = Organisation.objects.all()
    if f.q:
        term = f.q.strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(short_name__icontains=term)
            | Q(keywords__icontains=term)
            | Q(city__icontains=term)
        )
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.city:
        qs = qs.filter(city__iexact=f.city.strip())
    if f.country:
        qs = qs.filter(country=f.country.strip().upper())
    if f.paris_only:
        qs = qs.filter(paris_arrondissement__isnull=False)
    if f.cluster:
        qs = qs.filter(
            Exists(
                ClusterMembership.objects.filter(
                    current_membership_q(), organisation=OuterRef("pk"), cluster__slug=f.cluster
                )
            )
        )
    return qs.order_by("name", "id")


def organisation_get(*, scope: Scope, pk: int) -> Organisation:
    """One organisation with its memberships; raises `Organisation.DoesNotExist`."""
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ClusterMembership.objects.select_related("cluster").order_by("-start_date"),
        )
    ).get(pk=pk)


# How each relation of the role table is found for an organisation (who holds which is the
# table's): the organisation itself, or its membership of the manager's cluster.
ORGANISATION_RELATIONS: dict[Relation, RelationQ] = {
    Relation.OWN_ORGANISATION: field_in("pk"),
    Relation.MEMBER_OF_CLUSTER: lambda ids: Exists(
        ClusterMembership.objects.filter(organisation=OuterRef("pk"), cluster_id__in=ids)
    ),
}


def organisation_can_see_figures(*, scope: Scope, organisation: Organisation) -> bool:
    """Yearly figures and ownership are confidential (`organisation.view_confidential` in the
    role table: the organisation's own members, managers of a cluster it belongs to, programme
    officers and administrators)."""
    action = Action.ORGANISATION_VIEW_CONFIDENTIAL
    if scope.can(action, Target.of(own_organisation=[organisation.pk])):
        return True  # answered without a query
    return reach_exists(
        scope, action, Organisation.objects.filter(pk=organisation.pk), ORGANISATION_RELATIONS
    )


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
