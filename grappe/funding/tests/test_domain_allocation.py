"""Sharing envelopes (pure): the optimal funded set and amounts under envelopes, caps, pledges
and minimum viable amounts, against the plain rank-order funding line."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.funding.domain.allocation import (
    FUNDED_NOT_IN_LINE,
    IN_LINE_NOT_FUNDED,
    Candidate,
    Request,
    departures,
    optimise,
    rank_order,
)


def one_funder(pid: int, score: str, requested: str, minimum: str, cap: str | None = None):
    return Candidate(
        pid, D(score), D(requested), D(minimum), (Request("city", D(cap or requested)),)
    )


def test_the_optimiser_funds_two_smaller_projects_the_rank_order_line_skips() -> None:
    apps = [
        one_funder(1, "10", "80", "80"),
        one_funder(2, "9", "60", "30"),
        one_funder(3, "8", "40", "40"),
    ]
    envelopes = {"city": D("100")}
    line = rank_order(apps, envelopes)
    assert line.funded == {1} and line.total_score == D("10")
    best = optimise(apps, envelopes)
    assert best.funded == {2, 3} and best.total_score == D("17")
    # what is left goes by rank: project 2 up to its request, then project 3
    assert best.amounts == {2: {"city": D("60.00")}, 3: {"city": D("40.00")}}
    assert best.used() == {"city": D("100.00")}
    why = departures(apps, best, line)
    assert [(d.project, d.message) for d in why] == [
        (1, IN_LINE_NOT_FUNDED),
        (2, FUNDED_NOT_IN_LINE),
        (3, FUNDED_NOT_IN_LINE),
    ]
    assert why[1].params == {"amount": "60.00", "requested": "60", "minimum": "30"}


def test_caps_pledges_and_two_funders_are_respected() -> None:
    apps = [
        Candidate(
            1,
            D("12"),
            D("100"),
            D("100"),
            (Request("city", D("50"), pledge=D("20")), Request("region", D("70"))),
        ),
        Candidate(2, D("11"), D("60"), D("60"), (Request("city", D("60")),)),
    ]
    envelopes = {"city": D("70"), "region": D("60")}
    best = optimise(apps, envelopes)
    # project 1 needs ≥ 40 from the city (region at most 60) and the city pledged ≥ 20;
    # project 2 needs 60 from the city: both do not fit (≥ 100 from a 70 envelope)
    assert best.funded == {1}
    amounts = best.amounts[1]
    assert sum(amounts.values()) == D("100.00")
    assert amounts["city"] <= D("50") and amounts["city"] >= D("20")
    assert amounts["region"] <= D("60")


def test_a_larger_envelope_answers_the_what_if() -> None:
    apps = [one_funder(i, str(20 - i), "50", "50") for i in range(1, 6)]
    assert optimise(apps, {"city": D("100")}).funded == {1, 2}
    assert optimise(apps, {"city": D("150")}).funded == {1, 2, 3}


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_the_optimum_matches_brute_force_and_never_exceeds_an_envelope(seed: int) -> None:
    rng = random.Random(seed)
    apps = []
    for pid in range(1, 7):
        requested = D(rng.randint(10, 60))
        minimum = (requested * D(rng.choice([5, 8, 10])) / 10).quantize(D(1))
        apps.append(one_funder(pid, str(rng.randint(5, 15)), str(requested), str(minimum)))
    envelope = D(rng.randint(40, 150))
    best = optimise(apps, {"city": envelope})
    assert best.used().get("city", D(0)) <= envelope
    for pid, by_funder in best.amounts.items():
        c = next(a for a in apps if a.id == pid)
        assert c.minimum <= sum(by_funder.values()) <= c.requested
    brute = max(
        sum((a.score for a in subset), D(0))
        for r in range(len(apps) + 1)
        for subset in itertools.combinations(apps, r)
        if sum((a.minimum for a in subset), D(0)) <= envelope
    )
    assert best.total_score == brute
    assert best.total_score >= rank_order(apps, {"city": envelope}).total_score


def test_a_co_funders_least_per_project_binds_both_the_optimiser_and_the_line() -> None:
    # The region pledged at least 40 to each funded project; it has 50 in all, so only one
    # project can be funded, though the city alone could pay for both.
    apps = [
        Candidate(
            pid,
            D(score),
            D("60"),
            D("60"),
            (Request("city", D("60")), Request("region", D("60"), pledge=D("40"))),
        )
        for pid, score in ((1, "10"), (2, "9"))
    ]
    envelopes = {"city": D("200"), "region": D("50")}
    best = optimise(apps, envelopes)
    assert best.funded == {1}
    assert best.amounts[1]["region"] >= D("40")
    assert sum(best.amounts[1].values()) == D("60.00")
    line = rank_order(apps, envelopes)
    assert line.funded == {1} and line.amounts[1] == {"region": D("40"), "city": D("20")}
    # without the pledge both are funded
    free = [Candidate(a.id, a.score, a.requested, a.minimum, (a.requests[0],)) for a in apps]
    assert optimise(free, envelopes).funded == {1, 2}


def test_a_relaxation_with_a_fractional_project_is_finished_by_the_whole_programme() -> None:
    # The relaxation funds project 1 whole and two thirds of project 2: fixing project 1 and
    # leaving project 2 binary gives 10 against a bound of 16.7, so the whole programme runs,
    # and finds that projects 2 and 3 together (18) beat project 1 alone.
    apps = [
        one_funder(1, "10", "60", "60"),
        one_funder(2, "9", "50", "50"),
        one_funder(3, "9", "50", "50"),
    ]
    best = optimise(apps, {"city": D("100")})
    assert best.funded == {2, 3} and best.total_score == D("18")
    assert best.status == "Optimal" and best.gap <= 1e-4
