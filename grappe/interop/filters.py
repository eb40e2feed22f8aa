"""The merge-review list and a funder's unmatched funding lines, each declared once
(grappe.core.lists): filters, order and export."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import ListFilterSet, SortFilter, when_set
from grappe.interop.models import ImportedFundingLine, MergeProposal, ProposalStatus

MAX_QUERY_LENGTH = 200


def _names_q(value: str) -> Q:
    return (
        Q(keep__name__icontains=value)
        | Q(duplicate__name__icontains=value)
        | Q(keep__city__icontains=value)
        | Q(duplicate__city__icontains=value)
    )


class MergeProposalFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Name or city"), method=when_set(_names_q), max_length=MAX_QUERY_LENGTH
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProposalStatus.choices, empty_label=_("All statuses")
    )
    sort = SortFilter(
        orders={
            "status": (_("Waiting first, newest first"), ("status", "-created_at", "-id")),
            "-created": (_("Newest first"), ("-created_at", "-id")),
            "created": (_("Oldest first"), ("created_at", "id")),
        },
        default="status",
    )

    class Meta:
        model = MergeProposal
        fields: list[str] = []


MERGE_PROPOSAL_EXPORT = (
    Column("id", lambda p: p.pk),
    Column("status", lambda p: p.status),
    Column("keep_id", lambda p: p.keep_id),
    Column("keep_name", lambda p: p.keep.name),
    Column("keep_city", lambda p: p.keep.city),
    Column("duplicate_id", lambda p: p.duplicate_pk),
    Column("duplicate_name", lambda p: p.duplicate.name if p.duplicate else ""),
    Column("duplicate_city", lambda p: p.duplicate.city if p.duplicate else ""),
    Column("reason", lambda p: p.reason),
    Column("decision_reason", lambda p: p.decision_reason),
)


def _line_text_q(value: str) -> Q:
    return (
        Q(acronym__icontains=value)
        | Q(title__icontains=value)
        | Q(beneficiary__icontains=value)
        | Q(siren__icontains=value)
        | Q(decision_reference__icontains=value)
    )


class UnmatchedLineFilterSet(ListFilterSet):
    """A funder's funding lines kept unmatched (no project or partner found yet)."""

    q = django_filters.CharFilter(
        label=_("Project, beneficiary, SIREN or reference"),
        method=when_set(_line_text_q),
        max_length=MAX_QUERY_LENGTH,
    )
    sort = SortFilter(
        orders={
            "-date": (_("Latest decision first"), ("-decided_on", "-id")),
            "date": (_("Earliest decision first"), ("decided_on", "id")),
            "name": (_("Acronym (A to Z)"), ("acronym", "id")),
        },
        default="-date",
    )

    class Meta:
        model = ImportedFundingLine
        fields: list[str] = []


UNMATCHED_LINE_EXPORT = (
    Column("run", lambda r: r.run_id),
    Column("line", lambda r: r.line),
    Column("decision_reference", lambda r: r.decision_reference),
    Column("decision_date", lambda r: r.decided_on),
    Column("acronym", lambda r: r.acronym),
    Column("title", lambda r: r.title),
    Column("beneficiary", lambda r: r.beneficiary),
    Column("siren", lambda r: r.siren),
    Column("amount", lambda r: r.amount),
    Column("clusters", lambda r: r.clusters),
    Column("round", lambda r: r.funding_round),
    Column("reason", lambda r: r.reason_text),
)
