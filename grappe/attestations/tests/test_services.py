"""Issuing and revoking attestations, the signing keys and their rotation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError

from grappe.attestations import selectors, services
from grappe.attestations.domain.record import Status
from grappe.attestations.models import Attestation, SigningKey
from grappe.core.domain.roles import Role
from grappe.core.models import AuditEvent
from grappe.core.tests.factories import (
    AccreditationFactory,
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    UserFactory,
    user_with_role,
)
from grappe.projects.models import ParticipantRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def accreditation() -> Any:
    project = ProjectFactory(acronym="HYDRO", title="Hydrogen buses", end_date=dt.date(2030, 1, 1))
    coordinator = OrganisationFactory(name="Acme SAS", pic="999999999")
    ParticipationFactory(
        project=project, organisation=coordinator, role=ParticipantRole.COORDINATOR
    )
    ParticipationFactory(project=project, role=ParticipantRole.PARTNER)
    return AccreditationFactory(project=project, accredited_on=dt.date(2026, 2, 1))


def test_issue_signs_a_record_of_the_accreditation(accreditation: Any) -> None:
    attestation = services.attestation_issue(accreditation=accreditation, actor=None)
    record = attestation.record
    assert record["id"] == str(attestation.pk)
    assert record["project"]["acronym"] == "HYDRO"
    assert record["consortium"][0]["name"] == "Acme SAS"
    assert record["consortium"][0]["identifiers"]["pic"] == "999999999"
    assert record["consortium"][0]["role"] == "coordinator"
    assert record["clusters"][0]["slug"] == accreditation.cluster.slug
    assert record["decision"] == {"outcome": "accredited", "date": "2026-02-01", "conditions": []}
    assert record["validity"] == {"from": "2026-02-01", "until": "2030-01-01"}
    assert record["verification_url"] == f"https://grappe.test/en/attestations/{attestation.pk}/"
    assert attestation.valid_until == dt.date(2030, 1, 1)
    assert selectors.attestation_check(attestation).status is Status.VALID
    event = AuditEvent.objects.get(action="attestation.issue")
    assert event.object_id == str(attestation.pk)


def test_issue_is_idempotent(accreditation: Any) -> None:
    first = services.attestation_issue(accreditation=accreditation, actor=None)
    second = services.attestation_issue(
        accreditation=accreditation, actor=None, conditions=["ignored"]
    )
    assert second.pk == first.pk and second.jws == first.jws
    assert Attestation.objects.count() == 1
    assert AuditEvent.objects.filter(action="attestation.issue").count() == 1


def test_conditions_make_the_decision_conditional(accreditation: Any) -> None:
    attestation = services.attestation_issue(
        accreditation=accreditation, actor=None, conditions=["  Report twice a year ", " "]
    )
    assert attestation.record["decision"]["outcome"] == "accredited_with_conditions"
    assert attestation.record["decision"]["conditions"] == ["Report twice a year"]


def test_a_validity_ending_before_the_accreditation_is_refused(accreditation: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.attestation_issue(
            accreditation=accreditation, actor=None, valid_until=dt.date(2020, 1, 1)
        )
    assert "valid_until" in error.value.message_dict
    assert not Attestation.objects.exists()


def test_revoke_without_a_reason_is_refused_and_writes_nothing(accreditation: Any) -> None:
    attestation = services.attestation_issue(accreditation=accreditation, actor=None)
    with pytest.raises(ValidationError) as error:
        services.attestation_revoke(attestation=attestation, reason="   ", actor=None)
    assert "reason" in error.value.message_dict
    attestation.refresh_from_db()
    assert attestation.revoked_at is None
    assert not AuditEvent.objects.filter(action="attestation.revoke").exists()


def test_revoke_keeps_the_signature_and_says_revoked(accreditation: Any) -> None:
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=accreditation.cluster)
    attestation = services.attestation_issue(accreditation=accreditation, actor=None)
    revoked = services.attestation_revoke(
        attestation=attestation, reason="Consortium dissolved", actor=manager
    )
    assert revoked.revoked_by == manager and revoked.revoked_reason == "Consortium dissolved"
    check = selectors.attestation_check(revoked)
    assert check.status is Status.REVOKED
    assert AuditEvent.objects.get(action="attestation.revoke").reason == "Consortium dissolved"
    with pytest.raises(ValidationError, match="already revoked"):
        services.attestation_revoke(attestation=revoked, reason="again", actor=manager)


# Owner / insider / outsider: who may issue and revoke.
WHO = {
    "manager of the accrediting cluster": (
        lambda acc: user_with_role(Role.CLUSTER_MANAGER, cluster=acc.cluster),
        True,
    ),
    "administrator": (lambda acc: user_with_role(Role.ADMINISTRATOR), True),
    "manager of another cluster": (
        lambda acc: user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()),
        False,
    ),
    "member of a partner organisation": (
        lambda acc: user_with_role(
            Role.MEMBER, organisation=acc.project.participations.first().organisation
        ),
        False,
    ),
    "a user with no role": (lambda acc: UserFactory(), False),
    "anonymous": (lambda acc: AnonymousUser(), False),
}


@pytest.mark.parametrize("who", WHO)
def test_who_may_issue(accreditation: Any, who: str) -> None:
    make, allowed = WHO[who]
    actor = make(accreditation)
    if allowed:
        assert services.attestation_issue(accreditation=accreditation, actor=actor).pk
    else:
        with pytest.raises(PermissionDenied):
            services.attestation_issue(accreditation=accreditation, actor=actor)
        assert not Attestation.objects.exists()


@pytest.mark.parametrize("who", WHO)
def test_who_may_revoke(accreditation: Any, who: str) -> None:
    attestation = services.attestation_issue(accreditation=accreditation, actor=None)
    make, allowed = WHO[who]
    actor = make(accreditation)
    if allowed:
        assert services.attestation_revoke(attestation=attestation, reason="x", actor=actor)
    else:
        with pytest.raises(PermissionDenied):
            services.attestation_revoke(attestation=attestation, reason="x", actor=actor)
        attestation.refresh_from_db()
        assert attestation.revoked_at is None


def test_the_first_signature_generates_and_publishes_a_key(
    accreditation: Any, attestation_key_file: Path
) -> None:
    assert not attestation_key_file.exists()
    attestation = services.attestation_issue(accreditation=accreditation, actor=None)
    assert attestation_key_file.exists()
    assert attestation_key_file.stat().st_mode & 0o777 == 0o600
    key = SigningKey.objects.get()
    assert key.kid == attestation.kid and key.retired_at is None
    assert b"PRIVATE" not in str(key.public_jwk).encode()


def test_without_autocreate_a_missing_key_is_a_clear_error(
    accreditation: Any, settings: Any
) -> None:
    settings.ATTESTATION_SIGNING_KEY_AUTOCREATE = False
    with pytest.raises(ImproperlyConfigured, match="attestation keygen"):
        services.attestation_issue(accreditation=accreditation, actor=None)
    assert not Attestation.objects.exists()


def test_rotation_keeps_old_attestations_valid(accreditation: Any) -> None:
    old = services.attestation_issue(accreditation=accreditation, actor=None)
    new_key = services.signing_key_rotate(actor=None)
    assert new_key.kid != old.kid
    assert SigningKey.objects.get(kid=old.kid).retired_at is not None
    assert selectors.attestation_check(old).status is Status.VALID
    second = services.attestation_issue(
        accreditation=AccreditationFactory(project=accreditation.project, is_lead=False),
        actor=None,
    )
    assert second.kid == new_key.kid
    assert {k["kid"] for k in selectors.published_jwks()["keys"]} == {old.kid, new_key.kid}


def test_only_administrators_rotate_keys(accreditation: Any) -> None:
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=accreditation.cluster)
    with pytest.raises(PermissionDenied):
        services.signing_key_rotate(actor=manager)
    assert not SigningKey.objects.exists()


def test_at_most_one_key_is_current() -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    now = timezone.now()
    SigningKey.objects.create(kid="a", public_jwk={}, created_at=now)
    SigningKey.objects.create(kid="b", public_jwk={}, created_at=now, retired_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(kid="c", public_jwk={}, created_at=now)
