"""Page sections (`core/pages.py`): how a higher app adds to a lower app's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from grappe.core import pages
from grappe.core.domain.scope import Scope


@pytest.fixture
def isolated_sections(monkeypatch):
    monkeypatch.setattr(pages, "_SECTIONS", {})


def test_sections_merge_in_registration_order_and_receive_the_page_objects(isolated_sections):
    request = RequestFactory().get("/")
    scope = Scope.public()
    seen: list[tuple[Any, ...]] = []

    @pages.page_section("test.page")
    def first(request_, scope_, *, thing):
        seen.append((request_, scope_, thing))
        return {"a": 1, "shared": "first"}

    @pages.page_section("test.page")
    def second(request_, scope_, *, thing):
        return {"b": 2, "shared": "second"}

    context = pages.page_sections("test.page", request, scope, thing="x")

    assert context == {"a": 1, "b": 2, "shared": "second"}
    assert seen == [(request, scope, "x")]


def test_registering_a_section_twice_adds_it_once(isolated_sections):
    calls: list[int] = []

    def section(request_, scope_):
        calls.append(1)
        return {}

    pages.page_section("test.page")(section)
    pages.page_section("test.page")(section)
    pages.page_sections("test.page", RequestFactory().get("/"), Scope.public())

    assert calls == [1]


def test_a_page_without_sections_gets_an_empty_context(isolated_sections):
    assert pages.page_sections("test.none", RequestFactory().get("/"), Scope.public()) == {}


def test_the_higher_apps_register_the_lower_pages_sections():
    assert [s.__module__ for s in pages._SECTIONS["registry.search"]] == ["grappe.projects.pages"]
    # The cluster's projects (projects), then the impact of their grants (grants).
    assert [s.__module__ for s in pages._SECTIONS["registry.cluster_detail"]] == [
        "grappe.projects.pages",
        "grappe.grants.pages",
    ]
    assert [s.__module__ for s in pages._SECTIONS["funding.funder_detail"]] == [
        "grappe.grants.pages"
    ]
    # A call's page: the links to the evaluation's, the decisions' and the grants' pages.
    assert sorted(s.__module__ for s in pages._SECTIONS["funding.call_detail"]) == [
        "grappe.decisions.pages",
        "grappe.evaluation.pages",
        "grappe.grants.pages",
    ]
    # Projects, organisations like this one (matchmaking), then the provenance (interop).
    assert [s.__module__ for s in pages._SECTIONS["registry.organisation_detail"]] == [
        "grappe.projects.pages",
        "grappe.matchmaking.pages",
        "grappe.interop.pages",
    ]
    # The live checks of a draft, its target call and the applications to calls (funding), the
    # proposal's panel, documents and thread
    # (projects), the attestation links (attestations), the published labelling decisions
    # (labelling), the grants and their impact (grants), consortium completion (matchmaking),
    # then the provenance (interop): in the order of INSTALLED_APPS.
    assert [s.__module__ for s in pages._SECTIONS["projects.project_detail"]] == [
        "grappe.funding.pages",
        "grappe.funding.pages",
        "grappe.funding.pages",
        "grappe.projects.pages",
        "grappe.projects.pages",
        "grappe.attestations.pages",
        "grappe.labelling.pages",
        "grappe.grants.pages",
        "grappe.matchmaking.pages",
        "grappe.interop.pages",
    ]
    # The API's project detail: the target call of a proposal (funding), the provenance (interop).
    assert [s.__module__ for s in pages._SECTIONS["api.project_detail"]] == [
        "grappe.funding.pages",
        "grappe.interop.pages",
    ]
    assert [s.__module__ for s in pages._SECTIONS["api.organisation_detail"]] == [
        "grappe.interop.pages"
    ]
