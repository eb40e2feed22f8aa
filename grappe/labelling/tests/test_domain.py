"""The pure labelling rules: criteria, conflicts through ownership, the workflow."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grappe.core.domain.workflow import ObjectRole, Refusal
from grappe.labelling.domain.conflicts import (
    SAME_GROUP,
    SAME_ORGANISATION,
    conflicts,
)
from grappe.labelling.domain.criteria import (
    definition_problems,
    load_definition,
    score_problems,
    weighted_result,
)
from grappe.labelling.domain.workflow import CURRENT, Outcome, ReviewFacts
from grappe.registry.domain.ownership import group_distances

DEFINITION = {
    "checklist": [{"id": "consortium", "label": "At least two partners"}],
    "criteria": [
        {"id": "innovation", "label": "Innovation", "weight": 3, "max_score": 5},
        {"id": "fit", "label": "Fit with the themes", "weight": 1, "max_score": 10},
    ],
}


def test_a_valid_definition_loads() -> None:
    assert definition_problems(DEFINITION) == []
    rules = load_definition(DEFINITION)
    assert [c.id for c in rules.criteria] == ["innovation", "fit"]
    assert rules.checklist[0].label == "At least two partners"


def test_definition_problems_have_paths() -> None:
    bad = {
        "checklist": [{"id": "Bad Id", "label": ""}],
        "criteria": [
            {"id": "a", "label": "A", "weight": 0, "max_score": 5},
            {"id": "a", "label": "B", "weight": 2, "max_score": 1000},
        ],
    }
    paths = {path for path, _msg, _params in definition_problems(bad)}
    assert paths == {
        "checklist[0].id",
        "checklist[0].label",
        "criteria[0].weight",
        "criteria[1].id",
        "criteria[1].max_score",
    }
    assert [p for p, *_ in definition_problems({"checklist": []})] == ["criteria"]
    with pytest.raises(ValueError, match="criteria"):
        load_definition({})


@pytest.mark.parametrize(
    ("scores", "path", "fragment"),
    [
        ({"innovation": 6, "fit": 1}, "scores.innovation", "from 0 to %(max)s"),
        ({"innovation": -1, "fit": 1}, "scores.innovation", "from 0 to"),
        ({"innovation": 2.5, "fit": 1}, "scores.innovation", "whole number"),
        ({"innovation": True, "fit": 1}, "scores.innovation", "whole number"),
        ({"innovation": 2}, "scores.fit", "has no score"),
        ({"innovation": 2, "fit": 1, "other": 1}, "scores.other", "not a criterion"),
    ],
)
def test_scores_out_of_range_or_missing_are_refused(
    scores: dict[str, object], path: str, fragment: str
) -> None:
    problems = score_problems(load_definition(DEFINITION), scores)
    assert [(p, fragment in m) for p, m, _ in problems] == [(path, True)]


def test_weighted_result_is_a_decimal_percentage() -> None:
    rules = load_definition(DEFINITION)
    assert weighted_result(rules, {"innovation": 5, "fit": 10}) == Decimal("100.00")
    assert weighted_result(rules, {"innovation": 0, "fit": 0}) == Decimal("0.00")
    # (4/5*3 + 5/10*1) / 4 * 100 = 72.5
    assert weighted_result(rules, {"innovation": 4, "fit": 5}) == Decimal("72.50")


# Ownership: 1 holds 2, 2 holds 3 (a two-level chain); 4 holds 3 too (a co-owner); 9 alone.
LINKS = [(1, 2), (2, 3), (4, 3)]


def test_corporate_group_follows_links_both_ways_at_any_depth() -> None:
    assert group_distances([1], LINKS) == {1: 0, 2: 1, 3: 2, 4: 3}
    assert group_distances([3], LINKS) == {3: 0, 2: 1, 4: 1, 1: 2}
    assert group_distances([9], LINKS) == {9: 0}


def test_conflict_with_the_grandparent_and_with_the_grandchild() -> None:
    # The member acts for the grandchild (3); the consortium holds the grandparent (1).
    up = conflicts([3], [1, 9], LINKS)
    assert [(c.own, c.partner, c.links) for c in up] == [(3, 1, 2)]
    assert up[0].reason == SAME_GROUP
    # The other way round: the member acts for the grandparent, the grandchild is a partner.
    down = conflicts([1], [3], LINKS)
    assert [(c.own, c.partner, c.links) for c in down] == [(1, 3, 2)]


def test_same_organisation_and_no_conflict() -> None:
    same = conflicts([9, 1], [9], LINKS)
    assert [(c.own, c.partner, c.links) for c in same] == [(9, 9, 0)]
    assert same[0].reason == SAME_ORGANISATION
    assert conflicts([9], [1, 2, 3], LINKS) == []
    assert conflicts([], [1], LINKS) == []


M = frozenset({ObjectRole.CLUSTER_MANAGER})
GOOD = ReviewFacts(
    submission_live=True,
    outcome=Outcome.ACCREDITED,
    conditions_given=False,
    scored_by=1,
    checklist_complete=True,
)


def test_decide_needs_reasons_and_a_manager() -> None:
    assert CURRENT.decide(
        "decide", state="under_review", roles=M, facts=GOOD, reason="Strong"
    ).allowed
    no_reason = CURRENT.decide("decide", state="under_review", roles=M, facts=GOOD, reason=" ")
    assert no_reason.refusal is Refusal.REASON
    partner = CURRENT.decide(
        "decide", state="under_review", roles={ObjectRole.PARTNER}, facts=GOOD, reason="x"
    )
    assert partner.refusal is Refusal.ROLE


@pytest.mark.parametrize(
    ("facts", "guard"),
    [
        (ReviewFacts(**{**GOOD.__dict__, "submission_live": False}), "submission_live"),
        (ReviewFacts(**{**GOOD.__dict__, "outcome": ""}), "outcome_chosen"),
        (ReviewFacts(**{**GOOD.__dict__, "scored_by": 0}), "has_scores"),
        (
            ReviewFacts(**{**GOOD.__dict__, "outcome": Outcome.ACCREDITED_WITH_CONDITIONS}),
            "conditions_given",
        ),
        (ReviewFacts(**{**GOOD.__dict__, "checklist_complete": False}), "checklist_complete"),
    ],
)
def test_decide_guards(facts: ReviewFacts, guard: str) -> None:
    d = CURRENT.decide("decide", state="under_review", roles=M, facts=facts, reason="x")
    assert d.refusal is Refusal.GUARD and d.guard is not None and d.guard.id == guard


def test_a_refusal_needs_no_complete_checklist_and_publish_only_after_decide() -> None:
    refused = ReviewFacts(**{**GOOD.__dict__, "outcome": "refused", "checklist_complete": False})
    assert CURRENT.decide(
        "decide", state="under_review", roles=M, facts=refused, reason="x"
    ).allowed
    early = CURRENT.decide("publish", state="under_review", roles=M, facts=GOOD)
    assert early.refusal is Refusal.WRONG_STATE
    assert CURRENT.decide("publish", state="decided", roles=M, facts=GOOD).allowed
    done = CURRENT.decide("reopen", state="published", roles=M, facts=GOOD, reason="x")
    assert done.refusal is Refusal.WRONG_STATE
