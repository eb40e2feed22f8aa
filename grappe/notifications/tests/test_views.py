"""The inbox, the preferences page, the header badge and My area's block: owner, other user,
anonymous."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from grappe.core.models import AuditEvent
from grappe.core.tests.factories import UserFactory
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.models import Notification, NotificationPreference
from grappe.notifications.services import notify

pytestmark = pytest.mark.django_db

INVITED = {"organisation": "Lab", "acronym": "P1", "title": "A proposal"}


def _notify(user, n: int = 1, url: str = "/en/me/") -> list[Notification]:
    rows = []
    for i in range(n):
        rows += notify(
            actor=None,
            recipients=[user],
            kind="invitation.received",
            params={**INVITED, "acronym": f"P{i + 1}"},
            url=url,
        )
    return rows


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    for name in ("notifications:inbox", "notifications:preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    row = _notify(UserFactory())[0]
    response = client.post(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_the_inbox_lists_mine_newest_first_unread_highlighted_in_my_language(client, owner) -> None:
    first, _second = _notify(owner, 2)
    _notify(UserFactory())  # someone else's
    mark = Notification.objects.filter(pk=first.pk)
    from django.utils import timezone

    mark.update(read_at=timezone.now())
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert body.index("Lab is invited to join P2") < body.index("Lab is invited to join P1")
    assert body.count("notification-unread") == 1
    assert "1 unread notification." in body
    assert 'data-testid="notifications-badge">1<' in body
    french = client.get("/fr/me/notifications/").content.decode()
    assert "Lab est invité à rejoindre P2" in french
    unread_only = client.get(reverse("notifications:inbox"), {"unread": "on"}).content.decode()
    assert "P2" in unread_only and "join P1" not in unread_only


def test_an_empty_inbox_says_so(client, owner) -> None:
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="notifications-empty"' in body
    assert "notifications-badge" not in body


def test_the_inbox_pages_through_keyset_cursors(client, owner, settings) -> None:
    settings.PAGE_SIZE = 2
    _notify(owner, 3)
    first = client.get(reverse("notifications:inbox"))
    assert first.content.decode().count('data-testid="notification-') == 2
    assert 'rel="next"' in first.content.decode()
    import re

    cursor = re.search(r'cursor=([^"&]+)"', first.content.decode()).group(1)
    second = client.get(reverse("notifications:inbox") + f"?cursor={cursor}").content.decode()
    assert "join P1" in second and "join P3" not in second


def test_marking_read_mine_only_and_opening_goes_to_the_page(client, owner) -> None:
    mine = _notify(owner, 2, url="/en/projects/7/")
    theirs = _notify(UserFactory())[0]
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client.post(reverse("notifications:read", args=[mine[0].pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:inbox")
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    with translation.override("fr"):
        opened = client.post(f"/fr/me/notifications/{mine[1].pk}/read/", {"open": "1"})
    assert opened["Location"] == "/fr/projects/7/"
    # An outside `next` is not followed.
    response = client.post(
        reverse("notifications:read", args=[mine[0].pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:inbox")
    assert client.get(reverse("notifications:read", args=[mine[0].pk])).status_code == 405


def test_mark_all_read_touches_only_mine(client, owner) -> None:
    _notify(owner, 3)
    theirs = _notify(UserFactory())[0]
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_preferences_page_saves_the_ticked_kinds_and_audits_them(client, owner) -> None:
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "An organisation I act for is invited to join a proposal" in page
    n = len(KINDS)
    assert page.count('type="checkbox"') == n and page.count("checked") == n
    ticked = {
        "email_invitation__received": "on",  # every other one left unticked
    }
    response = client.post(reverse("notifications:preferences"), ticked, follow=True)
    assert "Your e-mail preferences are saved." in response.content.decode()
    prefs = dict(NotificationPreference.objects.filter(user=owner).values_list("kind", "email"))
    assert len(prefs) == n - 1 and not any(prefs.values())
    assert AuditEvent.objects.filter(action="notification.preference_set").count() == n - 1
    again = client.post(reverse("notifications:preferences"), ticked, follow=True)
    assert "Nothing changed." in again.content.decode()
    assert AuditEvent.objects.filter(action="notification.preference_set").count() == n - 1


def test_the_header_badge_costs_one_query(client, owner) -> None:
    _notify(owner, 2)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("call_list"))
    counts = [
        q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    with CaptureQueriesContext(connection) as queries:
        client.logout()
        client.get(reverse("call_list"))
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]


def test_my_area_shows_the_latest_notifications(client, owner) -> None:
    _notify(owner, 7)
    body = client.get(reverse("my_area")).content.decode()
    block = body[body.index('data-testid="my-notifications"') :]
    assert "7 unread" in block
    assert "join P7" in block and "join P3" in block and "join P2<" not in block
    assert reverse("notifications:inbox") in block
