"""Bulk inserts for imports: `executemany` (SQLite) or `COPY` (PostgreSQL), ids reserved first.

Django's `bulk_create` compiles every value of every row through the ORM (and on SQLite splits
the rows into statements of at most 999 parameters), which dominates an import's time. Imports
already hold clean, typed values, so they insert them directly. Ids are reserved first so that
rows inserted now can be referenced at once: from the sequence on PostgreSQL, after the highest
id on SQLite — whose single writer lock the import's transaction already holds, because it has
written before it inserts.

Inserted projects carry their status: creation is the project workflow's entry point for
imported data (an entry state such as `funded`); these helpers never update a status, which
only `projects.services.project_transition` changes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the sequence's name first: inside the generate_series query PostgreSQL would call
            # pg_get_serial_sequence once per id, which made the reservation 6x slower
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        # A write, even one that changes nothing, takes SQLite's writer lock for the rest of
        # the transaction: nobody else can insert between our MAX() and our INSERT.
        cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = {qn(column)} WHERE 1 = 0")  # noqa: S608
        cursor.execute(f"SELECT COALESCE(MAX({qn(column)}), 0) FROM {qn(table)}")  # noqa: S608
        start = int(cursor.fetchone()[0]) + 1
        # SQLite hands out max(rowid)+1, so a later ORM insert continues after our ids.
        return list(range(start, start + count))


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch_size: int = 5000,
) -> None:
    """INSERT `rows` (tuples in the order of `fields`, attribute names) with executemany.

    Fields left out get their default (`created_at` / `updated_at`: the current time), as
    `bulk_create` would give them.
    """
    if not rows:
        return
    opts = model._meta
    names = list(fields)
    extra: list[Any] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for f in opts.concrete_fields:
        if f.attname in names or f.name in names or f.primary_key:
            continue
        # what bulk_create would have written for a field the rows leave out
        names.append(f.attname)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            extra.append(now)
        else:
            extra.append(f.get_db_prep_save(f.get_default(), connection))
    adapters: list[Any] = []
    for name in names[: len(fields)]:
        field = opts.get_field(name)
        if isinstance(field, models.DateTimeField):
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(connection.ops.adapt_datefield_value)
        else:
            adapters.append(None)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(cast(models.Field[Any, Any], opts.get_field(n)).column) for n in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    convert = [i for i, a in enumerate(adapters) if a is not None]
    tail = tuple(extra)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            if convert:
                prepared = []
                for row in chunk:
                    values = list(row)
                    for i in convert:
                        if values[i] is not None:
                            values[i] = adapters[i](values[i])
                    prepared.append((*values, *tail))
            else:
                prepared = [(*row, *tail) for row in chunk]
            if connection.vendor == "postgresql":
                # COPY streams the rows in one command instead of one INSERT per row.
                copy_sql = f"COPY {qn(opts.db_table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for prepared_row in prepared:
                        copy.write_row(prepared_row)
            else:
                cursor.executemany(sql, prepared)


def insert_with_ids(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Reserve ids and insert `rows` (values in the order of `fields`); returns the ids."""
    ids = reserve_ids(model, len(rows))
    insert_rows(model, ["id", *fields], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    return ids


def _adapters(model: type[models.Model], names: Sequence[str]) -> list[Any]:
    """Per field, what turns a Python value into the driver's (None: the value as it is).

    Text, numbers, booleans, decimals and foreign keys go as they are (Django passes them
    unchanged too); dates and times through the backend's adapters; anything else (JSON…)
    through the field's own `get_db_prep_save`."""
    opts = model._meta
    adapters: list[Any] = []
    for name in names:
        field = cast(models.Field[Any, Any], opts.get_field(name))
        if isinstance(field, models.DateTimeField):
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(connection.ops.adapt_datefield_value)
        elif isinstance(field, _PLAIN_FIELDS):
            adapters.append(None)
        else:
            adapters.append(functools.partial(_prep_save, field))
    return adapters


def _prep_save(field: models.Field[Any, Any], value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.FloatField,
    models.ForeignKey,
)


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch_size: int = 2000,
) -> None:
    """Write `fields` of existing rows given as `(pk, *values)`; `updated_at`, when the model
    has one, becomes now.

    One `UPDATE … WHERE id = %s` statement run with `executemany` (SQLite) or pipelined
    (PostgreSQL): Django's `bulk_update` builds a `CASE WHEN id = … THEN …` expression per
    field and per row, which an import's tens of thousands of rows pay dearly for."""
    if not rows:
        return
    opts = model._meta
    touch = any(f.name == "updated_at" for f in opts.concrete_fields)
    names = list(fields)
    adapters = _adapters(model, names)
    convert = [(i, a) for i, a in enumerate(adapters) if a is not None]
    qn = connection.ops.quote_name
    columns = [qn(cast(models.Field[Any, Any], opts.get_field(n)).column) for n in names]
    tail: tuple[Any, ...] = ()
    if touch:
        columns.append(qn("updated_at"))
        tail = (connection.ops.adapt_datetimefield_value(timezone.now()),)
    assignments = ", ".join(f"{c} = %s" for c in columns)
    sql = f"UPDATE {qn(opts.db_table)} SET {assignments} WHERE {qn(opts.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            prepared = []
            for pk, *values in rows[start : start + batch_size]:
                for i, adapt in convert:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                prepared.append((*values, *tail, pk))
            cursor.executemany(sql, prepared)


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers (`'{1,2,3}'`, cast by the query: `%s::bigint[]`).

    Django's psycopg cursor binds on the client side, where a Python list becomes an array
    literal through psycopg's per-element Python dumping: for an import's arrays of thousands
    of ids, about a fifth of the search upkeep's CPU time. One `join` does it in C."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def ids_condition(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """A `WHERE` condition "`column` is one of `ids`" with a single parameter, for any number
    of ids: a JSON array read by `json_each` on SQLite, an array on PostgreSQL. (An `IN` list
    costs a parameter per id, and Django prepares each one.)"""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [int_array(ids)]
    subquery = "(SELECT value FROM json_each(%s))"
    return f"{column} IN {subquery}", [json.dumps([int(i) for i in ids])]


def select_by_ids(
    table: str, columns: Sequence[str], ids: Sequence[int], *, key: str = "id"
) -> list[tuple[Any, ...]]:
    """`columns` (quoted here) of the rows of `table` whose `key` is one of `ids`."""
    if not ids:
        return []
    qn = connection.ops.quote_name
    condition, params = ids_condition(qn(key), ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)} WHERE {condition}",  # noqa: S608
            params,
        )
        return list(cursor.fetchall())
