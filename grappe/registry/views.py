"""Public registry pages (thin: parse → selector → template)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.domain.roles import Action, Target
from grappe.core.lists import html_page, list_response
from grappe.core.pages import page_sections
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.registry import selectors, services
from grappe.registry.filters import ORGANISATION_EXPORT, OrganisationFilterSet
from grappe.registry.forms import SearchForm
from grappe.registry.models import (
    Cluster,
    ClusterKind,
    Organisation,
    OrganisationKind,
)

SEARCH_PREVIEW = 10


def _kind_groups(organisations: Iterable[Organisation]) -> list[tuple[str, list[Organisation]]]:
    """Group organisations by type, in the order the types are declared."""
    groups: OrderedDict[str, list[Organisation]] = OrderedDict(
        (value, []) for value in OrganisationKind.values
    )
    for organisation in organisations:
        groups.setdefault(organisation.kind, []).append(organisation)
    labels = dict(OrganisationKind.choices)
    return [(str(labels.get(kind, kind)), orgs) for kind, orgs in groups.items() if orgs]


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    clusters = list(selectors.cluster_list(scope=scope))
    groups = [
        (
            kind,
            ClusterKind(kind).label,
            [c for c in clusters if c.kind == kind],
        )
        for kind in (ClusterKind.COMPETITIVENESS_CLUSTER, ClusterKind.NETWORK)
    ]
    return render(
        request,
        "registry/home.html",
        {
            "groups": groups,
            "competitiveness_count": len(groups[0][2]),
            # programme, programme_funder: `funding/pages.py`
            **page_sections("registry.home", request, scope),
        },
    )


def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        cluster = selectors.cluster_get(scope=scope, slug=slug)
    except Cluster.DoesNotExist as exc:
        raise Http404(_("No cluster with this address.")) from exc
    members = list(selectors.cluster_members(scope=scope, cluster=cluster))
    return render(
        request,
        "registry/cluster_detail.html",
        {
            "cluster": cluster,
            "member_groups": _kind_groups(members),
            "member_total": len(members),
            "can_manage": scope.can(
                Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[cluster.pk])
            ),
            # projects, project_total, funding: `projects/pages.py`
            **page_sections("registry.cluster_detail", request, scope, cluster=cluster),
        },
    )


@rate_limited("search", when=has_query)
def organisation_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_for(request.user)
    return list_response(
        request,
        OrganisationFilterSet,
        selectors.organisation_list(scope=scope),
        template="registry/organisation_list.html",
        filename="organisations",
        columns=ORGANISATION_EXPORT,
        prepare=selectors.organisations_with_current_clusters,
    )


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        organisation = selectors.organisation_get(scope=scope, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No organisation with this address.")) from exc
    can_see_figures = selectors.organisation_can_see_figures(scope=scope, organisation=organisation)
    context: dict[str, Any] = {
        "organisation": organisation,
        "memberships": organisation.memberships.all(),
        "can_see_figures": can_see_figures,
        "can_review": scope.can(
            Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation.pk])
        ),
        # projects, project_total: `projects/pages.py`
        **page_sections("registry.organisation_detail", request, scope, organisation=organisation),
    }
    if context["can_review"]:
        context["review_counts"] = selectors.organisation_review_counts(
            scope=scope, organisation=organisation
        )
    if can_see_figures:
        context["figures"] = selectors.organisation_figures(scope=scope, organisation=organisation)
        context["ownership"] = selectors.organisation_ownership(
            scope=scope, organisation=organisation
        )
    return render(request, "registry/organisation_detail.html", context)


@rate_limited("search", when=has_query)
def search(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": ""}
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        # the first few in relevance order and a count capped at "more than" (a broad word
        # is neither ranked nor counted row by row: docs/decisions/search-bounded-reads.md)
        organisations, count = selectors.organisation_search_preview(scope=scope, q=q)
        context.update(
            query=q,
            clusters=list(selectors.cluster_search(scope=scope, q=q)),
            organisations=list(
                selectors.organisations_with_current_clusters(organisations)[:SEARCH_PREVIEW]
            ),
            organisation_count=count.value,
            organisation_count_more=count.more,
        )
        # projects, project_count, project_suggestion: `projects/pages.py`
        context.update(page_sections("registry.search", request, scope, q=q))
        if not (context["clusters"] or context["organisation_count"] or context.get("projects")):
            context["suggestion"] = selectors.organisation_suggestion(
                scope=scope, q=q
            ) or context.get("project_suggestion")
    return render(request, "registry/search.html", context)


# --- membership confirmation and change proposals ---------------------------------------------


def _review_organisation(request: HttpRequest, pk: int) -> tuple[Any, Organisation]:
    scope = scope_for(request.user)
    try:
        return scope, selectors.organisation_review_get(scope=scope, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No organisation with this address.")) from exc


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Organisations with memberships to confirm or changes to decide, for their members and
    administrators."""
    scope = scope_for(request.user)
    organisations = selectors.organisations_to_review(scope=scope)
    return render(
        request,
        "registry/review_list.html",
        {"page": html_page(organisations, request), "total": organisations.count()},
    )


@login_required
def organisation_review(request: HttpRequest, pk: int) -> HttpResponse:
    scope, organisation = _review_organisation(request, pk)
    return render(
        request,
        "registry/organisation_review.html",
        {
            "organisation": organisation,
            "memberships": selectors.organisation_pending_memberships(
                scope=scope, organisation=organisation
            ),
            "proposals": selectors.organisation_change_proposals(
                scope=scope, organisation=organisation
            ),
            "decided": selectors.organisation_change_proposals(
                scope=scope, organisation=organisation, pending=False
            )[:20],
        },
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
@require_POST
def membership_confirm(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    scope, organisation = _review_organisation(request, pk)
    membership = (
        selectors.organisation_pending_memberships(scope=scope, organisation=organisation)
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None:
        messages.error(request, _("This membership is not waiting for a confirmation."))
    else:
        try:
            services.membership_confirm(actor=request.user, membership=membership)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("The membership of %(cluster)s is confirmed.") % {"cluster": membership.cluster},
            )
    return redirect("organisation_review", pk=organisation.pk)


@login_required
@require_POST
def change_proposal_decide(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    scope, organisation = _review_organisation(request, pk)
    proposal = (
        selectors.organisation_change_proposals(scope=scope, organisation=organisation)
        .filter(pk=proposal_pk)
        .first()
    )
    action = request.POST.get("action", "")
    if proposal is None:
        messages.error(request, _("This proposal is not waiting for a decision."))
    elif action not in {"accept", "reject"}:
        messages.error(request, _("Choose to accept or to reject the proposal."))
    else:
        try:
            if action == "accept":
                services.change_proposal_accept(actor=request.user, proposal=proposal)
                messages.success(
                    request,
                    _("Accepted: %(field)s is now %(value)s.")
                    % {"field": proposal.get_field_display(), "value": proposal.proposed_label},
                )
            else:
                services.change_proposal_reject(actor=request.user, proposal=proposal)
                messages.success(
                    request,
                    _("Rejected: the value proposed for %(field)s.")
                    % {"field": proposal.get_field_display()},
                )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return redirect("organisation_review", pk=organisation.pk)
