"""Issue 8 (5): member sheets and imports, robust — every reason of a row, in both languages;
encodings and binary files refused or offered clearly, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, user_with_role
from grappe.interop.members import members_commit, members_preview
from grappe.interop.models import ImportRun, RunStatus
from grappe.interop.services import import_run_create
from grappe.registry.models import Organisation

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


# --- encodings and binary files ------------------------------------------------------------

ANSI = "name;type;city;member_since\nSociété Générale Énergie;sme;Évry;2024-01-01\n".encode(
    "cp1252"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def test_a_windows_1252_csv_is_offered_in_english() -> None:
    run = members_run(ClusterFactory(), ANSI)
    with translation.override("en"):
        preview = members_preview(run)
    assert preview.encoding_offer == "cp1252"
    assert "members.csv: the file is not UTF-8 encoded, but it reads cleanly as Windows-1252" in (
        preview.problem
    )
    assert not preview.lines


def test_a_windows_1252_csv_is_offered_in_french_then_read_that_way() -> None:
    run = members_run(ClusterFactory(), ANSI)
    with translation.override("fr"):
        preview = members_preview(run)
    assert "se lit sans erreur en Windows-1252" in preview.problem
    run.encoding = preview.encoding_offer
    preview = members_preview(run)
    assert not preview.problem
    assert [(p.name, p.action) for p in preview.lines] == [("Société Générale Énergie", "create")]


def _refusal(data: bytes, file_name: str = "members.csv", language: str = "en") -> str:
    run = members_run(ClusterFactory(), data, file_name=file_name)
    with translation.override(language):
        preview = members_preview(run)
    assert not preview.lines and not preview.encoding_offer
    assert "/" not in preview.problem.split(":", 1)[1]  # no server path in the message
    return preview.problem


def test_text_neither_utf8_nor_windows_1252_is_refused_clearly() -> None:
    data = (
        b"name,type,member_since\nAcme \x81\x8d,sme,2024-01-01\n"  # bytes cp1252 leaves undefined
    )
    assert "is not UTF-8 encoded, nor Windows-1252" in _refusal(data)
    assert "n'est encodé ni en UTF-8 ni en Windows-1252" in _refusal(data, language="fr")


def test_utf16_is_refused_clearly() -> None:
    data = "name,type,member_since\nAcme,sme,2024-01-01\n".encode("utf-16")
    assert "the file is UTF-16 encoded" in _refusal(data)
    assert "encodé en UTF-16" in _refusal(data, language="fr")


@pytest.mark.parametrize(
    "data", [PNG, bytes(range(256)) * 40, bytes((i * 7919 + 13) % 256 for i in range(5000))]
)
def test_binary_data_named_csv_is_refused_clearly(data: bytes) -> None:
    assert "the file is not a spreadsheet (it holds binary data" in _refusal(data)
    assert "n'est pas un tableur (il contient des données binaires" in _refusal(data, language="fr")


def test_a_truncated_xlsx_is_refused_clearly() -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "type", "member_since"])
    out = io.BytesIO()
    book.save(out)
    truncated = out.getvalue()[: len(out.getvalue()) // 2]
    assert "is not a readable XLSX workbook" in _refusal(truncated, file_name="m.xlsx")
    assert "is not a readable XLSX workbook" in _refusal(truncated, file_name="m.csv")  # PK


def test_a_run_read_as_windows_1252_commits_that_way() -> None:
    run = members_run(ClusterFactory(), ANSI)
    run.encoding = "cp1252"
    run.save()
    run = members_commit(run, user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Organisation.objects.filter(name="Société Générale Énergie", city="Évry").exists()


def test_the_preview_page_offers_windows_1252_to_its_manager_only(client) -> None:
    cluster = ClusterFactory(slug="cap-ansi")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    other = user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory())
    client.force_login(manager)
    upload = reverse("interop:member_upload", kwargs={"slug": cluster.slug})
    response = client.post(upload, {"file": SimpleUploadedFile("ansi.csv", ANSI)})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    preview_url = response["Location"]
    page = client.get(preview_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-testid="encoding-offer"' in page
    # an anonymous visitor and another cluster's manager cannot change how it is read
    client.logout()
    assert client.post(preview_url, {"encoding": "cp1252"}).status_code == 302
    client.force_login(other)
    assert client.post(preview_url, {"encoding": "cp1252"}).status_code == 404
    run.refresh_from_db()
    assert run.encoding == "utf-8"
    # an unknown encoding changes nothing
    client.force_login(manager)
    client.post(preview_url, {"encoding": "latin-9"})
    run.refresh_from_db()
    assert run.encoding == "utf-8"
    client.post(preview_url, {"encoding": "cp1252"})
    run.refresh_from_db()
    assert run.encoding == "cp1252" and run.status == RunStatus.PREVIEWED
    page = client.get(preview_url).content.decode()
    assert "Société Générale Énergie" in page and 'data-testid="encoding-offer"' not in page
    client.post(preview_url)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Organisation.objects.filter(name="Société Générale Énergie").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("image.png", PNG),
        ("random.csv", bytes((i * 7919 + 13) % 256 for i in range(5000))),
        ("utf16.csv", "name,type\nA,sme\n".encode("utf-16")),
        ("broken.xlsx", b"PK\x03\x04" + bytes(200)),
        ("ansi.csv", ANSI),
    ],
)
def test_no_uploaded_file_gives_a_500(client, name: str, data: bytes) -> None:
    cluster = ClusterFactory()
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))
    upload = reverse("interop:member_upload", kwargs={"slug": cluster.slug})
    response = client.post(upload, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-testid="preview-problem"' in page.content.decode()
    assert client.post(response["Location"]).status_code == 302  # a commit fails cleanly
    run = ImportRun.objects.get()
    assert run.status == RunStatus.FAILED and run.error.startswith(name)


# --- countries (ISO 3166 through pycountry) ----------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("FR", "FR"),
        ("de", "DE"),
        ("Allemagne", "DE"),
        ("Germany", "DE"),
        ("Russie", "RU"),
        ("XK", "XK"),
        ("", "FR"),
    ],
)
def test_a_country_is_an_iso_code_or_a_name(given: str, code: str) -> None:
    run = members_run(ClusterFactory(), sheet(f"Acme,sme,,Paris,{given},,2024-01-01,"))
    lines = members_preview(run).lines
    assert [line.action for line in lines] == ["create"], lines[0].detail
    run = members_commit(run, user=None)
    assert Organisation.objects.get(name="Acme").country == code


@pytest.mark.parametrize("given", ["ZZ", "FRA", "Atlantis", "12"])
def test_a_country_outside_iso_3166_is_refused_in_both_languages(given: str) -> None:
    run = members_run(ClusterFactory(), sheet(f"Acme,sme,,Paris,{given},,2024-01-01,"))
    with translation.override("en"):
        (line,) = members_preview(run).lines
    assert line.action == "error"
    assert f"country: '{given}' is not a country of ISO 3166" in line.detail
    with translation.override("fr"):
        (line,) = members_preview(run).lines
    assert f"country : « {given} » n'est pas un pays de la norme ISO 3166" in line.detail


# --- previews are not runs -------------------------------------------------------------------


def test_a_preview_is_not_listed_as_a_run_until_it_is_committed(client) -> None:
    cluster = ClusterFactory()
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    client.force_login(manager)
    upload = reverse("interop:member_upload", kwargs={"slug": cluster.slug})
    data = sheet("Listed Later,sme,,Paris,FR,,2024-01-01,")
    preview_url = client.post(upload, {"file": SimpleUploadedFile("later.csv", data)})["Location"]
    runs = reverse("interop:run_list")
    listing = client.get(runs)
    assert listing.status_code == 200 and "later.csv" not in listing.content.decode()
    assert client.get(preview_url).status_code == 200  # the preview itself still opens
    client.post(preview_url)
    assert "later.csv" in client.get(runs).content.decode()


def test_an_unexpected_failure_of_a_commit_names_no_server_path() -> None:
    from grappe.interop.members import sheet_run_close

    run = members_run(ClusterFactory(), sheet("Acme,sme,,Paris,FR,,2024-01-01,"))
    try:
        open("/srv/grappe-missing/uploads/members.csv")  # noqa: SIM115 - a real OSError
    except OSError as exc:
        with translation.override("fr"):
            run = sheet_run_close(run, exc)
    assert run.status == RunStatus.FAILED and run.payload is None
    assert "/srv" not in run.error
    assert run.error == (
        "Erreur inattendue (FileNotFoundError) ; l'importation a été annulée et rien n'a été écrit."
    )


def test_a_row_whose_identifiers_point_to_two_organisations_is_refused_in_french() -> None:
    from grappe.core.tests.factories import OrganisationFactory, make_siren

    siren = make_siren(56_000_001)
    OrganisationFactory(name="Alpha", siren=siren)
    OrganisationFactory(name="Beta", pic="999888777")
    data = sheet(
        f"Alpha,sme,{siren},999888777,Paris,FR,2024-01-01",
        header="name,type,siren,pic,city,country,member_since",
    )
    run = members_run(ClusterFactory(), data)
    with translation.override("en"):
        (line,) = members_preview(run).lines
    assert "identifiers point to different organisations (" in line.detail
    with translation.override("fr"):
        (line,) = members_preview(run).lines
    assert line.action == "error"
    assert "les identifiants désignent des organisations différentes (" in line.detail
