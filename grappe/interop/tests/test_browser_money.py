"""A real CORDIS project in headless Chromium: its EU contribution and the CC BY attribution.

The sample is built in the test from the real file's rows (../shared/data, never copied into
the repository): the first projects of `project.csv` that have an EU contribution, with all
their rows of `organization.csv`. The browser runs in a child process (one sync Playwright
instance per process: the core tests keep one open).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.interop.models import RunStatus
from grappe.interop.services import import_run_create, import_run_execute
from grappe.projects.models import Project

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE_PROJECTS = 12

SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

out = {"errors": [], "pages": {}}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[2], args=CHROMIUM_ARGS)
    page = browser.new_page()
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    for url in sys.argv[3:]:
        page.goto(sys.argv[1] + url)
        out["pages"][url] = {
            "eu": page.inner_text("[data-testid=eu-contribution]"),
            "grant": page.inner_text("[data-testid=grant-number]"),
            "footer": page.inner_text("footer"),
            "banner": page.locator("[data-testid=demo-banner]").count(),
            "licence": page.locator("footer a[rel~=license]").get_attribute("href"),
            "provenance": page.inner_text("[data-testid=provenance] >> nth=0"),
        }
    print(json.dumps(out), flush=True)
    browser.close()
"""


def _sample(source: Path, target: Path) -> set[str]:
    """Write the first projects with an EU contribution and their participations."""
    target.mkdir()
    with (source / "project.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        at = {name: i for i, name in enumerate(header)}
        rows = [r for r in reader if r[at["ecMaxContribution"]]][:SAMPLE_PROJECTS]
    ids = {r[at["id"]] for r in rows}
    with (target / "project.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    with (source / "organization.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        project_at = header.index("projectID")
        parts = [r for r in reader if r[project_at] in ids]
    with (target / "organization.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(parts)
    return ids


def test_a_real_cordis_project_shows_its_eu_contribution_and_attribution(
    live_server, shared_data, tmp_path
) -> None:
    require_chromium()
    folder = tmp_path / "cordis-sample"
    ids = _sample(shared_data / "cordis-h2020-2016", folder)
    run = import_run_execute(import_run_create(source="cordis", path=folder), path=folder)
    assert run.status == RunStatus.SUCCEEDED, run.error
    project = Project.objects.filter(source="cordis", external_id__in=ids).order_by("pk").first()
    assert project is not None and project.eu_contribution is not None
    assert isinstance(project.eu_contribution, Decimal)
    en, fr = f"/en/projects/{project.pk}/", f"/fr/projects/{project.pk}/"
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT_PRELUDE + SCRIPT, live_server.url, str(CHROMIUM), en, fr],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout)
    whole = f"{int(project.eu_contribution):,}"  # e.g. 230,000 for €230,000.00
    page = out["pages"][en]
    assert page["eu"].replace("\u202f", ",").startswith(f"€{whole}")
    assert page["grant"] == project.external_id
    assert "© European Union, CC BY 4.0" in page["footer"]
    assert page["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert page["banner"] == 0  # real records only: no demo banner
    assert f"import run #{run.pk}" in page["provenance"]
    assert "project.csv" in page["provenance"] and "/" not in page["provenance"].split("file")[1]
    page = out["pages"][fr]
    assert whole.replace(",", "\u00a0") in page["eu"].replace("\u202f", "\u00a0")
    assert "© Union européenne, CC BY 4.0" in page["footer"]
    assert out["errors"] == []
