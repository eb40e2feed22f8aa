"""Issue 13 (3): the aid simulation and the searches are rate-limited per client.

N requests pass, the next gets 429 with Retry-After and a translated message, another client is
not affected, and the window resets — on a fake clock, without sleeping."""

from __future__ import annotations

from typing import Any

import pytest

from grappe.core import ratelimit
from grappe.core.models import Role
from grappe.core.tests import factories as f
from grappe.funding.tests.helpers import consortium, open_call

pytestmark = pytest.mark.django_db

SIMULATION = {
    "ruleset_code": "fui-19",
    "project": {
        "partners": [
            {
                "id": "a",
                "kind": "company",
                "size": "small",
                "costs": [{"category": "personnel", "research": "industrial", "amount": "1000"}],
            }
        ]
    },
}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any, settings: Any) -> FakeClock:
    settings.RATE_LIMITS = {"aid_simulation": "3/60", "search": "2/60"}
    fake = FakeClock(6_000_000.0)  # the start of a 60-second window
    monkeypatch.setattr(ratelimit, "clock", fake)
    return fake


def simulate(client: Any, **extra: Any) -> Any:
    return client.post("/api/v1/aid/simulate", SIMULATION, content_type="application/json", **extra)


def test_the_api_simulation_allows_n_requests_then_answers_429(
    client: Any, clock: FakeClock
) -> None:
    for _ in range(3):
        assert simulate(client).status_code == 200
    clock.now += 15
    refused = simulate(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {"detail": "Too many requests: try again in 45 seconds."}


def test_another_client_is_not_affected(client: Any, clock: FakeClock) -> None:
    for _ in range(3):
        simulate(client)
    assert simulate(client).status_code == 429
    assert simulate(client, REMOTE_ADDR="192.0.2.7").status_code == 200  # another address
    client.force_login(f.UserFactory())
    assert simulate(client).status_code == 200  # a user counts as themselves, not their IP


def test_the_window_resets(client: Any, clock: FakeClock) -> None:
    for _ in range(3):
        simulate(client)
    assert simulate(client).status_code == 429
    clock.now += 60
    assert simulate(client).status_code == 200


def test_a_refused_request_is_not_counted(client: Any, clock: FakeClock) -> None:
    for _ in range(3):
        simulate(client)
    for _ in range(5):
        assert simulate(client).status_code == 429
    clock.now += 60
    for _ in range(3):
        assert simulate(client).status_code == 200


def test_the_simulation_page_shares_the_bucket_and_answers_a_translated_page(
    client: Any, clock: FakeClock
) -> None:
    c = consortium()
    open_call(code="fui-19")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    url = f"/fr/projects/{c.project.pk}/aid-simulation/"
    assert client.get(url).status_code == 200
    for _ in range(2):
        simulate(client)
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Trop de requêtes : réessayez dans 60 secondes." in refused.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations?q=x",
        "/api/v1/projects?q=x",
        "/en/search/?q=x",
        # a funder's projects: the same project search, on its page and in the API
        "/api/v1/funders/{funder}/projects?q=x",
        "/en/funders/{funder}/?q=x",
    ],
)
def test_searches_are_limited_and_plain_lists_are_not(
    client: Any, clock: FakeClock, url: str
) -> None:
    url = url.format(funder=f.FunderFactory().slug)
    for _ in range(2):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    plain = url.split("?")[0]
    for _ in range(3):
        assert client.get(plain).status_code == 200  # no `q`: not a search


def test_x_forwarded_for_is_trusted_only_when_the_proxy_header_is_set(
    client: Any, clock: FakeClock, settings: Any
) -> None:
    def search(forwarded: str) -> int:
        return client.get("/en/search/?q=x", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # Not trusted: every forged header is the same client (REMOTE_ADDR).
    assert [search("198.51.100.1"), search("198.51.100.2"), search("198.51.100.3")] == [
        200,
        200,
        429,
    ]
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # Behind a proxy the client is the last address it appended; a forged one before is
    # ignored.
    assert [search("6.6.6.6, 203.0.113.9") for _ in range(3)] == [200, 200, 429]
    assert search("6.6.6.6, 203.0.113.10") == 200


def test_a_malformed_rate_is_a_configuration_error(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.RATE_LIMITS = {"search": "many"}
    with pytest.raises(ImproperlyConfigured, match="count/seconds"):
        ratelimit.rate("search")


@pytest.mark.parametrize(
    "url", ["/en/imports/merges/?q=x", "/en/funders/{funder}/funding-lines/unmatched/?q=x"]
)
def test_the_staff_lists_with_q_are_limited_too(client: Any, clock: FakeClock, url: str) -> None:
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    url = url.format(funder=f.FunderFactory().slug)
    for _ in range(2):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert client.get(url.split("?")[0]).status_code == 200  # no `q`: not a search
