"""A proposal's summary in English and in French: the form, the API, the project page in the
reader's language (else the other one, else an imported objective), the search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from grappe.core.concurrency import edit_token
from grappe.core.models import AuditEvent, Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import OrganisationFactory, ProjectFactory, user_with_role
from grappe.projects import selectors
from grappe.projects.models import Project, ProjectStatus, shown_summary
from grappe.projects.services import project_update
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "english", "french", "objective", "expected"),
    [
        ("en", "In English", "En français", "", ("In English", "en")),
        ("fr", "In English", "En français", "", ("En français", "fr")),
        ("fr", "In English", "", "", ("In English", "en")),  # the other language
        ("en", "", "En français", "", ("En français", "fr")),
        ("fr", "", "  ", "CORDIS objective", ("CORDIS objective", "en")),  # blank is none
        ("en", "", "", "", ("", "")),
    ],
)
def test_the_summary_shown_follows_the_reader_then_the_other_language(
    language, english, french, objective, expected
) -> None:
    with translation.override(language):
        assert shown_summary(english=english, french=french, objective=objective) == expected


def test_the_project_page_shows_the_readers_language_and_says_when_it_falls_back() -> None:
    both = ProjectFactory(summary="Lighting that adapts.", summary_fr="Un éclairage qui s'adapte.")
    english_only = ProjectFactory(summary="Only English here.", summary_fr="")
    cordis = ProjectFactory(summary="", objective="The objective published by CORDIS.")
    page = client_for(None).get(f"/fr/projects/{both.pk}/").content.decode()
    assert 'lang="fr"' in page and "Un éclairage qui s&#x27;adapte." in page
    assert "Lighting that adapts." not in page and 'data-testid="summary-language"' not in page
    page = client_for(None).get(f"/en/projects/{both.pk}/").content.decode()
    assert "Lighting that adapts." in page and "Un éclairage" not in page
    page = client_for(None).get(f"/fr/projects/{english_only.pk}/").content.decode()
    assert '<div data-testid="summary" lang="en">' in page and "Only English here." in page
    assert "Rédigé seulement en anglais." in page
    page = client_for(None).get(f"/en/projects/{cordis.pk}/").content.decode()
    assert "The objective published by CORDIS." in page and "No summary yet." not in page


def test_the_coordinator_writes_both_summaries_in_the_form_others_may_not() -> None:
    p = proposal()
    url = f"/en/projects/{p.project.pk}/edit/"
    form = client_for(p.owner).get(url).content.decode()
    assert 'name="summary"' in form and 'name="summary_fr"' in form
    assert "Summary (French)" in form
    data = {
        "acronym": p.project.acronym,
        "title": "Title",
        "summary": "Shuttles without drivers.",
        "summary_fr": "Des navettes sans chauffeur.",
        "edit_token": edit_token(Project.objects.get(pk=p.project.pk)),
    }
    for who, status in ((p.insider, 403), (p.outsider, 404)):
        assert client_for(who).post(url, data).status_code == status
    assert Project.objects.get(pk=p.project.pk).summary_fr == ""
    assert client_for(p.owner).post(url, data).status_code == 302
    saved = Project.objects.get(pk=p.project.pk)
    assert (saved.summary, saved.summary_fr) == (data["summary"], data["summary_fr"])
    event = AuditEvent.objects.filter(action="project.update").latest("pk")
    assert event.after["summary_fr"] == "Des navettes sans chauffeur."
    # A control character is refused, naming the field; nothing is written.
    bad = {**data, "summary_fr": "bad\x00text", "edit_token": edit_token(saved)}
    response = client_for(p.owner).post(url, bad)
    assert response.status_code == 422
    assert 'id="id_summary_fr"' in response.content.decode()
    assert Project.objects.get(pk=p.project.pk).summary_fr == data["summary_fr"]


def test_the_api_takes_and_gives_both_summaries() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    client = client_for(member)
    body = {
        "organisation_id": org.pk,
        "acronym": "BILING",
        "title": "Two languages",
        "summary": "In English.",
        "summary_fr": "En français.\nSur deux lignes.",
    }
    response = client.post("/api/v1/projects", body, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    detail = client.get(f"/api/v1/projects/{pk}").json()
    assert (detail["summary"], detail["summary_fr"]) == (body["summary"], body["summary_fr"])
    # An outsider does not see the draft at all.
    outsider = client_for(user_with_role(Role.MEMBER, organisation=OrganisationFactory()))
    assert outsider.get(f"/api/v1/projects/{pk}").status_code == 404
    for bad in ("x\x00y", "x" * 20001, 12):
        refused = client.post(
            "/api/v1/projects",
            {**body, "acronym": "BAD", "summary_fr": bad},
            content_type="application/json",
        )
        assert refused.status_code == 422
        assert {e["loc"][-1] for e in refused.json()["detail"]} == {"summary_fr"}
    assert not Project.objects.filter(acronym="BAD").exists()


def test_the_french_summary_is_searched() -> None:
    project = ProjectFactory(
        acronym="NAVETTE", title="Autonomous shuttles", status=ProjectStatus.ACCREDITED
    )
    public = scope_for(None)
    assert not list(selectors.project_search(scope=public, q="véhicules électriques"))
    project_update(actor=None, project=project, summary_fr="Des véhicules électriques partagés.")
    found = [p.acronym for p in selectors.project_search(scope=public, q="vehicules electriques")]
    assert found == ["NAVETTE"]
