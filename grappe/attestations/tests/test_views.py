"""The attestation pages: public page (valid / revoked / expired / altered), verify page,
letter, signed file, keys, the project page's links, revoke and issue (owner / insider /
outsider)."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grappe.attestations import services
from grappe.attestations.domain import signing
from grappe.attestations.models import Attestation
from grappe.core.domain.roles import Role
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.models import ParticipantRole, ProjectStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def accreditation() -> Any:
    project = ProjectFactory(
        acronym="SOLARIS", title="Solar roofs", status=ProjectStatus.ACCREDITED
    )
    org = OrganisationFactory(name="Soleil & Fils", siren="732829320")
    ParticipationFactory(project=project, organisation=org, role=ParticipantRole.COORDINATOR)
    return AccreditationFactory(project=project, accredited_on=dt.date(2026, 1, 15))


@pytest.fixture
def attestation(accreditation: Any) -> Attestation:
    return services.attestation_issue(
        accreditation=accreditation, actor=None, conditions=["Quarterly report"]
    )


def _status(response: Any) -> str:
    match = re.search(rb'data-status="([a-z_]+)"', response.content)
    assert match, response.content[:500]
    return match.group(1).decode()


def test_the_public_page_shows_a_valid_attestation_in_plain_words(
    client: Client, attestation: Attestation
) -> None:
    response = client.get(f"/en/attestations/{attestation.pk}/")
    assert response.status_code == 200
    assert _status(response) == "valid"
    text = response.content.decode()
    assert "SOLARIS" in text and "Soleil &amp; Fils" in text and "732829320" in text
    assert "Accredited with conditions" in text and "Quarterly report" in text
    assert "Jan. 15, 2026" in text


def test_the_public_page_in_french(client: Client, attestation: Attestation) -> None:
    response = client.get(f"/fr/attestations/{attestation.pk}/")
    text = response.content.decode()
    assert "Labellisé sous conditions" in text
    assert "15 janvier 2026" in text
    assert "Valide" in text


def test_a_revoked_attestation_says_when_and_why(client: Client, attestation: Attestation) -> None:
    services.attestation_revoke(attestation=attestation, reason="Partner left", actor=None)
    response = client.get(f"/en/attestations/{attestation.pk}/")
    assert _status(response) == "revoked"
    assert b"Partner left" in response.content


def test_an_expired_attestation(client: Client, accreditation: Any) -> None:
    attestation = services.attestation_issue(
        accreditation=accreditation, actor=None, valid_until=dt.date(2026, 1, 31)
    )
    response = client.get(f"/en/attestations/{attestation.pk}/")
    assert _status(response) == "expired"


def test_an_attestation_altered_in_the_database_is_reported(
    client: Client, attestation: Attestation
) -> None:
    record = dict(attestation.record)
    record["project"] = {**record["project"], "title": "Something else"}
    Attestation.objects.filter(pk=attestation.pk).update(record=record)
    assert _status(client.get(f"/en/attestations/{attestation.pk}/")) == "altered"


def test_an_attestation_whose_jws_was_changed_is_reported(
    client: Client, attestation: Attestation
) -> None:
    header, payload, signature = attestation.jws.split(".")
    forged = ".".join(
        [header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BA")]
    )
    Attestation.objects.filter(pk=attestation.pk).update(jws=forged)
    assert _status(client.get(f"/en/attestations/{attestation.pk}/")) == "altered"


def test_an_unknown_attestation_is_404(client: Client) -> None:
    assert client.get("/en/attestations/00000000-0000-0000-0000-000000000000/").status_code == 404


# --------------------------------------------------------------------------- verify page


def test_verify_a_pasted_attestation(client: Client, attestation: Attestation) -> None:
    wrapped = "\n".join(attestation.jws[i : i + 60] for i in range(0, len(attestation.jws), 60))
    response = client.post("/en/attestations/verify/", {"token": wrapped})
    assert response.status_code == 200
    assert _status(response) == "valid"
    assert b"SOLARIS" in response.content


def test_verify_an_uploaded_file(client: Client, attestation: Attestation) -> None:
    upload = SimpleUploadedFile("a.jws", attestation.jws.encode(), content_type="application/jose")
    response = client.post("/en/attestations/verify/", {"file": upload})
    assert _status(response) == "valid"


def test_verify_a_revoked_one(client: Client, attestation: Attestation) -> None:
    services.attestation_revoke(attestation=attestation, reason="Fraud", actor=None)
    response = client.post("/en/attestations/verify/", {"token": attestation.jws})
    assert _status(response) == "revoked"
    assert b"Fraud" in response.content


def test_verify_a_tampered_copy(client: Client, attestation: Attestation) -> None:
    header, _payload, signature = attestation.jws.split(".")
    record = dict(attestation.record, id=attestation.record["id"])
    record["project"] = {**record["project"], "acronym": "FAKE"}
    forged = f"{header}.{signing.b64url(signing.canonical(record))}.{signature}"
    response = client.post("/en/attestations/verify/", {"token": forged})
    assert _status(response) == "altered"
    assert b"FAKE" not in response.content


def test_verify_a_token_signed_by_another_key(client: Client, attestation: Attestation) -> None:
    other = signing.SigningKeyPair.generate()
    response = client.post(
        "/en/attestations/verify/", {"token": signing.sign(attestation.record, other)}
    )
    assert _status(response) == "unknown_key"


@pytest.mark.parametrize(
    "data",
    [
        {"token": "garbage"},
        {"token": "a.b.c"},
        {"token": "é" * 50},
        {"token": '{"jws": 12}'},
        {"file": SimpleUploadedFile("x.pdf", b"%PDF\xff\xfe\x00binary")},
    ],
    ids=["word", "three-parts", "accents", "json", "binary-file"],
)
def test_verify_never_fails_on_garbage(client: Client, data: dict[str, Any]) -> None:
    response = client.post("/en/attestations/verify/", data)
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert _status(response) == "altered"


def test_verify_with_nothing_names_the_field(client: Client) -> None:
    response = client.post("/en/attestations/verify/", {})
    assert response.status_code == 422
    assert b'data-testid="error-token"' in response.content


def test_verify_refuses_a_large_file(client: Client) -> None:
    upload = SimpleUploadedFile("big.jws", b"a" * (300 * 1024))
    response = client.post("/en/attestations/verify/", {"file": upload})
    assert response.status_code in (413, 422)


# --------------------------------------------------------------------------- documents


def _pdf_text(data: bytes) -> bytes:
    """The PDF's content streams, inflated: where its text is."""
    out = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            out += stream
    return out


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", [b"Attestation de label", b"Consortium"]),
        ("en", [b"Label attestation", b"Consortium"]),
    ],
)
def test_the_letter_is_a_pdf_with_the_acronym(
    client: Client, attestation: Attestation, lang: str, words: list[bytes]
) -> None:
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang={lang}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert b"SOLARIS" in text
    for word in words:
        assert word in text
    # The QR code is drawn as filled squares: hundreds of them.
    assert text.count(b" re f") > 100 or text.count(b" re\nf") > 100 or text.count(b"re f") > 100


def test_the_letter_refuses_another_language(client: Client, attestation: Attestation) -> None:
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang=de")
    assert response.status_code == 400
    assert b"lang=fr" in response.content


def test_the_signed_file_and_the_published_keys(client: Client, attestation: Attestation) -> None:
    file = client.get(f"/en/attestations/{attestation.pk}/attestation.jws")
    assert file.content.decode() == attestation.jws
    keys = client.get("/.well-known/grappe-attestation-keys.json")
    assert keys.status_code == 200
    assert keys["Access-Control-Allow-Origin"] == "*"
    published = signing.keys_from_jwks(keys.json())
    assert signing.verify(file.content.decode(), published).valid
    assert "d" not in keys.json()["keys"][0]  # never the private part


# --------------------------------------------------------------------------- project page


def test_the_project_page_links_to_the_attestation(
    client: Client, attestation: Attestation
) -> None:
    project = attestation.accreditation.project
    response = client.get(f"/en/projects/{project.pk}/")
    assert response.status_code == 200
    assert f"/en/attestations/{attestation.pk}/".encode() in response.content
    assert b'data-testid="attestation-issue"' not in response.content


def test_the_project_page_offers_the_manager_to_issue(client: Client, accreditation: Any) -> None:
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=accreditation.cluster)
    other = user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory())
    url = f"/en/projects/{accreditation.project.pk}/"
    client.force_login(other)
    assert b'data-testid="attestation-issue"' not in client.get(url).content
    client.force_login(manager)
    assert b'data-testid="attestation-issue"' in client.get(url).content


# --------------------------------------------------------------------------- revoke / issue


WHO = {
    "manager": lambda acc: user_with_role(Role.CLUSTER_MANAGER, cluster=acc.cluster),
    "other manager": lambda acc: user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()),
    "partner": lambda acc: user_with_role(
        Role.MEMBER, organisation=acc.project.participations.first().organisation
    ),
    "anonymous": None,
}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("manager", 302), ("other manager", 404), ("partner", 404), ("anonymous", 302)],
)
def test_revoke_page(client: Client, attestation: Attestation, who: str, expected: int) -> None:
    make = WHO[who]
    if make is not None:
        client.force_login(make(attestation.accreditation))
    response = client.post(f"/en/attestations/{attestation.pk}/revoke/", {"reason": "Ended"})
    assert response.status_code == expected
    attestation.refresh_from_db()
    assert (attestation.revoked_at is not None) is (who == "manager")
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_revoke_page_without_reason_names_the_field(
    client: Client, attestation: Attestation
) -> None:
    client.force_login(WHO["manager"](attestation.accreditation))  # type: ignore[misc]
    response = client.post(f"/en/attestations/{attestation.pk}/revoke/", {"reason": "  "})
    assert response.status_code == 422
    assert b'data-testid="error-reason"' in response.content
    attestation.refresh_from_db()
    assert attestation.revoked_at is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [("manager", 302), ("other manager", 404), ("partner", 404), ("anonymous", 302)],
)
def test_issue_page(client: Client, accreditation: Any, who: str, expected: int) -> None:
    make = WHO[who]
    if make is not None:
        client.force_login(make(accreditation))
    response = client.post(reverse("attestations:issue", args=[accreditation.pk]))
    assert response.status_code == expected
    assert Attestation.objects.filter(accreditation=accreditation).exists() is (who == "manager")
    if who == "manager":
        attestation = Attestation.objects.get()
        assert response["Location"] == f"/en/attestations/{attestation.pk}/"


def test_a_proposal_attestation_is_hidden_from_outsiders(client: Client) -> None:
    project = ProjectFactory(acronym="SECRET", status=ProjectStatus.DRAFT)
    part = ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    attestation = services.attestation_issue(
        accreditation=AccreditationFactory(project=project), actor=None
    )
    for url in (
        f"/en/attestations/{attestation.pk}/",
        f"/en/attestations/{attestation.pk}/letter.pdf",
        f"/en/attestations/{attestation.pk}/attestation.jws",
        f"/api/v1/attestations/{attestation.pk}",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(user_with_role(Role.MEMBER, organisation=part.organisation))
    assert client.get(f"/en/attestations/{attestation.pk}/").status_code == 200


def test_the_letter_of_a_large_consortium_keeps_its_qr_code_whole(client: Client) -> None:
    project = ProjectFactory(acronym="BIG", status=ProjectStatus.ACCREDITED)
    for n in range(45):
        ParticipationFactory(
            project=project,
            role=ParticipantRole.COORDINATOR if n == 0 else ParticipantRole.PARTNER,
            organisation=OrganisationFactory(name=f"Partenaire n°{n} — Société œnologique"),
        )
    attestation = services.attestation_issue(
        accreditation=AccreditationFactory(project=project), actor=None
    )
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang=fr")
    assert response.status_code == 200
    pages = int(re.search(rb"/Count (\d+)", response.content).group(1))  # type: ignore[union-attr]
    assert pages == 2
    # The QR code (hundreds of filled squares) is drawn whole on the last page.
    streams = [
        zlib.decompress(s)
        for s in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", response.content, re.S)
        if s[:1] == b"x"
    ]
    squares = [stream.count(b" re f") for stream in streams]
    assert squares[-1] > 100 and sum(squares[:-1]) == 0, squares
    text = _pdf_text(response.content)
    assert b"Partenaire n\\260" in text or "Partenaire n°".encode("latin-1") in text
    assert b"oenologique" in text  # œ has no Latin-1 glyph: written "oe"
