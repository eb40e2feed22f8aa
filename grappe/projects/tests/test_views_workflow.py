"""The project page's status panel: history and transition buttons, owner / insider / outsider."""

from __future__ import annotations

import pytest
from django.test import Client

from grappe.core.models import Transition
from grappe.core.tests.factories import ClusterFactory
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.services import SubmissionRequest, project_submit, project_transition
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def page(user, pk: int, lang: str = "en"):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/{lang}/projects/{pk}/")


def fire(user, pk: int, **data):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.post(f"/en/projects/{pk}/transitions/", data)


def test_the_owner_sees_the_buttons_and_fires_one() -> None:
    p = proposal()
    html = page(p.owner, p.project.pk).content.decode()
    assert 'data-transition="withdraw"' in html
    # Submitting is a link to the submission page (clusters, a statement each), not a button.
    assert (
        f'<a class="button button-small" data-transition="submit" '
        f'href="/en/projects/{p.project.pk}/submit/">' in html
    )
    assert "Reason (required)" in html  # withdrawing needs a reason
    data = {"transition": "withdraw", "reason": "Merged.", "idempotency_key": "x1"}
    response = fire(p.owner, p.project.pk, **data)
    assert response.status_code == 302
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.WITHDRAWN
    html = page(p.owner, p.project.pk).content.decode()
    assert 'id="transition-history"' in html and "Merged." in html
    # Posting the same form twice (a double click) changes nothing the second time.
    fire(p.owner, p.project.pk, **data)
    assert Transition.objects.count() == 1


def test_the_old_submit_without_clusters_is_refused_on_the_page() -> None:
    p = proposal()
    response = fire(p.owner, p.project.pk, transition="submit", idempotency_key="x1")
    assert response.status_code == 409
    assert "use its submission page" in response.content.decode()
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert not Transition.objects.exists()


def test_an_insider_sees_the_history_but_no_button_they_may_not_use() -> None:
    p = proposal()
    project_submit(
        actor=p.owner,
        project=p.project,
        clusters=[SubmissionRequest(ClusterFactory().pk, "It fits the cluster's themes.")],
    )
    html = page(p.insider, p.project.pk).content.decode()
    assert 'id="transition-history"' in html
    assert "data-transition=" not in html
    response = fire(p.insider, p.project.pk, transition="withdraw", reason="no")
    assert response.status_code == 409
    assert "reserved to member of the coordinating organisation" in response.content.decode()
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED


def test_an_outsider_sees_neither_and_cannot_fire() -> None:
    p = proposal(status=ProjectStatus.FUNDED)
    project_transition(actor=p.owner, project=p.project, transition="complete")
    html = page(p.outsider, p.project.pk).content.decode()
    assert 'id="transition-history"' not in html and "data-transition=" not in html
    draft = proposal().project
    assert page(p.outsider, draft.pk).status_code == 404
    assert fire(p.outsider, draft.pk, transition="submit").status_code == 404
    assert fire(None, draft.pk, transition="submit").status_code == 302  # to the login page
    assert Project.objects.get(pk=draft.pk).status == ProjectStatus.DRAFT


def test_a_blocked_transition_shows_why_in_french() -> None:
    p = proposal()
    p.project.participations.filter(organisation=p.partner).delete()
    html = page(p.owner, p.project.pk, lang="fr").content.decode()
    assert "Soumettre à la labellisation" in html
    assert "le consortium compte au moins deux organisations" in html
    assert "disabled" in html


def test_a_malformed_post_is_a_clear_error() -> None:
    p = proposal()
    response = fire(p.owner, p.project.pk, transition="")
    assert response.status_code == 422
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "7 December 2026, 09:05"), ("fr", "7 décembre 2026, 09:05")]
)
def test_the_history_dates_are_unambiguous_and_in_paris_time(lang: str, shown: str) -> None:
    """Not `12/07/2026` (7 December or 12 July?): the day, the month's name, Paris time."""
    import datetime as dt

    p = proposal()
    project_transition(
        actor=p.owner, project=p.project, transition="withdraw", reason="Consortium dissolved"
    )
    at = dt.datetime(2026, 12, 7, 8, 5, tzinfo=dt.UTC)  # 09:05 in Paris (winter time)
    Transition.objects.update(created_at=at)
    html = page(p.owner, p.project.pk, lang).content.decode()
    table = html[html.index('id="transition-history"') :]
    assert f'<time datetime="2026-12-07T09:05:00+01:00">{shown}</time>' in table
    assert "12/07/2026" not in table and "07/12/2026" not in table


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("en", "submitted on 7 December 2026, 09:05"), ("fr", "7 décembre 2026, 09:05")],
)
def test_the_submission_date_is_unambiguous_too(lang: str, shown: str) -> None:
    import datetime as dt

    from grappe.projects.models import ClusterSubmission

    p = proposal()
    project_submit(
        actor=p.owner,
        project=p.project,
        clusters=[SubmissionRequest(ClusterFactory().pk, "It fits the cluster's themes.")],
    )
    ClusterSubmission.objects.update(submitted_at=dt.datetime(2026, 12, 7, 8, 5, tzinfo=dt.UTC))
    html = page(p.owner, p.project.pk, lang).content.decode()
    assert shown in html
    assert "12/07/2026" not in html and "07/12/2026" not in html
