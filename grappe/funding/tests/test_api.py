"""POST /api/v1/aid/simulate and GET /api/v1/calls: figures, errors, permissions, language."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from grappe.core.models import Role
from grappe.core.tests import factories as f
from grappe.funding.domain.rulesets import FUI_19
from grappe.funding.tests.helpers import closed_call, consortium, open_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/aid/simulate"


def post(client: Any, body: dict[str, Any], query: str = "", **headers: Any) -> Any:
    return client.post(URL + query, body, content_type="application/json", **headers)


def small_and_large(ruleset: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A small and a large company, 100 k EUR each of industrial-research personnel costs."""
    body: dict[str, Any] = {
        "project": {
            "id": "demo",
            "partners": [
                {
                    "id": "small",
                    "name": "Petite Co",
                    "kind": "company",
                    "size": "small",
                    "coordinator": True,
                    "costs": [
                        {"category": "personnel", "research": "industrial", "amount": "100000"}
                    ],
                },
                {
                    "id": "large",
                    "kind": "company",
                    "size": "large",
                    "costs": [
                        {"category": "personnel", "research": "industrial", "amount": "100000"}
                    ],
                },
            ],
        },
        **extra,
    }
    if ruleset is not None:
        body["ruleset"] = ruleset
    elif "call" not in extra and "ruleset_code" not in extra:
        body["ruleset_code"] = "fui-19"
    return body


def line_of(data: dict[str, Any], partner: str) -> dict[str, Any]:
    p = next(p for p in data["partners"] if p["id"] == partner)
    return p["lines"][0]


# --------------------------------------------------------------------------- figures


def test_a_small_enterprise_in_effective_collaboration_gets_the_lower_of_call_and_gber(
    client: Any,
) -> None:
    # GBER: industrial research 50 + small 20 + collaboration 15 = 85, capped at 80 %.
    # FUI 19 pays an SME 45 %, below the cap: 45 % of 100 000 = 45 000.
    r = post(client, small_and_large())
    assert r.status_code == 200, r.content
    data = r.json()
    line = line_of(data, "small")
    assert (line["intensity_pct"], line["gber_cap_pct"], line["max_aid"]) == (
        "45",
        "80",
        "45000.00",
    )
    codes = [s["code"] for s in line["steps"]]
    assert codes == [
        "scheme.rate.base",
        "gber.base.industrial",
        "gber.bonus.small_enterprise",
        "gber.bonus.collaboration.undertakings",
        "gber.cap",
        "aid.intensity.scheme_rate",
    ]
    cap = next(s for s in line["steps"] if s["code"] == "gber.cap")
    assert cap["sentence"] == "85 % is capped at 80 %."
    assert cap["legal_ref"] == "GBER Art. 25(6)"
    assert cap["params"] == {"uncapped_pct": "85", "cap_pct": "80"}
    # The large company: call 25 % under a GBER ceiling of 50 + 15 = 65 %.
    assert (line_of(data, "large")["intensity_pct"], line_of(data, "large")["max_aid"]) == (
        "25",
        "25000.00",
    )
    assert data["total_max_aid"] == "70000.00"
    assert data["partners"][1]["name"] == "Petite Co"
    verdicts = {v["rule"]: v for v in data["verdicts"]}
    assert verdicts["min_independent_companies"]["status"] == "passed"
    assert verdicts["min_research_organisations"]["status"] == "failed"
    assert verdicts["min_research_organisations"]["sentence"] == (
        "0 research or training organisations (at least 1)."
    )
    assert verdicts["max_partners"]["status"] == "not_applicable"
    assert data["uses_unconfirmed_parameters"] is False and data["unconfirmed_notice"] is None


def test_when_the_call_pays_more_than_the_gber_the_gber_ceiling_wins(client: Any) -> None:
    generous = copy.deepcopy(FUI_19)
    generous["company_rates"] = {"small": "0.95", "medium": "0.95", "eti": "0.9", "large": "0.9"}
    r = post(client, small_and_large(generous))
    assert r.status_code == 200, r.content
    line = line_of(r.json(), "small")
    assert (line["intensity_pct"], line["max_aid"]) == ("80", "80000.00")
    assert line["steps"][-1]["code"] == "aid.intensity.capped_by_gber"


def test_city_of_paris_parameters_are_flagged_unconfirmed(client: Any) -> None:
    r = post(client, small_and_large(ruleset_code="city-of-paris"))
    data = r.json()
    assert data["uses_unconfirmed_parameters"] is True
    assert "City of Paris" in data["unconfirmed_notice"]
    assert "company_rates" in data["ruleset"]["unconfirmed"]
    rate = line_of(data, "small")["steps"][0]
    assert rate["code"] == "scheme.rate.base" and rate["unconfirmed"] is True


def test_figures_and_ownership_decide_the_size(client: Any) -> None:
    body = small_and_large()
    small = body["project"]["partners"][0]
    del small["size"]
    small["figures"] = [
        {"year": 2025, "staff_awu": "20", "turnover": "3000000", "balance_sheet": "2000000"}
    ]
    body["project"]["enterprises"] = [
        {
            "id": "group",
            "figures": [
                {"year": 2025, "staff_awu": "900", "turnover": "3e8", "balance_sheet": "2e8"}
            ],
        }
    ]
    body["project"]["ownership"] = [{"holder": "group", "held": "small", "capital_share": "0.6"}]
    data = post(client, body).json()
    small_out = next(p for p in data["partners"] if p["id"] == "small")
    # Linked to a 900-staff group: not an SME but an ETI, paid FUI 19's ETI rate of 30 %.
    assert (small_out["size"], small_out["french_category"]) == ("large", "eti")
    assert any(s["code"] == "sme.linked_enterprise" for s in small_out["steps"])
    assert small_out["lines"][0]["intensity_pct"] == "30"


def test_french_is_answered_with_lang_or_accept_language(client: Any) -> None:
    body = small_and_large()
    for data in (
        post(client, body, "?lang=fr").json(),
        post(client, body, HTTP_ACCEPT_LANGUAGE="fr").json(),
    ):
        assert data["language"] == "fr"
    assert post(client, body).json()["language"] == "en"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("mutate", "loc", "type_"),
    [
        (
            lambda b: b["project"]["partners"][0]["costs"][0].__setitem__("amount", "-5"),
            ["body", "payload", "project", "partners", 0, "costs", 0, "amount"],
            "greater_than_equal",
        ),
        (
            lambda b: b["project"]["partners"][0].__setitem__("kind", "alien"),
            ["body", "payload", "project", "partners", 0, "kind"],
            "enum",
        ),
        (
            lambda b: b.__setitem__("project_id", 1),
            ["body", "payload"],
            "value_error",
        ),
    ],
    ids=["negative-cost", "unknown-kind", "project-and-project-id"],
)
def test_bad_input_is_a_422_naming_the_field(
    client: Any, mutate: Any, loc: Any, type_: str
) -> None:
    body = small_and_large()
    mutate(body)
    r = post(client, body)
    assert r.status_code == 422, r.content
    errors = r.json()["detail"]
    assert any(e["loc"] == loc and e["type"] == type_ for e in errors), errors


@pytest.mark.parametrize(
    ("mutate", "loc", "type_", "message"),
    [
        (
            lambda d: d["company_rates"].__setitem__("small", "1.5"),
            ["body", "ruleset", "company_rates", "small"],
            "ruleset.rate_range",
            "company_rates.small must be a fraction between 0 and 1.",
        ),
        (
            lambda d: d.__setitem__("bonus_for_friends", "0.1"),
            ["body", "ruleset", "bonus_for_friends"],
            "ruleset.unknown_key",
            "bonus_for_friends is not a known rule.",
        ),
    ],
    ids=["rate-1.5", "unknown-rule"],
)
def test_a_bad_inline_rule_set_is_a_422_naming_the_field_and_rule(
    client: Any, mutate: Any, loc: Any, type_: str, message: str
) -> None:
    ruleset = copy.deepcopy(FUI_19)
    mutate(ruleset)
    r = post(client, small_and_large(ruleset))
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": loc, "msg": message, "type": type_}]


def test_an_unknown_ready_made_set_is_a_422(client: Any) -> None:
    r = post(client, small_and_large(ruleset_code="fui-99"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "ruleset_code"]


@pytest.mark.parametrize("slug", ["no-such-call", "bad slug"])
def test_an_unknown_call_is_a_404(client: Any, slug: str) -> None:
    assert post(client, small_and_large(call=slug)).status_code == 404


def test_a_control_character_in_the_call_is_a_422_naming_it(client: Any) -> None:
    response = post(client, small_and_large(call="bad\x00slug"))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "payload", "call"], "control_characters")


def test_a_call_slug_uses_the_calls_current_rule_set(client: Any) -> None:
    call = open_call(code="fui-19")
    data = post(client, small_and_large(call=call.slug)).json()
    assert data["call"]["slug"] == call.slug and data["ruleset"]["version"] == 1
    assert line_of(data, "small")["max_aid"] == "45000.00"


# --------------------------------------------------------------------------- stored projects


def _by_project(client: Any, project_id: int, call: str) -> Any:
    return post(client, {"project_id": project_id, "call": call})


@pytest.mark.parametrize("status", ["draft", "funded"])
def test_owner_insider_and_staff_may_simulate_a_stored_project_outsiders_get_404(
    client: Any, status: str
) -> None:
    c = consortium(status=status)
    call = open_call(code="fui-19")
    # The call's funder is asked for aid, so its programme officers see the proposal.
    part = c.project.participations.get(organisation=c.coordinator)
    f.FundingLineFactory(participation=part, funder=call.funder, granted=None, decided_on=None)
    allowed = {
        "owner": f.user_with_role(Role.MEMBER, organisation=c.coordinator),
        "insider": f.user_with_role(Role.CLUSTER_MANAGER, cluster=c.cluster),
        "admin": f.user_with_role(Role.ADMINISTRATOR),
        "officer": f.user_with_role(Role.PROGRAMME_OFFICER, funder=call.funder),
    }
    for who, user in allowed.items():
        client.force_login(user)
        r = _by_project(client, c.project.pk, call.slug)
        assert r.status_code == 200, (who, r.content)
        client.logout()
    data = r.json()
    small = next(p for p in data["partners"] if p["name"] == "Petite Co")
    # Small SME coordinator, FUI 19: 45 % of 100 000.
    assert (small["size"], small["max_aid"]) == ("small", "45000.00")
    lab = next(p for p in data["partners"] if p["name"] == "Labo")
    assert (lab["undertaking"], lab["max_aid"]) == (False, "40000.00")  # 40 % of full cost

    outsider = f.user_with_role(Role.MEMBER, organisation=f.OrganisationFactory())
    client.force_login(outsider)
    assert _by_project(client, c.project.pk, call.slug).status_code == 404
    client.logout()
    assert _by_project(client, c.project.pk, call.slug).status_code == 404


def test_an_officer_of_another_funder_cannot_simulate_a_public_project(client: Any) -> None:
    # Issue 13 (5): the simulation shows budget lines and every funder's requested aid, which
    # the project API hides from officers with no part in the project.
    c = consortium(status="funded")
    call = open_call(code="fui-19")
    part = c.project.participations.get(organisation=c.coordinator)
    f.FundingLineFactory(participation=part, funder=call.funder, granted=None, decided_on=None)
    client.force_login(f.user_with_role(Role.PROGRAMME_OFFICER, funder=call.funder))
    assert _by_project(client, c.project.pk, call.slug).status_code == 200  # insider
    client.force_login(f.user_with_role(Role.PROGRAMME_OFFICER, funder=f.FunderFactory()))
    response = _by_project(client, c.project.pk, call.slug)
    assert response.status_code == 404  # outsider: the public project is not within reach
    assert "budget" not in response.content.decode()
    project = client.get(f"/api/v1/projects/{c.project.pk}").json()
    assert project["budget_lines"] is None  # the project API agrees


def test_an_unknown_project_is_a_404(client: Any) -> None:
    call = open_call(code="fui-19")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    assert _by_project(client, 999_999, call.slug).status_code == 404


def test_other_funders_aid_is_cumulated(client: Any) -> None:
    c = consortium()
    call = open_call(code="fui-19")
    region = f.FunderFactory()
    part = c.project.participations.get(organisation=c.coordinator)
    # 80 % GBER ceiling on 100 000 = 80 000; the region already gives 50 000: 30 000 left.
    f.FundingLineFactory(participation=part, funder=region, granted=Decimal("50000"))
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    data = _by_project(client, c.project.pk, call.slug).json()
    small = next(p for p in data["partners"] if p["name"] == "Petite Co")
    assert small["max_aid"] == "30000.00"
    assert small["categories"][0]["steps"][0]["code"] == "cumulation.reduced"
    assert any(w["code"] == "aid.double_funding.exclusive_base" for w in small["warnings"])


# --------------------------------------------------------------------------- calls


def test_calls_lists_open_calls_by_default_and_shows_one_with_its_rule_set(client: Any) -> None:
    paris = open_call(
        code="city-of-paris",
        funder=f.FunderFactory(name_en="City of Paris", name_fr="Ville de Paris"),
    )
    fui = closed_call()
    assert [c["slug"] for c in client.get("/api/v1/calls").json()["items"]] == [paris.slug]
    assert [c["slug"] for c in client.get("/api/v1/calls?status=closed").json()["items"]] == [
        fui.slug
    ]
    assert len(client.get("/api/v1/calls?status=all").json()["items"]) == 2
    listed = client.get("/api/v1/calls").json()["items"][0]
    assert listed["status"] == "open" and "startup_bonus" in listed["unconfirmed"]
    detail = client.get(f"/api/v1/calls/{paris.slug}").json()
    assert detail["ruleset"]["code"] == "city-of-paris"
    assert "City of Paris" in detail["unconfirmed_notice"]
    assert client.get(f"/api/v1/calls/{fui.slug}").json()["unconfirmed_notice"] is None
    assert client.get("/api/v1/calls/nope").status_code == 404
    assert client.get("/api/v1/calls?status=weird").status_code == 422


def test_a_call_whose_stored_rule_set_no_longer_validates_is_a_422_not_a_500(
    client: Any,
) -> None:
    call = open_call(code="fui-19")
    version = call.ruleset
    version.data = {**version.data, "retired_rule": True}
    version.save()
    r = post(client, small_and_large(call=call.slug))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "call"]
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    page = client.get(f"/en/projects/{consortium().project.pk}/aid-simulation/")
    assert page.status_code == 200 and "retired_rule is not a known rule." in page.content.decode()


def test_the_calls_list_pages_with_a_cursor_and_constant_queries(client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(12):
        open_call(slug=f"call-{i:02d}")
    counts = {}
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(f"/api/v1/calls?limit={limit}").json()
        assert len(page["items"]) == limit
        counts[limit] = len(ctx.captured_queries)
    assert counts[2] == counts[10] <= 3
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/v1/calls?limit=5{cursor}").json()
        seen += [c["slug"] for c in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert sorted(seen) == [f"call-{i:02d}" for i in range(12)]
    assert client.get("/api/v1/calls?cursor=forged").status_code == 422


def test_a_calls_cursor_used_with_another_status_is_422(client: Any) -> None:
    for i in range(3):
        open_call(slug=f"call-{i:02d}")
    cursor = client.get("/api/v1/calls?limit=1").json()["next_cursor"]
    assert client.get(f"/api/v1/calls?limit=1&cursor={cursor}").status_code == 200
    response = client.get(f"/api/v1/calls?limit=1&status=all&cursor={cursor}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "invalid_cursor"


@pytest.mark.parametrize("value", ["1e400000000", "1e-400000000", "NaN", "Infinity", "1e20"])
def test_absurd_figures_are_a_422_naming_the_field_never_a_500(client: Any, value: str) -> None:
    body = small_and_large(ruleset_code="fui-19")
    body["project"]["partners"][0]["figures"] = [
        {"year": 2024, "staff_awu": value, "turnover": "1000", "balance_sheet": "1000"}
    ]
    response = post(Client(raise_request_exception=False), body)
    assert response.status_code == 422, response.content[:200]
    assert response.json()["detail"][0]["loc"][-1] == "staff_awu"
