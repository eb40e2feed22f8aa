"""API schemas of the matchmaking app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Field, Schema
from pydantic import create_model, model_validator

from grappe.core.apikit import CleanInput
from grappe.core.lists import list_query_schema
from grappe.matchmaking.filters import PartnerFilterSet
from grappe.matchmaking.selectors import MAX_SUGGESTIONS


class SuggestionOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    country: str
    score: float = Field(description="The model's score (higher is a better fit).")
    reasons: list[str] = Field(description="True facts behind the suggestion, translated.")


class SuggestionsOut(Schema):
    index_ready: bool = Field(description="False while the first partner index is being built.")
    count: int
    items: list[SuggestionOut]


class SuggestionQuery(CleanInput):
    limit: int = Field(10, ge=1, le=MAX_SUGGESTIONS, description="How many suggestions (1 to 50).")


class _SuggestionListBase(CleanInput):
    """One page of suggestions (no cursor: they come in one page), `limit` at most 50."""

    limit: int = Field(20, ge=1, le=MAX_SUGGESTIONS, description="How many suggestions (1 to 50).")

    @model_validator(mode="before")
    @classmethod
    def _blank_means_no_filter(cls, data: Any) -> Any:
        # as `core.lists.ListQuery`: `?kind=` (an empty form field) means no filter
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if k == "limit" or not (isinstance(v, str) and not v.strip())
            }
        return data


if TYPE_CHECKING:
    PartnerListQuery = _SuggestionListBase
else:
    _filters = list_query_schema(PartnerFilterSet, name="PartnerFilters")
    PartnerListQuery = create_model(
        "PartnerListQuery",
        __base__=_SuggestionListBase,
        **{
            name: (field.annotation, field)
            for name, field in _filters.model_fields.items()
            if name not in ("limit", "cursor")
        },
    )
    PartnerListQuery.__doc__ = "Text and filters of the partner search (`PartnerFilterSet`)."
