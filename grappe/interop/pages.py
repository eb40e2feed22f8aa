"""Provenance sections: where an imported project, its consortium or an organisation comes from
(source, file, import run, date), registered on `core/pages.py` when the app loads. The project
page and API (`projects`) and the organisation page (`registry`) sit below this app: they ask
for the sections and never import it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core.compiled import compiled_tuples
from grappe.core.domain.scope import Scope
from grappe.core.domain.sources import Source, source_of
from grappe.core.pages import page_section
from grappe.interop import selectors
from grappe.projects.models import Participation, Project
from grappe.registry.models import Organisation


def _line(
    source: Source, file: str, run: selectors.RunFacts | None, what: str = ""
) -> dict[str, Any]:
    """One provenance line; `file` is the record's file inside what the run read."""
    shown_file = file
    if run is not None and run.file_name.lower().endswith(".csv"):
        shown_file = run.file_name  # the run read that one file
    elif run is not None and run.file_name:
        shown_file = f"{run.file_name} › {file}"  # a file inside a zip or a folder
    return {
        "what": what,
        "source": _(source.name),
        "source_key": source.key,
        "attribution": _(source.attribution),
        "file": shown_file,
        "run_id": run.pk if run is not None else None,
        "run_url": reverse("interop:run_detail", args=[run.pk])
        if run is not None and run.visible
        else None,
        "imported_at": run.imported_at if run is not None else None,
    }


def project_provenance(scope: Scope, project: Project) -> dict[str, Any]:
    """The project's line and its consortium's lines (one per import run that wrote them)."""
    source = source_of(project.source)
    if source is None:
        return {"provenance": [], "consortium_provenance": []}
    _names, rows = compiled_tuples(  # compiled once, re-run with the id (`core/compiled.py`)
        "interop.participation_runs",
        Participation,
        # No order (the model's orders by the project's date, a join): one row per run.
        lambda pk: (
            Participation.objects.filter(project_id=pk)
            .order_by()
            .values_list("source_run")
            .distinct()
        ),
        [project.pk],
    )
    part_runs = sorted({r for (r,) in rows}, key=lambda r: (r is None, r or 0))
    runs = selectors.import_run_facts(
        scope=scope, ids=[project.source_run or 0, *(r or 0 for r in part_runs)]
    )
    return {
        "provenance": [_line(source, source.project_file, runs.get(project.source_run or 0))],
        "consortium_provenance": [
            _line(source, source.participation_file, runs.get(r or 0), _("Consortium"))
            for r in part_runs
        ],
    }


@page_section("projects.project_detail")
def project_detail_provenance(
    request: HttpRequest, scope: Scope, *, project: Project
) -> dict[str, Any]:
    return project_provenance(scope, project)


@page_section("api.project_detail")
def project_api_provenance(
    request: HttpRequest, scope: Scope, *, project: Project
) -> dict[str, Any]:
    found = project_provenance(scope, project)
    return {"provenance": found["provenance"] + found["consortium_provenance"]}


def organisation_provenance(scope: Scope, organisation: Organisation) -> list[dict[str, Any]]:
    """One line per source and run that saw the organisation's names; the creating source
    alone when no run was recorded."""
    pairs = [
        (s, run)
        for s, run in selectors.organisation_alias_sources(organisation_id=organisation.pk)
        if source_of(s) is not None
    ]
    if not pairs and source_of(organisation.source) is not None:
        pairs = [(organisation.source, None)]
    runs = selectors.import_run_facts(scope=scope, ids=[r or 0 for _s, r in pairs])
    lines: list[dict[str, Any]] = []
    for key, run in pairs:
        source = source_of(key)
        assert source is not None
        lines.append(_line(source, source.participation_file, runs.get(run or 0)))
    return lines


@page_section("registry.organisation_detail")
def organisation_detail_provenance(
    request: HttpRequest, scope: Scope, *, organisation: Organisation
) -> dict[str, Any]:
    return {"provenance": organisation_provenance(scope, organisation)}


@page_section("api.organisation_detail")
def organisation_api_provenance(
    request: HttpRequest, scope: Scope, *, organisation: Organisation
) -> dict[str, Any]:
    return {"provenance": organisation_provenance(scope, organisation)}
