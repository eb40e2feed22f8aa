"""A funder's programme computed from its funding lines: the funder page, the API and the home
page give the same figures, checked against sums worked out by hand."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from grappe.core.domain.scope import Scope
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    FunderFactory,
    FundingLineFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
)
from grappe.funding.pages import amount_phrase, millions
from grappe.funding.selectors import funder_figures
from grappe.projects.models import Project, ProjectStatus
from grappe.registry.models import DeclaredSize as SizeClass
from grappe.registry.models import OrganisationKind

pytestmark = pytest.mark.django_db


def html_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def programme(settings):  # type: ignore[no-untyped-def]
    city = FunderFactory(slug="city-of-paris", name_en="City of Paris", name_fr="Ville de Paris")
    settings.HOME_PROGRAMME_FUNDER = city.slug
    other = FunderFactory()
    cap, systematic = (
        ClusterFactory(slug="cap-digital", name="Cap Digital"),
        ClusterFactory(slug="systematic", name="Systematic"),
    )
    paris_start_up = OrganisationFactory(kind=OrganisationKind.START_UP)
    lyon_start_up = OrganisationFactory(
        kind=OrganisationKind.START_UP, city="Lyon", postcode="69001", paris_arrondissement=None
    )
    sme = OrganisationFactory(kind=OrganisationKind.SME, size_class=SizeClass.SME)
    lab = OrganisationFactory(kind=OrganisationKind.RESEARCH_LAB, siren="")
    p1 = ProjectFactory(acronym="UN", status=ProjectStatus.FUNDED, start_date=dt.date(2014, 9, 1))
    p2 = ProjectFactory(
        acronym="DEUX", status=ProjectStatus.COMPLETED, start_date=dt.date(2016, 4, 1)
    )
    draft = ProjectFactory(acronym="BROUILLON", status=ProjectStatus.DRAFT)
    requested_only = ProjectFactory(acronym="DEMANDE", status=ProjectStatus.FUNDED)
    AccreditationFactory(project=p1, cluster=cap)
    AccreditationFactory(project=p1, cluster=systematic, is_lead=False)
    AccreditationFactory(project=p2, cluster=cap)

    def line(project, org, amount, day, ref="", funder=city):  # type: ignore[no-untyped-def]
        part = project.participations.filter(organisation=org).first() or ParticipationFactory(
            project=project, organisation=org
        )
        return FundingLineFactory(
            participation=part,
            funder=funder,
            requested=Decimal(amount),
            granted=None if day is None else Decimal(amount),
            decided_on=day,
            decision_reference=ref,
        )

    line(p1, paris_start_up, "100000", dt.date(2014, 6, 1))
    line(p1, sme, "50000", dt.date(2014, 6, 1))
    line(p2, lyon_start_up, "30000", dt.date(2016, 3, 1))
    line(p2, lab, "20000", dt.date(2016, 3, 1), ref="2016 DDEEES 1")
    line(p2, lab, "5000", dt.date(2017, 1, 10), ref="2017 DDEEES 2")  # a second decision
    line(draft, paris_start_up, "999999", dt.date(2020, 1, 1))  # not public
    line(requested_only, sme, "70000", None)  # requested, not granted
    line(p1, sme, "9999", dt.date(2014, 6, 1), funder=other)  # another funder's
    return {"city": city, "p1": p1, "p2": p2, "lab": lab}


TOTAL = Decimal("205000")  # 100 000 + 50 000 + 30 000 + 20 000 + 5 000


def test_the_figures_are_the_sums_of_granted_lines_of_public_projects(programme) -> None:  # type: ignore[no-untyped-def]
    f = funder_figures(scope=Scope.public(), funder_id=programme["city"].pk)
    assert f.granted == TOTAL
    assert (f.lines, f.projects, f.first_year, f.last_year) == (5, 2, 2014, 2017)
    assert (f.start_ups, f.start_ups_granted) == (2, Decimal("130000"))
    assert (f.paris_start_ups, f.paris_start_ups_granted) == (1, Decimal("100000"))
    assert f.start_ups_share == Decimal("130000") / TOTAL
    assert [(r.key, r.granted, r.projects) for r in f.by_year] == [
        ("2014", Decimal("150000"), 1),
        ("2016", Decimal("50000"), 1),
        ("2017", Decimal("5000"), 1),
    ]
    assert [(r.key, r.granted, r.projects) for r in f.by_cluster] == [
        ("cap-digital", TOTAL, 2),
        ("systematic", Decimal("150000"), 1),
    ]
    assert [(r.key, r.granted) for r in f.by_kind] == [
        ("start_up", Decimal("130000")),
        ("sme", Decimal("50000")),
        ("research_lab", Decimal("25000")),
    ]
    assert [(r.key, r.granted) for r in f.by_size] == [
        ("", Decimal("155000")),
        ("sme", Decimal("50000")),
    ]


def test_the_funder_page_shows_the_figures_and_the_funded_projects(client, programme) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("funder_detail", args=["city-of-paris"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "€205,000" in html
    assert "2014–2017" in html
    assert "<svg" in html and "<script" not in html
    assert "2 funded projects" in html
    assert "BROUILLON" not in html and "DEMANDE" not in html
    export = client.get(reverse("funder_detail", args=["city-of-paris"]) + "?export=csv&sort=name")
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert [r.split(",")[1] for r in rows[1:]] == ["DEUX", "UN"]
    assert rows[1].endswith(",55000.00") and rows[2].endswith(",150000.00")
    assert client.get(reverse("funder_detail", args=["nobody"])).status_code == 404


def test_a_funder_without_lines_has_an_empty_state(client) -> None:  # type: ignore[no-untyped-def]
    funder = FunderFactory()
    html = client.get(reverse("funder_detail", args=[funder.slug])).content.decode()
    assert 'data-testid="funder-empty"' in html and "0 funded projects" in html


def test_the_api_gives_the_same_figures(client, programme) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/funders/city-of-paris").json()
    assert body["granted"] == "205000.00" and body["granted_millions"] == "0.20"
    assert (body["lines"], body["projects"], body["first_year"]) == (5, 2, 2014)
    assert (body["start_ups"], body["paris_start_ups"]) == (2, 1)
    assert body["paris_start_ups_granted"] == "100000.00"
    assert body["start_ups_share"] == "0.63"  # 130 000 / 205 000 = 0.634
    assert [(r["key"], r["granted"]) for r in body["by_year"]] == [
        ("2014", "150000.00"),
        ("2016", "50000.00"),
        ("2017", "5000.00"),
    ]
    assert body["by_cluster"][0] == {
        "key": "cap-digital",
        "label": "Cap Digital",
        "granted": "205000.00",
        "projects": 2,
    }
    projects = client.get("/api/v1/funders/city-of-paris/projects?sort=name").json()
    assert [(p["acronym"], p["granted"]) for p in projects["items"]] == [
        ("DEUX", "55000.00"),
        ("UN", "150000.00"),
    ]
    assert client.get("/api/v1/funders/nobody").status_code == 404
    assert client.get("/api/v1/funders/city-of-paris/projects?sort=nope").status_code == 422


def test_amounts_are_said_rounded_down() -> None:
    assert millions(Decimal("31733100")) == Decimal("31.7")
    assert millions(Decimal("30999999.99")) == Decimal("30.9")
    assert amount_phrase(Decimal("31733100")) == "more than 31 million euros"
    assert amount_phrase(Decimal("2000000")) == "2 million euros"
    assert amount_phrase(Decimal("205000")) == "205,000 euros"
    with translation.override("fr"):
        assert amount_phrase(Decimal("31733100")) == "plus de 31 millions d'euros"


def test_the_home_page_computes_its_figures_and_they_move_with_the_data(client, programme) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/en/").content.decode()
    assert "City of Paris: since 2014, 205,000 euros granted to 2 collaborative projects" in html
    assert "the 1 Parisian start-up in these consortia" in html
    assert "0.2 M€ since 2014" in html
    assert "30 million" not in html
    FundingLineFactory(
        participation=programme["p2"].participations.get(organisation=programme["lab"]),
        funder=programme["city"],
        requested=Decimal("2000000"),
        granted=Decimal("2000000"),
        decided_on=dt.date(2012, 5, 3),
        decision_reference="2012 DDEEES 7",
    )
    html = client.get("/en/").content.decode()
    assert "City of Paris: since 2012, more than 2 million euros granted" in html
    assert "2.2 M€ since 2012" in html
    french = html_text(client.get("/fr/"))
    assert "Ville de Paris : depuis 2012, plus de 2 millions d'euros accordés à 2 projets" in french
    assert "2,2 M€ depuis 2012" in french


def test_the_home_page_says_when_no_line_is_recorded(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HOME_PROGRAMME_FUNDER = FunderFactory().slug
    html = client.get("/en/").content.decode()
    assert 'data-testid="programme-empty"' in html
    assert "million" not in html


def test_the_funder_and_home_pages_cost_the_same_queries_whatever_the_number_of_lines(
    client, programme, settings
) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    settings.PAGE_SIZE = 50
    urls = ("/en/funders/city-of-paris/", "/en/")
    before = {url: queries(url) for url in urls}
    cluster = ClusterFactory()
    for n in range(12):
        project = ProjectFactory(status=ProjectStatus.COMPLETED, start_date=dt.date(2010 + n, 1, 1))
        AccreditationFactory(project=project, cluster=cluster)
        FundingLineFactory(
            participation=ParticipationFactory(project=project),
            funder=programme["city"],
            decided_on=dt.date(2010 + n, 6, 1),
        )
    after = {url: queries(url) for url in urls}
    print(f"\nfunder programme queries: before {before}, after {after}")
    assert after == before


def test_the_home_page_carries_the_demo_banner_only_when_its_figures_count_demo_lines(  # type: ignore[no-untyped-def]
    client, programme
) -> None:
    assert 'data-testid="demo-banner"' not in client.get("/en/").content.decode()
    Project.objects.filter(pk=programme["p2"].pk).update(is_demo=True)
    assert 'data-testid="demo-banner"' in client.get("/en/").content.decode()
