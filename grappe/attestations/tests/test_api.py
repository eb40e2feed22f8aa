"""The attestation API: one attestation with its status, and verification of any JWS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from grappe.attestations import services
from grappe.attestations.domain import signing
from grappe.attestations.models import Attestation
from grappe.core.tests.factories import AccreditationFactory, ParticipationFactory, ProjectFactory
from grappe.projects.models import ParticipantRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def attestation() -> Attestation:
    project = ProjectFactory(acronym="API-1")
    ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    accreditation = AccreditationFactory(project=project, accredited_on=dt.date(2026, 1, 1))
    return services.attestation_issue(accreditation=accreditation, actor=None)


def test_get_an_attestation(client: Client, attestation: Attestation) -> None:
    response = client.get(f"/api/v1/attestations/{attestation.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert body["jws"] == attestation.jws
    assert body["record"]["project"]["acronym"] == "API-1"
    assert body["kid"] == attestation.kid
    assert body["letter_urls"]["fr"].endswith("letter.pdf?lang=fr")


def test_get_a_revoked_attestation(client: Client, attestation: Attestation) -> None:
    services.attestation_revoke(attestation=attestation, reason="Withdrawn", actor=None)
    body = client.get(f"/api/v1/attestations/{attestation.pk}").json()
    assert body["status"] == "revoked"
    assert body["revoked_reason"] == "Withdrawn"
    assert body["revoked_at"]


@pytest.mark.parametrize("key", ["00000000-0000-0000-0000-000000000000", "nope", "1" * 500])
def test_unknown_ids_are_404(client: Client, key: str) -> None:
    response = client.get(f"/api/v1/attestations/{key}")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_verify_a_valid_and_a_tampered_one(client: Client, attestation: Attestation) -> None:
    ok = client.post(
        "/api/v1/attestations/verify", {"jws": attestation.jws}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "valid"
    assert ok.json()["attestation_id"] == str(attestation.pk)
    header, _payload, signature = attestation.jws.split(".")
    record = dict(attestation.record, valid_until="2099-01-01")
    forged = f"{header}.{signing.b64url(signing.canonical(record))}.{signature}"
    bad = client.post(
        "/api/v1/attestations/verify", {"jws": forged}, content_type="application/json"
    )
    assert bad.status_code == 200
    assert bad.json()["status"] == "altered"
    assert bad.json()["record"] is None


def test_verify_an_unknown_key(client: Client, attestation: Attestation) -> None:
    token = signing.sign(attestation.record, signing.SigningKeyPair.generate())
    body = client.post(
        "/api/v1/attestations/verify", {"jws": token}, content_type="application/json"
    ).json()
    assert body["status"] == "unknown_key"


@pytest.mark.parametrize(
    ("payload", "status"),
    [({}, 422), ({"jws": 5}, 422), ({"jws": "x" * 20_001}, 422), ({"jws": "\x00"}, 422)],
)
def test_verify_bad_bodies_name_the_field(
    client: Client, payload: dict[str, Any], status: int
) -> None:
    response = client.post("/api/v1/attestations/verify", payload, content_type="application/json")
    assert response.status_code in (status, 413)
    assert response.status_code != 500


def test_verify_garbage_says_altered(client: Client) -> None:
    body = client.post(
        "/api/v1/attestations/verify", {"jws": "not.a.jws"}, content_type="application/json"
    ).json()
    assert body["status"] == "altered"
