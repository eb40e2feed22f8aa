"""A call's evaluation set-up: the pure validation (defaults, grid, weights, tie-breaks), the
service (versions, audit, pin, nothing written on a refusal), the page and the API."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from grappe.core.models import AuditEvent, Role
from grappe.core.tests import factories as f
from grappe.funding.domain.evaluation import (
    DEFAULT_EVALUATION,
    EvaluationError,
    check_score,
    evaluation_from_dict,
    evaluation_to_dict,
    stored_or_default,
)
from grappe.funding.models import Call
from grappe.funding.services import EvaluationInvalid, call_evaluation_update
from grappe.funding.tests.helpers import open_call, upcoming_call


def default() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_EVALUATION)


def test_the_defaults_are_horizon_europes() -> None:
    setup = stored_or_default({})
    assert [c.code for c in setup.criteria] == ["excellence", "impact", "implementation"]
    assert {c.threshold for c in setup.criteria} == {Decimal(3)}
    assert setup.overall_threshold == Decimal(10) and setup.overall_max == Decimal(15)
    assert setup.evaluators_per_application == 3
    assert setup.tie_breaks == (
        "topic_coverage",
        "criterion:excellence",
        "criterion:impact",
        "sme_count",
    )
    assert evaluation_from_dict(evaluation_to_dict(setup)) == setup


@pytest.mark.parametrize("score", ["0", "0.5", "3", "4.5", "5", 2])
def test_scores_on_the_half_point_grid_are_accepted(score: object) -> None:
    assert check_score(score) == Decimal(str(score))


@pytest.mark.parametrize("score", ["-0.5", "5.5", "3.25", "x", None, True])
def test_scores_off_the_grid_or_outside_0_5_are_refused(score: object) -> None:
    with pytest.raises(EvaluationError) as exc:
        check_score(score, field="scores.impact")
    assert (exc.value.field, exc.value.rule) == ("scores.impact", "grid")


def _broken(path: str, value: Any) -> dict[str, Any]:
    data = default()
    node: Any = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key) - 1] if key.isdigit() else node[key]
    if last.isdigit():
        node[int(last) - 1] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        ("criteria.2.weight", "1.5", "criteria.weight", "weights_total"),
        ("criteria.2.weight", "0", "criteria.2.weight", "positive"),
        ("criteria.1.threshold", "3.3", "criteria.1.threshold", "grid"),
        ("criteria.3.threshold", "6", "criteria.3.threshold", "grid"),
        ("criteria.2.code", "excellence", "criteria.2.code", "duplicate"),
        ("criteria.2.code", "Impact!", "criteria.2.code", "code"),
        ("criteria.1.name_fr", "", "criteria.1.name_fr", "required"),
        ("overall_threshold", "15.5", "overall_threshold", "grid"),
        ("evaluators_per_application", 0, "evaluators_per_application", "evaluators"),
        ("tie_breaks.2", "criterion:novelty", "tie_breaks.2", "tie_break"),
        ("tie_breaks.4", "topic_coverage", "tie_breaks.4", "duplicate"),
    ],
)
def test_a_bad_set_up_is_refused_naming_the_field(
    path: str, value: Any, field: str, rule: str
) -> None:
    with pytest.raises(EvaluationError) as exc:
        evaluation_from_dict(_broken(path, value))
    assert (exc.value.field, exc.value.rule) == (field, rule)


def test_weights_that_add_up_to_the_number_of_criteria_are_accepted() -> None:
    data = default()
    data["criteria"][0]["weight"] = "0.75"
    data["criteria"][1]["weight"] = "1.5"
    data["criteria"][2]["weight"] = "0.75"
    assert evaluation_from_dict(data).criteria[1].weight == Decimal("1.5")


# --- the service ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_change_is_a_new_version_audited_and_an_unchanged_one_is_no_change() -> None:
    call = upcoming_call()
    data = default()
    data["evaluators_per_application"] = 5
    setup = call_evaluation_update(actor=None, call=call, data=data, reason="five experts")
    assert setup.version == 2 and setup.evaluators_per_application == 5
    call.refresh_from_db()
    assert call.evaluation["version"] == 2
    event = AuditEvent.objects.get(action="call.evaluation_update")
    assert event.reason == "five experts" and event.after["evaluators_per_application"] == 5
    again = call_evaluation_update(actor=None, call=call, data=data, reason="same")
    assert again.version == 2
    assert AuditEvent.objects.filter(action="call.evaluation_update").count() == 1


@pytest.mark.django_db
def test_refusals_write_nothing() -> None:
    call = upcoming_call()
    before = AuditEvent.objects.count()
    with pytest.raises(EvaluationInvalid) as exc:
        call_evaluation_update(
            actor=None, call=call, data=_broken("criteria.1.weight", "2"), reason="x"
        )
    assert "they must add up to 3 (the number of criteria)" in exc.value.messages[0]
    assert exc.value.field == "criteria.weight"
    opened = open_call(slug="open-one")
    changed = default()
    changed["overall_threshold"] = "12"
    with pytest.raises(ValidationError) as pinned:
        call_evaluation_update(actor=None, call=opened, data=changed, reason="x")
    assert "evaluation criteria are pinned" in str(pinned.value)
    assert (
        AuditEvent.objects.count()
        == before
        + AuditEvent.objects.filter(action__startswith="call.", object_id=str(opened.pk)).count()
    )
    assert Call.objects.get(pk=call.pk).evaluation == {}
    assert Call.objects.get(pk=opened.pk).evaluation == {}


# --- the page and the API ------------------------------------------------------------------


def _post(setup: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "overall_threshold": str(setup.overall_threshold),
        "evaluators": str(setup.evaluators_per_application),
        "expected_version": str(setup.version),
        "reason": "criteria of the 2027 call",
    }
    for i, c in enumerate(setup.criteria, start=1):
        data.update(
            {
                f"c{i}_code": c.code,
                f"c{i}_name_en": c.name_en,
                f"c{i}_name_fr": c.name_fr,
                f"c{i}_weight": str(c.weight),
                f"c{i}_threshold": str(c.threshold),
            }
        )
    for i, rule in enumerate(setup.tie_breaks, start=1):
        data[f"tie_{i}"] = rule
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_call_page_and_api_show_the_criteria(client: Any) -> None:
    call = open_call()
    html = client.get(f"/en/calls/{call.slug}/").content.decode()
    assert "Quality and efficiency of the implementation" in html
    assert "10 out of 15 overall" in html and "scored by 3 experts" in html
    assert "Coverage of topics not yet covered" in html and "Score on “Excellence”" in html
    fr = client.get(f"/api/v1/calls/{call.slug}?lang=fr").json()["evaluation"]
    assert fr["criteria"][2]["name"] == "Qualité et efficacité de la mise en œuvre"
    assert fr["tie_breaks"][1]["label"] == "Note sur « Excellence »"


@pytest.mark.django_db
def test_an_officer_sets_the_criteria_and_a_bad_weight_is_named(client: Any) -> None:
    funder = f.FunderFactory()
    call = upcoming_call(funder=funder)
    client.force_login(f.user_with_role(Role.PROGRAMME_OFFICER, funder=funder))
    url = f"/en/calls/{call.slug}/evaluation/"
    assert client.get(url).status_code == 200
    setup = stored_or_default({})
    r = client.post(url, _post(setup, c2_weight="2"))
    assert r.status_code == 200
    assert "they must add up to 3" in str(r.context["form"].non_field_errors())
    r = client.post(url, _post(setup, c3_threshold="3.3"))
    assert "between 0 and 5 in steps of 0.5" in r.context["form"].errors["c3_threshold"][0]
    assert Call.objects.get(pk=call.pk).evaluation == {}
    r = client.post(
        url,
        _post(
            setup,
            c4_code="open_science",
            c4_name_en="Open science",
            c4_name_fr="Science ouverte",
            c4_weight="1",
            c4_threshold="2.5",
            overall_threshold="13",
        ),
    )
    assert r.status_code == 302, r.context["form"].errors
    stored = stored_or_default(Call.objects.get(pk=call.pk).evaluation)
    assert [c.code for c in stored.criteria][-1] == "open_science"
    assert stored.overall_threshold == Decimal(13) and stored.version == 2
    outsider = f.user_with_role(Role.PROGRAMME_OFFICER, funder=f.FunderFactory())
    client.force_login(outsider)
    assert client.get(url).status_code == 404
