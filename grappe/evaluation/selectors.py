"""Scoped reads of the expert evaluation. Invisible objects raise `DoesNotExist` (404).

- A funder's programme officers (and administrators) see its pool, its calls' conflicts,
  assignments, reports and panel (`evaluation.manage` on `own_funder`).
- An expert sees an application only while assigned to it, from the start of the evaluation
  on, and never while a conflict keeps them off it (a declared one included); its file only
  once they declared that they have no conflict.
- The consortium sees the consensus scores only once the application is decided (`funded` or
  `not_funded`); never the individual reports.
- Nobody else sees anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from grappe.core.actors import Actor
from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.scopes import reach_q
from grappe.evaluation import conflicts
from grappe.evaluation.models import Assignment, CallPanel, Declaration, Expert
from grappe.funding.models import Application, Call, Funder
from grappe.projects.models import Participation

# The application states in which experts see and score (the workflow's `visible_to`).
EVALUATED = ("under_evaluation", "ranked", "funded", "not_funded")
DECIDED = ("funded", "not_funded")
# The states in which the officer assigns (and sees the conflicts of) an application.
ASSIGNABLE = ("eligible", "under_evaluation")
IN_EVALUATION = ("eligible", *EVALUATED)


def may_manage(scope: Scope, funder_id: int) -> bool:
    return scope.can(Action.EVALUATION_MANAGE, Target.of(own_funder=[funder_id]))


def funders_managed(*, scope: Scope) -> QuerySet[Funder]:
    q = reach_q(
        scope, Action.EVALUATION_MANAGE, {Relation.OWN_FUNDER: lambda ids: Q(pk__in=sorted(ids))}
    )
    return Funder.objects.filter(q).order_by("name_en", "id")


def funder_managed(*, scope: Scope, slug: str) -> Funder:
    funder = Funder.objects.get(slug=slug)
    if not may_manage(scope, funder.pk):
        raise Funder.DoesNotExist
    return funder


def expert_pool(*, scope: Scope, funder: Funder) -> QuerySet[Expert]:
    if not may_manage(scope, funder.pk):
        return Expert.objects.none()
    return (
        Expert.objects.filter(funder=funder)
        .select_related("organisation", "user")
        .annotate(assignment_count=Count("assignments"))
    )


def expert_get(*, scope: Scope, pk: int) -> Expert:
    expert = Expert.objects.select_related("funder", "organisation", "user").get(pk=pk)
    if not may_manage(scope, expert.funder_id):
        raise Expert.DoesNotExist
    return expert


def calls_managed(*, scope: Scope) -> QuerySet[Call]:
    return (
        Call.objects.filter(funder__in=funders_managed(scope=scope))
        .select_related("funder")
        .annotate(
            in_evaluation=Count("applications", filter=Q(applications__status__in=IN_EVALUATION))
        )
        .order_by("-closes_on", "id")
    )


def call_managed(*, scope: Scope, slug: str) -> Call:
    call = Call.objects.select_related("funder").get(slug=slug)
    if not may_manage(scope, call.funder_id):
        raise Call.DoesNotExist
    return call


def call_panel(call: Call) -> CallPanel:
    """The call's panel settings (the defaults until the officer saves some)."""
    try:
        return call.panel
    except CallPanel.DoesNotExist:
        return CallPanel(call=call)


def call_applications(call: Call, states: tuple[str, ...] = IN_EVALUATION) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status__in=states)
        .select_related("project")
        .order_by("id")
    )


def call_experts(call: Call) -> list[Expert]:
    return list(
        Expert.objects.filter(funder_id=call.funder_id, active=True)
        .select_related("organisation")
        .order_by("name", "id")
    )


def assignments_of(applications: list[Application]) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(application__in=applications)
        .select_related("expert", "expert__organisation")
        .prefetch_related("report")
        .order_by("application_id", "-fit", "id")
    )


def experts_of_user(user: Actor) -> QuerySet[Expert]:
    pk = getattr(user, "pk", None)
    if pk is None:
        return Expert.objects.none()
    return Expert.objects.filter(user_id=pk, active=True).select_related("funder")


def my_assignments(*, scope: Scope, user: Actor) -> list[Assignment]:
    """The applications the user evaluates, with conflicted ones left out."""
    if not scope.can(Action.EVALUATION_REVIEW):
        return []
    rows = list(
        Assignment.objects.filter(
            expert__in=experts_of_user(user), application__status__in=EVALUATED
        )
        .select_related("expert", "application", "application__call", "application__project")
        .prefetch_related("report")
        .order_by("-application__call__closes_on", "application_id")
    )
    kept = []
    for row in rows:
        found = conflicts.detect([row.expert], [row.application])
        if (row.expert_id, row.application_id) not in conflicts.blocking(found):
            kept.append(row)
    return kept


@dataclass
class Visit:
    """What one user may do on one application's evaluation page."""

    application: Application
    manages: bool = False
    assignment: Assignment | None = None  # the user's, as an expert
    declaration: Declaration | None = None
    applicant: bool = False  # a partner of the consortium, after the decision

    @property
    def expert(self) -> Expert | None:
        return self.assignment.expert if self.assignment else None

    @property
    def file_open(self) -> bool:
        """The expert declared no conflict: the file, the reports and the forms are shown."""
        return self.manages or (self.declaration is not None and not self.declaration.has_conflict)

    @property
    def is_rapporteur(self) -> bool:
        return self.assignment is not None and self.assignment.is_rapporteur


def application_visit(*, scope: Scope, user: Actor, pk: int) -> Visit:
    """The application's evaluation as `user` may see it; `Application.DoesNotExist` (404) for
    anyone else, and for an expert kept off by a conflict."""
    application = Application.objects.select_related("call", "call__funder", "project").get(pk=pk)
    if may_manage(scope, application.call.funder_id):
        return Visit(application, manages=True)
    if scope.can(Action.EVALUATION_REVIEW) and application.status in EVALUATED:
        assignment = (
            Assignment.objects.filter(application=application, expert__in=experts_of_user(user))
            .select_related("expert")
            .first()
        )
        if assignment is not None:
            found = conflicts.detect([assignment.expert], [application])
            if (assignment.expert_id, application.pk) in conflicts.blocking(found):
                raise Application.DoesNotExist
            declaration = Declaration.objects.filter(
                expert=assignment.expert, application=application
            ).first()
            return Visit(application, assignment=assignment, declaration=declaration)
    if application.status in DECIDED and scope.organisation_ids:
        partner = Participation.objects.filter(
            project_id=application.project_id, organisation_id__in=sorted(scope.organisation_ids)
        ).exists()
        if partner:
            return Visit(application, applicant=True)
    raise Application.DoesNotExist


def partner_facts(application: Application) -> tuple[int, frozenset[str]]:
    """The number of SMEs in the consortium and the project's topics (folded keywords)."""
    rows = Participation.objects.filter(project_id=application.project_id).values_list(
        "organisation__kind", "organisation__sme_declared"
    )
    smes = sum(1 for kind, declared in rows if kind in ("sme", "start_up") or declared)
    topics = frozenset(k.casefold() for k in application.project.keyword_list)
    return smes, topics


def reports_of(application: Application) -> list[Assignment]:
    return list(assignments_of([application]))


def pool_counts(experts: QuerySet[Expert]) -> dict[str, Any]:
    return experts.aggregate(total=Count("id"), active=Count("id", filter=Q(active=True)))
