"""Organisation validation: identifiers, Paris addresses, figures and memberships."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from grappe.core.tests.factories import (
    FiguresFactory,
    MembershipFactory,
    OrganisationFactory,
)
from grappe.registry.models import Organisation, Ownership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "732829321", "Luhn"),
        ("siret", "73282932000075", "Luhn"),
        ("ror", "01k4yrm30", "checksum"),
        ("rnsr", "12345", "9 digits followed by one letter"),
        ("pic", "12", "9 digits"),
        ("vat", "FR00732829320", "format or check"),
    ],
)
def test_full_clean_names_the_field_and_the_rule(field: str, value: str, message: str) -> None:
    org = OrganisationFactory.build(**{field: value})
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert field in excinfo.value.message_dict
    assert message in " ".join(excinfo.value.message_dict[field])


def test_the_siret_must_extend_the_siren() -> None:
    org = OrganisationFactory.build(siren="732829320", siret="55208131766522")
    with pytest.raises(ValidationError, match="must start with the organisation's SIREN"):
        org.full_clean()


def test_a_paris_arrondissement_needs_a_matching_postcode() -> None:
    org = OrganisationFactory.build(paris_arrondissement=5, postcode="75011")
    with pytest.raises(ValidationError, match="75005"):
        org.full_clean()


def test_the_same_siren_cannot_be_registered_twice_but_blanks_can() -> None:
    OrganisationFactory(siren="732829320")
    OrganisationFactory(siren="")
    OrganisationFactory(siren="")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(siren="732829320")
    assert Organisation.objects.count() == 3


def test_figures_are_one_row_per_year_and_never_negative() -> None:
    figures = FiguresFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FiguresFactory(organisation=figures.organisation, year=figures.year)
    bad = FiguresFactory.build(organisation=figures.organisation, year=2019, turnover=Decimal("-1"))
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        bad.full_clean()


def test_a_membership_cannot_end_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(start_date=dt.date(2022, 1, 1), end_date=dt.date(2021, 1, 1))


def test_an_organisation_cannot_own_itself() -> None:
    org = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ownership.objects.create(
            holder=org, held=org, capital_share=Decimal("30"), voting_share=Decimal("30")
        )
