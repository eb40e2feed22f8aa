"""CSV and XLSX downloads of a list: one helper for every export (lists, rejected import rows).

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula (and tab or
carriage return can hide one), so a name such as `=cmd|' /C calc'!A0` typed into Grappe would run
on the machine of whoever opens the export. `neutralise` prefixes such text with an apostrophe,
which spreadsheets show as plain text (OWASP "CSV injection"); numbers and dates stay typed.

The caller passes rows the user may see (a selector's queryset, filtered): this module only
writes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows read from the database per query while streaming (prefetches run once per chunk).
CHUNK_SIZE = 2000


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | dt.date):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return neutralise(str(value))


@dataclass(frozen=True)
class Column:
    """One exported column: its header and how to read it from a row."""

    header: Any  # a (lazy) translatable string
    value: Callable[[Any], Any]


class _Echo:
    """A file-like object whose `write` returns the line, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _rows(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[list[Any]]:
    yield [str(c.header) for c in columns]
    for row in rows:
        yield [_cell(c.value(row)) for c in columns]


def csv_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Any]
) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8, comma-separated, header row first)."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow(["" if v is None else v for v in row]) for row in _rows(columns, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable[Any]) -> HttpResponse:
    """An XLSX download (one sheet, header row first), written in openpyxl's write-only mode."""
    from openpyxl import Workbook  # import here: only exports need it
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    for row in _rows(columns, rows):
        # XLSX cannot hold most control characters: drop them rather than fail the download.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    fmt: str, filename: str, columns: Sequence[Column], rows: Iterable[Any]
) -> HttpResponse | StreamingHttpResponse:
    """The list as `fmt` ("csv" or "xlsx"); raises ValueError for another format."""
    if fmt == "csv":
        return csv_response(filename, columns, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, columns, rows)
    raise ValueError(f"unknown export format {fmt!r}")


def queryset_rows(qs: QuerySet[Any]) -> Iterator[Any]:
    """Rows of a queryset read in chunks (its prefetches run once per chunk)."""
    return qs.iterator(chunk_size=CHUNK_SIZE)
