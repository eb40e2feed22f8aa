"""The labelling API: submission, declaration, scores (refused with the reason to a conflicted
member, out of range with the field), the decision and its publication; who gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from grappe.core.tests.factories import ClusterFactory
from grappe.labelling.tests.helpers import GOOD_SCORES, Committee, committee
from grappe.projects.models import ClusterSubmission, ProjectStatus
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_submit_and_withdraw_through_the_api() -> None:
    p = proposal()
    lead, other = ClusterFactory(), ClusterFactory()
    url = f"/api/v1/projects/{p.project.pk}/submissions"
    body = {
        "clusters": [
            {"cluster_id": lead.pk, "statement": "Lead fit"},
            {"cluster_id": other.pk, "statement": "Other fit"},
        ]
    }
    assert post(as_(p.outsider), url, body).status_code == 404
    assert post(as_(p.insider), url, body).status_code == 403
    bad = post(as_(p.owner), url, {"clusters": [{"cluster_id": lead.pk, "statement": " "}]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "statements"]
    done = post(as_(p.owner), url, body)
    assert done.status_code == 201
    assert [s["is_lead"] for s in done.json()] == [True, False]
    p.project.refresh_from_db()
    assert p.project.status == ProjectStatus.SUBMITTED
    again = post(as_(p.owner), url, body)
    assert again.status_code == 409 and again.json()["refusal"] == "wrong_state"
    second = ClusterSubmission.objects.get(cluster=other)
    withdraw = f"/api/v1/projects/{p.project.pk}/submissions/withdraw"
    assert post(as_(p.insider), withdraw, {"submission_id": second.pk}).status_code == 403
    out = post(as_(p.owner), withdraw, {"submission_id": second.pk, "reason": "Scope"})
    assert out.status_code == 200 and out.json()[0]["withdrawn_at"]


def test_committee_through_the_api() -> None:
    c: Committee = committee()
    base = f"/api/v1/labelling/reviews/{c.review.pk}"
    for outsider in (c.other_manager, c.evaluator, c.p.owner, c.p.insider):
        assert as_(outsider).get(base).status_code == 404
        assert post(as_(outsider), f"{base}/scores", {"scores": GOOD_SCORES}).status_code == 404
    assert Client().get(base).status_code == 404
    assert Client().get("/api/v1/labelling/sessions").json() == []
    conflicted = as_(c.conflicted)
    assert post(conflicted, f"{base}/declaration", {"declares_interest": False}).status_code == 200
    shown = conflicted.get(base).json()
    assert shown["may_score"] is False and "Big Group SA" in shown["why_not"]
    refused = post(conflicted, f"{base}/scores", {"scores": GOOD_SCORES, "vote": "accredited"})
    assert refused.status_code == 403 and "may not score or vote" in refused.json()["detail"]
    member = as_(c.member)
    post(member, f"{base}/declaration", {"declares_interest": False})
    out_of_range = post(member, f"{base}/scores", {"scores": {"innovation": 7, "fit": 2}})
    assert out_of_range.status_code == 422
    assert out_of_range.json()["detail"][0]["loc"] == ["body", "scores"]
    assert "scores.innovation" in out_of_range.json()["detail"][0]["msg"]
    ok = post(member, f"{base}/scores", {"scores": GOOD_SCORES, "vote": "accredited"})
    assert ok.status_code == 200 and ok.json()["mine"]["scores"] == GOOD_SCORES
    manager = as_(c.manager)
    c.review.checklist = ["consortium", "budget"]
    c.review.save(update_fields=["checklist"])
    no_reason = post(manager, f"{base}/transitions", {"transition": "decide", "outcome": "refused"})
    assert no_reason.status_code == 422 and no_reason.json()["refusal"] == "reason"
    decided = post(
        manager,
        f"{base}/transitions",
        {"transition": "decide", "outcome": "refused", "reason": "Outside our themes"},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    # The member sees no outcome before publication.
    assert member.get(base).json()["outcome"] == "refused"  # a manager of the cluster
    published = post(manager, f"{base}/transitions", {"transition": "publish"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    c.p.project.refresh_from_db()
    assert c.p.project.status == ProjectStatus.NOT_ACCREDITED
    sessions = manager.get("/api/v1/labelling/sessions").json()
    assert [s["reviews"] for s in sessions] == [[c.review.pk]]
    assert as_(c.other_manager).get("/api/v1/labelling/sessions").json() == []
