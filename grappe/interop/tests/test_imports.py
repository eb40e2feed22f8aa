"""CORDIS and ANR imports: bad input, idempotence, updates, identity resolution."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grappe.funding.models import Funder
from grappe.interop.models import (
    ImportRun,
    MergeProposal,
    OrganisationAlias,
    RejectedRow,
    RunStatus,
)
from grappe.interop.services import import_run_create, import_run_execute
from grappe.interop.tests.conftest import ORG_HEADER, PROJECT_HEADER, anr_row, org_row, project_row
from grappe.projects.models import Participation, Project
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


def run_import(source: str, path: Path, force: bool = False) -> ImportRun:
    run = import_run_create(source=source, path=path)
    return import_run_execute(run, path=path, force=force, batch_size=3)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table an import writes, without timestamps."""

    def rows(model, exclude=("created_at", "updated_at")) -> list[tuple]:
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
        return sorted(model.objects.values_list(*fields), key=repr)

    return {
        "project": rows(Project),
        "organisation": rows(Organisation),
        "participation": rows(Participation),
        "alias": rows(OrganisationAlias, exclude=("run",)),
        "proposal": rows(MergeProposal, exclude=("created_at", "run")),
        "funder": rows(Funder),
    }


# --- a clean import --------------------------------------------------------------------------


def test_a_cordis_folder_becomes_projects_organisations_and_participations(cordis_dir) -> None:
    run = run_import("cordis", cordis_dir())
    assert run.status == RunStatus.SUCCEEDED, run.error
    project = Project.objects.get(source="cordis", external_id="700001")
    assert project.acronym == "ALPHA"
    assert project.total_cost == Decimal("1000000.00")
    assert project.eu_contribution == Decimal("900000.00")
    assert project.funding_scheme == "RIA" and project.programme == "H2020"
    assert project.funder is not None and project.funder.slug == "european-union"
    assert project.duration_months == 36
    coordinator = project.participations.get(role="coordinator")
    assert coordinator.organisation.pic == "999999001"
    assert coordinator.organisation.kind == "sme"
    assert coordinator.organisation.sme_declared is True
    assert coordinator.organisation.nuts_code == "FR101"
    assert coordinator.eu_contribution == Decimal("500000.00")
    university = Organisation.objects.get(pic="999999002")
    assert university.kind == "higher_education"
    assert run.counts["project"]["created"] == 1
    assert run.counts["organisation"]["created"] == 2
    assert run.counts["participation"]["created"] == 2
    assert run.checksum and len(run.checksum) == 64


def test_horizon_europe_roles_are_mapped(cordis_dir) -> None:
    folder = cordis_dir(
        orgs=[
            org_row(),
            org_row(pic="999999003", name="PARTNER ONE", role="associatedPartner"),
            org_row(pic="999999004", name="PARTNER TWO", role="thirdParty"),
            org_row(pic="999999005", name="PARTNER THREE", role="participant"),
        ]
    )
    run_import("cordis", folder)
    roles = dict(Participation.objects.values_list("organisation__pic", "role"))
    assert roles == {
        "999999001": "coordinator",
        "999999003": "associated_partner",
        "999999004": "third_party",
        "999999005": "partner",
    }


def test_untitled_projects_take_their_topic_title_from_either_topics_layout(cordis_dir) -> None:
    folder = cordis_dir(projects=[project_row(title="")])
    (folder / "topics.csv").write_text(
        "code;title;rcn;legalBasisCode;legalBasisRcn\nTOPIC-1;Smart grids;1;;\n"
    )
    run_import("cordis", folder)
    assert Project.objects.get().title == "Smart grids"
    # Horizon Europe ships a per-project topics.csv: projectID;topic;title
    (folder / "topics.csv").write_text("projectID;topic;title\n700001;TOPIC-1;Smart grids 2\n")
    run_import("cordis", folder)
    assert Project.objects.get().title == "Smart grids 2"
    (folder / "topics.csv").write_text("something,else\n1,2\n")
    run = run_import("cordis", folder)
    assert run.status == RunStatus.SUCCEEDED
    assert Project.objects.get().title == "ALPHA"  # no readable topic: the acronym


def test_a_cordis_zip_imports_like_the_folder(cordis_dir, tmp_path: Path) -> None:
    import zipfile

    folder = cordis_dir()
    archive = tmp_path / "cordis.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(folder / "project.csv", "project.csv")
        zf.write(folder / "organization.csv", "organization.csv")
    run = run_import("cordis", archive)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Participation.objects.count() == 2


# --- bad files: one clear error, nothing written -----------------------------------------------


def assert_nothing_written() -> None:
    assert Project.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert Participation.objects.count() == 0


def test_a_comma_separated_cordis_file_is_refused_naming_the_separator(cordis_dir) -> None:
    folder = cordis_dir(
        project_header=PROJECT_HEADER.replace(";", ","), projects=[project_row().replace(";", ",")]
    )
    run = run_import("cordis", folder)
    assert run.status == RunStatus.FAILED
    assert (
        "project.csv: the columns are separated by comma (,), expected semicolon (;)" in run.error
    )
    assert_nothing_written()


def test_a_latin1_file_is_refused_naming_the_encoding(cordis_dir) -> None:
    folder = cordis_dir()
    (folder / "organization.csv").write_bytes(
        (ORG_HEADER + "\n" + org_row(name="SOCIÉTÉ GÉNÉRALE")).encode("latin-1")
    )
    run = run_import("cordis", folder)
    assert run.status == RunStatus.FAILED
    assert "organization.csv: the file is not UTF-8 encoded" in run.error
    assert_nothing_written()


def test_a_bad_byte_deep_in_the_file_fails_the_run_and_rolls_everything_back(cordis_dir) -> None:
    folder = cordis_dir()
    good = [org_row(pic=f"9{n:08d}", name=f"ORG {n}", role="participant") for n in range(1500)]
    body = (
        "\n".join([ORG_HEADER, org_row(), *good]) + "\n"
    ).encode() + b"700001;ALPHA;;;BAD \xe9;X;;;;;;FR;;;;;;;;participant;;;;;\n"
    (folder / "organization.csv").write_bytes(body)
    run = run_import("cordis", folder)
    assert run.status == RunStatus.FAILED
    assert "not UTF-8" in run.error
    assert_nothing_written()
    assert ImportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).exists()


def test_missing_required_columns_are_named(cordis_dir) -> None:
    folder = cordis_dir(org_header=ORG_HEADER.replace(";role;", ";rolle;"))
    run = run_import("cordis", folder)
    assert run.status == RunStatus.FAILED
    assert "organization.csv: required column(s) missing from the header: role" in run.error
    assert_nothing_written()


def test_a_missing_file_in_the_folder_is_named(cordis_dir) -> None:
    folder = cordis_dir()
    (folder / "organization.csv").unlink()
    run = run_import("cordis", folder)
    assert run.status == RunStatus.FAILED
    assert "organization.csv is missing" in run.error


def test_anr_with_semicolons_is_refused(anr_file) -> None:
    from grappe.interop.tests.conftest import ANR_HEADER

    path = anr_file(header=ANR_HEADER.replace(",", ";"), rows=[anr_row().replace(",", ";")])
    run = run_import("anr", path)
    assert run.status == RunStatus.FAILED
    assert "separated by semicolon (;), expected comma (,)" in run.error


# --- bad rows: rejected with line and reason, not coerced ------------------------------------


def reasons(run: ImportRun, file_name: str = "") -> dict[int, str]:
    rows = RejectedRow.objects.filter(run=run)
    if file_name:
        rows = rows.filter(file_name=file_name)
    return dict(rows.values_list("line", "reason"))


def test_bad_project_rows_are_rejected_with_line_and_reason(cordis_dir) -> None:
    folder = cordis_dir(
        projects=[
            project_row(),
            project_row(pid="700002", total="-5.00"),
            project_row(pid="700003", start="2016-02-30"),
            project_row(pid="700004", start="2018-01-01", end="2017-01-01"),
            project_row(pid="70A005"),
            project_row(pid="700006") + ";extra",
            project_row(pid="700007", eu="12.345"),
        ],
        orgs=[org_row(), org_row(pid="700002", pic="999999010", name="ORPHAN")],
    )
    run = run_import("cordis", folder)
    assert run.status == RunStatus.SUCCEEDED
    got = reasons(run, "project.csv")
    assert "totalCost: -5.00 is negative" in got[3]
    assert "startDate: '2016-02-30' is not a real calendar date" in got[4]
    assert "endDate: 2017-01-01 is before startDate 2018-01-01" in got[5]
    assert "id: '70A005' is not a grant agreement number" in got[6]
    assert "expected 20 fields, found 21" in got[7]
    assert "ecMaxContribution: '12.345' is not an amount" in got[8]
    assert list(Project.objects.values_list("external_id", flat=True)) == ["700001"]
    # the participation of a rejected project is rejected too, naming the project
    assert "projectID: 700002 is not a valid project" in reasons(run, "organization.csv")[3]
    assert run.counts["project"]["rejected"] == 6
    assert run.counts["participation"]["rejected"] == 1


def test_bad_participation_rows_are_rejected(cordis_dir) -> None:
    folder = cordis_dir(
        orgs=[
            org_row(),
            org_row(pic="12345", name="SHORT PIC", role="participant"),
            org_row(pic="999999020", name="BAD VAT", role="participant", vat="FR00000000000"),
            org_row(pic="999999021", name="NEG", role="participant", ec="-1.00"),
            org_row(pic="999999022", name="ROLE", role="boss"),
            org_row(pic="999999023", name="SECOND COORDINATOR", role="coordinator"),
            org_row(pic="999999024", name="", role="participant"),
            org_row(pic="999999025", name="COUNTRY", role="participant", country="FRA"),
            org_row(pic="999999026", name="NO SUCH COUNTRY", role="participant", country="ZZ"),
            org_row(pic="999999027", name="GREEK", role="participant", country="EL"),
            org_row(pic="999999028", name="BRITISH", role="participant", country="UK"),
        ]
    )
    run = run_import("cordis", folder)
    got = reasons(run)
    assert "organisationID: '12345' is invalid" in got[3] and "9 digits" in got[3]
    assert "vatNumber: 'FR00000000000' is invalid" in got[4]
    assert "ecContribution: -1.00 is negative" in got[5]
    assert "role: 'boss' is not a CORDIS participation role" in got[6]
    assert "role: the project already has a coordinator at line 2" in got[7]
    assert "name: empty" in got[8]
    assert "country: 'FRA' is not an ISO 3166-1 country code" in got[9]
    assert "country: 'ZZ' is not an ISO 3166-1 country code" in got[10]
    assert set(got) == {3, 4, 5, 6, 7, 8, 9, 10}
    # CORDIS writes Greece EL and the United Kingdom UK: stored as their ISO codes.
    assert Organisation.objects.get(name="GREEK").country == "GR"
    assert Organisation.objects.get(name="BRITISH").country == "GB"
    assert Participation.objects.count() == 3


def test_rejected_rows_read_in_the_readers_language(cordis_dir, anr_file) -> None:
    """Reasons are kept as a message and its values: a French reader reads them in French,
    the English text stays for the export of older runs."""
    from django.utils import translation

    folder = cordis_dir(
        orgs=[org_row(), org_row(pic="999999026", name="X", role="participant", country="ZZ")]
    )
    row = RejectedRow.objects.get(run=run_import("cordis", folder))
    assert row.reason == "country: 'ZZ' is not an ISO 3166-1 country code"
    with translation.override("fr"):
        assert row.reason_text == "country : 'ZZ' n'est pas un code pays ISO 3166-1"
    path = anr_file(rows=[anr_row(), anr_row(code="ANR-20-CE10-0002", rnsr="12345")])
    row = RejectedRow.objects.get(run=run_import("anr", path))
    with translation.override("fr"):
        # the identifier's own rule is translated too
        assert row.reason_text.startswith("Projet.Partenaire.Code_RNSR : '12345' est invalide — ")
        assert "is invalid" not in row.reason_text and "RNSR" in row.reason_text


def test_bad_anr_rows_are_rejected(anr_file) -> None:
    path = anr_file(
        rows=[
            anr_row(),
            anr_row(code="ANR-2020-X"),
            anr_row(code="ANR-20-CE10-0002", rnsr="12345"),
            anr_row(code="ANR-20-CE10-0003", category="Licorne"),
            anr_row(code="ANR-20-CE10-0004", coordinator="maybe"),
            anr_row(code="ANR-20-CE10-0005", country="Atlantis"),
        ]
    )
    run = run_import("anr", path)
    got = reasons(run)
    assert "Projet.Code_Decision_ANR: 'ANR-2020-X' is not an ANR decision code" in got[3]
    assert "Projet.Partenaire.Code_RNSR: '12345' is invalid" in got[4]
    assert "'Licorne' is not a known ANR category" in got[5]
    assert "Est_coordinateur: 'maybe' is not true or false" in got[6]
    assert "unknown country 'Atlantis'" in got[7]
    assert Project.objects.count() == 1


def test_anr_partners_get_kinds_size_classes_rnsr_and_country(anr_file) -> None:
    path = anr_file(
        rows=[
            anr_row(),
            anr_row(
                coordinator="False",
                name="Petite Boite",
                category="TPE",
                rnsr="",
                city="Lyon",
                region="Auvergne-Rhône-Alpes",
            ),
            anr_row(
                coordinator="False",
                name="University of Otago",
                category="Divers public",
                rnsr="",
                city="Dunedin",
                region="",
                country="",
            ),
            anr_row(
                coordinator="False",
                name="Big Corp",
                category="Entreprise autre que TPE ou PME",
                rnsr="",
                city="Berlin",
                region="",
                country="Allemagne",
            ),
        ]
    )
    run = run_import("anr", path)
    assert run.status == RunStatus.SUCCEEDED, run.error
    lab = Organisation.objects.get(rnsr="200611689J")
    assert (lab.kind, lab.country) == ("research_lab", "FR")
    tpe = Organisation.objects.get(name="Petite Boite")
    assert (tpe.kind, tpe.size_class, tpe.country) == ("sme", "micro", "FR")
    assert Organisation.objects.get(name="University of Otago").country == ""
    big = Organisation.objects.get(name="Big Corp")
    assert (big.kind, big.size_class, big.country) == ("company", "large", "DE")
    project = Project.objects.get(external_id="ANR-20-CE10-0001")
    assert project.funder is not None and project.funder.slug == "anr"
    assert project.participations.get(role="coordinator").organisation == lab


# --- idempotence and updates -----------------------------------------------------------------


def test_importing_the_same_files_twice_changes_nothing(cordis_dir, anr_file) -> None:
    folder = cordis_dir(
        orgs=[
            org_row(),
            org_row(pic="", name="NO PIC LAB", activity="REC", role="participant", city="LYON"),
            org_row(
                pic="",
                name="NO PIC LAB",
                activity="REC",
                role="participant",
                city="NANTES",
                pid="700001",
            ),
        ]
    )
    anr = anr_file(
        rows=[
            anr_row(),
            anr_row(
                code="ANR-21-CE10-0002",
                name="NO PIC LAB",
                rnsr="",
                city="Lyon",
                category="Laboratoire public",
            ),
        ]
    )
    first = [run_import("cordis", folder), run_import("anr", anr)]
    assert all(r.status == RunStatus.SUCCEEDED for r in first)
    before = snapshot()
    again = [run_import("cordis", folder, force=True), run_import("anr", anr, force=True)]
    assert snapshot() == before
    for run in again:
        for entity, counts in run.counts.items():
            assert counts["created"] == 0 and counts["updated"] == 0, (entity, counts)
    # without --force the unchanged file is recognised by its checksum and reported unchanged
    short = run_import("anr", anr)
    assert short.short_circuited
    assert short.counts["participation"]["unchanged"] == 2
    assert snapshot() == before


def test_a_newer_file_updates_only_what_changed(cordis_dir) -> None:
    run_import("cordis", cordis_dir())
    newer = cordis_dir(
        name="newer",
        projects=[project_row(total="1200000.00"), project_row(pid="700002", acronym="GAMMA")],
        orgs=[
            org_row(ec="600000.00"),
            org_row(
                pic="999999002",
                name="UNIVERSITE DE TEST",
                activity="HES",
                role="participant",
                sme="false",
            ),
            org_row(
                pid="700002",
                pic="999999002",
                name="UNIVERSITE DE TEST",
                activity="HES",
                sme="false",
            ),
        ],
    )
    run = run_import("cordis", newer)
    assert run.counts["project"] == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 0}
    assert run.counts["participation"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "rejected": 0,
    }
    assert Project.objects.get(external_id="700001").total_cost == Decimal("1200000.00")
    assert Organisation.objects.count() == 2


def test_a_newer_file_writes_its_fields_and_leaves_the_status_to_the_workflow(
    cordis_dir,
) -> None:
    run_import("cordis", cordis_dir())
    closed = project_row(total="1200000.00").replace(";SIGNED;", ";CLOSED;")
    run = run_import("cordis", cordis_dir(name="newer", projects=[closed]))
    assert run.counts["project"]["updated"] == 1
    assert run.counts["project_status"]["updated"] == 1  # through project_transition
    project = Project.objects.get(external_id="700001")
    assert (project.status, project.total_cost) == ("completed", Decimal("1200000.00"))
    again = run_import("cordis", cordis_dir(name="newest", projects=[closed]), force=True)
    assert again.counts["project"]["updated"] == 0  # only the status differs: nothing written
    assert again.counts["project"]["unchanged"] == 1
    assert Project.objects.get(external_id="700001").status == "completed"


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_a_newer_file_without_a_partner_removes_that_participation(cordis_dir) -> None:
    run_import("cordis", cordis_dir())
    newer = cordis_dir(name="newer", orgs=[org_row()])
    run = run_import("cordis", newer)
    assert run.counts["participation"]["deleted"] == 1
    assert list(Participation.objects.values_list("organisation__pic", flat=True)) == ["999999001"]
    assert Organisation.objects.filter(pic="999999002").exists()  # the organisation stays


def test_a_rejected_row_keeps_the_participations_of_its_project(cordis_dir) -> None:
    run_import("cordis", cordis_dir())
    newer = cordis_dir(
        name="newer",
        orgs=[
            org_row(),
            org_row(pic="999999002", name="UNIVERSITE DE TEST", role="participant", ec="-1"),
        ],
    )
    run = run_import("cordis", newer)
    assert "deleted" not in run.counts["participation"]
    assert Participation.objects.count() == 2


# --- identity resolution -------------------------------------------------------------------


def test_one_lab_spelled_three_ways_across_cordis_and_anr_is_one_organisation(
    cordis_dir, anr_file
) -> None:
    anr = anr_file(
        rows=[
            anr_row(),
            anr_row(
                code="ANR-21-CE01-0002",
                name="LSCE - Lab. Sciences Climat Environnement (UMR 8212)",
                city="Gif-sur-Yvette",
            ),
        ]
    )
    folder = cordis_dir(
        orgs=[
            org_row(
                pic="999999099",
                name="LABORATOIRE DES SCIENCES DU CLIMAT ET DE L’ENVIRONNEMENT SA",
                activity="REC",
                city="GIF-SUR-YVETTE",
            )
        ]
    )
    assert run_import("anr", anr).status == RunStatus.SUCCEEDED
    assert run_import("cordis", folder).status == RunStatus.SUCCEEDED
    lab = Organisation.objects.get(rnsr="200611689J")
    assert Organisation.objects.count() == 1
    assert lab.pic == "999999099"  # CORDIS filled the blank identifier
    spellings = set(lab.aliases.values_list("source", "name"))
    assert spellings == {
        ("anr", "Laboratoire des Sciences du Climat et de l'Environnement"),
        ("anr", "LSCE - Lab. Sciences Climat Environnement (UMR 8212)"),
        ("cordis", "LABORATOIRE DES SCIENCES DU CLIMAT ET DE L’ENVIRONNEMENT SA"),
    }
    assert lab.participations.count() == 3
    assert lab.source == "anr" and lab.name.startswith("Laboratoire")


def test_conflicting_identifiers_never_merge(cordis_dir) -> None:
    folder = cordis_dir(
        orgs=[
            org_row(pic="999999001", name="ACME"),
            org_row(pic="999999002", name="ACME", role="participant"),
        ]
    )
    run_import("cordis", folder)
    assert Organisation.objects.filter(name="ACME").count() == 2


def test_a_row_whose_identifiers_point_to_two_organisations_is_rejected(
    anr_file, cordis_dir
) -> None:
    run_import("cordis", cordis_dir(orgs=[org_row(pic="999999001", name="ACME", vat="")]))
    Organisation.objects.create(name="Other", kind="sme", rnsr="200611689J", country="FR")
    folder = cordis_dir(
        name="second",
        projects=[project_row(pid="700009")],
        orgs=[org_row(pid="700009", pic="999999001", name="ACME", vat="FR40303265045")],
    )
    Organisation.objects.filter(name="Other").update(vat="FR40303265045")
    run = run_import("cordis", folder)
    (reason,) = RejectedRow.objects.filter(run=run).values_list("reason", flat=True)
    assert "identifiers point to different organisations" in reason
    assert Organisation.objects.count() == 2


def test_a_one_word_company_name_in_another_city_is_proposed_not_merged(anr_file) -> None:
    path = anr_file(
        rows=[
            anr_row(name="Exemplis", category="PME", rnsr="", city="Marseille"),
            anr_row(
                code="ANR-21-CE01-0002",
                name="EXEMPLIS",
                category="PME",
                rnsr="",
                city="Montpellier",
            ),
            anr_row(
                code="ANR-21-CE01-0003",
                name="Exemplis",
                category="PME",
                rnsr="",
                city="MARSEILLE CEDEX 09",
            ),
        ]
    )
    run = run_import("anr", path)
    assert Organisation.objects.count() == 2
    (proposal,) = MergeProposal.objects.all()
    assert proposal.run == run
    assert "Marseille" in proposal.reason and "Montpellier" in proposal.reason


def test_a_specific_name_in_another_city_of_the_same_country_is_one_organisation(
    anr_file,
) -> None:
    # A city is an address, not an identity: "Institut Exemple" in two cities is one institute.
    path = anr_file(
        rows=[
            anr_row(name="Institut Exemple", rnsr="", city="Marseille"),
            anr_row(code="ANR-21-CE01-0002", name="INSTITUT EXEMPLE", rnsr="", city="Montpellier"),
        ]
    )
    run_import("anr", path)
    assert Organisation.objects.count() == 1
    assert not MergeProposal.objects.exists()


def test_a_one_word_public_institution_in_several_cities_is_one_organisation(anr_file) -> None:
    path = anr_file(
        rows=[
            anr_row(name="CNRS", category="Divers public", rnsr="", city="Paris"),
            anr_row(
                code="ANR-21-CE01-0002", name="CNRS", category="Divers public", rnsr="", city="Lyon"
            ),
        ]
    )
    run_import("anr", path)
    assert Organisation.objects.count() == 1
    assert not MergeProposal.objects.exists()


def test_the_import_command_prints_a_summary(cordis_dir, capsys) -> None:
    call_command("import", "cordis", str(cordis_dir()))
    out = capsys.readouterr().out
    assert "succeeded" in out
    assert "participation" in out and "created" in out
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "anr", "/nonexistent/file.csv")


def test_the_import_command_fails_loudly_on_a_bad_file(cordis_dir) -> None:
    folder = cordis_dir(org_header=ORG_HEADER.replace(";name;", ";nom;"))
    with pytest.raises(CommandError, match="missing from the header: name"):
        call_command("import", "cordis", str(folder))


def test_a_changed_published_status_goes_through_the_project_workflow(cordis_dir) -> None:
    from grappe.core.models import AuditEvent, Transition

    run_import("cordis", cordis_dir())
    project = Project.objects.get(external_id="700001")
    assert (project.status, project.workflow, project.workflow_version) == ("funded", "project", 1)
    closed = cordis_dir(name="closed", projects=[project_row().replace(";SIGNED;", ";CLOSED;")])
    run = run_import("cordis", closed)
    assert run.counts["project_status"]["updated"] == 1
    project.refresh_from_db()
    assert project.status == "completed"
    row = Transition.objects.get(object_id=project.pk)
    assert (row.transition, row.actor, row.acting_role) == ("complete", None, "staff")
    assert AuditEvent.objects.filter(
        action="project.transition", object_id=str(project.pk)
    ).exists()
    # Back to SIGNED: the workflow has no step from completed to funded; nothing changes.
    run = run_import("cordis", cordis_dir(name="signed-again"))
    assert run.counts["project_status"]["refused"] == 1
    project.refresh_from_db()
    assert project.status == "completed"
    assert Transition.objects.filter(object_id=project.pk).count() == 1


# --- identity rules on small files (issue 8) ---------------------------------------------------


def test_placeholders_are_rejected_never_made_organisations(anr_file, cordis_dir) -> None:
    path = anr_file(
        rows=[
            anr_row(name="AucuneAide", rnsr=""),
            anr_row(code="ANR-21-CE01-0002", name="0 Aide", rnsr=""),
            anr_row(code="ANR-21-CE01-0003", name="Non renseigné", rnsr=""),
            anr_row(code="ANR-21-CE01-0004"),
        ]
    )
    run = run_import("anr", path)
    reasons = list(RejectedRow.objects.filter(run=run).values_list("reason", flat=True))
    assert len(reasons) == 3
    assert all("is a placeholder, not an organisation" in r for r in reasons)
    assert list(Organisation.objects.values_list("rnsr", flat=True)) == ["200611689J"]
    cordis = run_import("cordis", cordis_dir(orgs=[org_row(name="AucuneAide")]))
    (reason,) = RejectedRow.objects.filter(run=cordis).values_list("reason", flat=True)
    assert "'AucuneAide' is a placeholder" in reason


def test_a_siren_in_the_rnsr_column_is_moved_and_the_row_kept(anr_file) -> None:
    path = anr_file(
        rows=[anr_row(name="Vermon", category="PME", rnsr="302717327", coordinator="True")]
    )
    run = run_import("anr", path)
    assert not RejectedRow.objects.filter(run=run).exists()
    org = Organisation.objects.get()
    assert (org.siren, org.rnsr) == ("302717327", "")
    assert Participation.objects.get().role == "coordinator"
    assert run.counts["note: SIREN found in the RNSR column, moved to SIREN"]["updated"] == 1


def test_an_institution_named_with_a_labs_rnsr_never_renames_the_lab(anr_file) -> None:
    # "CNRS" is paired with three RNSRs: it is an institution's name, not a lab's.
    lab_rows = [
        anr_row(code=f"ANR-21-CE01-000{i}", name=f"Laboratoire {n}", rnsr=r, city="Lyon")
        for i, (n, r) in enumerate(
            [("Ampère", "200711918D"), ("Hubert Curien", "200212770B"), ("LIRIS", "200918478A")]
        )
    ]
    parent_rows = [
        anr_row(code=f"ANR-21-CE02-000{i}", name="CNRS", rnsr=r, city="Paris")
        for i, r in enumerate(["200711918D", "200212770B", "200918478A"])
    ]
    only_institution = anr_row(code="ANR-21-CE03-0001", name="CNRS", rnsr="", city="Paris")
    # the first row of this lab names the institution: the lab still takes its own name
    path = anr_file(rows=[*parent_rows, *lab_rows, only_institution])
    run = run_import("anr", path)
    assert not RejectedRow.objects.filter(run=run).exists()
    labs = dict(Organisation.objects.exclude(rnsr="").values_list("rnsr", "name"))
    assert labs == {
        "200711918D": "Laboratoire Ampère",
        "200212770B": "Laboratoire Hubert Curien",
        "200918478A": "Laboratoire LIRIS",
    }
    institution = Organisation.objects.get(name="CNRS")
    assert institution.rnsr == ""
    # the institution-only row went to the institution, not to a lab
    assert list(institution.participations.values_list("project__external_id", flat=True)) == [
        "ANR-21-CE03-0001"
    ]
    assert Organisation.objects.get(rnsr="200711918D").participations.count() == 2
    assert run.counts["note: institution named with a lab's RNSR, row given to the lab"]["updated"]


def test_an_institution_with_an_rnsr_never_named_otherwise_keeps_the_row_without_the_rnsr(
    anr_file,
) -> None:
    rows = [
        anr_row(code=f"ANR-21-CE02-000{i}", name="INSERM", rnsr=r, city="Paris")
        for i, r in enumerate(["200711918D", "200212770B", "200918478A"])
    ]
    run = run_import("anr", anr_file(rows=rows))
    (org,) = Organisation.objects.all()
    assert (org.name, org.rnsr) == ("INSERM", "")
    assert org.participations.count() == 3
    assert (
        run.counts["note: institution named with an RNSR never named otherwise, RNSR left out"][
            "updated"
        ]
        == 3
    )


def test_a_row_without_a_country_meets_its_french_twin(anr_file, cordis_dir) -> None:
    cordis = cordis_dir(orgs=[org_row(name="VERMON SA", city="TOURS", pic="999999001")])
    assert run_import("cordis", cordis).status == RunStatus.SUCCEEDED
    path = anr_file(
        rows=[anr_row(name="SA VERMON", category="PME", rnsr="", city="", region="", country="")]
    )
    run_import("anr", path)
    (org,) = Organisation.objects.all()
    assert (org.country, org.pic) == ("FR", "999999001")
    assert org.participations.count() == 2


def test_the_same_name_with_conflicting_identifiers_is_two_organisations(cordis_dir) -> None:
    folder = cordis_dir(
        orgs=[
            org_row(pic="999999001", name="Institut Exemple", city="LYON"),
            org_row(pic="999999002", name="INSTITUT EXEMPLE", city="NANTES", role="participant"),
        ]
    )
    run_import("cordis", folder)
    assert Organisation.objects.count() == 2
    assert not MergeProposal.objects.exists()
