"""Builders for the decisions tests: a call with ranked applications."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grappe.core.tests import factories as f
from grappe.funding.models import Application, Call, PanelList
from grappe.funding.services import PanelPlace, application_panel_record
from grappe.funding.tests.helpers import consortium, open_call


def ranked(call: Call, project: Any, *, rank: int, score: str, lst: str = "main") -> Application:
    """An application of `project` to `call`, ranked by the panel. The steps before `ranked`
    (submission, screening, experts, consensus) belong to other apps: the status is set with a
    queryset update; the panel's place through `application_panel_record`."""
    app = Application.objects.create(call=call, project=project)
    Application.objects.filter(pk=app.pk).update(status="ranked")
    application_panel_record(
        actor=None,
        call=call,
        places=[PanelPlace(app.pk, PanelList(lst), rank, Decimal(score))],
    )
    app.refresh_from_db()
    return app


def small_project(budget: str = "100000") -> Any:
    """An accredited project of one research lab (its cap: the rules engine's maximum)."""
    project = f.ProjectFactory(status="accredited")
    f.AccreditationFactory(project=project, cluster=f.ClusterFactory(), is_lead=True)
    lab = f.OrganisationFactory(kind="research_lab", siren="")
    f.BudgetLineFactory(
        participation=f.ParticipationFactory(project=project, organisation=lab, role="coordinator"),
        amount=Decimal(budget),
    )
    return project


def world(slug: str = "paris-decide") -> dict[str, Any]:
    """A City-style call, two ranked applications (a three-partner consortium and a small
    project), the call funder's officer, another funder's officer, a consortium member."""
    c = consortium(status="accredited")
    call = open_call(slug)
    first = ranked(call, c.project, rank=1, score="13.5")
    second = ranked(call, small_project(), rank=2, score="12", lst="reserve")
    return {
        "call": call,
        "consortium": c,
        "first": first,
        "second": second,
        "officer": f.user_with_role("programme_officer", funder=call.funder),
        "other_officer": f.user_with_role("programme_officer", funder=f.FunderFactory()),
        "member": f.user_with_role("member", organisation=c.coordinator),
        "outsider": f.user_with_role("member", organisation=f.OrganisationFactory()),
        "evaluator": f.user_with_role("evaluator"),
    }
