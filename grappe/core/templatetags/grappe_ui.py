"""Presentation filters for the public site: money and percentages in the active locale."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()

NBSP = "\u00a0"


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: Any, decimals: int = 0) -> str:
    """`1234567` → `€1,234,567` in English, `1 234 567 €` in French; empty for no value."""
    amount = _to_decimal(value)
    if amount is None:
        return ""
    number = formats.number_format(
        amount, decimal_pos=int(decimals), use_l10n=True, force_grouping=True
    )
    if (get_language() or "en").startswith("fr"):
        return f"{number}{NBSP}€"
    return f"€{number}"


@register.filter
def percent(value: Any, decimals: int = 0) -> str:
    """`37.5` → `38 %` in French, `38%` in English."""
    amount = _to_decimal(value)
    if amount is None:
        return ""
    number = formats.number_format(amount, decimal_pos=int(decimals), use_l10n=True)
    if (get_language() or "en").startswith("fr"):
        return f"{number}{NBSP}%"
    return f"{number}%"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ row|get_item:year }}`: look a key up in a dict (pivot tables)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
