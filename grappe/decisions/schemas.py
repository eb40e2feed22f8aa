"""API shapes of the decision endpoints. Amounts are strings with two decimals (EUR)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

from grappe.core.apikit import DecimalStr, InputSchema, MultilineStr

# An amount in euros as a string, e.g. "100000.00": non-negative, at most two decimals.
AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
SHARE = r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$"


class PledgeIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    funder: str = Field(max_length=60, description="The co-funder's slug.")
    amount: str = Field(pattern=AMOUNT, description='The pledge (EUR), e.g. "100000.00".')
    minimum_per_project: str = Field(
        "0",
        pattern=AMOUNT,
        description="The least this co-funder commits to each funded project (EUR; 0 for none), "
        "or all a project asks when it asks less.",
    )


class FundingIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    envelope: str = Field(pattern=AMOUNT, description="The call funder's envelope (EUR).")
    minimum_share: str | None = Field(
        None, pattern=SHARE, description="Minimum viable share of a request, 0 to 1 (default 0.5)."
    )
    pledges: list[PledgeIn] = Field(default_factory=list, max_length=20)
    reason: str = Field("", max_length=500)


class UseOut(Schema):
    application: int
    project: str
    amount: DecimalStr


class EnvelopeOut(Schema):
    funder: str
    kind: str
    amount: DecimalStr
    approved: DecimalStr
    left: DecimalStr
    minimum_per_project: DecimalStr
    uses: list[UseOut]


class FundingOut(Schema):
    call: str
    may_manage: bool
    minimum_share: str
    envelopes: list[EnvelopeOut]


class DecisionPartnerOut(Schema):
    participation: int
    organisation: int
    name: str
    cap: DecimalStr = Field(description="The most this partner may get from the call.")
    requested: dict[str, DecimalStr] = Field(description="By funder slug.")
    approved: dict[str, DecimalStr] = Field(description="By funder slug.")


class AllocationQuery(InputSchema):
    envelope_if: str | None = Field(
        None,
        pattern=AMOUNT,
        description="The call funder's envelope as if it were this amount (EUR), e.g. 500000.",
    )


class AllocationRowOut(Schema):
    application: int
    project: str
    status: str
    panel_list: str
    panel_rank: int | None
    score: DecimalStr | None
    requested: DecimalStr
    cap: DecimalStr
    minimum: DecimalStr
    optimal: DecimalStr | None = Field(description="Null: not funded by the optimiser.")
    rank_order: DecimalStr | None = Field(description="Null: not funded by the rank-order line.")
    approved: DecimalStr
    departure: str | None = Field(description="Why the optimiser departs from the rank order.")
    partners: list[DecisionPartnerOut]


class AllocationOut(Schema):
    call: str
    envelope_if: DecimalStr | None
    available: dict[str, DecimalStr] = Field(description="Left to allocate, by funder slug.")
    solver_status: str
    gap: float | None
    optimal_total_score: DecimalStr
    rank_order_total_score: DecimalStr
    rows: list[AllocationRowOut]


class ApproveAmountIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    participation: int = Field(ge=1, le=2**63 - 1)
    funder: str = Field(max_length=60, description="The funder's slug.")
    amount: str = Field(pattern=AMOUNT, description='The amount (EUR), e.g. "25000.00".')


class ApproveIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    amounts: list[ApproveAmountIn] = Field(min_length=1, max_length=200)
    reference: str = Field("", max_length=60)
    decided_on: dt.date | None = None
    reason: MultilineStr = Field("", max_length=2000)


class DeclineIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    reason: MultilineStr = Field(min_length=1, max_length=2000)
    reference: str = Field("", max_length=60)


class LedgerOut(Schema):
    participation: int
    partner: str
    funder: str
    kind: str
    amount: DecimalStr
    reason: str


class DecisionOut(Schema):
    application: int
    status: str
    outcome: str | None
    reason: str
    reference: str
    decided_on: dt.date | None
    ledger: list[LedgerOut]
