"""Issue 13 (3): request bodies are bounded. Over the limit: 413 naming it, before any is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_bodies(settings: Any) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 2048
    settings.UPLOAD_MAX_BODY_BYTES = 64 * 1024


def test_an_api_body_over_the_limit_is_a_413_in_json_naming_the_limit(
    client: Any, small_bodies: None
) -> None:
    body = '{"ruleset_code": "fui-19", "project": {"id": "' + "x" * 3000 + '"}}'
    response = client.post("/api/v1/aid/simulate", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert "larger than the limit of 2.0\xa0KB" in detail


def test_an_api_body_within_the_limit_is_read(client: Any, small_bodies: None) -> None:
    response = client.post("/api/v1/aid/simulate", "{}", content_type="application/json")
    assert response.status_code == 422  # read and validated, not refused for its size


def test_a_form_over_the_limit_is_a_translated_413_page(client: Any, small_bodies: None) -> None:
    data = {"username": "someone", "password": "x" * 4000}
    response = client.post("/fr/accounts/login/", data)
    assert response.status_code == 413
    page = response.content.decode()
    assert "Requête trop volumineuse" in page
    assert "plus volumineuse que la limite de 2,0\xa0Kio" in page


def test_upload_views_have_their_own_larger_limit(client: Any, small_bodies: None) -> None:
    sheet = SimpleUploadedFile("members.csv", b"name\n" + b"A" * 10_000, "text/csv")
    # 10 kB: over the general limit, within the upload limit; anonymous, so sent to log in.
    response = client.post("/en/imports/upload/", {"source": "anr", "file": sheet})
    assert response.status_code == 302
    big = SimpleUploadedFile("members.csv", b"name\n" + b"A" * 100_000, "text/csv")
    response = client.post("/en/imports/upload/", {"source": "anr", "file": big})
    assert response.status_code == 413
    assert "larger than the limit of 64.0\xa0KB" in response.content.decode()


def test_the_same_upload_is_refused_on_any_other_page(client: Any, small_bodies: None) -> None:
    sheet = SimpleUploadedFile("members.csv", b"name\n" + b"A" * 10_000, "text/csv")
    response = client.post("/en/accounts/login/", {"file": sheet})
    assert response.status_code == 413


def test_form_fields_past_djangos_limit_in_an_upload_are_a_413_too(
    client: Any, small_bodies: None, settings: Any
) -> None:
    from grappe.core.models import Role
    from grappe.core.tests import factories as f

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    client = Client(enforce_csrf_checks=True)  # CsrfViewMiddleware reads the form first
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    sheet = SimpleUploadedFile("anr.csv", b"a;b\n", "text/csv")
    # Within the upload view's limit, but 10 kB of plain form fields: Django refuses to read them.
    response = client.post(
        "/en/imports/upload/", {"source": "anr", "note": "x" * 10_000, "file": sheet}
    )
    assert response.status_code == 413
    assert "larger than the limit of 2.0\xa0KB" in response.content.decode()
