"""Browser: a member of an invited organisation sees the header badge, opens the inbox, marks
one notification read (the badge drops), then opens the other's page; desktop and 390 px.
Fails on console errors, CSP violations and failed requests (`grappe/conftest.py`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from grappe.core.domain.roles import Role
from grappe.core.tests.factories import OrganisationFactory, ProjectFactory, user_with_role
from grappe.notifications.models import Notification
from grappe.projects.services import invitation_create
from grappe.projects.tests.workflow_helpers import proposal

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


@pytest.mark.parametrize("width", [1280, 390])
def test_an_invitation_reaches_the_inbox_and_reading_it_drops_the_badge(
    live_server: Any, browser_page: Any, width: int
) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    p = proposal()
    invited = OrganisationFactory(name="Laboratoire invité")
    member = user_with_role(Role.MEMBER, organisation=invited)
    invitation_create(actor=p.owner, project=p.project, organisation_id=invited.pk)
    second = ProjectFactory(status="draft", acronym="SECOND")
    from grappe.core.tests.factories import ParticipationFactory

    ParticipationFactory(project=second, organisation=p.coordinator, role="coordinator")
    invitation_create(actor=p.owner, project=second, organisation_id=invited.pk)
    base = live_server.url

    _log_in(page, live_server, member)
    page.goto(f"{base}/en/")
    badge = page.get_by_test_id("notifications-badge")
    assert badge.inner_text().split()[0] == "2"
    _fits(page, width)
    page.get_by_test_id("notifications-link").click()
    page.wait_for_url("**/en/me/notifications/")
    items = page.locator("[data-testid^=notification-]").filter(has_text="invited")
    assert items.count() == 2
    assert "Laboratoire invité is invited to join SECOND" in items.first.inner_text()
    assert page.locator(".notification-unread").count() == 2
    _fits(page, width)
    # For a design check: the inbox at this width.
    page.screenshot(
        path=str(Path(tempfile.gettempdir()) / f"grappe-inbox-{width}.png"), full_page=True
    )
    items.first.get_by_test_id("mark-read").click()
    page.wait_for_url("**/en/me/notifications/")
    assert page.locator(".notification-unread").count() == 1
    assert page.get_by_test_id("notifications-badge").inner_text().split()[0] == "1"
    # In French, the other one opens My area, where the invitation waits; the badge is gone.
    page.goto(f"{base}/fr/me/notifications/")
    assert "Laboratoire invité est invité à rejoindre WORKFLOW1" in page.inner_text("main")
    page.get_by_role("button", name="Voir la page").last.click()
    page.wait_for_url("**/fr/me/")
    assert page.get_by_test_id("my-invitations").is_visible()
    assert page.get_by_test_id("notifications-badge").count() == 0
    _fits(page, width)
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert errors == []
