"""What interop adds to the organisation search documents: the aliases (every spelling a
source gave an organisation's name is searchable as one of its names)."""

from __future__ import annotations

from collections.abc import Sequence

from grappe.interop.models import OrganisationAlias
from grappe.registry.search import ORGANISATIONS


@ORGANISATIONS.contributor
def organisation_aliases(ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for start in range(0, len(ids), 5000):
        chunk = list(ids[start : start + 5000])
        rows = OrganisationAlias.objects.filter(organisation_id__in=chunk).values_list(
            "organisation_id", "name"
        )
        for pk, name in rows.iterator(chunk_size=5000):
            names.setdefault(pk, []).append(name)
    return names
