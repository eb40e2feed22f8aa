"""Turn the funding domain's explanation codes into sentences in the active language.

The English templates live in `domain/messages.py` (marked with `gettext_noop`, so
`makemessages` extracts them); here they are translated with `gettext` and filled with params
formatted for the active locale: `*_pct` as percentages, `*_eur` as euro amounts, partner ids
replaced by the partners' names when known.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext

from grappe.funding.domain.messages import MESSAGES
from grappe.funding.domain.rulesets import RuleSetError
from grappe.registry.domain.sme import Explanation

# Params that hold partner or enterprise ids (one, or several joined by ", ").
ID_PARAMS = frozenset({"id", "ids", "holder", "holders", "lead", "first"})


def format_number(value: Decimal, decimals: int | None = None) -> str:
    """A decimal in the active locale: 1234567.5 -> "1,234,567.50" (en), "1 234 567,50" (fr)."""
    if decimals is None:
        value = value.normalize()
        exponent = value.as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_eur(value: Decimal) -> str:
    """Whole euros without decimals, otherwise two: "1,500,000" or "12,345.67"."""
    return format_number(value, 0 if value == value.to_integral_value() else 2)


def format_param(key: str, value: object, names: Mapping[str, str] | None = None) -> str:
    if isinstance(value, Decimal):
        if key.endswith("_eur"):
            return format_eur(value)
        return format_number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if names and key in ID_PARAMS and text:
        return ", ".join(names.get(part, part) for part in text.split(", "))
    return text


def render(code: str, params: Mapping[str, object], names: Mapping[str, str] | None = None) -> str:
    """The translated sentence for a code; an unknown code is returned as is (never a 500)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    values: dict[str, Any] = {k: format_param(k, v, names) for k, v in params.items()}
    try:
        return gettext(template) % values
    except (KeyError, TypeError, ValueError):
        # A translation with a wrong placeholder must not break the page: fall back to English.
        return template % values


def render_explanation(step: Explanation, names: Mapping[str, str] | None = None) -> str:
    return render(step.code, step.params, names)


def ruleset_error_message(error: RuleSetError) -> str:
    """ "company_rates.small must be a fraction between 0 and 1." in the active language."""
    return render(error.code, {"field": error.field})
