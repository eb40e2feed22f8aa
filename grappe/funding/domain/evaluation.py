"""A call's evaluation set-up as data: criteria, scale, thresholds, evaluators, tie-breaks.

Stored per call (`Call.evaluation`, versioned: each change bumps `version`), validated here into
an `EvaluationSetup` or refused with an `EvaluationError` naming the field (a dotted path such
as "criteria.2.weight") and the rule. The defaults follow Horizon Europe's process: three
criteria scored 0–5 in half points, a threshold of 3 per criterion and 10 overall, three
experts per application, and ties broken by the coverage of topics not yet covered, then the
first criterion, then the second, then the number of SMEs.

Weights multiply each criterion's score in the overall score; they must add up to the number of
criteria, so the overall score stays on the scale its threshold is written in (0–15 for three
criteria: "10 overall" keeps its meaning whatever the weights).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from grappe.core.domain.i18n import gettext_noop

SCALE_MAX = Decimal(5)
STEP = Decimal("0.5")
MAX_CRITERIA = 10
MAX_EVALUATORS = 10
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

TIE_TOPIC_COVERAGE = "topic_coverage"
TIE_SME_COUNT = "sme_count"
TIE_CRITERION = "criterion:"  # + a criterion's code

TIE_BREAK_LABELS = {
    TIE_TOPIC_COVERAGE: gettext_noop("Coverage of topics not yet covered"),
    TIE_SME_COUNT: gettext_noop("Number of SMEs in the consortium"),
}
TIE_BREAK_CRITERION_LABEL = gettext_noop("Score on “%(criterion)s”")

ERROR_MESSAGES = {
    "evaluation.error.required": gettext_noop("%(field)s is required."),
    "evaluation.error.type": gettext_noop("%(field)s has the wrong type."),
    "evaluation.error.unknown_key": gettext_noop("%(field)s is not a known setting."),
    "evaluation.error.code": gettext_noop(
        "%(field)s must be a short code: lower-case letters, digits and underscores."
    ),
    "evaluation.error.duplicate": gettext_noop("%(field)s is listed twice."),
    "evaluation.error.count": gettext_noop("%(field)s must list from 1 to 10 criteria."),
    "evaluation.error.positive": gettext_noop("%(field)s must be greater than 0."),
    "evaluation.error.grid": gettext_noop(
        "%(field)s must be between 0 and %(max)s in steps of 0.5."
    ),
    "evaluation.error.weights_total": gettext_noop(
        "The criteria's weights add up to %(total)s; they must add up to %(expected)s (the "
        "number of criteria)."
    ),
    "evaluation.error.evaluators": gettext_noop("%(field)s must be a whole number from 1 to 10."),
    "evaluation.error.tie_break": gettext_noop(
        "%(field)s is not a tie-break rule (topic coverage, number of SMEs or a criterion)."
    ),
}


class EvaluationError(ValueError):
    """A refused evaluation set-up: `field` is the dotted path, `rule` what it broke."""

    def __init__(self, field: str, rule: str, **params: str) -> None:
        self.field = field
        self.rule = rule
        self.code = f"evaluation.error.{rule}"
        self.params: dict[str, str] = {"field": field, **params}
        super().__init__(f"{field}: {rule} {params}")


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    name_en: str
    name_fr: str
    weight: Decimal
    threshold: Decimal


@dataclass(frozen=True, slots=True)
class EvaluationSetup:
    criteria: tuple[Criterion, ...]
    overall_threshold: Decimal
    evaluators_per_application: int
    tie_breaks: tuple[str, ...]
    version: int = 1

    @property
    def overall_max(self) -> Decimal:
        return SCALE_MAX * len(self.criteria)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


DEFAULT_EVALUATION: dict[str, Any] = {
    "version": 1,
    "criteria": [
        {
            "code": "excellence",
            "name_en": "Excellence",
            "name_fr": "Excellence",
            "weight": "1",
            "threshold": "3",
        },
        {
            "code": "impact",
            "name_en": "Impact",
            "name_fr": "Impact",
            "weight": "1",
            "threshold": "3",
        },
        {
            "code": "implementation",
            "name_en": "Quality and efficiency of the implementation",
            "name_fr": "Qualité et efficacité de la mise en œuvre",
            "weight": "1",
            "threshold": "3",
        },
    ],
    "overall_threshold": "10",
    "evaluators_per_application": 3,
    "tie_breaks": [TIE_TOPIC_COVERAGE, "criterion:excellence", "criterion:impact", TIE_SME_COUNT],
}


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def on_grid(value: Decimal, maximum: Decimal = SCALE_MAX) -> bool:
    """0 to `maximum` in half points (a score, or a threshold on the same grid)."""
    return Decimal(0) <= value <= maximum and (value / STEP) == (value / STEP).to_integral_value()


def check_score(value: object, field: str = "score") -> Decimal:
    """A score as an evaluator gives it: 0–5 in half points; `EvaluationError` otherwise."""
    d = _decimal(value)
    if d is None or not on_grid(d):
        raise EvaluationError(field, "grid", max="5")
    return d


def _text(item: Mapping[str, object], key: str, path: str) -> str:
    v = item.get(key)
    if not isinstance(v, str) or not v.strip():
        raise EvaluationError(f"{path}.{key}", "required")
    if len(v) > 200:
        raise EvaluationError(f"{path}.{key}", "type")
    return v.strip()


def _known(data: Mapping[str, object], keys: Sequence[str], path: str) -> None:
    for key in data:
        if key not in keys:
            raise EvaluationError(f"{path}.{key}" if path else str(key), "unknown_key")


def evaluation_from_dict(data: Mapping[str, object]) -> EvaluationSetup:
    """Validate an evaluation set-up; raises `EvaluationError` naming the field and the rule."""
    if not isinstance(data, Mapping):
        raise EvaluationError("(root)", "type")
    _known(
        data,
        ("version", "criteria", "overall_threshold", "evaluators_per_application", "tie_breaks"),
        "",
    )
    raw = data.get("criteria")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CRITERIA:
        raise EvaluationError("criteria", "count")
    criteria: list[Criterion] = []
    for i, item in enumerate(raw, start=1):
        path = f"criteria.{i}"
        if not isinstance(item, Mapping):
            raise EvaluationError(path, "type")
        _known(item, ("code", "name_en", "name_fr", "weight", "threshold"), path)
        code = item.get("code")
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise EvaluationError(f"{path}.code", "code")
        if any(c.code == code for c in criteria):
            raise EvaluationError(f"{path}.code", "duplicate")
        weight = _decimal(item.get("weight"))
        if weight is None or weight <= 0:
            raise EvaluationError(f"{path}.weight", "positive")
        threshold = _decimal(item.get("threshold"))
        if threshold is None or not on_grid(threshold):
            raise EvaluationError(f"{path}.threshold", "grid", max="5")
        criteria.append(
            Criterion(
                code=code,
                name_en=_text(item, "name_en", path),
                name_fr=_text(item, "name_fr", path),
                weight=weight,
                threshold=threshold,
            )
        )
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != len(criteria):
        raise EvaluationError(
            "criteria.weight",
            "weights_total",
            total=str(total.normalize()),
            expected=str(len(criteria)),
        )
    overall = _decimal(data.get("overall_threshold"))
    overall_max = SCALE_MAX * len(criteria)
    if overall is None or not on_grid(overall, overall_max):
        raise EvaluationError("overall_threshold", "grid", max=str(overall_max))
    evaluators = data.get("evaluators_per_application")
    if (
        isinstance(evaluators, bool)
        or not isinstance(evaluators, int)
        or not 1 <= evaluators <= MAX_EVALUATORS
    ):
        raise EvaluationError("evaluators_per_application", "evaluators")
    ties = data.get("tie_breaks", [])
    if not isinstance(ties, list):
        raise EvaluationError("tie_breaks", "type")
    seen: list[str] = []
    codes = {c.code for c in criteria}
    for i, rule in enumerate(ties, start=1):
        path = f"tie_breaks.{i}"
        if not isinstance(rule, str):
            raise EvaluationError(path, "tie_break")
        if rule in seen:
            raise EvaluationError(path, "duplicate")
        known = rule in TIE_BREAK_LABELS or (
            rule.startswith(TIE_CRITERION) and rule.removeprefix(TIE_CRITERION) in codes
        )
        if not known:
            raise EvaluationError(path, "tie_break")
        seen.append(rule)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise EvaluationError("version", "type")
    return EvaluationSetup(
        criteria=tuple(criteria),
        overall_threshold=overall,
        evaluators_per_application=evaluators,
        tie_breaks=tuple(seen),
        version=version,
    )


def evaluation_to_dict(setup: EvaluationSetup) -> dict[str, Any]:
    """The stored form; `evaluation_from_dict` gives back an equal set-up."""
    return {
        "version": setup.version,
        "criteria": [
            {
                "code": c.code,
                "name_en": c.name_en,
                "name_fr": c.name_fr,
                "weight": str(c.weight),
                "threshold": str(c.threshold),
            }
            for c in setup.criteria
        ],
        "overall_threshold": str(setup.overall_threshold),
        "evaluators_per_application": setup.evaluators_per_application,
        "tie_breaks": list(setup.tie_breaks),
    }


def stored_or_default(data: object) -> EvaluationSetup:
    """A call's set-up as stored, or the defaults when it has none yet."""
    if isinstance(data, Mapping) and data:
        return evaluation_from_dict(data)
    return evaluation_from_dict(DEFAULT_EVALUATION)
