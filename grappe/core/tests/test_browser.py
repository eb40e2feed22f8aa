"""The public site in headless Chromium: home, cluster, organisation and project, in both languages.

Fails on any console error, uncaught page error or failed request (a missing stylesheet or icon
shows up as one).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from grappe.core.models import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    FunderFactory,
    FundingLineFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.funding.tests.helpers import consortium, open_call
from grappe.projects.models import ParticipantRole, ProjectStatus
from grappe.registry.models import ClusterKind, OrganisationKind

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(
    os.environ.get("GRAPPE_SCREENSHOT", Path(tempfile.gettempdir()) / "grappe-home-fr.png")
)


@pytest.fixture
def small_world():
    systematic = ClusterFactory(
        name="Systematic Paris Region",
        slug="systematic",
        topic_en="Complex systems, software and electronics",
        topic_fr="Systèmes complexes, logiciel et électronique",
        description_en="At the forefront of complex systems: transport, telecoms, health, security.",
        description_fr="À la pointe des systèmes complexes : transports, télécoms, santé, sécurité.",
    )
    ClusterFactory(
        name="Medicen Paris Region",
        slug="medicen",
        topic_en="Health technology",
        topic_fr="Technologies de santé",
    )
    ClusterFactory(
        kind=ClusterKind.NETWORK,
        name="Capital Games",
        slug="capital-games",
        topic_en="Video games",
        topic_fr="Jeux vidéo",
    )
    lab = OrganisationFactory(
        name="Laboratoire des Systèmes Sûrs",
        kind=OrganisationKind.RESEARCH_LAB,
        keywords="formal methods, safety",
        address="1 rue de la Paix",
        postcode="75002",
        paris_arrondissement=2,
    )
    startup = OrganisationFactory(name="Nuage Robotique", kind=OrganisationKind.START_UP)
    MembershipFactory(cluster=systematic, organisation=lab, start_date=dt.date(2021, 3, 1))
    MembershipFactory(cluster=systematic, organisation=startup)
    project = ProjectFactory(
        acronym="SURETE",
        title="Certified software for autonomous shuttles",
        summary="Proving the control software of driverless shuttles.",
        status=ProjectStatus.FUNDED,
        start_date=dt.date(2023, 3, 1),
    )
    coordinator = ParticipationFactory(
        project=project, organisation=lab, role=ParticipantRole.COORDINATOR
    )
    ParticipationFactory(project=project, organisation=startup)
    AccreditationFactory(project=project, cluster=systematic)
    FundingLineFactory(
        participation=coordinator,
        funder=FunderFactory(name_en="City of Paris", name_fr="Ville de Paris"),
        granted=Decimal("1250000.00"),
    )
    return {"lab": lab, "project": project}


def _switch_language(page, code: str) -> None:
    """Use the header's language switcher, the way a visitor does."""
    page.locator(f'.lang-switch a[data-lang="{code}"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code


def _h1(page) -> str:
    return page.locator("main h1").first.inner_text()


def test_public_pages_in_both_languages_without_console_errors(
    live_server, browser_page, small_world
):
    page, errors = browser_page
    base = live_server.url

    # Home, English.
    page.goto(f"{base}/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Competitiveness clusters" in _h1(page)
    assert page.get_by_role("heading", name="Competitiveness clusters", exact=True).is_visible()
    assert page.get_by_text("Complex systems, software and electronics").is_visible()
    assert page.get_by_role("link", name="Capital Games").is_visible()
    # The stylesheet loaded (the body background comes from it).
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 244, 248)", background

    # Home, French, through the switcher; screenshot for a design check.
    _switch_language(page, "fr")
    assert page.url == f"{base}/fr/"
    assert page.get_by_text("Systèmes complexes, logiciel et électronique").is_visible()
    assert page.get_by_text("Jeux vidéo").is_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # A cluster, French then English.
    page.get_by_role("link", name="Systematic Paris Region").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/fr/clusters/systematic/"
    assert _h1(page) == "Systematic Paris Region"
    assert page.get_by_text("À la pointe des systèmes complexes").is_visible()
    assert page.get_by_role("link", name="Laboratoire des Systèmes Sûrs").first.is_visible()
    assert page.get_by_text("1\u00a0250\u00a0000\u00a0€").first.is_visible()
    _switch_language(page, "en")
    assert page.url == f"{base}/en/clusters/systematic/"
    assert page.get_by_text("At the forefront of complex systems").is_visible()
    assert page.get_by_text("€1,250,000").first.is_visible()

    # An organisation, English then French.
    page.get_by_role("link", name="Laboratoire des Systèmes Sûrs").first.click()
    page.wait_for_load_state()
    lab = small_world["lab"]
    assert page.url == f"{base}/en/organisations/{lab.pk}/"
    assert _h1(page).startswith("Laboratoire des Systèmes Sûrs")
    assert page.get_by_text("March 1, 2021").is_visible()
    assert page.get_by_role("link", name="formal methods").is_visible()
    _switch_language(page, "fr")
    assert page.url == f"{base}/fr/organisations/{lab.pk}/"
    assert page.get_by_text("1 mars 2021").is_visible()

    # A project, French then English.
    page.get_by_role("link", name="SURETE").first.click()
    page.wait_for_load_state()
    project = small_world["project"]
    assert page.url == f"{base}/fr/projects/{project.pk}/"
    assert _h1(page) == "SURETE"
    assert page.get_by_text("Certified software for autonomous shuttles").is_visible()
    assert page.get_by_text("1 mars 2023").is_visible()
    assert page.get_by_role("rowheader", name="Ville de Paris").first.is_visible()
    _switch_language(page, "en")
    assert page.url == f"{base}/en/projects/{project.pk}/"
    assert page.get_by_role("rowheader", name="City of Paris").first.is_visible()
    assert page.get_by_text("March 1, 2023").is_visible()
    # Consortium: the coordinator is listed first.
    first_partner = page.locator("#consortium ~ table tbody tr").first.inner_text()
    assert "Laboratoire des Systèmes Sûrs" in first_partner

    # Lists and search render too.
    page.goto(f"{base}/en/organisations/?paris_only=on")
    assert page.get_by_role("link", name="Nuage Robotique").is_visible()
    page.goto(f"{base}/fr/projects/?year=abc")
    assert page.locator(".error-summary").is_visible()
    page.goto(f"{base}/en/search/?q=sure")
    assert page.get_by_role("link", name="SURETE").is_visible()

    assert errors == [], "\n".join(errors)


def test_small_screens_do_not_scroll_sideways(live_server, browser_page, small_world):
    page, errors = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/fr/", "/en/organisations/", "/fr/clusters/systematic/", "/fr/projects/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px screen"
    assert errors == [], "\n".join(errors)


def test_a_list_sorts_counts_and_downloads_on_a_390px_screen(
    live_server, browser_page, small_world
):
    page, errors = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    ProjectFactory(acronym="ANCIEN", status=ProjectStatus.COMPLETED, start_date=dt.date(2012, 1, 1))
    page.goto(f"{live_server.url}/en/projects/")
    assert page.get_by_role("heading", name="2 projects").is_visible()
    sort = page.get_by_label("Sort by")
    csv_link = page.get_by_role("link", name="CSV", exact=True)
    xlsx_link = page.get_by_role("link", name="XLSX", exact=True)
    for control in (sort, csv_link, xlsx_link):
        control.scroll_into_view_if_needed()
        assert control.is_visible()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    first_row = page.locator(".data-table tbody tr").first
    assert "SURETE" in first_row.inner_text()  # newest start first by default
    sort.select_option("date")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "sort=date" in page.url
    assert "ANCIEN" in page.locator(".data-table tbody tr").first.inner_text()
    # The download is the list as sorted, whole.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "projects.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["ANCIEN", "SURETE"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOT.with_name("grappe-projects-390.png")), full_page=True)
    assert errors == [], "\n".join(errors)


def test_a_visitor_searches_energie_without_accents_and_finds_energie(
    live_server, browser_page, small_world
):
    page, errors = browser_page
    OrganisationFactory(
        name="Institut de l'Énergie Solaire",
        short_name="INES",
        kind=OrganisationKind.RESEARCH_LAB,
        city="Le Bourget-du-Lac",
        postcode="73370",
        paris_arrondissement=None,
    )
    ProjectFactory(acronym="SOLEIL", title="Stockage de l'énergie solaire")
    page.goto(f"{live_server.url}/fr/search/")
    page.get_by_label("Rechercher des pôles, des organisations et des projets").fill("energie")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Institut de l'Énergie Solaire").is_visible()
    assert page.get_by_role("link", name="SOLEIL").is_visible()
    # the search box's words go on to the full list, still accent-blind, most relevant first
    page.goto(f"{live_server.url}/en/organisations/?q=ENERGIE")
    first = page.locator(".data-table tbody tr").first.inner_text()
    assert "Institut de l'Énergie Solaire" in first
    assert errors == [], "\n".join(errors)


def test_member_logs_in_sees_the_budget_and_logs_out(live_server, browser_page, small_world):
    page, errors = browser_page
    lab = small_world["lab"]
    user = user_with_role(Role.MEMBER, organisation=lab)
    project_url = f"{live_server.url}/en/projects/{small_world['project'].pk}/"
    page.goto(project_url)
    assert not page.get_by_role("heading", name="Budget").is_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url == project_url  # back where the visitor was
    assert page.get_by_text("(Member organisation)").is_visible()
    assert page.get_by_role("heading", name="Budget").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert errors == [], "\n".join(errors)


def _log_in(page, live_server, user) -> None:
    """Give the browser a session for `user` (the login form is tested above)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_the_policy_is_enforced_and_a_violation_is_reported(live_server, browser_page):
    """The check the other tests rely on: an inline script or style attribute is blocked by
    the Content-Security-Policy and shows up in `errors`."""
    page, errors = browser_page
    page.goto(f"{live_server.url}/en/")
    assert errors == []
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.inlineRan = true";
          document.body.appendChild(s);
          document.body.firstElementChild.setAttribute("style", "color: red");
        }"""
    )
    page.wait_for_function("() => window.__grappeCspViolations >= 2")
    assert page.evaluate("window.inlineRan") is None
    violations = [e for e in errors if e.startswith("CSP violation")]
    assert any("script-src-elem blocked inline" in v for v in violations), errors
    assert any("style-src-attr blocked inline" in v for v in violations), errors


def test_api_docs_login_admin_and_aid_pages_pass_the_policy(live_server, browser_page):
    page, errors = browser_page
    base = live_server.url
    # Swagger UI, from ninja's own static files, lists the operations.
    page.goto(f"{base}/api/v1/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/aid/simulate").wait_for()
    assert page.locator(".opblock").count() > 5
    # The login pages (site, admin) and the lockout page.
    page.goto(f"{base}/fr/accounts/login/")
    page.goto(f"{base}/en/admin/login/")
    assert page.locator("#id_username").is_visible()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{base}/en/accounts/login/")
        page.get_by_label("Username").fill("nobody")
        page.get_by_label("Password").fill("wrong")
        page.locator("main").get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    assert _h1(page) == "Too many failed logins"
    # The lockout answer itself is a 429, which the browser reports as a failed load.
    errors[:] = [e for e in errors if "status of 429" not in e and not e.startswith("HTTP 429")]
    # The aid simulation page (its styles were inline) and the back office, logged in.
    world = consortium()
    open_call(code="fui-19")
    _log_in(page, live_server, user_with_role(Role.ADMINISTRATOR))
    page.goto(f"{base}/en/projects/{world.project.pk}/aid-simulation/")
    assert page.locator(".aid-lines").first.is_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.aid-lines')).borderCollapse")
        == "collapse"
    )  # the stylesheet that replaced the inline <style> applies
    page.goto(f"{base}/en/admin/")
    page.goto(f"{base}/en/admin/projects/project/{world.project.pk}/change/")
    assert errors == [], "\n".join(errors)


def test_swagger_try_it_out_sends_the_csrf_token(live_server, browser_page):
    """A logged-in visitor's POST from the API docs carries X-CSRFToken, so it is served."""
    page, errors = browser_page
    _log_in(page, live_server, user_with_role(Role.ADMINISTRATOR))
    page.goto(f"{live_server.url}/api/v1/docs")
    status = page.evaluate(
        """async () => {
          const token = document.body.dataset.csrfToken;
          const r = await fetch("/api/v1/aid/simulate", {
            method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token},
            body: JSON.stringify({ruleset_code: "fui-19", project: {id: "x", partners: [
              {id: "a", kind: "company", size: "small", coordinator: true,
               costs: [{category: "personnel", research: "industrial", amount: "1000"}]}]}}),
          });
          const without = await fetch("/api/v1/aid/simulate", {
            method: "POST", headers: {"Content-Type": "text/plain"}, body: "{}",
          });
          return [r.status, without.status];
        }"""
    )
    assert status == [200, 403]
    # The refusal we asked for.
    errors[:] = [e for e in errors if "status of 403" not in e and not e.startswith("HTTP 403")]


def test_a_funder_page_on_a_390px_screen(live_server, browser_page, small_world, settings):
    """The City's programme page: figures, the year chart (inline SVG, no script), the funded
    projects with their downloads, all within a phone's width; the home page links to it."""
    page, errors = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    city = FunderFactory(slug="city-of-paris", name_en="City of Paris", name_fr="Ville de Paris")
    settings.HOME_PROGRAMME_FUNDER = city.slug
    project = small_world["project"]
    for year, amount in ((2012, "400000"), (2014, "250000"), (2016, "1000000")):
        FundingLineFactory(
            participation=project.participations.first(),
            funder=city,
            requested=Decimal(amount),
            granted=Decimal(amount),
            decided_on=dt.date(year, 6, 1),
            decision_reference=f"{year} DDEEES 1",
        )
    page.goto(f"{live_server.url}/fr/")
    page.get_by_role("link", name="1,6 M€ depuis 2012").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/fr/funders/city-of-paris/"
    assert _h1(page) == "Ville de Paris"
    assert page.get_by_test_id("total-granted").inner_text() == "1\u00a0650\u00a0000\u00a0€"
    chart = page.get_by_test_id("year-chart")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 0, box
    assert page.locator("[data-testid=year-chart] rect").count() == 3
    assert page.locator("script").count() == 0
    rows = page.get_by_test_id("funded-projects").locator("tbody tr")
    assert rows.count() == 1 and "SURETE" in rows.first.inner_text()
    for control in (
        page.get_by_role("link", name="CSV", exact=True),
        page.get_by_role("link", name="XLSX", exact=True),
    ):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOT.with_name("grappe-funder-390.png")), full_page=True)
    assert errors == [], "\n".join(errors)
