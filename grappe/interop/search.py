"""What interop adds to the organisation search documents: the aliases (every spelling a
source gave an organisation's name is searchable as one of its names)."""

from __future__ import annotations

from collections.abc import Sequence

from grappe.core.fastsql import select_by_ids
from grappe.interop.models import OrganisationAlias
from grappe.registry.search import ORGANISATIONS


@ORGANISATIONS.contributor
def organisation_aliases(ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    table = OrganisationAlias._meta.db_table
    for pk, name in select_by_ids(table, ["organisation_id", "name"], ids, key="organisation_id"):
        names.setdefault(pk, []).append(name)
    return names
