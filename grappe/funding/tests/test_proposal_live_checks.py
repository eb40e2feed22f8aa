"""Live checks on a draft's page: the call's consortium rules and the aid per partner, with the
reasons, changing as the consortium and budgets change; only for the draft's insiders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client, RequestFactory

from grappe.core.models import Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import OrganisationFactory, user_with_role
from grappe.funding.pages import proposal_live_checks
from grappe.funding.tests.helpers import open_call
from grappe.projects.models import Participation
from grappe.projects.selectors import project_get
from grappe.projects.services import (
    invitation_create,
    invitation_transition,
    partner_budget_set,
    proposal_create,
)

pytestmark = pytest.mark.django_db


def checks(user, project) -> dict:
    scope = scope_for(user)
    request = RequestFactory().get("/")
    return proposal_live_checks(
        request, scope, project=project_get(scope=scope, pk=project.pk)
    ).get("live_checks", {})


def verdict(result: dict, rule: str) -> str:
    return next(v["status"] for v in result["sim"]["verdicts"] if v["rule"] == rule)


def test_a_rule_fails_then_passes_when_a_paris_partner_joins() -> None:
    open_call()  # the City of Paris rules: at least one partner located in Paris
    lyon = OrganisationFactory(
        name="Lyon Capteurs", city="Lyon", postcode="69002", paris_arrondissement=None
    )
    paris = OrganisationFactory(name="Paris Optique")
    owner = user_with_role(Role.MEMBER, organisation=lyon)
    guest = user_with_role(Role.MEMBER, organisation=paris)
    project = proposal_create(actor=owner, organisation_id=lyon.pk, acronym="LIVE", title="Live")
    own = Participation.objects.get(project=project, organisation=lyon)
    partner_budget_set(
        actor=owner, participation=own, lines={("personnel", "industrial"): Decimal("200000")}
    )
    before = checks(owner, project)
    assert verdict(before, "min_paris_partners") == "failed"
    assert before["failed"] >= 1
    html = Client()
    html.force_login(owner)
    page = html.get(f"/en/projects/{project.pk}/").content.decode()
    assert 'data-testid="live-verdicts"' in page and "Failed" in page

    invitation = invitation_create(actor=owner, project=project, organisation_id=paris.pk)
    invitation_transition(actor=guest, invitation=invitation, transition="accept")
    theirs = Participation.objects.get(project=project, organisation=paris)
    partner_budget_set(
        actor=guest, participation=theirs, lines={("personnel", "industrial"): Decimal("100000")}
    )
    after = checks(guest, project)
    assert verdict(after, "min_paris_partners") == "passed"
    aid = {p["name"]: Decimal(p["max_aid"]) for p in after["sim"]["partners"]}
    assert set(aid) == {"Lyon Capteurs", "Paris Optique"} and all(a > 0 for a in aid.values())


def test_outsiders_and_public_projects_get_no_live_checks() -> None:
    open_call()
    org = OrganisationFactory()
    owner = user_with_role(Role.MEMBER, organisation=org)
    project = proposal_create(actor=owner, organisation_id=org.pk, acronym="LC", title="LC")
    assert checks(owner, project)["call"] is not None
    outsider = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    scope = scope_for(outsider)
    assert proposal_live_checks(RequestFactory().get("/"), scope, project=project) == {}
