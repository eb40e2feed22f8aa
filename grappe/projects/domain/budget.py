"""Budget arithmetic shared by the project page and the API (pure, Decimal in and out)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Share:
    key: str
    amount: Decimal
    percent: Decimal  # of the total, unrounded


def shares(amounts: Iterable[tuple[str, Decimal]], order: Sequence[str]) -> list[Share]:
    """Sum the amounts per key and give each key's share of the total, keys in `order`.

    Keys absent from `order` come last, alphabetically; an empty or zero total gives [].
    """
    sums: dict[str, Decimal] = {}
    for key, amount in amounts:
        sums[key] = sums.get(key, ZERO) + amount
    total = sum(sums.values(), ZERO)
    if not total:
        return []
    rank = {key: i for i, key in enumerate(order)}
    keys = sorted(sums, key=lambda k: (rank.get(k, len(rank)), k))
    return [Share(key, sums[key], sums[key] * HUNDRED / total) for key in keys]
