"""The expert pool list, declared once (grappe.core.lists): its page, CSV/XLSX export and API
share this FilterSet."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import ListFilterSet, SortFilter
from grappe.evaluation.models import Expert
from grappe.registry.filters import MAX_QUERY_LENGTH


def _text(qs: QuerySet[Expert], name: str, value: Any) -> QuerySet[Expert]:
    q = Q()
    for word in (value or "").split():
        q &= (
            Q(name__icontains=word)
            | Q(keywords__icontains=word)
            | Q(expertise__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    return qs.filter(q)


def _language(qs: QuerySet[Expert], name: str, value: Any) -> QuerySet[Expert]:
    code = (value or "").strip().lower()
    if not code:
        return qs
    return qs.filter(
        Q(languages=code)
        | Q(languages__startswith=f"{code},")
        | Q(languages__endswith=f",{code}")
        | Q(languages__contains=f",{code},")
    )


ACTIVE_CHOICES = [("yes", _("Active in the pool")), ("no", _("Inactive"))]


def _active(qs: QuerySet[Expert], name: str, value: Any) -> QuerySet[Expert]:
    if value == "yes":
        return qs.filter(active=True)
    if value == "no":
        return qs.filter(active=False)
    return qs


class ExpertFilterSet(ListFilterSet):
    """A funder's expert pool: the page `funders/<slug>/experts/` and
    `GET /api/v1/funders/{slug}/experts`."""

    q = django_filters.CharFilter(
        label=_("Name, expertise or organisation"), method=_text, max_length=MAX_QUERY_LENGTH
    )
    language = django_filters.CharFilter(label=_("Language"), method=_language, max_length=2)
    active = django_filters.ChoiceFilter(
        label=_("Status"), choices=ACTIVE_CHOICES, empty_label=_("All experts"), method=_active
    )
    sort = SortFilter(
        orders={
            "name": (_("Name"), ("name", "id")),
            "-name": (_("Name, Z to A"), ("-name", "-id")),
            "load": (_("Maximum load, largest first"), ("-max_load", "name", "id")),
        },
        default="name",
    )
    api_descriptions = {
        "q": "Words to find in the name, expertise keywords and text, or organisation name.",
        "language": "A two-letter language code the expert works in.",
        "active": "`yes` or `no`; every expert when absent.",
        "sort": "Order: name (`name`, the default), maximum load (`load`); `-name` reverses.",
    }

    class Meta:
        model = Expert
        fields: list[str] = []


EXPERT_EXPORT = (
    Column(_("Name"), lambda e: e.name),
    Column(_("Organisation"), lambda e: e.organisation.name if e.organisation else ""),
    Column(_("Expertise keywords"), lambda e: e.keywords),
    Column(_("Languages"), lambda e: e.languages),
    Column(_("Maximum load"), lambda e: e.max_load),
    Column(_("Assignments"), lambda e: getattr(e, "assignment_count", None)),
    Column(_("Active in the pool"), lambda e: e.active),
)
