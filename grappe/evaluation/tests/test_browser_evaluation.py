"""The evaluation in headless Chromium: the officer, on a phone, is refused an expert of a
partner's corporate group with the reason, proposes the assignment and sends the application to
its experts; three experts declare and score; the rapporteur records the consensus; the panel
ranks two tied applications and shows the tie-break rule that decided.

The browser runs in a child process, like `labelling/tests/test_browser_labelling.py` (the core
tests keep a session-wide Playwright instance open; one sync instance per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from grappe.core.tests import factories as f
from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.evaluation.models import Assignment, IndividualReport
from grappe.evaluation.services import (
    consensus_record,
    evaluation_start,
    expert_create,
    expert_declare,
    rapporteur_set,
    report_submit,
)
from grappe.evaluation.tests.helpers import world
from grappe.funding.models import Application
from grappe.projects.models import Participation
from grappe.registry.models import Ownership

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
GOOD = {"excellence": "4", "impact": "4", "implementation": "4"}

COMMON = r"""
import json, sys
from playwright.sync_api import sync_playwright
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

def launch(p):
    return p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
"""

OFFICER = (
    COMMON
    + r"""
base, chromium, officer, call, app, conflicted = sys.argv[1:7]
with sync_playwright() as p:
    browser = launch(p)
    path = f"/en/calls/{call}/assignments/"
    page = login(browser, officer, path, width=390)
    page.select_option(f"[data-testid=add-expert-{app}]", conflicted)
    page.click(f"[data-testid=application-{app}] form:has([name=action][value=add]) button")
    page.wait_for_selector("[data-testid=refusal]")
    out["refusal"] = page.inner_text("[data-testid=refusal]")
    out["overflow_assignments"] = overflow(page)
    page.goto(base + path)
    page.click("[data-testid=propose]")
    page.wait_for_selector(f"[data-testid=start-{app}]")
    out["assigned"] = page.inner_text(f"[data-testid=application-{app}]")
    page.click(f"[data-testid=start-{app}]")
    page.wait_for_selector(f"[data-testid=application-{app}]")
    out["after_start"] = page.inner_text(f"[data-testid=application-{app}]")
    print(json.dumps(out), flush=True)
    browser.close()
"""
)

EXPERTS = (
    COMMON
    + r"""
base, chromium, officer, call, app = sys.argv[1:6]
experts = sys.argv[6:]  # the rapporteur last
with sync_playwright() as p:
    browser = launch(p)
    path = f"/en/evaluation/applications/{app}/"
    for i, username in enumerate(experts):
        page = login(browser, username, path, width=390 if i == 0 else 1280)
        out.setdefault("file_before", []).append(page.locator("[data-testid=file]").count())
        page.check("[data-testid=declaration-form] input[value=no]")
        page.click("[data-testid=declaration-form] button[type=submit]")
        page.wait_for_selector("[data-testid=report-form]")
        for code in ("excellence", "impact", "implementation"):
            page.fill(f"[data-testid=report-form] input[name=score_{code}]", "4")
        page.fill("[data-testid=report-form] textarea[name=comment_impact]", f"Expert {i}")
        page.click("[data-testid=report-form] button[type=submit]")
        page.wait_for_selector(".message-success")
        if i == 0:
            out["overflow_application"] = overflow(page)
    page.click("[data-testid=consensus-form] button[type=submit]")
    page.wait_for_selector("[data-testid=consensus]")
    out["consensus"] = page.inner_text("[data-testid=consensus]")
    page = login(browser, officer, f"/en/calls/{call}/panel/", width=390)
    page.click("[data-testid=rank]")
    page.wait_for_selector("[data-testid=ranking]")
    out["ranking"] = page.inner_text("[data-testid=ranking]")
    out["overflow_panel"] = overflow(page)
    print(json.dumps(out), flush=True)
    browser.close()
"""
)


def _run(script: str, *args: str) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT_PRELUDE + script, *args],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout.strip().splitlines()[-1])


def _password(user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    return user


def test_group_expert_refused_three_experts_score_consensus_and_the_panel_breaks_a_tie(
    live_server: Any, monkeypatch: Any
) -> None:
    require_chromium()
    w = world(monkeypatch, n_apps=2, n_experts=4)
    app0, app1 = w.apps
    # app1 has one more SME: with equal scores, the SME rule decides the tie
    Participation.objects.create(
        project=app1.project, organisation=f.OrganisationFactory(kind="sme", name="Extra SME")
    )
    # an expert of a partner's corporate group (a sister company under one holding)
    holding = f.OrganisationFactory(name="Holding Group SA")
    sister = f.OrganisationFactory(name="Sister Company SAS")
    Ownership.objects.create(holder=holding, held=w.partners[0], capital_share=80, voting_share=80)
    Ownership.objects.create(holder=holding, held=sister, capital_share=80, voting_share=80)
    conflicted = expert_create(
        actor=w.officer,
        funder=w.call.funder,
        user=f.UserFactory(),
        name="Group Expert",
        organisation=sister,
        keywords="batteries hydrogen",
        languages="fr",
        max_load=5,
    )
    _password(w.officer)
    out = _run(
        OFFICER,
        live_server.url,
        str(CHROMIUM),
        w.officer.username,
        w.call.slug,
        str(app0.pk),
        str(conflicted.pk),
    )
    assert "conflict of interest" in out["refusal"]
    assert "Sister Company SAS" in out["refusal"] and "Partner 0" in out["refusal"]
    assert "shared words" in out["assigned"]
    assert Application.objects.get(pk=app0.pk).status == "under_evaluation"
    assert not Assignment.objects.filter(expert=conflicted, application=app0).exists()
    assert not out["overflow_assignments"], "the assignments page scrolls sideways at 390 px"

    # app1 is evaluated through the services; app0's rapporteur is chosen by the officer
    evaluation_start(actor=w.officer, application=app1)
    for app in (app0, app1):
        first = Assignment.objects.filter(application=app).order_by("id").first()
        rapporteur_set(actor=w.officer, assignment=first)
    for a in Assignment.objects.filter(application=app1).select_related("expert"):
        expert_declare(actor=a.expert.user, application=app1, has_conflict=False)
        report_submit(actor=a.expert.user, application=app1, scores=GOOD)
    rapporteur1 = Assignment.objects.get(application=app1, is_rapporteur=True).expert.user
    consensus_record(actor=rapporteur1, application=app1, scores=GOOD)

    assigned = list(
        Assignment.objects.filter(application=app0)
        .select_related("expert__user")
        .order_by("is_rapporteur", "id")
    )
    users = [_password(a.expert.user).username for a in assigned]
    out2 = _run(
        EXPERTS,
        live_server.url,
        str(CHROMIUM),
        w.officer.username,
        w.call.slug,
        str(app0.pk),
        *users,
    )
    assert out2["file_before"] == [0, 0, 0], "the file is shown before the declaration"
    assert IndividualReport.objects.filter(assignment__application=app0).count() == 3
    assert "Overall score: 12" in out2["consensus"]
    ranking = out2["ranking"]
    assert ranking.index("APP1") < ranking.index("APP0")
    assert ranking.count("Number of SMEs in the consortium") == 2
    for app in (app0, app1):
        app.refresh_from_db()
        assert app.status == "ranked" and app.panel_tie_rule == "sme_count"
    assert not out2["overflow_application"], "the evaluation page scrolls sideways at 390 px"
    assert not out2["overflow_panel"], "the panel page scrolls sideways at 390 px"
    # The refused addition answers 422 (the page with the reason): the only console line.
    assert [e for e in out["errors"] if "status of 422" not in e] == []
    assert len(out["errors"]) == 1 and out2["errors"] == []
