"""Spreadsheet limits: size, uncompressed size and ratio, rows, checked before any full read."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, user_with_role
from grappe.interop.domain.readers import SheetLimits, SheetRefused, read_table
from grappe.interop.members import LIMITS, members_preview
from grappe.interop.models import ImportRun
from grappe.interop.services import import_run_create

SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>Bomb SAS</t></is></c><c t="inlineStr"><is><t>sme</t></is></c></row>'


def workbook(*rows: list[str]) -> bytes:
    book = Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet_xml(data: bytes, sheet_data: bytes | None = None, *, repeat: int = 0) -> bytes:
    """The workbook `data` with its first sheet replaced: `sheet_data` inside <sheetData>, or
    `repeat` copies of ROW (a zip bomb: the XML compresses about a thousand times)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != SHEET:
                dst.writestr(item, src.read(item.filename))
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            if sheet_data is not None:
                sheet.write(sheet_data)
            chunk = ROW * 10_000
            for _ in range(repeat // 10_000):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def refusal(data: bytes, *, xlsx: bool, limits: SheetLimits | None = None) -> SheetRefused:
    with pytest.raises(SheetRefused) as caught:
        for _ in read_table(data, label="m.xlsx" if xlsx else "m.csv", xlsx=xlsx, limits=limits):
            pass
    return caught.value


# --- the pure reader -----------------------------------------------------------------------------


def test_an_ordinary_workbook_and_csv_are_read_row_by_row() -> None:
    data = workbook(["name", "type"], ["Acme", "sme"], [], ["Beta", "start_up"])
    assert list(read_table(data, label="m.xlsx", xlsx=True)) == [
        ["name", "type"],
        ["Acme", "sme"],
        [],
        ["Beta", "start_up"],
    ]
    assert list(read_table(b"name;type\nAcme;sme\n", label="m.csv", xlsx=False)) == [
        ["name", "type"],
        ["Acme", "sme"],
    ]


def test_a_zip_bomb_is_refused_from_its_declared_sizes() -> None:
    bomb = with_sheet_xml(workbook(["name"]), repeat=500_000)  # ~50 MB of XML in ~100 KB
    assert len(bomb) < 200_000
    exc = refusal(bomb, xlsx=True)
    assert exc.params["limit"] == "40"
    assert "would expand to more than 40 MB" in str(exc)


def test_a_highly_compressed_part_is_refused_even_under_the_size_limit() -> None:
    part = with_sheet_xml(workbook(["name"]), repeat=20_000)  # ~2 MB, compressed ~1000 times
    exc = refusal(part, xlsx=True)
    assert "compressed" in str(exc) and exc.params["limit"] == 200


def test_too_many_parts_are_refused() -> None:
    exc = refusal(workbook(["name"]), xlsx=True, limits=SheetLimits(max_members=3))
    assert "more than the limit of 3" in str(exc)


def test_a_file_larger_than_the_limit_is_refused_before_reading() -> None:
    data = b"name\n" + b"x" * (3 * 1024 * 1024 // 2)
    exc = refusal(data, xlsx=False, limits=SheetLimits(max_bytes=1024 * 1024))
    assert "the file is 1.5 MB, larger than the limit of 1 MB" in str(exc)


def test_rows_past_the_limit_are_refused_while_streaming() -> None:
    limits = SheetLimits(max_rows=3)
    ok = b"name\n" + b"a\n" * 3
    assert len(list(read_table(ok, label="m.csv", xlsx=False, limits=limits))) == 4
    exc = refusal(b"name\n" + b"a\n" * 4, xlsx=False, limits=limits)
    assert "more than 3 rows" in str(exc)
    exc = refusal(workbook(["name"], *[["a"]] * 4), xlsx=True, limits=limits)
    assert "more than 3 rows" in str(exc)


def test_empty_rows_are_bounded_too() -> None:
    limits = SheetLimits(max_blank_rows=5)
    exc = refusal(b"name\n" + b"\n" * 6 + b"a\n", xlsx=False, limits=limits)
    assert "more than 5 empty rows" in str(exc)


def test_a_row_number_far_away_is_not_padded_with_a_billion_empty_rows() -> None:
    far = with_sheet_xml(
        workbook(["name"]),
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        b'<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>x</t></is></c></row>',
    )
    exc = refusal(far, xlsx=True, limits=SheetLimits(max_rows=10, max_blank_rows=10))
    assert "more than 10 empty rows" in str(exc)


def test_a_declared_dimension_of_16384_columns_does_not_widen_rows() -> None:
    data = workbook(["name", "type"], ["Acme", "sme"])
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        xml = re.sub(
            rb'<dimension ref="A1:B2"\s*/>', b'<dimension ref="A1:XFD2"/>', src.read(SHEET)
        )
    assert b"XFD2" in xml
    start = xml.index(b"<sheetData>") + len(b"<sheetData>")
    end = xml.index(b"</sheetData>")
    rows = list(read_table(with_sheet_xml(data, xml[start:end]), label="m.xlsx", xlsx=True))
    assert rows[1][:2] == ["Acme", "sme"]
    assert len(rows[1]) <= SheetLimits().max_columns


def test_a_csv_line_longer_than_the_limit_is_refused() -> None:
    exc = refusal(b"name\n" + b"," * 100 + b"\n", xlsx=False, limits=SheetLimits(max_line=50))
    assert "line 2 is longer than 50 characters" in str(exc)


def test_a_damaged_workbook_is_refused_with_a_message() -> None:
    data = workbook(["name"])
    exc = refusal(data[: len(data) // 2], xlsx=True)
    assert "not a readable XLSX workbook" in str(exc)


# --- through the member import ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "would expand to more than 40 MB once uncompressed (the limit)"),
        ("fr", "dépasserait 40 Mo une fois décompressé (la limite)"),
    ],
)
def test_a_bomb_is_refused_by_the_preview_with_a_translated_message_naming_the_limit(
    language, expected
) -> None:
    bomb = with_sheet_xml(workbook(["name", "type", "member_since"]), repeat=500_000)
    run = import_run_create(
        source="members", payload=bomb, file_name="bomb.xlsx", cluster=ClusterFactory()
    )
    with translation.override(language):
        preview = members_preview(run)
    assert expected in preview.problem
    assert preview.problem.startswith("bomb.xlsx")
    assert not preview.lines


@pytest.mark.django_db
def test_the_member_pages_refuse_a_bomb_and_a_file_over_the_size_limit(client) -> None:
    cluster = ClusterFactory(slug="bomb-test")
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    url = reverse("interop:member_upload", kwargs={"slug": cluster.slug})
    big = SimpleUploadedFile("big.csv", b"name,type,member_since\n" + b"x" * LIMITS.max_bytes)
    page = client.post(url, {"file": big}, follow=True).content.decode()
    assert "larger than the limit of 16 MB" in page
    assert not ImportRun.objects.exists()
    bomb = with_sheet_xml(workbook(["name", "type", "member_since"]), repeat=500_000)
    response = client.post(url, {"file": SimpleUploadedFile("bomb.xlsx", bomb)})
    page = client.get(response["Location"]).content.decode()
    assert "would expand to more than 40 MB" in page
    assert 'data-testid="commit"' not in page


@pytest.mark.django_db
def test_more_rows_than_the_limit_are_refused_by_the_preview() -> None:
    body = b"name,type,member_since\n" + b"X,sme,2024-01-01\n" * (LIMITS.max_rows + 1)
    run = import_run_create(
        source="members", payload=body, file_name="m.csv", cluster=ClusterFactory()
    )
    assert "more than 20,000 rows (the limit)" in members_preview(run).problem
