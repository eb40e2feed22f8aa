"""Back-office edits are audited like service writes: who, what, before and after."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.core.tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


def _cluster_form(cluster: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "kind": cluster.kind,
        "slug": cluster.slug,
        "name": cluster.name,
        "short_name": cluster.short_name,
        "topic_en": cluster.topic_en,
        "topic_fr": cluster.topic_fr,
        "description_en": cluster.description_en,
        "description_fr": cluster.description_fr,
        "website": "",
        "territory": "",
        "display_order": 0,
        "themes-TOTAL_FORMS": 1,
        "themes-INITIAL_FORMS": 0,
        "themes-MIN_NUM_FORMS": 0,
        "themes-MAX_NUM_FORMS": 1000,
        "themes-0-name_en": "Road safety",
        "themes-0-name_fr": "Sécurité routière",
        "themes-0-display_order": 1,
    }
    data.update(changes)
    return data


def test_a_change_in_the_back_office_records_before_after_and_inline_rows(
    staff: Any, admin_user: Any
) -> None:
    cluster = ClusterFactory(topic_en="Transport")
    url = reverse("admin:registry_cluster_change", args=[cluster.pk])
    response = staff.post(url, _cluster_form(cluster, topic_en="Mobility"))
    assert response.status_code == 302, response.content[:2000]
    change = AuditEvent.objects.get(action="registry.cluster.change")
    assert change.actor == admin_user
    assert change.before["topic_en"] == "Transport"
    assert change.after["topic_en"] == "Mobility"
    theme = AuditEvent.objects.get(action="registry.clustertheme.create")
    assert theme.after["name_fr"] == "Sécurité routière"


def test_a_refused_edit_writes_no_audit_event(staff: Any) -> None:
    cluster = ClusterFactory()
    url = reverse("admin:registry_cluster_change", args=[cluster.pk])
    response = staff.post(url, _cluster_form(cluster, kind="not-a-kind"))
    assert response.status_code == 200  # the form comes back with its error
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_a_deletion_keeps_what_was_deleted(staff: Any) -> None:
    cluster = ClusterFactory(name="Short-lived")
    url = reverse("admin:registry_cluster_delete", args=[cluster.pk])
    assert staff.post(url, {"post": "yes"}).status_code == 302
    event = AuditEvent.objects.get(action="registry.cluster.delete")
    assert event.before["name"] == "Short-lived"
