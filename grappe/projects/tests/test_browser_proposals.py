"""A proposal built by its partners in headless Chromium at 390 px: a member starts it and
invites an organisation found in the registry; that organisation's member accepts from their
area and enters a budget line, which the proposal page then shows.

The browser runs in a child process, as in `test_browser_workflow.py`: the core tests keep a
session-wide Playwright instance open, and Playwright allows one sync instance per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest

from grappe.core.models import Role
from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.core.tests.factories import OrganisationFactory, user_with_role
from grappe.projects.models import BudgetLine, ParticipantRole, Participation, Project

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, owner, guest, chromium = sys.argv[1:5]
out = {"errors": [], "overflow": []}

def check_width(page):
    if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
        out["overflow"].append(page.url)

def log_in(browser, username, next_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + "/en/accounts/login/?next=" + next_path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**" + next_path)
    return context, page

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    # The coordinator starts the proposal and invites a partner found by the search.
    context, page = log_in(browser, owner, "/en/projects/new/")
    check_width(page)
    page.fill("#id_acronym", "BROWSE")
    page.fill("#id_title", "A proposal built in the browser")
    page.fill("#id_summary", "Two partners, one budget line.")
    page.fill("#id_trl_start", "3")
    page.fill("#id_trl_target", "6")
    page.click("main form.stacked-form button[type=submit]")
    page.wait_for_selector("[data-testid=proposal-panel]")
    out["project_url"] = page.url
    check_width(page)
    page.fill("#id_find", "Findable")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_selector("[data-testid=invite-results]")
    page.click("[data-testid=invite-results] button[type=submit]")
    page.wait_for_selector("[data-testid=invitation-table]")
    out["invitations"] = page.inner_text("[data-testid=invitation-table]")
    check_width(page)
    context.close()
    # The invited organisation's member accepts from their area and enters a budget line.
    context, page = log_in(browser, guest, "/en/me/")
    out["my_area"] = page.inner_text("[data-testid=my-invitations]")
    check_width(page)
    page.click("[data-testid=my-invitations] button[value=accept]")
    page.wait_for_url("**/budget/")
    check_width(page)
    page.fill("#id_amount__personnel__industrial", "42000")
    page.fill("#id_year", "2025")
    page.fill("#id_staff_awu", "8")
    page.fill("#id_turnover", "900000")
    page.fill("#id_balance_sheet", "400000")
    page.click("main form.stacked-form button[type=submit]")
    page.wait_for_selector("[data-testid=proposal-panel]")
    out["consortium"] = page.inner_text("main")
    check_width(page)
    context.close()
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_a_member_builds_a_proposal_with_a_partner_at_390px(live_server: Any) -> None:
    require_chromium()
    starter = OrganisationFactory(name="Starter Robotics")
    findable = OrganisationFactory(name="Findable Optics")
    owner = user_with_role(Role.MEMBER, organisation=starter)
    guest = user_with_role(Role.MEMBER, organisation=findable)
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            owner.username,
            guest.username,
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["errors"] == [], out["errors"]
    assert out["overflow"] == [], "pages scroll sideways at 390 px: " + ", ".join(out["overflow"])
    assert "Findable Optics" in out["invitations"] and "Pending" in out["invitations"]
    assert "Findable Optics is invited to join" in out["my_area"]
    assert "Findable Optics" in out["consortium"] and "42,000" in out["consortium"]
    project = Project.objects.get(acronym="BROWSE")
    assert Participation.objects.get(project=project, organisation=starter).role == (
        ParticipantRole.COORDINATOR
    )
    line = BudgetLine.objects.get(participation__project=project)
    assert line.participation.organisation_id == findable.pk
    assert line.amount == Decimal("42000")
