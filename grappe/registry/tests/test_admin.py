"""The back office writes organisations, figures, ownership and memberships through the
registry services: their audit events, their scope checks."""

from __future__ import annotations

from typing import Any

import pytest

from grappe.core.models import AuditEvent, Role
from grappe.core.tests import factories as f
from grappe.core.tests.test_admin import _organisation_form, _url, admin_client, admin_user
from grappe.registry.models import ClusterMembership, Organisation, OrganisationFigures

__all__ = ["admin_client", "admin_user"]  # fixtures

pytestmark = pytest.mark.django_db


def test_an_organisation_added_with_figures_and_a_membership_is_audited_by_the_services(
    admin_client: Any, admin_user: Any
) -> None:
    cluster = f.ClusterFactory()
    data = _organisation_form(
        **{
            "figures-TOTAL_FORMS": "1",
            "figures-0-year": "2024",
            "figures-0-staff_awu": "4",
            "figures-0-turnover": "100000",
            "figures-0-balance_sheet": "50000",
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-cluster": str(cluster.pk),
            "memberships-0-start_date": "2024-01-01",
        }
    )
    response = admin_client.post(_url(Organisation, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get(name="Lumisense")
    assert org.figures.get().year == 2024
    assert ClusterMembership.objects.get(organisation=org).cluster == cluster
    events = {e.action: e for e in AuditEvent.objects.all()}
    assert {"organisation.create", "figures.set", "membership.start"} <= set(events)
    assert events["organisation.create"].actor == admin_user
    assert events["organisation.create"].reason == "back office"


def test_a_change_records_only_what_changed_and_a_year_moved_is_one_row(
    admin_client: Any,
) -> None:
    org = f.OrganisationFactory(name="Lumisense", city="Paris", siren="")
    figures = f.FiguresFactory(organisation=org, year=2023)
    data = _organisation_form(
        kind=org.kind,
        **{
            "figures-TOTAL_FORMS": "1",
            "figures-INITIAL_FORMS": "1",
            "figures-0-id": str(figures.pk),
            "figures-0-organisation": str(org.pk),
            "figures-0-year": "2024",
            "figures-0-staff_awu": "12.5",
            "figures-0-turnover": "1500000.00",
            "figures-0-balance_sheet": "900000.00",
            **f.opened(figures, "figures-0"),
        },
        website="https://lumisense.example",
    )
    data.update(f.opened(org))
    response = admin_client.post(_url(Organisation, "change", org.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    update = AuditEvent.objects.get(action="organisation.update")
    assert update.before == {"website": ""}
    assert list(OrganisationFigures.objects.values_list("year", flat=True)) == [2024]


def test_staff_without_a_grappe_role_cannot_write_through_the_services(client: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    clerk = get_user_model().objects.create(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__endswith="organisation"))
    client.force_login(clerk)
    response = client.post(_url(Organisation, "add"), _organisation_form())
    # the staff flag and model permissions grant nothing: the role table decides who enters
    assert response["Location"].startswith("/en/admin/login/")
    assert not Organisation.objects.exists()
    # a member of the organisation, even made staff, acts for it on the site, not in the back
    # office
    org = f.OrganisationFactory(name="Lumisense", siren="")
    member = f.user_with_role(Role.MEMBER, organisation=org)
    member.is_staff = True
    member.save()
    member.user_permissions.set(Permission.objects.filter(codename__endswith="organisation"))
    client.force_login(member)
    data = _organisation_form(website="https://lumisense.example")
    assert client.post(_url(Organisation, "change", org.pk), data)["Location"].startswith(
        "/en/admin/login/"
    )
    org.refresh_from_db()
    assert org.website != "https://lumisense.example"
