"""Demo attestations: one signed attestation per accreditation of the demo's public projects.

Not wired into the demo loader yet; the loader (or a shell) calls, after the ecosystem is
loaded: `from grappe.attestations.demo import demo_attestations_issue; demo_attestations_issue()`.
Idempotent (an accreditation keeps its attestation). One in every `CONDITIONAL_EVERY` is issued
with a condition, and the first one is revoked, so the demo shows every status but "altered"
(which the verify page shows for any tampered copy).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from grappe.attestations import services
from grappe.attestations.models import Attestation
from grappe.projects.models import PUBLIC_STATUSES, Accreditation

CONDITIONAL_EVERY = 7
DEMO_CONDITION = "Send the cluster a progress report every six months."
DEMO_REVOCATION = "Demo: the consortium withdrew from the project."


@dataclass(frozen=True)
class DemoAttestations:
    issued: int
    revoked: int


def demo_attestations_issue(*, limit: int | None = None) -> DemoAttestations:
    """Issue the missing attestations (at most `limit`), as the system (actor None)."""
    pending = (
        Accreditation.objects.filter(project__status__in=PUBLIC_STATUSES)
        .filter(~Q(pk__in=Attestation.objects.values("accreditation_id")))
        .order_by("id")
    )
    if limit is not None:
        pending = pending[:limit]
    issued = 0
    for n, accreditation in enumerate(pending):
        conditions = [DEMO_CONDITION] if n % CONDITIONAL_EVERY == CONDITIONAL_EVERY - 1 else []
        services.attestation_issue(accreditation=accreditation, actor=None, conditions=conditions)
        issued += 1
    revoked = 0
    if not Attestation.objects.filter(revoked_at__isnull=False).exists():
        first = Attestation.objects.order_by("issued_at", "id").first()
        if first is not None:
            services.attestation_revoke(attestation=first, reason=DEMO_REVOCATION, actor=None)
            revoked = 1
    return DemoAttestations(issued=issued, revoked=revoked)
