"""A funder's funding lines (CSV and XLSX): preview, commit, every reason of a rejected row,
matching through the resolver, unmatched lines kept and listed, and who may do it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from grappe.core.models import Role
from grappe.core.tests.factories import (
    ClusterFactory,
    FunderFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    make_siren,
    user_with_role,
)
from grappe.interop.domain.readers import RowRefused, parse_day, parse_eur
from grappe.interop.funding_lines import (
    COLUMNS,
    funding_lines_commit,
    funding_lines_preview,
    funding_lines_template,
)
from grappe.interop.models import ImportedFundingLine, ImportRun, LineStatus, RunStatus
from grappe.interop.services import import_run_create
from grappe.projects.models import FundingLine
from grappe.registry.models import OrganisationKind

SIREN_A = make_siren(66_000_001)
SIREN_LAB = make_siren(66_000_002)
HEADER = ";".join(COLUMNS)


# --- pure parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1 234,56 €", "1234.56"),
        ("1234.56", "1234.56"),
        ("1\u202f234\u00a0567,8", "1234567.80"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("150000", "150000"),
        ("20 000 EUR", "20000"),
    ],
)
def test_amounts_in_french_and_international_forms(text: str, amount: str) -> None:
    assert parse_eur(text, "amount") == Decimal(amount)


@pytest.mark.parametrize("text", ["", "-5", "abc", "1,2345", "12.345,678", "1e9", "1" * 13])
def test_bad_amounts_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(RowRefused) as exc:
        parse_eur(text, "amount")
    assert exc.value.message.startswith("%(column)s:")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2014-06-12", dt.date(2014, 6, 12)),
        ("12/06/2014", dt.date(2014, 6, 12)),
        ("12.06.2014", dt.date(2014, 6, 12)),
        ("1er juin 2014", dt.date(2014, 6, 1)),
        ("12 Février 2014", dt.date(2014, 2, 12)),
        ("2014-06-12 00:00:00", dt.date(2014, 6, 12)),
    ],
)
def test_dates_in_french_and_iso_forms(text: str, day: dt.date) -> None:
    assert parse_day(text, "decision_date") == day


@pytest.mark.parametrize("text", ["", "31/02/2014", "06/12", "12 juno 2014", "1900-01-01"])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(RowRefused):
        parse_day(text, "decision_date")


# --- the import --------------------------------------------------------------------------------


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    city = FunderFactory(slug="city-of-paris", name_en="City of Paris", name_fr="Ville de Paris")
    cluster = ClusterFactory(slug="cap-digital", name="Cap Digital")
    acme = OrganisationFactory(name="Acme Robotique", siren=SIREN_A)
    nuage = OrganisationFactory(name="Nuage Robotique", siren="", kind=OrganisationKind.START_UP)
    lab = OrganisationFactory(name="Laboratoire Sûr", siren=SIREN_LAB)
    project = ProjectFactory(acronym="ALPHA", title="Alpha project")
    acme_part = ParticipationFactory(project=project, organisation=acme)
    ParticipationFactory(project=project, organisation=nuage)
    return {
        "city": city,
        "cluster": cluster,
        "acme": acme,
        "acme_part": acme_part,
        "nuage": nuage,
        "lab": lab,
        "project": project,
    }


ROWS = (
    # 2: matched by SIREN (the name differs), French amount and date
    f"city-of-paris;2014 DDEEES 1103;12/06/2014;ALPHA;Alpha project;ACME;{SIREN_A};"
    "150 000,00 €;cap-digital;FUI 18",
    # 3: matched by name, ISO date, international amount, no funder column value
    ";2015 DDEEES 1001;2015-03-10;alpha;;Nuage Robotique;;1234.56;;FUI 19",
    # 4: unmatched: no such organisation
    ";2015 DDEEES 1002;2015-03-10;ALPHA;;Inconnue Industries;;1000;;",
    # 5: unmatched: the lab is not a partner of ALPHA
    f";2015 DDEEES 1003;2015-03-10;ALPHA;;Laboratoire Sûr;{SIREN_LAB};5000;;",
    # 6: unmatched: no such project
    f";2015 DDEEES 1004;2015-03-10;NOPE;;ACME;{SIREN_A};5000;;",
    # 7: rejected with every reason it has
    "bpifrance;X;31/02/2014;;;;123456789;-5;unknown-cluster;",
    # 8: rejected: a duplicate of line 3
    ";2015 DDEEES 1001;10/03/2015;ALPHA;;Nuage Robotique;;1234.56;;FUI 19",
    # 9: a second decision for the same partner, in a later round
    f";2016 DDEEES 1200;1er juin 2016;ALPHA;Alpha project;Acme Robotique;{SIREN_A};20 000;"
    "Cap Digital;FUI 21",
)


def csv_sheet(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def xlsx_sheet(*rows: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row.split(";"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_for(funder, data: bytes, name: str = "lines.csv") -> ImportRun:  # type: ignore[no-untyped-def]
    run = import_run_create(source="funding_lines", payload=data, file_name=name, funder=funder)
    run.status = RunStatus.PREVIEWED
    run.save()
    return run


def test_the_template_has_every_column_and_its_example_previews_cleanly(world) -> None:  # type: ignore[no-untyped-def]
    lines = funding_lines_template().splitlines()
    assert lines[0].split(",") == list(COLUMNS)
    assert "2014 DDEEES 1103" in lines[1] and "FUI 18" in lines[1]
    preview = funding_lines_preview(run_for(world["city"], funding_lines_template().encode()))
    assert preview.problem == ""
    assert [p.action for p in preview.lines] == ["unmatched"]  # no EXEMPLE project here


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_preview_says_what_each_row_does_and_writes_nothing(world, fmt: str) -> None:  # type: ignore[no-untyped-def]
    data = csv_sheet(*ROWS) if fmt == "csv" else xlsx_sheet(*ROWS)
    run = run_for(world["city"], data, f"lines.{fmt}")
    preview = funding_lines_preview(run)
    assert preview.problem == ""
    actions = {p.line: p.action for p in preview.lines}
    assert actions == {
        2: "matched",
        3: "matched",
        4: "unmatched",
        5: "unmatched",
        6: "unmatched",
        7: "error",
        8: "error",
        9: "matched",
    }
    assert not FundingLine.objects.exists()
    assert not ImportedFundingLine.objects.exists()


def test_a_bad_row_gets_every_reason_translated(world) -> None:  # type: ignore[no-untyped-def]
    run = run_for(world["city"], csv_sheet(ROWS[5]))
    detail = funding_lines_preview(run).lines[0].detail
    for part in (
        "funder: bpifrance is not City of Paris",
        "acronym: empty",
        "beneficiary: empty",
        "decision_date: 31/02/2014 is not a real calendar date",
        "amount: -5 is negative",
        "siren: 123456789 is not valid",
        "clusters: unknown-cluster is not a cluster known to Grappe",
    ):
        assert part in detail, (part, detail)
    with translation.override("fr"):
        french = funding_lines_preview(run).lines[0].detail
    assert "n'est pas une date réelle" in french, french
    assert "est négatif" in french, french


def test_commit_records_matched_lines_keeps_unmatched_and_reports_rejected(world) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.PROGRAMME_OFFICER, funder=world["city"])
    run = funding_lines_commit(run_for(world["city"], csv_sheet(*ROWS)), user=officer)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.payload is None
    assert run.counts["funding_line"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
    }
    assert run.counts["unmatched_line"]["created"] == 3
    acme_lines = FundingLine.objects.filter(participation=world["acme_part"]).order_by("decided_on")
    assert [
        (line.decision_reference, line.granted, line.decided_on, line.funding_round)
        for line in acme_lines
    ] == [
        ("2014 DDEEES 1103", Decimal("150000.00"), dt.date(2014, 6, 12), "FUI 18"),
        ("2016 DDEEES 1200", Decimal("20000.00"), dt.date(2016, 6, 1), "FUI 21"),
    ]
    nuage = FundingLine.objects.get(participation__organisation=world["nuage"])
    assert nuage.granted == Decimal("1234.56") and nuage.requested == Decimal("1234.56")
    unmatched = ImportedFundingLine.objects.filter(status=LineStatus.UNMATCHED).order_by("line")
    assert [(u.line, u.reason_text) for u in unmatched] == [
        (4, "No organisation in Grappe is Inconnue Industries."),
        (5, "Laboratoire Sûr is not a partner of the project ALPHA."),
        (6, "No project with the acronym NOPE."),
    ]
    assert unmatched[1].organisation == world["lab"] and unmatched[1].project == world["project"]
    matched = ImportedFundingLine.objects.filter(status=LineStatus.MATCHED)
    assert {m.funding_line_id for m in matched} == set(
        FundingLine.objects.values_list("pk", flat=True)
    )
    rejected = {r.line: r.reason for r in run.rejected_rows.all()}
    assert set(rejected) == {7, 8}
    assert "duplicate of line 3" in rejected[8]


def test_a_second_import_updates_in_place_and_matches_what_was_added(world) -> None:  # type: ignore[no-untyped-def]
    first = funding_lines_commit(run_for(world["city"], csv_sheet(*ROWS)), user=None)
    assert first.status == RunStatus.SUCCEEDED
    # The lab joins the project; the City corrects one amount.
    ParticipationFactory(project=world["project"], organisation=world["lab"])
    rows = list(ROWS)
    rows[0] = rows[0].replace("150 000,00 €", "140 000,00 €")
    second = funding_lines_commit(run_for(world["city"], csv_sheet(*rows)), user=None)
    assert second.counts["funding_line"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 2,
        "rejected": 2,
    }
    assert FundingLine.objects.get(decision_reference="2014 DDEEES 1103").granted == Decimal(
        "140000.00"
    )
    # The lab's line is matched now; the earlier unmatched copies are superseded.
    unmatched = ImportedFundingLine.objects.filter(status=LineStatus.UNMATCHED)
    assert sorted(u.line for u in unmatched) == [4, 6]
    assert set(unmatched.values_list("run", flat=True)) == {second.pk}


def test_a_project_of_another_funder_is_not_matched(world) -> None:  # type: ignore[no-untyped-def]
    world["project"].funder = FunderFactory(slug="eu")
    world["project"].save()
    preview = funding_lines_preview(run_for(world["city"], csv_sheet(ROWS[0])))
    assert preview.lines[0].action == "unmatched"
    assert "No project with the acronym ALPHA" in preview.lines[0].detail


def test_a_file_without_the_required_columns_is_refused_whole(world) -> None:  # type: ignore[no-untyped-def]
    run = run_for(world["city"], b"acronym;amount\nALPHA;12\n")
    preview = funding_lines_preview(run)
    assert "decision_date, beneficiary" in preview.problem
    failed = funding_lines_commit(run, user=None)
    assert failed.status == RunStatus.FAILED and not FundingLine.objects.exists()


# --- pages and permissions ---------------------------------------------------------------------


def _pages(funder) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "upload": reverse("interop:funding_upload", args=[funder.slug]),
        "template": reverse("interop:funding_template", args=[funder.slug]),
        "unmatched": reverse("interop:funding_unmatched", args=[funder.slug]),
    }


def test_an_officer_uploads_previews_commits_and_sees_the_unmatched_lines(client, world) -> None:  # type: ignore[no-untyped-def]
    city = world["city"]
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, funder=city))
    pages = _pages(city)
    assert client.get(pages["template"]).content.decode().startswith("funder,")
    upload = SimpleUploadedFile("lines.csv", csv_sheet(*ROWS))
    response = client.post(pages["upload"], {"file": upload})
    run = ImportRun.objects.get(source="funding_lines")
    assert response.url == reverse("interop:funding_preview", args=[city.slug, run.pk])
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert "kept, unmatched: 3" in preview.content.decode()
    assert not FundingLine.objects.exists()
    committed = client.post(response.url)
    assert committed.url == reverse("interop:run_detail", args=[run.pk])
    assert FundingLine.objects.count() == 3
    run_page = client.get(committed.url)  # the officer sees their own run
    assert run_page.status_code == 200
    assert reverse("interop:funding_unmatched", args=[city.slug]) in run_page.content.decode()
    listing = client.get(pages["unmatched"]).content.decode()
    assert "Inconnue Industries" in listing and "No project with the acronym NOPE." in listing
    assert "3 unmatched lines" in listing
    export = client.get(pages["unmatched"] + "?export=csv")
    assert b"Inconnue Industries" in b"".join(export.streaming_content)


def test_the_unmatched_list_has_an_empty_state(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    page = client.get(_pages(world["city"])["unmatched"])
    assert page.status_code == 200
    assert 'data-testid="unmatched-empty"' in page.content.decode()


def test_another_funders_officer_and_a_manager_reach_nothing(client, world) -> None:  # type: ignore[no-untyped-def]
    city = world["city"]
    run = funding_lines_commit(run_for(city, csv_sheet(*ROWS)), user=None)
    other = user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory())
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=world["cluster"])
    for user in (other, manager):
        client.force_login(user)
        for url in _pages(city).values():
            assert client.get(url).status_code == 404, (user, url)
        assert client.get(reverse("interop:run_detail", args=[run.pk])).status_code == 404
        preview = reverse("interop:funding_preview", args=[city.slug, run.pk])
        assert client.post(preview).status_code == 404
        upload = SimpleUploadedFile("lines.csv", csv_sheet(*ROWS))
        assert client.post(_pages(city)["upload"], {"file": upload}).status_code == 404
    client.logout()
    assert client.get(_pages(city)["unmatched"]).status_code == 302  # to the login page
    assert ImportRun.objects.count() == 1


def test_the_services_refuse_an_outsider(world) -> None:  # type: ignore[no-untyped-def]
    from grappe.projects.services import FundingDecision, funding_lines_record

    outsider = user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory())
    with pytest.raises(PermissionDenied):
        import_run_create(source="funding_lines", payload=b"x", user=outsider, funder=world["city"])
    decision = FundingDecision(
        participation_id=world["acme_part"].pk, granted=Decimal(1), decided_on=dt.date(2020, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        funding_lines_record(actor=outsider, funder_id=world["city"].pk, decisions=[decision])
    assert not FundingLine.objects.exists() and not ImportRun.objects.exists()
