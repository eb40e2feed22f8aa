"""Builders for the funding interface tests: a stored project and calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from grappe.core.tests import factories as f
from grappe.funding.models import Call
from grappe.funding.services import call_create
from grappe.registry.models import Ownership


@dataclass
class Consortium:
    project: Any
    cluster: Any
    coordinator: Any  # a small company (figures)
    large: Any  # a large company (figures)
    lab: Any  # a research lab
    extra: list[Any] = field(default_factory=list)


def figures(org: Any, staff: str, turnover: str, balance: str, year: int = 2025) -> None:
    f.FiguresFactory(
        organisation=org,
        year=year,
        staff_awu=Decimal(staff),
        turnover=Decimal(turnover),
        balance_sheet=Decimal(balance),
    )


def consortium(
    *, status: str = "draft", extra_companies: int = 0, parents: bool = True
) -> Consortium:
    """Small coordinator (100 k), large company (200 k), lab (100 k), all industrial research.

    `extra_companies` adds small companies of 50 k each; `parents` gives every company a 30 %
    holder with its own figures (a partner enterprise, one ownership hop away).
    """
    project = f.ProjectFactory(status=status, start_date=dt.date(2026, 1, 1))
    cluster = f.ClusterFactory()
    f.AccreditationFactory(project=project, cluster=cluster, is_lead=True)
    small = f.OrganisationFactory(kind="sme", name="Petite Co", founded_on=dt.date(2010, 1, 1))
    figures(small, "20", "3000000", "2000000")
    large = f.OrganisationFactory(
        kind="large_company",
        name="Grande SA",
        paris_arrondissement=None,
        postcode="92100",
        city="Boulogne",
    )
    figures(large, "600", "200000000", "150000000")
    lab = f.OrganisationFactory(kind="research_lab", name="Labo", siren="")
    f.BudgetLineFactory(
        participation=f.ParticipationFactory(
            project=project, organisation=small, role="coordinator"
        ),
        amount=Decimal("100000"),
    )
    f.BudgetLineFactory(
        participation=f.ParticipationFactory(project=project, organisation=large),
        amount=Decimal("200000"),
    )
    f.BudgetLineFactory(
        participation=f.ParticipationFactory(project=project, organisation=lab),
        amount=Decimal("100000"),
    )
    extra = []
    for i in range(extra_companies):
        org = f.OrganisationFactory(kind="sme", name=f"Extra {i}")
        figures(org, "5", "500000", "400000")
        f.BudgetLineFactory(
            participation=f.ParticipationFactory(project=project, organisation=org),
            amount=Decimal("50000"),
        )
        extra.append(org)
    if parents:
        for org in [small, large, *extra]:
            holder = f.OrganisationFactory(kind="sme", name=f"Holder of {org.name}")
            figures(holder, "3", "200000", "100000")
            Ownership.objects.create(
                holder=holder, held=org, capital_share=Decimal("30"), voting_share=Decimal("30")
            )
    return Consortium(project, cluster, small, large, lab, extra)


def open_call(slug: str = "paris-open", code: str = "city-of-paris", funder: Any = None) -> Call:
    today = timezone.localdate()
    return call_create(
        actor=None,
        funder=funder or f.FunderFactory(),
        slug=slug,
        title_en=f"Call {slug}",
        title_fr=f"Appel {slug}",
        opens_on=today - dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=30),
        source_code=code,
    )


def closed_call(slug: str = "fui-25", code: str = "fui-25") -> Call:
    return call_create(
        actor=None,
        funder=f.FunderFactory(),
        slug=slug,
        title_en="FUI 25",
        title_fr="FUI 25",
        opens_on=dt.date(2017, 10, 2),
        closes_on=dt.date(2018, 1, 18),
        source_code=code,
    )


def upcoming_call(
    slug: str = "paris-next", code: str = "city-of-paris", funder: Any = None
) -> Call:
    """A call that opens in ten days: its rule set may still change (it is pinned once open)."""
    today = timezone.localdate()
    return call_create(
        actor=None,
        funder=funder or f.FunderFactory(),
        slug=slug,
        title_en=f"Call {slug}",
        title_fr=f"Appel {slug}",
        opens_on=today + dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=70),
        source_code=code,
    )
