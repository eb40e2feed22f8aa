"""Reads for import pages, scoped by the requesting user through the role table."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.scopes import field_in, reach_q, scope_for
from grappe.interop.models import ImportRun, MergeProposal
from grappe.registry.models import Cluster

# An import run belongs to the cluster whose members it imports (open-data runs to none).
RUN_RELATIONS = {Relation.OWN_CLUSTER: field_in("cluster_id")}


def cluster_for_member_import(*, user: Any, slug: str) -> Cluster:
    """The cluster whose members `user` may import; 404 for anyone else (nothing is revealed)."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not scope_for(user).can(
        Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[cluster.pk])
    ):
        raise Http404("No such cluster")
    return cluster


def import_run_list(*, user: Any) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.select_related("user", "cluster").defer("payload")
    return runs.filter(reach_q(scope_for(user), Action.IMPORT_RUN_VIEW, RUN_RELATIONS))


def import_run_get(*, user: Any, pk: int) -> ImportRun:
    run = import_run_list(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import run")
    return run


def merge_proposal_list(*, user: Any) -> QuerySet[MergeProposal]:
    proposals = MergeProposal.objects.select_related("keep", "duplicate", "run")
    return proposals.filter(reach_q(scope_for(user), Action.MERGE_DECIDE, {}))
