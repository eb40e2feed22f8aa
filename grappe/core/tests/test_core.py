"""Scopes, role assignment, the audit log and the settings helpers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from grappe import settings as grappe_settings
from grappe.core.domain.roles import Action, Target
from grappe.core.models import AuditEvent, Role, RoleAssignment
from grappe.core.scopes import scope_for
from grappe.core.services import role_assign
from grappe.core.tests.factories import ClusterFactory, OrganisationFactory, UserFactory


@pytest.mark.django_db
def test_role_assign_records_an_audit_event_once() -> None:
    admin, user, cluster = UserFactory(), UserFactory(), ClusterFactory()
    first = role_assign(actor=admin, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    again = role_assign(actor=admin, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    assert first == again
    events = AuditEvent.objects.filter(action="role.assign")
    assert events.count() == 1
    assert events.get().actor == admin
    assert events.get().after["cluster"] == cluster.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "scope_kw"),
    [
        (Role.CLUSTER_MANAGER, {}),
        (Role.MEMBER, {"cluster": "cluster"}),
        (Role.ADMINISTRATOR, {"organisation": "organisation"}),
    ],
)
def test_role_assign_refuses_a_scope_that_does_not_fit_the_role(role, scope_kw) -> None:
    objects = {"cluster": ClusterFactory, "organisation": OrganisationFactory}
    kwargs = {k: objects[v]() for k, v in scope_kw.items()}
    with pytest.raises(ValidationError, match="programme officer needs a funder"):
        role_assign(actor=None, user=UserFactory(), role=role, **kwargs)
    assert not RoleAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_scope_collects_every_role_of_a_user() -> None:
    user, cluster, org = UserFactory(), ClusterFactory(), OrganisationFactory()
    role_assign(actor=None, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    role_assign(actor=None, user=user, role=Role.MEMBER, organisation=org)
    scope = scope_for(user)
    assert scope.cluster_ids == {cluster.pk}
    assert scope.organisation_ids == {org.pk}
    assert not scope.is_staff_wide
    assert scope.roles == {Role.EVERYONE, Role.CLUSTER_MANAGER, Role.MEMBER}
    imports = Action.CLUSTER_IMPORT_MEMBERS
    assert scope.can(imports, Target.of(own_cluster=[cluster.pk]))
    assert not scope.can(imports, Target.of(own_cluster=[cluster.pk + 1]))


def test_anonymous_scope_is_public() -> None:
    assert not scope_for(None).is_authenticated


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("0", False), ("", False), ("Yes", True)]
)
def test_env_bool_reads_booleans(monkeypatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("GRAPPE_TEST_FLAG", raw)
    assert grappe_settings.env_bool("GRAPPE_TEST_FLAG", False) is value


def test_env_bool_fails_loudly_on_anything_else(monkeypatch) -> None:
    monkeypatch.setenv("GRAPPE_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="GRAPPE_TEST_FLAG='maybe' is not a boolean"):
        grappe_settings.env_bool("GRAPPE_TEST_FLAG", False)


def test_settings_refuse_production_with_the_placeholder_secret() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "grappe.settings"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is the placeholder" in result.stderr
