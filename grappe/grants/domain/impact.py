"""What the grants did, rolled up: one definition of each figure, used by every page and the
API. Pure.

- **granted**: the amounts of the agreements in force (public money);
- **paid**: the installments paid;
- **own contribution**: the partners' share of their eligible costs, eligible costs less the
  grant, per agreement (never negative);
- **follow-on funding** (private, public), **jobs** (FTE), **patents**, **products**,
  **publications**: sums over the *approved* reports; each report gives the figures of its own
  period (new jobs, new patents), so they add up;
- **leverage**: private euros per public euro, (own contribution + private follow-on funding) /
  granted, to the hundredth (rounded down); none when nothing was granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal("0")


def leverage(
    *, own_contribution: Decimal, follow_on_private: Decimal, granted: Decimal
) -> Decimal | None:
    if granted <= ZERO:
        return None
    return ((own_contribution + follow_on_private) / granted).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )


@dataclass(frozen=True)
class Impact:
    agreements: int = 0
    granted: Decimal = ZERO
    paid: Decimal = ZERO
    own_contribution: Decimal = ZERO
    follow_on_private: Decimal = ZERO
    follow_on_public: Decimal = ZERO
    jobs_fte: Decimal = ZERO
    patents: int = 0
    products: int = 0
    publications: int = 0
    by_year: tuple[YearImpact, ...] = field(default=())

    @property
    def leverage(self) -> Decimal | None:
        return leverage(
            own_contribution=self.own_contribution,
            follow_on_private=self.follow_on_private,
            granted=self.granted,
        )


@dataclass(frozen=True)
class YearImpact:
    year: int
    granted: Decimal = ZERO  # by the year of the decision
    paid: Decimal = ZERO  # by the year of payment
    follow_on_private: Decimal = ZERO  # by the year of the report
    follow_on_public: Decimal = ZERO
    jobs_fte: Decimal = ZERO
    patents: int = 0
