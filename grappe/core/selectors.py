"""Core reads: the audit chain as a whole (operators' checks, not user-scoped lists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from grappe.core.audit_guard import audit_triggers_expected, audit_triggers_present
from grappe.core.domain.audit_chain import HASHED_FIELDS, ChainReport, chain_verify
from grappe.core.models import AuditEvent


@dataclass(frozen=True)
class AuditCheck:
    chain: ChainReport
    missing_triggers: tuple[str, ...]
    head_found: bool | None  # whether an expected hash is still in the chain (None: not asked)

    @property
    def intact(self) -> bool:
        return self.chain.intact and not self.missing_triggers and self.head_found is not False


def audit_chain_check(*, expect_hash: str = "", using: str = DEFAULT_DB_ALIAS) -> AuditCheck:
    """Recompute the whole chain in id order; report breaks and missing triggers."""
    events = (
        AuditEvent.objects.using(using)
        .order_by("id")
        .values("id", "prev_hash", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=2000)
    )
    chain = chain_verify(events)
    connection = connections[using]
    present = audit_triggers_present(connection)
    missing = tuple(name for name in audit_triggers_expected(connection) if name not in present)
    head_found = None
    if expect_hash:
        head_found = AuditEvent.objects.using(using).filter(hash=expect_hash.lower()).exists()
    return AuditCheck(chain=chain, missing_triggers=missing, head_found=head_found)


def audit_head(*, using: str = DEFAULT_DB_ALIAS) -> tuple[int, str]:
    """The number of events and the hash of the last one (an anchor to keep elsewhere)."""
    count = AuditEvent.objects.using(using).count()
    last = AuditEvent.objects.using(using).order_by("-id").values_list("hash", flat=True).first()
    return count, last or ""
