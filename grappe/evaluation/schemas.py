"""API shapes of the evaluation app (scores are strings: 0 to 5 in half points, e.g. "3.5")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from grappe.core.apikit import (
    MULTILINE,
    MULTILINE_TEXT_PATTERN,
    TEXT_PATTERN,
    InputSchema,
    MultilineStr,
)
from grappe.core.lists import ListQuery, list_query_schema
from grappe.evaluation.filters import ExpertFilterSet

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Score = Annotated[str, StringConstraints(max_length=10, pattern=TEXT_PATTERN)]
Comment = Annotated[str, StringConstraints(max_length=5000, pattern=MULTILINE_TEXT_PATTERN)]


def _by_code(value: JsonDict) -> JsonDict:
    """A JSON object keyed by criterion codes (the document says which keys and values)."""
    return {"patternProperties": {CODE_PATTERN: value}, "additionalProperties": False}


ID = Field(ge=1, le=2**53)

if TYPE_CHECKING:
    ExpertListQuery = ListQuery
else:
    ExpertListQuery = list_query_schema(ExpertFilterSet, name="ExpertListQuery")


class ExpertOut(Schema):
    id: int
    name: str
    user: str = Field(description="The expert's user name.")
    organisation: int | None = Field(description="The organisation's id in Grappe.")
    keywords: list[str]
    expertise: str
    languages: list[str]
    max_load: int
    active: bool


class ExpertIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=254, description="User name or e-mail.")
    name: str = Field("", max_length=200)
    organisation: int | None = Field(None, ge=1, le=2**53)
    keywords: str = Field("", max_length=500)
    expertise: MultilineStr = Field("", max_length=5000)
    languages: str = Field("fr,en", max_length=100)
    max_load: int = Field(10, ge=1, le=200)


class ConflictOut(Schema):
    kind: str = Field(
        description="same_organisation, same_group, declared (hard); co_participation, "
        "labelling_committee (waivable)."
    )
    hard: bool
    waived: bool
    blocks: bool
    evidence: str = Field(description="The conflict in words, with its evidence.")
    justification: str = Field("", description="The officer's justification of a waiver.")


class AssignedOut(Schema):
    id: int
    expert: int
    expert_name: str
    fit: str
    why: list[str] = Field(description="The shared words that weigh most in the fit.")
    proposed: bool
    is_rapporteur: bool
    reported: bool


class ExpertConflictsOut(Schema):
    expert: int
    conflicts: list[ConflictOut]


class ApplicationAssignmentsOut(Schema):
    id: int
    project: int
    acronym: str
    status: str
    assigned: list[AssignedOut]
    conflicts: list[ExpertConflictsOut]


class CallAssignmentsOut(Schema):
    call: str
    evaluators_per_application: int
    applications: list[ApplicationAssignmentsOut]


class AssignmentActionIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    action: Literal["propose", "add", "remove", "rapporteur", "waive", "start"]
    application: int | None = Field(None, ge=1, le=2**53)
    expert: int | None = Field(None, ge=1, le=2**53)
    assignment: int | None = Field(None, ge=1, le=2**53)
    kind: Literal["co_participation", "labelling_committee"] | None = None
    justification: MultilineStr = Field("", max_length=5000)


class PlaceOut(Schema):
    application: int
    acronym: str
    list: str = Field(description="main, reserve or rejected.")
    rank: int | None
    score: str | None
    tie_rule: str = Field(description="The tie-break rule that placed it, when tied.")
    tie_rule_label: str


class PanelOut(Schema):
    call: str
    disagreement_gap: str
    main_list_size: int
    ranked_at: dt.datetime | None
    tie_breaks: list[str]
    places: list[PlaceOut]


class PanelIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    action: Literal["settings", "rank"]
    disagreement_gap: str = Field("2", max_length=10)
    main_list_size: int = Field(0, ge=0, le=10000)


class ReportOut(Schema):
    expert: int
    expert_name: str
    scores: dict[str, str]
    comments: dict[str, str]
    submitted_at: dt.datetime | None


class ConsensusOut(Schema):
    scores: dict[str, str]
    comments: dict[str, str]
    minority_view: str
    overall: str


class ApplicationEvaluationOut(Schema):
    id: int
    call: str
    status: str
    role: str = Field(description="officer, expert or applicant.")
    declared: bool = Field(description="For an expert: whether they declared on it.")
    is_rapporteur: bool
    file_open: bool
    title: str = Field(description="Empty until the expert declares no conflict.")
    reports: list[ReportOut] = Field(
        description="The officer and the rapporteur see them all; an expert their own."
    )
    consensus: ConsensusOut | None
    panel_list: str
    panel_rank: int | None


class ExpertDeclarationIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    has_conflict: bool
    statement: MultilineStr = Field("", max_length=5000)


class ReportIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    scores: dict[Code, Score] = Field(
        description='Criterion code → score, 0 to 5 in half points ("3.5").',
        json_schema_extra=_by_code({"type": "string", "maxLength": 10, "pattern": TEXT_PATTERN}),
    )
    comments: Annotated[dict[Code, Comment], MULTILINE] = Field(
        default_factory=dict,
        description="Criterion code → comment.",
        json_schema_extra=_by_code(
            {"type": "string", "maxLength": 5000, "pattern": MULTILINE_TEXT_PATTERN}
        ),
    )


class ConsensusIn(ReportIn):
    minority_view: MultilineStr = Field("", max_length=5000)
