"""Public project pages (thin: parse → selector → template)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from grappe.core.lists import list_response
from grappe.core.scopes import scope_for
from grappe.projects import selectors
from grappe.projects.domain.budget import shares
from grappe.projects.filters import PROJECT_EXPORT, ProjectFilterSet
from grappe.projects.models import (
    BudgetLine,
    CostCategory,
    FundingLine,
    Participation,
    Project,
    ResearchCategory,
)

ZERO = Decimal("0")


def _budget_table(lines: Iterable[BudgetLine], partners: list[Participation]) -> dict[str, Any]:
    """Budget per partner (rows, consortium order) and cost category (columns), with totals."""
    cells: dict[int, dict[str, Decimal]] = {}
    for line in lines:
        row = cells.setdefault(line.participation_id, {})
        row[line.cost_category] = row.get(line.cost_category, ZERO) + line.amount
    categories = [c for c in CostCategory.values if any(c in row for row in cells.values())]
    rows = [
        {
            "organisation": p.organisation,
            "cells": [cells[p.pk].get(c) for c in categories],
            "total": sum(cells[p.pk].values(), ZERO),
        }
        for p in partners
        if p.pk in cells
    ]
    column_totals = [sum((r.get(c, ZERO) for r in cells.values()), ZERO) for c in categories]
    labels = dict(CostCategory.choices)
    return {
        "categories": [labels[c] for c in categories],
        "rows": rows,
        "column_totals": column_totals,
        "total": sum(column_totals, ZERO),
    }


def _research_mix(lines: Iterable[BudgetLine]) -> list[dict[str, Any]]:
    """Share of the budget in each research category (GBER Art. 25), in the GBER order."""
    labels = dict(ResearchCategory.choices)
    mix = shares(((line.research_category, line.amount) for line in lines), ResearchCategory.values)
    return [
        {"label": labels.get(s.key, s.key), "amount": s.amount, "share": s.percent} for s in mix
    ]


def _aid_table(lines: Iterable[FundingLine], partners: list[Participation]) -> dict[str, Any]:
    """Aid per funder (totals) and per partner and funder (detail)."""
    order = {p.pk: i for i, p in enumerate(partners)}
    ordered = sorted(lines, key=lambda fl: (order.get(fl.participation_id, 0), fl.funder.name))
    per_funder: OrderedDict[str, dict[str, Decimal]] = OrderedDict()
    for fl in sorted(ordered, key=lambda fl: fl.funder.name):
        totals = per_funder.setdefault(fl.funder.name, {"requested": ZERO, "granted": ZERO})
        totals["requested"] += fl.requested
        totals["granted"] += fl.granted or ZERO
    return {
        "lines": ordered,
        "per_funder": [{"funder": name, **totals} for name, totals in per_funder.items()],
        "granted_total": sum((t["granted"] for t in per_funder.values()), ZERO),
        "requested_total": sum((t["requested"] for t in per_funder.values()), ZERO),
    }


def project_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_for(request.user)
    return list_response(
        request,
        ProjectFilterSet,
        selectors.project_list(scope=scope),
        template="projects/project_list.html",
        filename="projects",
        columns=PROJECT_EXPORT,
        prepare=selectors.projects_with_listing_details,
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        project = selectors.project_get(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    partners = list(project.participations.all())  # coordinator first (selector order)
    is_insider = selectors.project_is_insider(scope=scope, project=project)
    context: dict[str, Any] = {
        "project": project,
        "partners": partners,
        "accreditations": project.accreditations.all(),
        "is_insider": is_insider,
        "aid": _aid_table(selectors.project_funding_lines(scope=scope, project=project), partners),
    }
    if is_insider:
        lines = list(selectors.project_budget_lines(scope=scope, project=project))
        context["budget"] = _budget_table(lines, partners)
        context["research_mix"] = _research_mix(lines)
    return render(request, "projects/project_detail.html", context)
