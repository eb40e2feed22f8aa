"""The largest aid simulation the limits accept, its CPU time and answer size (target < 1 s).

    python benchmarks/bench_aid_limits.py [--repeat 3]

Builds inline `POST /api/v1/aid/simulate` bodies at the limits of `funding/simulation.py`
(`AID_SIMULATION_MAX_*` settings) and runs them through the endpoint's whole path in one
process: the body parsed by the API schema, the limits checked, the input built (SME
assessment included), the engine, the answer shaped, validated by `SimulationOut` and written
as JSON. Prints, per case, the body size, CPU and wall time (best of `--repeat`) and the answer
size. Issue 13 measured 21 s of CPU and a 14.7 MB answer for a 1 MB body of 50 partners x 200
cost lines with 50 other-funder lines each; that body is now refused (its 422 is timed too).

Cases:
* lines: 50 partners, every cost line and other-aid line the limits allow, the other-aid lines
  naming cost lines up to the item limit (the double-funding check);
* ownership: 50 companies with figures, 200 enterprises and 500 holdings (SME assessment);
* issue-13: the body of the finding, refused.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")

import django

django.setup()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import translation  # noqa: E402

from grappe.funding.schemas import SimulateIn, SimulationOut  # noqa: E402
from grappe.funding.simulation import (  # noqa: E402
    SimulationInputError,
    inline_aid_input,
    resolve_ruleset,
    run_simulation,
    simulation_to_dict,
)

CATEGORIES = ["personnel", "instruments_equipment", "contractual_research", "overheads_operating"]
RESEARCH = ["industrial", "experimental", "fundamental"]
SIZES = ["small", "medium", "large", "micro"]


def _partner(i: int, lines: int, other: int, ids_per_other: int, figures: int) -> dict[str, Any]:
    costs = [
        {
            "id": f"p{i}-l{j}",
            "category": CATEGORIES[j % len(CATEGORIES)],
            "research": RESEARCH[j % len(RESEARCH)],
            "amount": str(10_000 + 37 * j),
        }
        for j in range(lines)
    ]
    return {
        "id": f"p{i}",
        "name": f"Partner {i}",
        "kind": "company" if i % 5 else "research_organisation",
        "size": SIZES[i % len(SIZES)],
        "coordinator": i == 0,
        "figures": [
            {"year": 2020 + y, "staff_awu": "40", "turnover": "8000000", "balance_sheet": "6e6"}
            for y in range(figures)
        ]
        if i % 5
        else [],
        "costs": costs,
        "other_aid": [
            {
                "funder": f"Funder {k}",
                "category": CATEGORIES[k % len(CATEGORIES)],
                "amount": "1500",
                "cost_line_ids": [f"p{i}-l{(k + m) % max(lines, 1)}" for m in range(ids_per_other)],
            }
            for k in range(other)
        ],
    }


def lines_case() -> dict[str, Any]:
    partners = 50
    lines = settings.AID_SIMULATION_MAX_COST_LINES // partners
    other = settings.AID_SIMULATION_MAX_OTHER_AID // partners
    figures = 2
    companies = sum(1 for i in range(partners) if i % 5)
    used = partners + partners * lines + partners * other + companies * figures
    ids = max(0, (settings.AID_SIMULATION_MAX_ITEMS - used) // max(partners * other, 1))
    ids = min(ids, 200, lines)
    body = [_partner(i, lines, other, ids, figures) for i in range(partners)]
    return {"project": {"id": "LINES", "partners": body}, "ruleset_code": "fui-19"}


def ownership_case() -> dict[str, Any]:
    partners = [_partner(i, 4, 0, 0, 2) for i in range(50)]
    enterprises = [
        {
            "id": f"e{k}",
            "figures": [
                {"year": 2023, "staff_awu": "120", "turnover": "3e7", "balance_sheet": "2e7"}
            ],
        }
        for k in range(200)
    ]
    holdings = []
    for k in range(500):
        held = f"p{k % 50}" if k % 2 else f"e{k % 200}"
        holder = f"e{(k * 7 + 3) % 200}"
        holdings.append({"holder": holder, "held": held, "capital_share": "0.3"})
    return {
        "project": {
            "id": "OWNERS",
            "partners": partners,
            "enterprises": enterprises,
            "ownership": holdings,
        },
        "ruleset_code": "fui-19",
    }


def issue_case() -> dict[str, Any]:
    body = [_partner(i, 200, 50, 0, 0) for i in range(50)]
    return {"project": {"id": "ISSUE13", "partners": body}, "ruleset_code": "fui-19"}


def run(body: bytes) -> tuple[int, str]:
    """What the endpoint does for an inline simulation: (answer bytes, outcome)."""
    payload = SimulateIn.model_validate_json(body)
    assert payload.project is not None
    with translation.override("en"):
        ruleset, call = resolve_ruleset(scope=None, ruleset_code=payload.ruleset_code)  # type: ignore[arg-type]
        try:
            aid_input = inline_aid_input(payload.project)
        except SimulationInputError as exc:
            return 0, f"422 {exc.rule}: {exc.message}"
        result = run_simulation(aid_input, ruleset)
        out = SimulationOut.model_validate(simulation_to_dict(result, aid_input, ruleset, call))
        answer = orjson.dumps(out.model_dump(mode="json"))
    return len(answer), f"200, total max aid {out.total_max_aid} EUR"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        "limits: "
        f"{settings.AID_SIMULATION_MAX_COST_LINES} cost lines, "
        f"{settings.AID_SIMULATION_MAX_OTHER_AID} other-aid lines, "
        f"{settings.AID_SIMULATION_MAX_ITEMS} list items; "
        f"body {settings.REQUEST_MAX_BODY_BYTES // 1024} KiB"
    )
    for name, make in (
        ("lines", lines_case),
        ("ownership", ownership_case),
        ("issue-13", issue_case),
    ):
        body = orjson.dumps(make())
        best_cpu = best_wall = float("inf")
        for _ in range(args.repeat):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            size, outcome = run(body)
            best_cpu = min(best_cpu, time.process_time() - cpu0)
            best_wall = min(best_wall, time.perf_counter() - wall0)
        over = (
            " (over the body limit: a 413 before parsing)"
            if len(body) > settings.REQUEST_MAX_BODY_BYTES
            else ""
        )
        print(
            f"{name:10} body {len(body) / 1024:7.1f} KiB{over}; CPU {best_cpu:.3f} s, "
            f"wall {best_wall:.3f} s; answer {size / 1024:.1f} KiB; {outcome}"
        )


if __name__ == "__main__":
    main()
