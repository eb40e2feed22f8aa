"""Two officers on one call: the second of two forms opened on the same version is refused
("changed since you opened it"), naming the version now current, and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.models import AuditEvent, RoleAssignment
from grappe.core.tests import factories as f
from grappe.funding.models import Call, CallRuleSet
from grappe.funding.services import call_ruleset_update, call_update
from grappe.funding.tests.helpers import upcoming_call
from grappe.funding.tests.test_admin import _form, change_url

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="edit_token" value="([0-9a-f]+)"')


def _officer_client(call: Call, name: str) -> tuple[Any, Client]:
    user = f.UserFactory(username=name)
    RoleAssignment.objects.create(user=user, role="programme_officer", funder=call.funder)
    client = Client()
    client.force_login(user)
    return user, client


def _opened(client: Client, call: Call) -> str:
    """The token the change page gives its form when the officer opens it."""
    page = client.get(change_url(call))
    assert page.status_code == 200
    match = TOKEN.search(page.content.decode())
    assert match, "the change form carries no edit token"
    return match.group(1)


def _rates(call: Call, small: str) -> dict[str, Any]:
    data = dict(call.ruleset.data)
    data["company_rates"] = {**data["company_rates"], "small": small}
    return data


def test_the_second_of_two_forms_opened_on_one_version_is_refused_and_changes_nothing() -> None:
    call = upcoming_call(code="fui-19")
    _alice, alice = _officer_client(call, "alice")
    _bob, bob = _officer_client(call, "bob")
    alice_token, bob_token = _opened(alice, call), _opened(bob, call)
    assert alice_token == bob_token

    first = alice.post(change_url(call), {**_form(call, _rates(call, "0.50"), "Alice")})
    assert first.status_code == 302
    events = AuditEvent.objects.count()

    second = bob.post(
        change_url(call), {**_form(call, _rates(call, "0.30"), "Bob"), "edit_token": bob_token}
    )
    assert second.status_code == 200
    errors = second.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert "was changed since you opened it (version 2 is now current, by alice at" in errors[0]
    call.refresh_from_db()
    assert call.ruleset.version == 2
    assert call.ruleset.data["company_rates"]["small"] == "0.50"
    assert CallRuleSet.objects.filter(call=call).count() == 2
    assert AuditEvent.objects.count() == events

    # reopened, Bob's form is on version 2 and his change is saved as version 3
    third = bob.post(change_url(call), _form(call, _rates(call, "0.30"), "Bob again"))
    assert third.status_code == 302
    call.refresh_from_db()
    assert (call.ruleset.version, call.ruleset.data["company_rates"]["small"]) == (3, "0.30")


def test_a_form_opened_before_a_change_of_the_calls_dates_is_refused_too() -> None:
    call = upcoming_call(code="fui-19")
    _alice, alice = _officer_client(call, "alice")
    _bob, bob = _officer_client(call, "bob")
    bob_token = _opened(bob, call)
    moved = {**_form(call, "", "new title"), "title_en": "Renamed by Alice"}
    assert alice.post(change_url(call), moved).status_code == 302
    stale = {**_form(call, "", "Bob's title"), "title_en": "Bob's", "edit_token": bob_token}
    response = bob.post(change_url(call), stale)
    assert response.status_code == 200
    assert "version 1 is now current, by alice" in response.content.decode()
    call.refresh_from_db()
    assert call.title_en == "Renamed by Alice"


def test_a_form_posted_without_its_token_is_refused_not_saved() -> None:
    call = upcoming_call(code="fui-19")
    _alice, alice = _officer_client(call, "alice")
    data = _form(call, _rates(call, "0.50"), "no token")
    del data["edit_token"]
    response = alice.post(change_url(call), data)
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    assert CallRuleSet.objects.filter(call=call).count() == 1


def test_the_service_refuses_a_stale_version_naming_the_current_one_and_writes_nothing() -> None:
    call = upcoming_call(code="fui-19")
    officer = f.UserFactory(username="carol")
    call_ruleset_update(
        actor=officer, call=call, data=_rates(call, "0.50"), reason="", expected_version=1
    )
    events = AuditEvent.objects.count()
    with pytest.raises(EditConflict) as refused:
        call_ruleset_update(
            actor=officer, call=call, data=_rates(call, "0.20"), reason="", expected_version=1
        )
    assert refused.value.code == "stale"
    assert "version 2 is now current, by carol at" in refused.value.messages[0]
    assert CallRuleSet.objects.filter(call=call).count() == 2
    assert AuditEvent.objects.count() == events


def test_call_update_refuses_a_stale_token_and_accepts_a_fresh_one() -> None:
    call = upcoming_call(code="fui-19")
    opened = edit_token(Call.objects.get(pk=call.pk))
    call_update(actor=None, call=call, expected_token=opened, title_en="First")
    with pytest.raises(EditConflict):
        call_update(actor=None, call=call, expected_token=opened, title_en="Second")
    fresh = edit_token(Call.objects.get(pk=call.pk))
    saved = call_update(actor=None, call=call, expected_token=fresh, title_en="Second")
    assert saved.title_en == "Second"
    assert Call.objects.get(pk=call.pk).title_en == "Second"


def test_a_token_is_the_same_for_the_row_however_it_was_read() -> None:
    call = upcoming_call(code="fui-19")
    assert edit_token(call) == edit_token(Call.objects.get(pk=call.pk))
    assert edit_token(call) != edit_token(Call.objects.get(pk=upcoming_call(slug="other").pk))


def test_the_refusal_is_in_the_readers_language() -> None:
    call = upcoming_call(code="fui-19")
    _alice, alice = _officer_client(call, "alice")
    with translation.override("fr"):
        url = change_url(call)
    assert url.startswith("/fr/")
    data = _form(call, _rates(call, "0.50"), "stale")
    data["edit_token"] = "0" * 32
    response = alice.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "a été modifié depuis que vous l&#x27;avez ouvert (la version 1 est" in page
    assert CallRuleSet.objects.filter(call=call).count() == 1
