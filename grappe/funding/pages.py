"""The funding section of the registry's home page, registered on `core/pages.py` when the app
loads: the home page's programme figures are computed from the funder's granted funding lines,
never written in a template or a translation string."""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from grappe.core.domain.scope import Scope
from grappe.core.domain.workflow import ObjectRole
from grappe.core.pages import page_section
from grappe.funding import selectors
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS
from grappe.funding.domain.rulesets import RuleSetError
from grappe.funding.explain import SIZE_LABELS, STATUS_LABELS, ruleset_error_message
from grappe.funding.models import Call, Funder
from grappe.funding.simulation import (
    SimulationInputError,
    check_project_size,
    run_simulation,
    simulation_to_dict,
)
from grappe.projects.domain.workflow import may_hold_project_role, project_roles
from grappe.projects.models import Accreditation, Project, ProjectStatus
from grappe.projects.selectors import project_relations
from grappe.registry.domain.sme import SizeClass

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


# --- live checks on a proposal (the project page of a draft, for its consortium) ----------------


@page_section("projects.project_detail")
def proposal_live_checks(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """The aid simulation per partner and the consortium rules of the proposal's target call
    when its coordinator chose one, else of an open call (`?call=`, else the first open call
    with a rule set), run on the draft as it stands, with the reasons. The same engine and
    input as the aid simulation page; nothing for anyone else."""
    if project.status != ProjectStatus.DRAFT or not selectors.project_can_simulate(
        scope=scope, project=project
    ):
        return {}
    calls, target = selectors.checked_calls(scope=scope, project=project)
    call: Call | None
    if target is not None:
        calls, call = [target], target
    else:
        wanted = request.GET.get("call", "")
        call = next((c for c in calls if c.slug == wanted), calls[0] if calls else None)
    checks: dict[str, Any] = {"calls": calls, "call": call, "is_target": target is not None}
    if call is None:
        return {"live_checks": checks}
    if call.ruleset_id is None:
        checks["error"] = gettext(
            "The target call has no rule set yet: its consortium rules and the aid cannot be "
            "checked until its programme officer sets them."
        )
        return {"live_checks": checks}
    try:
        ruleset = selectors.call_ruleset(call)
        aid_input = selectors.project_aid_input(
            scope=scope, project=project, funder_id=call.funder_id
        )
        check_project_size(aid_input.project)
    except RuleSetError as exc:
        checks["error"] = ruleset_error_message(exc)
        return {"live_checks": checks}
    except SimulationInputError as exc:
        checks["error"] = exc.message
        return {"live_checks": checks}
    sim = simulation_to_dict(run_simulation(aid_input, ruleset), aid_input, ruleset, call)
    verdicts = [v for v in sim["verdicts"] if v["status"] != "not_applicable"]
    for v in verdicts:
        v["status_label"] = STATUS_LABELS[v["status"]]
    for p in sim["partners"]:
        p["size_label"] = SIZE_LABELS.get(SizeClass(p["size"]), p["size"])
    checks.update(
        sim=sim,
        verdicts=verdicts,
        failed=sum(1 for v in verdicts if v["status"] == "failed"),
        all_passed=bool(verdicts) and all(v["status"] == "passed" for v in verdicts),
    )
    return {"live_checks": checks}


@page_section("projects.project_detail")
def proposal_target(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """The proposal's target call for its insiders, and for its coordinator (and staff) on a
    draft the form choosing it among the open and upcoming calls. Nothing for anyone else."""
    roles = project_roles(scope, project_relations(project, reuse=True))
    if not roles:
        return {}
    target = selectors.proposal_target_call(project=project)
    may_set = project.status == ProjectStatus.DRAFT and bool(
        roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF}
    )
    if target is None and not may_set:
        return {}
    choices = (
        list(selectors.target_call_choices(scope=scope).select_related("funder")) if may_set else []
    )
    return {"target_call": {"call": target, "may_set": may_set, "choices": choices}}


@page_section("api.project_detail")
def proposal_target_api(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """The target call in the project's API detail, for its insiders only."""
    if not may_hold_project_role(scope) or not project_roles(
        scope, project_relations(project, reuse=True)
    ):
        return {}
    target = selectors.proposal_target_call(project=project)
    if target is None:
        return {}
    return {
        "target_call": {
            "slug": target.slug,
            "title_en": target.title_en,
            "title_fr": target.title_fr,
            "funder": target.funder.slug,
            "status": target.status.value,
        }
    }


# --- applications to calls (the project page, for its consortium and the calls' officers) ------


@page_section("projects.project_detail")
def project_applications(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """The project's applications the user may see, and — for the coordinator of an
    accredited project — the open calls (with a rule set) it has not applied to yet, each with
    an "Apply" button. Nothing for anyone else."""
    applications = list(
        selectors.applications_of_project(scope=scope, project=project).select_related("call")
    )
    workflow = APPLICATION_WORKFLOWS
    for a in applications:
        a.status_label = gettext(  # type: ignore[attr-defined]
            workflow.get(a.workflow_version).state(a.status).staff_label
        )
    open_calls: list[Any] = []
    coordinates = ObjectRole.COORDINATOR in project_roles(
        scope, project_relations(project, reuse=True)
    )
    if coordinates and Accreditation.objects.filter(project=project).exists():
        now = timezone.now()
        open_calls = [
            c
            for c in selectors.call_list(scope=scope, open_on=timezone.localdate())
            .filter(ruleset__isnull=False)
            .exclude(applications__project=project)
            if c.is_open_at(now)
        ]
    if not applications and not open_calls:
        return {}
    return {"funding_applications": {"applications": applications, "open_calls": open_calls}}
