"""Login throttling (django-axes): failures recorded, lockout after LOGIN_FAILURE_LIMIT, cool-off,
the translated lockout page, the admin login, the audit event."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from grappe.core.models import AuditEvent
from grappe.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
PASSWORD = "correct-horse-battery"  # UserFactory's


def attempt(client: Client, username: str, password: str, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, url: str = LOGIN) -> None:
    for _ in range(times):
        response = attempt(client, username, "wrong-password", url)
        assert response.status_code in (200, 429), response.status_code


def test_the_limit_is_the_documented_figure() -> None:
    """docs/operations.md states the number of failed logins allowed; it is the setting."""
    doc = (Path(settings.BASE_DIR).parent / "docs" / "operations.md").read_text(encoding="utf-8")
    documented = re.search(r"Login attempts allowed before lockout: \*\*(\d+)\*\*", doc)
    assert documented, "docs/operations.md must state the login attempts allowed before lockout"
    if "LOGIN_FAILURE_LIMIT" in os.environ:
        pytest.skip("LOGIN_FAILURE_LIMIT is set in the environment: not the default")
    assert settings.AXES_FAILURE_LIMIT == int(documented.group(1)) == 5
    print(f"login attempts allowed before lockout: {settings.AXES_FAILURE_LIMIT}")


def test_limit_minus_one_failures_then_the_right_password_logs_in_and_forgets_them() -> None:
    user = UserFactory()
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    fail(client, user.username, limit - 1)
    # Each failure is recorded, without the password.
    record = AccessAttempt.objects.get(username=user.username)
    assert record.failures_since_start == limit - 1
    assert "wrong-password" not in record.post_data
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    # The success reset the count: limit - 1 more failures still do not lock.
    other = Client()
    fail(other, user.username, limit - 1)
    assert attempt(other, user.username, PASSWORD).status_code == 302 and logged_in(other)


def test_limit_failures_lock_even_the_right_password_with_a_translated_page() -> None:
    user = UserFactory()
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    fail(client, user.username, limit - 1)
    last = attempt(client, user.username, "wrong-password")
    assert last.status_code == 429
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert f"After {limit} failed logins" in page
    assert f"Try again in {settings.LOGIN_COOLOFF_MINUTES} minutes, after" in page
    # In French on the French login page.
    french = attempt(client, user.username, PASSWORD, url="/fr/accounts/login/")
    assert french.status_code == 429 and not logged_in(client)
    page = french.content.decode()
    assert "Trop de connexions échouées" in page
    assert f"Réessayez dans {settings.LOGIN_COOLOFF_MINUTES} minutes" in page
    assert 'lang="fr"' in page


def test_the_lock_is_per_username_and_address() -> None:
    user, other = UserFactory(), UserFactory()
    fail(Client(), user.username, settings.AXES_FAILURE_LIMIT)
    # Another account from the same address, and the same account from elsewhere, are free.
    client = Client()
    assert attempt(client, other.username, PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert attempt(elsewhere, user.username, PASSWORD).status_code == 302
    assert attempt(Client(), user.username, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off() -> None:
    user = UserFactory()
    client = Client()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    assert attempt(client, user.username, PASSWORD).status_code == 429
    # Time passes: the last attempt is now one cool-off and a second old.
    past = AccessAttempt.objects.get(username=user.username).attempt_time - dt.timedelta(
        minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1
    )
    AccessAttempt.objects.filter(username=user.username).update(attempt_time=past)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_little_less_than_the_cool_off_is_still_locked() -> None:
    user = UserFactory()
    client = Client()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    past = AccessAttempt.objects.get(username=user.username).attempt_time - dt.timedelta(
        minutes=settings.LOGIN_COOLOFF_MINUTES - 1
    )
    AccessAttempt.objects.filter(username=user.username).update(attempt_time=past)
    assert attempt(client, user.username, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_the_admin_login_locks_too() -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    url = "/en/admin/login/"
    fail(client, admin.username, settings.AXES_FAILURE_LIMIT)
    response = attempt(client, admin.username, PASSWORD, url=url)
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many failed logins" in response.content.decode()


def test_one_audit_event_when_an_account_becomes_locked() -> None:
    user = UserFactory()
    client = Client()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert not AuditEvent.objects.filter(action="login.locked_out").exists()
    fail(client, user.username, 3)  # the one that locks, then two refused while locked
    events = list(AuditEvent.objects.filter(action="login.locked_out"))
    assert len(events) == 1
    event = events[0]
    assert (event.object_type, event.object_id) == ("auth.user", str(user.pk))
    assert event.after["username"] == user.username
    assert event.after["failures"] == settings.AXES_FAILURE_LIMIT
    assert event.after["ip_address"] == "127.0.0.1"


def test_an_unknown_username_is_recorded_and_locked_like_any_other() -> None:
    client = Client()
    fail(client, "nobody-here", settings.AXES_FAILURE_LIMIT)
    assert AccessAttempt.objects.get(username="nobody-here").failures_since_start == (
        settings.AXES_FAILURE_LIMIT
    )
    assert attempt(client, "nobody-here", "x").status_code == 429
    event = AuditEvent.objects.get(action="login.locked_out")
    assert event.object_type == "axes.accessattempt"
