"""Identity figures on the real CORDIS and ANR files (issue 8, "Identity").

    python benchmarks/identity_report.py            # a fresh temporary SQLite database
    python benchmarks/identity_report.py --json     # the same figures as JSON
    python benchmarks/identity_report.py --keep /tmp/identity.sqlite3   # keep the database

Imports ../shared/data/cordis-h2020-2016 then ../shared/data/anr-dos-partners (or
$GRAPPE_SHARED_DATA) into a fresh SQLite database and prints the counts the issue quotes:

- exact-name records for CNRS, INSERM, Inria, CEA, INRA (name folded for case, accents and
  punctuation equals the acronym or the institution's full name) and CNRS with its delegations;
- records for the CEA (`Commissariat à l'énergie atomique…`) and how many distinct normalised
  names they carry (with the normalisation of the code measured);
- surplus records: records sharing a normalised name and country beyond the first;
- placeholder records (`AucuneAide`, `0 Aide`, `Non renseigné`, a lone number) and their
  participations;
- lab records renamed to a parent: records holding an RNSR whose name is the name of an
  institution that the ANR file pairs with three or more different RNSRs;
- records with no country, merge proposals, ANR projects without a coordinator, rejected rows,
  import time.

The script measures whichever tree it sits in (it puts its parent folder first on sys.path), so
the "before" figures come from a copy of the starting commit: `git archive <commit> | tar -x -C
/tmp/before && python /tmp/before/benchmarks/identity_report.py`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAPPE_SHARED_DATA", ROOT.parent / "shared" / "data"))

INSTITUTIONS = {
    "CNRS": ("cnrs", "centre national de la recherche scientifique"),
    "INSERM": ("inserm", "institut national de la sante et de la recherche medicale"),
    "Inria": ("inria", "institut national de recherche en informatique et en automatique"),
    "CEA": ("cea", "commissariat a lenergie atomique et aux energies alternatives"),
    "INRA": ("inra", "institut national de la recherche agronomique"),
}
PLACEHOLDER = re.compile(r"^(aucune ?aide|0 ?aide|non renseigne|n ?a|[0-9 ]*)$")


def compact(value: str) -> str:
    """Case, accents, apostrophes and punctuation folded: the 'exact name' of the issue."""
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`´]", "", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def parent_names() -> set[str]:
    """Names the ANR file pairs with three or more different RNSRs: institutions, not labs."""
    rnsrs: dict[str, set[str]] = defaultdict(set)
    path = SHARED / "anr-dos-partners" / "anr_dos_partners.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            rnsr = row["Projet.Partenaire.Code_RNSR"].strip()
            if rnsr:
                rnsrs[compact(row["Projet.Partenaire.Nom_organisme"])].add(rnsr)
    return {name for name, found in rnsrs.items() if len(found) >= 3}


def measure() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, Q

    from grappe.interop.domain.names import normalise_name
    from grappe.interop.models import MergeProposal, RejectedRow
    from grappe.interop.services import import_run_create, import_run_execute
    from grappe.projects.models import Participation, Project
    from grappe.registry.models import Organisation

    call_command("migrate", verbosity=0, skip_checks=True)
    figures: dict[str, Any] = {"seconds": {}}
    for source, folder in (("cordis", "cordis-h2020-2016"), ("anr", "anr-dos-partners")):
        path = SHARED / folder
        started = time.perf_counter()
        run = import_run_create(source=source, path=path)
        run = import_run_execute(run, path=path)
        figures["seconds"][source] = round(time.perf_counter() - started, 1)
        assert run.status == "succeeded", run.error

    orgs = list(
        Organisation.objects.annotate(n=Count("participations")).values_list(
            "pk", "name", "country", "rnsr", "n"
        )
    )
    by_compact = Counter(compact(name) for _, name, *_ in orgs)
    for label, spellings in INSTITUTIONS.items():
        figures[f"exact-name records: {label}"] = sum(by_compact[s] for s in spellings)
    figures["CNRS with its delegations"] = sum(
        n
        for name, n in by_compact.items()
        if name.startswith("cnrs") or name.startswith("centre national de la recherche scient")
    )
    cea = [name for _, name, *_ in orgs if compact(name).startswith("commissariat a l")]
    figures["CEA records (Commissariat a l'energie...)"] = len(cea)
    figures["CEA distinct normalised names"] = len({normalise_name(n) for n in cea})
    keys = Counter((normalise_name(name), country) for _, name, country, *_ in orgs)
    figures["organisations"] = len(orgs)
    figures["surplus records (same normalised name and country)"] = sum(
        n - 1 for n in keys.values() if n > 1
    )
    placeholders = [(name, n) for _, name, _, _, n in orgs if PLACEHOLDER.match(compact(name))]
    figures["placeholder records"] = len(placeholders)
    figures["placeholder participations"] = sum(n for _, n in placeholders)
    parents = parent_names()
    figures["lab records (RNSR) named after a parent"] = sum(
        1 for _, name, _, rnsr, _ in orgs if rnsr and compact(name) in parents
    )
    figures["records without a country"] = sum(1 for _, _, country, *_ in orgs if not country)
    figures["merge proposals"] = MergeProposal.objects.count()
    from grappe.interop.tests.merge_sample import sample_precision

    sample = sample_precision()
    figures["merge-proposal precision (hand-labelled sample)"] = (
        f"{sample['precision']:.1%} ({sample['right']} right of {sample['still proposed']} "
        f"labelled pairs still proposed)"
    )
    anr = Project.objects.filter(programme="ANR")
    figures["ANR projects"] = anr.count()
    figures["ANR projects without a coordinator"] = anr.exclude(
        participations__role="coordinator"
    ).count()
    figures["participations"] = Participation.objects.count()
    figures["rejected rows"] = RejectedRow.objects.count()
    figures["  of which placeholders or empty names"] = RejectedRow.objects.filter(
        Q(reason__contains="placeholder") | Q(reason__endswith="Nom_organisme: empty")
    ).count()
    figures["  of which a repeat of an organisation in a project"] = RejectedRow.objects.filter(
        reason__startswith="the same organisation"
    ).count()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", metavar="FILE", help="import into this SQLite file and keep it")
    args = parser.parse_args()
    if not (SHARED / "anr-dos-partners").is_dir():
        sys.exit(f"shared data not found under {SHARED.name}/ (set GRAPPE_SHARED_DATA)")
    with tempfile.TemporaryDirectory() as work:
        target = Path(args.keep).resolve() if args.keep else Path(work) / "identity.sqlite3"
        target.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{target}"
        figures = measure()
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    for key, value in figures.items():
        print(f"{key:<55} {value}")


if __name__ == "__main__":
    main()
