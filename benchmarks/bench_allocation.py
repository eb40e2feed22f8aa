"""Envelope allocation at scale: `funding/domain/allocation.py` against a plain highspy model of
the same problem, built and solved in the same run. Prints figures; asserts nothing.

    python benchmarks/bench_allocation.py [--applications 100000] [--funders 5] [--seed 3]

Synthetic applications: panel scores 0–15 in half points, requests of 50 k€ to 1.5 M€, a minimum
viable amount of 50–100 % of the request, 1 to 3 of the funders asked, each capped at 30–100 % of
the request (partners' maximum aid), a co-funding pledge on one request in ten, and envelopes of
a third of what is asked of each funder. The plain model is the same mixed-integer programme
passed to HiGHS in one call (`passModel` of column arrays) and solved once, with the same gap.
Grappe's solves the linear relaxation first and the few projects it leaves fractional as
binaries (the whole programme only when that is not within the gap), then its second pass (the
funded set fixed, the rest handed out by rank). Printed: each one's time, wall and CPU (HiGHS runs
one thread here, so CPU time is the fairer figure on a shared machine), and the ratios (target
≤ 3), Grappe's optimality gap against the plain model's best bound (target ≤ 1e-4), the funded
projects and score, and the rank-order line's for comparison.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import highspy  # noqa: E402

from grappe.funding.domain.allocation import (  # noqa: E402
    MIP_GAP,
    Candidate,
    Request,
    _Model,
    optimise,
    rank_order,
)


def synthetic(n: int, n_funders: int, seed: int) -> tuple[list[Candidate], dict[str, Decimal]]:
    rng = random.Random(seed)
    funders = [f"funder-{i}" for i in range(n_funders)]
    asked = dict.fromkeys(funders, Decimal(0))
    out = []
    for pid in range(n):
        requested = Decimal(rng.randrange(50_000, 1_500_000, 1000))
        minimum = (requested * Decimal(rng.randint(50, 100)) / 100).quantize(Decimal(1))
        chosen = rng.sample(funders, rng.randint(1, 3))
        requests = []
        for f in chosen:
            cap = (requested * Decimal(rng.randint(30, 100)) / 100).quantize(Decimal(1))
            pledge = (cap / 5).quantize(Decimal(1)) if rng.random() < 0.1 else Decimal(0)
            requests.append(Request(f, cap, pledge))
            asked[f] += cap
        score = Decimal(rng.randint(0, 30)) / 2
        out.append(Candidate(pid, score, requested, minimum, tuple(requests)))
    envelopes = {f: (a / 3).quantize(Decimal(1)) for f, a in asked.items()}
    return out, envelopes


def plain(
    candidates: list[Candidate], envelopes: dict[str, Decimal]
) -> tuple[float, float, float, float]:
    """The same programme, passed and solved once: (objective, best bound, seconds, CPU s)."""
    started, cpu = time.perf_counter(), time.process_time()
    lp = _Model(candidates, envelopes).rows()
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    return (
        info.objective_function_value,
        info.mip_dual_bound,
        time.perf_counter() - started,
        time.process_time() - cpu,
    )


def best_status(objective: float, bound: float) -> str:
    return f"gap {(bound - objective) / max(abs(bound), 1e-9):.2e}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--funders", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    candidates, envelopes = synthetic(args.applications, args.funders, args.seed)
    asks = sum(len(c.requests) for c in candidates)
    print(
        f"{args.applications:,} applications, {args.funders} funders, {asks:,} requests; "
        f"envelopes {sum(envelopes.values()) / Decimal('1e6'):,.1f} M€"
    )
    objective, bound, plain_s, plain_cpu = plain(candidates, envelopes)
    started, cpu = time.perf_counter(), time.process_time()
    best = optimise(candidates, envelopes)
    grappe_s, grappe_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    line = rank_order(candidates, envelopes)
    line_s = time.perf_counter() - started
    gap = (bound - float(best.total_score)) / max(abs(bound), 1e-9)
    used = best.used()
    assert all(used.get(f, Decimal(0)) <= e for f, e in envelopes.items())
    print(
        f"plain highspy model: {plain_s:.1f} s ({plain_cpu:.1f} s CPU), objective "
        f"{objective:,.1f}, best bound {bound:,.1f}, {best_status(objective, bound)}"
    )
    print(
        f"Grappe (model, relaxation, MIP if needed, second pass, amounts in cents): "
        f"{grappe_s:.1f} s ({grappe_cpu:.1f} s CPU) = {grappe_s / plain_s:.2f}x the plain model "
        f"({grappe_cpu / plain_cpu:.2f}x in CPU; target <= 3); score {best.total_score:,} for "
        f"{len(best.funded):,} projects; gap to the best bound {gap:.2e} (target <= 1e-4); "
        f"solver's own gap {best.gap:.2e}; no envelope exceeded"
    )
    print(
        f"rank-order line: {line_s:.1f} s, score {line.total_score:,} for "
        f"{len(line.funded):,} projects ({len(best.funded ^ line.funded):,} projects treated "
        "differently)"
    )


if __name__ == "__main__":
    main()
