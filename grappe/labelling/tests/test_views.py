"""The labelling pages: who sees what (manager, committee member, consortium, manager of
another cluster, evaluator, anonymous), and the committee's path through the forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from grappe.labelling.models import CommitteeSession, CriteriaSet, MemberReview, Review
from grappe.labelling.tests.helpers import Committee, committee
from grappe.projects.models import Accreditation, Project, ProjectStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Committee:
    return committee()


def as_(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls(c: Committee) -> dict[str, str]:
    return {
        "cluster": f"/en/clusters/{c.cluster.slug}/labelling/",
        "session": f"/en/labelling/sessions/{c.session.pk}/",
        "review": f"/en/labelling/reviews/{c.review.pk}/",
    }


def test_who_sees_the_committee_pages(c: Committee) -> None:
    pages = urls(c)
    expect = {
        "manager": (200, 200, 200),
        "member": (200, 200, 200),  # a manager of the cluster, sitting on the committee
        "other_manager": (404, 404, 404),
        "evaluator": (404, 404, 404),
    }
    for who, codes in expect.items():
        client = as_(getattr(c, who))
        got = tuple(client.get(pages[k]).status_code for k in ("cluster", "session", "review"))
        assert got == codes, who
    for user in (c.p.owner, c.p.insider):
        client = as_(user)
        assert [client.get(u).status_code for u in pages.values()] == [404, 404, 404]
    anonymous = Client()
    assert {anonymous.get(u).status_code for u in pages.values()} == {302}
    assert as_(c.other_manager).get("/en/labelling/").status_code == 200


def test_a_conflicted_member_is_told_why_and_refused(c: Committee) -> None:
    client = as_(c.conflicted)
    review = urls(c)["review"]
    client.post(review, {"form": "declare", "declares_interest": "no"})
    page = client.get(review)
    assert b"Big Group SA" in page.content and b"you may not score or vote" in page.content
    assert b'id="score-form"' not in page.content
    refused = client.post(review, {"form": "score", "score_innovation": "5", "score_fit": "10"})
    assert refused.status_code == 403
    assert b"you may not score or vote" in refused.content
    assert MemberReview.objects.get(member=c.conflicted).scored_at is None


def test_scores_out_of_range_refused_on_the_page(c: Committee) -> None:
    client = as_(c.member)
    review = urls(c)["review"]
    client.post(review, {"form": "declare", "declares_interest": "no"})
    bad = client.post(review, {"form": "score", "score_innovation": "9", "score_fit": "3"})
    assert bad.status_code == 422
    assert b"from 0 to 5" in bad.content
    assert MemberReview.objects.get(member=c.member).scored_at is None


def test_the_manager_runs_the_committee_through_the_pages(c: Committee) -> None:
    manager = as_(c.manager)
    pages = urls(c)
    criteria = manager.post(
        pages["cluster"],
        {"form": "criteria", "checklist": "Complete file", "criteria": "Impact | 2 | 10"},
    )
    assert criteria.status_code == 302
    assert CriteriaSet.objects.filter(cluster=c.cluster).count() == 2
    bad = manager.post(pages["cluster"], {"form": "criteria", "criteria": "Impact | heavy"})
    assert bad.status_code == 422 and b"Line 1" in bad.content
    session = manager.post(
        pages["cluster"],
        {"form": "session", "title": "January", "meets_on": "2027-01-20", "members": [c.member.pk]},
    )
    assert session.status_code == 302
    assert CommitteeSession.objects.filter(title="January").exists()
    # The member scores, the manager ticks the checklist and decides without reasons: refused.
    member = as_(c.member)
    member.post(pages["review"], {"form": "declare", "declares_interest": "no"})
    member.post(
        pages["review"],
        {"form": "score", "score_innovation": "4", "score_fit": "7", "vote": "accredited"},
    )
    manager.post(pages["review"], {"form": "checklist", "ticked": ["consortium", "budget"]})
    no_reason = manager.post(
        pages["review"],
        {
            "form": "transition",
            "transition": "decide",
            "outcome": "accredited_with_conditions",
            "conditions": "Add a user partner",
        },
    )
    assert no_reason.status_code == 409 and b"needs a reason" in no_reason.content
    decided = manager.post(
        pages["review"],
        {
            "form": "transition",
            "transition": "decide",
            "outcome": "accredited_with_conditions",
            "reason": "Solid consortium",
            "conditions": "Add a user partner",
        },
    )
    assert decided.status_code == 302
    # Not published: the consortium sees nothing yet, the letter does not exist.
    owner = as_(c.p.owner)
    assert b"Solid consortium" not in owner.get(f"/en/projects/{c.p.project.pk}/").content
    letter = f"/en/labelling/reviews/{c.review.pk}/letter/"
    assert owner.get(letter).status_code == 404
    assert (
        manager.post(pages["review"], {"form": "transition", "transition": "publish"}).status_code
        == 302
    )
    assert Review.objects.get(pk=c.review.pk).status == "published"
    assert Project.objects.get(pk=c.p.project.pk).status == ProjectStatus.ACCREDITED
    assert Accreditation.objects.filter(project=c.p.project, cluster=c.cluster).exists()
    project_page = owner.get(f"/en/projects/{c.p.project.pk}/").content
    assert b"Solid consortium" in project_page and b"Add a user partner" in project_page
    assert owner.get(letter).status_code == 200
    assert b"Accredited with conditions" in as_(c.p.insider).get(letter).content
    assert as_(c.other_manager).get(letter).status_code == 404
    assert Client().get(letter).status_code == 404
    french = owner.get(letter.replace("/en/", "/fr/"))
    assert "Labellisé sous conditions".encode() in french.content


def test_my_area_lists_the_committee_tasks_of_a_member_only(c: Committee) -> None:
    html = as_(c.member).get("/en/me/").content.decode()
    assert 'data-testid="my-committee-tasks"' in html
    assert c.submission.project.acronym in html and "declare whether you have an interest" in html
    french = as_(c.member).get("/fr/me/").content.decode()
    assert "déclarer si vous avez un intérêt" in french
    other = as_(c.p.owner).get("/en/me/").content.decode()
    assert "Nothing is waiting for you on a labelling committee." in other
    assert c.submission.project.acronym not in other.split('data-testid="my-committee-tasks"')[1]
