"""API shapes of the notifications app."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import ConfigDict, Field

from grappe.core.apikit import InputSchema
from grappe.core.lists import ListQuery, list_query_schema
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.filters import NotificationFilterSet

# The kinds of notification, as the OpenAPI document's enum.
KindId = enum.StrEnum("KindId", {kind_id: kind_id for kind_id in KINDS})  # type: ignore[misc]

if TYPE_CHECKING:
    NotificationListQuery = ListQuery
else:
    NotificationListQuery = list_query_schema(NotificationFilterSet, name="NotificationListQuery")


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="The kind's stable code (`GET /notifications/preferences`).")
    subject: str = Field(description="In the request's language.")
    body: str = Field(description="In the request's language.")
    url: str = Field(description="The page it is about, a path of this site (may be empty).")
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool


class PreferenceOut(Schema):
    kind: str
    label: str = Field(description="What the kind is about, in the request's language.")
    email: bool = Field(description="Whether you get its e-mails.")
    default: bool = Field(description="Whether its e-mails are sent when you have not chosen.")


class PreferencesIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    email: dict[KindId, bool] = Field(
        description="Kind -> whether you want its e-mails; kinds left out keep their setting.",
    )
