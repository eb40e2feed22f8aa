"""The panel's ranking and the consensus helpers (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from grappe.evaluation.domain.consensus import disagreements, mean_scores
from grappe.evaluation.domain.panel import (
    TIE_APPLICATION_ORDER,
    Entry,
    PanelList,
    below_thresholds,
    overall_score,
    rank,
)
from grappe.funding.domain.evaluation import DEFAULT_EVALUATION, evaluation_from_dict

SETUP = evaluation_from_dict(DEFAULT_EVALUATION)


def setup_with(ties: list[str]):
    return evaluation_from_dict({**DEFAULT_EVALUATION, "tie_breaks": ties})


def e(app: int, exc: str, imp: str, impl: str, *, smes: int = 0, topics: str = "") -> Entry:
    return Entry(
        app,
        {"excellence": D(exc), "impact": D(imp), "implementation": D(impl)},
        sme_count=smes,
        topics=frozenset(t for t in topics.split() if t),
    )


def test_overall_is_the_weighted_sum_and_thresholds_name_what_was_missed() -> None:
    weighted = evaluation_from_dict(
        {
            **DEFAULT_EVALUATION,
            "criteria": [
                {**DEFAULT_EVALUATION["criteria"][0], "weight": "1.5"},
                {**DEFAULT_EVALUATION["criteria"][1], "weight": "1"},
                {**DEFAULT_EVALUATION["criteria"][2], "weight": "0.5"},
            ],
        }
    )
    scores = e(1, "4", "3", "2").scores
    assert overall_score(weighted, scores) == D("10")
    assert below_thresholds(weighted, scores) == ("implementation",)
    assert below_thresholds(SETUP, e(1, "3", "3", "3").scores) == ("overall",)
    with pytest.raises(ValueError):
        overall_score(SETUP, {"excellence": D(5)})


def test_main_reserve_and_rejected_lists() -> None:
    places = rank(
        SETUP,
        [
            e(1, "5", "5", "4"),
            e(2, "4.5", "4", "3.5"),
            e(3, "4", "4", "4"),
            e(4, "2.5", "5", "5"),  # below the excellence threshold
            e(5, "3.5", "3", "3"),  # 9.5 < 10 overall
        ],
        main_size=2,
    )
    assert [(p.application, p.list, p.rank) for p in places] == [
        (1, PanelList.MAIN, 1),
        (2, PanelList.MAIN, 2),
        (3, PanelList.RESERVE, 3),
        (4, PanelList.REJECTED, None),
        (5, PanelList.REJECTED, None),
    ]
    assert places[3].below == ("excellence",)
    assert places[4].below == ("overall",)
    assert places[0].tie_rule == "" and not places[0].tied_with
    assert places[1].tie_rule == "criterion:excellence" == places[2].tie_rule
    # 2 and 3 are both 12 overall: a tie
    assert places[1].tied_with == (3,) and places[2].tied_with == (2,)


def test_topic_coverage_prefers_topics_not_yet_covered_by_those_placed_above() -> None:
    places = rank(
        setup_with(["topic_coverage", "criterion:excellence"]),
        [
            e(1, "5", "5", "5", topics="batteries hydrogen"),
            e(2, "4", "4", "4", topics="batteries hydrogen"),  # adds nothing new
            e(3, "4", "4", "4", topics="batteries vision"),  # adds "vision"
        ],
        main_size=3,
    )
    assert [p.application for p in places] == [1, 3, 2]
    assert places[1].tie_rule == "topic_coverage" == places[2].tie_rule


def test_each_rule_in_order_and_the_rule_used_is_shown_on_each_tie() -> None:
    rules = ["topic_coverage", "criterion:excellence", "criterion:impact", "sme_count"]
    entries = [
        # all 12 overall; same topic count, so topic coverage does not separate them at first
        e(10, "4", "4", "4", smes=1, topics="a"),
        e(11, "5", "4", "3", smes=0, topics="b"),  # best excellence
        e(12, "4", "5", "3", smes=0, topics="c"),  # excellence 4, impact 5
        e(13, "4", "4", "4", smes=3, topics="d"),  # same as 10 but more SMEs
    ]
    places = rank(setup_with(rules), entries, main_size=4)
    assert [(p.application, p.tie_rule) for p in places] == [
        (11, "criterion:excellence"),
        (12, "criterion:impact"),
        (13, "sme_count"),
        (10, "sme_count"),
    ]
    assert all(len(p.tied_with) == 3 for p in places)


def test_when_no_rule_separates_the_earlier_application_goes_first() -> None:
    places = rank(
        setup_with(["sme_count"]), [e(7, "4", "4", "4"), e(3, "4", "4", "4")], main_size=1
    )
    assert [(p.application, p.tie_rule, p.list) for p in places] == [
        (3, TIE_APPLICATION_ORDER, PanelList.MAIN),
        (7, TIE_APPLICATION_ORDER, PanelList.RESERVE),
    ]
    places = rank(setup_with([]), [e(7, "4", "4", "4"), e(3, "4", "4", "4")], main_size=0)
    assert [p.list for p in places] == [PanelList.RESERVE, PanelList.RESERVE]
    with pytest.raises(ValueError):
        rank(SETUP, [], main_size=-1)


def test_disagreement_beyond_the_gap_and_the_mean_on_the_grid() -> None:
    reports = [
        {"excellence": D("5"), "impact": D("3")},
        {"excellence": D("2.5"), "impact": D("3.5")},
        {"excellence": D("4"), "impact": D("4")},
    ]
    spreads = disagreements(reports, ["excellence", "impact"], D(2))
    assert [(s.criterion, s.gap) for s in spreads] == [("excellence", D("2.5"))]
    assert disagreements(reports, ["excellence"], D("2.5")) == []
    assert mean_scores(reports, ["excellence", "impact", "implementation"]) == {
        "excellence": D("3.5"),
        "impact": D("3.5"),
    }
