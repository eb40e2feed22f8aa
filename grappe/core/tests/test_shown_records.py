"""What a page shows: demo records and imported sources, found in the template context without
a query (the demo banner and the attribution lines of `base.html`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grappe.core.lists import HtmlPage
from grappe.core.templatetags.grappe_ui import records_shown
from grappe.core.tests.factories import OrganisationFactory, ParticipationFactory, ProjectFactory
from grappe.projects.models import Participation, Project
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


@dataclass
class Row:
    is_demo: bool


def test_real_records_give_no_banner_and_their_sources_attribution() -> None:
    OrganisationFactory(source="cordis")
    ProjectFactory(source="anr")
    orgs = list(Organisation.objects.all())
    projects = list(Project.objects.all())
    with CaptureQueriesContext(connection) as queries:
        shown = records_shown(
            [{"page": HtmlPage(items=orgs, next_cursor=None, is_first_page=True)}, projects]
        )
    assert len(queries) == 0
    assert not shown.demo
    assert [s["key"] for s in shown.sources] == ["anr", "cordis"]
    assert shown.sources[1]["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"


def test_a_demo_record_reached_through_a_loaded_relation_shows_the_banner() -> None:
    ParticipationFactory(organisation=OrganisationFactory(is_demo=True))
    partners = list(Participation.objects.select_related("organisation"))  # the org is loaded
    assert records_shown([{"partners": partners}]).demo
    assert records_shown([Row(is_demo=True)]).demo
    assert not records_shown([Row(is_demo=False), "is_demo", 1, None]).demo


def test_an_unevaluated_queryset_is_never_run_to_find_out() -> None:
    OrganisationFactory(is_demo=True, source="cordis")
    lazy = Organisation.objects.all()
    with CaptureQueriesContext(connection) as queries:
        shown = records_shown([lazy, Participation.objects.all()])
    assert len(queries) == 0
    assert not shown.demo and shown.sources == ()
    list(lazy)  # once the page has read it, it counts
    assert records_shown([lazy]).demo
