"""Consortium completion in headless Chromium: a member opens their proposal, sees suggestions
with their reasons and adds one to the consortium.

The browser runs in a child process (the core tests keep a session-wide Playwright instance
open, and Playwright allows one sync instance per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from grappe.core.domain.roles import Role
from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.core.tests.factories import (
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.matchmaking.services import partner_index_rebuild
from grappe.projects.models import ParticipantRole, ProjectStatus
from grappe.registry.domain.vocabulary import OrganisationKind

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, project, lab = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[5], args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + f"/en/accounts/login/?next=/en/projects/{project}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/projects/{project}/")
    out["section"] = page.inner_text("[data-testid=consortium-completion]")
    out["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
    with page.expect_navigation():
        page.click(f"[data-testid=invite-{lab}]")
    out["message"] = page.inner_text(".messages")
    out["consortium"] = page.inner_text("main")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_a_member_sees_suggestions_with_reasons_and_adds_one(live_server: Any) -> None:
    require_chromium()
    bus = OrganisationFactory(name="Alpha Buses", kind=OrganisationKind.SME)
    motors = OrganisationFactory(name="Beta Motors", kind=OrganisationKind.LARGE_COMPANY)
    lab = OrganisationFactory(name="Hydrogen Lab", kind=OrganisationKind.RESEARCH_LAB)
    done = ProjectFactory(acronym="H2TRUCK", title="Hydrogen tanks for trucks")
    for org in (motors, lab):
        ParticipationFactory(project=done, organisation=org)
    proposal = ProjectFactory(
        acronym="NEWBUS", title="Hydrogen buses for Paris", status=ProjectStatus.DRAFT
    )
    ParticipationFactory(project=proposal, organisation=bus, role=ParticipantRole.COORDINATOR)
    ParticipationFactory(project=proposal, organisation=motors)
    partner_index_rebuild(actor=None)
    member = user_with_role(Role.MEMBER, organisation=bus)
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            member.username,
            str(proposal.pk),
            str(lab.pk),
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["errors"] == []
    assert "Hydrogen Lab" in out["section"]
    assert "Worked with 1 of your partners on 1 project" in out["section"]
    assert "Research organisation: the consortium has none" in out["section"]
    assert not out["overflow"]
    assert "Hydrogen Lab joined the consortium." in out["message"]
    assert "Hydrogen Lab" in out["consortium"]
    assert proposal.participations.filter(organisation=lab).exists()
