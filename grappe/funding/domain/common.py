"""Shared vocabulary of the funding domain: partner kinds, explanations and money helpers.

The research and cost categories are the budget's (`grappe.projects.domain.vocabulary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum

from grappe.projects.domain.vocabulary import CostCategory, ResearchCategory
from grappe.registry.domain.sme import Explanation

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

ParamValue = Decimal | str | int
Params = Mapping[str, ParamValue]

# One explanation type for the SME and funding domains; the budget vocabulary of the projects.
__all__ = ["CostCategory", "Explanation", "ResearchCategory"]

HALF_UP = Context(prec=28, rounding=ROUND_HALF_UP)


class PartnerKind(StrEnum):
    COMPANY = "company"
    RESEARCH_ORGANISATION = "research_organisation"
    TRAINING_ORGANISATION = "training_organisation"
    # IRT / ITE: funded like a research organisation, but never the academic partner (§3.1).
    TECHNOLOGY_INSTITUTE = "technology_institute"
    OTHER = "other"

    @property
    def is_research_body(self) -> bool:
        """Funded under the scheme's research-organisation rule when non-economic."""
        return self in _RESEARCH_BODIES

    @property
    def is_academic(self) -> bool:
        """Counts as the consortium's research or training partner."""
        return self in _ACADEMIC


_RESEARCH_BODIES = frozenset(
    {
        PartnerKind.RESEARCH_ORGANISATION,
        PartnerKind.TRAINING_ORGANISATION,
        PartnerKind.TECHNOLOGY_INSTITUTE,
    }
)
_ACADEMIC = frozenset({PartnerKind.RESEARCH_ORGANISATION, PartnerKind.TRAINING_ORGANISATION})


class RoBasis(StrEnum):
    """How a research organisation's costs are stated: full cost or marginal (additional) cost."""

    FULL_COST = "full_cost"
    MARGINAL_COST = "marginal_cost"


def pct(rate: Decimal) -> Decimal:
    """A fraction as a display percentage, to 2 decimals (0.45 -> 45; 1/3 -> 33.33)."""
    return HALF_UP.quantize(rate * HUNDRED, CENT).normalize() + ZERO


def pct_against(rate: Decimal, limit: Decimal) -> Decimal:
    """`rate` as a percentage with as many decimals as it takes not to look equal to `limit`.

    A sentence "bears 70 % (at most 70 %)" next to a refusal would contradict it when the true
    share is 70.001 %: two decimals are shown, more when rounding would hide a difference (up
    to the exact value).
    """
    if rate == limit:
        return pct(rate)
    target = pct(limit)
    for places in range(2, 28):
        shown = HALF_UP.quantize(rate * HUNDRED, Decimal(1).scaleb(-places)).normalize() + ZERO
        if shown != target:
            return shown
    return (rate * HUNDRED).normalize() + ZERO


def cents(amount: Decimal) -> Decimal:
    """Round money to the cent, half up; only ever applied to outputs."""
    return HALF_UP.quantize(amount, CENT)


def as_decimal(value: object, what: str) -> Decimal:
    """Accept Decimal, int or numeric str (never float or bool) as a Decimal."""
    if isinstance(value, bool | float):
        raise TypeError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
