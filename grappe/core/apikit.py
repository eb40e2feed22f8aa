"""The API kit every app's `api.py` and `schemas.py` share: 404s, id and slug bounds, decimals as
strings, text-filter validation, the error schemas and `responses`, which declares an operation's
answers (its success and every error it can give) for the OpenAPI document.

Money and other decimals are serialised as strings ("45000.00") so that no client ever parses
them as binary floating point.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.utils.translation import gettext
from ninja import Schema
from ninja.errors import HttpError
from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, WithJsonSchema
from pydantic import field_validator as _field_validator
from pydantic_core import PydanticCustomError

from grappe.core.domain.sources import source_of
from grappe.core.domain.text import first_control_in

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


# --- text hygiene: no control characters in any input ------------------------------------


class Multiline:
    """Marks a text field that may hold TAB, LF and CR (`MultilineStr`)."""


MULTILINE = Multiline()
MultilineStr = Annotated[str, MULTILINE]


def control_characters_error(found: str) -> PydanticCustomError:
    return PydanticCustomError(
        "control_characters",
        gettext("must not contain control characters (%(char)s found)") % {"char": found},
    )


def reject_control_characters(value: Any, *, multiline: bool = False) -> Any:
    """NUL bytes break PostgreSQL queries; no input legitimately holds other C0/C1 controls
    (TAB, LF and CR only in multi-line text). Walks strings inside lists and mappings."""
    found = first_control_in(value, multiline=multiline)
    if found is not None:
        raise control_characters_error(found)
    return value


def _holds_model(annotation: Any) -> bool:
    """Whether a field's type contains a pydantic model (validated by its own schema)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _holds_model(typing.get_args(annotation)[0])
    if origin is not None or isinstance(annotation, types.UnionType):
        return any(_holds_model(a) for a in typing.get_args(annotation))
    return False


@functools.cache
def _text_fields(model: type[BaseModel]) -> dict[str, bool]:
    """The fields a model checks itself, each with whether it is multi-line."""
    return {
        name: any(isinstance(m, Multiline) for m in info.metadata)
        for name, info in model.model_fields.items()
        if not _holds_model(info.annotation)
    }


def _holds_number(annotation: Any) -> bool:
    """Whether a field's type is (or may be) a number: pydantic's lax mode would turn JSON's
    `true` / `false` into 1 / 0 there."""
    if annotation is bool:
        return False
    if isinstance(annotation, type) and issubclass(annotation, (int, float, Decimal)):
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _holds_number(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return any(_holds_number(a) for a in typing.get_args(annotation))
    return False


@functools.cache
def _number_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(n for n, info in model.model_fields.items() if _holds_number(info.annotation))


# What `first_control` refuses, as JSON-schema patterns for the OpenAPI document (the validator
# gives the translated message): C0, DEL and C1; TAB, LF and CR allowed in multi-line text.
TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
MULTILINE_TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def _add_text_pattern(schema: dict[str, Any], pattern: str) -> None:
    """Give every free-text string alternative of a field's schema the control-character
    pattern (strings with their own pattern, format or choices already say more)."""
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if (
            item.get("type") == "string"
            and not {"pattern", "format", "enum", "const"} & item.keys()
        ):
            item["pattern"] = pattern
        for key in ("anyOf", "oneOf", "allOf"):
            stack.extend(item.get(key, ()))
        stack.append(item.get("items"))


class CleanInput(BaseModel):
    """The base of every input model (bodies, query parameters): a number field refuses
    `true` / `false`, and each field's value, and every string inside it, is refused with a 422 `control_characters` naming the field when it
    holds a control character (TAB, LF, CR allowed in `MultilineStr` fields). Nested models
    check their own fields. `core/tests/test_input_hygiene.py` walks every API operation's
    models to check that none is left out."""

    @_field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and (info.field_name or "") in _number_fields(cls):
            # JSON's true is not the number 1 (pydantic's lax mode would take it as 1).
            raise PydanticCustomError(
                "int_type", gettext("Input should be a number, not true or false.")
            )
        multiline = _text_fields(cls).get(info.field_name or "")
        if multiline is None:
            return value
        return reject_control_characters(value, multiline=multiline)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        """The OpenAPI document states the rule the validator applies (schemathesis checks it)."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties = target.get("properties", {})
        for name, multiline in _text_fields(cls).items():
            info = cls.model_fields[name]
            prop = properties.get(info.alias or name)
            if isinstance(prop, dict):
                _add_text_pattern(prop, MULTILINE_TEXT_PATTERN if multiline else TEXT_PATTERN)
        return schema


class InputSchema(Schema, CleanInput):
    """A ninja `Schema` for input, with `CleanInput`'s checks."""


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


# --- provenance of imported records (`core/domain/sources.py`) --------------------------------


class ProvenanceOut(BaseModel):
    what: str = Field("", description="Which part of the record: empty for the record itself.")
    source: str = Field(description="Source key: cordis, anr.")
    source_name: str
    attribution: str = Field(description="The attribution line the source's licence asks for.")
    file: str = Field(description="The file the record was read from (a name, never a path).")
    import_run: int | None = Field(None, description="The import run that wrote it.")
    import_run_url: str | None = Field(
        None, description="The run's page; null unless you may see import runs."
    )
    imported_at: dt.datetime | None = None


def provenance_out(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The provenance lines of a page section (`interop/pages.py`) in the API's shape."""
    return [
        {
            "what": line["what"],
            "source": line["source_key"],
            "source_name": line["source"],
            "attribution": line["attribution"],
            "file": line["file"],
            "import_run": line["run_id"],
            "import_run_url": line["run_url"],
            "imported_at": line["imported_at"],
        }
        for line in lines
    ]


def attribution(source: str) -> str | None:
    """The attribution line of a record's source, translated; None for records entered here."""
    found = source_of(source)
    return gettext(found.attribution) if found is not None else None


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
