"""The back office shows the status read-only and changes it only through the workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from grappe.core.models import Role, Transition
from grappe.core.tests.factories import UserFactory, opened, user_with_role
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.services import project_transition
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def superuser_client() -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_change_form_has_no_status_field_and_ignores_a_posted_status() -> None:
    p = proposal()
    client = superuser_client()
    url = f"/en/admin/projects/project/{p.project.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="status"' not in html and "Change the status" in html
    form = {
        "acronym": p.project.acronym,
        "title": "A new title",
        "status": "funded",
        "participations-TOTAL_FORMS": "0",
        "participations-INITIAL_FORMS": "0",
        "accreditations-TOTAL_FORMS": "0",
        "accreditations-INITIAL_FORMS": "0",
        **opened(p.project),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = Project.objects.get(pk=p.project.pk)
    assert (saved.title, saved.status) == ("A new title", ProjectStatus.DRAFT)


def test_a_superuser_changes_the_status_through_the_workflow() -> None:
    p = proposal()
    client = superuser_client()
    url = f"/en/admin/projects/project/{p.project.pk}/transition/"
    html = client.get(url).content.decode()
    assert 'value="Withdraw"' in html
    # Submitting chooses clusters: a link to the project's submission page, not a button.
    assert 'value="Submit for accreditation"' not in html
    assert f'href="/en/projects/{p.project.pk}/submit/">Submit for accreditation</a>' in html
    response = client.post(url, {"transition": "submit"})
    assert "use its submission page" in response.content.decode()
    assert not Transition.objects.exists()
    response = client.post(url, {"transition": "withdraw", "reason": ""})
    assert "needs a reason" in response.content.decode()
    response = client.post(url, {"transition": "withdraw", "reason": "Duplicate entry."})
    assert response.status_code == 302
    row = Transition.objects.get()
    assert (row.to_state, row.acting_role, row.reason) == ("withdrawn", "staff", "Duplicate entry.")


def test_a_staff_member_without_a_role_on_the_project_is_refused() -> None:
    p = proposal()
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=p.manager.role_assignments.get().cluster)
    manager.is_staff = True
    manager.save()
    from django.contrib.auth.models import Permission

    manager.user_permissions.add(Permission.objects.get(codename="change_project"))
    client = Client()
    client.force_login(manager)
    url = f"/en/admin/projects/project/{p.project.pk}/transition/"
    # Django's staff flag and model permissions grant nothing: the role table keeps a cluster
    # manager out of the back office altogether.
    assert client.get(url)["Location"].startswith("/en/admin/login/")
    client.post(url, {"transition": "submit"})
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "7 December 2026, 10:17 — Withdraw"),
        ("fr", "7 décembre 2026, 10:17 — Retirer"),
    ],
)
def test_the_status_history_gives_paris_time_in_the_page_language(lang: str, words: str) -> None:
    p = proposal()
    project_transition(actor=None, project=p.project, transition="withdraw", reason="Duplicate.")
    # 09:17 UTC is 10:17 in Paris in December
    Transition.objects.update(created_at=dt.datetime(2026, 12, 7, 9, 17, tzinfo=dt.UTC))
    html = superuser_client().get(f"/{lang}/admin/projects/project/{p.project.pk}/change/")
    assert words in html.content.decode()
