"""The aid simulation page of a project (staff and the project's insiders only), and the page
of each funder (its programme's public figures and funded projects).

Thin: selectors load the project and the open calls, the "what if" form changes the input
(GET parameters, nothing is written), `simulation` runs the engine and renders the result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from grappe.core.domain.roles import Action, Target
from grappe.core.forms import CleanTextMixin
from grappe.core.lists import html_export, html_filterset, html_list
from grappe.core.pages import page_sections
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.funding import selectors
from grappe.funding.domain.common import PartnerKind, ResearchCategory
from grappe.funding.domain.rulesets import RuleSetError
from grappe.funding.explain import (
    SIZE_LABELS,
    STATUS_LABELS,
    cost_label,
    format_number,
    research_label,
    ruleset_error_message,
)
from grappe.funding.filters import FUNDER_PROJECT_EXPORT, FunderProjectFilterSet
from grappe.funding.models import Funder
from grappe.funding.pages import millions
from grappe.funding.selectors import (
    AidInput,
    call_ruleset,
    project_aid_input,
    project_for_simulation,
)
from grappe.funding.services import proposal_target_set
from grappe.funding.simulation import (
    SimulationInputError,
    apply_what_if,
    check_project_size,
    run_simulation,
    simulation_to_dict,
)
from grappe.projects.models import Project
from grappe.projects.models import ResearchCategory as ResearchChoices
from grappe.projects.selectors import project_get, projects_with_listing_details
from grappe.registry.domain.sme import SizeClass


class WhatIfForm(CleanTextMixin, forms.Form):
    """One size per company and one amount and research category per budget line; blank = as is.

    The page renders each field beside the figure it changes (see `_decorate`).
    """

    def __init__(self, data: Any, *, aid_input: AidInput) -> None:
        super().__init__(data)
        size_choices = [("", _("as assessed"))] + [(s.value, SIZE_LABELS[s]) for s in SizeClass]
        research_choices = [("", _("unchanged")), *ResearchChoices.choices]
        for p in aid_input.project.partners:
            if p.kind is PartnerKind.COMPANY:
                self.fields[f"size_{p.id}"] = forms.ChoiceField(
                    label=_("Size of %(name)s") % {"name": aid_input.names.get(p.id, p.id)},
                    choices=size_choices,
                    required=False,
                )
            for c in p.costs:
                amount, research = f"amount_{c.id}", f"research_{c.id}"
                # A text input keeps a wrong value on screen next to its error (a number input
                # would blank it), and `localize` accepts "1 234,50" on French pages.
                self.fields[amount] = forms.DecimalField(
                    label=_("Amount"),
                    required=False,
                    min_value=Decimal(0),
                    max_digits=14,
                    decimal_places=2,
                    localize=True,
                    widget=forms.TextInput(
                        attrs={
                            "placeholder": format_number(c.amount, 2),
                            "inputmode": "decimal",
                            "autocomplete": "off",
                        }
                    ),
                )
                self.fields[research] = forms.ChoiceField(
                    label=_("Research category"), choices=research_choices, required=False
                )

    def overrides(self) -> dict[str, Any]:
        """The valid changes (an invalid field is reported and ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sizes: dict[str, SizeClass] = {}
        amounts: dict[str, Decimal] = {}
        research: dict[str, ResearchCategory] = {}
        for name, value in data.items():
            if value in (None, ""):
                continue
            kind, _sep, key = name.partition("_")
            if kind == "size":
                sizes[key] = SizeClass(value)
            elif kind == "amount":
                amounts[key] = value
            elif kind == "research":
                research[key] = ResearchCategory(value)
        return {"sizes": sizes, "amounts": amounts, "research": research}


def _decorate(data: dict[str, Any], form: WhatIfForm | None = None) -> dict[str, Any]:
    """Labels for the template (the API keeps codes), and each "what if" field beside its figure."""
    fields = form.fields if form is not None else {}
    for p in data["partners"]:
        p["size_label"] = SIZE_LABELS.get(SizeClass(p["size"]), p["size"])
        if form is not None and f"size_{p['id']}" in fields:
            p["size_field"] = form[f"size_{p['id']}"]
        for line in p["lines"]:
            if form is not None and f"amount_{line['id']}" in fields:
                line["amount_field"] = form[f"amount_{line['id']}"]
                line["research_field"] = form[f"research_{line['id']}"]
            line["category_label"] = cost_label(line["category"])
            line["research_label"] = research_label(line["research"])
            line["intensity_decimals"] = 0 if "." not in line["intensity_pct"] else 2
        for c in p["categories"]:
            c["category_label"] = cost_label(c["category"])
    for v in data["verdicts"]:
        v["status_label"] = STATUS_LABELS[v["status"]]
    return data


@rate_limited("aid_simulation")
def project_aid_simulation(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        project = project_for_simulation(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    calls, target = selectors.checked_calls(scope=scope, project=project)
    wanted = request.GET.get("call", "")
    call = next((c for c in calls if c.slug == wanted), calls[0] if calls else None)
    context: dict[str, Any] = {"project": project, "calls": calls, "call": call, "target": target}
    if call is not None and call.ruleset_id is None:  # a target call without rules yet
        context["ruleset_error"] = _(
            "The target call has no rule set yet: its consortium rules and the aid cannot be "
            "checked until its programme officer sets them."
        )
    elif call is not None:
        try:
            ruleset = call_ruleset(call)
        except RuleSetError as exc:
            context["ruleset_error"] = ruleset_error_message(exc)
            return render(request, "funding/project_aid.html", context)
        aid_input = project_aid_input(scope=scope, project=project, funder_id=call.funder_id)
        try:
            check_project_size(aid_input.project)
        except SimulationInputError as exc:
            context["limit_error"] = exc.message
            return render(request, "funding/project_aid.html", context)
        form = WhatIfForm(request.GET, aid_input=aid_input)
        changes = form.overrides()
        changed = any(changes.values())
        if changed:
            baseline = run_simulation(aid_input, ruleset)
            aid_input = apply_what_if(aid_input, **changes)
            context["baseline_total"] = baseline.total_max_aid
        result = run_simulation(aid_input, ruleset)
        context.update(
            form=form,
            what_if=changed,
            sim=_decorate(simulation_to_dict(result, aid_input, ruleset, call), form),
        )
    return render(request, "funding/project_aid.html", context)


@login_required
@require_POST
def proposal_target_call(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator (or staff) chooses the call a draft targets (`call`: a slug, blank for
    none); back to the project page with what was done or why not."""
    try:
        project = project_get(scope=scope_for(request.user), pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    back = reverse("project_detail", kwargs={"pk": pk}) + "#target-call"
    form = TargetCallForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(
            request, _("The target call was not changed: %(errors)s") % {"errors": errors}
        )
        return redirect(back)
    try:
        target = proposal_target_set(
            actor=request.user, project=project, call_slug=form.cleaned_data["call"]
        )
    except ValidationError as exc:
        errors = "; ".join(str(m) for m in exc.messages)
        messages.error(
            request, _("The target call was not changed: %(errors)s") % {"errors": errors}
        )
        return redirect(back)
    if target is None:
        messages.success(request, _("The proposal has no target call now."))
    else:
        messages.success(
            request,
            _("The live checks now use the call “%(call)s”.") % {"call": target.call.title},
        )
    return redirect(back)


class TargetCallForm(CleanTextMixin, forms.Form):
    call = forms.CharField(label=gettext_lazy("Target call"), required=False, max_length=80)


# --- the funder page ---------------------------------------------------------------------------

CHART_HEIGHT = 160  # the bars' drawing height in the SVG's user units
CHART_BAR = 24


def year_chart(rows: tuple[selectors.FigureRow, ...]) -> dict[str, Any]:
    """Bar geometry for the inline SVG chart of amounts granted by year (no script)."""
    top = max((r.granted for r in rows), default=Decimal(0))
    bars = []
    for i, r in enumerate(rows):
        height = int(CHART_HEIGHT * r.granted / top) if top else 0
        bars.append(
            {
                "row": r,
                "x": i * (CHART_BAR + 6),
                "y": CHART_HEIGHT - height,
                "height": height,
                "label_y": CHART_HEIGHT + 14,
            }
        )
    return {
        "bars": bars,
        "width": max(len(rows) * (CHART_BAR + 6), CHART_BAR),
        "height": CHART_HEIGHT + 20,
        "bar": CHART_BAR,
    }


@rate_limited("search", when=has_query)
def funder_detail(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """A funder's programme: totals by year (chart and table), by cluster, by organisation kind
    and size, the start-ups' share, and the list of funded projects (filters, sort, export)."""
    scope = scope_for(request.user)
    try:
        funder = selectors.funder_get(scope=scope, slug=slug)
    except Funder.DoesNotExist as exc:
        raise Http404(_("No funder with this address.")) from exc
    filterset = html_filterset(
        FunderProjectFilterSet,
        request,
        selectors.funder_projects(scope=scope, funder_id=funder.pk),
    )
    export = html_export(
        filterset,
        request,
        filename=f"{funder.slug}-projects",
        columns=FUNDER_PROJECT_EXPORT,
        prepare=projects_with_listing_details,
    )
    if export is not None:
        return export
    figures = selectors.funder_figures(scope=scope, funder_id=funder.pk)
    listing = html_list(filterset, request, prepare=projects_with_listing_details)
    return render(
        request,
        "funding/funder_detail.html",
        {
            "funder": funder,
            "figures": figures,
            "millions": millions(figures.granted),
            "chart": year_chart(figures.by_year),
            "form": listing.form,
            "listing": listing,
            "can_import": scope.can(Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[funder.pk])),
            **page_sections("funding.funder_detail", request, scope, funder=funder),
        },
    )
