"""Pages of the matchmaking app: the partner search (`partners/`). The organisation and project
pages' sections are in `pages.py`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grappe.core.lists import html_filterset
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.matchmaking import selectors
from grappe.matchmaking.filters import PartnerFilterSet
from grappe.matchmaking.services import partner_index_refresh_if_stale
from grappe.registry.models import Organisation

PAGE_SIZE = 20


@rate_limited("search", when=has_query)
def partner_search(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    partner_index_refresh_if_stale()
    filterset = html_filterset(PartnerFilterSet, request, Organisation.objects.all())
    data = filterset.form.cleaned_data if hasattr(filterset.form, "cleaned_data") else {}
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
