"""The demo hook: one attestation per accreditation of a public project, idempotent."""

from __future__ import annotations

import pytest

from grappe.attestations.demo import demo_attestations_issue
from grappe.attestations.models import Attestation
from grappe.core.tests.factories import AccreditationFactory, ProjectFactory
from grappe.projects.models import ProjectStatus

pytestmark = pytest.mark.django_db


def test_demo_attestations_cover_public_accreditations_once() -> None:
    public = [AccreditationFactory(project=ProjectFactory()) for _ in range(8)]
    AccreditationFactory(project=ProjectFactory(status=ProjectStatus.DRAFT))
    first = demo_attestations_issue()
    assert first.issued == 8 and first.revoked == 1
    assert set(Attestation.objects.values_list("accreditation_id", flat=True)) == {
        a.pk for a in public
    }
    conditional = Attestation.objects.filter(record__decision__outcome="accredited_with_conditions")
    assert conditional.count() == 1
    again = demo_attestations_issue()
    assert again.issued == 0 and again.revoked == 0
