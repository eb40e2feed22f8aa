"""The funding lists, each declared once (grappe.core.lists): a funder's funded projects and the
calls; each list's page, its CSV/XLSX export and the API share its FilterSet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import ListFilterSet, SortFilter, flag_filter
from grappe.funding.domain.applications import CURRENT as APPLICATION_WORKFLOW
from grappe.funding.models import PARIS, Application, Call, CallStatus, Funder
from grappe.projects.filters import (
    PROJECT_EXPORT,
    PROJECT_ORDERS,
    project_text_filter,
    start_year_filter,
)
from grappe.projects.models import Project
from grappe.projects.selectors import project_accredited_by_q
from grappe.registry.filters import MAX_QUERY_LENGTH, cluster_filter

CENT = Decimal("0.01")


class FunderProjectFilterSet(ListFilterSet):
    q = project_text_filter()
    cluster = cluster_filter(_("Accredited by"), project_accredited_by_q)
    year = start_year_filter()
    sort = SortFilter(orders=PROJECT_ORDERS, default="-date")
    error_types = {("cluster", "invalid_choice"): "unknown_cluster"}
    api_descriptions = {
        "q": "Search in acronym, title and keywords.",
        "cluster": "Slug of an accrediting cluster.",
        "year": "Start year.",
        "sort": "Order: start date (`date`, undated last), acronym (`name`); `-` reverses.",
    }

    class Meta:
        model = Project
        fields: list[str] = []


# The project list's public columns, and what this funder granted each project.
FUNDER_PROJECT_EXPORT = (
    *PROJECT_EXPORT,
    Column(
        _("Granted by this funder (EUR)"),
        lambda p: None if p.funder_granted is None else p.funder_granted.quantize(CENT),
    ),
)


# --- calls ---------------------------------------------------------------------------------------


def _funders(request: Any) -> QuerySet[Funder]:
    return Funder.objects.only("id", "slug", "name_en", "name_fr")


def _call_status(qs: QuerySet[Call], name: str, value: Any) -> QuerySet[Call]:
    """Judged on the server's date in Europe/Paris; no value means open or upcoming."""
    day = timezone.localdate()
    if value == CallStatus.OPEN:
        return qs.filter(opens_on__lte=day, closes_on__gte=day)
    if value == CallStatus.UPCOMING:
        return qs.filter(opens_on__gt=day)
    if value == CallStatus.CLOSED:
        return qs.filter(closes_on__lt=day)
    if value == CALL_STATUS_ALL:
        return qs
    return qs.filter(closes_on__gte=day)


def _call_text(qs: QuerySet[Call], name: str, value: Any) -> QuerySet[Call]:
    text = (value or "").strip()
    if not text:
        return qs
    q = Q()
    for word in text.split():
        q &= (
            Q(title_en__icontains=word)
            | Q(title_fr__icontains=word)
            | Q(slug__icontains=word)
            | Q(funder__name_en__icontains=word)
            | Q(funder__name_fr__icontains=word)
        )
    return qs.filter(q)


CALL_STATUS_ALL = "all"
CALL_STATUS_CHOICES = [
    (CallStatus.OPEN.value, _("Open")),
    (CallStatus.UPCOMING.value, _("Upcoming")),
    (CallStatus.CLOSED.value, _("Closed")),
    (CALL_STATUS_ALL, _("All calls")),
]


class CallFilterSet(ListFilterSet):
    """The calls: the public page `calls/`, the officers' `calls/manage/`, their CSV/XLSX export
    and `GET /api/v1/calls` share it. Without a status, open and upcoming calls are listed."""

    q = django_filters.CharFilter(
        label=_("Title, funder or code"), method=_call_text, max_length=MAX_QUERY_LENGTH
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=CALL_STATUS_CHOICES,
        empty_label=_("Open and upcoming"),
        method=_call_status,
    )
    funder = django_filters.ModelChoiceFilter(
        label=_("Funder"),
        queryset=_funders,
        to_field_name="slug",
        empty_label=_("All funders"),
        error_messages={"invalid_choice": _("Unknown funder slug: %(value)s.")},
    )
    sort = SortFilter(
        orders={
            "closes": (_("Closing soonest first"), ("closes_on", "slug", "id")),
            "-closes": (_("Closing latest first"), ("-closes_on", "-slug", "-id")),
            "opens": (_("Opening soonest first"), ("opens_on", "slug", "id")),
            "-opens": (_("Opened most recently first"), ("-opens_on", "-slug", "-id")),
        },
        default="closes",
    )
    error_types = {("funder", "invalid_choice"): "unknown_funder"}
    api_descriptions = {
        "q": "Words to find in the title (English or French), the slug or the funder's name.",
        "status": "`open`, `upcoming`, `closed` or `all` on the server's date (Europe/Paris); "
        "open and upcoming calls when absent.",
        "funder": "Slug of a funder.",
        "sort": "Order: closing date (`closes`, the default), opening date (`opens`); "
        "`-` reverses.",
    }

    class Meta:
        model = Call
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # No status given: open and upcoming (the filter's method only runs on a value).
        if not self.form.cleaned_data.get("status"):
            queryset = _call_status(queryset, "status", None)
        return super().filter_queryset(queryset)


CALL_EXPORT = (
    Column(_("Slug"), lambda c: c.slug),
    Column(_("Title"), lambda c: c.title),
    Column(_("Funder"), lambda c: c.funder.name),
    Column(_("Status"), lambda c: c.status.label),
    Column(_("Opens on"), lambda c: c.opens_on),
    Column(_("Closes on"), lambda c: c.closes_on),
    Column(
        _("Envelope (EUR)"), lambda c: None if c.envelope is None else c.envelope.quantize(CENT)
    ),
    Column(_("Rule set version"), lambda c: c.ruleset.version if c.ruleset else None),
)


# --- applications to a call (the screening officer's list) ---------------------------------------

APPLICATION_STATUS_CHOICES = [
    (s.id, _(s.staff_label)) for s in APPLICATION_WORKFLOW.states.values() if s.id != "draft"
]


def _application_text(qs: QuerySet[Application], name: str, value: Any) -> QuerySet[Application]:
    text = (value or "").strip()
    if not text:
        return qs
    q = Q()
    for word in text.split():
        q &= Q(project__acronym__icontains=word) | Q(project__title__icontains=word)
    return qs.filter(q)


class ApplicationFilterSet(ListFilterSet):
    """The applications to one call, for its screening officers: the page
    `calls/<slug>/applications/`, its CSV/XLSX export and `GET /api/v1/calls/{slug}/applications`
    share it (the queryset is `selectors.call_applications`)."""

    q = django_filters.CharFilter(
        label=_("Acronym or title"), method=_application_text, max_length=MAX_QUERY_LENGTH
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=APPLICATION_STATUS_CHOICES, empty_label=_("Every status")
    )
    failing = flag_filter(
        _("Only with a failed rule not overridden"), lambda value: Q(failed_verdicts__gt=0)
    )
    sort = SortFilter(
        orders={
            "submitted": (_("Submitted first"), ("submitted_at", "id")),
            "-submitted": (_("Submitted last first"), ("-submitted_at", "-id")),
            "status": (_("By status"), ("status", "id")),
        },
        default="submitted",
    )
    api_descriptions = {
        "q": "Words to find in the project's acronym or title.",
        "status": "One state of the application workflow (drafts are never listed).",
        "failing": "`true`: only applications with a failed eligibility rule not overridden.",
        "sort": "Order: submission time (`submitted`, the default), status (`status`); "
        "`-` reverses the submission order.",
    }

    class Meta:
        model = Application
        fields: list[str] = []


APPLICATION_EXPORT = (
    Column(_("Application"), lambda a: a.pk),
    Column(_("Project"), lambda a: a.project.acronym),
    Column(_("Title"), lambda a: a.project.title),
    Column(_("Status"), lambda a: str(_(APPLICATION_WORKFLOW.states[a.status].staff_label))),
    Column(_("Submitted at (Europe/Paris)"), lambda a: paris_time(a.submitted_at)),
    Column(
        _("Aid requested (EUR)"),
        lambda a: None if a.requested_sum is None else a.requested_sum.quantize(CENT),
    ),
    Column(_("Failed rules not overridden"), lambda a: a.failed_verdicts),
    Column(_("Receipt SHA-256"), lambda a: a.receipt_sha256),
)


def paris_time(value: Any) -> str:
    if value is None:
        return ""
    return str(value.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"))
