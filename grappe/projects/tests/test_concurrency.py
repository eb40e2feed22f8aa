"""Projects: a change form opened before the project's last change (a field or its status)
is refused, never saved over it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.models import AuditEvent
from grappe.core.tests import factories as f
from grappe.core.tests.test_admin import _project_form, _url
from grappe.projects.models import Project
from grappe.projects.services import project_transition, project_update
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="edit_token" value="([0-9a-f]+)"')


def _staff(name: str) -> Client:
    user = get_user_model().objects.create(username=name, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _opened(client: Client, url: str) -> str:
    match = TOKEN.search(client.get(url).content.decode())
    assert match, "the change form carries no edit token"
    return match.group(1)


def _form(project: Project, token: str, **changes: Any) -> dict[str, Any]:
    return {**_project_form(project, [], []), "edit_token": token, **changes}


def test_the_second_of_two_project_forms_is_refused_and_changes_nothing() -> None:
    project = f.ProjectFactory(title="Before")
    url = _url(Project, "change", project.pk)
    alice, bob = _staff("alice"), _staff("bob")
    alice_token, bob_token = _opened(alice, url), _opened(bob, url)
    assert alice.post(url, _form(project, alice_token, title="Alice's")).status_code == 302
    events = AuditEvent.objects.count()

    response = bob.post(url, _form(project, bob_token, title="Bob's"))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert "was changed since you opened it (by alice at " in error
    assert Project.objects.get(pk=project.pk).title == "Alice's"
    assert AuditEvent.objects.count() == events


def test_a_status_change_after_the_form_was_opened_makes_it_stale(
    django_capture_on_commit_callbacks: Any,
) -> None:
    p = proposal()
    project = p.project
    url = _url(Project, "change", project.pk)
    bob = _staff("bob")
    stale = _opened(bob, url)
    with django_capture_on_commit_callbacks(execute=False):
        project_transition(actor=p.owner, project=project, transition="withdraw", reason="Merged.")
    response = bob.post(url, _form(Project.objects.get(pk=project.pk), stale, title="Bob's"))
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    assert Project.objects.get(pk=project.pk).title == project.title


def test_a_partner_change_form_is_guarded_like_every_back_office_change_form() -> None:
    part = f.ParticipationFactory(role="coordinator", display_order=0)
    url = _url(type(part), "change", part.pk)
    bob = _staff("bob")
    stale = _opened(bob, url)
    type(part).objects.filter(pk=part.pk).update(display_order=5)
    data = {
        "project": str(part.project_id),
        "organisation": str(part.organisation_id),
        "role": "coordinator",
        "display_order": "1",
        "eu_contribution": "",
        "net_eu_contribution": "",
        "total_cost": "",
        "edit_token": stale,
        **{
            f"{prefix}-{k}": v
            for prefix in ("budget_lines", "funding_lines")
            for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    }
    response = bob.post(url, data)
    assert response.status_code == 200
    assert "was changed since you opened it" in response.content.decode()
    assert type(part).objects.get(pk=part.pk).display_order == 5


def test_project_update_refuses_a_stale_token_and_writes_nothing() -> None:
    project = f.ProjectFactory(title="Before")
    opened = edit_token(Project.objects.get(pk=project.pk))
    project_update(actor=None, project=project, expected_token=opened, title="First")
    with pytest.raises(EditConflict) as refused:
        project_update(actor=None, project=project, expected_token=opened, title="Second")
    assert refused.value.code == "stale"
    assert Project.objects.get(pk=project.pk).title == "First"
