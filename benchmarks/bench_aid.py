"""Benchmark: maximum aid for 10,000 synthetic projects of 3 to 8 partners.

Each company partner comes with an ownership chain (parent, grandparent, subsidiary, investors,
two years of figures), so the timing includes the EU SME assessment of every company as well as
the aid computation. Generation is seeded and timed separately.

Two modes, same arithmetic (the script checks that their totals agree):

* explained: `assess_smes` + `simulate` - every explanation step, line result and verdict;
* batch: `assess_smes(explain=False)` + `max_aid` - the figures only, for ranking/allocation.

Each runs in one process, then split over the machine's cores (forked workers).

    python benchmarks/bench_aid.py [--projects N] [--seed S] [--workers W]

Target: under 2 s for 10,000 projects on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grappe.funding.domain.aid import max_aid, simulate
from grappe.funding.domain.common import (
    CostCategory,
    PartnerKind,
    ResearchCategory,
    RoBasis,
)
from grappe.funding.domain.inputs import (
    CostLine,
    OtherAid,
    PartnerInput,
    ProjectInput,
)
from grappe.funding.domain.rulesets import READY_MADE, RuleSet, ready_made
from grappe.registry.domain.sme import (
    Enterprise,
    EnterpriseFigures,
    HolderKind,
    Holding,
    SmeResult,
    assess_smes,
)

CATEGORIES = list(CostCategory)
RESEARCH = (
    [ResearchCategory.INDUSTRIAL] * 3
    + [ResearchCategory.EXPERIMENTAL] * 3
    + [
        ResearchCategory.FUNDAMENTAL,
        ResearchCategory.FEASIBILITY,
    ]
)
KINDS = [HolderKind.ENTERPRISE] * 6 + [
    HolderKind.VENTURE_CAPITAL,
    HolderKind.NATURAL_PERSON,
    HolderKind.UNIVERSITY,
    HolderKind.PUBLIC_BODY,
]


@dataclass(frozen=True, slots=True)
class Case:
    project: ProjectInput
    ruleset: RuleSet
    enterprises: dict[str, Enterprise]
    holdings: tuple[Holding, ...]
    companies: tuple[str, ...]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _figures(rng: random.Random, scale: int) -> tuple[EnterpriseFigures, ...]:
    staff = Decimal(rng.randrange(1, scale * 10)) / 10
    turnover = _money(rng, 10_000, scale * 200_000)
    balance = _money(rng, 10_000, scale * 150_000)
    return (
        EnterpriseFigures(2023, staff, turnover, balance),
        EnterpriseFigures(2024, staff * Decimal("1.1"), turnover * Decimal("1.05"), balance),
    )


def _share(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(5, 100)) / 100


def _company(
    rng: random.Random, pid: str, ents: dict[str, Enterprise], holds: list[Holding]
) -> None:
    """A company with an ownership chain of 0-3 upstream levels and maybe a subsidiary."""
    scale = rng.choice([5, 30, 200, 2000, 8000])
    ents[pid] = Enterprise(
        pid,
        _figures(rng, scale),
        founded=date(rng.randrange(1980, 2024), rng.randrange(1, 13), 1),
        jei=rng.random() < 0.05,
    )
    held = pid
    for level in range(rng.randrange(0, 4)):
        holder = f"{pid}-up{level}"
        kind = rng.choice(KINDS)
        if kind is HolderKind.ENTERPRISE:
            ents[holder] = Enterprise(holder, _figures(rng, rng.choice([5, 50, 500, 5000])))
        share = _share(rng)
        holds.append(Holding(holder, held, share, share, kind))
        if kind is not HolderKind.ENTERPRISE:
            break
        held = holder
    if rng.random() < 0.4:
        sub = f"{pid}-sub"
        ents[sub] = Enterprise(sub, _figures(rng, rng.choice([5, 50])))
        share = _share(rng)
        holds.append(Holding(pid, sub, share, share))


def generate(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    rulesets = [ready_made(code) for code in sorted(READY_MADE)]
    cases = []
    for i in range(n):
        ents: dict[str, Enterprise] = {}
        holds: list[Holding] = []
        partners = []
        companies = []
        for j in range(rng.randrange(3, 9)):
            pid = f"P{i}-{j}"
            kind = (
                PartnerKind.COMPANY
                if j < 2 or rng.random() < 0.6
                else PartnerKind.RESEARCH_ORGANISATION
            )
            costs = tuple(
                CostLine(
                    rng.choice(CATEGORIES),
                    rng.choice(RESEARCH),
                    _money(rng, 5_000, 900_000),
                    f"{pid}-L{k}",
                )
                for k in range(rng.randrange(2, 6))
            )
            other = (
                (OtherAid("region", rng.choice(CATEGORIES), _money(rng, 1_000, 200_000)),)
                if rng.random() < 0.15
                else ()
            )
            if kind is PartnerKind.COMPANY:
                _company(rng, pid, ents, holds)
                companies.append(pid)
            partners.append(
                PartnerInput(
                    pid,
                    kind,
                    costs,
                    coordinator=j == 0,
                    group=None,
                    in_cluster_territory=rng.random() < 0.8,
                    in_paris=rng.random() < 0.3,
                    ro_basis=rng.choice([None, RoBasis.MARGINAL_COST]),
                    other_aid=other,
                )
            )
        project = ProjectInput(
            f"P{i}",
            tuple(partners),
            accreditations=("c1",) if rng.random() < 0.8 else (),
            lead_cluster="c1",
            as_of=date(2025, 1, 1),
        )
        cases.append(
            Case(project, rulesets[i % len(rulesets)], ents, tuple(holds), tuple(companies))
        )
    return cases


def run_explained(cases: list[Case]) -> Decimal:
    """Full output: SME steps, per-line explanations, cumulation, verdicts."""
    total = Decimal(0)
    for c in cases:
        sizes: dict[str, SmeResult] = assess_smes(c.companies, c.enterprises, c.holdings)
        total += simulate(c.project, c.ruleset, sizes).total_max_aid
    return total


def run_batch(cases: list[Case]) -> Decimal:
    """Same arithmetic, no explanation objects (what ranking or allocation runs need)."""
    total = Decimal(0)
    for c in cases:
        sizes = assess_smes(c.companies, c.enterprises, c.holdings, explain=False)
        total += max_aid(c.project, c.ruleset, sizes).total
    return total


MODES = {"explained": run_explained, "batch": run_batch}
_CASES: list[Case] = []


def _run_slice(job: tuple[str, int, int]) -> tuple[Decimal, float]:
    mode, lo, hi = job
    c0 = time.process_time()
    total = MODES[mode](_CASES[lo:hi])
    return total, time.process_time() - c0


def run_parallel(mode: str, cases: list[Case], workers: int) -> tuple[Decimal, float]:
    """Split the projects over forked worker processes (they inherit the cases, no pickling).

    The timed region includes starting and joining the workers.
    """
    global _CASES
    _CASES = cases
    step = -(-len(cases) // workers)
    jobs = [(mode, i, min(i + step, len(cases))) for i in range(0, len(cases), step)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_run_slice, jobs)
    return sum((t for t, _ in parts), Decimal(0)), sum(c for _, c in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    cases = generate(args.projects, args.seed)
    # The generated input is long-lived: keep the cyclic collector from rescanning it.
    gc.collect()
    gc.freeze()
    t1 = time.perf_counter()
    n = len(cases)
    partners = sum(len(c.project.partners) for c in cases)
    companies = sum(len(c.companies) for c in cases)
    print(f"projects:          {n}")
    print(f"partners:          {partners} ({companies} SME assessments with ownership chains)")
    print(f"generation:        {t1 - t0:.2f} s (not counted)")
    totals = set()
    for mode, fn in MODES.items():
        w0, c0 = time.perf_counter(), time.process_time()
        totals.add(fn(cases))
        w1, c1 = time.perf_counter(), time.process_time()
        print(
            f"{mode:9} 1 process:  {w1 - w0:6.3f} s wall, {c1 - c0:6.3f} s CPU, "
            f"{(w1 - w0) / n * 1e6:5.0f} µs per project"
        )
        if args.workers > 1:
            w0 = time.perf_counter()
            total, cpu = run_parallel(mode, cases, args.workers)
            w1 = time.perf_counter()
            totals.add(total)
            print(
                f"{mode:9} {args.workers} processes: {w1 - w0:5.3f} s wall, {cpu:6.3f} s CPU, "
                f"{(w1 - w0) / n * 1e6:5.0f} µs per project"
            )
    assert len(totals) == 1, f"modes disagree: {totals}"
    print(f"load average:      {os.getloadavg()[0]:.2f} (other processes compete for the cores)")
    print(f"total maximum aid: {totals.pop():,} EUR")


if __name__ == "__main__":
    main()
