"""Reads for import pages, scoped by the requesting user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from grappe.core.scopes import scope_for
from grappe.interop.models import ImportRun, MergeProposal
from grappe.registry.models import Cluster


def can_import_open_data(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) or scope_for(user).is_staff_wide


def cluster_for_member_import(*, user: Any, slug: str) -> Cluster:
    """The cluster whose members `user` may import; 404 for anyone else (nothing is revealed)."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not scope_for(user).can_manage_cluster(cluster.pk):
        raise Http404("No such cluster")
    return cluster


def import_run_list(*, user: Any) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.select_related("user", "cluster").defer("payload")
    if can_import_open_data(user):
        return runs
    return runs.filter(cluster_id__in=scope_for(user).cluster_ids)


def import_run_get(*, user: Any, pk: int) -> ImportRun:
    run = import_run_list(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import run")
    return run


def merge_proposal_list(*, user: Any) -> QuerySet[MergeProposal]:
    if not can_import_open_data(user):
        return MergeProposal.objects.none()
    return MergeProposal.objects.select_related("keep", "duplicate", "run")
