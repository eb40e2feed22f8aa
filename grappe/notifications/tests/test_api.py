"""The notifications API: only the recipient sees a notification; preferences get and set."""

from __future__ import annotations

import pytest
from django.test import Client

from grappe.core.models import AuditEvent
from grappe.core.tests.factories import UserFactory
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.models import Notification
from grappe.notifications.services import notify

pytestmark = pytest.mark.django_db

INVITED = {"organisation": "Lab", "acronym": "P1", "title": "A proposal"}


def _logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def _notify(user, acronym: str = "P1") -> Notification:
    [row] = notify(
        actor=None,
        recipients=[user],
        kind="invitation.received",
        params={**INVITED, "acronym": acronym},
        url="/en/me/",
    )
    return row


def test_anonymous_calls_are_401(client) -> None:
    row = _notify(UserFactory())
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post(f"/api/v1/notifications/{row.pk}/read").status_code == 401
    assert client.get("/api/v1/notifications/preferences").status_code == 401
    response = client.post(
        "/api/v1/notifications/preferences", {"email": {}}, content_type="application/json"
    )
    assert response.status_code == 401


def test_the_list_holds_mine_only_with_an_unread_filter_and_pages() -> None:
    owner, other = UserFactory(), UserFactory()
    first, second = _notify(owner, "P1"), _notify(owner, "P2")
    _notify(other)
    client = _logged_in(owner)
    page = client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert [n["id"] for n in page["items"]] == [second.pk, first.pk]
    assert page["items"][0]["subject"] == "Lab est invité à rejoindre P2"
    assert page["items"][0]["url"] == "/fr/me/" and page["items"][0]["unread"] is True
    client.post(f"/api/v1/notifications/{first.pk}/read")
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [n["id"] for n in unread["items"]] == [second.pk]
    one = client.get("/api/v1/notifications?limit=1").json()
    assert len(one["items"]) == 1 and one["next_cursor"]
    rest = client.get(f"/api/v1/notifications?limit=1&cursor={one['next_cursor']}").json()
    assert [n["id"] for n in rest["items"]] == [first.pk]
    assert client.get("/api/v1/notifications?unread=maybe").status_code == 422


def test_marking_anyone_elses_is_404_and_mine_is_idempotent() -> None:
    owner, other = UserFactory(), UserFactory()
    row = _notify(owner)
    response = _logged_in(other).post(f"/api/v1/notifications/{row.pk}/read")
    assert response.status_code == 404
    assert Notification.objects.get(pk=row.pk).read_at is None
    assert _logged_in(other).post("/api/v1/notifications/0/read").status_code == 404
    client = _logged_in(owner)
    done = client.post(f"/api/v1/notifications/{row.pk}/read").json()
    assert done["unread"] is False and done["read_at"]
    again = client.post(f"/api/v1/notifications/{row.pk}/read").json()
    assert again["read_at"] == done["read_at"]


def test_preferences_get_and_set() -> None:
    owner = UserFactory()
    client = _logged_in(owner)
    prefs = client.get("/api/v1/notifications/preferences").json()
    assert len(prefs) == len(KINDS) and all(p["email"] and p["default"] for p in prefs)
    response = client.post(
        "/api/v1/notifications/preferences",
        {"email": {"committee.score_reminder": False}},
        content_type="application/json",
    )
    assert response.status_code == 200
    chosen = {p["kind"]: p["email"] for p in response.json()}
    assert chosen["committee.score_reminder"] is False and chosen["invitation.received"] is True
    assert AuditEvent.objects.filter(action="notification.preference_set").count() == 1
    refused = client.post(
        "/api/v1/notifications/preferences",
        {"email": {"no.such": True}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "email" in str(refused.json())
    assert AuditEvent.objects.filter(action="notification.preference_set").count() == 1
