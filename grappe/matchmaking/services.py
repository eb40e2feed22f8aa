"""The only writers of the matchmaking app: the partner index (built, replaced, audited)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Sum

from grappe.core.actors import Actor
from grappe.core.services import audit_record
from grappe.matchmaking.domain.files import partner_type
from grappe.matchmaking.domain.model import OrgFacts, fit
from grappe.matchmaking.domain.store import model_dump
from grappe.matchmaking.models import PartnerIndex
from grappe.projects.models import PUBLIC_STATUSES, Participation, Project
from grappe.registry.models import ClusterMembership, Organisation
from grappe.registry.selectors import current_membership_q

# How often one process asks the database whether the index is stale, and how long an enqueued
# rebuild keeps others from enqueueing another.
CHECK_EVERY_SECONDS = 60
REBUILD_LOCK_SECONDS = 600


def partner_index_stamp() -> str:
    """A fingerprint of what the index is built from: the public participations (count, last id,
    the sum of their organisation ids — a merge re-points rows), the last change to a project or
    an organisation. Four aggregate queries, no row read."""
    parts = Participation.objects.filter(project__status__in=PUBLIC_STATUSES).aggregate(
        n=Count("id"), last=Max("id"), orgs=Sum("organisation_id")
    )
    projects = Project.objects.aggregate(changed=Max("updated_at"), n=Count("id"))
    orgs = Organisation.objects.aggregate(changed=Max("updated_at"), n=Count("id"))
    return (
        f"{parts['n']}:{parts['last']}:{parts['orgs']}:{projects['n']}:{projects['changed']}:"
        f"{orgs['n']}:{orgs['changed']}"
    )[:200]


def partner_index_rebuild(*, actor: Actor) -> PartnerIndex:
    """Fit the partner model on every public project (imported ones included) and its
    consortium, store it as a new index and drop the older ones. Proposals are left out, and so
    are organisations known only from proposals."""
    started = time.perf_counter()
    stamp = partner_index_stamp()
    pairs = [
        (str(p), str(o))
        for p, o in Participation.objects.filter(project__status__in=PUBLIC_STATUSES)
        .values_list("project_id", "organisation_id")
        .iterator(chunk_size=10_000)
    ]
    texts: dict[str, str] = {}
    for pk, *fields in (
        Project.objects.filter(status__in=PUBLIC_STATUSES)
        .values_list("pk", "title", "summary", "summary_fr", "objective", "keywords", "topics")
        .iterator(chunk_size=5_000)
    ):
        text = " ".join(f for f in fields if f)
        if text:
            texts[str(pk)] = text
    # The candidates: organisations with a public project or a current cluster membership —
    # public evidence. One known only from proposals is never suggested, to anyone.
    in_pairs = {int(o) for _, o in pairs}
    members = set(
        ClusterMembership.objects.filter(current_membership_q()).values_list(
            "organisation_id", flat=True
        )
    )
    facts: dict[str, OrgFacts] = {}
    evidence = in_pairs | members
    for pk, name, kind, city, country in Organisation.objects.values_list(
        "pk", "name", "kind", "city", "country"
    ).iterator(chunk_size=10_000):
        if pk not in evidence:
            continue
        facts[str(pk)] = OrgFacts(
            name=name, partner_type=partner_type(kind), city=city, country=country
        )
    model = fit(pairs, facts=facts, project_texts=texts, extra_orgs=facts)
    data = model_dump(model)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        index = PartnerIndex.objects.create(
            stamp=stamp,
            organisation_count=len(model.org_ids),
            project_count=len(model.project_ids),
            participation_count=len(set(pairs)),
            build_seconds=seconds,
            data=data,
        )
        PartnerIndex.objects.filter(pk__lt=index.pk).delete()
        audit_record(
            actor=actor,
            action="partner_index.rebuild",
            obj=index,
            after={
                "organisations": index.organisation_count,
                "projects": index.project_count,
                "participations": index.participation_count,
                "bytes": len(data),
            },
        )
    return index


def partner_index_refresh_if_stale() -> bool:
    """Enqueue a rebuild when the data changed since the newest index (at most one check a
    minute per process, one rebuild enqueued at a time). Never rebuilds in the caller: with the
    database task backend a worker does it while suggestions read the previous index."""
    if not cache.add("matchmaking:index-checked", 1, CHECK_EVERY_SECONDS):
        return False
    latest = PartnerIndex.objects.order_by("-id").values_list("stamp", flat=True).first()
    if latest == partner_index_stamp():
        return False
    if not cache.add("matchmaking:rebuild-enqueued", 1, REBUILD_LOCK_SECONDS):
        return False
    from grappe.matchmaking.tasks import partner_index_rebuild_task

    transaction.on_commit(partner_index_rebuild_task.enqueue)
    return True
