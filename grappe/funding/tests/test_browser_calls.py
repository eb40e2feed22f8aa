"""The calls pages in headless Chromium at 390 px: a visitor finds an open call and reads its
rules; a programme officer edits a rule, gets a validation error naming the field, then saves.

The browser runs in a child process, as in `test_browser.py` (one sync Playwright per process).
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
from grappe.core.tests.factories import FunderFactory, user_with_role
from grappe.funding.models import Call
from grappe.funding.tests.helpers import closed_call, open_call, upcoming_call

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


LAUNCH = r"""
import json, sys
from playwright.sync_api import sync_playwright

def launch(p, chromium):
    browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    return browser, page, errors

def overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
"""

VISITOR = (
    LAUNCH
    + r"""
base, chromium = sys.argv[1:3]
out = {}
with sync_playwright() as p:
    browser, page, errors = launch(p, chromium)
    page.goto(base + "/en/")
    page.get_by_role("link", name="Calls", exact=True).first.click()
    page.wait_for_selector("[data-testid=calls]")
    out["listed"] = page.locator("[data-testid=calls] > li").count()
    out["list_overflow"] = overflow(page)
    page.get_by_role("link", name="Call paris-open").click()
    page.wait_for_selector("[data-testid=rules-eligibility]")
    out["eligibility"] = page.inner_text("[data-testid=rules-eligibility]")
    out["aid"] = page.inner_text("[data-testid=rules-aid]")
    out["badges"] = page.locator("[data-testid=unconfirmed]").count()
    out["detail_overflow"] = overflow(page)
    out["errors"] = errors
    print(json.dumps(out), flush=True)
    browser.close()
"""
)

OFFICER = (
    LAUNCH
    + r"""
base, username, slug, chromium = sys.argv[1:5]
out = {}
with sync_playwright() as p:
    browser, page, errors = launch(p, chromium)
    page.goto(base + f"/en/accounts/login/?next=/en/calls/{slug}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/calls/{slug}/")
    page.get_by_role("link", name="Edit the rule set").click()
    page.wait_for_selector("[data-testid=ruleset-form]")
    out["form_overflow"] = overflow(page)
    page.fill("input[name=company_rates__small]", "130")
    page.fill("textarea[name=reason]", "SME rate of the 2027 call")
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_selector("[data-testid=form-errors]")
    out["error"] = page.inner_text("[data-testid=form-errors]")
    out["kept"] = page.input_value("input[name=company_rates__small]")
    page.fill("input[name=company_rates__small]", "47.5")
    page.check("input[name=u__company_rates__small]")
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_selector("[data-testid=rules-aid]")
    out["aid"] = page.inner_text("[data-testid=rules-aid]")
    out["url"] = page.url
    for name in ("manage", f"{slug}/evaluation"):  # the other set-up pages at 390 px
        page.goto(base + f"/en/calls/{name}/")
        out[f"overflow {name}"] = overflow(page)
    out["errors"] = errors
    print(json.dumps(out), flush=True)
    browser.close()
"""
)


def _run(script: str, *args: str) -> dict[str, Any]:
    require_chromium()
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT_PRELUDE + script, *args, str(CHROMIUM)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def test_a_visitor_finds_an_open_call_and_reads_its_rules_at_390_px(live_server: Any) -> None:
    open_call(slug="paris-open", code="city-of-paris")
    closed_call()
    out = _run(VISITOR, live_server.url)
    assert out["listed"] == 1  # open and upcoming only; the closed FUI 25 is not listed
    assert "At least 1 partner located in Paris." in out["eligibility"]
    assert "Start-ups located in Paris: +10 points." in out["aid"]
    assert out["badges"] >= 5
    assert not out["list_overflow"] and not out["detail_overflow"], "scrolls sideways at 390 px"
    assert out["errors"] == []


def test_an_officer_edits_a_rule_with_a_validation_error_then_saves(live_server: Any) -> None:
    funder = FunderFactory()
    call = upcoming_call(slug="paris-2027", code="fui-19", funder=funder)
    officer = user_with_role(Role.PROGRAMME_OFFICER, funder=funder)
    out = _run(OFFICER, live_server.url, officer.username, call.slug)
    assert "Small enterprise (%)" in out["error"] and "less than or equal to 100" in out["error"]
    assert out["kept"] == "130"
    assert "small 47.5 %" in out["aid"]
    assert out["url"].endswith(f"/calls/{call.slug}/")
    assert not out["form_overflow"], "the editor scrolls sideways at 390 px"
    assert not out["overflow manage"] and not out[f"overflow {call.slug}/evaluation"]
    assert out["errors"] == []
    stored = Call.objects.get(pk=call.pk).ruleset
    assert stored is not None and stored.version == 2
    assert stored.data["unconfirmed"] == ["company_rates.small"]
