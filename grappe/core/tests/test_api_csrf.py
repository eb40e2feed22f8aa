"""CSRF on the JSON API: an unsafe call carrying the session cookie needs the CSRF token.

The finding (issue 13): a cross-site `text/plain` POST with the visitor's session was accepted.
Machine clients without cookies need no token.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from grappe.core.models import Role, Transition
from grappe.core.tests.factories import OrganisationFactory, user_with_role
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db

SIMULATE = "/api/v1/aid/simulate"
BODY: dict[str, Any] = {
    "ruleset_code": "fui-19",
    "project": {
        "id": "csrf",
        "partners": [
            {
                "id": "small",
                "kind": "company",
                "size": "small",
                "coordinator": True,
                "costs": [{"category": "personnel", "research": "industrial", "amount": "1000"}],
            }
        ],
    },
}
REFUSED_EN = (
    "This call uses your session but has no valid CSRF token: send the value of the "
    "csrftoken cookie in the X-CSRFToken header."
)


def browser(user: Any) -> Client:
    """A logged-in browser that enforces CSRF as a real one does, with its csrftoken cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/en/accounts/login/")  # a page with a form: sets the csrftoken cookie
    assert "csrftoken" in client.cookies
    return client


def token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def test_a_session_call_without_the_token_is_refused_with_a_translated_403() -> None:
    client = browser(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    response = client.post(SIMULATE, BODY, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": REFUSED_EN}
    french = client.post(
        SIMULATE, BODY, content_type="application/json", headers={"accept-language": "fr"}
    )
    assert french.status_code == 403
    assert "n'a pas de jeton CSRF valable" in french.json()["detail"]


def test_the_cross_site_text_plain_post_is_refused() -> None:
    """What a form on another site can send with the visitor's cookies: no custom header."""
    client = browser(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    response = client.post(SIMULATE, json.dumps(BODY), content_type="text/plain")
    assert response.status_code == 403
    # A wrong token is no better than none.
    wrong = client.post(
        SIMULATE, BODY, content_type="application/json", headers={"x-csrftoken": "x" * 32}
    )
    assert wrong.status_code == 403


def test_a_session_call_with_the_token_is_served() -> None:
    client = browser(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    response = client.post(
        SIMULATE, BODY, content_type="application/json", headers={"x-csrftoken": token(client)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["partners"][0]["lines"][0]["max_aid"] == "450.00"


def test_a_machine_client_without_cookies_needs_no_token() -> None:
    response = Client(enforce_csrf_checks=True).post(
        SIMULATE, BODY, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_an_anonymous_browser_session_needs_the_token_too() -> None:
    """The rule is the cookie, not who it belongs to: a browser that carries a session cookie
    (even one of no user) is treated as a browser."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "no-such-session"
    assert client.post(SIMULATE, BODY, content_type="application/json").status_code == 403


def test_reads_need_no_token() -> None:
    client = browser(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    assert client.get("/api/v1/calls").status_code == 200


@pytest.mark.parametrize("who", ["owner", "insider", "outsider"])
def test_a_transition_without_the_token_changes_nothing_whoever_calls(who: str) -> None:
    p = proposal()
    client = browser(getattr(p, who))
    url = f"/api/v1/projects/{p.project.pk}/transitions"
    response = client.post(url, {"transition": "submit"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": REFUSED_EN}
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert not Transition.objects.exists()


def test_a_transition_with_the_token_goes_through_for_the_owner_only() -> None:
    p = proposal()
    url = f"/api/v1/projects/{p.project.pk}/transitions"
    body = {"transition": "withdraw", "reason": "Consortium dissolved", "idempotency_key": "csrf-1"}
    # With the token, the role table still decides: the insider is refused for their role, the
    # outsider does not see the project.
    insider, outsider = browser(p.insider), browser(p.outsider)
    refused = insider.post(
        url, body, content_type="application/json", headers={"x-csrftoken": token(insider)}
    )
    assert refused.status_code == 403 and refused.json()["refusal"] == "role"
    hidden = outsider.post(
        url, body, content_type="application/json", headers={"x-csrftoken": token(outsider)}
    )
    assert hidden.status_code == 404
    owner = browser(p.owner)
    ok = owner.post(
        url, body, content_type="application/json", headers={"x-csrftoken": token(owner)}
    )
    assert ok.status_code == 201, ok.content
    assert Project.objects.get(pk=p.project.pk).status == "withdrawn"
    # Without a session the endpoint still asks for a login.
    assert Client().post(url, body, content_type="application/json").status_code == 401
