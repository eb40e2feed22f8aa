"""Organisations: a change form opened before the organisation's last change is refused."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.models import AuditEvent
from grappe.core.tests import factories as f
from grappe.core.tests.test_admin import _organisation_form, _url
from grappe.registry.models import ClusterMembership, Organisation, OrganisationFigures
from grappe.registry.services import organisation_update

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="edit_token" value="([0-9a-f]+)"')


def _staff(name: str) -> Client:
    user = get_user_model().objects.create(username=name, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _opened(client: Client, url: str) -> str:
    match = TOKEN.search(client.get(url).content.decode())
    assert match, "the change form carries no edit token"
    return match.group(1)


def _form(org: Organisation, token: str, **changes: Any) -> dict[str, Any]:
    return _organisation_form(
        kind=org.kind, name=org.name, city=org.city, edit_token=token, **changes
    )


def test_the_second_of_two_organisation_forms_is_refused_and_changes_nothing() -> None:
    org = f.OrganisationFactory(name="Lumisense", city="Paris", siren="", website="")
    url = _url(Organisation, "change", org.pk)
    alice, bob = _staff("alice"), _staff("bob")
    alice_token, bob_token = _opened(alice, url), _opened(bob, url)
    assert alice.post(url, _form(org, alice_token, website="https://a.example")).status_code == 302
    events = AuditEvent.objects.count()

    response = bob.post(url, _form(org, bob_token, website="https://b.example"))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("“Lumisense” was changed since you opened it (by alice at ")
    org.refresh_from_db()
    assert org.website == "https://a.example"
    assert AuditEvent.objects.count() == events

    fresh = _opened(bob, url)
    assert bob.post(url, _form(org, fresh, website="https://b.example")).status_code == 302
    org.refresh_from_db()
    assert org.website == "https://b.example"


def test_inline_rows_are_not_saved_with_a_refused_form() -> None:
    org = f.OrganisationFactory(name="Lumisense", city="Paris", siren="")
    cluster = f.ClusterFactory()
    url = _url(Organisation, "change", org.pk)
    bob = _staff("bob")
    stale = _opened(bob, url)
    organisation_update(actor=None, organisation=org, website="https://import.example")
    data = _form(
        org,
        stale,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-cluster": str(cluster.pk),
            "memberships-0-organisation": str(org.pk),
            "memberships-0-start_date": "2024-01-01",
            "memberships-0-end_date": "",
        },
    )
    response = bob.post(url, data)
    assert response.status_code == 200
    assert "(by an import or the system at " in response.content.decode()
    assert not ClusterMembership.objects.filter(organisation=org).exists()


def test_membership_change_form_is_guarded_like_every_back_office_change_form() -> None:
    membership = f.MembershipFactory()
    url = _url(ClusterMembership, "change", membership.pk)
    bob = _staff("bob")
    stale = _opened(bob, url)
    ClusterMembership.objects.filter(pk=membership.pk).update(end_date="2030-01-01")
    data = {
        "organisation": str(membership.organisation_id),
        "cluster": str(membership.cluster_id),
        "start_date": membership.start_date.isoformat(),
        "end_date": "2031-01-01",
        "edit_token": stale,
    }
    response = bob.post(url, data)
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    membership.refresh_from_db()
    assert membership.end_date.isoformat() == "2030-01-01"


def test_organisation_update_refuses_a_stale_token_and_writes_nothing() -> None:
    org = f.OrganisationFactory(website="")
    opened = edit_token(Organisation.objects.get(pk=org.pk))
    organisation_update(actor=None, organisation=org, expected_token=opened, city="Lyon")
    events = AuditEvent.objects.count()
    with pytest.raises(EditConflict):
        organisation_update(actor=None, organisation=org, expected_token=opened, city="Lille")
    assert Organisation.objects.get(pk=org.pk).city == "Lyon"
    assert AuditEvent.objects.count() == events
    # no token: an import or a command, which has opened no form
    organisation_update(actor=None, organisation=org, city="Lille")
    assert Organisation.objects.get(pk=org.pk).city == "Lille"


def _figures_row(org: Organisation, figures: Any, token: str, turnover: str) -> dict[str, Any]:
    return {
        "figures-TOTAL_FORMS": "1",
        "figures-INITIAL_FORMS": "1",
        "figures-0-id": str(figures.pk),
        "figures-0-organisation": str(org.pk),
        "figures-0-year": str(figures.year),
        "figures-0-staff_awu": str(figures.staff_awu),
        "figures-0-turnover": turnover,
        "figures-0-balance_sheet": str(figures.balance_sheet),
        "figures-0-edit_token": token,
    }


def test_an_inline_row_changed_since_the_page_was_opened_is_refused_when_edited() -> None:
    org = f.OrganisationFactory(name="Lumisense", city="Paris", siren="")
    figures = f.FiguresFactory(organisation=org, year=2023, turnover=Decimal("1000000.00"))
    url = _url(Organisation, "change", org.pk)
    bob = _staff("bob")
    page = bob.get(url).content.decode()
    row = re.search(r'name="figures-0-edit_token" value="([0-9a-f]+)"', page)
    assert row, "the inline row carries no edit token"
    page_token = TOKEN.search(page)
    assert page_token
    OrganisationFigures.objects.filter(pk=figures.pk).update(turnover=Decimal("2000000.00"))

    # Bob edits the row someone changed: refused, the other change stays
    data = _form(org, page_token.group(1), **_figures_row(org, figures, row.group(1), "1500000"))
    response = bob.post(url, data)
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    assert OrganisationFigures.objects.get(pk=figures.pk).turnover == Decimal("2000000.00")

    # Posting the row as he saw it is refused too: it differs from the row as stored now
    seen = _figures_row(org, figures, row.group(1), str(figures.turnover))
    response = bob.post(url, _form(org, page_token.group(1), website="https://b.example", **seen))
    assert response.status_code == 200
    assert OrganisationFigures.objects.get(pk=figures.pk).turnover == Decimal("2000000.00")

    # Reloaded, the page saves his change and leaves the row untouched
    page = bob.get(url).content.decode()
    fresh_row = re.search(r'name="figures-0-edit_token" value="([0-9a-f]+)"', page)
    fresh_page = TOKEN.search(page)
    assert fresh_row and fresh_page and fresh_row.group(1) != row.group(1)
    current = _figures_row(org, figures, fresh_row.group(1), "2000000.00")
    data = _form(org, fresh_page.group(1), website="https://b.example", **current)
    assert bob.post(url, data).status_code == 302
    assert Organisation.objects.get(pk=org.pk).website == "https://b.example"
    assert OrganisationFigures.objects.get(pk=figures.pk).turnover == Decimal("2000000.00")
