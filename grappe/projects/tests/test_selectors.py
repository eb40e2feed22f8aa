"""Who sees which project, budget and aid: owner / insider / outsider for each protected read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grappe.core.domain.scope import Scope
from grappe.core.models import Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    AccreditationFactory,
    BudgetLineFactory,
    ClusterFactory,
    FunderFactory,
    FundingLineFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects import selectors
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import ParticipantRole, Project, ProjectStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    """A draft proposal: partner org, accrediting cluster, funder; plus everyone's scope."""
    project = ProjectFactory(status=ProjectStatus.DRAFT)
    partner = ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    cluster = ClusterFactory()
    AccreditationFactory(project=project, cluster=cluster)
    funder = FunderFactory()
    FundingLineFactory(participation=partner, funder=funder, granted=None, decided_on=None)
    BudgetLineFactory(participation=partner)
    return {
        "project": project,
        "owner": scope_for(user_with_role(Role.MEMBER, organisation=partner.organisation)),
        "cluster_manager": scope_for(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)),
        "officer": scope_for(user_with_role(Role.PROGRAMME_OFFICER, funder=funder)),
        "outsider": scope_for(user_with_role(Role.MEMBER, organisation=OrganisationFactory())),
        "other_manager": scope_for(user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory())),
        "admin": scope_for(user_with_role(Role.ADMINISTRATOR)),
    }


@pytest.mark.parametrize("who", ["owner", "cluster_manager", "officer", "admin"])
def test_a_draft_is_visible_to_its_consortium_its_clusters_and_its_funders(draft, who) -> None:
    assert selectors.project_get(scope=draft[who], pk=draft["project"].pk) == draft["project"]
    assert draft["project"] in selectors.project_list(scope=draft[who])


@pytest.mark.parametrize("who", ["outsider", "other_manager", "public"])
def test_a_draft_is_invisible_to_outsiders(draft, who) -> None:
    scope = Scope.public() if who == "public" else draft[who]
    with pytest.raises(Project.DoesNotExist):
        selectors.project_get(scope=scope, pk=draft["project"].pk)
    assert draft["project"] not in selectors.project_list(scope=scope)


def test_budget_lines_of_a_funded_project_are_for_insiders_only() -> None:
    project = ProjectFactory(status=ProjectStatus.FUNDED)
    partner = ParticipationFactory(project=project)
    BudgetLineFactory(participation=partner, amount=Decimal("250000.00"))
    owner = scope_for(user_with_role(Role.MEMBER, organisation=partner.organisation))
    outsider = scope_for(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    assert [b.amount for b in selectors.project_budget_lines(scope=owner, project=project)] == [
        Decimal("250000.00")
    ]
    assert not selectors.project_budget_lines(scope=outsider, project=project).exists()
    assert not selectors.project_budget_lines(scope=Scope.public(), project=project).exists()


def test_the_public_sees_granted_aid_but_not_requests() -> None:
    project = ProjectFactory(status=ProjectStatus.FUNDED)
    partner = ParticipationFactory(project=project)
    FundingLineFactory(participation=partner, granted=Decimal("45000.00"))
    FundingLineFactory(participation=partner, granted=None, decided_on=None)
    public = selectors.project_funding_lines(scope=Scope.public(), project=project)
    assert [f.granted for f in public] == [Decimal("45000.00")]
    owner = scope_for(user_with_role(Role.MEMBER, organisation=partner.organisation))
    assert selectors.project_funding_lines(scope=owner, project=project).count() == 2


def test_filters_combine() -> None:
    cluster = ClusterFactory(slug="cap-digital")
    paris = OrganisationFactory()
    lyon = OrganisationFactory(city="Lyon", postcode="69001", paris_arrondissement=None)
    p1 = ProjectFactory(acronym="VISION", keywords="computer vision")
    AccreditationFactory(project=p1, cluster=cluster)
    ParticipationFactory(project=p1, organisation=paris)
    p2 = ProjectFactory(acronym="BATT", start_date=p1.start_date.replace(year=2019))
    ParticipationFactory(project=p2, organisation=lyon)

    def listed(**data):
        queryset = selectors.project_list(scope=Scope.public())
        return list(ProjectFilterSet(data, queryset=queryset).qs)

    assert listed(q="vision") == [p1]
    assert listed(cluster="cap-digital") == [p1]
    assert listed(year=2019) == [p2]
    assert listed(paris_only=True) == [p1]
    assert listed(organisation=lyon.pk) == [p2]
    assert listed(q="vision", year=2019) == []


def test_cluster_funding_totals_group_by_funder_and_year() -> None:
    cluster = ClusterFactory()
    city = FunderFactory(name_en="City of Paris", name_fr="Ville de Paris")
    for amount in ("100000.00", "50000.50"):
        project = ProjectFactory(status=ProjectStatus.FUNDED)
        AccreditationFactory(project=project, cluster=cluster)
        FundingLineFactory(
            participation=ParticipationFactory(project=project),
            funder=city,
            granted=Decimal(amount),
        )
    hidden = ProjectFactory(status=ProjectStatus.DRAFT)  # proposals never count publicly
    AccreditationFactory(project=hidden, cluster=cluster)
    FundingLineFactory(participation=ParticipationFactory(project=hidden), funder=city)
    totals = selectors.cluster_funding_totals(scope=Scope.public(), cluster=cluster)
    assert [(t.funder, t.year, t.granted) for t in totals] == [
        ("City of Paris", 2024, Decimal("150000.50"))
    ]


def test_the_coordinator_leads_the_consortium_list() -> None:
    project = ProjectFactory()
    ParticipationFactory(project=project, role=ParticipantRole.SUBCONTRACTOR)
    ParticipationFactory(project=project, role=ParticipantRole.PARTNER)
    ParticipationFactory(project=project, role=ParticipantRole.COORDINATOR)
    loaded = selectors.project_get(scope=Scope.public(), pk=project.pk)
    assert [p.role for p in loaded.participations.all()] == [
        ParticipantRole.COORDINATOR,
        ParticipantRole.PARTNER,
        ParticipantRole.SUBCONTRACTOR,
    ]
