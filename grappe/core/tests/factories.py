"""factory_boy factories shared by every app's tests. Identifiers are valid by construction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from stdnum import luhn

from grappe.core.models import Role, RoleAssignment
from grappe.funding.models import Funder, FunderKind
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    CostCategory,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
    ProjectStatus,
    ResearchCategory,
)
from grappe.projects.search import project_search_index_update
from grappe.registry.models import (
    Cluster,
    ClusterKind,
    ClusterMembership,
    Organisation,
    OrganisationFigures,
    OrganisationKind,
)
from grappe.registry.search import organisation_search_index_update


class Indexed:
    """Rows made by a factory get their search index entries, as the services' writes do
    (`grappe.core.search`): a test searching for them finds them."""

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        super()._after_postgeneration(instance, create, results)  # type: ignore[misc]
        if create:
            cls._index(instance)

    @classmethod
    def _index(cls, instance: Any) -> None:
        raise NotImplementedError


def make_siren(n: int) -> str:
    body = f"{n % 10**8:08d}"
    return body + luhn.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    kind = ClusterKind.COMPETITIVENESS_CLUSTER
    name = factory.Sequence(lambda n: f"Cluster {n}")
    slug = factory.Sequence(lambda n: f"cluster-{n}")
    topic_en = "Complex systems"
    topic_fr = "Systèmes complexes"
    description_en = "A cluster."
    description_fr = "Un pôle."


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funder

    slug = factory.Sequence(lambda n: f"funder-{n}")
    name_en = factory.Sequence(lambda n: f"Funder {n}")
    name_fr = factory.Sequence(lambda n: f"Financeur {n}")
    kind = FunderKind.CITY


class OrganisationFactory(Indexed, factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    @classmethod
    def _index(cls, instance: Any) -> None:
        organisation_search_index_update([instance.pk])

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.SME
    siren = factory.Sequence(lambda n: make_siren(10_000_000 + n))
    city = "Paris"
    country = "FR"
    postcode = "75011"
    paris_arrondissement = 11
    in_paris = factory.LazyAttribute(lambda o: o.paris_arrondissement is not None)


class FiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationFigures

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2025
    staff_awu = Decimal("12.5")
    turnover = Decimal("1500000.00")
    balance_sheet = Decimal("900000.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterMembership

    cluster = factory.SubFactory(ClusterFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    start_date = dt.date(2020, 1, 1)


class ProjectFactory(Indexed, factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    @classmethod
    def _index(cls, instance: Any) -> None:
        project_search_index_update([instance.pk])

    acronym = factory.Sequence(lambda n: f"PRJ{n}")
    title = factory.Sequence(lambda n: f"Project number {n}")
    status = ProjectStatus.FUNDED
    start_date = dt.date(2024, 1, 1)
    duration_months = 36


class ParticipationFactory(Indexed, factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    @classmethod
    def _index(cls, instance: Any) -> None:
        project_search_index_update([instance.project_id])
        organisation_search_index_update([instance.organisation_id])

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = ParticipantRole.PARTNER


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    participation = factory.SubFactory(ParticipationFactory)
    cost_category = CostCategory.PERSONNEL
    research_category = ResearchCategory.INDUSTRIAL
    amount = Decimal("100000.00")


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    participation = factory.SubFactory(ParticipationFactory)
    funder = factory.SubFactory(FunderFactory)
    requested = Decimal("50000.00")
    granted = Decimal("45000.00")
    decided_on = dt.date(2024, 6, 1)


class AccreditationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accreditation

    project = factory.SubFactory(ProjectFactory)
    cluster = factory.SubFactory(ClusterFactory)
    is_lead = True
    accredited_on = dt.date(2023, 10, 1)


def user_with_role(role: Role | str, **scope: Any) -> Any:
    """A user holding one role in one scope (funder=, cluster= or organisation=)."""
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


def opened(obj: Any, prefix: str = "") -> dict[str, str]:
    """What a change page opened now on `obj` posts back: the row's edit token as stored
    (`prefix`: an inline row's, e.g. "figures-0")."""
    from grappe.core.concurrency import EDIT_TOKEN_FIELD, edit_token

    name = f"{prefix}-{EDIT_TOKEN_FIELD}" if prefix else EDIT_TOKEN_FIELD
    return {name: edit_token(type(obj)._default_manager.get(pk=obj.pk))}
