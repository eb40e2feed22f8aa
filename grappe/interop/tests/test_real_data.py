"""The real CORDIS and ANR files from ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grappe.interop.models import RejectedRow, RunStatus
from grappe.interop.services import import_run_create, import_run_execute
from grappe.projects.models import Participation, Project
from grappe.registry.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]


def run_import(source: str, path: Path, force: bool = False):
    run = import_run_create(source=source, path=path)
    return import_run_execute(run, path=path, force=force)


def test_real_cordis_zip_and_anr_file_import(shared_data: Path) -> None:
    cordis = run_import("cordis", shared_data / "cordis-h2020-2016.zip")
    assert cordis.status == RunStatus.SUCCEEDED, cordis.error
    assert cordis.counts["project"]["created"] == 7572
    assert cordis.counts["project"]["rejected"] == 0
    # 31,866 rows; the four rejected are the same organisation listed twice in one project
    # (a PIC row and a name-only row of VTT), which identity resolution recognises.
    assert (
        cordis.counts["participation"]["created"] + cordis.counts["participation"]["rejected"]
        == 31866
    )
    assert cordis.counts["participation"]["rejected"] <= 10
    assert Project.objects.filter(source="cordis").count() == 7572
    coordinated = Participation.objects.filter(role="coordinator", project__source="cordis")
    assert coordinated.count() == 7572 - 15  # 15 projects have no matchable coordinator
    assert Organisation.objects.filter(country="GB").exists()
    assert not Organisation.objects.filter(country__in=["UK", "EL"]).exists()
    assert Organisation.objects.filter(pic="999905974", kind="large_company").exists()

    anr = run_import("anr", shared_data / "anr-dos-partners")
    assert anr.status == RunStatus.SUCCEEDED, anr.error
    assert anr.counts["project"]["created"] >= 17000  # 17,080 codes; a few have only bad rows
    assert Organisation.objects.filter(rnsr="200611689J").count() == 1
    reasons = RejectedRow.objects.filter(run=anr).values_list("reason", flat=True)
    assert all(r for r in reasons)

    again = run_import("anr", shared_data / "anr-dos-partners")
    assert again.short_circuited
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())
