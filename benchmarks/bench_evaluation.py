"""Expert evaluation at scale: conflicts of interest over the real participations, and the
assignment of experts to applications (issue 10's figures). Prints figures; asserts nothing.

    python benchmarks/bench_evaluation.py [--data ../shared/data] [--experts 1000]
        [--applications 5000] [--per-application 3] [--top 40]

1. **Conflicts** (`funding/domain/conflicts.py`) for `--experts` experts × `--applications`
   applications over the real CORDIS H2020 (2016) and ANR participations: each expert is an
   organisation drawn from the files (fixed seed), each application the consortium of a real
   project (drawn, as a new application), plus synthetic ownership chains of two links over 2 %
   of the organisations (the files have no ownership). "Today" is 2022-06-30, so that part of
   the projects fall within the 5-year window and part beyond. Prints the time to build the
   index and to detect, and the conflicts by kind. Target: under 30 s.
2. **Assignment** (`funding/domain/assignment.py`): synthetic expertise texts (a Zipf draw over
   a vocabulary of 2,000 field words) for the same numbers, loads of 15 to 25 applications,
   2 % of pairs blocked by conflicts; the TF-IDF fit, the `--top` candidates per application,
   and the HiGHS programme. Prints each phase's time, the seats filled, the mean fit of the
   assignment against the mean fit of a random allowed one, and checks that the solution is
   integral. Target: under 60 s in all.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grappe.funding.domain.assignment import ExpertiseModel, assign, candidates  # noqa: E402
from grappe.funding.domain.conflicts import (  # noqa: E402
    Application,
    ConflictIndex,
    Expert,
    Participation,
    detect,
)

csv.field_size_limit(10 * 1024 * 1024)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def real_participations(data: Path) -> tuple[list[Participation], dict[int, set[int]]]:
    """Every (project, organisation) of CORDIS H2020 2016 and ANR, with dates; and each
    project's organisations. Ids are made here (CORDIS PICs and ANR names are two spaces)."""
    ids: dict[tuple[str, str], int] = {}

    def org(space: str, key: str) -> int:
        return ids.setdefault((space, key), len(ids) + 1)

    projects: dict[tuple[str, str], int] = {}
    dates: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    folder = data / "cordis-h2020-2016"
    with (folder / "project.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            dates[row["id"]] = (_date(row["startDate"]), _date(row["endDate"]))
    out: list[Participation] = []
    members: dict[int, list[int]] = defaultdict(list)
    with (folder / "organization.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            pid = projects.setdefault(("cordis", row["projectID"]), len(projects) + 1)
            start, end = dates.get(row["projectID"], (None, None))
            o = org("cordis", row["organisationID"] or row["name"])
            out.append(Participation(pid, o, start, end))
            members[pid].append(o)
    anr = data / "anr-dos-partners" / "anr_dos_partners.csv"
    with anr.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["Projet.Code_Decision_ANR"]
            pid = projects.setdefault(("anr", code), len(projects) + 1)
            try:
                start = dt.date(2000 + int(code.split("-")[1]), 1, 1)
            except (IndexError, ValueError):
                start = None
            name = row["Projet.Partenaire.Nom_organisme"].strip().casefold()
            o = org("anr", row["Projet.Partenaire.Code_RNSR"].strip() or name)
            out.append(Participation(pid, o, start, None))
            members[pid].append(o)
    return out, {k: set(v) for k, v in members.items()}


def bench_conflicts(data: Path, n_experts: int, n_apps: int) -> None:
    started = time.perf_counter()
    participations, members = real_participations(data)
    read = time.perf_counter() - started
    rng = random.Random(10)
    organisations = sorted({p.organisation for p in participations})
    chained = rng.sample(organisations, len(organisations) // 50)
    links = [(chained[i], chained[i + 1]) for i in range(0, len(chained) - 2, 3)]
    links += [(chained[i + 1], chained[i + 2]) for i in range(0, len(chained) - 2, 3)]
    started = time.perf_counter()
    index = ConflictIndex(participations, links, today=dt.date(2022, 6, 30))
    built = time.perf_counter() - started
    experts = [
        Expert(i, frozenset({o})) for i, o in enumerate(rng.sample(organisations, n_experts))
    ]
    consortia = [m for m in members.values() if len(m) >= 2]
    apps = [
        Application(i, project=-(i + 1), partners=frozenset(rng.choice(consortia)))
        for i in range(n_apps)
    ]
    started = time.perf_counter()
    found = detect(index, experts, apps)
    detected = time.perf_counter() - started
    by_kind: dict[str, int] = defaultdict(int)
    for conflicts in found.values():
        for c in conflicts:
            by_kind[c.kind.value] += 1
    print(
        f"conflicts: {len(participations):,} real participations ({len(organisations):,} "
        f"organisations, {len(members):,} projects) read in {read:.1f} s; "
        f"{len(links):,} synthetic ownership links"
    )
    print(
        f"conflicts: index built in {built:.2f} s; {n_experts:,} experts x {n_apps:,} "
        f"applications checked in {detected:.2f} s (target < 30 s for both): "
        f"{len(found):,} conflicted pairs, {dict(sorted(by_kind.items()))}"
    )


def bench_assignment(n_experts: int, n_apps: int, per_app: int, top: int) -> None:
    rng = random.Random(11)
    vocabulary = [f"field{i:04d}" for i in range(2000)]
    weights = [1 / (i + 1) for i in range(len(vocabulary))]

    def text(words: int) -> str:
        return " ".join(rng.choices(vocabulary, weights=weights, k=words))

    expert_texts = [text(8) for _ in range(n_experts)]
    app_texts = [text(30) for _ in range(n_apps)]
    loads = [rng.randint(15, 25) for _ in range(n_experts)]
    forbidden = {
        (rng.randrange(n_apps), rng.randrange(n_experts)) for _ in range(n_apps * n_experts // 50)
    }
    t0 = time.perf_counter()
    model = ExpertiseModel(expert_texts, app_texts)
    fit = model.fit()
    t1 = time.perf_counter()
    pairs = candidates(fit, forbidden, top=top)
    t2 = time.perf_counter()
    result = assign(pairs, n_applications=n_apps, loads=loads, per_application=per_app)
    t3 = time.perf_counter()
    used: dict[int, int] = defaultdict(int)
    for _a, e, _f in result.pairs:
        used[e] += 1
    assert all(used[e] <= loads[e] for e in used)
    assert not any((a, e) in forbidden for a, e, _f in result.pairs)
    allowed = [(a, e) for a in range(n_apps) for e in rng.sample(range(n_experts), 6)]
    random_fit = sum(fit[a, e] for a, e in allowed if (a, e) not in forbidden) / len(allowed)
    seats = len(result.pairs)
    print(
        f"assignment: {n_apps:,} applications x {n_experts:,} experts, {per_app} each, "
        f"top {top} candidates ({len(pairs):,} pairs): fit {t1 - t0:.1f} s, candidates "
        f"{t2 - t1:.1f} s, HiGHS {t3 - t2:.1f} s, total {t3 - t0:.1f} s (target < 60 s); "
        f"status {result.status}, {seats:,} of {n_apps * per_app:,} seats filled, "
        f"mean fit {result.total_fit / max(1, seats):.3f} (a random allowed expert: "
        f"{random_fit:.3f}); integral, loads and conflicts respected"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--per-application", type=int, default=3)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if (args.data / "cordis-h2020-2016").is_dir():
        bench_conflicts(args.data, args.experts, args.applications)
    else:
        print(f"conflicts: skipped, no real data at {args.data}")
    bench_assignment(args.experts, args.applications, args.per_application, args.top)


if __name__ == "__main__":
    main()
