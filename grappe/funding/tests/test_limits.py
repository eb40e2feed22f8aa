"""Issue 13 (3): one aid simulation may not ask for unbounded work. The limits are settings
(`AID_SIMULATION_MAX_*`); the figures of the largest accepted simulation are printed by
`benchmarks/bench_aid_limits.py`."""

from __future__ import annotations

from typing import Any

import pytest

from grappe.core.models import Role
from grappe.core.tests import factories as f
from grappe.funding.tests.helpers import consortium, open_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/aid/simulate"


def body(partners: int, lines: int, other: int = 0, ids: int = 0) -> dict[str, Any]:
    return {
        "ruleset_code": "fui-19",
        "project": {
            "partners": [
                {
                    "id": f"p{i}",
                    "kind": "company",
                    "size": "small",
                    "costs": [
                        {
                            "id": f"p{i}-{j}",
                            "category": "personnel",
                            "research": "industrial",
                            "amount": "1000",
                        }
                        for j in range(lines)
                    ],
                    "other_aid": [
                        {
                            "funder": f"F{k}",
                            "category": "personnel",
                            "amount": "10",
                            "cost_line_ids": [f"p{i}-{m}" for m in range(ids)],
                        }
                        for k in range(other)
                    ],
                }
                for i in range(partners)
            ]
        },
    }


def post(client: Any, data: dict[str, Any], query: str = "") -> Any:
    return client.post(URL + query, data, content_type="application/json")


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.AID_SIMULATION_MAX_COST_LINES = 12
    settings.AID_SIMULATION_MAX_OTHER_AID = 4
    settings.AID_SIMULATION_MAX_ITEMS = 30


@pytest.mark.usefixtures("small_limits")
def test_a_simulation_at_the_limits_is_answered(client: Any) -> None:
    # 3 partners + 12 lines + 3 other-aid lines + 12 named lines = 30 items.
    response = post(client, body(3, 4, other=1, ids=4))
    assert response.status_code == 200, response.content


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize(
    ("data", "rule", "sentence"),
    [
        (
            body(3, 5),
            "limit.cost_lines",
            "15 cost lines over all partners, more than the limit of 12",
        ),
        (
            body(1, 1, other=5),
            "limit.other_aid",
            "5 aid lines from other funders over all partners, more than the limit of 4",
        ),
        (body(3, 4, other=1, ids=5), "limit.items", "33 list items in all"),
    ],
)
def test_more_work_than_the_limits_is_a_422_naming_the_limit_and_the_value(
    client: Any, data: dict[str, Any], rule: str, sentence: str
) -> None:
    response = post(client, data)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "project"], rule)
    assert sentence in error["msg"]


@pytest.mark.usefixtures("small_limits")
def test_the_refusal_is_translated(client: Any) -> None:
    [error] = post(client, body(3, 5), "?lang=fr").json()["detail"]
    assert "15 lignes de coûts" in error["msg"] and "12" in error["msg"]


def test_the_lists_a_partner_may_hold_are_bounded_by_the_schema(client: Any) -> None:
    response = post(client, body(1, 1, other=1, ids=201))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "cost_line_ids" and error["type"] == "too_long"


def test_a_stored_project_beyond_the_limits_is_refused_by_api_and_page(
    client: Any, settings: Any
) -> None:
    settings.AID_SIMULATION_MAX_COST_LINES = 2  # the consortium has 3 budget lines
    c = consortium()
    call = open_call(code="fui-19")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    response = post(client, {"project_id": c.project.pk, "call": call.slug})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "project_id"], "limit.cost_lines")
    page = client.get(f"/en/projects/{c.project.pk}/aid-simulation/")
    assert page.status_code == 200
    assert "3 cost lines over all partners, more than the limit of 2" in page.content.decode()
