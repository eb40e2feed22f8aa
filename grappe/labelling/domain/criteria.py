"""A cluster's labelling criteria as data: a checklist and scored criteria with weights. Pure.

A definition is `{"checklist": [{"id", "label"}], "criteria": [{"id", "label", "weight",
"max_score"}]}`. Labels are the manager's own text (not translated). Scores are whole numbers
from 0 to the criterion's `max_score`; the weighted result of one member is
`sum(score / max_score * weight) / sum(weight) * 100` (a percentage, as a `Decimal`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from grappe.core.domain.i18n import gettext_noop

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_SCORE_LIMIT = 100
MAX_WEIGHT = 100
MAX_ITEMS = 40


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label: str


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    weight: int
    max_score: int


@dataclass(frozen=True)
class CriteriaDefinition:
    checklist: tuple[ChecklistItem, ...]
    criteria: tuple[Criterion, ...]

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


# (path, msgid, params): the interface translates and interpolates.
Problem = tuple[str, str, dict[str, Any]]

_NEEDS_ID = gettext_noop(
    "Give each line an identifier of lowercase letters, digits, - or _ (up to 40)."
)
_TWICE = gettext_noop("The identifier “%(id)s” is used twice.")
_NEEDS_LABEL = gettext_noop("Give each line a label.")
_WEIGHT = gettext_noop("A weight is a whole number from 1 to %(max)s.")
_MAX_SCORE = gettext_noop("A maximum score is a whole number from 1 to %(max)s.")
_NO_CRITERIA = gettext_noop("Define at least one scored criterion.")
_TOO_MANY = gettext_noop("At most %(max)s lines.")


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def definition_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Everything wrong with a definition, each with its path (`criteria[1].weight`)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for key in ("checklist", "criteria"):
        rows = data.get(key) or []
        if not isinstance(rows, list):
            problems.append((key, _NEEDS_LABEL, {}))
            continue
        if len(rows) > MAX_ITEMS:
            problems.append((key, _TOO_MANY, {"max": MAX_ITEMS}))
        for i, row in enumerate(rows):
            path = f"{key}[{i}]"
            if not isinstance(row, Mapping):
                problems.append((path, _NEEDS_LABEL, {}))
                continue
            rid = row.get("id")
            if not isinstance(rid, str) or not ID.match(rid):
                problems.append((f"{path}.id", _NEEDS_ID, {}))
            elif rid in seen:
                problems.append((f"{path}.id", _TWICE, {"id": rid}))
            else:
                seen.add(rid)
            label = row.get("label")
            if not isinstance(label, str) or not label.strip():
                problems.append((f"{path}.label", _NEEDS_LABEL, {}))
            if key == "criteria":
                if not _whole(row.get("weight"), 1, MAX_WEIGHT):
                    problems.append((f"{path}.weight", _WEIGHT, {"max": MAX_WEIGHT}))
                if not _whole(row.get("max_score"), 1, MAX_SCORE_LIMIT):
                    problems.append((f"{path}.max_score", _MAX_SCORE, {"max": MAX_SCORE_LIMIT}))
    if not data.get("criteria"):
        problems.append(("criteria", _NO_CRITERIA, {}))
    return problems


def load_definition(data: Mapping[str, Any]) -> CriteriaDefinition:
    """The definition of valid `data` (check `definition_problems` first: raises ValueError)."""
    problems = definition_problems(data)
    if problems:
        raise ValueError("; ".join(f"{path}: {msg % params}" for path, msg, params in problems))
    return CriteriaDefinition(
        checklist=tuple(
            ChecklistItem(r["id"], r["label"].strip()) for r in data.get("checklist") or []
        ),
        criteria=tuple(
            Criterion(r["id"], r["label"].strip(), r["weight"], r["max_score"])
            for r in data["criteria"]
        ),
    )


UNKNOWN_CRITERION = gettext_noop("“%(id)s” is not a criterion of this session's criteria.")
OUT_OF_RANGE = gettext_noop("The score for “%(label)s” must be a whole number from 0 to %(max)s.")
MISSING_SCORE = gettext_noop("Score every criterion: “%(label)s” has no score.")


def score_problems(definition: CriteriaDefinition, scores: Mapping[str, Any]) -> list[Problem]:
    """Unknown criteria, scores out of range or missing, each under `scores.<criterion id>`."""
    problems: list[Problem] = []
    for cid in scores:
        if definition.criterion(cid) is None:
            problems.append((f"scores.{cid}", UNKNOWN_CRITERION, {"id": cid}))
    for criterion in definition.criteria:
        path = f"scores.{criterion.id}"
        if criterion.id not in scores or scores[criterion.id] is None:
            problems.append((path, MISSING_SCORE, {"label": criterion.label}))
        elif not _whole(scores[criterion.id], 0, criterion.max_score):
            problems.append(
                (path, OUT_OF_RANGE, {"label": criterion.label, "max": criterion.max_score})
            )
    return problems


def weighted_result(definition: CriteriaDefinition, scores: Mapping[str, int]) -> Decimal:
    """One member's weighted result in percent (0–100, two decimals)."""
    total_weight = sum(c.weight for c in definition.criteria)
    value = sum(
        (
            Decimal(scores.get(c.id, 0)) / Decimal(c.max_score) * Decimal(c.weight)
            for c in definition.criteria
        ),
        Decimal("0"),
    )
    return (value / Decimal(total_weight) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def mean(results: Iterable[Decimal]) -> Decimal | None:
    values = list(results)
    if not values:
        return None
    return (sum(values, Decimal("0")) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
