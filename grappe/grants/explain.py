"""The payment plan and the amounts due in the reader's language (pages, PDF and API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from grappe.grants.domain.payments import (
    BASIS_LABELS,
    PAYMENT_MESSAGES,
    TRIGGER_LABELS,
    PaymentPlan,
)


def percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def plan_rows(plan: PaymentPlan) -> dict[str, Any]:
    """The plan's tranches, cap and retention, each with its [U] mark."""
    return {
        "label": _(plan.label),
        "tranches": [
            {
                "id": t.id,
                "trigger": _(TRIGGER_LABELS[t.trigger]),
                "basis": _(BASIS_LABELS[t.basis]),
                "rate": percent(t.rate),
                "unconfirmed": plan.is_unconfirmed(f"tranches[{i}].rate"),
            }
            for i, t in enumerate(plan.tranches)
        ],
        "cap": percent(plan.cap),
        "cap_unconfirmed": plan.is_unconfirmed("cap"),
        "retention": percent(plan.retention),
        "retention_unconfirmed": plan.is_unconfirmed("retention"),
        "has_unconfirmed": bool(plan.unconfirmed),
    }


def explanation(lines: Iterable[Mapping[str, Any]]) -> list[str]:
    """Stored explanation lines ({"code", "params"}) as sentences."""
    out = []
    for line in lines:
        template = PAYMENT_MESSAGES.get(str(line.get("code")))
        if template is not None:
            out.append(_(template) % dict(line.get("params") or {}))
    return out
