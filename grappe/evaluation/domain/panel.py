"""The panel's ranking of a call's applications from their consensus scores. Pure.

Each application's overall score is the weighted sum of its consensus scores (weights add up to
the number of criteria, `funding/domain/evaluation.py`). An application below any criterion's
threshold or below the overall threshold is **rejected**, with the thresholds it missed. The
others are ranked by overall score, best first; the first `main_size` form the **main list**, the
rest the **reserve list**.

Ties (equal overall scores) are broken by the call's tie-break rules in order (Horizon Europe's
practice): at each place, the tied applications still unplaced are compared on the first rule;
those best on it stay in contention, then the next rule, until one is left. The rules:

- `topic_coverage`: the number of the application's topics (its project's keywords) not yet
  covered by an application placed above it: what it adds to the portfolio;
- `criterion:<code>`: the consensus score on that criterion;
- `sme_count`: the number of SMEs in the consortium.

When every rule leaves them equal, the earlier application (the smaller number) goes first
(`application_order`). Every tied application records the rule that placed it
(`Place.tie_rule`), shown beside it on the panel page: the one that made the decision between it
and the applications it was tied with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop
from grappe.funding.domain.evaluation import (
    TIE_CRITERION,
    TIE_SME_COUNT,
    TIE_TOPIC_COVERAGE,
    EvaluationSetup,
)

TIE_APPLICATION_ORDER = "application_order"
TIE_APPLICATION_ORDER_LABEL = gettext_noop(
    "Order of the applications (no tie-break rule separated them)"
)
OVERALL = "overall"


class PanelList(StrEnum):
    MAIN = "main"
    RESERVE = "reserve"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Entry:
    """One application before the panel: its consensus score per criterion code, the number
    of SMEs in its consortium and its topics (folded keywords)."""

    application: int
    scores: Mapping[str, Decimal]
    sme_count: int = 0
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Place:
    application: int
    list: PanelList
    rank: int | None  # 1 = best; None when rejected
    score: Decimal
    tie_rule: str = ""  # the rule that placed it among the applications it tied with
    tied_with: tuple[int, ...] = ()  # the other applications of the same overall score
    below: tuple[str, ...] = field(default=())  # criterion codes (or "overall") it missed


def overall_score(setup: EvaluationSetup, scores: Mapping[str, Decimal]) -> Decimal:
    """The weighted sum of the criteria's scores (every criterion must be scored)."""
    missing = [c.code for c in setup.criteria if c.code not in scores]
    if missing:
        raise ValueError(f"no score for {', '.join(missing)}")
    return sum((c.weight * scores[c.code] for c in setup.criteria), Decimal(0))


def below_thresholds(setup: EvaluationSetup, scores: Mapping[str, Decimal]) -> tuple[str, ...]:
    """The criteria whose threshold the scores miss, then "overall" if the total misses its."""
    missed = [c.code for c in setup.criteria if scores[c.code] < c.threshold]
    if overall_score(setup, scores) < setup.overall_threshold:
        missed.append(OVERALL)
    return tuple(missed)


def _key(rule: str, entry: Entry, covered: set[str]) -> Decimal:
    if rule == TIE_TOPIC_COVERAGE:
        return Decimal(len(entry.topics - covered))
    if rule == TIE_SME_COUNT:
        return Decimal(entry.sme_count)
    if rule.startswith(TIE_CRITERION):
        return entry.scores.get(rule.removeprefix(TIE_CRITERION), Decimal(0))
    raise ValueError(f"unknown tie-break rule {rule!r}")


def _pick(tied: Sequence[Entry], rules: Sequence[str], covered: set[str]) -> tuple[Entry, str]:
    """The tied application that goes first, and the rule that decided it."""
    contenders = list(tied)
    used = TIE_APPLICATION_ORDER
    for rule in rules:
        keys = {e.application: _key(rule, e, covered) for e in contenders}
        best = max(keys.values())
        narrowed = [e for e in contenders if keys[e.application] == best]
        if len(narrowed) < len(contenders):
            contenders, used = narrowed, rule
        if len(contenders) == 1:
            return contenders[0], used
    return min(contenders, key=lambda e: e.application), TIE_APPLICATION_ORDER


def rank(setup: EvaluationSetup, entries: Iterable[Entry], *, main_size: int) -> list[Place]:
    """The panel's places: ranked applications (main list, then reserve list), then the
    rejected ones (by score, then application number)."""
    if main_size < 0:
        raise ValueError("main_size must be 0 or more")
    scored = [(e, overall_score(setup, e.scores)) for e in entries]
    rejected = [(e, s, below_thresholds(setup, e.scores)) for e, s in scored]
    passed = sorted(
        ((e, s) for e, s, missed in rejected if not missed),
        key=lambda t: (-t[1], t[0].application),
    )
    places: list[Place] = []
    covered: set[str] = set()
    i = 0
    while i < len(passed):
        score = passed[i][1]
        group = [e for e, s in passed[i:] if s == score]
        ids = tuple(sorted(e.application for e in group))
        remaining = list(group)
        last_rule = ""
        while remaining:
            if len(remaining) == 1:
                chosen, rule = remaining[0], last_rule
            else:
                chosen, rule = _pick(remaining, setup.tie_breaks, covered)
                last_rule = rule
            remaining.remove(chosen)
            covered |= chosen.topics
            position = len(places) + 1
            places.append(
                Place(
                    application=chosen.application,
                    list=PanelList.MAIN if position <= main_size else PanelList.RESERVE,
                    rank=position,
                    score=score,
                    tie_rule=rule if len(group) > 1 else "",
                    tied_with=tuple(a for a in ids if a != chosen.application),
                )
            )
        i += len(group)
    for e, s, missed in sorted(
        (t for t in rejected if t[2]), key=lambda t: (-t[1], t[0].application)
    ):
        places.append(Place(e.application, PanelList.REJECTED, None, s, below=missed))
    return places
