"""Import benchmark: real open data, a synthetic scale-up, and a raw executemany baseline.

    python benchmarks/bench_import.py                       # SQLite and PostgreSQL
    python benchmarks/bench_import.py --databases sqlite     # one of them
    python benchmarks/bench_import.py --scale 10             # synthetic size (x real CORDIS)

Each measurement runs in its own process (so that peak memory, from
`resource.getrusage(RUSAGE_SELF).ru_maxrss`, belongs to that measurement) against a fresh
database: a temporary SQLite file, or the PostgreSQL database `grappe_bench` (or
`$GRAPPE_BENCH_DB`, so that two people can measure at once) on 127.0.0.1:5432 (user postgres),
created and dropped here.

Phases:
1. real      — `grappe import cordis` on ../shared/data/cordis-h2020-2016 then `grappe import anr`
               on ../shared/data/anr-dos-partners, into an empty database;
2. synthetic — the real CORDIS files replicated `--scale` times under new ids and names (each
               replica keeps the real partners-per-project, organisations-per-country and
               projects-per-organisation distributions exactly), imported into an empty database;
3. reimport  — the same synthetic files again: by checksum (default) and forced (full compare);
4. baseline  — the same synthetic files parsed with `csv` and the same rows inserted into the
               same tables with `executemany` (no validation, no identity resolution), into an
               empty database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAPPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_NAME = os.environ.get("GRAPPE_BENCH_DB", "grappe_bench")
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_NAME}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- synthetic data ------------------------------------------------------------------------


def generate(out: Path, scale: int) -> dict[str, int]:
    """Write project.csv and organization.csv: the real CORDIS files replicated `scale` times."""
    src = SHARED / "cordis-h2020-2016"
    out.mkdir(parents=True, exist_ok=True)
    counts = {"projects": 0, "participations": 0}
    with (
        (src / "project.csv").open(encoding="utf-8", newline="") as fin,
        (out / "project.csv").open("w", encoding="utf-8", newline="") as fout,
    ):
        reader = csv.reader(fin, delimiter=";")
        writer = csv.writer(fout, delimiter=";", lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        rows = list(reader)  # 7,572 small rows: the reference table, not the scaled stream
        for r in range(scale):
            for row in rows:
                row = list(row)
                row[0] = str(int(row[0]) + r * 1_000_000)
                row[1] = f"{row[1]}-S{r}" if r else row[1]
                writer.writerow(row)
                counts["projects"] += 1
    pics: dict[str, int] = {}
    with (src / "organization.csv").open(encoding="utf-8", newline="") as fin:
        reader = csv.reader(fin, delimiter=";")
        header = next(reader)
        for row in reader:
            if row[2]:
                pics.setdefault(row[2], len(pics))
    with (out / "organization.csv").open("w", encoding="utf-8", newline="") as fout:
        writer = csv.writer(fout, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        for r in range(scale):
            with (src / "organization.csv").open(encoding="utf-8", newline="") as fin:
                reader = csv.reader(fin, delimiter=";")
                next(reader)
                for row in reader:
                    row[0] = str(int(row[0]) + r * 1_000_000)
                    if r:
                        if row[2]:
                            row[2] = str(100_000_000 + r * 20_000 + pics[row[2]])
                        row[4] = f"{row[4]} S{r}"
                    writer.writerow(row)
                    counts["participations"] += 1
    return counts


# --- the raw baseline ----------------------------------------------------------------------


def baseline(folder: Path) -> dict[str, Any]:
    """Parse the CORDIS files and insert the same rows with executemany, nothing else."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def d(value: str) -> Any:
        return connection.ops.adapt_datefield_value(value) if value else None

    def money(value: str) -> str | None:
        return value or None

    started = time.perf_counter()
    rows = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO funding_funder (slug, name_en, name_fr, kind, website, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            ["european-union", "European Union", "Union européenne", "eu", "", now, now],
        )
        cur.execute("SELECT id FROM funding_funder WHERE slug = %s", ["european-union"])
        funder = cur.fetchone()[0]
        projects: dict[str, int] = {}
        batch: list[tuple[Any, ...]] = []
        sql_p = (
            "INSERT INTO projects_project (id, acronym, title, summary, keywords, status, start_date, "
            "end_date, duration_months, total_cost, eu_contribution, programme, legal_basis, call, "
            "funding_scheme, topics, objective, funder_id, source, external_id, is_demo, created_at, "
            "updated_at) VALUES (" + ", ".join(["%s"] * 23) + ")"
        )
        with (folder / "project.csv").open(encoding="utf-8", newline="") as fin:
            for row in csv.DictReader(fin, delimiter=";"):
                rows += 1
                pk = len(projects) + 1
                projects[row["id"]] = pk
                batch.append(
                    (
                        pk,
                        row["acronym"],
                        row["title"] or row["acronym"],
                        "",
                        "",
                        "funded",
                        d(row["startDate"]),
                        d(row["endDate"]),
                        None,
                        money(row["totalCost"]),
                        money(row["ecMaxContribution"]),
                        row["frameworkProgramme"],
                        row["legalBasis"],
                        row["subCall"],
                        row["fundingScheme"],
                        row["topics"],
                        row["objective"],
                        funder,
                        "cordis",
                        row["id"],
                        False,
                        now,
                        now,
                    )
                )
                if len(batch) >= 5000:
                    cur.executemany(sql_p, batch)
                    batch = []
        cur.executemany(sql_p, batch)
        orgs: dict[str, int] = {}
        org_rows: list[tuple[Any, ...]] = []
        alias_rows: list[tuple[Any, ...]] = []
        part_rows: list[tuple[Any, ...]] = []
        sql_o = (
            "INSERT INTO registry_organisation (id, name, short_name, kind, siren, siret, rnsr, ror, pic, "
            "vat, address, postcode, city, country, website, description, keywords, is_jei, is_demo, "
            "nuts_code, sme_declared, size_class, source, created_at, updated_at) VALUES ("
            + ", ".join(["%s"] * 25)
            + ")"
        )
        sql_a = (
            "INSERT INTO interop_organisationalias (organisation_id, name, normalised, source, city, "
            "country) VALUES (%s, %s, %s, %s, %s, %s)"
        )
        sql_pa = (
            "INSERT INTO projects_participation (project_id, organisation_id, role, display_order, "
            "eu_contribution, net_eu_contribution, total_cost) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        )
        kinds = {
            "PRC": "large_company",
            "REC": "research_lab",
            "HES": "higher_education",
            "PUB": "public_body",
        }
        order: dict[str, int] = {}
        with (folder / "organization.csv").open(encoding="utf-8", newline="") as fin:
            for row in csv.DictReader(fin, delimiter=";"):
                rows += 1
                key = row["organisationID"] or row["name"]
                pk = orgs.get(key)
                if pk is None:
                    pk = orgs[key] = len(orgs) + 1
                    country = {"UK": "GB", "EL": "GR"}.get(row["country"], row["country"])
                    org_rows.append(
                        (
                            pk,
                            row["name"],
                            row["shortName"],
                            kinds.get(row["activityType"], "other"),
                            "",
                            "",
                            "",
                            "",
                            row["organisationID"],
                            row["vatNumber"],
                            row["street"],
                            row["postCode"],
                            row["city"],
                            country,
                            "",
                            "",
                            "",
                            False,
                            False,
                            row["nutsCode"],
                            None,
                            "",
                            "cordis",
                            now,
                            now,
                        )
                    )
                    alias_rows.append(
                        (pk, row["name"], row["name"].lower(), "cordis", row["city"], country)
                    )
                order[row["projectID"]] = order.get(row["projectID"], 0) + 1
                part_rows.append(
                    (
                        projects[row["projectID"]],
                        pk,
                        "coordinator" if row["role"] == "coordinator" else "partner",
                        order[row["projectID"]],
                        money(row["ecContribution"]),
                        money(row["netEcContribution"]),
                        money(row["totalCost"]),
                    )
                )
                if len(part_rows) >= 5000:
                    cur.executemany(sql_o, org_rows)
                    cur.executemany(sql_a, alias_rows)
                    cur.executemany(sql_pa, part_rows)
                    org_rows, alias_rows, part_rows = [], [], []
        cur.executemany(sql_o, org_rows)
        cur.executemany(sql_a, alias_rows)
        cur.executemany(sql_pa, part_rows)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "organisations": len(orgs), "projects": len(projects)}


# --- child process: one measurement ----------------------------------------------------------


def child(phase: str, folder: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from grappe.interop.services import import_run_create, import_run_execute

    if phase in {"real", "synthetic", "baseline"}:
        call_command("migrate", verbosity=0, skip_checks=True)
        call_command("flush", verbosity=0, interactive=False)
    if phase == "baseline":
        result = baseline(Path(folder))
        result["peak_mb"] = peak_mb()
        return result
    jobs = (
        [("cordis", SHARED / "cordis-h2020-2016"), ("anr", SHARED / "anr-dos-partners")]
        if phase == "real"
        else [("cordis", Path(folder))]
    )
    force = phase == "reimport_forced"
    result: dict[str, Any] = {"seconds": 0.0, "rows": 0, "runs": []}
    for source, path in jobs:
        started = time.perf_counter()
        run = import_run_create(source=source, path=path)
        run = import_run_execute(run, path=path, force=force)
        seconds = time.perf_counter() - started
        assert run.status == "succeeded", run.error
        result["seconds"] += seconds
        result["rows"] += run.rows_processed
        result["runs"].append(
            {
                "source": source,
                "seconds": round(seconds, 2),
                "rows": run.rows_processed,
                "short_circuited": run.short_circuited,
                "counts": run.counts,
            }
        )
    result["peak_mb"] = peak_mb()
    return result


def run_child(phase: str, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", phase, "--folder", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--child")
    parser.add_argument("--folder", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder)))
        return
    if not SHARED.is_dir():
        raise SystemExit(f"real open data not found at {SHARED}")
    work = Path(tempfile.mkdtemp(prefix="grappe-bench-"))
    synthetic = work / "synthetic"
    started = time.perf_counter()
    sizes = generate(synthetic, args.scale)
    print(
        f"synthetic files: {sizes['projects']:,} projects, {sizes['participations']:,} participation rows "
        f"({time.perf_counter() - started:.1f} s to generate)"
    )
    report: dict[str, dict[str, Any]] = {}
    for db in args.databases.split(","):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_NAME}")
            pg_admin(f"CREATE DATABASE {PG_BENCH_NAME}")
            env["DATABASE_URL"] = PG_BENCH
        results = {}
        for phase in ("real", "synthetic", "reimport", "reimport_forced", "baseline"):
            results[phase] = run_child(phase, synthetic, env)
            r = results[phase]
            print(
                f"[{db}] {phase:<16} {r['seconds']:8.1f} s {r['rows']:>9,} rows "
                f"{r['rows'] / r['seconds']:>9,.0f} rows/s  peak {r['peak_mb']:.0f} MB",
                flush=True,
            )
        report[db] = results
        if db != "sqlite":
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_NAME}")
    print()
    print(f"{'database':<10}{'phase':<18}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}")
    for db, results in report.items():
        for phase, r in results.items():
            print(
                f"{db:<10}{phase:<18}{r['seconds']:>9.1f}{r['rows'] / r['seconds']:>10,.0f}{r['peak_mb']:>9.0f}"
            )
        imp, base = results["synthetic"], results["baseline"]
        ratio = (imp["rows"] / imp["seconds"]) / (base["rows"] / base["seconds"])
        print(f"{db:<10}importer / baseline throughput: {ratio:.2f}x (target >= 0.5x)")
        for phase in ("reimport", "reimport_forced"):
            print(
                f"{db:<10}first import / {phase}: {imp['seconds'] / results[phase]['seconds']:.1f}x faster (target >= 3x)"
            )
        counts = imp["runs"][0]["counts"]
        print(f"{db:<10}synthetic counts: " + json.dumps(counts))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
