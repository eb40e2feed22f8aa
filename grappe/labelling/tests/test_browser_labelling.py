"""The committee in headless Chromium: a committee member whose corporate group is in the
consortium is refused a vote and told why; a free member scores; the manager accredits with
conditions and publishes; the consortium sees the decision and its letter (at 390 px too).

The browser runs in a child process, like `projects/tests/test_browser_workflow.py` (the core
tests keep a session-wide Playwright instance open; one sync instance per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.labelling.models import MemberReview, Review
from grappe.labelling.tests.helpers import committee
from grappe.projects.models import Accreditation, Project, ProjectStatus

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, review, project, chromium = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
conflicted, member, manager, owner = sys.argv[5:9]
out = {"errors": []}

def login(browser, username, next_path, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + "/en/accounts/login/?next=" + next_path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**" + next_path)
    return page

def overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    path = f"/en/labelling/reviews/{review}/"
    # The conflicted member, on a phone: declares no interest, is refused the vote, told why.
    page = login(browser, conflicted, path, width=390)
    page.check("#declaration-form input[value=no]")
    page.click("#declaration-form button[type=submit]")
    page.wait_for_selector("#why-not-score")
    out["why_not"] = page.inner_text("#why-not-score")
    out["conflicted_has_score_form"] = page.locator("#score-form").count() > 0
    out["overflow_review"] = overflow(page)
    # A free member scores and votes.
    page = login(browser, member, path)
    page.check("#declaration-form input[value=no]")
    page.click("#declaration-form button[type=submit]")
    page.wait_for_selector("#score-form")
    page.fill("#score-form input[name=score_innovation]", "4")
    page.fill("#score-form input[name=score_fit]", "8")
    page.select_option("#score-form select[name=vote]", "accredited_with_conditions")
    page.fill("#score-form textarea[name=comment]", "Good, needs an end user.")
    page.click("#score-form button[type=submit]")
    page.wait_for_selector(".message-success")
    # The manager ticks the checklist, accredits with conditions, and publishes.
    page = login(browser, manager, path)
    out["member_table"] = page.inner_text("#member-reviews")
    for box in page.locator("#checklist-form input[name=ticked]").all():
        box.check()
    page.click("#checklist-form button[type=submit]")
    page.wait_for_selector(".message-success")
    page.select_option("#transition-decide select[name=outcome]", "accredited_with_conditions")
    page.fill("#transition-decide textarea[name=conditions]", "Bring an end user in by June.")
    page.fill("#transition-decide textarea[name=reason]", "A strong consortium on our themes.")
    page.click("button[data-transition=decide]")
    page.wait_for_selector("button[data-transition=publish]")
    page.click("button[data-transition=publish]")
    page.wait_for_selector("a[href$='/letter/']")
    out["state"] = page.inner_text("[data-testid=review-state]")
    # The coordinator sees the decision on the project page and reads the letter, in French.
    page = login(browser, owner, f"/en/projects/{project}/", width=390)
    out["outcome"] = page.inner_text("[data-testid=submission-outcome]")
    out["overflow_project"] = overflow(page)
    page.click("[data-testid=submission-outcome] a")
    page.wait_for_selector("[data-testid=decision-letter]")
    page.goto(page.url.replace("/en/", "/fr/"))
    out["letter_fr"] = page.inner_text("[data-testid=decision-letter]")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_conflicted_member_refused_and_manager_accredits_with_conditions(
    live_server: Any,
) -> None:
    require_chromium()
    c = committee()
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            str(c.review.pk),
            str(c.p.project.pk),
            str(CHROMIUM),
            c.conflicted.username,
            c.member.username,
            c.manager.username,
            c.p.owner.username,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert "Big Group SA" in out["why_not"] and "may not score or vote" in out["why_not"]
    assert "Coordinating SME" in out["why_not"]
    assert not out["conflicted_has_score_form"]
    assert "conflict of interest" in out["member_table"]
    assert "Decision published" in out["state"]
    assert "Accredited with conditions" in out["outcome"]
    assert "Bring an end user in by June." in out["outcome"]
    assert "Labellisé sous conditions" in out["letter_fr"]
    assert "A strong consortium on our themes." in out["letter_fr"]
    assert not out["overflow_review"], "the scoring page scrolls sideways at 390 px"
    assert not out["overflow_project"], "the project page scrolls sideways at 390 px"
    assert out["errors"] == []
    assert MemberReview.objects.get(member=c.conflicted).scored_at is None
    assert Review.objects.get(pk=c.review.pk).outcome == "accredited_with_conditions"
    assert Project.objects.get(pk=c.p.project.pk).status == ProjectStatus.ACCREDITED
    assert Accreditation.objects.filter(project=c.p.project, cluster=c.cluster).exists()
