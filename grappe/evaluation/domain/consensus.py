"""From the experts' individual reports to the consensus report. Pure.

The rapporteur writes the consensus scores; when the individual scores on a criterion are
further apart than the call's gap (highest minus lowest), the consensus report must carry a
minority view (Horizon Europe's practice: a disagreement is recorded, not averaged away). The
mean of the individual scores, rounded down to the half-point grid, is offered as a starting
point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from grappe.funding.domain.evaluation import STEP

DEFAULT_GAP = Decimal(2)


@dataclass(frozen=True)
class Spread:
    criterion: str
    low: Decimal
    high: Decimal

    @property
    def gap(self) -> Decimal:
        return self.high - self.low


def disagreements(
    reports: Sequence[Mapping[str, Decimal]], codes: Sequence[str], gap: Decimal
) -> list[Spread]:
    """The criteria on which the individual scores differ by more than `gap`."""
    out: list[Spread] = []
    for code in codes:
        values = [r[code] for r in reports if code in r]
        if len(values) >= 2 and max(values) - min(values) > gap:
            out.append(Spread(code, min(values), max(values)))
    return out


def mean_scores(
    reports: Sequence[Mapping[str, Decimal]], codes: Sequence[str]
) -> dict[str, Decimal]:
    """Per criterion, the mean of the individual scores rounded down to the half-point grid
    (criteria nobody scored are absent)."""
    out: dict[str, Decimal] = {}
    for code in codes:
        values = [r[code] for r in reports if code in r]
        if values:
            mean = sum(values, Decimal(0)) / len(values)
            out[code] = (mean / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP
    return out
