"""Issue 8 (5): member sheets and imports, robust — every reason of a row, in both languages;
encodings and binary files refused or offered clearly, never a 500."""

from __future__ import annotations

import pytest
from django.utils import translation

from grappe.core.tests.factories import ClusterFactory
from grappe.interop.members import members_commit, members_preview
from grappe.interop.models import ImportRun, RunStatus
from grappe.interop.services import import_run_create

pytestmark = pytest.mark.django_db

HEADER = "name,type,siren,city,country,website,member_since,member_until"


def members_run(cluster, data: bytes, file_name: str = "members.csv") -> ImportRun:
    return import_run_create(source="members", payload=data, file_name=file_name, cluster=cluster)


def sheet(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


BAD_ROW = "Bad Everything,unicorn,123456789,Paris,FR,ftp://x,2024-01-01,2023-01-01"


def test_every_reason_of_a_row_is_reported_in_english() -> None:
    run = members_run(ClusterFactory(), sheet(BAD_ROW))
    with translation.override("en"):
        detail = members_preview(run).lines[0].detail
    assert "type: 'unicorn' is not one of" in detail
    assert "siren: '123456789' is invalid: This SIREN fails its Luhn check digit." in detail
    assert "website: 'ftp://x' must start with http:// or https://." in detail
    assert "member_until: 2023-01-01 is before member_since 2024-01-01." in detail


def test_every_reason_of_a_row_is_reported_in_french() -> None:
    run = members_run(ClusterFactory(), sheet(BAD_ROW))
    with translation.override("fr"):
        detail = members_preview(run).lines[0].detail
    assert "type : « unicorn » n'est pas l'un de" in detail
    assert "siren : « 123456789 » n'est pas valide : " in detail
    assert "website : « ftp://x » doit commencer par http:// ou https://." in detail
    assert "member_until : 2023-01-01 est antérieure à member_since 2024-01-01." in detail
    assert "fails its Luhn" not in detail


def test_the_rejected_row_keeps_every_reason_in_the_language_of_the_commit() -> None:
    run = members_run(ClusterFactory(), sheet(BAD_ROW, "Good,sme,,Paris,FR,,2024-01-01,"))
    with translation.override("fr"):
        run = members_commit(run, user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    (reason,) = run.rejected_rows.values_list("reason", flat=True)
    assert reason.count(" : ") >= 4  # type, siren, website, member_until
    assert "doit commencer par http://" in reason


def test_a_missing_name_and_date_are_both_reported() -> None:
    run = members_run(ClusterFactory(), sheet(",sme,,Paris,FR,,,"))
    with translation.override("fr"):
        detail = members_preview(run).lines[0].detail
    assert "name : vide." in detail
    assert "member_since : vide (la date d'adhésion de l'organisation)." in detail


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("given", ["sme", "SME", "PME", "pme", "Start-up", "start_up"])
def test_the_type_vocabulary_is_the_same_in_both_languages(language: str, given: str) -> None:
    run = members_run(ClusterFactory(), sheet(f"Acme,{given},,Paris,FR,,2024-01-01,"))
    with translation.override(language):
        lines = members_preview(run).lines
    assert [line.action for line in lines] == ["create"], lines[0].detail
