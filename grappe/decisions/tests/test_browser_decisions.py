"""Browser: the officer sets the envelope, approves a first application within it, and a second
approval beyond it is refused with what is left; at 390 px and desktop. Fails on console
errors, CSP violations and failed requests (`grappe/conftest.py` `browser_page`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from grappe.decisions.models import Envelope
from grappe.decisions.tests.helpers import world
from grappe.funding.models import Application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _fits(page: Any, width: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide}px wide at {width}px"


def _approve_all(page: Any, amount: str) -> None:
    form = page.locator("[data-testid=approve-form]")
    for field in form.locator("input[name^=amount_]").all():
        field.fill(amount)
    form.locator("[data-testid=approve]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [390, 1280])
def test_officer_approves_within_the_envelope_and_a_second_beyond_is_refused(
    live_server: Any, browser_page: Any, width: int
) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    w = world(f"browser-{width}")
    call, base = w["call"], live_server.url
    _log_in(page, live_server, w["officer"])

    page.goto(f"{base}/en/calls/{call.slug}/funding/")
    page.fill("input[name=envelope]", "3500")
    page.get_by_role("button", name="Save the envelopes").click()
    page.wait_for_selector("[data-testid=envelopes]")
    assert Envelope.objects.get(call=call).amount == Decimal("3500")
    _fits(page, width)

    page.get_by_role("link", name="Allocation").first.click()
    page.wait_for_selector("[data-testid=allocation]")
    _fits(page, width)

    page.goto(f"{base}/en/decisions/applications/{w['first'].pk}/")
    _fits(page, width)
    _approve_all(page, "1000")  # three partners: 3,000 of 3,500
    page.wait_for_selector("[data-testid=ledger]")
    assert Application.objects.get(pk=w["first"].pk).status == "funded"

    page.goto(f"{base}/en/decisions/applications/{w['second'].pk}/")
    _approve_all(page, "1000")  # 500 left
    message = page.inner_text("[data-testid=form-errors]")
    assert "€500.00 left" in message and "€1,000.00" in message
    assert Application.objects.get(pk=w["second"].pk).status == "ranked"
    assert Envelope.objects.get(call=call).approved == Decimal("3000")
    _fits(page, width)
    assert not errors, errors
