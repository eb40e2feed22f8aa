"""The list of grant agreements, declared once (grappe.core.lists): the officers' page
`grants/manage/`, its CSV/XLSX export and `GET /api/v1/grants` share this FilterSet. It always
runs on a scoped queryset (`selectors.agreements_managed` / `agreements_visible`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import IntegerFilter, ListFilterSet, SortFilter
from grappe.funding.models import Call, Funder
from grappe.grants.domain import workflow as wf
from grappe.grants.models import GrantAgreement
from grappe.projects.models import FundingLine
from grappe.registry.filters import MAX_QUERY_LENGTH

CENT = Decimal("0.01")
STATUS_CHOICES = [(s.id, _(s.staff_label)) for s in wf.AGREEMENT.states.values()]


def _funders(request: Any) -> QuerySet[Funder]:
    return Funder.objects.only("id", "slug", "name_en", "name_fr")


def _calls(request: Any) -> QuerySet[Call]:
    return Call.objects.only("id", "slug", "title_en", "title_fr")


def _words_in_partner_project_or(reference: str) -> Any:
    """A filter method: every word in the partner's name, the project's acronym or title, or
    the row's `reference` field (the agreement's reference, the funding line's decision)."""

    def method(qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        q = Q()
        for word in (value or "").split():
            q &= (
                Q(participation__organisation__name__icontains=word)
                | Q(participation__project__acronym__icontains=word)
                | Q(participation__project__title__icontains=word)
                | Q(**{f"{reference}__icontains": word})
            )
        return qs.filter(q)

    return method


class GrantFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Partner, project or reference"),
        method=_words_in_partner_project_or("reference"),
        max_length=MAX_QUERY_LENGTH,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=_("Any status")
    )
    funder = django_filters.ModelChoiceFilter(
        label=_("Funder"),
        queryset=_funders,
        to_field_name="slug",
        empty_label=_("All funders"),
        error_messages={"invalid_choice": _("Unknown funder slug: %(value)s.")},
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Call"),
        queryset=_calls,
        to_field_name="slug",
        empty_label=_("All calls"),
        error_messages={"invalid_choice": _("Unknown call slug: %(value)s.")},
    )
    sort = SortFilter(
        orders={
            "-date": (_("Newest first"), ("-created_at", "-id")),
            "date": (_("Oldest first"), ("created_at", "id")),
            "-amount": (_("Largest grant first"), ("-amount", "-id")),
            "amount": (_("Smallest grant first"), ("amount", "id")),
            "-paid": (_("Most paid first"), ("-paid_total", "-id")),
            "paid": (_("Least paid first"), ("paid_total", "id")),
        },
        default="-date",
    )
    error_types = {
        ("funder", "invalid_choice"): "unknown_funder",
        ("call", "invalid_choice"): "unknown_call",
    }
    api_descriptions = {
        "q": "Words to find in the partner's name, the project's acronym or title, or the "
        "agreement's reference.",
        "status": "The agreement's state (`draft`, `offered`, `accepted`, `active`, `closed`).",
        "funder": "Slug of a funder.",
        "call": "Slug of a call.",
        "sort": "Order: drawn up (`date`), grant (`amount`), paid so far (`paid`); `-` "
        "reverses. Newest first by default.",
    }

    class Meta:
        model = GrantAgreement
        fields: list[str] = []


def with_related(qs: QuerySet[GrantAgreement]) -> QuerySet[GrantAgreement]:
    return qs.select_related(
        "funder", "call", "participation__organisation", "participation__project"
    )


def status_counts(qs: QuerySet[GrantAgreement]) -> list[dict[str, Any]]:
    """How many agreements of the filtered list are in each state (every state, 0 included)."""
    found = dict(
        qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [
        {"status": value, "label": label, "count": found.get(value, 0)}
        for value, label in STATUS_CHOICES
    ]


def _status_label(a: GrantAgreement) -> str:
    return gettext(wf.AGREEMENT.states[a.status].staff_label)


GRANT_EXPORT = (
    Column(_("Reference"), lambda a: a.reference),
    Column(_("Project"), lambda a: a.participation.project.acronym),
    Column(_("Partner"), lambda a: a.participation.organisation.name),
    Column(_("Funder"), lambda a: a.funder.name),
    Column(_("Call"), lambda a: a.call.slug if a.call else ""),
    Column(_("Status"), _status_label),
    Column(_("Grant (EUR)"), lambda a: a.amount.quantize(CENT)),
    Column(_("Paid (EUR)"), lambda a: a.paid_total.quantize(CENT)),
    Column(_("Drawn up on"), lambda a: timezone.localtime(a.created_at).date()),
)


# --- the granted lines without an agreement (the second list of `grants/manage/`) ----------

LINES_PREFIX = "lines"  # its parameters on the page: lines-q, lines-sort, lines-cursor, ...


class DraftableLineFilterSet(ListFilterSet):
    """Granted funding lines without an agreement, on a scoped queryset
    (`selectors.lines_to_draft`)."""

    q = django_filters.CharFilter(
        label=_("Partner, project or decision reference"),
        method=_words_in_partner_project_or("decision_reference"),
        max_length=MAX_QUERY_LENGTH,
    )
    funder = django_filters.ModelChoiceFilter(
        label=_("Funder"),
        queryset=_funders,
        to_field_name="slug",
        empty_label=_("All funders"),
        error_messages={"invalid_choice": _("Unknown funder slug: %(value)s.")},
    )
    year = IntegerFilter(
        label=_("Decision year"), field_name="decided_on__year", min_value=1990, max_value=2100
    )
    sort = SortFilter(
        orders={
            "-date": (_("Latest decision first"), ("-decided_on", "-id")),
            "date": (_("Earliest decision first"), ("decided_on", "id")),
            "-amount": (_("Largest grant first"), ("-granted", "-id")),
            "amount": (_("Smallest grant first"), ("granted", "id")),
        },
        default="-date",
    )

    class Meta:
        model = FundingLine
        fields: list[str] = []


def lines_related(qs: QuerySet[FundingLine]) -> QuerySet[FundingLine]:
    return qs.select_related("funder", "participation__organisation", "participation__project")


LINE_EXPORT = (
    Column(_("Project"), lambda ln: ln.participation.project.acronym),
    Column(_("Partner"), lambda ln: ln.participation.organisation.name),
    Column(_("Funder"), lambda ln: ln.funder.name),
    Column(_("Decision reference"), lambda ln: ln.decision_reference),
    Column(_("Granted (EUR)"), lambda ln: ln.granted.quantize(CENT)),
    Column(_("Decided on"), lambda ln: ln.decided_on),
)
