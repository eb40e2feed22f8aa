"""Issue 13 (8): no control character in any text input, decimals bounded and finite everywhere.

Generated, so that a new endpoint, field or form cannot be forgotten:

* every model of every API operation (bodies and query parameters, nested models included,
  walked from the routers) is a `CleanInput`, each text field refuses NUL and BEL with a
  `control_characters` error at that field (multi-line fields accept TAB, LF and CR), and each
  decimal refuses NaN, infinities and absurd exponents at that field;
* every path parameter with a NUL is a 404 or 422, never a 500;
* every form: Grappe's form classes, every back-office model admin's form and inline forms,
  and every list's filter form, refuses a control character in each text field, and each
  decimal field is bounded (max_digits) and refuses what is not finite.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from pydantic import BaseModel, ValidationError

import grappe
from grappe.api import api
from grappe.core.apikit import CleanInput
from grappe.core.forms import CleanTextMixin
from grappe.core.lists import ListFilterSet
from grappe.core.models import Role
from grappe.core.tests import factories as f
from grappe.funding.domain.evaluation import DEFAULT_EVALUATION, evaluation_from_dict

BAD_TEXT = ("a\x00b", "a\x07b", "a\x85b")  # NUL, BEL, a C1 control
MULTILINE_OK = "line one\r\n\tline two\n"
BAD_DECIMALS = ("NaN", "Infinity", "-Infinity", "1e400000000", "9" * 40)

# --- the API ---------------------------------------------------------------------------------


def _operations() -> Iterator[tuple[str, str, Any]]:
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                yield op.methods[0], path, op


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _input_models() -> dict[type[BaseModel], str]:
    """Every model a client's input is validated by, with the operation that first uses it."""
    found: dict[type[BaseModel], str] = {}
    todo: list[tuple[type[BaseModel], str]] = []
    for method, path, op in _operations():
        for params in op.models:
            if params.__ninja_param_source__ == "path":
                continue
            for info in params.model_fields.values():
                todo.extend((m, f"{method} {path}") for m in _models_in(info.annotation))
    while todo:
        model, where = todo.pop()
        if model in found:
            continue
        found[model] = where
        for info in model.model_fields.values():
            todo.extend((m, where) for m in _models_in(info.annotation))
    return found


INPUT_MODELS = _input_models()


def _base(annotation: Any) -> Any:
    """The type under Optional / Annotated."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _base(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base(args[0]) if len(args) == 1 else annotation
    return annotation


def _text_value(annotation: Any, text: str) -> Any:
    """A value of the field's shape carrying `text`; None when the field holds no text."""
    base = _base(annotation)
    origin = typing.get_origin(base)
    if base is str or origin is typing.Literal:
        return text
    if isinstance(base, type) and issubclass(base, Enum) and issubclass(base, str):
        return text
    if origin in (list, tuple, set, frozenset):
        inner = _text_value(typing.get_args(base)[0], text)
        return None if inner is None else [inner]
    if origin is dict or base is dict:
        return {"key": text}
    return None


def _decimal_field(annotation: Any) -> bool:
    return _base(annotation) is Decimal


def _errors_at(model: type[BaseModel], data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        alias = model.model_fields[name].alias or name
        return [e for e in exc.errors() if e["loc"] and e["loc"][0] in (name, alias)]
    return []


def test_the_walk_finds_the_api_inputs() -> None:
    names = {m.__name__ for m in INPUT_MODELS}
    assert {"SimulateIn", "CostLineIn", "TransitionIn", "OrganisationListQuery"} <= names


@pytest.mark.parametrize("model", list(INPUT_MODELS), ids=lambda m: m.__name__)
def test_every_api_input_refuses_control_characters_in_each_text_field(
    model: type[BaseModel],
) -> None:
    assert issubclass(model, CleanInput), (
        f"{model.__name__} ({INPUT_MODELS[model]}) must derive from core.apikit.CleanInput "
        "(InputSchema for a ninja Schema)"
    )
    checked = 0
    for name, info in model.model_fields.items():
        if list(_models_in(info.annotation)):
            continue  # a nested model: checked as a model of its own
        for text in BAD_TEXT:
            value = _text_value(info.annotation, text)
            if value is None:
                break
            errors = _errors_at(model, {name: value}, name)
            assert any(e["type"] == "control_characters" for e in errors), (model, name, text)
            checked += 1
        multiline = _text_value(info.annotation, MULTILINE_OK)
        if multiline is not None and any(type(m).__name__ == "Multiline" for m in info.metadata):
            errors = _errors_at(model, {name: multiline}, name)
            assert not any(e["type"] == "control_characters" for e in errors), (model, name)
    if not any(_text_value(i.annotation, "x") is not None for i in model.model_fields.values()):
        pytest.skip(f"{model.__name__} has no text field of its own")
    assert checked


@pytest.mark.parametrize("model", list(INPUT_MODELS), ids=lambda m: m.__name__)
def test_every_api_decimal_is_bounded_and_finite(model: type[BaseModel]) -> None:
    fields = [n for n, i in model.model_fields.items() if _decimal_field(i.annotation)]
    if not fields:
        pytest.skip(f"{model.__name__} has no decimal field")
    for name in fields:
        for bad in BAD_DECIMALS:
            errors = _errors_at(model, {name: bad}, name)
            assert errors, f"{model.__name__}.{name} accepts {bad!r}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        (method, path)
        for method, path, op in _operations()
        if any(m.__ninja_param_source__ == "path" for m in op.models)
    ],
)
def test_a_nul_in_any_path_parameter_is_refused_without_a_500(
    client: Any, method: str, path: str
) -> None:
    url = "/api/v1" + path.replace("{slug}", "a%00b").replace("{id}", "a%00b")
    assert "{" not in url, f"a new path parameter in {path}: add it here"
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    response = client.generic(method, url, "{}", content_type="application/json")
    assert response.status_code in (404, 422), (url, response.status_code)


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_is_a_422_naming_it(client: Any) -> None:
    for url in ("/api/v1/organisations?q=a%00b", "/api/v1/projects?q=a%01b"):
        response = client.get(url)
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert (error["loc"][-1], error["type"]) == ("q", "control_characters")
    response = client.get("/api/v1/clusters?kind=a%00b")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "control_characters"


@pytest.mark.django_db
def test_the_api_error_is_translated(client: Any) -> None:
    response = client.get("/api/v1/organisations?q=a%00b&lang=fr", HTTP_ACCEPT_LANGUAGE="fr")
    assert "caractères de contrôle" in response.json()["detail"][0]["msg"]


# --- forms -----------------------------------------------------------------------------------


def _project_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(grappe.__path__, "grappe."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    todo = list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = cls.__module__
        if module.startswith("grappe.") and ".tests" not in module and cls not in found:
            found.append(cls)
    return found


def _data_for(form: forms.BaseForm, text: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.JSONField):
            data[key] = json.dumps({"key": text})
        elif isinstance(field, forms.CharField):
            data[key] = text
    return data


def _check_form(build: Callable[[dict[str, Any]], forms.BaseForm], label: str) -> int:
    """Fill every text field of the form with a control character: each must be refused."""
    form = build({})
    assert isinstance(form, CleanTextMixin), f"{label}: its form lacks core.forms.CleanTextMixin"
    text_fields = [n for n, fld in form.fields.items() if isinstance(fld, forms.CharField)]
    for text in BAD_TEXT:
        form = build(_data_for(form, text))
        form.is_valid()
        errors = form.errors.as_data()
        for name in text_fields:
            codes = {e.code for e in errors.get(name, [])}
            assert "control_characters" in codes, (label, name, text, codes)
    for name, field in form.fields.items():
        if isinstance(field, forms.DecimalField):
            assert field.max_digits is not None, f"{label}.{name}: unbounded decimal"
            for bad in BAD_DECIMALS:
                form = build({form.add_prefix(name): bad})
                form.is_valid()
                assert name in form.errors, f"{label}.{name} accepts {bad!r}"
    multiline = [
        n
        for n, fld in form.fields.items()
        if isinstance(fld, forms.CharField) and isinstance(fld.widget, forms.Textarea)
    ]
    for name in multiline:
        form = build({form.add_prefix(name): MULTILINE_OK})
        form.is_valid()
        codes = {e.code for e in form.errors.as_data().get(name, [])}
        assert "control_characters" not in codes, (label, name)
    return len(text_fields)


def _what_if_builder() -> Callable[[dict[str, Any]], forms.BaseForm]:
    from grappe.core.scopes import scope_for
    from grappe.funding.selectors import project_aid_input
    from grappe.funding.tests.helpers import consortium
    from grappe.funding.views import WhatIfForm

    c = consortium()
    scope = scope_for(f.user_with_role(Role.ADMINISTRATOR))
    aid_input = project_aid_input(scope=scope, project=c.project)
    return lambda data: WhatIfForm(data, aid_input=aid_input)


def _login_builder(cls: type[forms.BaseForm]) -> Callable[[dict[str, Any]], forms.BaseForm]:
    request = RequestFactory().post("/")
    return lambda data: cls(request, data=data)  # type: ignore[call-arg]


def _call_form_builder(cls: type[forms.BaseForm]) -> Callable[[dict[str, Any]], forms.BaseForm]:
    from grappe.funding.models import Funder
    from grappe.funding.tests.helpers import upcoming_call

    call = upcoming_call(slug=f"hygiene-{cls.__name__.lower()}")
    funders = Funder.objects.all()
    if cls.__name__ == "CallEditForm":
        return lambda data: cls(data, funders=funders, call=call)  # type: ignore[call-arg]
    if cls.__name__ == "EvaluationForm":
        from grappe.funding.domain.evaluation import stored_or_default

        setup = stored_or_default(None)
        return lambda data: cls(data, setup=setup)  # type: ignore[call-arg]
    if cls.__name__ == "RuleSetForm":
        assert call.ruleset is not None
        base, version = call.ruleset.data, call.ruleset.version
        return lambda data: cls(data, base=base, version=version)  # type: ignore[call-arg]
    return lambda data: cls(data, funders=funders)  # type: ignore[call-arg]


def _decision_form_builder(cls: type[forms.BaseForm]) -> Callable[[dict[str, Any]], forms.BaseForm]:
    from grappe.decisions import selectors
    from grappe.decisions.tests.helpers import world

    w = world(f"hygiene-{cls.__name__.lower()}")
    call = w["call"]
    envelopes = selectors.call_envelopes(call)
    if cls.__name__ == "FundingForm":
        return lambda data: cls(data, call=call, envelopes=envelopes)  # type: ignore[call-arg]
    if cls.__name__ == "ReverseForm":
        return lambda data: cls(data, choices=[("1-1", "A partner")])  # type: ignore[call-arg]
    partners = selectors.application_partners(call, w["first"])
    return lambda data: cls(data, partners=partners, envelopes=envelopes)  # type: ignore[call-arg]


# Forms whose constructor needs more than the data: how to build each.
BUILDERS: dict[str, Callable[[type[forms.BaseForm]], Callable[[dict[str, Any]], Any]]] = {
    "grappe.funding.views.WhatIfForm": lambda cls: _what_if_builder(),
    "grappe.core.backoffice.BackOfficeLoginForm": _login_builder,
    # The calls' set-up forms (funding/forms_calls.py): the funders, the call or its rule set.
    "grappe.funding.forms_calls._CallFields": _call_form_builder,
    "grappe.funding.forms_calls.CallNewForm": _call_form_builder,
    "grappe.funding.forms_calls.CallEditForm": _call_form_builder,
    "grappe.funding.forms_calls.RuleSetForm": _call_form_builder,
    "grappe.funding.forms_calls.EvaluationForm": _call_form_builder,
    # The evaluation's scores form: one score and comment per criterion of the call.
    "grappe.evaluation.forms.ScoresForm": lambda cls: (
        lambda data: cls(  # type: ignore[call-arg]
            data=data, setup=evaluation_from_dict(DEFAULT_EVALUATION), french=False, minority=True
        )
    ),
    "grappe.decisions.forms.FundingForm": _decision_form_builder,
    "grappe.decisions.forms.ApproveForm": _decision_form_builder,
    "grappe.decisions.forms.ReverseForm": _decision_form_builder,
    # A call's payment plan editor: as many tranche rows as the plan has (plus one).
    "grappe.grants.plan_form.PlanForm": lambda cls: (
        lambda data: cls(data=data, rows=2)  # type: ignore[call-arg]
    ),
    "grappe.projects.forms.ProposalStartForm": lambda cls: (
        lambda data: cls(data=data, organisations=[f.OrganisationFactory()])  # type: ignore[call-arg]
    ),
}


@pytest.mark.django_db
def test_every_form_of_grappe_refuses_control_characters() -> None:
    classes = _project_form_classes()
    names = {f"{c.__module__}.{c.__qualname__}" for c in classes}
    assert "grappe.registry.forms.SearchForm" in names
    checked = 0
    for cls in classes:
        label = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__name__ == "CleanTextMixin" or label.startswith("grappe.core.forms."):
            continue
        if getattr(cls, "_meta", None) is not None and getattr(cls._meta, "model", 1) is None:
            continue  # an abstract model form base
        builder = BUILDERS.get(label)
        build = builder(cls) if builder else (lambda data, cls=cls: cls(data=data))
        try:
            build({})
        except TypeError as exc:
            pytest.fail(f"{label} needs constructor arguments: add a builder to BUILDERS ({exc})")
        checked += _check_form(build, label)
    assert checked > 5


@pytest.mark.django_db
def test_every_back_office_form_refuses_control_characters() -> None:
    user = f.user_with_role(Role.ADMINISTRATOR)
    user.is_superuser = user.is_staff = True
    user.save()
    request = RequestFactory().get("/admin/")
    request.user = user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        label = f"admin {model._meta.label}"
        form_class = model_admin.get_form(request, None)
        checked += _check_form(lambda data, fc=form_class: fc(data=data), label)
        if model is type(user):  # the change form of a user is another form
            change = model_admin.get_form(request, user, change=True)
            checked += _check_form(
                lambda data, fc=change: fc(data=data, instance=user), f"{label} (change)"
            )
        for formset, inline in model_admin.get_formsets_with_inlines(request, None):
            form_class = formset.form
            checked += _check_form(
                lambda data, fc=form_class: fc(data=data), f"{label} inline {inline}"
            )
    assert checked > 20


@pytest.mark.django_db
def test_every_list_filter_form_refuses_control_characters() -> None:
    request = RequestFactory().get("/")
    request.user = f.UserFactory()
    todo = list(ListFilterSet.__subclasses__())
    classes = []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls._meta.model is not None:
            classes.append(cls)
    assert len(classes) >= 4
    for cls in classes:
        qs = cls._meta.model.objects.none()
        _check_form(
            lambda data, cls=cls, qs=qs: cls(data, queryset=qs, request=request).form,
            cls.__name__,
        )


# --- decimals in the engine's other door: an inline rule set ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e400000000"])
def test_an_inline_rule_set_with_a_non_finite_or_absurd_rate_is_a_422(
    client: Any, bad: str
) -> None:
    from grappe.funding.domain.rulesets import FUI_19

    ruleset = json.loads(json.dumps(FUI_19, default=str))
    ruleset["company_rates"]["small"] = bad
    body = {
        "ruleset": ruleset,
        "project": {
            "partners": [
                {
                    "id": "a",
                    "kind": "company",
                    "size": "small",
                    "costs": [
                        {"category": "personnel", "research": "industrial", "amount": "1000"}
                    ],
                }
            ]
        },
    }
    response = client.post("/api/v1/aid/simulate", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][:2] == ["body", "ruleset"]


def test_the_date_of_today_is_not_a_text_field() -> None:
    # _text_value keeps dates, numbers and booleans out of the text checks.
    assert _text_value(dt.date, "x") is None and _text_value(int | None, "x") is None
