"""Conflicts of interest on a labelling committee. Pure.

A committee member may not score or vote on a submission when one of their organisations — or
any organisation of its corporate group — is in the consortium. The corporate group is found
through ownership links (holder → held), followed transitively in both directions: a parent's
parent, a subsidiary's subsidiary, a sister company through their common parent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grappe.core.domain.i18n import gettext_noop
from grappe.registry.domain.ownership import Link, group_distances


@dataclass(frozen=True)
class Conflict:
    """Why a member may not score: their organisation `own` and the consortium's `partner`
    are the same organisation (`links == 0`) or in one group `links` ownership links apart."""

    own: int
    partner: int
    links: int

    @property
    def reason(self) -> str:
        """The msgid explaining it (params: `own`, `partner` names, `links`)."""
        if self.links == 0:
            return SAME_ORGANISATION
        return SAME_GROUP


SAME_ORGANISATION = gettext_noop(
    "You act for %(own)s, which is in this project's consortium: you may not score or vote."
)
SAME_GROUP = gettext_noop(
    "You act for %(own)s, in the same corporate group as %(partner)s (a consortium member, "
    "%(links)s ownership link(s) away): you may not score or vote."
)
DECLARED = gettext_noop("You declared an interest in this project: you may not score or vote.")


def conflicts(
    member_organisation_ids: Iterable[int],
    consortium_organisation_ids: Iterable[int],
    links: Iterable[Link],
) -> list[Conflict]:
    """The conflicts of one member with one consortium, closest first (empty: none)."""
    link_list = list(links)
    consortium = set(consortium_organisation_ids)
    found: list[Conflict] = []
    for own in sorted(set(member_organisation_ids)):
        group = group_distances([own], link_list)
        for partner in sorted(consortium & group.keys()):
            found.append(Conflict(own=own, partner=partner, links=group[partner]))
    return sorted(found, key=lambda c: (c.links, c.own, c.partner))
