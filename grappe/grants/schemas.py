"""API schemas of grants: amounts are strings with two decimals (EUR)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Field, Schema
from pydantic import ConfigDict

from grappe.core.apikit import MAX_ID, DecimalStr, InputSchema, MultilineStr
from grappe.core.lists import ListQuery, list_query_schema
from grappe.grants.filters import GrantFilterSet

AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"


class CostOut(Schema):
    category: str
    amount: DecimalStr


class TrancheOut(Schema):
    id: str
    trigger: str
    basis: str
    rate: DecimalStr = Field(description="A fraction, e.g. 0.30.")
    unconfirmed: bool = Field(description="The value was not found in a published source [U].")


class PlanOut(Schema):
    id: str
    label: str
    tranches: list[TrancheOut]
    cap: DecimalStr
    retention: DecimalStr
    unconfirmed: list[str]


class InstallmentOut(Schema):
    id: int
    tranche: str
    amount: DecimalStr
    status: str
    payment_reference: str
    paid_on: dt.date | None
    explanation: list[str] = Field(description="How the amount was computed, line by line.")


class StatementLineOut(Schema):
    id: int
    category: str
    description: str
    claimed: DecimalStr
    decision: str
    accepted: DecimalStr
    reason: str


class StatementOut(Schema):
    id: int
    period_start: dt.date
    period_end: dt.date
    status: str
    lines: list[StatementLineOut]
    documents: int


class ImpactReportOut(Schema):
    id: int
    kind: str
    year: int
    status: str
    jobs_fte: DecimalStr
    patents: int
    products: int
    revenue: DecimalStr
    follow_on_private: DecimalStr
    follow_on_public: DecimalStr
    follow_on_source: str
    publications: int


class DeadlineOut(Schema):
    kind: str
    year: int
    due_on: dt.date
    submitted: bool
    overdue: bool


class GrantOut(Schema):
    id: int
    reference: str
    project: int
    organisation: int
    funder: str
    call: str | None
    status: str
    version: int
    amount: DecimalStr
    paid_total: DecimalStr
    intensity: DecimalStr
    starts_on: dt.date
    ends_on: dt.date
    final_report_due: dt.date
    accepted_by: str | None
    accepted_at: dt.datetime | None
    costs: list[CostOut]
    plan: PlanOut
    accepted_costs: DecimalStr
    installments: list[InstallmentOut]
    statements: list[StatementOut]
    reports: list[ImpactReportOut]
    deadlines: list[DeadlineOut]


class _In(InputSchema):
    model_config = ConfigDict(extra="forbid")


class GrantTransitionIn(_In):
    transition: str = Field(max_length=60, pattern=r"^[a-z_]+$",
                            description="offer, accept, withdraw, activate, amend or close.")  # fmt: skip
    reason: MultilineStr = Field("", max_length=4000)


class InstallmentRequestIn(_In):
    tranche: str = Field(max_length=40, description="The id of a tranche of the plan.")


class InstallmentTransitionIn(_In):
    installment: int = Field(ge=1, le=MAX_ID)
    transition: str = Field(max_length=60, pattern=r"^[a-z_]+$",
                            description="approve, pay or reject.")  # fmt: skip
    reason: MultilineStr = Field("", max_length=4000)
    payment_reference: str = Field("", max_length=80, description="Required to pay.")


class LineIn(_In):
    category: str = Field(max_length=40)
    description: str = Field(max_length=300)
    claimed: str = Field(max_length=20, pattern=AMOUNT, description="EUR, e.g. 1250.50.")


class StatementIn(_In):
    period_start: dt.date
    period_end: dt.date
    lines: list[LineIn] = Field(max_length=50)


class CostIn(_In):
    category: str = Field(max_length=30, pattern=r"^[a-z_]{1,30}$", description="Cost category.")
    amount: str = Field(max_length=20, pattern=AMOUNT, description="Eligible costs, EUR.")


class AmendmentIn(_In):
    """An amendment: the reason, and the terms that change (the others are carried over)."""

    reason: MultilineStr = Field(min_length=1, max_length=4000)
    amount: str | None = Field(None, max_length=20, pattern=AMOUNT, description="EUR.")
    costs: list[CostIn] | None = Field(
        None, max_length=20, description="The eligible costs by category (all of them)."
    )
    intensity: str | None = Field(
        None, max_length=6, pattern=r"^[01](\.\d{1,4})?$", description="A fraction, e.g. 0.45."
    )
    ends_on: dt.date | None = None
    final_report_due: dt.date | None = None


class LineDecisionIn(_In):
    line: int = Field(ge=1, le=MAX_ID)
    decision: str = Field(max_length=20, description="accepted, adjusted or rejected.")
    accepted: str | None = Field(None, max_length=20, pattern=AMOUNT)
    reason: MultilineStr = Field("", max_length=4000)


class StatementTransitionIn(_In):
    statement: int = Field(ge=1, le=MAX_ID)
    transition: str = Field(max_length=60, pattern=r"^[a-z_]+$", description="review.")


class ImpactReportIn(_In):
    kind: str = Field(max_length=10, description="yearly or final.")
    year: int = Field(ge=1900, le=2200)
    jobs_fte: str = Field("0", max_length=12, pattern=AMOUNT)
    patents: int = Field(0, ge=0, le=1_000_000)
    products: int = Field(0, ge=0, le=1_000_000)
    revenue: str = Field("0", max_length=20, pattern=AMOUNT)
    follow_on_private: str = Field("0", max_length=20, pattern=AMOUNT)
    follow_on_public: str = Field("0", max_length=20, pattern=AMOUNT)
    follow_on_source: str = Field("", max_length=300)
    publications: int = Field(0, ge=0, le=1_000_000)


class ReportTransitionIn(_In):
    report: int = Field(ge=1, le=MAX_ID)
    transition: str = Field(max_length=60, pattern=r"^[a-z_]+$",
                            description="approve, return or resubmit.")  # fmt: skip
    reason: MultilineStr = Field("", max_length=4000)


class YearImpactOut(Schema):
    year: int
    granted: DecimalStr
    paid: DecimalStr
    follow_on_private: DecimalStr
    follow_on_public: DecimalStr
    jobs_fte: DecimalStr
    patents: int


class ImpactOut(Schema):
    agreements: int
    granted: DecimalStr = Field(description="Public money granted (agreements in force).")
    paid: DecimalStr
    own_contribution: DecimalStr = Field(description="Eligible costs less the grant.")
    follow_on_private: DecimalStr
    follow_on_public: DecimalStr
    jobs_fte: DecimalStr
    patents: int
    products: int
    publications: int
    leverage: DecimalStr | None = Field(
        description="(Own contribution + private follow-on funding) / granted."
    )
    by_year: list[YearImpactOut]


# --- the list (`GET /grants`): the same FilterSet as the officers' page -------------------------

if TYPE_CHECKING:
    GrantListQuery = ListQuery
else:
    GrantListQuery = list_query_schema(GrantFilterSet, name="GrantListQuery")


class GrantRowOut(Schema):
    id: int
    reference: str
    project: int = Field(description="The project's id.")
    project_acronym: str
    organisation: int = Field(description="The partner organisation's id.")
    organisation_name: str
    funder: str = Field(description="The funder's slug.")
    call: str | None = Field(description="The call's slug, if the agreement has one.")
    status: str
    amount: DecimalStr = Field(description="The grant in force, EUR.")
    paid_total: DecimalStr = Field(description="Paid so far, EUR.")
    created_at: dt.datetime
