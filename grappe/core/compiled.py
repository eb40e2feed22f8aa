"""Detail queries compiled once and re-run with new ids (`docs/decisions/compiled-pages.md`).

An API detail (`/organisations/{id}`, `/projects/{id}`) runs the same few statements on every
request; only the object's id (or a handful of related ids) changes. Building each queryset and
compiling it to SQL was most of the CPU such a request spent. `compiled_rows` compiles a
queryset once per key with *marker* ids in place of the real ones, notes where each marker sits
among the SQL parameters, and on the next call re-runs that SQL with the real ids in those
places, applying the converters Django would (SQLite's dates, for instance).

Only whole-number ids are bound this way: a marker is an integer no real row holds, and the
compilation is refused (the queryset is simply run) unless every marker is found exactly once
among the parameters, so a lookup that transforms its value (a `LIKE` pattern, an upper-cased
code) can never be replayed wrongly. The cache holds SQL, never rows; the caller's key names
everything else the SQL depends on (the selector, the user's `Scope`, the number of ids).

On PostgreSQL these statements are run as *prepared statements* (`compiled_cursor`): the same
text comes back on every request with other ids, so the server parses and plans it once per
connection instead of on every call (half the database time of a short detail). Django's own
cursor binds parameters in the client and never prepares (its default, kept for every other
query); `DATABASE_PREPARED_STATEMENTS=false` turns this off too, e.g. behind a connection pooler
in transaction mode that cannot keep prepared statements.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet
from django.utils import timezone, translation

# Compiled queries kept per database connection (so per thread), least recently used first out.
COMPILED_QUERIES = 512
# Markers: far below any id a database sequence hands out, distinct from each other.
_MARKER_BASE = -(2**62)
_MISSING: Any = object()


@dataclass(frozen=True)
class CompiledQuery:
    """One statement with the positions of its bound ids among its parameters; `sql` None when
    the query is empty by construction (Django raised `EmptyResultSet`)."""

    sql: str | None
    params: tuple[Any, ...]
    positions: tuple[int, ...]  # positions[i]: where the i-th id goes
    names: tuple[str, ...]
    converters: Converters
    # The day it was compiled on when a date is bound in it (e.g. memberships running today):
    # compiled again on another day. None when no date is bound (no clock read on a hit).
    day: dt.date | None = None

    def run(self, db: str, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        if self.sql is None:
            return []
        params = list(self.params)
        for position, value in zip(self.positions, ids, strict=True):
            params[position] = value
        connection = connections[db]
        with compiled_cursor(connection) as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        if not self.converters:
            return [tuple(row) for row in fetched]
        return [tuple(row) for row in converted(fetched, self.converters, connection)]


Converters = tuple[tuple[int, tuple[Any, ...], Any], ...]

_PREPARED_CURSOR: Any = None
_ONLY_WHEN_ASKED = 2**62  # a psycopg prepare threshold no statement's count reaches


def _prepared_cursor_class() -> Any:
    """psycopg's server-binding cursor as Django configures it, preparing every statement it
    runs (psycopg keeps them per connection, least recently used first out)."""
    global _PREPARED_CURSOR
    if _PREPARED_CURSOR is None:
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
            ServerBindingCursor,
        )

        class PreparedCursor(ServerBindingCursor):  # type: ignore[misc]
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                kwargs["prepare"] = True
                return super().execute(query, params, **kwargs)

        _PREPARED_CURSOR = PreparedCursor
    return _PREPARED_CURSOR


def compiled_cursor(connection: Any) -> CursorWrapper:
    """A cursor for a compiled statement: on PostgreSQL (unless `DATABASE_PREPARED_STATEMENTS`
    is off) one that binds on the server and prepares the statement, else Django's own.

    It is wrapped as Django wraps its cursors (`execute_wrapper`, the query log of tests and
    DEBUG), and its time zone set as Django sets it, so only the protocol changes: the rows and
    their Python values are the same.
    """
    if connection.vendor != "postgresql" or not getattr(
        settings, "DATABASE_PREPARED_STATEMENTS", True
    ):
        return cast(CursorWrapper, connection.cursor())
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import adapters
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:  # Django's default: psycopg then never prepares
            # Prepare what is asked for only: Django's cursors bind in the client and never
            # prepare, whatever the threshold; ours asks for every statement it runs.
            raw.prepare_threshold = _ONLY_WHEN_ASKED
        cursor = _prepared_cursor_class()(raw)
        # As Django's `create_cursor`: the cursor's time zone when the connection disagrees.
        timestamptz = adapters.types["timestamptz"].oid
        loader = raw.adapters.get_loader(timestamptz, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        return cast(CursorWrapper, connection._prepare_cursor(cursor))


def converted(
    fetched: Iterable[Sequence[Any]], converters: Converters, connection: Any
) -> list[list[Any]]:
    """The fetched rows with Django's converters applied (`(position, converters, expression)`
    from `compiler.get_converters`), as the ORM would return their values."""
    rows = []
    for raw in fetched:
        row = list(raw)
        for pos, convs, expression in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        rows.append(row)
    return rows


def _markers(count: int) -> list[int]:
    return [_MARKER_BASE - i for i in range(count)]


def _names(qs: QuerySet[Any]) -> tuple[str, ...]:
    query = qs.query
    selected = getattr(query, "selected", None)
    if selected:
        return tuple(selected)
    return (*query.extra_select, *query.values_select, *query.annotation_select)


def _compile(qs: QuerySet[Any], markers: Sequence[int]) -> CompiledQuery | None:
    query = qs.query
    names = _names(qs)
    compiler = query.get_compiler(using=qs.db)
    try:
        sql, sql_params = compiler.as_sql()
    except EmptyResultSet:
        return CompiledQuery(None, (), (), names, ())
    params = tuple(sql_params)
    if any(isinstance(p, dt.datetime | dt.time) for p in params):
        return None  # bound to the clock: compiled on every call
    positions = []
    for marker in markers:
        found = [i for i, p in enumerate(params) if type(p) is int and p == marker]
        if len(found) != 1:
            return None  # the id was transformed, repeated or dropped: not replayable
        positions.append(found[0])
    expressions = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = tuple(
        (pos, tuple(convs), expression)
        for pos, (convs, expression) in compiler.get_converters(expressions).items()
    )
    day = timezone.localdate() if any(isinstance(p, dt.date) for p in params) else None
    return CompiledQuery(sql, params, tuple(positions), names, converters, day)


def _cache(db: str) -> OrderedDict[Hashable, CompiledQuery | None]:
    connection = connections[db]
    cache: OrderedDict[Hashable, CompiledQuery | None] | None = getattr(
        connection, "_grappe_compiled_queries", None
    )
    if cache is None:
        cache = OrderedDict()
        connection._grappe_compiled_queries = cache  # type: ignore[attr-defined]
    return cache


def compiled_tuples(
    key: Hashable, model: type[Model], build: Callable[..., QuerySet[Any]], ids: Sequence[int]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names and rows of `build(*ids)` (a `values()` or `values_list()` queryset),
    from its SQL compiled once per `key`, number of ids and language (and day, when the SQL
    binds a date).

    `build` must make the same SQL for any ids of that number: the ids only bound as values
    (`pk=`, `organisation_id=`, `pk__in=`), never deciding which query is built. `key` names
    everything else the queryset depends on (the selector, the user's `Scope`).
    """
    full_key = (key, len(ids), translation.get_language())
    db = router.db_for_read(model)
    cache = _cache(db)
    compiled = cache.get(full_key, _MISSING)
    if compiled is not _MISSING and (
        compiled is None or compiled.day is None or compiled.day == timezone.localdate()
    ):
        cache.move_to_end(full_key)
    else:
        markers = _markers(len(ids))
        probe = build(*markers)
        compiled = _compile(probe, markers) if probe.db == db else None
        cache[full_key] = compiled
        while len(cache) > COMPILED_QUERIES:
            cache.popitem(last=False)
    if compiled is None:  # not replayable: run as Django would
        qs = build(*ids)
        names = _names(qs)
        return names, [_as_tuple(r) for r in qs]
    return compiled.names, compiled.run(db, ids)


def _as_tuple(row: Any) -> tuple[Any, ...]:
    if isinstance(row, dict):
        return tuple(row.values())
    return tuple(row) if isinstance(row, tuple) else (row,)


def compiled_values(
    key: Hashable, model: type[Model], build: Callable[..., QuerySet[Any]], ids: Sequence[int]
) -> list[dict[str, Any]]:
    """`compiled_tuples` as dicts, column name to value (as `values()` gives them)."""
    names, rows = compiled_tuples(key, model, build, ids)
    return [dict(zip(names, row, strict=True)) for row in rows]
