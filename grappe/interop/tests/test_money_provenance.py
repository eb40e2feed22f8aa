"""Money and provenance of imported records: EU funding lines, import runs, attribution lines,
declared sizes, on the pages and in the API (CORDIS fixtures written by the tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.funding.models import Funder
from grappe.interop.models import ImportRun, RunStatus
from grappe.interop.services import import_run_create, import_run_execute
from grappe.interop.tests.conftest import org_row, project_row
from grappe.projects.models import FundingLine, Participation, Project
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db

CORDIS_LINE = "Source: CORDIS – EU research and innovation projects, © European Union, CC BY 4.0"
ANR_LINE = "Source: Agence nationale de la recherche (ANR), data.gouv.fr, Licence Ouverte 2.0"


def run_import(source: str, path: Path, force: bool = False) -> ImportRun:
    run = import_run_create(source=source, path=path)
    run = import_run_execute(run, path=path, force=force, batch_size=3)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def cordis_project(cordis_dir):
    """ALPHA (700001): ACME (SME, 500,000 EU), a university (SME=false: not a company) and a
    for-profit without an SME flag; signed on 2016-02-15."""
    project = project_row().split(";")
    project[10] = "2016-02-15"  # ecSignatureDate
    folder = cordis_dir(
        projects=[";".join(project)],
        orgs=[
            org_row(),
            org_row(
                pic="999999002",
                name="UNIVERSITE DE TEST",
                activity="HES",
                role="participant",
                sme="false",
                ec="250000.50",
            ),
            org_row(
                pic="999999003", name="BIGCORP GMBH", role="participant", sme="", ec="", city="X"
            ),
        ],
    )
    run = run_import("cordis", folder)
    return run, Project.objects.get(source="cordis", external_id="700001"), folder


# --- EU funding lines ------------------------------------------------------------------------


def test_each_participant_with_an_eu_contribution_gets_an_eu_funding_line(cordis_project):
    run, project, _folder = cordis_project
    eu = Funder.objects.get(slug="european-union")
    lines = {
        fl.participation.organisation.name: fl
        for fl in FundingLine.objects.filter(participation__project=project).select_related(
            "participation__organisation"
        )
    }
    assert set(lines) == {"ACME ROBOTICS SAS", "UNIVERSITE DE TEST"}  # BIGCORP: no figure
    acme = lines["ACME ROBOTICS SAS"]
    assert acme.funder == eu
    assert (acme.requested, acme.granted) == (Decimal("500000.00"), Decimal("500000.00"))
    assert isinstance(acme.granted, Decimal)
    assert acme.decided_on == dt.date(2016, 2, 15)  # the signature date
    assert run.counts["funding_line"]["created"] == 2


def test_the_start_date_decides_when_the_signature_date_is_missing(cordis_dir):
    run_import("cordis", cordis_dir())
    line = FundingLine.objects.get(participation__organisation__pic="999999001")
    assert line.decided_on == dt.date(2016, 1, 1)


def test_a_second_import_keeps_updates_and_removes_eu_lines_in_step_with_the_file(
    cordis_project, cordis_dir
):
    _run, project, folder = cordis_project
    again = run_import("cordis", folder, force=True)
    assert again.counts["funding_line"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "rejected": 0,
    }
    # A newer file: ACME's contribution changes, the university's is no longer published.
    cordis_dir(
        projects=[project_row()],
        orgs=[
            org_row(ec="510000.00"),
            org_row(
                pic="999999002",
                name="UNIVERSITE DE TEST",
                activity="HES",
                role="participant",
                ec="",
            ),
            org_row(
                pic="999999003", name="BIGCORP GMBH", role="participant", sme="", ec="", city="X"
            ),
        ],
    )
    newer = run_import("cordis", folder)
    lines = FundingLine.objects.filter(participation__project=project)
    assert [(fl.participation.organisation.pic, fl.granted) for fl in lines] == [
        ("999999001", Decimal("510000.00"))
    ]
    assert newer.counts["funding_line"]["updated"] == 1
    assert newer.counts["funding_line"]["deleted"] == 1


def test_the_cluster_funding_table_includes_eu_money(client, cordis_project):
    _run, project, _folder = cordis_project
    cluster = ClusterFactory(slug="eu-cluster", name="EU Cluster")
    AccreditationFactory(project=project, cluster=cluster, is_lead=True)
    body = text(client.get("/en/clusters/eu-cluster/"))
    funding = body[body.index('id="funding"') :]
    assert "European Union" in funding[:3000]
    assert "€750,000" in funding[:3000]  # 500,000.00 + 250,000.50 granted in 2016, in euros


# --- the project page and API ------------------------------------------------------------------


def test_a_cordis_project_page_shows_its_money_identifiers_and_attribution(client, cordis_project):
    _run, project, _folder = cordis_project
    body = text(client.get(f"/en/projects/{project.pk}/"))
    assert "No public aid recorded" not in body
    assert 'data-testid="eu-contribution">€900,000.00<' in body
    assert 'data-testid="total-cost">€1,000,000.00<' in body
    assert 'data-testid="grant-number">700001<' in body
    for shown in ("H2020", "H2020-EU.3.", "H2020-CALL", "TOPIC-1", "RIA", "European Union"):
        assert shown in body
    assert "€500,000.00" in body  # ACME's own EU contribution in the consortium table
    assert CORDIS_LINE in body
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in body
    assert ANR_LINE not in body
    assert 'data-testid="demo-banner"' not in body


def test_french_project_page_translates_money_and_attribution(client, cordis_project):
    _run, project, _folder = cordis_project
    body = text(client.get(f"/fr/projects/{project.pk}/"))
    assert "900\u00a0000,00\u00a0€" in body
    assert "© Union européenne" in body
    assert "Contribution de l'UE (maximum)" in body


def test_provenance_names_the_file_and_the_run_but_links_it_only_for_who_may_see_runs(
    client, cordis_project
):
    run, project, folder = cordis_project
    run_url = f"/en/imports/{run.pk}/"
    body = text(client.get(f"/en/projects/{project.pk}/"))
    assert f"import run #{run.pk}" in body
    assert "cordis › project.csv" in body
    assert "cordis › organization.csv" in body
    assert str(folder.parent) not in body  # never a server path
    assert run_url not in body  # the public may not open the run
    admin = user_with_role("administrator")
    client.force_login(admin)
    assert run_url in text(client.get(f"/en/projects/{project.pk}/"))
    manager = user_with_role("cluster_manager", cluster=ClusterFactory())
    client.force_login(manager)
    assert run_url not in text(client.get(f"/en/projects/{project.pk}/"))


def test_project_api_gives_money_source_attribution_and_provenance(client, cordis_project):
    run, project, _folder = cordis_project
    data = client.get(f"/api/v1/projects/{project.pk}").json()
    assert data["total_cost"] == "1000000.00"
    assert data["eu_contribution"] == "900000.00"
    assert data["funder"] == {"slug": "european-union", "name": "European Union"}
    assert data["grant_number"] == "700001"
    assert data["topics"] == ["TOPIC-1"]
    assert (data["programme"], data["call"], data["funding_scheme"]) == (
        "H2020",
        "H2020-CALL",
        "RIA",
    )
    assert data["legal_basis"] == "H2020-EU.3."
    assert data["source"] == "cordis"
    assert data["attribution"] == CORDIS_LINE
    acme = next(m for m in data["consortium"] if m["organisation"]["name"] == "ACME ROBOTICS SAS")
    assert acme["eu_contribution"] == "500000.00"
    granted = {a["organisation"]["name"]: a["granted"] for a in data["aid"]}
    assert granted["ACME ROBOTICS SAS"] == "500000.00"
    assert data["aid_granted_by_funder"] == [
        {"funder": {"slug": "european-union", "name": "European Union"}, "granted": "750000.50"}
    ]
    first = data["provenance"][0]
    assert (first["source"], first["file"], first["import_run"]) == (
        "cordis",
        "cordis › project.csv",
        run.pk,
    )
    assert first["import_run_url"] is None  # anonymous
    assert first["attribution"] == CORDIS_LINE


def test_a_project_entered_here_has_no_source_and_no_attribution(client):
    project = ProjectFactory(status="funded")
    data = client.get(f"/api/v1/projects/{project.pk}").json()
    assert (data["source"], data["attribution"], data["provenance"]) == ("", None, [])
    body = text(client.get(f"/en/projects/{project.pk}/"))
    assert "CC BY 4.0" not in body and "Licence Ouverte" not in body


def test_budget_lines_of_a_proposal_stay_confidential_while_published_money_is_public(client):
    """Per-participant money of a public funded project is public; a proposal is not."""
    from grappe.core.tests.factories import BudgetLineFactory

    org = OrganisationFactory()
    proposal = ProjectFactory(status="submitted")
    part = ParticipationFactory(project=proposal, organisation=org, role="coordinator")
    BudgetLineFactory(participation=part, amount=Decimal("12345.00"))
    member = user_with_role("member", organisation=org)
    outsider = user_with_role("member", organisation=OrganisationFactory())
    assert client.get(f"/api/v1/projects/{proposal.pk}").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/api/v1/projects/{proposal.pk}").status_code == 404
    client.force_login(member)
    data = client.get(f"/api/v1/projects/{proposal.pk}").json()
    assert data["budget_total"] == "12345.00"


# --- the organisation page and API -------------------------------------------------------------


def test_organisation_page_shows_declared_size_money_and_provenance(client, cordis_project):
    run, _project, _folder = cordis_project
    acme = Organisation.objects.get(pic="999999001")
    body = text(client.get(f"/en/organisations/{acme.pk}/"))
    size = body[body.index('data-testid="declared-size"') :][:300]
    assert "SME" in size and "declared by CORDIS" in size
    money = body[body.index('data-testid="organisation-eu-funding"') :]
    assert "ALPHA" in money and "€500,000.00" in money
    assert f"import run #{run.pk}" in body
    assert CORDIS_LINE in body


def test_a_cordis_for_profit_without_sme_flag_is_a_company_of_unknown_size(client, cordis_project):
    big = Organisation.objects.get(pic="999999003")
    assert big.kind == "company"
    body = text(client.get(f"/en/organisations/{big.pk}/"))
    assert "Large company" not in body
    assert "Company (size unknown)" in body
    data = client.get(f"/api/v1/organisations/{big.pk}").json()
    assert data["kind"] == "company"
    assert data["declared_size"]["code"] == "unknown"
    assert data["source"] == "cordis" and data["attribution"] == CORDIS_LINE
    assert data["provenance"][0]["file"] == "cordis › organization.csv"


def test_sme_false_says_not_an_sme_never_large(client, cordis_dir):
    run_import(
        "cordis",
        cordis_dir(orgs=[org_row(sme="false", name="MIDDLE SA")]),
    )
    org = Organisation.objects.get(name="MIDDLE SA")
    assert org.kind == "company"
    data = client.get(f"/api/v1/organisations/{org.pk}").json()
    assert data["declared_size"] == {
        "code": "not_sme_flag",
        "label": "Not an SME (which does not say how large)",
        "source": "cordis",
        "source_name": "CORDIS – EU research projects",
    }


def test_anr_categories_give_the_declared_size_with_its_source(client, anr_file):
    from grappe.interop.tests.conftest import anr_row

    path = anr_file(
        [
            anr_row(name="Petite Boîte", category="TPE", rnsr="", coordinator="True"),
            anr_row(
                name="Grand Groupe",
                category="Entreprise autre que TPE ou PME",
                rnsr="",
                coordinator="False",
            ),
        ]
    )
    run_import("anr", path)
    small = Organisation.objects.get(name="Petite Boîte")
    big = Organisation.objects.get(name="Grand Groupe")
    assert (small.kind, small.size_class) == ("sme", "micro")
    assert (big.kind, big.size_class) == ("company", "large")
    body = text(client.get(f"/fr/organisations/{small.pk}/"))
    assert "Microentreprise (TPE)" in body and "déclarée par ANR" in body
    assert "Licence Ouverte 2.0" in body
    data = client.get(f"/api/v1/organisations/{big.pk}").json()
    assert data["declared_size"]["code"] == "large" and data["declared_size"]["source"] == "anr"
    assert data["attribution"] == ANR_LINE
    assert data["provenance"][0]["file"] == "anr.csv"  # the run read that one file


# --- provenance for rows imported before runs were recorded per row ------------------------------


def test_a_forced_re_import_records_the_run_on_rows_that_had_none(cordis_project):
    _run, project, folder = cordis_project
    Project.objects.filter(pk=project.pk).update(source_run=None)
    Participation.objects.filter(project=project).update(source_run=None)
    FundingLine.objects.filter(participation__project=project).delete()
    again = run_import("cordis", folder, force=True)
    project.refresh_from_db()
    assert project.source_run == again.pk
    assert set(
        Participation.objects.filter(project=project).values_list("source_run", flat=True)
    ) == {again.pk}
    assert again.counts["funding_line"]["created"] == 2
    assert again.counts["project"]["unchanged"] == 1  # nothing in the file changed


def test_a_demo_project_page_has_the_banner_and_badges(client):
    org = OrganisationFactory(is_demo=True, name="Démo SA")
    project = ProjectFactory(status="funded", is_demo=True)
    ParticipationFactory(project=project, organisation=org, role="coordinator")
    body = text(client.get(f"/en/projects/{project.pk}/"))
    assert 'data-testid="demo-banner"' in body
    assert body.count('data-testid="demo-badge"') == 1  # the partner row; the header has its own


def test_an_organisation_page_shows_a_proposals_money_only_to_its_insiders(client):
    """Owner (a member of the organisation), insider (an administrator), outsider (a member of
    another organisation, and the public)."""
    org = OrganisationFactory(name="Proposante SAS")
    proposal = ProjectFactory(status="submitted", acronym="SECRETPROP")
    ParticipationFactory(
        project=proposal, organisation=org, role="coordinator", eu_contribution=Decimal("4242.00")
    )
    url = f"/en/organisations/{org.pk}/"
    assert "SECRETPROP" not in text(client.get(url))
    client.force_login(user_with_role("member", organisation=OrganisationFactory()))
    assert "SECRETPROP" not in text(client.get(url))
    for who in (user_with_role("member", organisation=org), user_with_role("administrator")):
        client.force_login(who)
        body = text(client.get(url))
        money = body[body.index('data-testid="organisation-eu-funding"') :]
        assert "SECRETPROP" in money and "€4,242.00" in money


def test_organisation_money_totals_cover_every_project_beyond_the_rows_shown():
    from grappe.core.domain.scope import Scope
    from grappe.projects.selectors import organisation_participation_money

    org = OrganisationFactory()
    for year, amount in ((2014, "100.10"), (2015, "200.20"), (2016, "300.30")):
        project = ProjectFactory(status="funded", start_date=dt.date(year, 1, 1))
        ParticipationFactory(project=project, organisation=org, eu_contribution=Decimal(amount))
    ParticipationFactory(project=ProjectFactory(status="funded"), organisation=org)  # no money
    money = organisation_participation_money(scope=Scope.public(), organisation_id=org.pk, limit=2)
    assert [r.eu_contribution for r in money.rows] == [Decimal("300.30"), Decimal("200.20")]
    assert money.count == 3
    assert money.eu_contribution == Decimal("600.60")
    assert money.total_cost == Decimal("0")
