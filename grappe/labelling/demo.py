"""Demo rows for labelling: a cluster's criteria, two demo drafts submitted to it, and a
committee session of its managers with both submissions before it.

The demo loader (`grappe/demo/loader.py`, after the demo users) calls `labelling_demo_load()`;
it writes through the services as the system (`actor=None`), so every row is audited, and is
idempotent: a cluster that already has demo submissions is left alone, and criteria already
set are kept. `labelling_demo_wipe()` (`load_demo --reset`) removes the demo committee
sessions before the demo projects go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from grappe.labelling.models import CommitteeSession, CriteriaSet
from grappe.labelling.selectors import eligible_members
from grappe.labelling.services import criteria_set_create, review_attach, session_create
from grappe.projects.models import ClusterSubmission, ParticipantRole, Project, ProjectStatus
from grappe.projects.services import SubmissionRequest, project_submit
from grappe.registry.models import Cluster

DEMO_CRITERIA = {
    "checklist": [
        {"id": "consortium", "label": "At least two partners, one of them an SME"},
        {"id": "paris", "label": "At least one partner in Paris"},
        {"id": "budget", "label": "Budget complete for every partner"},
    ],
    "criteria": [
        {
            "id": "innovation",
            "label": "Innovation and scientific quality",
            "weight": 3,
            "max_score": 5,
        },
        {"id": "impact", "label": "Economic impact in the region", "weight": 2, "max_score": 5},
        {"id": "partners", "label": "Quality of the consortium", "weight": 2, "max_score": 5},
        {"id": "fit", "label": "Fit with the cluster's themes", "weight": 1, "max_score": 5},
    ],
}


@dataclass(frozen=True)
class LabellingDemo:
    criteria_version: int
    submitted: list[int]  # project ids
    session_id: int | None


def demo_session_title(cluster: Cluster) -> str:
    return f"{cluster.name} labelling committee"


@transaction.atomic
def labelling_demo_wipe(cluster_slug: str = "cap-digital") -> int:
    """Delete the demo committee sessions (their reviews and votes go with them) whose reviews
    are all of demo projects; the criteria stay (they are the cluster's). Returns how many."""
    sessions = CommitteeSession.objects.filter(
        cluster__slug=cluster_slug, title__endswith=" labelling committee"
    ).exclude(reviews__submission__project__is_demo=False)
    count = sessions.count()
    sessions.delete()
    return count


@transaction.atomic
def labelling_demo_load(
    cluster_slug: str = "cap-digital",
    *,
    today: dt.date | None = None,
    spare: Iterable[int] = (),
) -> LabellingDemo | None:
    """`spare`: organisations whose drafts stay drafts (the demo member's own proposal)."""
    cluster = Cluster.objects.filter(slug=cluster_slug).first()
    if (
        cluster is None
        or ClusterSubmission.objects.filter(cluster=cluster, project__is_demo=True).exists()
    ):
        return None
    criteria = CriteriaSet.objects.filter(cluster=cluster).order_by(
        "-version"
    ).first() or criteria_set_create(actor=None, cluster=cluster, definition=DEMO_CRITERIA)
    drafts = list(
        Project.objects.filter(is_demo=True, status=ProjectStatus.DRAFT)
        .annotate(
            partners=Count("participations"),
            coordinators=Count(
                "participations", filter=Q(participations__role=ParticipantRole.COORDINATOR)
            ),
        )
        .filter(partners__gte=2, coordinators=1)
        .exclude(
            participations__role=ParticipantRole.COORDINATOR,
            participations__organisation_id__in=list(spare),
        )
        .order_by("id")[:2]
    )
    submissions = [
        project_submit(
            actor=None,
            project=project,
            clusters=[
                SubmissionRequest(
                    cluster.pk,
                    f"{project.acronym} builds on {cluster.name}'s themes and members.",
                )
            ],
        )[0]
        for project in drafts
    ]
    members = list(eligible_members(cluster).values_list("pk", flat=True))
    session_id = None
    if members:
        meets_on = (today or timezone.localdate()) + dt.timedelta(days=21)
        session = session_create(
            actor=None,
            cluster=cluster,
            title=demo_session_title(cluster),
            meets_on=meets_on,
            member_ids=members,
        )
        for submission in submissions:
            review_attach(actor=None, session=session, submission=submission)
        session_id = session.pk
    return LabellingDemo(
        criteria_version=criteria.version,
        submitted=[p.pk for p in drafts],
        session_id=session_id,
    )
