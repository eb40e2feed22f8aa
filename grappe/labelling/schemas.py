"""API shapes of the labelling app."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

from grappe.core.apikit import InputSchema, MultilineStr

# A criterion id (`labelling/domain/criteria.py` ID).
CriterionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class SessionOut(Schema):
    id: int
    title: str
    meets_on: dt.date
    cluster: str = Field(description="The cluster's slug.")
    criteria_version: int
    reviews: list[int] = Field(description="The ids of the reviews before this session.")


class MemberReviewOut(Schema):
    declared: bool
    declares_interest: bool
    has_conflict: bool
    scores: dict[str, int]
    vote: str
    comment: str
    scored_at: dt.datetime | None


class ReviewOut(Schema):
    id: int
    session: int
    project: int
    cluster: str
    is_lead: bool
    status: str = Field(description="under_review, decided or published.")
    outcome: str = Field(
        description="accredited, accredited_with_conditions or refused (empty until decided)."
    )
    reasons: str
    conditions: str
    may_score: bool = Field(description="Whether you may score and vote (a free member).")
    why_not: str = Field("", description="Why you may not score or vote, when you may not.")
    mine: MemberReviewOut | None = None


class DeclarationIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    declares_interest: bool
    note: MultilineStr = Field("", max_length=2000)


class ScoresIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    scores: dict[CriterionId, int] = Field(
        description="Criterion id -> whole-number score in its range.",
        json_schema_extra={"additionalProperties": False},
    )
    vote: str = Field(
        "", max_length=30, description="accredited, accredited_with_conditions, refused."
    )
    comment: MultilineStr = Field("", max_length=4000)


class ReviewTransitionIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    transition: str = Field(
        max_length=60, pattern=r"^[a-z_]+$", description="decide, reopen or publish."
    )
    outcome: str = Field("", max_length=30, description="For decide: the decision.")
    reason: MultilineStr = Field("", max_length=4000, description="The reasons (decide, reopen).")
    conditions: MultilineStr = Field("", max_length=4000)


class SubmissionIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    cluster_id: int = Field(ge=1, le=2**53)
    statement: MultilineStr = Field(max_length=4000)


class SubmitIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    clusters: list[SubmissionIn] = Field(
        max_length=10, description="The lead cluster first, each with its fit statement."
    )


class WithdrawIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    submission_id: int = Field(ge=1, le=2**53)
    reason: MultilineStr = Field("", max_length=2000)


class SubmissionOut(Schema):
    id: int
    cluster: str
    is_lead: bool
    statement: str
    submitted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    decided_at: dt.datetime | None
