"""Member spreadsheet import in headless Chromium: upload, preview (nothing written), commit."""

from __future__ import annotations

import os

import pytest

from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, make_siren, user_with_role
from grappe.registry.models import ClusterMembership, Organisation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cluster_manager_previews_then_commits_a_member_sheet(live_server, browser_page) -> None:
    page, errors = browser_page
    cluster = ClusterFactory(slug="cap-browser", name="Cap Browser")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    sheet = (
        "name,type,siren,city,country,member_since\n"
        f"Robotique Exemple,sme,{make_siren(66_000_001)},Paris,FR,2024-01-01\n"
        "Sans Date,sme,,Paris,FR,\n"
    ).encode()

    page.goto(f"{live_server.url}/en/accounts/login/?next=/en/clusters/cap-browser/members/import/")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/clusters/cap-browser/members/import/")
    assert page.get_by_role("link", name="Download the template (CSV)").is_visible()

    page.set_input_files(
        "input[name=file]", {"name": "members.csv", "mimeType": "text/csv", "buffer": sheet}
    )
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("[data-testid=preview-totals]")
    totals = page.inner_text("[data-testid=preview-totals]")
    assert "create: 1" in totals and "error: 1" in totals
    assert "member_since: empty" in page.content()
    assert not Organisation.objects.filter(name="Robotique Exemple").exists()

    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=run-status]")
    assert page.inner_text("[data-testid=run-status]") == "Succeeded"
    assert "The members were imported." in page.content()
    assert ClusterMembership.objects.filter(
        cluster=cluster, organisation__name="Robotique Exemple"
    ).exists()
    assert errors == []
