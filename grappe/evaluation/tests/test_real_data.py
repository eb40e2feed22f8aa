"""Conflict detection from the database on cases built from the real CORDIS H2020 (2016) and
ANR participations (`../shared/data`; skipped with the reason when absent): the real projects,
organisations and dates are stored as Grappe stores imported ones (source `cordis` / `anr`),
then `evaluation.conflicts.detect` reads them back."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from grappe.core.tests import factories as f
from grappe.evaluation import conflicts
from grappe.evaluation.tests.helpers import world
from grappe.projects.models import Participation
from grappe.registry.models import Ownership

pytestmark = pytest.mark.django_db
csv.field_size_limit(10 * 1024 * 1024)


def _real_cordis_project(data: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The first real CORDIS project (file order) with three partners or more and an end date."""
    folder = data / "cordis-h2020-2016"
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (folder / "organization.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if row["organisationID"]:
                members[row["projectID"]].append(row)
    with (folder / "project.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            rows = members.get(row["id"], [])
            if row["endDate"] and len({r["organisationID"] for r in rows}) >= 3:
                return row, rows
    raise AssertionError("no real CORDIS project of three partners")


def _real_anr_project(data: Path) -> tuple[str, str, list[str]]:
    """A real ANR project (decision code, acronym) with two named partners or more."""
    path = data / "anr-dos-partners" / "anr_dos_partners.csv"
    by_code: dict[str, list[str]] = defaultdict(list)
    acronyms: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["Projet.Code_Decision_ANR"]
            by_code[code].append(row["Projet.Partenaire.Nom_organisme"].strip())
            acronyms[code] = row["Projet.Acronyme"]
    for code, names in by_code.items():
        if len(set(names)) >= 2 and code.count("-") >= 2:
            return code, acronyms[code], sorted(set(names))
    raise AssertionError("no real ANR project of two partners")


def _store(source: str, external_id: str, acronym: str, start, end, names: list[str]):
    project = f.ProjectFactory(
        acronym=acronym[:120],
        status="completed",
        source=source,
        external_id=external_id,
        start_date=start,
        end_date=end,
    )
    orgs = []
    for name in names:
        org = f.OrganisationFactory(name=name[:200], source=source)
        Participation.objects.create(project=project, organisation=org)
        orgs.append(org)
    return project, orgs


def test_real_cordis_co_participation_within_and_beyond_five_years(shared_data, monkeypatch):
    row, partners = _real_cordis_project(shared_data)
    names = list(dict.fromkeys(p["name"] for p in partners))
    end = dt.date.fromisoformat(row["endDate"])
    start = dt.date.fromisoformat(row["startDate"]) if row["startDate"] else None
    _project, orgs = _store("cordis", row["id"], row["acronym"], start, end, names)
    w = world(monkeypatch, n_apps=1, n_experts=1)
    expert, app = w.experts[0], w.apps[0]
    expert.organisation = orgs[0]
    expert.save()
    Participation.objects.create(project=app.project, organisation=orgs[1])  # a real partner
    within = conflicts.detect([expert], [app], today=end.replace(year=end.year + 4))
    found = within[expert.pk, app.pk]
    assert [r.kind for r in found] == ["co_participation"]
    assert row["acronym"][:20] in found[0].text and str(end.year) in found[0].text
    assert names[0][:20] in found[0].text and names[1][:20] in found[0].text
    beyond = conflicts.detect([expert], [app], today=end.replace(year=end.year + 6))
    assert beyond == {}


def test_real_anr_co_participation_from_its_decision_year(shared_data, monkeypatch):
    code, acronym, names = _real_anr_project(shared_data)
    year = 2000 + int(code.split("-")[1])
    _project, orgs = _store("anr", code, acronym, dt.date(year, 1, 1), None, names[:2])
    w = world(monkeypatch, n_apps=1, n_experts=1)
    expert, app = w.experts[0], w.apps[0]
    expert.organisation = orgs[0]
    expert.save()
    Participation.objects.create(project=app.project, organisation=orgs[1])
    found = conflicts.detect([expert], [app], today=dt.date(year + 3, 6, 30))
    assert [r.kind for r in found[expert.pk, app.pk]] == ["co_participation"]
    assert "ANR" in found[expert.pk, app.pk][0].text
    assert conflicts.detect([expert], [app], today=dt.date(year + 7, 6, 30)) == {}


def test_real_organisations_in_a_group_by_a_two_level_ownership_chain(shared_data, monkeypatch):
    row, partners = _real_cordis_project(shared_data)
    names = list(dict.fromkeys(p["name"] for p in partners))[:3]
    _project, (parent, child, grandchild) = _store(
        "cordis", row["id"], row["acronym"], None, dt.date(2000, 1, 1), names
    )
    Ownership.objects.create(holder=parent, held=child, capital_share=51, voting_share=51)
    Ownership.objects.create(holder=child, held=grandchild, capital_share=51, voting_share=51)
    w = world(monkeypatch, n_apps=1, n_experts=1)
    expert, app = w.experts[0], w.apps[0]
    expert.organisation = grandchild
    expert.save()
    Participation.objects.create(project=app.project, organisation=parent)
    found = conflicts.detect([expert], [app])[expert.pk, app.pk]
    assert [r.kind for r in found] == ["same_group"] and found[0].hard
    assert names[0][:20] in found[0].text and names[2][:20] in found[0].text
    assert (expert.pk, app.pk) in conflicts.blocking({(expert.pk, app.pk): found})
