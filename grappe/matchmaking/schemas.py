"""API schemas of the matchmaking app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ninja import Field, Schema

from grappe.core.apikit import CleanInput
from grappe.core.lists import ListQuery, list_query_schema
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


if TYPE_CHECKING:
    PartnerListQuery = ListQuery
else:
    PartnerListQuery = list_query_schema(PartnerFilterSet, name="PartnerListQuery")
