"""The adapter from stored projects to the engine, its permission and its query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grappe.core.domain.scope import Scope
from grappe.core.models import Role
from grappe.core.scopes import scope_for
from grappe.core.tests import factories as f
from grappe.funding.domain.common import CostCategory, PartnerKind, ResearchCategory
from grappe.funding.selectors import (
    call_list,
    project_aid_input,
    project_for_simulation,
)
from grappe.funding.tests.helpers import closed_call, consortium, open_call
from grappe.projects.models import Project
from grappe.registry.domain.sme import SizeClass
from grappe.registry.models import Ownership

pytestmark = pytest.mark.django_db
STAFF = Scope(user_id=1, is_staff_wide=True)


def test_the_project_becomes_engine_input() -> None:
    c = consortium()
    funder = f.FunderFactory()
    other = f.FunderFactory(name_en="Region")
    small_part = c.project.participations.get(organisation=c.coordinator)
    f.FundingLineFactory(participation=small_part, funder=other, granted=Decimal("10000"))
    f.FundingLineFactory(participation=small_part, funder=funder, granted=Decimal("40000"))

    aid = project_aid_input(scope=STAFF, project=c.project, funder_id=funder.pk)

    partners = {p.id: p for p in aid.project.partners}
    small, large, lab = (partners[str(o.pk)] for o in (c.coordinator, c.large, c.lab))
    assert small.coordinator and not large.coordinator
    assert (small.kind, large.kind, lab.kind) == (
        PartnerKind.COMPANY,
        PartnerKind.COMPANY,
        PartnerKind.RESEARCH_ORGANISATION,
    )
    assert small.in_paris and not large.in_paris
    assert [(x.category, x.research, x.amount) for x in small.costs] == [
        (CostCategory.PERSONNEL, ResearchCategory.INDUSTRIAL, Decimal("100000.00"))
    ]
    # Only the other funder's aid counts for cumulation; the call's own funder is this aid.
    assert [(o.funder, o.amount) for o in small.other_aid] == [("Region", Decimal("10000.00"))]
    assert aid.project.accreditations == (c.cluster.slug,)
    assert aid.project.lead_cluster == c.cluster.slug
    assert aid.sizes[small.id].size is SizeClass.SMALL
    assert aid.sizes[large.id].size is SizeClass.LARGE
    assert aid.names[small.id] == "Petite Co"


def test_a_majority_owner_makes_a_small_company_large() -> None:
    c = consortium(parents=False)
    group = f.OrganisationFactory(kind="large_company")
    f.FiguresFactory(
        organisation=group,
        staff_awu=Decimal("3000"),
        turnover=Decimal("900000000"),
        balance_sheet=Decimal("700000000"),
    )
    Ownership.objects.create(
        holder=group, held=c.coordinator, capital_share=Decimal("80"), voting_share=Decimal("80")
    )
    aid = project_aid_input(scope=STAFF, project=c.project)
    assert aid.sizes[str(c.coordinator.pk)].size is SizeClass.LARGE


def test_a_company_without_figures_keeps_its_declared_size_with_a_note() -> None:
    c = consortium(parents=False)
    start_up = f.OrganisationFactory(kind="start_up")
    f.BudgetLineFactory(
        participation=f.ParticipationFactory(project=c.project, organisation=start_up)
    )
    aid = project_aid_input(scope=STAFF, project=c.project)
    partner = next(p for p in aid.project.partners if p.id == str(start_up.pk))
    assert partner.size is SizeClass.SMALL and partner.is_startup
    assert str(start_up.pk) not in aid.sizes
    assert aid.notes[str(start_up.pk)][0].params == {"size": "small"}


def _queries(extra: int) -> int:
    c = consortium(extra_companies=extra)
    project = Project.objects.get(pk=c.project.pk)
    with CaptureQueriesContext(connection) as ctx:
        project_aid_input(scope=STAFF, project=project)
    return len(ctx)


def test_the_adapter_needs_the_same_number_of_queries_for_3_or_8_partners() -> None:
    few, many = _queries(0), _queries(5)
    assert few == many
    assert few <= 10


def test_only_staff_and_insiders_officers_of_its_funders_included_may_simulate_a_project() -> None:
    c = consortium(status="funded")  # public: anyone may see it, not simulate it
    outsider = f.user_with_role(Role.MEMBER, organisation=f.OrganisationFactory())
    member = f.user_with_role(Role.MEMBER, organisation=c.large)
    manager = f.user_with_role(Role.CLUSTER_MANAGER, cluster=c.cluster)
    funder = f.FunderFactory()
    part = c.project.participations.get(organisation=c.large)
    f.FundingLineFactory(participation=part, funder=funder)
    officer = f.user_with_role(Role.PROGRAMME_OFFICER, funder=funder)
    # an officer of a funder with no part in the project is an outsider (issue 13, finding 5)
    other_officer = f.user_with_role(Role.PROGRAMME_OFFICER, funder=f.FunderFactory())
    for user in (member, manager, officer):
        assert project_for_simulation(scope=scope_for(user), pk=c.project.pk) == c.project
    for scope in (scope_for(outsider), scope_for(other_officer), Scope.public()):
        with pytest.raises(Project.DoesNotExist):
            project_for_simulation(scope=scope, pk=c.project.pk)
        with pytest.raises(Project.DoesNotExist):
            project_aid_input(scope=scope, project=c.project)


def test_call_list_keeps_open_calls_when_asked() -> None:
    open_ = open_call()
    closed = closed_call()
    assert set(call_list(scope=Scope.public())) == {open_, closed}
    assert list(call_list(scope=Scope.public(), open_on=open_.opens_on)) == [open_]


def test_a_company_of_unknown_size_is_simulated_as_large_and_the_note_says_why() -> None:
    """A CORDIS for-profit without the SME flag: no declared size, so the least favourable
    reading, said as such (not "size taken from the organisation type")."""
    from grappe.funding.selectors import NOTE_DECLARED_SIZE, NOTE_UNKNOWN_SIZE

    c = consortium(parents=False)
    c.large.kind = "company"
    c.large.save()
    c.large.figures.all().delete()
    funder = f.FunderFactory()
    aid = project_aid_input(scope=STAFF, project=c.project, funder_id=funder.pk)
    partner = next(p for p in aid.project.partners if p.id == str(c.large.pk))
    assert partner.kind is PartnerKind.COMPANY
    assert partner.size is SizeClass.LARGE
    assert [n.template for n in aid.notes[partner.id]] == [NOTE_UNKNOWN_SIZE]
    assert NOTE_DECLARED_SIZE != NOTE_UNKNOWN_SIZE
