"""Registry reads, scoped by the requesting user (`Scope`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from grappe.core.compiled import compiled_tuples, compiled_values
from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.domain.text import search_fold, search_words
from grappe.core.scopes import RelationQ, field_in, reach_exists
from grappe.core.search import RELEVANCE, SearchCount
from grappe.registry.models import (
    ChangeProposalStatus,
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
    OrganisationFigures,
    Ownership,
)
from grappe.registry.search import ORGANISATIONS, cluster_document


def current_membership_q(prefix: str = "", today: dt.date | None = None) -> Q:
    """A membership running today; `prefix` reaches it through a relation ("memberships__").

    Use it inside ONE filter() call: across a multi-valued relation, chained filters may match
    the start on one membership row and the end on another.
    """
    day = today or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def confirmed_membership_q(prefix: str = "", today: dt.date | None = None) -> Q:
    """A membership running today that the organisation or an administrator confirmed: the only
    kind that gives a cluster's managers reach to the organisation's confidential figures."""
    return current_membership_q(prefix, today) & Q(**{f"{prefix}confirmed_at__isnull": False})


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


# The relevance order of a search (`grappe.core.search`): exact identifier, exact name or
# acronym, text rank, activity (projects), then the list's own name order.
ORGANISATION_RELEVANCE = (*RELEVANCE, "name", "id")


def organisation_matching(qs: QuerySet[Organisation], q: str) -> QuerySet[Organisation]:
    """The organisations of `qs` that match the search `q` (accents, case and punctuation
    ignored: names, acronyms, aliases, identifiers with or without spaces, city, postcode and
    `paris 11e` forms, keywords), annotated with the relevance keys; the page's `q`, the API's
    `q` and the search page all narrow through here."""
    return ORGANISATIONS.ranked(qs, q)


def organisation_current_member_of_q(cluster: Cluster) -> Exists:
    """Organisations with a membership of `cluster` running today."""
    return Exists(
        ClusterMembership.objects.filter(
            current_membership_q(), organisation=OuterRef("pk"), cluster=cluster
        )
    )


def organisation_search(*, scope: Scope, q: str) -> QuerySet[Organisation]:
    """Organisations matching a search term, most relevant first (`ORGANISATION_RELEVANCE`)."""
    return organisation_matching(organisation_list(scope=scope), q).order_by(
        *ORGANISATION_RELEVANCE
    )


def organisation_search_preview(
    *, scope: Scope, q: str
) -> tuple[QuerySet[Organisation], SearchCount]:
    """For a page showing the first organisations of `organisation_search` (the search page):
    those in the same order, ranked over a bounded set of candidates, and how many match — exact
    up to `core.search.COUNT_CAP`, else "more than" (`core.search.SearchIndex.preview`)."""
    rows, count = ORGANISATIONS.preview(organisation_list(scope=scope), q)
    return rows.order_by(*ORGANISATION_RELEVANCE), count


def organisation_suggestion(*, scope: Scope, q: str) -> str | None:
    """A corrected query when `q` finds no organisation the user may see (typo tolerance:
    `core.search.SearchIndex.suggestion`), checked against those organisations."""
    return ORGANISATIONS.suggestion(organisation_list(scope=scope), q)


def organisation_get(*, scope: Scope, pk: int) -> Organisation:
    """One organisation with its memberships; raises `Organisation.DoesNotExist`."""
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ClusterMembership.objects.select_related("cluster").order_by("-start_date"),
        )
    ).get(pk=pk)


def organisation_detail(
    *, scope: Scope, pk: int, fields: Sequence[str]
) -> tuple[Organisation, list[dict[str, Any]]]:
    """One organisation holding only `fields` (the rest deferred), and its memberships
    (cluster slug and name, dates; newest first), for the API's detail: two statements
    compiled once and re-run with the id (`core/compiled.py`). Organisations and their
    memberships are public; raises `Organisation.DoesNotExist`."""
    wanted = {"id", *fields}
    columns = tuple(f.attname for f in Organisation._meta.concrete_fields if f.attname in wanted)
    names, rows = compiled_tuples(
        ("registry.organisation_detail", columns),
        Organisation,
        lambda id_: Organisation.objects.filter(pk=id_).values_list(*columns),
        [pk],
    )
    if not rows:
        raise Organisation.DoesNotExist(f"no organisation {pk}")
    organisation = Organisation.from_db(router.db_for_read(Organisation), list(names), rows[0])
    memberships = compiled_values(
        "registry.organisation_memberships",
        ClusterMembership,
        lambda id_: (
            ClusterMembership.objects.filter(organisation_id=id_)
            .order_by("-start_date")
            .values("cluster__slug", "cluster__name", "start_date", "end_date")
        ),
        [pk],
    )
    return organisation, memberships


# How each relation of the role table is found for an organisation (who holds which is the
# table's): the organisation itself, or its membership of the manager's cluster.
ORGANISATION_RELATIONS: dict[Relation, RelationQ] = {
    Relation.OWN_ORGANISATION: field_in("pk"),
    Relation.MEMBER_OF_CLUSTER: lambda ids: Exists(
        ClusterMembership.objects.filter(
            confirmed_membership_q(), organisation=OuterRef("pk"), cluster_id__in=ids
        )
    ),
}


def organisation_can_see_figures(*, scope: Scope, organisation: Organisation) -> bool:
    """Yearly figures and ownership are confidential (`organisation.view_confidential` in the
    role table: the organisation's own members, programme officers, administrators, and managers
    of a cluster it currently belongs to through a confirmed membership — an unconfirmed
    membership, e.g. from a manager's member sheet, gives no reach; an ended one ends it)."""
    action = Action.ORGANISATION_VIEW_CONFIDENTIAL
    if scope.can(action, Target.of(own_organisation=[organisation.pk])):
        return True  # answered without a query
    return reach_exists(
        scope,
        action,
        lambda: Organisation.objects.filter(pk=organisation.pk),
        ORGANISATION_RELATIONS,
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


def cluster_search(*, scope: Scope, q: str) -> list[Cluster]:
    """Clusters whose names, acronym, topics or themes (either language) hold every word of `q`
    (the last one as a prefix; accents, case and punctuation ignored), exact name or acronym
    first, with their member count. Twelve or so rows: matched in Python with the same folding
    as the indexes."""
    words = search_words(q)
    if not words:
        return []
    *head, last = words
    text = " ".join(words)
    found = []
    for cluster in cluster_list(scope=scope):
        document = cluster_document(cluster)
        if all(f" {w} " in document for w in head) and f" {last}" in document:
            exact = text in {search_fold(cluster.name), search_fold(cluster.short_name)}
            found.append((not exact, cluster.kind, cluster.display_order, cluster.name, cluster))
    return [row[-1] for row in sorted(found, key=lambda r: r[:-1])]


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


# --- membership confirmation and change proposals ---------------------------------------------


def pending_membership_q(prefix: str = "", today: dt.date | None = None) -> Q:
    """An unconfirmed membership that has not ended (running or starting later)."""
    day = today or timezone.localdate()
    return Q(**{f"{prefix}confirmed_at__isnull": True}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def organisation_review_get(*, scope: Scope, pk: int) -> Organisation:
    """An organisation whose memberships and change proposals `scope` may decide on: one of its
    own members, or an administrator. Raises `Organisation.DoesNotExist` for anyone else, so a
    page reveals nothing."""
    if not scope.can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[pk])):
        raise Organisation.DoesNotExist
    return Organisation.objects.get(pk=pk)


def organisation_pending_memberships(
    *, scope: Scope, organisation: Organisation
) -> QuerySet[ClusterMembership]:
    """Memberships waiting for the organisation's confirmation; empty for anyone else."""
    if not scope.can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation.pk])):
        return ClusterMembership.objects.none()
    return (
        ClusterMembership.objects.filter(pending_membership_q(), organisation=organisation)
        .select_related("cluster")
        .order_by("start_date", "cluster__name", "pk")
    )


def organisation_change_proposals(
    *, scope: Scope, organisation: Organisation, pending: bool = True
) -> QuerySet[OrganisationChangeProposal]:
    """The organisation's change proposals (pending ones, or the decided ones newest first);
    empty for anyone who may not decide on them."""
    if not scope.can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation.pk])):
        return OrganisationChangeProposal.objects.none()
    qs = OrganisationChangeProposal.objects.filter(organisation=organisation).select_related(
        "cluster", "decided_by"
    )
    if pending:
        return qs.filter(status=ChangeProposalStatus.PENDING).order_by("field", "created_at", "pk")
    return qs.exclude(status=ChangeProposalStatus.PENDING).order_by("-decided_at", "-pk")


def organisation_review_counts(*, scope: Scope, organisation: Organisation) -> dict[str, int]:
    """How many memberships and change proposals wait for `scope`'s decision (zero for others)."""
    return {
        "memberships": organisation_pending_memberships(
            scope=scope, organisation=organisation
        ).count(),
        "changes": organisation_change_proposals(scope=scope, organisation=organisation).count(),
    }


def organisations_to_review(*, scope: Scope) -> QuerySet[Organisation]:
    """Organisations with something waiting for `scope`'s decision: its own organisations (all
    of them for administrators), annotated with `pending_memberships` and `pending_changes`."""
    if scope.is_staff_wide:
        qs = Organisation.objects.all()
    elif scope.organisation_ids:
        qs = Organisation.objects.filter(pk__in=scope.organisation_ids)
    else:
        return Organisation.objects.none()
    memberships = ClusterMembership.objects.filter(
        pending_membership_q(), organisation=OuterRef("pk")
    )
    changes = OrganisationChangeProposal.objects.filter(
        status=ChangeProposalStatus.PENDING, organisation=OuterRef("pk")
    )

    def count(related: QuerySet[Any]) -> Coalesce:
        per_org = related.order_by().values("organisation").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(per_org), 0)

    return (
        qs.filter(Exists(memberships) | Exists(changes))
        .annotate(pending_memberships=count(memberships), pending_changes=count(changes))
        .order_by("name", "id")
    )
