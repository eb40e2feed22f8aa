"""One vocabulary per concept: the Django choices are the domain's, the engine reads stored
values as they are, and the migrations renamed the values stored before."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from grappe.core.scopes import scope_for
from grappe.core.tests import factories as f
from grappe.funding.domain import common
from grappe.funding.domain.common import PartnerKind
from grappe.funding.domain.partners import declared_size, partner_kind
from grappe.funding.selectors import project_aid_input
from grappe.projects import models as project_models
from grappe.projects.domain import vocabulary as budget
from grappe.registry import models as registry_models
from grappe.registry.domain import sme
from grappe.registry.domain import vocabulary as registry

PAIRS = [
    (project_models.CostCategory, budget.CostCategory),
    (project_models.ResearchCategory, budget.ResearchCategory),
    (registry_models.OrganisationKind, registry.OrganisationKind),
    (registry_models.DeclaredSize, registry.DeclaredSize),
    (registry_models.HolderCategory, sme.HolderKind),
]


@pytest.mark.parametrize(("choices", "domain"), PAIRS, ids=lambda c: c.__name__)
def test_the_django_choices_are_the_domain_vocabulary(choices: object, domain: object) -> None:
    assert sorted(choices.values) == sorted(m.value for m in domain)  # type: ignore[attr-defined]
    assert sorted(choices.names) == sorted(m.name for m in domain)  # type: ignore[attr-defined]


def test_the_engine_and_the_budget_share_one_cost_and_research_vocabulary() -> None:
    assert common.CostCategory is budget.CostCategory
    assert common.ResearchCategory is budget.ResearchCategory
    assert project_models.CostCategory.INSTRUMENTS == "instruments_equipment"
    assert str(project_models.CostCategory.INSTRUMENTS.label) == "Instruments and equipment"


def test_organisation_kind_to_partner_kind_is_a_rule_with_a_default() -> None:
    assert partner_kind("start_up") is PartnerKind.COMPANY
    assert partner_kind("research_lab") is PartnerKind.RESEARCH_ORGANISATION
    assert partner_kind("higher_education") is PartnerKind.TRAINING_ORGANISATION
    assert partner_kind("association") is PartnerKind.OTHER
    with pytest.raises(ValueError):
        partner_kind("equipment")
    every_company = {partner_kind(k) for k in registry.COMPANY_KINDS}
    assert every_company == {PartnerKind.COMPANY}


def test_the_declared_size_is_the_least_favourable_reading_of_the_kind() -> None:
    assert declared_size("start_up") == (sme.SizeClass.SMALL, sme.FrenchCategory.PME)
    assert declared_size("sme") == (sme.SizeClass.MEDIUM, sme.FrenchCategory.PME)
    assert declared_size("mid_cap") == (sme.SizeClass.LARGE, sme.FrenchCategory.ETI)
    assert declared_size("research_lab") == (sme.SizeClass.LARGE, None)


@pytest.mark.django_db
def test_stored_lines_reach_the_engine_with_their_own_category() -> None:
    part = f.ParticipationFactory(role="coordinator")
    f.BudgetLineFactory(
        participation=part,
        cost_category="instruments_equipment",
        research_category="experimental",
        amount=Decimal("1000.00"),
    )
    admin = f.user_with_role("administrator")
    built = project_aid_input(scope=scope_for(admin), project=part.project)
    [line] = built.project.partners[0].costs
    assert line.category is budget.CostCategory.INSTRUMENTS


@pytest.mark.django_db
def test_the_data_migrations_rename_the_values_stored_before_and_back() -> None:
    line = f.BudgetLineFactory(cost_category="personnel")
    project_models.BudgetLine.objects.filter(pk=line.pk).update(cost_category="equipment")
    projects = importlib.import_module(
        "grappe.projects.migrations.0007_one_cost_category_vocabulary"
    )
    holders = importlib.import_module("grappe.registry.migrations.0007_one_holder_kind_vocabulary")
    link = registry_models.Ownership.objects.create(
        holder=f.OrganisationFactory(),
        held=f.OrganisationFactory(),
        capital_share=Decimal(30),
        voting_share=Decimal(30),
    )
    registry_models.Ownership.objects.filter(pk=link.pk).update(holder_category="public_investment")

    projects.forwards(apps, None)
    holders.forwards(apps, None)
    line.refresh_from_db()
    link.refresh_from_db()
    assert (line.cost_category, link.holder_category) == (
        "instruments_equipment",
        "public_investment_corporation",
    )
    projects.backwards(apps, None)
    holders.backwards(apps, None)
    line.refresh_from_db()
    link.refresh_from_db()
    assert (line.cost_category, link.holder_category) == ("equipment", "public_investment")
