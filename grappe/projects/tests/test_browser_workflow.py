"""The status panel in headless Chromium: a blocked step says why, a refused one shows its reason.

The browser runs in a child process (the core tests keep a session-wide Playwright instance
open, and Playwright allows one sync instance per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.tests.workflow_helpers import proposal

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, project = sys.argv[1], sys.argv[2], sys.argv[3]
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[4], args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + f"/en/accounts/login/?next=/en/projects/{project}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/projects/{project}/")
    submit = page.locator("[data-transition=submit]")  # a link to the submission page
    out["submit_disabled"] = submit.get_attribute("aria-disabled") == "true"
    out["submit_why"] = page.inner_text("#why-submit")
    # A blank reason (spaces pass the browser's `required`) is refused by the server.
    page.fill("#reason-withdraw", "   ")
    page.click("button[data-transition=withdraw]")
    page.wait_for_selector("#transition-refused")
    out["refused"] = page.inner_text("#transition-refused")
    page.fill("#reason-withdraw", "The consortium merged with another proposal.")
    page.click("button[data-transition=withdraw]")
    page.wait_for_selector("#transition-history")
    out["history"] = page.inner_text("#transition-history")
    out["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_a_blocked_and_a_refused_transition_show_their_reason(live_server: Any) -> None:
    require_chromium()
    p = proposal()
    p.project.participations.filter(organisation=p.partner).delete()  # submit is blocked
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            p.owner.username,
            str(p.project.pk),
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["submit_disabled"]
    assert "the consortium has at least two organisations" in out["submit_why"]
    assert "“Withdraw” needs a reason" in out["refused"]
    assert "Withdraw" in out["history"] and "merged with another proposal" in out["history"]
    assert not out["overflow"], "the page scrolls sideways at 390 px"
    # The refused attempt answered 409 (a console error in Chromium); nothing else went wrong.
    assert all("409" in e for e in out["errors"]), out["errors"]
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.WITHDRAWN
