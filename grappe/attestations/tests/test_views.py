"""The attestation pages: public page (valid / revoked / expired / altered), verify page,
letter, signed file, keys, the project page's links, revoke and issue (owner / insider /
outsider)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

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
from grappe.core.tests.pdf import pdf_text
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


def _page_squares(data: bytes) -> list[int]:
    """The filled squares (the QR code's modules) drawn on each page."""
    return [
        page.get_contents().get_data().count(b" re f")  # type: ignore[union-attr]
        for page in PdfReader(io.BytesIO(data)).pages
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Attestation de label", "Consortium"]),
        ("en", ["Label attestation", "Consortium"]),
    ],
)
def test_the_letter_is_a_pdf_with_the_acronym(
    client: Client, attestation: Attestation, lang: str, words: list[str]
) -> None:
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang={lang}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "SOLARIS" in text and "Soleil & Fils" in text
    for word in words:
        assert word in text
    # The QR code is drawn as filled squares: hundreds of them.
    assert _page_squares(response.content)[0] > 100


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
    # The QR code (hundreds of filled squares) is drawn whole on the last of two pages.
    squares = _page_squares(response.content)
    assert len(squares) == 2 and squares[-1] > 100 and squares[0] == 0, squares
    text = pdf_text(response.content)
    assert "Partenaire n°44 — Société œnologique" in text  # œ and the dash as written


# Names a Latin-1 core font cannot draw: Polish, French ligatures, the euro, Greek, Cyrillic,
# Romanian and Czech letters, and a narrow no-break space (French typography).
UNICODE_NAMES = [
    "Politechnika Łódzka",
    "Œuvre d'Art Numérique",
    "Fonds € Innovation\u202fSAS",
    "Εθνικό Μετσόβιο Πολυτεχνείο",
    "Научно-исследовательский институт",
    "Universitatea Politehnica din Timișoara",
    "České vysoké učení technické",
]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_letter_writes_names_outside_latin1_as_they_are(client: Client, lang: str) -> None:
    project = ProjectFactory(
        acronym="ŁÓDŹ-Ω", title="Réseaux — Δίκτυα — Сети", status=ProjectStatus.ACCREDITED
    )
    for n, name in enumerate(UNICODE_NAMES):
        ParticipationFactory(
            project=project,
            role=ParticipantRole.COORDINATOR if n == 0 else ParticipantRole.PARTNER,
            organisation=OrganisationFactory(name=name),
        )
    attestation = services.attestation_issue(
        accreditation=AccreditationFactory(
            project=project, cluster=ClusterFactory(name="Pôle Ærø Łączność")
        ),
        actor=None,
        conditions=["Budget ≤ 2 M€ — rapport trimestriel"],
    )
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang={lang}")
    assert response.status_code == 200
    data = response.content
    # The font is embedded (a subset), not a core font named only.
    assert b"/FontFile2" in data and b"SourceSansPro" in data and b"/Helvetica" not in data
    text = pdf_text(data)
    for expected in [
        *(name.replace("\u202f", " ") for name in UNICODE_NAMES),
        "ŁÓDŹ-Ω - Réseaux — Δίκτυα — Сети",
        "Pôle Ærø Łączność",
        "Budget ≤ 2 M€ — rapport trimestriel",
    ]:
        assert expected in text.replace("\u202f", " "), (expected, text)
    assert "?" not in text.replace("?lang", "")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and "ŁÓDŹ-Ω" in str(reader.metadata.title)


def test_a_character_the_font_lacks_is_written_as_a_question_mark(client: Client) -> None:
    project = ProjectFactory(acronym="CJK", status=ProjectStatus.ACCREDITED)
    ParticipationFactory(
        project=project,
        role=ParticipantRole.COORDINATOR,
        organisation=OrganisationFactory(name="清华大学 Tsinghua"),
    )
    attestation = services.attestation_issue(
        accreditation=AccreditationFactory(project=project), actor=None
    )
    response = client.get(f"/en/attestations/{attestation.pk}/letter.pdf?lang=en")
    assert response.status_code == 200
    assert "???? Tsinghua" in pdf_text(response.content)
