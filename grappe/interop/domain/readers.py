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
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.text import first_control, printable

csv.field_size_limit(10 * 1024 * 1024)

SNIFF_BYTES = 64 * 1024
_SEPARATORS = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}


class FileProblem(ValueError):
    """The whole file is unusable (wrong separator, encoding, missing columns); nothing is read."""


class RowProblem(ValueError):
    """One row is unusable; the message names the column and the rule.

    Translatable: `message` is English with `%(name)s` placeholders (marked with
    `gettext_noop`), `params` fills them. The interface translates with
    `gettext(message) % params`; `str()` is English. The import engines keep both on the
    rejected row, so that its reason is read in the reader's language.
    """

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


class SheetRefused(FileProblem):
    """A spreadsheet refused as a whole, with a translatable message.

    `message` is English with `%(name)s` placeholders (marked with `gettext_noop`); `params`
    fills them. The interface translates with `gettext(message) % params`; `str()` is English.
    """

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params)


MIB = 1024 * 1024


@dataclass(frozen=True)
class SheetLimits:
    """What one uploaded spreadsheet may cost, checked before and while it is read.

    An XLSX file is a zip: its central directory declares each member's size, and Python's
    zipfile never inflates a member past the size it declares (it stops and reports a bad
    CRC), so checking the declared sizes bounds the work before any XML is parsed.
    """

    max_bytes: int = 16 * MIB  # the file as uploaded
    max_uncompressed: int = 40 * MIB  # all members of an XLSX zip, inflated
    max_ratio: int = 200  # inflated / compressed size of one member larger than 1 MiB
    max_members: int = 1000  # files inside an XLSX zip
    max_rows: int = 20_000  # data rows (the header row not counted)
    max_blank_rows: int = 20_000  # empty rows, skipped but read
    max_columns: int = 64  # cells read per row; columns further right are ignored
    max_line: int = 64 * 1024  # characters in one CSV line


def _mb(n: int) -> str:
    """Mebibytes with at most one decimal: 16, 16.5 (the unit is in the translated message)."""
    return f"{n / MIB:.1f}".removesuffix(".0")


def check_size(size: int, *, label: str, limits: SheetLimits) -> None:
    if size > limits.max_bytes:
        raise SheetRefused(
            gettext_noop(
                "%(name)s: the file is %(size)s MB, larger than the limit of %(limit)s MB."
            ),
            name=label,
            size=_mb(size),
            limit=_mb(limits.max_bytes),
        )


def check_xlsx_archive(data: bytes, *, label: str, limits: SheetLimits) -> None:
    """Refuse a workbook whose zip would inflate beyond the limits (a zip bomb), from the
    sizes its central directory declares, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SheetRefused(
            gettext_noop("%(name)s: the file is not a readable XLSX workbook."), name=label
        ) from exc
    if len(members) > limits.max_members:
        raise SheetRefused(
            gettext_noop(
                "%(name)s: the workbook holds %(count)s files, more than the limit of %(limit)s."
            ),
            name=label,
            count=len(members),
            limit=limits.max_members,
        )
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_uncompressed:
            raise SheetRefused(
                gettext_noop(
                    "%(name)s: the workbook would expand to more than %(limit)s MB once "
                    "uncompressed (the limit); split it or remove what it does not need."
                ),
                name=label,
                limit=_mb(limits.max_uncompressed),
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MIB and ratio > limits.max_ratio:
            raise SheetRefused(
                gettext_noop(
                    "%(name)s: a part of the workbook is compressed %(ratio)s times, more than "
                    "the limit of %(limit)s times; this is not an ordinary spreadsheet."
                ),
                name=label,
                ratio=int(ratio),
                limit=limits.max_ratio,
            )


def _too_many_rows(label: str, limits: SheetLimits) -> SheetRefused:
    return SheetRefused(
        gettext_noop("%(name)s: more than %(limit)s rows (the limit); split the file."),
        name=label,
        limit=f"{limits.max_rows:,}",
    )


def _xlsx_rows(data: bytes, *, label: str, limits: SheetLimits) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_xlsx_archive(data, label=label, limits=limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise SheetRefused(
            gettext_noop("%(name)s: the file is not a readable XLSX workbook."), name=label
        ) from exc
    # Explicit bounds: a read-only sheet otherwise trusts the workbook's declared dimension and
    # pads every row to it (up to 16,384 columns), and fills any gap between row numbers with
    # empty rows (a single `<row r="999999999">` would mean a billion of them).
    # One row past what `read_table` accepts, so that it sees the overflow and refuses the file.
    last = limits.max_rows + limits.max_blank_rows + 2
    rows = sheet.iter_rows(max_col=limits.max_columns, max_row=last, values_only=True)
    try:
        for row in rows:
            cells = [
                ""
                if v is None
                else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v))
                for v in row
            ]
            while cells and not cells[-1]:
                cells.pop()  # the padding up to max_col
            yield cells
    except SheetRefused:
        raise
    except Exception as exc:
        raise SheetRefused(
            gettext_noop("%(name)s: the workbook is damaged and cannot be read to the end."),
            name=label,
        ) from exc
    finally:
        book.close()


def _csv_lines(text: IO[str], *, label: str, limits: SheetLimits) -> Iterator[str]:
    for number, line in enumerate(text, start=1):
        if len(line) > limits.max_line:
            raise SheetRefused(
                gettext_noop(
                    "%(name)s: line %(line)s is longer than %(limit)s characters (the limit)."
                ),
                name=label,
                line=number,
                limit=f"{limits.max_line:,}",
            )
        yield line


WINDOWS_1252 = "cp1252"
ENCODINGS = ("utf-8", WINDOWS_1252)  # what a spreadsheet's CSV may be read as
_BINARY_BYTES = frozenset(range(32)) - {9, 10, 13}  # controls other than TAB, LF and CR
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class NotUtf8(SheetRefused):
    """A CSV that is not UTF-8 but reads cleanly as `offer` (Windows-1252, as French Excel
    saves "CSV (separator: semicolon)"): the interface offers to read it that way."""

    def __init__(self, label: str, offer: str) -> None:
        super().__init__(
            gettext_noop(
                "%(name)s: the file is not UTF-8 encoded, but it reads cleanly as Windows-1252 "
                "(as Excel saves CSV files on Windows). Read it as Windows-1252, or save it as "
                "CSV UTF-8 and upload it again."
            ),
            name=label,
        )
        self.offer = offer


def _not_text(label: str) -> SheetRefused:
    return SheetRefused(
        gettext_noop(
            "%(name)s: the file is not a spreadsheet (it holds binary data, not CSV text or an "
            "XLSX workbook). Upload a CSV or XLSX file."
        ),
        name=label,
    )


def check_csv_encoding(data: bytes, *, label: str, encoding: str = "utf-8") -> str:
    """The encoding to read a CSV upload with, or `SheetRefused` saying why it cannot be read:
    UTF-16 or binary data (control bytes in a file that is not UTF-8), or text that is neither
    UTF-8 nor `encoding`. A file that is not UTF-8 but decodes as Windows-1252 without an
    undefined byte raises `NotUtf8`, unless `encoding` already says to read it that way."""
    if data.startswith(_UTF16_BOMS):
        raise SheetRefused(
            gettext_noop(
                '%(name)s: the file is UTF-16 encoded (Excel\'s "Unicode text"); save it as '
                "CSV UTF-8 and upload it again."
            ),
            name=label,
        )
    if encoding not in ENCODINGS:
        encoding = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"  # control characters in a UTF-8 file are refused row by row
    if _BINARY_BYTES.intersection(data[:SNIFF_BYTES]):
        raise _not_text(label)
    try:
        data.decode(WINDOWS_1252)
    except UnicodeDecodeError:
        raise SheetRefused(
            gettext_noop(
                "%(name)s: the file is not UTF-8 encoded, nor Windows-1252; save it as CSV "
                "UTF-8 and upload it again."
            ),
            name=label,
        ) from None
    if encoding != WINDOWS_1252:
        raise NotUtf8(label, WINDOWS_1252)
    return WINDOWS_1252


def _csv_rows(
    data: bytes, *, label: str, limits: SheetLimits, encoding: str = "utf-8"
) -> Iterator[list[str]]:
    codec = check_csv_encoding(data, label=label, encoding=encoding)
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding="utf-8-sig" if codec == "utf-8" else codec, newline=""
    )
    first = text.readline(limits.max_line + 1)
    text.seek(0)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(_csv_lines(text, label=label, limits=limits), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise SheetRefused(
            gettext_noop("%(name)s: malformed CSV near line %(line)s."),
            name=label,
            line=reader.line_num,
        ) from exc


def read_table(
    data: bytes,
    *,
    label: str,
    xlsx: bool,
    limits: SheetLimits | None = None,
    encoding: str = "utf-8",
) -> Iterator[list[str]]:
    """The rows of a CSV or XLSX (first sheet) spreadsheet as lists of strings, header first.

    Limits are checked before parsing (file size; for XLSX the declared sizes and compression
    ratio of its zip members) and while streaming (line length, rows): more than `max_rows`
    non-empty data rows, or more than `max_blank_rows` empty ones, raise `SheetRefused` as soon
    as the next one is read. Empty rows are yielded as empty lists, so line numbers stay true.
    A CSV is read as UTF-8, or as `encoding` (one of `ENCODINGS`) when it is not UTF-8; see
    `check_csv_encoding`.
    """
    limits = limits or SheetLimits()
    check_size(len(data), label=label, limits=limits)
    rows = (
        _xlsx_rows(data, label=label, limits=limits)
        if xlsx
        else _csv_rows(data, label=label, limits=limits, encoding=encoding)
    )
    filled = blank = 0
    for row in rows:
        if not any(v.strip() for v in row):
            blank += 1
            if blank > limits.max_blank_rows:
                raise SheetRefused(
                    gettext_noop(
                        "%(name)s: more than %(limit)s empty rows (the limit); delete them."
                    ),
                    name=label,
                    limit=f"{limits.max_blank_rows:,}",
                )
            yield []
            continue
        filled += 1
        if filled > limits.max_rows + 1:  # + the header row
            raise _too_many_rows(label, limits)
        yield row


class Row:
    """One data row: its line number in the file (1 = header), its values by canonical column.

    Values are stripped of surrounding spaces. `raw` (the fields joined again) is only built
    when asked for, i.e. for rejected rows.
    """

    __slots__ = ("_delimiter", "_fields", "error", "line", "values")

    def __init__(
        self,
        line: int,
        values: dict[str, str],
        fields: list[str],
        delimiter: str = ";",
        error: RowProblem | None = None,
    ) -> None:
        self.line = line
        self.values = values
        self._fields = fields
        self._delimiter = delimiter
        self.error = error  # why the row cannot be read at all (field count, control character)

    @property
    def raw(self) -> str:
        """The fields joined again, control characters shown as U+FFFD (a rejected row is
        stored, and PostgreSQL cannot store a NUL)."""
        return printable(self._delimiter.join(self._fields))

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
                    {},
                    fields,
                    delimiter,
                    RowProblem(
                        gettext_noop("expected %(width)s fields, found %(found)s"),
                        width=width,
                        found=len(fields),
                    ),
                )
                continue
            picked = pick(padded(fields))
            values = (
                dict(zip(names, map(strip, picked), strict=True))
                if len(names) > 1
                else {names[0]: strip(picked)}
            )
            problem = control_problem(values)
            if problem is not None:
                yield Row(start, {}, fields, delimiter, problem)
                continue
            yield Row(start, values, fields, delimiter)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{label}: the file is not UTF-8 encoded (an invalid byte after line {line})."
        ) from exc
    except csv.Error as exc:
        raise FileProblem(f"{label}: malformed CSV at line {line + 1}: {exc}.") from exc


# --- value parsers: raise RowProblem naming the column ---------------------------------------


def control_problem(values: Mapping[str, str]) -> RowProblem | None:
    """Why a row is refused for a control character in a cell (TAB, LF and CR, which quoted
    multi-line CSV fields hold, are allowed), naming the column; None for a clean row. One
    search over the row's text in the usual case of a clean row."""
    if first_control("".join(values.values()), multiline=True) is None:
        return None
    for column, value in values.items():
        found = first_control(value, multiline=True)
        if found is not None:
            return RowProblem(
                gettext_noop("%(column)s: contains a control character (%(character)s)"),
                column=column,
                character=found,
            )
    return None


_MONEY = re.compile(r"^-?[0-9]+(?:[.,][0-9]{1,2})?$")


def parse_money(value: str, column: str) -> Decimal | None:
    """A non-negative EUR amount with at most two decimals (point or comma); empty is None."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not _MONEY.match(text):
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is not an amount in euros (e.g. 1234.50)"),
            column=column,
            value=value,
        )
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is not a number"), column=column, value=value
        ) from exc
    if amount < 0:
        raise RowProblem(
            gettext_noop("%(column)s: %(value)s is negative; amounts cannot be below zero"),
            column=column,
            value=value,
        )
    if amount >= Decimal("1e12"):
        raise RowProblem(
            gettext_noop("%(column)s: %(value)s is above the largest amount accepted (10^12)"),
            column=column,
            value=value,
        )
    return amount


def parse_date(value: str, column: str) -> dt.date | None:
    """An ISO date (yyyy-mm-dd, optionally followed by a time); empty is None."""
    text = value.strip()
    if not text:
        return None
    head = text[:10]
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", head):
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is not a date in the form yyyy-mm-dd"),
            column=column,
            value=value,
        )
    try:
        day = dt.date.fromisoformat(head)
    except ValueError as exc:
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is not a real calendar date"),
            column=column,
            value=value,
        ) from exc
    if not 1950 <= day.year <= 2100:
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is outside the years 1950-2100"),
            column=column,
            value=value,
        )
    return day


def parse_bool(value: str, column: str) -> bool | None:
    text = value.strip().lower()
    if text in {"", "null", "n/a"}:
        return None
    if text in {"true", "1", "yes", "y", "oui", "vrai", "t"}:
        return True
    if text in {"false", "0", "no", "n", "non", "faux", "f"}:
        return False
    raise RowProblem(
        gettext_noop("%(column)s: %(value)r is not true or false"), column=column, value=value
    )


def check_length(value: str, column: str, limit: int) -> str:
    if len(value) > limit:
        raise RowProblem(
            gettext_noop("%(column)s: longer than %(limit)s characters (%(length)s)"),
            column=column,
            limit=limit,
            length=len(value),
        )
    return value


# --- spreadsheet values in French or international formats, with translatable reasons --------


class RowRefused(RowProblem):
    """One reason a spreadsheet row is refused (member sheets, funding lines); a spreadsheet
    row can carry several, each translatable like any `RowProblem`."""


_EUR = re.compile(r"^[0-9]+(?:\.[0-9]{1,2})?$")
_SPACES = (" ", "\u00a0", "\u202f", "'")
MAX_AMOUNT = Decimal("1e12")


def parse_eur(value: str, column: str) -> Decimal:
    """A non-negative amount in euros, as French ("1 234,56 €", "1.234,56") or international
    ("1234.56", "1,234.56") spreadsheets write it; at most two decimals. Empty is refused."""
    text = value.strip()
    for mark in ("€", "EUR", "eur", *_SPACES):
        text = text.replace(mark, "")
    if not text:
        raise RowRefused(gettext_noop("%(column)s: empty (an amount in euros)."), column=column)
    if text.startswith("-"):
        raise RowRefused(
            gettext_noop("%(column)s: %(value)s is negative; an amount cannot be below zero."),
            column=column,
            value=value.strip(),
        )
    if "," in text and "." in text:  # the last mark is the decimal one, the other groups digits
        decimal_mark = "," if text.rindex(",") > text.rindex(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        text = text.replace(group_mark, "").replace(decimal_mark, ".")
    elif text.count(",") == 1 and len(text.rsplit(",", 1)[1]) <= 2:
        text = text.replace(",", ".")  # a French decimal comma
    elif text.count(".") > 1 and "," not in text:
        text = text.replace(".", "")  # 1.234.567 (French digit groups)
    if not _EUR.match(text):
        raise RowRefused(
            gettext_noop(
                "%(column)s: %(value)s is not an amount in euros (e.g. 1 234,56 € or 1234.56)."
            ),
            column=column,
            value=value.strip(),
        )
    amount = Decimal(text)
    if amount >= MAX_AMOUNT:
        raise RowRefused(
            gettext_noop("%(column)s: %(value)s is above the largest amount accepted (10^12)."),
            column=column,
            value=value.strip(),
        )
    return amount


FRENCH_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "décembre": 12,
}
_ISO_DAY = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T].*)?$")
_FRENCH_DAY = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")
_FRENCH_LONG_DAY = re.compile(r"^([0-9]{1,2})(?:er)?\s+([^\W\d_]+)\s+([0-9]{4})$")


def parse_day(value: str, column: str) -> dt.date:
    """A date written 2014-06-12 (ISO), 12/06/2014, 12.06.2014 or 12 juin 2014 (French, day
    first); between 1950 and 2100. Empty is refused."""
    text = " ".join(value.split())
    if not text:
        raise RowRefused(gettext_noop("%(column)s: empty (a date)."), column=column)
    parts: tuple[int, int, int] | None = None
    if m := _ISO_DAY.match(text):
        parts = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _FRENCH_DAY.match(text):
        parts = (int(m[3]), int(m[2]), int(m[1]))
    elif (m := _FRENCH_LONG_DAY.match(text.lower())) and m[2] in FRENCH_MONTHS:
        parts = (int(m[3]), FRENCH_MONTHS[m[2]], int(m[1]))
    if parts is None:
        raise RowRefused(
            gettext_noop(
                "%(column)s: %(value)s is not a date (e.g. 2014-06-12, 12/06/2014 or 12 juin 2014)."
            ),
            column=column,
            value=value.strip(),
        )
    try:
        day = dt.date(*parts)
    except ValueError:
        raise RowRefused(
            gettext_noop("%(column)s: %(value)s is not a real calendar date."),
            column=column,
            value=value.strip(),
        ) from None
    if not 1950 <= day.year <= 2100:
        raise RowRefused(
            gettext_noop("%(column)s: %(value)s is outside the years 1950-2100."),
            column=column,
            value=value.strip(),
        )
    return day
