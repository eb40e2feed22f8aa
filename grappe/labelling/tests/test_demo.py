"""The labelling demo rows load through the services and only once."""

from __future__ import annotations

import pytest

from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, user_with_role
from grappe.labelling.demo import labelling_demo_load
from grappe.labelling.models import CommitteeSession, Review
from grappe.projects.models import ProjectStatus
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def test_demo_rows_load_once() -> None:
    cluster = ClusterFactory(slug="cap-digital")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    p = proposal()
    p.project.is_demo = True
    p.project.save(update_fields=["is_demo"])
    loaded = labelling_demo_load()
    assert loaded is not None and loaded.submitted == [p.project.pk]
    p.project.refresh_from_db()
    assert p.project.status == ProjectStatus.SUBMITTED
    session = CommitteeSession.objects.get(pk=loaded.session_id)
    assert list(session.members.all()) == [manager]
    assert Review.objects.filter(session=session).count() == 1
    assert labelling_demo_load() is None
    assert labelling_demo_load("no-such-cluster") is None
