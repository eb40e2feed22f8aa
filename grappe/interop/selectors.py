"""Reads for import pages, scoped by the requesting user through the role table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.db.models import QuerySet
from django.http import Http404

from grappe.core.actors import Actor
from grappe.core.compiled import compiled_tuples
from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.scopes import field_in, reach_q, scope_for
from grappe.funding.models import Funder
from grappe.interop.models import (
    ImportedFundingLine,
    ImportRun,
    LineStatus,
    MergeProposal,
    OrganisationAlias,
    RunStatus,
)
from grappe.registry.models import Cluster

# An import run belongs to the cluster whose members it imports, or to the funder whose funding
# lines it imports (open-data runs to none).
RUN_RELATIONS = {
    Relation.OWN_CLUSTER: field_in("cluster_id"),
    Relation.OWN_FUNDER: field_in("funder_id"),
}


def cluster_for_member_import(*, user: Actor, slug: str) -> Cluster:
    """The cluster whose members `user` may import; 404 for anyone else (nothing is revealed)."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not scope_for(user).can(
        Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[cluster.pk])
    ):
        raise Http404("No such cluster")
    return cluster


def import_run_list(*, user: Actor, previews: bool = False) -> QuerySet[ImportRun]:
    """The import runs the user may see; a spreadsheet still at its preview (nothing imported,
    perhaps never) is not a run to list unless `previews`."""
    runs = ImportRun.objects.select_related("user", "cluster", "funder").defer("payload")
    if not previews:
        runs = runs.exclude(status=RunStatus.PREVIEWED)
    return runs.filter(reach_q(scope_for(user), Action.IMPORT_RUN_VIEW, RUN_RELATIONS))


def import_run_get(*, user: Actor, pk: int) -> ImportRun:
    run = import_run_list(user=user, previews=True).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import run")
    return run


def merge_proposal_list(*, user: Actor) -> QuerySet[MergeProposal]:
    proposals = MergeProposal.objects.select_related("keep", "duplicate", "run")
    return proposals.filter(reach_q(scope_for(user), Action.MERGE_DECIDE, {}))


@dataclass(frozen=True)
class RunFacts:
    """What a record's provenance says of the import run that wrote it."""

    pk: int
    file_name: str  # the uploaded or given file's name, never a server path
    imported_at: dt.datetime | None
    visible: bool  # may the user open the run's page (`import_run.view`)?


def import_run_facts(*, scope: Scope, ids: Iterable[int]) -> dict[int, RunFacts]:
    """File name and date of the given runs (two queries at most, none for no id). The file
    name and date of an open-data run are public; the run page is for those who may see it.
    Both statements are compiled once per scope and number of runs (`core/compiled.py`)."""
    wanted = sorted({int(i) for i in ids if i})
    if not wanted:
        return {}
    _names, rows = compiled_tuples(
        "interop.import_run_facts",
        ImportRun,
        lambda *pks: ImportRun.objects.filter(pk__in=pks).values_list(
            "pk", "file_name", "finished_at", "started_at", "created_at"
        ),
        wanted,
    )
    _names, shown = compiled_tuples(
        ("interop.import_run_visible", scope),
        ImportRun,
        lambda *pks: (
            ImportRun.objects.filter(pk__in=pks)
            .filter(reach_q(scope, Action.IMPORT_RUN_VIEW, RUN_RELATIONS))
            .values_list("pk")
        ),
        wanted,
    )
    visible = {pk for (pk,) in shown}
    return {
        pk: RunFacts(
            pk=pk,
            file_name=PurePath(file_name.replace("\\", "/")).name,
            imported_at=finished or started or created,
            visible=pk in visible,
        )
        for pk, file_name, finished, started, created in rows
    }


def organisation_alias_sources(*, organisation_id: int) -> list[tuple[str, int | None]]:
    """The (source, first run) pairs under which imports have seen the organisation's names,
    oldest run first. Names and their provenance are public like the organisation."""
    _names, rows = compiled_tuples(
        "interop.organisation_alias_sources",
        OrganisationAlias,
        lambda pk: (
            OrganisationAlias.objects.filter(organisation_id=pk)
            .values_list("source", "run_id")
            .distinct()
            .order_by("run_id", "source")
        ),
        [organisation_id],
    )
    return [(source, run) for source, run in rows]


def funder_for_funding_import(*, user: Actor, slug: str) -> Funder:
    """The funder whose funding lines `user` may import and whose unmatched lines they may see
    (its programme officers, administrators); 404 for anyone else (nothing is revealed)."""
    funder = Funder.objects.filter(slug=slug).first()
    if funder is None or not scope_for(user).can(
        Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[funder.pk])
    ):
        raise Http404("No such funder")
    return funder


def unmatched_funding_lines(*, user: Actor, funder: Funder) -> QuerySet[ImportedFundingLine]:
    """The funder's imported lines that found no project or partner, newest decision first."""
    funder = funder_for_funding_import(user=user, slug=funder.slug)
    return ImportedFundingLine.objects.filter(funder=funder, status=LineStatus.UNMATCHED).order_by(
        "-decided_on", "-id"
    )
