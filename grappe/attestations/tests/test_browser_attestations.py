"""Browser: a cluster manager issues an attestation from the project page; it verifies at its
public URL, a tampered copy is reported as altered; in English and French, desktop and 390 px.
Fails on console errors, CSP violations and failed requests (`core/tests/conftest.py`)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from grappe.attestations.domain import signing
from grappe.core.domain.roles import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.models import ParticipantRole, ProjectStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _fits(page: Any, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide at {width}px"


@pytest.mark.parametrize("width", [1280, 390])
def test_issue_verify_and_spot_a_tampered_copy(
    live_server: Any, browser_page: Any, width: int
) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    project = ProjectFactory(
        acronym="LUMIERE", title="Éclairage urbain intelligent", status=ProjectStatus.ACCREDITED
    )
    org = OrganisationFactory(name="Lumière Urbaine SAS")
    ParticipationFactory(project=project, organisation=org, role=ParticipantRole.COORDINATOR)
    accreditation = AccreditationFactory(project=project, accredited_on=dt.date(2026, 3, 2))
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=accreditation.cluster)
    base = live_server.url

    # The manager issues the attestation from the project page.
    _log_in(page, live_server, manager)
    page.goto(f"{base}/en/projects/{project.pk}/")
    page.get_by_test_id("attestation-issue").click()
    page.wait_for_load_state()
    assert "/en/attestations/" in page.url
    status = page.get_by_test_id("attestation-status")
    assert status.get_attribute("data-status") == "valid"
    assert page.get_by_test_id("record-acronym").inner_text() == "LUMIERE"
    _fits(page, width)
    public_url = page.url
    jws = page.get_by_test_id("jws").text_content().strip()

    # Anyone: the public page, in French too.
    page.context.clear_cookies()
    page.goto(public_url.replace("/en/", "/fr/"))
    assert page.get_by_test_id("attestation-status").get_attribute("data-status") == "valid"
    assert page.get_by_role("heading", name="Valide").is_visible()
    assert page.get_by_text("Lumière Urbaine SAS").is_visible()
    _fits(page, width)
    # For a design check: the public page in French at this width.
    page.screenshot(
        path=str(Path(tempfile.gettempdir()) / f"grappe-attestation-fr-{width}.png"), full_page=True
    )

    # The project page links to it.
    page.goto(f"{base}/en/projects/{project.pk}/")
    page.get_by_test_id("attestation-link").click()
    page.wait_for_load_state()
    assert page.url == public_url

    # The verify page: the genuine copy, then a tampered one (another title, same signature).
    page.goto(f"{base}/en/attestations/verify/")
    page.get_by_label("Attestation (the signed text)").fill(jws)
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("attestation-status").get_attribute("data-status") == "valid"
    header, payload, signature = jws.split(".")
    forged_record = json.loads(signing.b64url_decode(payload))
    forged_record["project"]["title"] = "Autre chose"
    forged = f"{header}.{signing.b64url(signing.canonical(forged_record))}.{signature}"
    page.goto(f"{base}/fr/attestations/verify/")
    page.get_by_label("Attestation (le texte signé)").fill(forged)
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("attestation-status").get_attribute("data-status") == "altered"
    assert page.get_by_role("heading", name="Altérée").is_visible()
    assert not page.get_by_text("Autre chose").count()
    _fits(page, width)
    assert errors == [], "\n".join(errors)
