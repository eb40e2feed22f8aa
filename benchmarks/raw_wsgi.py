"""The raw baseline of `bench_api_vs_raw.py`: a WSGI app with no framework.

For each benchmarked URL it runs the very SQL statements that Grappe ran for that URL (captured
by the benchmark and passed in the JSON file named by `RAW_SQL_FILE`) over one persistent psycopg
connection per worker, and answers every fetched row as JSON with orjson. It validates nothing,
checks no permission and builds no objects: the upper bound of what the same queries can serve.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import psycopg

_PLAN: dict[str, list[str]] = json.loads(open(os.environ["RAW_SQL_FILE"]).read())  # noqa: SIM115
_CONNECTION: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    global _CONNECTION
    if _CONNECTION is None or _CONNECTION.closed:
        _CONNECTION = psycopg.connect(os.environ["RAW_DSN"], autocommit=True)
    return _CONNECTION


def _default(value: Any) -> Any:
    return str(value)  # Decimal, date, UUID: as Django's JSON encoder writes them


def application(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    query = environ.get("QUERY_STRING", "")
    key = environ["PATH_INFO"] + (f"?{query}" if query else "")
    statements = _PLAN.get(key)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail": "not in the plan"}']
    results = []
    with _connection().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.encode())
            if cursor.description is None:
                continue
            names = [column.name for column in cursor.description]
            results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    body = orjson.dumps({"results": results}, default=_default)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
