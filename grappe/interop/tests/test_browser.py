"""Member spreadsheet import in headless Chromium: upload, preview (nothing written), commit.

The browser runs in a child process: the core tests keep a session-wide Playwright instance
open, and Playwright allows one sync instance per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grappe.core.models import Role
from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.core.tests.factories import ClusterFactory, make_siren, user_with_role
from grappe.registry.models import ClusterMembership, Organisation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, sheet = sys.argv[1], sys.argv[2], sys.argv[3].encode()
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[4], args=CHROMIUM_ARGS)
    page = browser.new_page()
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + "/en/accounts/login/?next=/en/clusters/cap-browser/members/import/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/clusters/cap-browser/members/import/")
    out["template_link"] = page.get_by_role("link", name="Download the template (CSV)").is_visible()
    page.set_input_files("input[name=file]", {"name": "members.csv", "mimeType": "text/csv", "buffer": sheet})
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("[data-testid=preview-totals]")
    out["totals"] = page.inner_text("[data-testid=preview-totals]")
    out["preview"] = page.content()
    print(json.dumps({"stage": "preview", **out}), flush=True)
    sys.stdin.readline()  # the test checks that nothing was written yet
    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=run-status]")
    out["status"] = page.inner_text("[data-testid=run-status]")
    out["after"] = page.content()
    print(json.dumps({"stage": "commit", **out}), flush=True)
    browser.close()
"""


def test_a_cluster_manager_previews_then_commits_a_member_sheet(live_server) -> None:
    require_chromium()
    cluster = ClusterFactory(slug="cap-browser", name="Cap Browser")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    sheet = (
        "name,type,siren,city,country,member_since\n"
        f"Robotique Exemple,sme,{make_siren(66_000_001)},Paris,FR,2024-01-01\n"
        "Sans Date,sme,,Paris,FR,\n"
    )
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + SCRIPT,
            live_server.url,
            manager.username,
            sheet,
            str(CHROMIUM),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else ""
        preview = json.loads(line)
        assert preview["template_link"]
        assert "create: 1" in preview["totals"] and "error: 1" in preview["totals"]
        assert "member_since: empty" in preview["preview"]
        assert not Organisation.objects.filter(name="Robotique Exemple").exists()
        child.stdin.write("\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else ""
        done = json.loads(line)
    finally:
        child.wait(timeout=60)
    assert done["status"] == "Succeeded"
    assert "The members were imported." in done["after"]
    assert ClusterMembership.objects.filter(
        cluster=cluster, organisation__name="Robotique Exemple"
    ).exists()
    assert done["errors"] == []


REVIEW_SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, reject_pk, merge_pk = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[5], args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + "/en/accounts/login/?next=/en/imports/merges/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/imports/merges/")
    row = page.locator(f"[data-testid=proposal-{reject_pk}]")
    row.get_by_placeholder("Reason for rejecting").fill("two different shops")
    row.get_by_role("button", name="Reject").click()
    page.wait_for_load_state()
    out["after_reject"] = page.content()
    page.locator(f"[data-testid=proposal-{merge_pk}]").get_by_role("button", name="Merge").click()
    page.wait_for_load_state()
    out["after_merge"] = page.content()
    out["overflow"] = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_an_administrator_rejects_one_proposal_and_merges_another(live_server) -> None:
    from grappe.core.tests.factories import OrganisationFactory
    from grappe.interop.models import MergeProposal

    require_chromium()

    def pair(name: str) -> MergeProposal:
        keep = OrganisationFactory(name=name, city="Marseille", siren="")
        dup = OrganisationFactory(name=name.upper(), city="Montpellier", siren="")
        return MergeProposal.objects.create(
            keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="same name"
        )

    rejected, merged = pair("Exemplis"), pair("Robotix")
    admin = user_with_role(Role.ADMINISTRATOR)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            SCRIPT_PRELUDE + REVIEW_SCRIPT,
            live_server.url,
            admin.username,
            str(rejected.pk),
            str(merged.pk),
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["errors"] == []
    assert "the pair will not be proposed again" in out["after_reject"]
    assert "The organisations were merged." in out["after_merge"]
    rejected.refresh_from_db()
    merged.refresh_from_db()
    assert (rejected.status, rejected.decision_reason) == ("rejected", "two different shops")
    assert merged.status == "merged"
    assert not Organisation.objects.filter(pk=merged.duplicate_pk).exists()
    assert out["overflow"] is False
