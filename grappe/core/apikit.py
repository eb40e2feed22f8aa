"""The API kit every app's `api.py` and `schemas.py` share: 404s, id and slug bounds, decimals as
strings, text-filter validation, the error schemas and `responses`, which declares an operation's
answers (its success and every error it can give) for the OpenAPI document.

Money and other decimals are serialised as strings ("45000.00") so that no client ever parses
them as binary floating point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.utils.translation import gettext
from ninja import Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator, Field, WithJsonSchema

MAX_ID = 2**63 - 1  # larger ids overflow the database integer type
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")


def not_found(what: str, key: object) -> HttpError:
    """404 with `{"detail": "Not found: project 42"}`."""
    return HttpError(404, gettext("Not found: %(what)s %(key)s") % {"what": what, "key": key})


def decimal_str(value: Decimal) -> str:
    """A decimal rounded half-up to two places, as a plain string: Decimal("45000") -> "45000.00"."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def _decimal_to_str(value: Any) -> Any:
    return decimal_str(value) if isinstance(value, Decimal) else value


# A decimal amount as a string with two decimals, e.g. "45000.00" (EUR, %, work units).
DecimalStr = Annotated[
    str,
    BeforeValidator(_decimal_to_str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["45000.00"]}),
]


# The JSON-schema pattern of text that `reject_control_characters` checks, for the OpenAPI document
# (`Field(json_schema_extra=NO_CONTROL_CHARACTERS)`): the validator gives the translated message.
NO_CONTROL_CHARACTERS: dict[str, Any] = {"pattern": "^[^\\u0000-\\u001f]*$"}


def reject_control_characters(value: Any) -> Any:
    """NUL bytes break PostgreSQL queries; no filter legitimately contains control characters."""
    if isinstance(value, str) and any(ord(c) < 32 for c in value):
        raise ValueError(gettext("must not contain control characters"))
    return value


# --- errors ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every error that is not about one field: 400 (unparsable body), 401, 403, 409, 413, 429."""

    detail: str = Field(examples=["Cannot parse request body"])


class NotFoundOut(Schema):
    detail: str = Field(examples=["Not found: project 42"])


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(examples=[["query", "limit"]])
    msg: str = Field(examples=["Input should be less than or equal to 100"])
    type: str = Field(
        description=(
            "The rule broken: a validation rule (`missing`, `less_than_equal`, `value_error`, "
            "...) or one of Grappe's own: `invalid_cursor` (a cursor altered, or used with other "
            "filters or order), `unknown_cluster`, `unknown_organisation` (a filter naming "
            "nothing), and the aid simulation's input rules (docs/aid-simulation.md)."
        ),
        examples=["less_than_equal"],
    )


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# Each error status and the schema of its body (grappe/api.py's handlers answer these shapes).
ERROR_SCHEMAS: Mapping[int, Any] = {
    400: ErrorOut,  # the body is not JSON
    401: ErrorOut,  # the operation needs a logged-in session
    403: ErrorOut,  # refused: the role, or a session call without its CSRF token
    404: NotFoundOut,
    409: ErrorOut,
    413: ErrorOut,  # the body is larger than the limit
    422: ValidationErrorOut,
    429: ErrorOut,  # too many requests from this client; retry later
}

# What every operation with a request body may answer: an unparsable body (400), a session call
# without its CSRF token (403), a body over the size limit (413), a body breaking the schema (422).
BODY_ERRORS: tuple[int, ...] = (400, 403, 413, 422)
# What a rate-limited operation (the aid simulation, searches with `q`) may answer as well.
RATE_LIMIT_ERRORS: tuple[int, ...] = (429,)


def responses(
    ok: Any, *errors: int | Iterable[int], schemas: Mapping[int, Any] | None = None
) -> dict[int, Any]:
    """An operation's `response=` declaration: its success and each error it can give, with the
    error's shared schema. `ok` is the 200 schema or a `{status: schema}` mapping; `errors` are
    statuses or groups (`BODY_ERRORS`); `schemas` overrides an error's schema for one operation.

        @router.post("/x", response=responses(XOut, 404, BODY_ERRORS, RATE_LIMIT_ERRORS))
    """
    declared: dict[int, Any] = dict(ok) if isinstance(ok, Mapping) else {200: ok}
    for group in errors:
        for status in (group,) if isinstance(group, int) else group:
            declared[status] = ERROR_SCHEMAS[status]
    declared |= dict(schemas or {})
    return declared
