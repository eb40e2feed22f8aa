"""The funding section of the registry's home page, registered on `core/pages.py` when the app
loads: the home page's programme figures are computed from the funder's granted funding lines,
never written in a template or a translation string."""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.funding import selectors
from grappe.funding.models import Funder

MILLION = Decimal(1_000_000)


def millions(amount: Decimal) -> Decimal:
    """An amount in millions of euros, rounded down to one decimal (30.46 M€ → 30.4)."""
    return (amount / MILLION).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def amount_phrase(amount: Decimal) -> str:
    """An amount said as "more than 30 million euros" (rounded down to the million, "more than"
    when the amount is above it); below a million, the amount in euros."""
    whole = math.floor(amount / MILLION)
    if whole < 1:
        return gettext("%(amount)s euros") % {
            "amount": number_format(amount, 0, force_grouping=True)
        }
    if amount > whole * MILLION:
        text = ngettext(
            "more than %(count)s million euros", "more than %(count)s million euros", whole
        )
    else:
        text = ngettext("%(count)s million euros", "%(count)s million euros", whole)
    return text % {"count": number_format(whole, 0, force_grouping=True)}


def programme_summary(figures: selectors.FunderFigures, funder: Funder) -> dict[str, Any]:
    """The sentence parts and the figures of a funder's programme, in the active language."""
    projects = ngettext(
        "%(count)s collaborative project", "%(count)s collaborative projects", figures.projects
    ) % {"count": figures.projects}
    start_ups = ngettext(
        "%(count)s Parisian start-up", "%(count)s Parisian start-ups", figures.paris_start_ups
    ) % {"count": figures.paris_start_ups}
    return {
        "funder": funder,
        "figures": figures,
        "millions": millions(figures.granted),
        "sentence": gettext(
            "%(funder)s: since %(year)s, %(amount)s granted to %(projects)s accredited by the "
            "clusters, which bring together large groups, research laboratories and SMEs, with "
            "special support for the %(start_ups)s in these consortia."
        )
        % {
            "year": figures.first_year,
            "funder": funder.name,
            "amount": amount_phrase(figures.granted),
            "projects": projects,
            "start_ups": start_ups,
        },
    }


@page_section("registry.home")
def home_programme(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    """The home page's programme figures: `programme` (None when the funder is unknown or has
    no granted line yet: the page says so)."""
    funder = Funder.objects.filter(slug=settings.HOME_PROGRAMME_FUNDER).first()
    if funder is None:
        return {"programme": None, "programme_funder": None}
    figures = selectors.funder_figures(scope=scope, funder_id=funder.pk, breakdowns=False)
    if not figures.lines:
        return {"programme": None, "programme_funder": funder}
    return {"programme": programme_summary(figures, funder), "programme_funder": funder}
