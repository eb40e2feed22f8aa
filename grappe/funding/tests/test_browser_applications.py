"""Browser: a coordinator applies to an open call from the call page, writes the draft,
submits it and downloads the receipt; the call's officer overrides the failed rule with a
justification and declares the application eligible; a late submission is refused with the
closing time. Desktop and 390 px; fails on console errors, CSP violations and failed requests
(`grappe/conftest.py` `browser_page`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from grappe.core.tests import factories as f
from grappe.funding.domain.receipt import canonical_json
from grappe.funding.models import Application
from grappe.funding.services import application_create
from grappe.funding.tests.helpers import consortium, open_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, live_server: Any, user: Any) -> None:
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("width", [1280, 390])
def test_apply_submit_receipt_override_and_screen(
    live_server: Any, browser_page: Any, width: int, tmp_path: Path
) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    c = consortium()
    call = open_call(code="fui-19")  # its budget rule fails for this consortium
    coordinator = f.user_with_role("member", organisation=c.coordinator)
    officer = f.user_with_role("programme_officer", funder=call.funder)
    base = live_server.url
    part = c.project.participations.get(organisation=c.coordinator)

    # The coordinator applies from the public call page.
    _log_in(page, live_server, coordinator)
    page.goto(f"{base}/en/calls/{call.slug}/")
    page.get_by_test_id("apply").click()
    page.wait_for_load_state()
    _fits(page, width)
    page.locator(f"[data-apply='{c.project.pk}']").click()
    page.wait_for_load_state()
    assert "/en/applications/" in page.url
    _fits(page, width)

    # An amount above the partner's maximum is refused, naming the partner; nothing saved.
    page.fill("#id_statement", "Why this call")
    page.fill(f"#id_requested_{part.pk}", "9999999")
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state()
    assert "above the maximum aid" in page.get_by_test_id("form-errors").inner_text()
    assert not Application.objects.get().requested.exists()
    errors[:] = [e for e in errors if "422" not in e]  # the refused form (422), expected
    page.fill(f"#id_requested_{part.pk}", "30000")
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state()
    # Kept between visits.
    page.reload()
    assert page.input_value(f"#id_requested_{part.pk}") == "30000.00"
    assert page.input_value("#id_statement") == "Why this call"

    page.get_by_test_id("submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("application-status").inner_text() == "Application submitted"
    shown_hash = page.get_by_test_id("receipt-hash").inner_text().strip()
    app = Application.objects.get()
    assert shown_hash == hashlib.sha256(canonical_json(app.snapshot)).hexdigest()
    assert page.locator("[data-rule=budget] .badge-failed").count() == 1
    _fits(page, width)
    with page.expect_download() as download_info:
        page.get_by_test_id("receipt-fr").click()
    pdf = tmp_path / "receipt.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert shown_hash.encode() in _inflate(pdf.read_bytes())

    # The officer of the call's funder overrides the failed rule, then declares it eligible.
    _log_in(page, live_server, officer)
    page.goto(f"{base}/en/calls/{call.slug}/applications/")
    assert c.project.acronym in page.get_by_test_id("applications").inner_text()
    _fits(page, width)
    page.get_by_role("link", name=c.project.acronym).click()
    page.wait_for_load_state()
    page.fill("#justification-budget", "The budget window is met once the lab's overheads count.")
    page.locator("[data-override=budget]").click()
    page.wait_for_load_state()
    assert "overheads" in page.get_by_test_id("override-budget").inner_text()
    assert officer.username in page.get_by_test_id("override-budget").inner_text()
    page.locator("[data-transition=screen_eligible]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("application-status").inner_text() == "Eligible"
    _fits(page, width)

    # The applicant sees the verdict, the override and its reason, in French too.
    _log_in(page, live_server, coordinator)
    page.goto(f"{base}/fr/applications/{app.pk}/")
    assert "overheads" in page.get_by_test_id("override-budget").inner_text()
    assert page.get_by_test_id("application-status").inner_text() == "Éligible"
    _fits(page, width)
    assert not errors, errors


def _inflate(content: bytes) -> bytes:
    import re
    import zlib

    out = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            out += stream
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_a_late_application_is_refused_with_the_closing_time(
    live_server: Any, browser_page: Any, width: int
) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    c = consortium()
    call = open_call()
    coordinator = f.user_with_role("member", organisation=c.coordinator)
    app = application_create(actor=coordinator, call=call, project=c.project)
    # The call closed yesterday (Paris time): the draft stays, its submission is refused.
    call.opens_on = timezone.localdate() - dt.timedelta(days=40)
    call.closes_on = timezone.localdate() - dt.timedelta(days=1)
    call.save()
    _log_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/en/applications/{app.pk}/")
    page.get_by_test_id("submit").click()
    page.wait_for_load_state()
    refused = page.get_by_test_id("refused").inner_text()
    assert "Too late" in refused and "Europe/Paris" in refused
    assert str(call.closes_on.year) in refused
    assert Application.objects.get().status == "draft"
    _fits(page, width)
    assert [e for e in errors if "409" not in e] == []  # the refusal itself is a 409
