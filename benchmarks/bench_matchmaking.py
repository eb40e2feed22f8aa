"""Partner matchmaking, measured on real consortia (CORDIS H2020 2014-16 and ANR DOS 2010-22).

    python benchmarks/bench_matchmaking.py                 # both sets, all figures
    python benchmarks/bench_matchmaking.py --tasks 1000 --seed 7 --sets cordis
    python benchmarks/bench_matchmaking.py --write DIR      # also write P.csv / T.jsonl per set

For each set: the participations are written in the offline command's P.csv format and read
back with its reader (`matchmaking/domain/files.py`). From the projects with >= 3 partners,
`--tasks` are drawn (fixed seed); one partner of each is hidden. The model is fitted on the
participations with the hidden pairs removed, every organisation of the set is ranked for each
task (known partners excluded), and recall@10, recall@50 and MRR are reported — ties counted at
their expected value (a hidden organisation tied with t others at rank g+1 counts
(K - g) / (t + 1) of a hit at K, and the mean of 1/r over the tied ranks) — for popularity,
common neighbours, Adamic-Adar (the task as a node linked to its known partners) and the
textbook pairwise Adamic-Adar (two hops, summed over the known partners), and the model with its
signals added one at a time; the model's recall@10 is compared with both Adamic-Adars.

Then the index size test: a synthetic graph of 30,000 organisations and 130,000 participations
(power-law degrees, fixed seed): fit time, peak memory (tracemalloc) and the p95 of one
suggestion (`rank`, top 20, with text) over 500 tasks.

Project text: CORDIS has no titles in this set; the topic title (topics.csv) is the text. ANR
has no text; the programme code of the decision (`ANR-22-SOIL-0004` → `SOIL`) is the text.
Organisation ids: CORDIS `organisationID`, else the name; ANR the RNSR code, else the folded name.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grappe.core.domain.text import search_fold  # noqa: E402
from grappe.matchmaking.domain.files import OPTIONAL, REQUIRED, read_participations  # noqa: E402
from grappe.matchmaking.domain.model import Weights, fit  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
Row = dict[str, str]


def cordis_rows(data: Path) -> list[Row]:
    base = data / "cordis-h2020-2016"
    with (base / "topics.csv").open(encoding="utf-8", newline="") as f:
        topics = {r["code"]: r["title"] for r in csv.DictReader(f, delimiter=";")}
    with (base / "project.csv").open(encoding="utf-8", newline="") as f:
        projects = {r["id"]: r for r in csv.DictReader(f, delimiter=";")}
    rows = []
    with (base / "organization.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter=";"):
            p = projects.get(r["projectID"], {})
            text = " ".join(topics.get(t, "") for t in (p.get("topics") or "").split(";"))
            rows.append(
                {
                    "project_id": r["projectID"],
                    "organisation_id": r["organisationID"] or "name:" + r["name"],
                    "organisation_name": r["name"],
                    "organisation_type": r["activityType"],
                    "country": r["country"],
                    "city": r["city"],
                    "role": r["role"],
                    "project_text": text.strip(),
                }
            )
    return rows


def anr_rows(data: Path) -> list[Row]:
    rows = []
    path = data / "anr-dos-partners" / "anr_dos_partners.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = r["Projet.Code_Decision_ANR"]
            name = r["Projet.Partenaire.Nom_organisme"]
            rnsr = r["Projet.Partenaire.Code_RNSR"]
            parts = code.split("-")
            rows.append(
                {
                    "project_id": code,
                    "organisation_id": ("rnsr:" + rnsr) if rnsr else "name:" + search_fold(name),
                    "organisation_name": name,
                    "organisation_type": r["Projet.Partenaire.Categorie_organisme"],
                    "country": r["Projet.Partenaire.Adresse.Pays"],
                    "region": r["Projet.Partenaire.Adresse.Region"],
                    "city": r["Projet.Partenaire.Adresse.Ville"],
                    "project_text": parts[2] if len(parts) > 2 else "",
                }
            )
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[*REQUIRED, *OPTIONAL], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def expected_hits(
    scores: np.ndarray, hidden: int, exclude: list[int]
) -> tuple[float, float, float]:
    """(recall@10, recall@50, reciprocal rank), ties at their expected value."""
    s = scores.copy()
    s[exclude] = -np.inf
    h = s[hidden]
    greater = int((s > h).sum())
    tied = int((s == h).sum()) - 1
    r10 = min(max((10 - greater) / (tied + 1), 0.0), 1.0)
    r50 = min(max((50 - greater) / (tied + 1), 0.0), 1.0)
    ranks = np.arange(greater + 1, greater + tied + 2, dtype=np.float64)
    return r10, r50, float((1.0 / ranks).mean())


def evaluate(name: str, rows: list[Row], n_tasks: int, seed: int, write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = (write or Path(tmp)) / f"{name}_participations.csv"
        if write:
            write.mkdir(parents=True, exist_ok=True)
        write_csv(rows, path)
        data = read_participations(path)
    members: dict[str, list[str]] = defaultdict(list)
    for p, o in sorted(set(data.pairs)):
        members[p].append(o)
    eligible = sorted(p for p, m in members.items() if len(m) >= 3)
    rng = random.Random(seed)
    chosen = rng.sample(eligible, min(n_tasks, len(eligible)))
    hidden = {p: rng.choice(members[p]) for p in chosen}
    train = [(p, o) for p, o in set(data.pairs) if hidden.get(p) != o]
    all_orgs = sorted({o for _, o in data.pairs})
    t0 = time.perf_counter()
    model = fit(train, facts=data.facts, project_texts=data.texts, extra_orgs=all_orgs)
    fit_s = time.perf_counter() - t0
    if write:
        with (write / f"{name}_tasks.jsonl").open("w", encoding="utf-8") as f:
            for p in chosen:
                known = [o for o in members[p] if o != hidden[p]]
                f.write(
                    json.dumps({"task": p, "known": known, "text": data.texts.get(p, "")}) + "\n"
                )
    print(
        f"\n## {name}: {len(set(data.pairs)):,} participations, {len(all_orgs):,} organisations, "
        f"{len(eligible):,} projects with >= 3 partners; {len(chosen):,} tasks (seed {seed}); "
        f"fit {fit_s:.1f} s"
    )
    no_history = sum(1 for p in chosen if model.org_degree[model.org_index[hidden[p]]] == 0)
    print(f"hidden partners with no other participation (unreachable by the graph): {no_history}")
    w = Weights()
    one_step = replace(
        w, second_step=0.0, text=0.0, text_boost=0.0, place=0.0, project_norm=1.0, org_norm=1.0
    )
    graph = replace(w, text=0.0, text_boost=0.0, type_mix=0.0, place=0.0)
    methods: list[tuple[str, Callable[[list[str], str], np.ndarray]]] = [
        ("popularity", lambda k, t: model.baseline_scores(k, "popularity")),
        ("common neighbours", lambda k, t: model.baseline_scores(k, "common_neighbours")),
        ("Adamic-Adar", lambda k, t: model.baseline_scores(k, "adamic_adar")),
        (
            "Adamic-Adar, pairwise (2 hops)",
            lambda k, t: model.baseline_scores(k, "adamic_adar_pairwise"),
        ),
        ("walk, one step", lambda k, t: model.scores(k, "", one_step)),
        ("walk with restart (graph)", lambda k, t: model.scores(k, "", graph)),
        (
            "graph + text",
            lambda k, t: model.scores(k, t, replace(graph, text=w.text, text_boost=w.text_boost)),
        ),
        ("graph + type mix", lambda k, t: model.scores(k, "", replace(graph, type_mix=1.0))),
        ("graph + same city", lambda k, t: model.scores(k, "", replace(graph, place=w.place))),
        ("model (defaults)", lambda k, t: model.scores(k, t, w)),
    ]
    print(f"{'method':34} {'recall@10':>9} {'recall@50':>9} {'MRR':>7}")
    results = {}
    for label, method in methods:
        tot = np.zeros(3)
        for p in chosen:
            known = [o for o in members[p] if o != hidden[p]]
            scores = method(known, data.texts.get(p, ""))
            excl = model.known_indices(known)
            tot += expected_hits(scores, model.org_index[hidden[p]], excl)
        r = tot / len(chosen)
        results[label] = r
        print(f"{label:34} {r[0]:9.3f} {r[1]:9.3f} {r[2]:7.3f}")
    for baseline in ("Adamic-Adar", "Adamic-Adar, pairwise (2 hops)"):
        ratio = results["model (defaults)"][0] / max(results[baseline][0], 1e-9)
        print(f"model recall@10 / {baseline} recall@10 = {ratio:.2f} (target >= 2)")


def speed(seed: int, n_orgs: int = 30_000, n_parts: int = 130_000) -> None:
    rng = np.random.default_rng(seed)
    # organisation popularity ~ Zipf; project sizes 1..20 (mean ~4.3)
    weights = 1.0 / np.arange(1, n_orgs + 1) ** 0.8
    weights /= weights.sum()
    pairs: set[tuple[str, str]] = set()
    texts: dict[str, str] = {}
    words = [f"w{i}" for i in range(3000)]
    draws = iter(rng.choice(n_orgs, size=3 * n_parts, p=weights))
    p = 0
    while len(pairs) < n_parts:
        size = int(min(20, 1 + rng.geometric(0.3)))
        for _ in range(size):
            pairs.add((f"p{p}", f"o{next(draws):05d}"))
        texts[f"p{p}"] = " ".join(rng.choice(words, size=12))
        p += 1
    pair_list = sorted(pairs)
    tracemalloc.start()
    t0 = time.perf_counter()
    # every organisation is a candidate, those without a participation too (as in the product)
    model = fit(pair_list, project_texts=texts, extra_orgs=[f"o{o:05d}" for o in range(n_orgs)])
    build = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    orgs = model.org_ids
    times = []
    for _ in range(500):
        known = list(rng.choice(orgs, size=int(rng.integers(1, 6)), replace=False))
        text = " ".join(rng.choice(words, size=8))
        t = time.perf_counter()
        model.rank(known, text, top=20)
        times.append(time.perf_counter() - t)
    times.sort()
    print(
        f"\n## index size test: {len(orgs):,} organisations, {len(pair_list):,} participations, "
        f"{p:,} projects\nbuild {build:.1f} s, peak memory {peak / 2**20:.0f} MiB (tracemalloc); "
        f"one suggestion p50 {1000 * times[len(times) // 2]:.1f} ms, "
        f"p95 {1000 * times[int(len(times) * 0.95)]:.1f} ms (targets: < 60 s, < 2 GB, p95 < 100 ms)"
    )


def db_child(organisations: int, projects: int) -> dict[str, object]:
    """In a fresh database (DATABASE_URL): synthetic rows (benchmarks/bench_search.py's
    generator), then the product's index build and suggestions with their reasons."""
    import os
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_search import generate

    from grappe.core.scopes import scope_for
    from grappe.matchmaking import selectors
    from grappe.matchmaking.services import partner_index_rebuild
    from grappe.projects.models import Project
    from grappe.registry.models import Organisation

    call_command("migrate", verbosity=0, skip_checks=True)
    t0 = time.perf_counter()
    data = generate(organisations, projects)
    generated = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    index = partner_index_rebuild(actor=None)
    build = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scope = scope_for(None)
    rng = random.Random(5)
    words = list(data["vocabulary"])  # type: ignore[call-overload]
    project_ids = list(Project.objects.values_list("pk", flat=True)[:2000])
    selectors.partner_model()  # loaded once per process
    search: list[float] = []
    filtered: list[float] = []
    completion: list[float] = []
    cpu: dict[str, list[float]] = {"search": [], "filtered": [], "completion": []}

    def timed(into: list[float], name: str, call: Callable[[], object]) -> None:
        t, c = time.perf_counter(), time.process_time()
        call()
        into.append(time.perf_counter() - t)
        cpu[name].append(time.process_time() - c)

    for _ in range(200):
        text = " ".join(rng.sample(words, 4))
        timed(search, "search", partial(selectors.partner_search, scope=scope, text=text, limit=20))
    qs = Organisation.objects.filter(kind="research_lab")
    for _ in range(200):
        ask = partial(
            selectors.partner_search,
            scope=scope,
            text=rng.choice(words),
            organisations=qs,
            limit=20,
        )
        timed(filtered, "filtered", ask)
    admin_scope = type(scope)(is_staff_wide=True)
    for pk in rng.sample(project_ids, 200):
        project = Project.objects.get(pk=pk)
        ask = partial(
            selectors.project_partner_suggestions, scope=admin_scope, project=project, limit=10
        )
        timed(completion, "completion", ask)

    def p95(v: list[float]) -> float:
        return round(1000 * sorted(v)[int(len(v) * 0.95)], 1)

    def p50(v: list[float]) -> float:
        return round(1000 * sorted(v)[len(v) // 2], 1)

    return {
        "generated_seconds": round(generated, 1),
        "organisations": index.organisation_count,
        "participations": index.participation_count,
        "projects": index.project_count,
        "build_seconds": round(build, 1),
        "max_rss_growth_mib": round((rss_after - rss_before) / 1024),
        "max_rss_mib": round(rss_after / 1024),
        "index_bytes": len(bytes(index.data)),
        "search_p50_ms": p50(search),
        "search_p95_ms": p95(search),
        "filtered_search_p50_ms": p50(filtered),
        "filtered_search_p95_ms": p95(filtered),
        "completion_p50_ms": p50(completion),
        "completion_p95_ms": p95(completion),
        "cpu_p95_ms": {k: p95(v) for k, v in cpu.items()},
    }


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database (the rows are generated anew)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        autocommit=True,
    ) as conn:
        name = sql.Identifier(str(cfg["NAME"]))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_speed(databases: str) -> None:
    import os
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="grappe-bench-matchmaking-"))
    for db in databases.split(","):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            url = os.environ.get(
                "GRAPPE_BENCH_PG", "postgres://postgres@127.0.0.1:5432/grappe_bench_matchmaking"
            )
            fresh_postgres(url)
            env["DATABASE_URL"] = url
        out = subprocess.run(
            [sys.executable, __file__, "--db-child"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"{db} failed:\n{out.stderr[-4000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"\n## product index on {db}: {r['organisations']:,} organisations, "
            f"{r['participations']:,} participations, {r['projects']:,} projects "
            f"(rows generated in {r['generated_seconds']} s)\n"
            f"rebuild (read + fit + store) {r['build_seconds']} s, peak RSS {r['max_rss_mib']} MiB "
            f"(+{r['max_rss_growth_mib']} MiB during the build), stored {r['index_bytes'] / 1e6:.1f} MB\n"
            f"p50 / p95 (200 each, with reasons and the organisations read): partner search "
            f"{r['search_p50_ms']} / {r['search_p95_ms']} ms, with a type filter "
            f"{r['filtered_search_p50_ms']} / {r['filtered_search_p95_ms']} ms, consortium "
            f"completion {r['completion_p50_ms']} / {r['completion_p95_ms']} ms (target p95 < 100); "
            f"CPU time p95: {r['cpu_p95_ms']['search']} / {r['cpu_p95_ms']['filtered']} / "
            f"{r['cpu_p95_ms']['completion']} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--tasks", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sets", default="cordis,anr", help="cordis,anr or none")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--write", type=Path, help="write P.csv / T.jsonl of each set here")
    parser.add_argument(
        "--databases",
        default="sqlite",
        help="product index build per database: sqlite, postgres (needs a server), or none",
    )
    parser.add_argument("--db-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.db_child:
        print(json.dumps(db_child(30_000, 37_000)))
        return
    if not args.data.is_dir():
        sys.exit(f"real data not found at {args.data}")
    readers = {"cordis": cordis_rows, "anr": anr_rows}
    for name in args.sets.split(",") if args.sets != "none" else []:
        evaluate(name, readers[name](args.data), args.tasks, args.seed, args.write)
    if not args.no_speed:
        speed(args.seed)
        if args.databases != "none":
            database_speed(args.databases)


if __name__ == "__main__":
    main()
