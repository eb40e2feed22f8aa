"""Back office: a call's rule set is edited through the service, validated, versioned."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.core.tests import factories as f
from grappe.funding.models import Call, CallRuleSet
from grappe.funding.tests.helpers import upcoming_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Any) -> Any:
    user = get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _form(call: Call, data: dict[str, Any] | str, reason: str = "") -> dict[str, Any]:
    return {
        "funder": call.funder_id,
        "slug": call.slug,
        "title_en": call.title_en,
        "title_fr": call.title_fr,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "envelope": "",
        "source_code": "",
        "ruleset_data": data if isinstance(data, str) else json.dumps(data),
        "reason": reason,
        "ruleset_versions-TOTAL_FORMS": "1",
        "ruleset_versions-INITIAL_FORMS": "1",
        "ruleset_versions-MIN_NUM_FORMS": "0",
        "ruleset_versions-MAX_NUM_FORMS": "1000",
        "ruleset_versions-0-id": str(call.ruleset_id),
        "ruleset_versions-0-call": str(call.pk),
        **f.opened(call),
    }


def change_url(call: Call) -> str:
    return reverse("admin:funding_call_change", args=[call.pk])


def test_editing_the_rule_set_creates_a_version_and_an_audit_event(admin_client: Any) -> None:
    call = upcoming_call(code="fui-19")
    data = dict(call.ruleset.data)
    data["company_rates"] = {**data["company_rates"], "small": "0.50"}
    response = admin_client.post(change_url(call), _form(call, data, "SME rate raised"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call.refresh_from_db()
    assert call.ruleset.version == 2 and call.ruleset.data["company_rates"]["small"] == "0.50"
    assert CallRuleSet.objects.get(call=call, version=1).data["company_rates"]["small"] == "0.45"
    assert AuditEvent.objects.filter(action="call.ruleset_update", reason="SME rate raised")
    page = admin_client.get(change_url(call)).content.decode()
    assert "SME rate raised" in page  # earlier versions listed, read-only


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"startup_bonus": "1.5"}, "startup_bonus must be a fraction between 0 and 1."),
        ({"friends_bonus": "0.1"}, "friends_bonus is not a known rule."),
    ],
)
def test_a_wrong_rate_or_unknown_rule_is_a_form_error(
    admin_client: Any, change: dict[str, str], message: str
) -> None:
    call = upcoming_call(code="fui-19")
    response = admin_client.post(change_url(call), _form(call, {**call.ruleset.data, **change}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ruleset_data"] == [message]
    assert CallRuleSet.objects.filter(call=call).count() == 1


def test_invalid_json_is_a_form_error(admin_client: Any) -> None:
    call = upcoming_call(code="fui-19")
    response = admin_client.post(change_url(call), _form(call, "{oops"))
    assert response.status_code == 200
    assert "ruleset_data" in response.context["adminform"].form.errors


def test_a_call_is_added_from_a_ready_made_set(admin_client: Any) -> None:
    funder = f.FunderFactory()
    response = admin_client.post(
        reverse("admin:funding_call_add"),
        {
            "funder": funder.pk,
            "slug": "paris-2027",
            "title_en": "Paris 2027",
            "title_fr": "Paris 2027",
            "opens_on": "2027-01-01",
            "closes_on": "2027-06-30",
            "envelope": "2000000",
            "source_code": "city-of-paris",
            "ruleset_data": "",
            "reason": "",
            "ruleset_versions-TOTAL_FORMS": "0",
            "ruleset_versions-INITIAL_FORMS": "0",
            "ruleset_versions-MIN_NUM_FORMS": "0",
            "ruleset_versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = Call.objects.get(slug="paris-2027")
    assert call.ruleset.source_code == "city-of-paris" and call.opens_on == dt.date(2027, 1, 1)
    assert AuditEvent.objects.filter(action="call.create").exists()


def test_versions_are_read_only_and_a_new_one_goes_through_the_service(admin_client: Any) -> None:
    call = upcoming_call(code="fui-19")
    version = call.ruleset
    page = admin_client.get(reverse("admin:funding_callruleset_change", args=[version.pk]))
    assert page.status_code == 200 and "company_rates" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(
        reverse("admin:funding_callruleset_add"),
        {"call": call.pk, "source_code": "fui-25", "ruleset_data": "", "reason": "call 25 rules"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    call.refresh_from_db()
    assert call.ruleset.version == 2 and call.ruleset.source_code == "fui-25"
    bad = admin_client.post(
        reverse("admin:funding_callruleset_add"),
        {"call": call.pk, "ruleset_data": json.dumps({"gber": "2014"}), "reason": ""},
    )
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["ruleset_data"] == ["code is required."]


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_a_call_can_be_deleted_with_its_versions_and_the_deletion_is_audited(
    admin_client: Any,
) -> None:
    call = upcoming_call(code="fui-19")
    url = reverse("admin:funding_call_delete", args=[call.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Call.objects.exists() and not CallRuleSet.objects.exists()
    assert AuditEvent.objects.filter(action="funding.call.delete").exists()


# --- programme officers edit their own funder's calls -------------------------------------------


def _officer(client: Any, funder: Any) -> Any:
    # No Django staff flag: back-office access comes from the role table.
    user = f.user_with_role("programme_officer", funder=funder)
    client.force_login(user)
    return user


def test_a_programme_officer_edits_the_rule_set_of_their_funders_call(client: Any) -> None:
    call = upcoming_call(code="fui-19")
    officer = _officer(client, call.funder)
    assert call.slug in client.get(reverse("admin:funding_call_changelist")).content.decode()
    data = dict(call.ruleset.data)
    data["company_rates"] = {**data["company_rates"], "small": "0.50"}
    response = client.post(change_url(call), _form(call, data, "officer's change"))
    assert response.status_code == 302, response.content[:3000]
    call.refresh_from_db()
    assert call.ruleset.version == 2
    assert AuditEvent.objects.get(
        action="call.ruleset_update", reason="officer's change"
    ).actor == (officer)


def test_an_officer_of_another_funder_neither_sees_nor_edits_the_call(client: Any) -> None:
    call = upcoming_call(code="fui-19")
    _officer(client, f.FunderFactory())
    assert call.slug not in client.get(reverse("admin:funding_call_changelist")).content.decode()
    assert client.get(change_url(call)).status_code in {302, 403, 404}
    data = dict(call.ruleset.data)
    data["company_rates"] = {**data["company_rates"], "small": "0.70"}
    assert client.post(change_url(call), _form(call, data)).status_code in {302, 403, 404}
    call.refresh_from_db()
    assert call.ruleset.version == 1


def test_an_officer_can_only_create_calls_for_their_own_funder(client: Any) -> None:
    own, other = f.FunderFactory(), f.FunderFactory()
    _officer(client, own)
    page = client.get(reverse("admin:funding_call_add"))
    assert page.status_code == 200
    choices = [c[0] for c in page.context["adminform"].form.fields["funder"].choices if c[0]]
    assert [int(str(c)) for c in choices] == [own.pk]
    assert other.pk not in [int(str(c)) for c in choices]


def test_a_member_with_staff_status_but_no_officer_role_cannot_open_calls(client: Any) -> None:
    user = f.user_with_role("member", organisation=f.OrganisationFactory())
    user.is_staff = True
    user.save()
    client.force_login(user)
    # The staff flag grants nothing: the back office sends them to its login page.
    response = client.get(reverse("admin:funding_call_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
