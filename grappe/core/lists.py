"""Lists: one django-filter `FilterSet` per list serves the HTML page, the API and the export.

A list is declared once, as a `ListFilterSet` subclass in `<app>/filters.py`: its filters (names,
form fields, validation) and its `sort` choices. Then

- the page binds it to `request.GET` (`html_list`): the filter form, the total count, a keyset
  page (no OFFSET) and the CSV/XLSX export of the whole filtered list (`grappe.core.exports`);
- the API derives its query schema from it (`list_query_schema`, so OpenAPI lists the same
  parameters) and binds it to the validated parameters (`api_filterset`): same names, same rows;
- cursors are bound to the filters and the order (`ListFilterSet.cursor_filters`), so a cursor
  used with other filters is refused with a message naming the parameters that changed.

The FilterSet always runs on a queryset the user's scope already restricted (a selector's), so
it can only narrow what the user may see.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceIterator
from django_filters.filters import FilterMethod, QuerySetRequestMixin
from ninja.errors import ValidationError
from pydantic import BaseModel, Field, create_model, model_validator

from grappe.core import exports
from grappe.core.compiled import Converters, compiled_cursor, converted
from grappe.core.forms import with_clean_text
from grappe.core.pagination import (
    InvalidCursor,
    Page,
    PageParams,
    SortKey,
    encode_cursor,
    order_expressions,
    paginate,
    sort_keys,
)

SORT_PARAM = "sort"
# The order of a search's results, and the annotation a searched QuerySet carries.
RELEVANCE = "relevance"
SEARCH_RANK = "search_tier"
# Query parameters of a page that are not filters.
PAGE_PARAMS = frozenset({"cursor", "limit", "export"})


def when_set(condition: Callable[[Any], Any]) -> Callable[[QuerySet[Any], str, Any], QuerySet[Any]]:
    """A filter `method` keeping the rows that match `condition(value)` (a Q or an Exists)
    when the parameter has a value, and every row when it is empty, false or absent."""

    def method(qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(condition(value)) if value else qs

    return method


def search_filter(
    matching: Callable[[QuerySet[Any], str], QuerySet[Any]],
) -> Callable[[QuerySet[Any], str, Any], QuerySet[Any]]:
    """A `q` filter `method` narrowing through an entity's search selector (`matching(qs, q)`)
    when the parameter has a value; the list's `SortFilter(relevance=...)` then orders by it."""

    def method(qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return matching(qs, value) if value and value.strip() else qs

    return method


MAX_ID = 2**63 - 1  # larger ids overflow the database integer type


class Checkbox(forms.CheckboxInput):
    """A checkbox reading the same words as the API's booleans (true/false, 1/0, yes/no,
    on/off), so `?paris_only=0` means the same on a page and in the API."""

    WORDS: ClassVar[dict[str, bool]] = {
        "true": True,
        "1": True,
        "yes": True,
        "on": True,
        "false": False,
        "0": False,
        "no": False,
        "off": False,
        "": False,
    }

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = data.get(name)
        if isinstance(value, str):
            return self.WORDS.get(value.strip().lower(), True)
        return bool(value)


def flag_filter(label: Any, condition: Callable[[Any], Any]) -> django_filters.BooleanFilter:
    """A yes/no filter shown as a checkbox: when ticked, keeps the rows matching `condition`."""
    return django_filters.BooleanFilter(label=label, method=when_set(condition), widget=Checkbox)


class IdChoiceField(django_filters.fields.ModelChoiceField):
    """A row chosen by id; anything but a whole number in the database's range is an unknown
    choice (before the database sees it)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            text = str(value).strip()
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text[:40]},
                )
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on a related row given by id (e.g. `?organisation=42`)."""

    field_class = IdChoiceField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (django-filter's NumberFilter takes any decimal)."""

    field_class = forms.IntegerField


class SortFilter(django_filters.ChoiceFilter):
    """The list's order, chosen by name; `orders` maps each choice to (label, order_by fields).

    Every order ends with the primary key (a total order, as keyset pages need); NULLs sort last
    on every database (`grappe.core.pagination`). An empty value means the default order.
    """

    def __init__(
        self,
        *,
        orders: Mapping[str, tuple[Any, Sequence[str]]],
        default: str,
        relevance: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if relevance is not None:
            # A search's order (`grappe.core.search`): the default while a search term is given,
            # the list's default without one.
            orders = {RELEVANCE: (_("Relevance (when searching)"), tuple(relevance)), **orders}
        if default not in orders:
            raise ValueError(f"default order {default!r} is not one of {list(orders)}")
        for token, (_label, fields) in orders.items():
            if not fields or fields[-1].lstrip("-") not in {"id", "pk"}:
                raise ValueError(f"order {token!r} must end with the primary key")
        self.orders = {token: tuple(fields) for token, (_label, fields) in orders.items()}
        self.default = default
        kwargs.setdefault("label", _("Sort by"))
        super().__init__(
            choices=[(token, label) for token, (label, _fields) in orders.items()],
            empty_label=None,
            **kwargs,
        )

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        token = value or self.default
        if RELEVANCE in self.orders:
            searched = SEARCH_RANK in qs.query.annotations
            if searched and not value:
                token = RELEVANCE
            elif token == RELEVANCE and not searched:
                token = self.default
        return qs.order_by(*self.orders[token])


class _Filters(dict[str, Any]):
    """A FilterSet's `base_filters` whose deep copy (made for every FilterSet instance, i.e.
    every request) copies each filter and its own options dict, not the whole graph of choices,
    validators, labels and widgets they refer to and never change (a tenth of a list request)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Filters:
        copies = _Filters()
        for name, filter_ in self.items():
            clone = copy.copy(filter_)
            clone.extra = dict(filter_.extra)
            clone.__dict__.pop("_field", None)
            if isinstance(filter_.__dict__.get("filter"), FilterMethod):
                clone.filter = FilterMethod(clone)  # bound to the copy, as deepcopy would
            copies[name] = clone
        return copies


class _Fields(dict[str, Any]):
    """A filter form's `base_fields` whose deep copy (made for every form) copies the choices
    of a choice field as a list, not each of its (value, label) pairs: nothing changes them.
    django-filter's choice fields (with an empty label) wrap their list in a `ChoiceIterator`
    bound to the field: the copy gets its own iterator over the same list."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies: dict[str, Any] = {}
        for name, form_field in self.items():
            choices = getattr(form_field, "_choices", None)
            plain = isinstance(form_field, forms.ChoiceField) and not isinstance(
                form_field, forms.ModelChoiceField
            )
            if plain and isinstance(choices, list):
                clone: Any = forms.Field.__deepcopy__(form_field, memo)  # type: ignore[attr-defined]
                clone._choices = list(choices)
                copies[name] = clone
            elif plain and type(choices) is ChoiceIterator:
                clone = forms.Field.__deepcopy__(form_field, memo)  # type: ignore[attr-defined]
                clone._choices = cast(Any, ChoiceIterator)(clone, cast(Any, choices).choices)
                copies[name] = clone
            else:
                copies[name] = copy.deepcopy(form_field, memo)
        return copies


class ListFilterSet(django_filters.FilterSet):
    """Base of every list's FilterSet. Subclasses declare a `sort = SortFilter(...)`.

    Invalid filters are left out (the page shows why; the API refuses them with a 422 first),
    and the order always applies, even when the `sort` value was invalid.
    """

    # (parameter, Django error code) -> the `type` of the API's 422, e.g. "unknown_cluster".
    error_types: ClassVar[dict[tuple[str, str], str]] = {}
    # parameter -> its description in the OpenAPI document (English, like the rest of it).
    api_descriptions: ClassVar[dict[str, str]] = {}

    # The form class, built once per FilterSet class (django-filter builds a class and its
    # fields on every request); querysets that depend on the request are set on each form.
    _form_class: ClassVar[type[forms.Form] | None] = None
    _queryset_factory: Callable[[], QuerySet[Any]] | None = None
    _queryset: QuerySet[Any] | None = None

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | Callable[[], QuerySet[Any]] | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        # A callable is the selector's queryset, built only when the rows are read: a list
        # page served from its compiled SQL (`api_page(cache=)`) builds none. The filters are
        # copied from the class only when one is used (django-filter copies them all for
        # every FilterSet; an unfiltered list uses none but the order, read from the class).
        # The rest is django-filter's `BaseFilterSet.__init__`.
        if isinstance(queryset, QuerySet):
            self._queryset = queryset
            self._model = queryset.model
        elif queryset is None:
            self._queryset = self._meta.model._default_manager.all()
            self._model = self._meta.model
        else:
            self._queryset_factory = queryset
            self._queryset = None
            self._model = self._meta.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.request = request
        self.form_prefix = prefix
        self._filters: dict[str, Any] | None = None

    @property
    def filters(self) -> dict[str, Any]:
        if self._filters is None:
            self._filters = copy.deepcopy(self.base_filters)
            for filter_ in self._filters.values():
                filter_.model = self._model
                filter_.parent = self
        return self._filters

    @filters.setter
    def filters(self, value: dict[str, Any]) -> None:
        self._filters = value

    @property
    def queryset(self) -> QuerySet[Any]:
        if self._queryset is None and self._queryset_factory is not None:
            self._queryset = self._queryset_factory()
        return cast(QuerySet[Any], self._queryset)

    @queryset.setter
    def queryset(self, value: QuerySet[Any] | None) -> None:
        self._queryset = value

    @classmethod
    def get_filters(cls) -> _Filters:
        return _Filters(super().get_filters())

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = with_clean_text(super().get_form_class())
            form_class.base_fields = _Fields(form_class.base_fields)
            cls._form_class = form_class
        return cast(type[forms.Form], form_class)

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            for name, filter_ in self.filters.items():
                if isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset):
                    form.fields[name].queryset = filter_.get_queryset(self.request)
        built: forms.Form = self._form
        return built

    def sort_filter(self) -> SortFilter:
        # The class's own: its orders and default never change per request.
        sort = self.base_filters.get(SORT_PARAM)
        if not isinstance(sort, SortFilter):
            raise TypeError(f"{type(self).__name__} declares no `{SORT_PARAM} = SortFilter(...)`")
        return sort

    def unfiltered(self) -> bool:
        """Bound to no parameter at all (e.g. an API list's first call): every filter leaves
        its rows as they are, so the form is neither built nor validated (a tenth of a short
        list request); the default order still applies. Not for a FilterSet that overrides
        `filter_queryset` (it may act on an absent value)."""
        return (
            self.is_bound
            and not self.data
            and type(self).filter_queryset is ListFilterSet.filter_queryset
        )

    def is_valid(self) -> bool:
        return True if self.unfiltered() else bool(super().is_valid())

    @property
    def values(self) -> dict[str, Any]:
        """The filters' valid values (those of a partly invalid form too; none when bound to
        nothing): what a caller reads instead of `form.cleaned_data`, which an unfiltered list
        never builds."""
        if self.unfiltered():
            return {}
        self.is_valid()
        return dict(getattr(self.form, "cleaned_data", {}))

    @property
    def errors(self) -> Any:
        return {} if self.unfiltered() else self.form.errors

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.unfiltered():
            return self.sort_filter().filter(queryset, None)
        qs: QuerySet[Any] = super().filter_queryset(queryset)
        if SORT_PARAM not in self.form.cleaned_data:
            qs = self.sort_filter().filter(qs, None)
        return qs

    def cursor_filters(self) -> dict[str, Any]:
        """What a cursor is bound to: every valid filter value and the effective order."""
        if self.unfiltered():
            return {SORT_PARAM: self.sort_filter().default}
        self.is_valid()
        values: dict[str, Any] = {}
        for name, value in self.form.cleaned_data.items():
            values[name] = value.pk if isinstance(value, Model) else value
        values[SORT_PARAM] = values.get(SORT_PARAM) or self.sort_filter().default
        return values

    def api_errors(self) -> ValidationError:
        """The form's errors as the API's 422, each naming its query parameter."""
        errors = [
            {
                "loc": ["query", name],
                "msg": " ".join(str(m) for m in error.messages),
                "type": self.error_types.get((name, error.code or ""), error.code or "value_error"),
            }
            for name, field_errors in self.form.errors.as_data().items()
            for error in field_errors
        ]
        return ValidationError(errors)


# --- the API -------------------------------------------------------------------------------


class ListQuery(PageParams):
    """Query parameters of a list endpoint: the page and the filters of its FilterSet."""

    @model_validator(mode="before")
    @classmethod
    def _blank_means_no_filter(cls, data: Any) -> Any:
        # `?kind=` (an empty form field) means "no filter", not "the kind called ''".
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if k == "limit" or not (isinstance(v, str) and not v.strip())
            }
        return data


def _choices(filter_: Any) -> list[str]:
    choices = filter_.extra.get("choices", ())
    if callable(choices):
        choices = choices()
    return [str(value) for value, _label in choices if value not in ("", None)]


def _describe(filterset_class: type[ListFilterSet], name: str, filter_: Any) -> str:
    if name in filterset_class.api_descriptions:
        return filterset_class.api_descriptions[name]
    with translation.override("en"):
        return str(filter_.label or name)


def _enum(name: str, values: Sequence[str]) -> Any:
    # An enum (not a Literal) so that a wrong value is the 422 type "enum", as for model choices.
    return enum.StrEnum(name, {value: value for value in values})


def _pydantic_field(
    filterset_class: type[ListFilterSet], schema: str, name: str, filter_: Any
) -> tuple[Any, Any]:
    """The pydantic type and default of one filter, for the OpenAPI document and validation."""
    description = _describe(filterset_class, name, filter_)
    extra = filter_.extra
    enum_name = schema.removesuffix("Query") + name.title().replace("_", "")
    if isinstance(filter_, SortFilter):
        tokens = tuple(filter_.orders)
        return _enum(enum_name, tokens) | None, Field(
            None,
            description=f"{description} One of {', '.join(tokens)}; default {filter_.default}.",
        )
    if isinstance(filter_, django_filters.BooleanFilter):
        return bool, Field(False, description=description)
    if isinstance(filter_, django_filters.NumberFilter):
        return int | None, Field(
            None, ge=extra.get("min_value"), le=extra.get("max_value"), description=description
        )
    if isinstance(filter_, IdChoiceFilter):
        return int | None, Field(None, ge=1, le=MAX_ID, description=description)
    if isinstance(filter_, django_filters.ModelChoiceFilter):
        return str | None, Field(
            None, max_length=extra.get("max_length", 80), description=description
        )
    if isinstance(filter_, django_filters.ChoiceFilter):
        return _enum(enum_name, _choices(filter_)) | None, Field(None, description=description)
    if isinstance(filter_, django_filters.CharFilter):
        patterns = [v.regex.pattern for v in extra.get("validators", ()) if hasattr(v, "regex")]
        if patterns:  # the pattern says more than the length (e.g. two letters)
            return str | None, Field(None, pattern=patterns[0], description=description)
        return str | None, Field(
            None, max_length=extra.get("max_length", 200), description=description
        )
    raise TypeError(f"No API type for filter {type(filter_).__name__}")


def _json_schema_of_filter(schema: dict[str, Any]) -> None:
    """An empty or blank value (`?kind=`) is accepted as "no filter" (`ListQuery`): the OpenAPI
    document says so (and `apikit.CleanInput` adds the control-character pattern to text)."""
    options = schema.pop("anyOf", None) or [
        {k: schema.pop(k) for k in ("type", "maximum", "minimum") if k in schema}
    ]
    schema["anyOf"] = [*options, {"type": "string", "pattern": r"^\s*$"}]


def list_query_schema(
    filterset_class: type[ListFilterSet],
    *,
    name: str,
) -> type[ListQuery]:
    """The API query schema of a list, generated from its FilterSet (one declaration); its
    text parameters refuse control characters like every input (`apikit.CleanInput`)."""
    fields = {
        n: _pydantic_field(filterset_class, name, n, f)
        for n, f in filterset_class.base_filters.items()
    }
    model: type[ListQuery] = create_model(name, __base__=ListQuery, **fields)  # type: ignore[call-overload]
    for n in fields:  # the document says that a blank value is no filter
        model.model_fields[n].json_schema_extra = _json_schema_of_filter
    model.model_rebuild(force=True)
    model.__doc__ = f"Page and filters of the list (from `{filterset_class.__name__}`)."
    return model


def api_filterset(
    filterset_class: type[ListFilterSet],
    params: BaseModel,
    queryset: QuerySet[Any] | Callable[[], QuerySet[Any]],
    request: HttpRequest,
) -> ListFilterSet:
    """The FilterSet bound to validated API parameters; a 422 naming the parameter otherwise.
    `queryset` may be a callable building the selector's queryset when it is first needed."""
    # A parameter left at its default (None, a flag's False) is as if absent, as on a page.
    data = params.model_dump(
        mode="json", exclude=set(PAGE_PARAMS), exclude_none=True, exclude_defaults=True
    )
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise filterset.api_errors()
    return filterset


def api_page(
    filterset: ListFilterSet,
    params: PageParams,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    *,
    columns: Sequence[str] | None = None,
    shape: Callable[[list[dict[str, Any]]], list[Any]] | None = None,
    cache: Hashable | None = None,
) -> Page[Any]:
    """One keyset page of the filtered list; its cursor bound to the filters and order.

    With `columns`, the page reads only those columns as dicts (`values()`: no model objects,
    no long text it does not return; the sort keys are added when missing) and `shape` turns
    the page's rows into what the endpoint answers (e.g. adding related rows, one query each).

    `cache` (the user's `Scope`) says that the list's queryset depends on nothing but the
    request's path, its validated parameters, the language and that scope: the first page's
    SQL is then compiled once per (path, scope, filters, order, limit, language, day) and
    re-run as is (`docs/decisions/compiled-pages.md`). Searches and cursor pages compile as
    before.
    """
    filters = filterset.cursor_filters()
    request = filterset.request
    key = None
    if columns is not None and cache is not None and not params.cursor and request is not None:
        key = _page_key(filterset, request, filters, params.limit, columns, prepare, cache)
    if key is not None and columns is not None:
        db = router.db_for_read(filterset._meta.model)  # as the selector's queryset reads
        pages = _compiled_pages(db)
        compiled = pages.get(key)
        if compiled is not None:
            pages.move_to_end(key)
        else:
            qs = filterset.qs if prepare is None else prepare(filterset.qs)
            compiled = _compile_page(qs, columns, params.limit)
            if compiled is not None:
                _remember(db, key, compiled)
        if compiled is not None:
            rows = compiled.run(db)
            items = rows[: params.limit]
            last = items[-1] if len(rows) > params.limit else None
            return Page(
                items=shape(items) if shape else items,
                next_cursor=encode_cursor(compiled.keys, last, filters) if last else None,
            )
    qs = filterset.qs if prepare is None else prepare(filterset.qs)
    if columns is None:
        return paginate(qs, limit=params.limit, cursor=params.cursor, filters=filters)
    wanted = list(columns)
    wanted += [k.field for k in sort_keys(qs) if k.field not in wanted]
    page = paginate(
        qs.prefetch_related(None).values(*wanted),
        limit=params.limit,
        cursor=params.cursor,
        filters=filters,
    )
    return Page(items=shape(page.items) if shape else page.items, next_cursor=page.next_cursor)


# --- compiled first pages (docs/decisions/compiled-pages.md) ----------------------------------

# Compiled pages kept per database connection (so per thread), least recently used first out.
COMPILED_PAGES = 256


@dataclass(frozen=True)
class CompiledPage:
    """The SQL of one list page (its limit + 1 rows), the names of its columns and the
    converters Django would apply to them; `sql` None when the page is empty by construction."""

    sql: str | None
    params: tuple[Any, ...]
    names: tuple[str, ...]
    converters: Converters
    keys: tuple[SortKey, ...]

    def run(self, db: str) -> list[dict[str, Any]]:
        if self.sql is None:
            return []
        connection = connections[db]
        with compiled_cursor(connection) as cursor:  # prepared on PostgreSQL
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        names = self.names
        return [
            dict(zip(names, row, strict=True))
            for row in converted(fetched, self.converters, connection)
        ]


def _frozen(value: Any) -> Hashable:
    if isinstance(value, Model):
        return (type(value), value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_frozen(v) for v in value)
    return cast(Hashable, value)


def _page_key(
    filterset: ListFilterSet,
    request: HttpRequest,
    filters: Mapping[str, Any],
    limit: int,
    columns: Sequence[str],
    prepare: Any,
    cache: Hashable,
) -> Hashable | None:
    key = (
        type(filterset),
        request.path_info,
        translation.get_language(),
        timezone.localdate(),  # a list may compare with today (e.g. current memberships)
        cache,
        tuple(sorted((name, _frozen(value)) for name, value in filters.items())),
        limit,
        tuple(columns),
        prepare,
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _compile_page(qs: QuerySet[Any], columns: Sequence[str], limit: int) -> CompiledPage | None:
    """The compiled first page of `qs`; None for what must be compiled on every request: a
    search (its SQL depends on the index's contents) or SQL bound to the current time."""
    if SEARCH_RANK in qs.query.annotations:
        return None
    keys = sort_keys(qs)
    wanted = list(columns)
    wanted += [k.field for k in keys if k.field not in wanted]
    page = qs.prefetch_related(None).values(*wanted).order_by(*order_expressions(keys))[: limit + 1]
    query = page.query
    selected = getattr(query, "selected", None)
    names = (
        tuple(selected)
        if selected
        else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    compiler = query.get_compiler(using=page.db)
    try:
        sql, sql_params = compiler.as_sql()
    except EmptyResultSet:
        return CompiledPage(None, (), names, (), tuple(keys))
    if any(isinstance(p, dt.datetime | dt.time) for p in sql_params):
        return None
    expressions = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = tuple(
        (pos, tuple(convs), expression)
        for pos, (convs, expression) in compiler.get_converters(expressions).items()
    )
    return CompiledPage(sql, tuple(sql_params), names, converters, tuple(keys))


def _compiled_pages(db: str) -> OrderedDict[Hashable, CompiledPage]:
    connection = connections[db]
    pages: OrderedDict[Hashable, CompiledPage] | None = getattr(
        connection, "_grappe_compiled_pages", None
    )
    if pages is None:
        pages = OrderedDict()
        connection._grappe_compiled_pages = pages  # type: ignore[attr-defined]
    return pages


def _remember(db: str, key: Hashable, page: CompiledPage) -> None:
    pages = _compiled_pages(db)
    pages[key] = page
    while len(pages) > COMPILED_PAGES:
        pages.popitem(last=False)


# --- the pages -----------------------------------------------------------------------------


def page_param(name: str, prefix: str | None) -> str:
    """A list's query parameter (`cursor`, `export`, a filter) on a page that shows several
    lists: each list but one has a prefix (`lines-cursor`, `lines-q`); none for the others."""
    return f"{prefix}-{name}" if prefix else name


@dataclass
class HtmlPage:
    """One keyset page of a page's list, its links, and what went wrong with `?cursor=`.

    `query` is the page's query string; the links keep it and change only this list's
    parameters (`cursor_param`, `export_param`), so the other lists of the page stay as they are.
    """

    items: list[Any]
    next_cursor: str | None
    is_first_page: bool
    errors: list[str] = field(default_factory=list)
    query: QueryDict | None = None
    cursor_param: str = "cursor"
    export_param: str = "export"

    def link(self, changes: Mapping[str, str | None]) -> str:
        """`?…` with these parameters set (a value) or removed (None)."""
        params = (self.query if self.query is not None else QueryDict()).copy()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return f"?{params.urlencode()}"

    @property
    def first_link(self) -> str:
        return self.link({self.cursor_param: None, self.export_param: None})

    @property
    def next_link(self) -> str:
        return self.link({self.cursor_param: self.next_cursor, self.export_param: None})


@dataclass
class HtmlList(HtmlPage):
    """What a list page shows: the filter form and the total as well."""

    filterset: ListFilterSet | None = None
    total: int = 0

    @property
    def form(self) -> Any:
        return self.filterset.form if self.filterset is not None else None

    @property
    def csv_link(self) -> str:
        return self.link({self.export_param: "csv", self.cursor_param: None})

    @property
    def xlsx_link(self) -> str:
        return self.link({self.export_param: "xlsx", self.cursor_param: None})

    @property
    def filtered(self) -> bool:
        """Is any filter (not the order) set? (An empty list then says "no match", not "none".)"""
        if self.filterset is None:
            return False
        data = getattr(self.filterset.form, "cleaned_data", {})
        return any(v not in (None, "", False) for k, v in data.items() if k != SORT_PARAM)


def html_page(
    qs: QuerySet[Any],
    request: HttpRequest,
    *,
    filters: Mapping[str, Any] | None = None,
    page_size: int | None = None,
    prefix: str | None = None,
) -> HtmlPage:
    """The keyset page after `?cursor=` (no OFFSET: the database reads only this page's rows).
    A bad or foreign cursor shows its reason above the first page."""
    size = page_size or settings.PAGE_SIZE
    cursor_param = page_param("cursor", prefix)
    cursor = request.GET.get(cursor_param) or None
    errors: list[str] = []
    try:
        page = paginate(qs, limit=size, cursor=cursor, filters=filters)
    except InvalidCursor as exc:
        errors.append(str(exc))
        cursor = None
        page = paginate(qs, limit=size, filters=filters)
    return HtmlPage(
        items=page.items,
        next_cursor=page.next_cursor,
        is_first_page=cursor is None,
        errors=errors,
        query=request.GET,
        cursor_param=cursor_param,
        export_param=page_param("export", prefix),
    )


def html_filterset(
    filterset_class: type[ListFilterSet],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    prefix: str | None = None,
) -> ListFilterSet:
    """The FilterSet bound to the page's query string (invalid filters are shown, not applied).
    With a `prefix`, its parameters are `<prefix>-<name>` (a second list on the page)."""
    data = request.GET.copy()
    for name in PAGE_PARAMS:
        data.pop(page_param(name, prefix), None)
    filterset = filterset_class(data, queryset=queryset, request=request, prefix=prefix)
    filterset.is_valid()
    return filterset


def html_list(
    filterset: ListFilterSet,
    request: HttpRequest,
    *,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    page_size: int | None = None,
) -> HtmlList:
    """Count the filtered list and read one keyset page of it."""
    qs = filterset.qs
    rows = qs if prepare is None else prepare(qs)
    prefix = filterset.form_prefix
    page = html_page(
        rows, request, filters=filterset.cursor_filters(), page_size=page_size, prefix=prefix
    )
    errors = list(page.errors)
    fmt = request.GET.get(page.export_param)
    if fmt and fmt not in exports.FORMATS:
        errors.append(
            gettext("Unknown export format %(format)s: choose csv or xlsx.") % {"format": fmt[:20]}
        )
    return HtmlList(
        items=page.items,
        next_cursor=page.next_cursor,
        is_first_page=page.is_first_page,
        errors=errors,
        query=page.query,
        cursor_param=page.cursor_param,
        export_param=page.export_param,
        filterset=filterset,
        total=qs.count(),
    )


def html_export(
    filterset: ListFilterSet,
    request: HttpRequest,
    *,
    filename: str,
    columns: Sequence[exports.Column],
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> HttpResponse | StreamingHttpResponse | None:
    """The whole filtered list as `?export=csv|xlsx` (`?<prefix>-export=` for a prefixed
    list); None when no (valid) format was asked."""
    fmt = request.GET.get(page_param("export", filterset.form_prefix))
    if fmt not in exports.FORMATS:
        return None
    qs = filterset.qs if prepare is None else prepare(filterset.qs)
    return exports.export_response(fmt, filename, columns, exports.queryset_rows(qs))


def list_response(
    request: HttpRequest,
    filterset_class: type[ListFilterSet],
    queryset: QuerySet[Any],
    *,
    template: str,
    filename: str,
    columns: Sequence[exports.Column],
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """A list page: `?export=` downloads the filtered list, otherwise one keyset page of it
    (context: `form`, `listing`)."""
    filterset = html_filterset(filterset_class, request, queryset)
    export = html_export(filterset, request, filename=filename, columns=columns, prepare=prepare)
    if export is not None:
        return export
    listing = html_list(filterset, request, prepare=prepare)
    return render(request, template, {"form": listing.form, "listing": listing})
