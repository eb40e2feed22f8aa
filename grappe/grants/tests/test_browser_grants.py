"""The grant's main path in headless Chromium: the partner accepts its agreement on a phone
(390 px); the officer starts it and pays the advance; an expense statement is partly accepted;
the interim payment is computed; a second statement's payment stops at the cap, and once at
the cap nothing more is offered; the final report, once approved, releases the balance up to
the whole grant (the retention with it) and nothing more can be requested; the paid total never exceeds the grant; the
accrediting cluster's page shows the reported jobs and the leverage.

The browser runs in a child process, like `labelling/tests/test_browser_labelling.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest

from grappe.core.tests.browser import CHROMIUM, SCRIPT_PRELUDE, require_chromium
from grappe.core.tests.factories import AccreditationFactory, ClusterFactory
from grappe.grants import services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import Installment
from grappe.grants.tests.helpers import make_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SCRIPT = r"""
import json, sys
from playwright.sync_api import sync_playwright

base, agreement, chromium, partner, officer, cluster = sys.argv[1:7]
out = {"errors": []}
path = f"/en/grants/{agreement}/"

def login(browser, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.goto(base + "/en/accounts/login/?next=" + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)
    return page

def overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")

def submit_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)

def pay_last(o, reference):
    submit_and_wait(o, "[data-testid^=approve-]:not([data-testid^=approve-report])")
    o.fill("input[name=payment_reference]", reference)
    submit_and_wait(o, "[data-testid^=pay-]")

def statement(p, start, end, personnel, instruments=None):
    p.fill("#statement-form input[name=period_start]", start)
    p.fill("#statement-form input[name=period_end]", end)
    p.fill("#statement-form input[name=amount_personnel]", personnel)
    p.fill("#statement-form input[name=description_personnel]", "Staff")
    if instruments:
        p.fill("#statement-form input[name=amount_instruments_equipment]", instruments)
        p.fill("#statement-form input[name=description_instruments_equipment]", "Kit")
    submit_and_wait(p, "#statement-form button[type=submit]")

def review(o, decisions):
    for index, (decision, accepted, reason) in enumerate(decisions):
        form = o.locator("[data-testid^=line-form-]").nth(index)
        form.locator("select[name=decision]").select_option(decision)
        if accepted:
            form.locator("input[name=accepted]").fill(accepted)
        if reason:
            form.locator("input[name=reason]").fill(reason)
        with o.expect_navigation():
            form.locator("button[type=submit]").click()
    submit_and_wait(o, "[data-testid^=review-]")

with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    p = login(browser, partner, width=390)
    out["overflow_offer"] = overflow(p)
    submit_and_wait(p, "[data-testid=transition-accept] button")
    out["state_accepted"] = p.inner_text("[data-testid=agreement-state]")
    out["accepted_by"] = p.inner_text("[data-testid=accepted-by]")
    o = login(browser, officer)
    submit_and_wait(o, "[data-testid=transition-activate] button")
    p.reload()
    submit_and_wait(p, "[data-testid=request-advance]")
    o.reload()
    pay_last(o, "VIR-ADV")
    out["paid_after_advance"] = o.inner_text("[data-testid=paid-total]")
    p.reload()
    statement(p, "2024-01-01", "2024-12-31", "100000", "40000")
    o.reload()
    # lines in the order of the categories: instruments and equipment, then personnel
    review(o, [("accepted", None, None), ("adjusted", "80000", "No payslip for part of it")])
    p.reload()
    out["interim_text"] = p.inner_text("section[aria-labelledby=installments]")
    submit_and_wait(p, "[data-testid=request-interim]")
    o.reload()
    pay_last(o, "VIR-INT1")
    p.reload()
    statement(p, "2025-01-01", "2025-12-31", "200000")
    o.reload()
    review(o, [("accepted", None, None)])
    p.reload()
    submit_and_wait(p, "[data-testid=request-interim]")
    o.reload()
    out["capped_row"] = o.locator("#installment-table").text_content()
    pay_last(o, "VIR-INT2")
    out["paid_at_cap"] = o.inner_text("[data-testid=paid-total]")
    p.reload()
    statement(p, "2026-01-01", "2026-06-30", "50000")
    o.reload()
    review(o, [("accepted", None, None)])
    p.reload()
    out["request_after_cap"] = p.locator("[data-testid=request-interim]").count()
    out["overflow_active"] = overflow(p)
    # The final report, approved by the officer, releases the balance up to the whole grant.
    out["balance_before_report"] = p.locator("[data-testid=request-balance]").count()
    p.select_option("#report-form select[name=kind]", "final")
    p.fill("#report-form input[name=year]", "2026")
    p.fill("#report-form input[name=jobs_fte]", "3.5")
    p.fill("#report-form input[name=patents]", "2")
    p.fill("#report-form input[name=follow_on_private]", "50000")
    p.fill("#report-form input[name=follow_on_source]", "A seed round")
    submit_and_wait(p, "#report-form button[type=submit]")
    o.reload()
    submit_and_wait(o, "[data-testid^=approve-report-]")
    p.reload()
    submit_and_wait(p, "[data-testid=request-balance]")
    o.reload()
    pay_last(o, "VIR-BAL")
    out["paid_at_end"] = o.inner_text("[data-testid=paid-total]")
    p.reload()
    out["requests_after_balance"] = p.locator("[data-testid^=request-]").count()
    # The cluster that accredited the project shows its jobs and leverage.
    p.goto(base + "/en/clusters/" + cluster + "/")
    out["cluster_jobs"] = p.inner_text("[data-testid=impact-jobs]")
    out["cluster_leverage"] = p.inner_text("[data-testid=impact-leverage]")
    print(json.dumps(out), flush=True)
    browser.close()
"""


def test_partner_accepts_advance_partial_statement_and_cap(live_server: Any) -> None:
    require_chromium()
    w = make_world()
    # The City of Paris plan (30 % advance, cap 80 %) with a retention of 10 %: payments stop
    # at (80 % - 10 %) of the grant until the final report; the balance releases the rest.
    a = services.agreement_create(
        actor=w.officer,
        funding_line=w.line,
        costs={"personnel": "150000.00", "instruments_equipment": "50000.00"},
        intensity="0.5",
        plan={**PLAN_DATA["city-of-paris"], "retention": "0.1"},
    )
    services.agreement_transition(actor=w.officer, agreement=a, transition="offer")
    cluster = ClusterFactory(slug="cap-grants")
    AccreditationFactory(project=w.project, cluster=cluster)
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT_PRELUDE + SCRIPT, live_server.url, str(a.pk), str(CHROMIUM),
         w.partner.username, w.officer.username, cluster.slug],
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr + child.stdout
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert "Accepted by the partner" in out["state_accepted"]
    assert w.partner.username in out["accepted_by"]
    assert "30,000" in out["paid_after_advance"]
    assert "interim: €30,000 due now" in out["interim_text"]
    assert "advance: requested" in out["interim_text"]
    assert "The amount stops at the ceiling." in out["capped_row"]
    assert "70,000" in out["paid_at_cap"]
    assert out["request_after_cap"] == 0
    assert out["balance_before_report"] == 0, "the balance waits for the final report"
    assert "100,000" in out["paid_at_end"]
    assert out["requests_after_balance"] == 0, "nothing more is offered once the grant is paid"
    assert out["cluster_jobs"] == "3.50"
    assert out["cluster_leverage"] not in ("", "—")
    assert not out["overflow_offer"], "the agreement page scrolls sideways at 390 px"
    assert not out["overflow_active"], "the active agreement scrolls sideways at 390 px"
    assert out["errors"] == []
    a.refresh_from_db()
    assert a.paid_total == Decimal("100000.00") == a.amount
    assert [i.amount for i in Installment.objects.order_by("id")] == [
        Decimal("30000.00"),  # the advance
        Decimal("30000.00"),  # the first interim payment
        Decimal("10000.00"),  # the second, stopped at the ceiling
        Decimal("30000.00"),  # the balance, with the 10,000 retained
    ]
