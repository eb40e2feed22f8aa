"""The inbox list is declared once (`NotificationFilterSet`): the page and the API list the
same notifications in the same order for the same filters."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from grappe.core.tests.factories import UserFactory
from grappe.notifications.models import Notification
from grappe.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["", "unread=true", "sort=created", "unread=true&sort=created"])
def test_page_and_api_agree(client, query: str) -> None:
    owner = UserFactory()
    rows = []
    for i in range(4):
        rows += notify(
            actor=None,
            recipients=[owner, UserFactory()],
            kind="invitation.received",
            params={"organisation": "Lab", "acronym": f"P{i}", "title": "T"},
        )
    mine = [r for r in rows if r.recipient_id == owner.pk]
    Notification.objects.filter(pk__in=[mine[0].pk, mine[2].pk]).update(read_at=timezone.now())
    client.force_login(owner)
    page_query = query.replace("unread=true", "unread=on")
    page = client.get(f"/en/me/notifications/?{page_query}").content.decode()
    on_page = [int(pk) for pk in re.findall(r'data-testid="notification-(\d+)"', page)]
    api = client.get(f"/api/v1/notifications?{query}").json()
    assert on_page == [n["id"] for n in api["items"]]
    assert len(on_page) == (2 if "unread" in query else 4)
