"""The aid simulation page in headless Chromium: a partner logs in, simulates, asks "what if".

The browser runs in a child process: the core tests keep a session-wide Playwright instance
open, and Playwright allows one sync instance per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from grappe.core.models import Role
from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.core.tests.factories import user_with_role
from grappe.funding.tests.helpers import consortium, open_call

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, project, partner = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
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
    page.get_by_role("link", name="Simulate the aid").click()
    page.wait_for_selector("[data-testid=total-max-aid]")
    out["before"] = page.inner_text("[data-testid=total-max-aid]")
    out["badges"] = page.locator(".badge-unconfirmed").count()
    out["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
    page.select_option(f"select[name=size_{partner}]", "medium")
    page.locator(".whatif button[type=submit]").click()
    page.wait_for_selector("text=What if")
    out["after"] = page.inner_text("[data-testid=total-max-aid]")
    out["url"] = page.url
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_a_partner_simulates_the_aid_and_asks_what_if(live_server: Any) -> None:
    require_chromium()
    c = consortium()
    open_call(code="city-of-paris")
    member = user_with_role(Role.MEMBER, organisation=c.coordinator)
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            member.username,
            str(c.project.pk),
            str(c.large.pk),
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    # City of Paris (placeholder rates): small 45 % of 100 k, the 600-staff company is an ETI,
    # 30 % of 200 k, lab 40 % of 100 k = 145 000; as a medium-sized SME it gets 45 %: +30 000.
    assert out["before"] == "€145,000.00"
    assert out["after"] == "€175,000.00"
    assert out["badges"] > 0  # the City's unconfirmed parameters are marked
    assert f"size_{c.large.pk}=medium" in out["url"]
    assert not out["overflow"], "the page scrolls sideways at 390 px"
    assert out["errors"] == []


FRENCH_SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, project, line, chromium = sys.argv[1:6]
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + f"/fr/accounts/login/?next=/fr/projects/{project}/aid-simulation/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=total-max-aid]")
    width = page.evaluate("document.documentElement.clientWidth")

    def visible(selector):
        box = page.locator(selector).first.bounding_box()
        return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width

    out["total"] = page.inner_text("[data-testid=total-max-aid]")
    out["total_visible"] = visible("[data-testid=total-max-aid]")
    out["line_aid_visible"] = visible("td.max-aid")
    out["explanations_folded"] = page.locator("details.explain[open]").count() == 0
    page.fill(f"input[name=amount_{line}]", "12abc")
    page.locator("#whatif-form button[type=submit]").click()
    page.wait_for_selector(f"#id_amount_{line}-error")
    out["error"] = page.inner_text(f"#id_amount_{line}-error")
    out["error_visible"] = visible(f"#id_amount_{line}-error")
    out["kept"] = page.input_value(f"input[name=amount_{line}]")
    out["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_at_390_px_in_french_the_maximum_aid_and_a_field_error_are_in_view(
    live_server: Any,
) -> None:
    require_chromium()
    c = consortium()
    open_call(code="city-of-paris")
    member = user_with_role(Role.MEMBER, organisation=c.coordinator)
    budget_line = c.project.participations.get(organisation=c.coordinator).budget_lines.get()
    line = f"line-{budget_line.pk}"
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + FRENCH_SCRIPT,
            live_server.url,
            member.username,
            str(c.project.pk),
            str(line),
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["total"].replace("\u202f", " ").replace("\xa0", " ") == "145 000,00 €"
    assert out["total_visible"] and out["line_aid_visible"]
    assert out["explanations_folded"]
    assert out["error"] == "Saisissez un nombre."
    assert out["error_visible"]
    assert out["kept"] == "12abc"
    assert not out["overflow"], "the page scrolls sideways at 390 px"
    assert out["errors"] == []
