"""Search benchmark: 50,000 organisations and 25,000 projects, ~200 varied queries, per database.

    python benchmarks/bench_search.py                        # SQLite and PostgreSQL
    python benchmarks/bench_search.py --databases sqlite      # one of them
    python benchmarks/bench_search.py --organisations 5000 --projects 2500   # smaller
    python benchmarks/bench_search.py --databases postgres --keep   # keep the database after

Each database is measured in its own process against a fresh database: a temporary SQLite
file, or the PostgreSQL database `grappe_bench_search` (or `$GRAPPE_BENCH_DB`) on
127.0.0.1:5432 (user postgres), created and dropped here.

1. Synthetic rows (French names with accents, SIRENs, Paris arrondissements and other cities,
   keywords, project titles and summaries, ~3 partners per project) are inserted with
   `core/fastsql.py` (no index upkeep), then both search indexes are built with
   `SearchIndex.rebuild()` — the index build time — and their size on disk is read.
2. ~200 queries (one word, accents or not, upper case, prefixes, two or three words, SIRENs
   with and without spaces, postcodes, `paris 11e`, acronyms, words that match nothing) run as
   the search page runs them: the first 10 organisations and their count, the first 10 projects
   and their count, for the public scope — the bounded way (`*_search_preview`, a count capped
   at 1,000) and, alternated in the same run, the full way (every match ranked and counted,
   what the page did before and the lists still do). After one warm-up pass each query's time
   is the median of three runs (the machine is shared: one run catches other people's load);
   p50 / p95 / max over the queries are printed, overall and per query class, with how many
   queries give the same first 10 both ways. Target: p95 < 100 ms on both databases.
3. The upkeep cost: `organisation_search_index_update` of 1,000 rows (what an import batch pays).
4. Typo tolerance: 60 queries with one typing mistake (a letter dropped, doubled, swapped or
   replaced) in a word of 5 letters or more; the time of "did you mean" as the search page asks
   it when nothing matches (organisations, then projects), p50 / p95, and how many corrections
   give back the word that was meant. The vocabulary's size per index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_NAME = os.environ.get("GRAPPE_BENCH_DB", "grappe_bench_search")
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_NAME}"

STEMS = [
    "Énergie",
    "Systèmes",
    "École",
    "Institut",
    "Laboratoire",
    "Solaire",
    "Numérique",
    "Santé",
    "Robotique",
    "Données",
    "Matériaux",
    "Hydrogène",
    "Réseaux",
    "Biotech",
    "Quantique",
    "Mobilité",
    "Océan",
    "Forêt",
    "Agro",
    "Éolien",
    "Photonique",
    "Cyber",
    "Sécurité",
    "Génomique",
    "Médical",
    "Chimie",
    "Textile",
    "Aéro",
    "Spatial",
    "Ville",
    "Eau",
    "Lumière",
    "Recherche",
    "Innovation",
    "Conseil",
    "Ingénierie",
    "Atelier",
    "Studio",
    "Technologies",
    "Capteurs",
    "Batteries",
    "Logiciel",
]
FORMS = ("SAS", "SA", "SARL", "", "", "", "GmbH", "Ltd", "")
CITIES = [("Paris", f"750{n:02d}") for n in range(1, 21)] + [
    ("Lyon", "69003"),
    ("Marseille", "13001"),
    ("Toulouse", "31000"),
    ("Grenoble", "38000"),
    ("Nantes", "44000"),
    ("Lille", "59000"),
    ("Bordeaux", "33000"),
    ("Saclay", "91190"),
    ("Boulogne-Billancourt", "92100"),
    ("Montreuil", "93100"),
    ("PARIS CEDEX 15", ""),
    ("PARIS", ""),
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "su",
    "vo",
    "ni",
    "pa",
    "ze",
    "bu",
    "do",
    "fi",
    "ga",
    "je",
    "lu",
    "mo",
    "na",
    "pe",
    "ri",
    "sa",
    "to",
    "vu",
    "xi",
]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def make_siren(n: int) -> str:
    from stdnum import luhn

    body = f"{n % 10**8:08d}"
    return body + luhn.calc_check_digit(body)


def generate(organisations: int, projects: int, seed: int = 8) -> dict[str, Any]:
    """Insert the synthetic rows (fastsql, no index upkeep); returns what the queries need."""
    from grappe.core.fastsql import insert_with_ids
    from grappe.projects.models import Participation, Project
    from grappe.registry.models import Organisation

    rng = random.Random(seed)
    vocabulary = [word(rng) for _ in range(3000)]
    org_rows, sirens = [], []
    for i in range(organisations):
        city, postcode = rng.choice(CITIES)
        stems = rng.sample(STEMS, rng.randint(1, 3))
        name = " ".join([*stems, word(rng).title(), rng.choice(FORMS)]).strip()
        siren = make_siren(30_000_000 + i)
        sirens.append(siren)
        arrondissement = int(postcode[3:]) if postcode.startswith("750") else None
        org_rows.append(
            (
                name,
                "".join(s[0] for s in stems).upper() + word(rng)[:2].upper(),
                rng.choice(["sme", "start_up", "research_lab", "large_company"]),
                siren,
                city,
                postcode,
                "FR",
                arrondissement,
                city.startswith("PARIS") or arrondissement is not None,
                ", ".join(rng.sample(vocabulary, 3)),
            )
        )
    org_ids = insert_with_ids(
        Organisation,
        [
            "name",
            "short_name",
            "kind",
            "siren",
            "city",
            "postcode",
            "country",
            "paris_arrondissement",
            "in_paris",
            "keywords",
        ],
        org_rows,
    )
    project_rows, acronyms = [], []
    for i in range(projects):
        acronym = f"{word(rng).upper()}{i}"
        acronyms.append(acronym)
        title = " ".join([*rng.sample(STEMS, 2), *rng.sample(vocabulary, 4)])
        summary = " ".join(rng.choice(vocabulary + list(STEMS)) for _ in range(60))
        project_rows.append((acronym, title, summary, rng.choice(["funded", "accredited"])))
    project_ids = insert_with_ids(Project, ["acronym", "title", "summary", "status"], project_rows)
    partner_rows = []
    for pid in project_ids:
        for position, oid in enumerate(rng.sample(org_ids, rng.randint(2, 5))):
            partner_rows.append((pid, oid, "coordinator" if position == 0 else "partner"))
    insert_with_ids(Participation, ["project_id", "organisation_id", "role"], partner_rows)
    return {
        "vocabulary": vocabulary,
        "sirens": sirens,
        "acronyms": acronyms,
        "participations": len(partner_rows),
    }


# The class of each query maker below, in the same order (figures are printed per class).
CLASSES = (
    "stem",
    "STEM",
    "stem unaccented",
    "prefix",
    "two stems",
    "stem + word",
    "word",
    "siren",
    "siren spaced",
    "postcode",
    "paris Ne",
    "acronym",
    "paris",
    "nothing",
)


def queries(data: dict[str, Any], rng: random.Random, count: int = 200) -> list[str]:
    stems, vocab = STEMS, data["vocabulary"]
    makers = [
        lambda: rng.choice(stems),  # with accents
        lambda: rng.choice(stems).upper(),
        lambda: _strip(rng.choice(stems)).lower(),  # without
        lambda: rng.choice(stems)[:4],  # a prefix being typed
        lambda: f"{rng.choice(stems)} {rng.choice(stems)}",
        lambda: f"{rng.choice(stems)} {rng.choice(vocab)}",
        lambda: rng.choice(vocab),
        lambda: rng.choice(data["sirens"]),
        lambda: " ".join(_groups(rng.choice(data["sirens"]))),
        lambda: f"750{rng.randint(1, 20):02d}",
        lambda: f"Paris {rng.randint(1, 20)}e",
        lambda: rng.choice(data["acronyms"]),
        lambda: "paris",
        lambda: f"{word(rng)}zz",  # nothing
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def typo(text: str, rng: random.Random) -> tuple[str, str]:
    """(a query with one mistake, the folded word that was meant)."""
    meant = _strip(text)
    i = rng.randrange(1, len(meant) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        wrong = meant[:i] + meant[i + 1 :]  # dropped
    elif kind == 1:
        wrong = meant[:i] + meant[i] + meant[i:]  # doubled
    elif kind == 2:
        wrong = meant[: i - 1] + meant[i] + meant[i - 1] + meant[i + 1 :]  # swapped
    else:
        other = "x" if meant[i] != "x" else "z"
        wrong = meant[:i] + other + meant[i + 1 :]  # replaced
    return wrong, meant


def _strip(text: str) -> str:
    from grappe.core.domain.text import search_fold

    return search_fold(text)


def _groups(siren: str) -> list[str]:
    return [siren[0:3], siren[3:6], siren[6:9]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def child(organisations: int, projects: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from grappe.core.scopes import scope_for
    from grappe.core.search import index_size
    from grappe.projects import selectors as project_selectors
    from grappe.projects.search import PROJECTS
    from grappe.registry import selectors as registry_selectors
    from grappe.registry.search import ORGANISATIONS, organisation_search_index_update

    call_command("migrate", verbosity=0, skip_checks=True)
    started = time.perf_counter()
    with transaction.atomic():
        data = generate(organisations, projects)
    generated = time.perf_counter() - started
    builds = {}
    for index in (ORGANISATIONS, PROJECTS):
        started = time.perf_counter()
        with transaction.atomic():
            entries = index.rebuild()
        builds[index.table] = {
            "entries": entries,
            "seconds": round(time.perf_counter() - started, 2),
        }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for index in (ORGANISATIONS, PROJECTS):
        builds[index.table]["bytes"] = index_size(index.table)

    public = scope_for(None)

    def search_full(q: str) -> tuple[tuple[int, int], list[int]]:
        """What the search page ran before bounded reads: every match ranked and counted."""
        orgs = registry_selectors.organisation_search(scope=public, q=q)
        projs = project_selectors.project_search(scope=public, q=q)
        first = [o.pk for o in registry_selectors.organisations_with_current_clusters(orgs)[:10]]
        first += [p.pk for p in project_selectors.projects_with_listing_details(projs)[:10]]
        return (orgs.count(), projs.count()), first

    def search_bounded(q: str) -> tuple[tuple[int, int], list[int]]:
        """What the search page runs: a bounded preview and a count capped at "more than"."""
        orgs, org_count = registry_selectors.organisation_search_preview(scope=public, q=q)
        projs, project_count = project_selectors.project_search_preview(scope=public, q=q)
        first = [o.pk for o in registry_selectors.organisations_with_current_clusters(orgs)[:10]]
        first += [p.pk for p in project_selectors.projects_with_listing_details(projs)[:10]]
        return (org_count.value, project_count.value), first

    rng = random.Random(2026)
    qs = queries(data, rng)
    for q in qs:  # warm-up: caches, prepared plans
        search_full(q)
        search_bounded(q)
    timings: dict[str, list[float]] = {"full": [], "bounded": []}
    hits, same_first, same_counts = [], 0, 0
    for q in qs:
        runs: dict[str, list[float]] = {"full": [], "bounded": []}
        answers = {}
        for _ in range(3):  # alternated, so both meet the same load
            for name, search in (("full", search_full), ("bounded", search_bounded)):
                started = time.perf_counter()
                answers[name] = search(q)
                runs[name].append((time.perf_counter() - started) * 1000)
        for name in timings:
            timings[name].append(statistics.median(runs[name]))
        hits.append(answers["full"][0])
        same_first += answers["full"][1] == answers["bounded"][1]
        same_counts += answers["full"][0] == answers["bounded"][0]
    per_class: dict[str, dict[str, list[float]]] = {}
    for i in range(len(qs)):
        row = per_class.setdefault(CLASSES[i % len(CLASSES)], {"full": [], "bounded": []})
        for name in timings:
            row[name].append(timings[name][i])
    classes = {
        label: {
            name: [round(statistics.median(v), 1), round(percentile(v, 95), 1)]
            for name, v in row.items()
        }
        for label, row in per_class.items()
    }
    slowest = sorted(zip(timings["bounded"], qs, hits, strict=True), reverse=True)[:5]

    typo_rng = random.Random(7)
    long_stems = [w for w in STEMS + data["vocabulary"] if len(_strip(w)) >= 5]
    typos = [typo(typo_rng.choice(long_stems), typo_rng) for _ in range(60)]
    suggest_ms, recovered = [], 0
    for wrong, meant in typos:
        started = time.perf_counter()
        answer = registry_selectors.organisation_suggestion(
            scope=public, q=wrong
        ) or project_selectors.project_suggestion(scope=public, q=wrong)
        suggest_ms.append((time.perf_counter() - started) * 1000)
        recovered += answer == meant
    from grappe.core.models import SearchWord

    vocabulary = {
        index.table: SearchWord.objects.filter(index=index.table).count()
        for index in (ORGANISATIONS, PROJECTS)
    }

    import grappe.core.search as core_search

    ids = list(range(1, 1001))
    keep_words = core_search.words_write

    def upkeep_once(with_words: bool) -> float:
        core_search.words_write = keep_words if with_words else (lambda table, docs: None)
        try:
            started = time.perf_counter()
            with transaction.atomic():
                organisation_search_index_update(ids)
            return time.perf_counter() - started
        finally:
            core_search.words_write = keep_words

    # side by side, alternated: what the vocabulary adds to the upkeep of 1,000 entries
    with_words, without_words = [], []
    for _ in range(3):
        with_words.append(upkeep_once(True))
        without_words.append(upkeep_once(False))
    upkeep = statistics.median(with_words)
    upkeep_without = statistics.median(without_words)
    return {
        "vendor": connection.vendor,
        "generated_seconds": round(generated, 1),
        "participations": data["participations"],
        "builds": builds,
        "queries": len(qs),
        "p50_ms": {k: round(statistics.median(v), 1) for k, v in timings.items()},
        "p95_ms": {k: round(percentile(v, 95), 1) for k, v in timings.items()},
        "max_ms": {k: round(max(v), 1) for k, v in timings.items()},
        "classes": classes,
        "same_first": same_first,
        "same_counts": same_counts,
        "slowest": [(round(t, 1), q, h) for t, q, h in slowest],
        "upkeep_1000_orgs_s": round(upkeep, 2),
        "upkeep_without_vocabulary_s": round(upkeep_without, 2),
        "empty_results": sum(1 for h in hits if h == (0, 0)),
        "typos": len(typos),
        "typo_recovered": recovered,
        "suggest_p50_ms": round(statistics.median(suggest_ms), 1),
        "suggest_p95_ms": round(percentile(suggest_ms, 95), 1),
        "vocabulary": vocabulary,
    }


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--organisations", type=int, default=50_000)
    parser.add_argument("--projects", type=int, default=25_000)
    parser.add_argument("--child", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL database (to EXPLAIN a query)"
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.organisations, args.projects)))
        return
    work = Path(tempfile.mkdtemp(prefix="grappe-bench-search-"))
    for db in args.databases.split(","):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_NAME}")
            pg_admin(f"CREATE DATABASE {PG_BENCH_NAME}")
            env["DATABASE_URL"] = PG_BENCH
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--organisations",
                str(args.organisations),
                "--projects",
                str(args.projects),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if db != "sqlite" and not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_NAME}")
        if out.returncode != 0:
            raise SystemExit(f"{db} failed:\n{out.stderr[-4000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"[{db}] {args.organisations:,} organisations, {args.projects:,} projects, "
            f"{r['participations']:,} participations (generated in {r['generated_seconds']} s)"
        )
        for table, b in r["builds"].items():
            size = f"{b['bytes'] / 1e6:.1f} MB" if b["bytes"] >= 0 else "size unknown"
            print(f"[{db}]   index {table}: {b['entries']:,} entries, {b['seconds']} s, {size}")
        for name, what in (
            ("bounded", "bounded preview + count capped at 1,000 (the search page)"),
            ("full", "every match ranked and counted (before; the lists still page this way)"),
        ):
            print(
                f"[{db}]   {r['queries']} queries, {what}: p50 {r['p50_ms'][name]} ms, "
                f"p95 {r['p95_ms'][name]} ms, max {r['max_ms'][name]} ms (target p95 < 100 ms)"
            )
        print(f"[{db}]   per class, p50 / p95 ms, bounded | full:")
        for label, row in r["classes"].items():
            b, f = row["bounded"], row["full"]
            print(f"[{db}]     {label:16} {b[0]:7} / {b[1]:7} | {f[0]:7} / {f[1]:7}")
        print(
            f"[{db}]   same first 10 organisations and projects as the full ranking: "
            f"{r['same_first']} of {r['queries']} queries; same counts: {r['same_counts']} "
            f"(the others matched more than 1,000); {r['empty_results']} found nothing"
        )
        print(f"[{db}]   slowest (bounded): {r['slowest']}")
        print(
            f"[{db}]   upkeep: 1,000 organisation entries rewritten in {r['upkeep_1000_orgs_s']} s "
            f"({r['upkeep_without_vocabulary_s']} s without the vocabulary, same run)"
        )
        print(
            f"[{db}]   typos: {r['typo_recovered']} of {r['typos']} one-mistake queries given "
            f"back the word meant; 'did you mean' p50 {r['suggest_p50_ms']} ms, "
            f"p95 {r['suggest_p95_ms']} ms; vocabulary {r['vocabulary']}"
        )


if __name__ == "__main__":
    main()
