"""Labelling reads, scoped by the user: a cluster's managers (`labelling.manage`) see its
criteria, sessions and reviews; a committee member sees the sessions they sit on; the
consortium sees a review's decision once published."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from grappe.core.actors import Actor
from grappe.core.domain.roles import TABLE, Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.models import RoleAssignment
from grappe.core.scopes import field_in, reach_q, scope_for
from grappe.labelling.domain.conflicts import Conflict, conflicts
from grappe.labelling.models import CommitteeSession, CriteriaSet, MemberReview, Review
from grappe.projects.models import ClusterSubmission, Participation, Project
from grappe.projects.selectors import project_is_insider
from grappe.registry.domain.ownership import Link
from grappe.registry.models import Cluster, Ownership


def may_manage(scope: Scope, cluster_id: int) -> bool:
    return scope.can(Action.LABELLING_MANAGE, Target.of(own_cluster=[cluster_id]))


def _managed_q(scope: Scope, prefix: str = "") -> Q:
    # (An empty Q, "everything", would vanish when OR-ed with the member condition.)
    if scope.reach(Action.LABELLING_MANAGE).everything:
        return Q(pk__isnull=False)
    return reach_q(
        scope, Action.LABELLING_MANAGE, {Relation.OWN_CLUSTER: field_in(f"{prefix}cluster_id")}
    )


def session_list(*, scope: Scope) -> QuerySet[CommitteeSession]:
    """Sessions of the clusters the user manages and sessions they sit on, newest first."""
    q = _managed_q(scope)
    if scope.user_id is not None:
        q |= Q(memberships__user_id=scope.user_id)
    return (
        CommitteeSession.objects.filter(q)
        .distinct()
        .select_related("cluster")
        .order_by("-meets_on", "id")
    )


def cluster_sessions(*, scope: Scope, cluster: Cluster) -> QuerySet[CommitteeSession]:
    return session_list(scope=scope).filter(cluster=cluster)


def session_get(*, scope: Scope, pk: int) -> CommitteeSession:
    """One session the user manages or sits on; `DoesNotExist` otherwise (a 404)."""
    return session_list(scope=scope).select_related("criteria_set").get(pk=pk)


def review_get(*, scope: Scope, pk: int) -> Review:
    """One review of a session the user manages or sits on; `DoesNotExist` otherwise."""
    q = _managed_q(scope, "session__")
    if scope.user_id is not None:
        q |= Q(session__memberships__user_id=scope.user_id)
    return (
        Review.objects.filter(q)
        .distinct()
        .select_related(
            "session__cluster",
            "session__criteria_set",
            "submission__project",
            "submission__cluster",
        )
        .get(pk=pk)
    )


def criteria_sets(*, scope: Scope, cluster: Cluster) -> QuerySet[CriteriaSet]:
    if not may_manage(scope, cluster.pk):
        return CriteriaSet.objects.none()
    return CriteriaSet.objects.filter(cluster=cluster).order_by("-version")


def latest_criteria(cluster: Cluster) -> CriteriaSet | None:
    return CriteriaSet.objects.filter(cluster=cluster).order_by("-version").first()


def eligible_members(cluster: Cluster) -> QuerySet[Any]:
    """People who may sit on the cluster's committee: a role on the cluster that the role table
    lets sit (`labelling.sit`)."""
    roles = [role for role, relations in _sit_roles().items() if Relation.OWN_CLUSTER in relations]
    users = RoleAssignment.objects.filter(cluster=cluster, role__in=roles).values("user_id")
    return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username")


def _sit_roles() -> dict[str, tuple[Relation, ...]]:
    return {role.value: rel for role, rel in TABLE[Action.LABELLING_SIT].items()}


def pending_submissions(*, scope: Scope, cluster: Cluster) -> QuerySet[ClusterSubmission]:
    """Live, undecided submissions to the cluster not yet before a committee (managers only)."""
    if not may_manage(scope, cluster.pk):
        return ClusterSubmission.objects.none()
    return (
        ClusterSubmission.objects.filter(
            cluster=cluster,
            withdrawn_at__isnull=True,
            decided_at__isnull=True,
            review__isnull=True,
        )
        .select_related("project")
        .order_by("submitted_at", "id")
    )


# --- conflicts of interest ------------------------------------------------------------------


def member_organisation_ids(user_id: int) -> set[int]:
    """The organisations a user acts for (member roles)."""
    return set(
        RoleAssignment.objects.filter(user_id=user_id, organisation__isnull=False).values_list(
            "organisation_id", flat=True
        )
    )


def ownership_links_around(organisation_ids: Iterable[int]) -> list[Link]:
    """Every ownership link of the corporate groups of `organisation_ids` (holder, held), both
    directions, any depth: one query per level of the groups."""
    seen = set(organisation_ids)
    frontier = set(seen)
    links: set[Link] = set()
    while frontier:
        rows = Ownership.objects.filter(Q(holder_id__in=frontier) | Q(held_id__in=frontier))
        found = set(rows.values_list("holder_id", "held_id"))
        links |= found
        reached = {o for pair in found for o in pair}
        frontier = reached - seen
        seen |= reached
    return sorted(links)


def member_conflicts(user_id: int, project: Project) -> list[Conflict]:
    own = member_organisation_ids(user_id)
    if not own:
        return []
    consortium = set(
        Participation.objects.filter(project=project).values_list("organisation_id", flat=True)
    )
    return conflicts(own, consortium, ownership_links_around(own))


def member_review(review: Review, user_id: int | None) -> MemberReview | None:
    if user_id is None:
        return None
    return MemberReview.objects.filter(review=review, member_id=user_id).first()


def is_member(session: CommitteeSession, user_id: int | None) -> bool:
    return user_id is not None and session.memberships.filter(user_id=user_id).exists()


# --- what others show: the project page, My area ---------------------------------------------


def published_outcomes(*, scope: Scope, project: Project) -> dict[int, Review]:
    """Published reviews of the project's submissions, by submission id (insiders only)."""
    if not project_is_insider(scope=scope, project=project):
        return {}
    return {
        r.submission_id: r
        for r in Review.objects.filter(
            submission__project=project, status="published"
        ).select_related("session__cluster")
    }


def letter_review(*, scope: Scope, pk: int) -> Review:
    """A published review for its decision letter: the cluster's managers, the consortium's
    members and administrators; `DoesNotExist` for anyone else or before publication."""
    review = Review.objects.select_related(
        "session__cluster", "submission__project", "submission__cluster"
    ).get(pk=pk, status="published")
    project = review.submission.project
    if scope.is_staff_wide or may_manage(scope, review.session.cluster_id):
        return review
    partners = set(
        Participation.objects.filter(project=project).values_list("organisation_id", flat=True)
    )
    if scope.organisation_ids & partners:
        return review
    raise Review.DoesNotExist


@dataclass(frozen=True)
class CommitteeTask:
    """Something waiting for a committee member: declare an interest, or score."""

    kind: str  # "declare" or "score"
    review_id: int
    project_acronym: str
    cluster_name: str
    session_title: str
    meets_on: Any  # datetime.date


def my_committee_tasks(user: Actor) -> list[CommitteeTask]:
    """Reviews under way in the sessions `user` sits on where their declaration or their scores
    are still missing, soonest meeting first (for My area; two queries)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return []
    reviews = list(
        Review.objects.filter(status="under_review", session__memberships__user_id=scope.user_id)
        .select_related("session__cluster", "submission__project")
        .order_by("session__meets_on", "id")
    )
    mine = {
        m.review_id: m
        for m in MemberReview.objects.filter(
            member_id=scope.user_id, review_id__in=[r.pk for r in reviews]
        )
    }
    tasks: list[CommitteeTask] = []
    for review in reviews:
        m = mine.get(review.pk)
        if m is None:
            kind = "declare"
        elif not (m.has_conflict or m.declares_interest) and m.scored_at is None:
            kind = "score"
        else:
            continue
        tasks.append(
            CommitteeTask(
                kind=kind,
                review_id=review.pk,
                project_acronym=review.submission.project.acronym,
                cluster_name=review.session.cluster.name,
                session_title=review.session.title,
                meets_on=review.session.meets_on,
            )
        )
    return tasks
