"""Streaming CSV readers with up-front header checks and per-row value parsers.

Pure Python (no Django). A file-level problem (separator, encoding, missing columns) raises
`FileProblem` before any row is yielded; a row-level problem raises `RowProblem` from the
parsers, which the importer turns into a rejected row with its line number.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

csv.field_size_limit(10 * 1024 * 1024)

SNIFF_BYTES = 64 * 1024
_SEPARATORS = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}


class FileProblem(ValueError):
    """The whole file is unusable (wrong separator, encoding, missing columns); nothing is read."""


class RowProblem(ValueError):
    """One row is unusable; the message names the column and the rule."""


class Row:
    """One data row: its line number in the file (1 = header), its values by canonical column.

    Values are stripped of surrounding spaces. `raw` (the fields joined again) is only built
    when asked for, i.e. for rejected rows.
    """

    __slots__ = ("_delimiter", "_fields", "line", "values")

    def __init__(
        self, line: int, values: dict[str, str], fields: list[str], delimiter: str = ";"
    ) -> None:
        self.line = line
        self.values = values
        self._fields = fields
        self._delimiter = delimiter

    @property
    def raw(self) -> str:
        return self._delimiter.join(self._fields)

    def get(self, column: str) -> str:
        """The value; empty when the column is absent."""
        return self.values.get(column, "")


def check_utf8(head: bytes, label: str) -> None:
    """Refuse a file whose first bytes are not UTF-8 (a cut multi-byte character at the end is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{label}: the file is not UTF-8 encoded (byte 0x{head[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8 and import it again."
        ) from exc


def text_stream(binary: IO[bytes], label: str) -> IO[str]:
    """A text stream over a binary one, after checking that the start of it is UTF-8."""
    buffered: Any = binary if isinstance(binary, io.BufferedReader) else io.BufferedReader(binary)
    check_utf8(buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES], label)
    return io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")


def _split_header(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter))


def read_rows(
    stream: IO[str],
    *,
    label: str,
    delimiter: str,
    columns: Mapping[str, Sequence[str]],
    required: Iterable[str],
) -> Iterator[Row]:
    """The rows of a CSV stream, keyed by canonical column name (the header is read now).

    `columns` maps each canonical name to the header spellings accepted for it (the CORDIS
    H2020 and Horizon Europe layouts name a few columns differently). The header is checked
    before the first row: a file that uses another separator, or lacks a required column,
    raises `FileProblem` naming the problem.
    """
    try:
        header_line = stream.readline()
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{label}: the file is not UTF-8 encoded.") from exc
    if not header_line.strip():
        raise FileProblem(f"{label}: the file is empty (no header row).")
    header = [h.strip() for h in _split_header(header_line.rstrip("\r\n"), delimiter)]
    if len(header) == 1:
        others = [s for s in _SEPARATORS if s != delimiter and s in header_line]
        if others:
            raise FileProblem(
                f"{label}: the columns are separated by {_SEPARATORS[others[0]]}, "
                f"expected {_SEPARATORS[delimiter]}."
            )
    position: dict[str, int] = {}
    for canonical, spellings in columns.items():
        for spelling in spellings:
            if spelling in header:
                position[canonical] = header.index(spelling)
                break
    missing = [c for c in required if c not in position]
    if missing:
        names = ", ".join(columns[c][0] for c in missing)
        raise FileProblem(f"{label}: required column(s) missing from the header: {names}.")
    # Optional columns the file lacks read as empty: they point past the row's last field.
    for canonical in columns:
        position.setdefault(canonical, len(header))
    return _rows(stream, label=label, delimiter=delimiter, width=len(header), position=position)


def _rows(
    stream: IO[str], *, label: str, delimiter: str, width: int, position: dict[str, int]
) -> Iterator[Row]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    names = tuple(position)
    pick = operator.itemgetter(*position.values())
    strip = str.strip
    needs_pad = width in position.values()

    def padded(fields: list[str]) -> list[str]:
        return [*fields, ""] if needs_pad else fields

    line = 1
    try:
        for fields in reader:
            start = line + 1
            line = reader.line_num + 1  # reader counts lines after the header line we read
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                yield Row(
                    start,
                    {"__error__": f"expected {width} fields, found {len(fields)}"},
                    fields,
                    delimiter,
                )
                continue
            picked = pick(padded(fields))
            values = (
                dict(zip(names, map(strip, picked), strict=True))
                if len(names) > 1
                else {names[0]: strip(picked)}
            )
            yield Row(start, values, fields, delimiter)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{label}: the file is not UTF-8 encoded (an invalid byte after line {line})."
        ) from exc
    except csv.Error as exc:
        raise FileProblem(f"{label}: malformed CSV at line {line + 1}: {exc}.") from exc


# --- value parsers: raise RowProblem naming the column ---------------------------------------

_MONEY = re.compile(r"^-?[0-9]+(?:[.,][0-9]{1,2})?$")


def parse_money(value: str, column: str) -> Decimal | None:
    """A non-negative EUR amount with at most two decimals (point or comma); empty is None."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not _MONEY.match(text):
        raise RowProblem(f"{column}: {value!r} is not an amount in euros (e.g. 1234.50)")
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise RowProblem(f"{column}: {value!r} is not a number") from exc
    if amount < 0:
        raise RowProblem(f"{column}: {value} is negative; amounts cannot be below zero")
    if amount >= Decimal("1e12"):
        raise RowProblem(f"{column}: {value} is above the largest amount accepted (10^12)")
    return amount


def parse_date(value: str, column: str) -> dt.date | None:
    """An ISO date (yyyy-mm-dd, optionally followed by a time); empty is None."""
    text = value.strip()
    if not text:
        return None
    head = text[:10]
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", head):
        raise RowProblem(f"{column}: {value!r} is not a date in the form yyyy-mm-dd")
    try:
        day = dt.date.fromisoformat(head)
    except ValueError as exc:
        raise RowProblem(f"{column}: {value!r} is not a real calendar date") from exc
    if not 1950 <= day.year <= 2100:
        raise RowProblem(f"{column}: {value!r} is outside the years 1950-2100")
    return day


def parse_bool(value: str, column: str) -> bool | None:
    text = value.strip().lower()
    if text in {"", "null", "n/a"}:
        return None
    if text in {"true", "1", "yes", "y", "oui", "vrai", "t"}:
        return True
    if text in {"false", "0", "no", "n", "non", "faux", "f"}:
        return False
    raise RowProblem(f"{column}: {value!r} is not true or false")


def check_length(value: str, column: str, limit: int) -> str:
    if len(value) > limit:
        raise RowProblem(f"{column}: longer than {limit} characters ({len(value)})")
    return value
