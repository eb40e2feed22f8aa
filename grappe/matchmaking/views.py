"""Pages of the matchmaking app: the partner search (`partners/`). The organisation and project
pages' sections are in `pages.py`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.lists import html_filterset
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.matchmaking import selectors
from grappe.matchmaking.filters import PartnerFilterSet
from grappe.matchmaking.forms import InviteForm
from grappe.matchmaking.services import partner_index_refresh_if_stale
from grappe.projects.models import Project
from grappe.projects.selectors import project_get, project_is_insider
from grappe.projects.services import partner_add
from grappe.projects.views import project_detail
from grappe.registry.models import Organisation

PAGE_SIZE = 20


@rate_limited("search", when=has_query)
def partner_search(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    partner_index_refresh_if_stale()
    filterset = html_filterset(PartnerFilterSet, request, Organisation.objects.all())
    data = filterset.values
    text = str(data.get("q") or "")
    asked = bool(request.GET)
    suggestions = None
    if asked:
        suggestions = selectors.partner_search(
            scope=scope,
            text=text,
            organisations=filterset.qs if filterset.narrows() else None,
            limit=PAGE_SIZE,
        )
    return render(
        request,
        "matchmaking/partner_search.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "asked": asked,
            "text": text,
            "suggestions": suggestions,
            "index_missing": asked and suggestions is None,
        },
    )


@login_required
@require_POST
def project_partner_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a suggested organisation to the consortium (the project service decides who may:
    staff and those acting for the coordinator); outsiders get a 404."""
    scope = scope_for(request.user)
    try:
        project = project_get(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    if not project_is_insider(scope=scope, project=project):
        raise Http404(_("No project with this address, or you may not see it."))
    form = InviteForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return project_detail(request, pk, refused=errors, status=422)
    organisation = Organisation.objects.filter(pk=form.cleaned_data["organisation"]).first()
    if organisation is None:
        return project_detail(
            request, pk, refused=_("Organisation: no organisation with this id."), status=422
        )
    try:
        partner_add(
            actor=request.user,
            project=project,
            organisation_id=organisation.pk,
            reason=_("Added from the partner suggestions"),
        )
    except PermissionDenied as exc:
        return project_detail(request, pk, refused=str(exc), status=403)
    except ValidationError as exc:
        return project_detail(request, pk, refused="; ".join(exc.messages), status=422)
    messages.success(request, _("%(name)s joined the consortium.") % {"name": organisation.name})
    return redirect("project_detail", pk=pk)
