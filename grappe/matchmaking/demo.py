"""Demo hook: the demo loader calls `load()` after loading the demo ecosystem, so that its
partner search, similar organisations and consortium completion have an index at once."""

from __future__ import annotations

from grappe.matchmaking.models import PartnerIndex
from grappe.matchmaking.services import partner_index_rebuild


def load() -> PartnerIndex:
    return partner_index_rebuild(actor=None)
