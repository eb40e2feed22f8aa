"""The API kit every app's `api.py` and `schemas.py` share: 404s, id and slug bounds, decimals as
strings, text-filter validation and the error schemas.

Money and other decimals are serialised as strings ("45000.00") so that no client ever parses
them as binary floating point.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
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


class CleanInput(BaseModel):
    """The base of every input model (bodies, query parameters): each field's value, and every
    string inside it, is refused with a 422 `control_characters` naming the field when it
    holds a control character (TAB, LF, CR allowed in `MultilineStr` fields). Nested models
    check their own fields. `core/tests/test_input_hygiene.py` walks every API operation's
    models to check that none is left out."""

    @_field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = _text_fields(cls).get(info.field_name or "")
        if multiline is None:
            return value
        return reject_control_characters(value, multiline=multiline)


class InputSchema(Schema, CleanInput):
    """A ninja `Schema` for input, with `CleanInput`'s checks."""


# --- errors ----------------------------------------------------------------------------------


class NotFoundOut(Schema):
    detail: str = Field(examples=["Not found: project 42"])


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(examples=[["query", "limit"]])
    msg: str = Field(examples=["Input should be less than or equal to 100"])
    type: str = Field(examples=["less_than_equal"])


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
