"""The API's fast paths (docs/decisions/api-rows.md): dict rows, one FilterSet form class per
list, the orjson renderer and the public's insider check keep every answer as it was."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from grappe.api import ORJSONRenderer
from grappe.core.domain.scope import Scope
from grappe.core.lists import PAGE_PARAMS
from grappe.core.models import Role
from grappe.core.pagination import paginate
from grappe.core.tests.factories import (
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    user_with_role,
)
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.selectors import project_is_insider, project_list

pytestmark = pytest.mark.django_db


def test_the_orjson_renderer_writes_the_json_of_ninjas_encoder():
    data = {
        "money": Decimal("45000.00"),
        "day": dt.date(2026, 1, 5),
        "at": dt.datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=dt.UTC),
        "text": gettext_lazy("Not found."),
        "name": "Île-de-France",
        "none": None,
    }
    ours = ORJSONRenderer().render(RequestFactory().get("/"), data, response_status=200)
    ninja = json.dumps(data, cls=NinjaJSONEncoder)
    assert json.loads(ours) == json.loads(ninja)
    assert json.loads(ours)["at"] == "2026-01-05T10:00:00.123Z"


def test_a_page_of_dict_rows_walks_the_same_rows_as_a_page_of_objects():
    for day in (dt.date(2020, 1, 1), dt.date(2021, 1, 1), None, dt.date(2021, 1, 1), None):
        ProjectFactory(status=ProjectStatus.FUNDED, start_date=day)
    qs = project_list(scope=Scope.public())

    def walk(queryset, key):
        seen, cursor = [], None
        while True:
            page = paginate(queryset, limit=2, cursor=cursor)
            seen += [key(row) for row in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    objects = walk(qs, lambda p: p.pk)
    rows = walk(qs.values("id", "start_date", "acronym"), lambda r: r["id"])
    assert rows == objects
    assert len(objects) == Project.objects.count()


def test_each_filterset_form_reads_its_own_requests_querysets():
    """The form class is built once per list; the organisation choices still come from each
    request, and each FilterSet's filters are its own."""
    org = OrganisationFactory()
    request = RequestFactory().get("/")
    first = ProjectFilterSet({"organisation": str(org.pk)}, queryset=Project.objects.all())
    second = ProjectFilterSet({}, queryset=Project.objects.all(), request=request)
    assert type(first.form) is type(second.form)
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["organisation"] == org
    assert first.filters["q"] is not second.filters["q"]
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    assert first.filters["q"].filter.f is first.filters["q"]
    assert ProjectFilterSet.base_filters["q"].__dict__.get("parent") is None
    status_first, status_second = first.form.fields["status"], second.form.fields["status"]
    assert status_first is not status_second and status_first.widget is not status_second.widget
    assert status_first.choices is not status_second.choices
    assert list(status_first.choices) == list(status_second.choices)
    assert not PAGE_PARAMS & set(ProjectFilterSet.base_filters)


def test_the_public_is_never_inside_a_project_and_asking_costs_no_query(
    django_assert_num_queries,
):
    project = ProjectFactory(status=ProjectStatus.FUNDED)
    with django_assert_num_queries(0):
        assert project_is_insider(scope=Scope.public(), project=project) is False


def test_the_insider_answer_is_asked_once_per_project_and_scope(django_assert_num_queries):
    project = ProjectFactory(status=ProjectStatus.DRAFT)
    member = ParticipationFactory(project=project).organisation
    inside = Scope(user_id=1, organisation_ids=frozenset({member.pk}))
    outside = Scope(user_id=2, organisation_ids=frozenset({OrganisationFactory().pk}))
    with django_assert_num_queries(2):
        assert project_is_insider(scope=inside, project=project)
        assert project_is_insider(scope=inside, project=project)
        assert not project_is_insider(scope=outside, project=project)


def test_the_detail_answers_the_same_consortium_to_an_anonymous_visitor_and_a_member():
    project = ProjectFactory(status=ProjectStatus.FUNDED, keywords="a, b,")
    coordinator = ParticipationFactory(project=project, role="coordinator")
    ParticipationFactory(project=project, role="partner")
    cluster = ClusterFactory()
    project.accreditations.create(cluster=cluster, is_lead=True, accredited_on=dt.date(2024, 1, 1))
    anonymous = Client().get(f"/api/v1/projects/{project.pk}").json()
    member = Client()
    member.force_login(user_with_role(Role.MEMBER, organisation=coordinator.organisation))
    inside = member.get(f"/api/v1/projects/{project.pk}").json()
    assert anonymous["keywords"] == ["a", "b"]
    assert anonymous["coordinator"]["id"] == coordinator.organisation_id
    assert anonymous["clusters"] == [{"slug": cluster.slug, "name": cluster.name}]
    assert anonymous["consortium"] == inside["consortium"]
    assert anonymous["budget_lines"] is None and inside["budget_lines"] == []
    assert inside["budget_total"] == "0.00"
