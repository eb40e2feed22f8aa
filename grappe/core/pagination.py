"""Keyset (cursor) pagination for any ordered QuerySet.

Offset pagination (`LIMIT 25 OFFSET 5000`) re-reads every skipped row and shifts when rows are
added; keyset pagination asks for "the rows after the last one you saw", which an index serves
directly and which stays stable while data changes.

How it works:

- The sort keys are read from the QuerySet's own `order_by` (the selector decides the order), and
  the primary key is appended as a tiebreaker so the order is total.
- NULLs always sort last, in both directions, on every database (SQLite and PostgreSQL disagree on
  the default), so a nullable key such as a project's start date pages correctly.
- The cursor is the last row's key values, signed with `django.core.signing` and bound to the
  ordering and the filters it was made for (a short digest per filter parameter): a tampered,
  truncated or foreign cursor, or one used with other filters, raises `InvalidCursor`, which the
  API turns into a 422 and the pages into an error above the first page.

Keys must be concrete fields of the model (no relations) or numeric annotations that are
never NULL (a search's relevance, `grappe.core.search`). A `values()`
QuerySet pages the same way (its rows are dicts, which must hold the sort keys): the API lists
read only the columns they return.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from grappe.core.apikit import CleanInput

T = TypeVar("T")

_SALT = "grappe.core.pagination.cursor"
DEFAULT_LIMIT = 25
# A cursor is a few dozen bytes; anything much longer is not one of ours.
CURSOR_MAX_LENGTH = 1000


class InvalidCursor(ValueError):
    """The `cursor` parameter was not produced by this list with these filters (tampered,
    truncated, foreign, or made for other filters); `param` names the query parameter."""

    param = "cursor"


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool
    nullable: bool

    @property
    def token(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def sort_keys(qs: QuerySet[Any]) -> list[SortKey]:
    """The QuerySet's ordering as `SortKey`s, with the primary key appended as tiebreaker."""
    meta = qs.model._meta
    pk_name = meta.pk.name if meta.pk else "id"
    keys: list[SortKey] = []
    for item in qs.query.order_by or meta.ordering or []:
        if not isinstance(item, str) or item.startswith("?"):
            raise ValueError(f"Keyset pagination needs plain field ordering, got {item!r}")
        token = item
        descending = token.startswith("-")
        name = token.lstrip("-")
        if name == "pk":
            name = pk_name
        if name in qs.query.annotations:
            # A computed key (a search's relevance): compared like a column, never NULL.
            keys.append(SortKey(field=name, descending=descending, nullable=False))
            continue
        if "__" in name:
            raise ValueError(f"Keyset pagination cannot order on a relation: {token!r}")
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ValueError(f"Keyset pagination cannot order on {token!r}: not a field") from exc
        if not getattr(field, "concrete", False) or field.is_relation:
            raise ValueError(f"Keyset pagination needs concrete non-relation fields: {token!r}")
        keys.append(SortKey(field=name, descending=descending, nullable=bool(field.null)))
        if name == pk_name:
            break  # the primary key is unique: later keys never matter
    else:
        keys.append(SortKey(field=pk_name, descending=False, nullable=False))
    return keys


def order_expressions(keys: Sequence[SortKey]) -> list[Any]:
    # NULLS LAST only where a key can be NULL: SQLite then still walks a plain index on the
    # non-null keys instead of sorting them again (its DESC already puts NULLs last).
    nulls = {True: {"nulls_last": True}, False: {}}
    return [
        F(k.field).desc(**nulls[k.nullable])
        if k.descending
        else F(k.field).asc(**nulls[k.nullable])
        for k in keys
    ]


def _after_q(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the (nulls-last) ordering given by `keys`.

    For keys (k1, k2, k3) this is: k1 after v1, or k1 = v1 and k2 after v2, or k1 = v1 and
    k2 = v2 and k3 after v3 — with "after NULL" being nothing and "= NULL" being IS NULL.
    """
    result = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        if value is None:
            after = Q(pk__in=[])  # NULLs come last: nothing sorts after a NULL of the same key
            same = Q(**{f"{key.field}__isnull": True})
        else:
            lookup = "lt" if key.descending else "gt"
            after = Q(**{f"{key.field}__{lookup}": value})
            if key.nullable:
                after |= Q(**{f"{key.field}__isnull": True})
            same = Q(**{key.field: value})
        result |= equal_so_far & after
        equal_so_far &= same
    return result


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def filter_digests(filters: Mapping[str, Any] | None) -> dict[str, str]:
    """A short digest of each filter parameter that is set, so that a cursor can tell which
    parameters changed without carrying their (possibly long) values."""
    digests: dict[str, str] = {}
    for name, value in sorted((filters or {}).items()):
        if value in (None, "", [], (), False):
            continue
        text = json.dumps(_to_json(value), sort_keys=True, default=str)
        digests[name] = hashlib.sha256(text.encode()).hexdigest()[:8]
    return digests


def encode_cursor(
    keys: Sequence[SortKey],
    row: Model | Mapping[str, Any],
    filters: Mapping[str, Any] | None = None,
) -> str:
    """The cursor after `row`: a model instance, or a dict row of a `values()` QuerySet."""
    if isinstance(row, Mapping):
        values = [row[k.field] for k in keys]
    else:
        values = [getattr(row, k.field) for k in keys]
    payload: dict[str, Any] = {"k": [k.token for k in keys], "v": [_to_json(v) for v in values]}
    digests = filter_digests(filters)
    if digests:
        payload["f"] = digests
    return signing.dumps(payload, salt=_SALT, compress=False)


def _check_filters(payload: dict[str, Any], filters: Mapping[str, Any] | None) -> None:
    made_for = payload.get("f") or {}
    if not isinstance(made_for, dict):
        raise InvalidCursor(_("The cursor is invalid or was altered."))
    now = filter_digests(filters)
    changed = sorted(
        name for name in made_for.keys() | now.keys() if made_for.get(name) != now.get(name)
    )
    if changed:
        raise InvalidCursor(
            _(
                "The cursor was made for other values of %(names)s: repeat the query with the "
                "same filters, or drop the cursor to start from the first page."
            )
            % {"names": ", ".join(changed)}
        )


def decode_cursor(
    qs: QuerySet[Any],
    keys: Sequence[SortKey],
    cursor: str,
    filters: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The key values a cursor carries, converted back to Python; raises `InvalidCursor`."""
    if len(cursor) > CURSOR_MAX_LENGTH:
        raise InvalidCursor(_("The cursor is too long to be one this API issued."))
    try:
        payload = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise InvalidCursor(
            _("The cursor is invalid or was altered; use the next_cursor of a previous page.")
        ) from exc
    if not isinstance(payload, dict):
        raise InvalidCursor(_("The cursor is invalid or was altered."))
    _check_filters(payload, filters)  # first: it names the parameter that changed (e.g. sort)
    if payload.get("k") != [k.token for k in keys]:
        raise InvalidCursor(_("The cursor belongs to another list or ordering."))
    raw = payload.get("v")
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise InvalidCursor(_("The cursor is invalid or was altered."))
    values: list[Any] = []
    for key, item in zip(keys, raw, strict=True):
        if item is None:
            if not key.nullable:
                raise InvalidCursor(_("The cursor is invalid or was altered."))
            values.append(None)
            continue
        if key.field in qs.query.annotations:
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise InvalidCursor(_("The cursor is invalid or was altered."))
            values.append(item)
            continue
        try:
            values.append(qs.model._meta.get_field(key.field).to_python(item))
        except (ValidationError, ValueError, TypeError) as exc:
            raise InvalidCursor(_("The cursor is invalid or was altered.")) from exc
    return values


def paginate(
    qs: QuerySet[Any, T],
    *,
    limit: int,
    cursor: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Page[T]:
    """One page of `qs` (in its own order) after `cursor`, and the cursor of the next page.

    `filters` are the list's filter parameters (name → cleaned value): the next cursor is bound
    to them and a cursor made for other values is refused (`InvalidCursor`), since it would
    skip or repeat rows of the new selection.

    Reads `limit + 1` rows to know whether another page exists; prefetches on `qs` run once per
    page, so the query count does not depend on `limit` (one more query on the page where a
    nullable first key reaches its NULLs).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    keys = sort_keys(qs)
    ordered = qs.order_by(*order_expressions(keys))
    # Rows are read without their prefetches, which then run once for the page's rows only.
    lookups = getattr(qs, "_prefetch_related_lookups", ())
    plain = ordered.prefetch_related(None)
    if cursor:
        rows = _rows_after(plain, keys, decode_cursor(qs, keys, cursor, filters), limit + 1)
    else:
        rows = list(plain[: limit + 1])
    has_more = len(rows) > limit
    items = rows[:limit]
    if lookups:
        prefetch_related_objects(items, *lookups)  # type: ignore[type-var]
    last: Any = items[-1] if has_more else None
    return Page(items=items, next_cursor=encode_cursor(keys, last, filters) if has_more else None)


def _rows_after(
    ordered: QuerySet[Any, T], keys: Sequence[SortKey], values: Sequence[Any], count: int
) -> list[T]:
    """The first `count` rows after `values`, read so that an index serves them.

    "After" is a long OR that no planner turns into an index range by itself; a bound on the
    first key (`k1 <= v` when descending) makes the scan start at the cursor. NULLs of a
    nullable first key come after every value but fall outside that bound, so they are read
    by a second query, only on the page where the non-null rows run out.
    """
    first, value = keys[0], values[0]
    rest = _after_q(keys[1:], values[1:]) if len(keys) > 1 else Q(pk__in=[])
    if value is None:  # already among the NULLs of the first key
        return list(ordered.filter(Q(**{f"{first.field}__isnull": True}) & rest)[:count])
    strictly = "lt" if first.descending else "gt"
    bound = "lte" if first.descending else "gte"
    after = Q(**{f"{first.field}__{bound}": value}) & (
        Q(**{f"{first.field}__{strictly}": value}) | (Q(**{first.field: value}) & rest)
    )
    rows = list(ordered.filter(after)[:count])
    if first.nullable and len(rows) < count:
        nulls = ordered.filter(**{f"{first.field}__isnull": True})
        rows += list(nulls[: count - len(rows)])
    return rows


# --- schemas shared by every paginated endpoint ------------------------------------------


class PageParams(CleanInput):
    """`?limit=` and `?cursor=` for list endpoints."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Rows per page (1 to {settings.API_MAX_PAGE_SIZE}).",
    )
    cursor: str | None = Field(
        None,
        max_length=CURSOR_MAX_LENGTH,
        description="Opaque: the `next_cursor` of the previous page. Omit for the first page.",
    )


class CursorPage(Schema, Generic[T]):
    """A page of results; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None
