"""The main navigation highlights the page's own section (`aria-current="page"`), one page of
each app of the funding loop, and never "Clusters" for a page that is not a cluster's."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import resolve

from grappe.core.context_processors import nav_section
from grappe.core.tests import factories as f
from grappe.funding import services as funding
from grappe.funding.tests.helpers import consortium, open_call

pytestmark = pytest.mark.django_db

CURRENT = re.compile(r'<a href="([^"]*)"[^>]*aria-current="page"')


def current(user, path: str) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return CURRENT.findall(response.content.decode())


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/en/", "clusters"),
        ("/en/clusters/x/", "clusters"),
        ("/en/evaluation/", "evaluation"),
        ("/en/calls/x/panel/", "evaluation"),
        ("/en/calls/x/funding/", "calls"),
        ("/en/decisions/applications/1/", "calls"),
        ("/en/grants/manage/", "grants"),
        ("/en/grants/1/", "grants"),
        ("/en/me/notifications/", "notifications"),
        ("/en/applications/1/", "calls"),
        ("/en/calls/x/applications/", "calls"),
        ("/en/labelling/", "labelling"),
        ("/en/organisations/1/", "organisations"),
        ("/en/projects/1/", "projects"),
        ("/en/me/", "my_area"),
    ],
)
def test_each_route_is_in_its_section(path: str, section: str) -> None:
    match = resolve(path)
    assert nav_section(match.namespace, match.url_name) == section


def test_the_funding_loop_pages_highlight_their_own_section() -> None:
    c = consortium()
    call = open_call()
    officer = f.user_with_role("programme_officer", funder=call.funder)
    coordinator = f.user_with_role("member", organisation=c.coordinator)
    app = funding.application_create(actor=coordinator, call=call, project=c.project)
    pages = {
        "/en/evaluation/": ["/en/evaluation/"],
        f"/en/calls/{call.slug}/funding/": ["/en/calls/"],  # decisions: the call's page
        "/en/grants/manage/": ["/en/grants/manage/"],
        "/en/me/notifications/": ["/en/me/notifications/"],
    }
    for path, highlighted in pages.items():
        assert current(officer, path) == highlighted, path
    assert current(coordinator, f"/en/applications/{app.pk}/") == ["/en/calls/"]
