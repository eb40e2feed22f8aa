"""Presentation filters for the public site: money and percentages in the active locale; what a
page shows (demo records, imported sources) for the demo banner and the attribution lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import template
from django.db.models import Model, QuerySet
from django.template import Context
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from grappe.core.domain.sources import SOURCES

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


MOMENT_FORMAT = "j F Y, H:i"


@register.filter
def moment(value: Any) -> str:
    """A date and time in Paris as `7 December 2026, 10:17` (`7 décembre 2026, 10:17`): the
    day before the month, a 24-hour clock, so neither ambiguous (12/07) nor ending in a dot
    (`a.m.`) that a sentence's full stop would double; empty for no value."""
    if not value:
        return ""
    paris = timezone.get_default_timezone()  # settings.TIME_ZONE, Europe/Paris
    local = timezone.localtime(value, paris) if timezone.is_aware(value) else value
    return formats.date_format(local, MOMENT_FORMAT)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ row|get_item:year }}`: look a key up in a dict (pivot tables)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# --- what a page shows: demo records and imported sources ---------------------------------------

# How far the scan of a page's context goes: model instances, their loaded relations and the
# lists, pages and evaluated querysets that hold them. It never queries the database.
SCAN_DEPTH = 6
SCAN_LIMIT = 50_000


@dataclass(frozen=True)
class ShownRecords:
    """What the records a page shows say about themselves: whether one is demo data, and the
    sources (`core/domain/sources.py`) whose attribution lines the page must carry."""

    demo: bool
    sources: tuple[dict[str, str], ...]


def _children(value: Any) -> Iterable[Any]:
    if isinstance(value, Model):
        state = getattr(value, "_state", None)
        if state is not None:
            yield from getattr(state, "fields_cache", {}).values()
        yield from getattr(value, "_prefetched_objects_cache", {}).values()
        for attribute in value.__dict__.values():  # `Prefetch(to_attr=...)` lists
            if isinstance(attribute, list):
                yield attribute
    elif isinstance(value, QuerySet):
        if value._result_cache is not None:  # never run a query to find out
            yield from value._result_cache
    elif isinstance(value, Mapping):
        yield from value.values()
    elif isinstance(value, list | tuple | set | frozenset):
        yield from value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield getattr(value, f.name, None)


def records_shown(values: Iterable[Any]) -> ShownRecords:
    """Scan what a template was given for demo records and records of an imported source."""
    demo = False
    keys: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(v, 0) for v in values]
    while stack and len(seen) < SCAN_LIMIT:
        value, depth = stack.pop()
        if value is None or isinstance(value, str | int | float | bool | Decimal):
            continue
        if id(value) in seen or (callable(value) and not isinstance(value, Model | QuerySet)):
            continue
        seen.add(id(value))
        if isinstance(value, Model) or is_dataclass(value):
            if getattr(value, "is_demo", False) is True:
                demo = True
            key = getattr(value, "source", "")
            if isinstance(key, str) and key in SOURCES and key not in keys:
                keys.append(key)
        if depth < SCAN_DEPTH:
            stack.extend((child, depth + 1) for child in _children(value))
    sources = tuple(
        {
            "key": s.key,
            "name": gettext(s.name),
            "attribution": gettext(s.attribution),
            "licence": gettext(s.licence),
            "licence_url": s.licence_url,
            "url": s.url,
        }
        for s in (SOURCES[k] for k in sorted(keys))
    )
    return ShownRecords(demo=demo, sources=sources)


@register.simple_tag(takes_context=True)
def shown_records(context: Context) -> ShownRecords:
    """`{% shown_records as shown %}`: `shown.demo` (the demo banner), `shown.sources` (the
    attribution lines), from the records the view put in the page's context. Memoised per
    render, so the banner and the footer pay one scan."""
    memo = context.render_context.get("grappe_shown_records")
    if memo is None:
        memo = records_shown(context.flatten().values())
        context.render_context["grappe_shown_records"] = memo
    return memo


# A list's own parameters besides its filters (`core.lists.page_param`).
LIST_PARAMS = ("cursor", "export")


@register.simple_tag(takes_context=True)
def other_lists_query(context: Context, form: Any) -> list[tuple[str, str]]:
    """`{% other_lists_query form as kept %}`: the query parameters of the page's other lists
    (everything but `form`'s fields and its own cursor and export), so that filtering or
    resetting one list of a page that shows two keeps the other as it is."""
    request = context.get("request")
    if request is None:
        return []
    prefix = getattr(form, "prefix", None)
    owned = {form[name].html_name for name in form.fields}
    owned |= {f"{prefix}-{name}" if prefix else name for name in LIST_PARAMS}
    return [
        (key, value)
        for key in request.GET
        if key not in owned
        for value in request.GET.getlist(key)
    ]


@register.filter
def urlencode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """`(name, value)` pairs as a query string (`a=1&b=%C3%A9`)."""
    return urlencode(list(pairs))
