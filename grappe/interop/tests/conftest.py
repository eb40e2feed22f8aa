"""Small CORDIS / ANR fixture files written into tmp_path by the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_HEADER = (
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;topics;"
    "ecSignatureDate;frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;"
    "contentUpdateDate;rcn;grantDoi"
)
ORG_HEADER = (
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;"
    "postCode;city;country;nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;"
    "rcn;order;role;ecContribution;netEcContribution;totalCost;endOfParticipation;active"
)
ANR_HEADER = (
    "Projet.Code_Decision_ANR,Projet.Acronyme,Projet.Partenaire.Code_Decision_ANR,"
    "Projet.Partenaire.Est_coordinateur,Projet.Partenaire.Nom_organisme,"
    "Projet.Partenaire.Categorie_organisme,Projet.Partenaire.Code_RNSR,"
    "Projet.Partenaire.Adresse.Ville,Projet.Partenaire.Adresse.Region,Projet.Partenaire.Adresse.Pays"
)


def project_row(
    pid: str = "700001",
    acronym: str = "ALPHA",
    start: str = "2016-01-01",
    end: str = "2018-12-31",
    total: str = "1000000.00",
    eu: str = "900000.00",
    title: str = "Alpha project",
    scheme: str = "RIA",
) -> str:
    return (
        f"{pid};{acronym};SIGNED;{title};{start};{end};{total};{eu};H2020-EU.3.;TOPIC-1;;H2020;"
        f"H2020-CALL;H2020-CALL;{scheme};;Objective text;;1;"
    )


def org_row(
    pid: str = "700001",
    pic: str = "999999001",
    name: str = "ACME ROBOTICS SAS",
    activity: str = "PRC",
    city: str = "PARIS",
    country: str = "FR",
    role: str = "coordinator",
    sme: str = "true",
    ec: str = "500000.00",
    vat: str = "",
) -> str:
    return (
        f"{pid};ALPHA;{pic};{vat};{name};ACME;{sme};{activity};1 rue X;75011;{city};{country};"
        f"FR101;;;;;;;{role};{ec};{ec};{ec};;"
    )


@pytest.fixture
def cordis_dir(tmp_path: Path) -> Callable[..., Path]:
    def make(
        projects: list[str] | None = None,
        orgs: list[str] | None = None,
        name: str = "cordis",
        project_header: str = PROJECT_HEADER,
        org_header: str = ORG_HEADER,
    ) -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        rows = projects if projects is not None else [project_row()]
        (folder / "project.csv").write_text(
            "\n".join([project_header, *rows]) + "\n", encoding="utf-8"
        )
        parts = (
            orgs
            if orgs is not None
            else [
                org_row(),
                org_row(
                    pic="999999002",
                    name="UNIVERSITE DE TEST",
                    activity="HES",
                    role="participant",
                    sme="false",
                ),
            ]
        )
        (folder / "organization.csv").write_text(
            "\n".join([org_header, *parts]) + "\n", encoding="utf-8"
        )
        return folder

    return make


def anr_row(
    code: str = "ANR-20-CE10-0001",
    acronym: str = "BETA",
    coordinator: str = "True",
    name: str = "Laboratoire des Sciences du Climat et de l'Environnement",
    category: str = "Laboratoire public",
    rnsr: str = "200611689J",
    city: str = "GIF SUR YVETTE",
    region: str = "Île-de-France",
    country: str = "France",
) -> str:
    def q(v: str) -> str:
        return f'"{v}"' if "," in v else v

    return ",".join(
        q(v)
        for v in (
            code,
            acronym,
            code + "-01",
            coordinator,
            name,
            category,
            rnsr,
            city,
            region,
            country,
        )
    )


@pytest.fixture
def anr_file(tmp_path: Path) -> Callable[..., Path]:
    def make(
        rows: list[str] | None = None, name: str = "anr.csv", header: str = ANR_HEADER
    ) -> Path:
        path = tmp_path / name
        path.write_text(
            "\n".join([header, *(rows if rows is not None else [anr_row()])]) + "\n",
            encoding="utf-8",
        )
        return path

    return make
