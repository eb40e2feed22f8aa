"""The shared export helper: formulas neutralised, types kept, CSV and XLSX readable."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grappe.core.exports import (
    Column,
    csv_response,
    export_response,
    neutralise,
    xlsx_response,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+33 1 23 45 67 89", "'+33 1 23 45 67 89"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Capteurs de Paris", "Capteurs de Paris"),
        ("a=b", "a=b"),  # only a leading trigger makes a formula
        ("", ""),
        (Decimal("-12.50"), Decimal("-12.50")),  # numbers stay numbers
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_makes_leading_formula_characters_inert(value, expected):
    assert neutralise(value) == expected


class Row:
    def __init__(self, name, amount, day):
        self.name, self.amount, self.day = name, amount, day


COLUMNS = (
    Column("Name", lambda r: r.name),
    Column("Amount", lambda r: r.amount),
    Column("Day", lambda r: r.day),
)
ROWS = [
    Row('=HYPERLINK("http://evil")', Decimal("-1500.00"), dt.date(2024, 5, 1)),
    Row("Lumière\x01 SA", None, None),
]


def test_csv_export_streams_a_header_and_neutralised_rows():
    response = csv_response("things", COLUMNS, ROWS)
    assert response["Content-Disposition"] == 'attachment; filename="things.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [
        ["Name", "Amount", "Day"],
        ['\'=HYPERLINK("http://evil")', "-1500.00", "2024-05-01"],
        ["Lumière\x01 SA", "", ""],
    ]


def test_xlsx_export_keeps_types_and_never_writes_a_formula():
    response = xlsx_response("things", COLUMNS, ROWS)
    assert response["Content-Disposition"] == 'attachment; filename="things.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Amount", "Day")
    name, amount, day = rows[1]
    assert name == '\'=HYPERLINK("http://evil")'
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, not a formula
    assert amount == pytest.approx(-1500) and isinstance(amount, int | float)
    assert day.date() == dt.date(2024, 5, 1)
    # Control characters XLSX cannot hold are dropped instead of failing the download.
    assert rows[2][0] == "Lumière SA"


def test_an_unknown_export_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_response("pdf", "things", COLUMNS, ROWS)
