"""Labels of the evaluation's rules in the reader's language."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grappe.evaluation.domain.panel import TIE_APPLICATION_ORDER, TIE_APPLICATION_ORDER_LABEL
from grappe.funding.domain.evaluation import (
    TIE_BREAK_CRITERION_LABEL,
    TIE_BREAK_LABELS,
    TIE_CRITERION,
    EvaluationSetup,
)


def french() -> bool:
    return (get_language() or "en").startswith("fr")


def tie_rule_label(rule: str, setup: EvaluationSetup) -> str:
    """The tie-break rule that placed an application, in words ("" when it was not tied)."""
    if not rule:
        return ""
    if rule == TIE_APPLICATION_ORDER:
        return _(TIE_APPLICATION_ORDER_LABEL)
    if rule in TIE_BREAK_LABELS:
        return _(TIE_BREAK_LABELS[rule])
    if rule.startswith(TIE_CRITERION):
        c = setup.criterion(rule.removeprefix(TIE_CRITERION))
        name = (c.name_fr if french() else c.name_en) if c else rule
        return _(TIE_BREAK_CRITERION_LABEL) % {"criterion": name}
    return rule
