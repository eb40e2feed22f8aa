"""Research category mix: sums per category and shares of the total, in the GBER order."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from grappe.projects.domain.budget import shares

ORDER = ["fundamental", "industrial", "experimental", "feasibility"]


def test_it_sums_per_category_and_keeps_the_gber_order() -> None:
    mix = shares(
        [("experimental", D("300")), ("industrial", D("100")), ("experimental", D("600"))], ORDER
    )
    assert [(s.key, s.amount, s.percent) for s in mix] == [
        ("industrial", D("100"), D("10")),
        ("experimental", D("900"), D("90")),
    ]


def test_nothing_to_share_gives_an_empty_mix() -> None:
    assert shares([], ORDER) == []
    assert shares([("industrial", D("0"))], ORDER) == []


@given(
    st.lists(st.tuples(st.sampled_from(ORDER), st.decimals(min_value=1, max_value=10**9, places=2)))
)
def test_shares_add_up_to_the_whole(lines) -> None:  # type: ignore[no-untyped-def]
    mix = shares(lines, ORDER)
    if lines:
        assert sum(s.amount for s in mix) == sum(a for _, a in lines)
        assert abs(sum(s.percent for s in mix) - 100) < D("1e-20")
