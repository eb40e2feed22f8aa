"""Member spreadsheet import in headless Chromium: upload, preview (nothing written), commit.

The browser runs in a child process: the core tests keep a session-wide Playwright instance
open, and Playwright allows one sync instance per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, make_siren, user_with_role
from grappe.registry.models import ClusterMembership, Organisation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path(os.environ.get("GRAPPE_CHROMIUM", "/usr/bin/chromium"))

SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, username, sheet = sys.argv[1], sys.argv[2], sys.argv[3].encode()
out = {"errors": []}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[4], args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])
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
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    cluster = ClusterFactory(slug="cap-browser", name="Cap Browser")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    sheet = (
        "name,type,siren,city,country,member_since\n"
        f"Robotique Exemple,sme,{make_siren(66_000_001)},Paris,FR,2024-01-01\n"
        "Sans Date,sme,,Paris,FR,\n"
    )
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, live_server.url, manager.username, sheet, str(CHROMIUM)],
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
