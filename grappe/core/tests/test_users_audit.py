"""User, group, permission and role changes are audited, from services, the admin and commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from grappe.core.models import AuditEvent, Role, RoleAssignment
from grappe.core.services import (
    group_create,
    group_delete,
    group_permissions_set,
    role_assign,
    role_revoke,
    user_create,
    user_delete,
    user_groups_set,
    user_update,
)
from grappe.core.tests.factories import ClusterFactory, UserFactory

User = get_user_model()


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def root(db: Any) -> Any:
    return User.objects.create(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def root_client(client: Any, root: Any) -> Any:
    client.force_login(root)
    return client


@pytest.mark.django_db
def test_creating_a_superuser_is_a_creation_and_two_grants() -> None:
    boss = user_create(
        actor=None, username="boss", password="a long passphrase", is_staff=True, is_superuser=True
    )
    assert boss.check_password("a long passphrase")
    assert _actions() == ["user.create", "user.superuser_grant", "user.staff_grant"]
    created = AuditEvent.objects.get(action="user.create")
    assert created.after["username"] == "boss" and "password" not in created.after


@pytest.mark.django_db
def test_flag_flips_are_their_own_events_with_the_actor_and_its_role(root: Any) -> None:
    user = UserFactory()
    user_update(actor=root, user=user, is_staff=True, first_name="Ada")
    user_update(actor=root, user=user, is_staff=False, is_superuser=True)
    assert _actions() == [
        "user.staff_grant",
        "user.change",
        "user.superuser_grant",
        "user.staff_revoke",
    ]
    change = AuditEvent.objects.get(action="user.change")
    assert change.before == {"first_name": ""} and change.after == {"first_name": "Ada"}
    grant = AuditEvent.objects.get(action="user.superuser_grant")
    assert (grant.actor_name, grant.actor_role) == ("root", "superuser, staff")


@pytest.mark.django_db
def test_an_unchanged_save_writes_nothing() -> None:
    user = UserFactory()
    user_update(actor=None, user=user, is_staff=False)
    user_groups_set(actor=None, user=user, groups=[])
    assert _actions() == []


@pytest.mark.django_db
def test_groups_and_permissions_changes_name_what_changed() -> None:
    perm = Permission.objects.get(codename="change_cluster")
    editors = group_create(actor=None, name="editors", permissions=[perm])
    user = UserFactory()
    user_groups_set(actor=None, user=user, groups=[editors])
    group_permissions_set(actor=None, group=editors, permissions=[])
    group_delete(actor=None, group=editors)
    assert _actions() == [
        "group.create",
        "user.groups_change",
        "group.permissions_change",
        "group.delete",
    ]
    assert AuditEvent.objects.get(action="group.create").after["permissions"] == [
        "registry.change_cluster"
    ]
    assert AuditEvent.objects.get(action="user.groups_change").after == {"groups": ["editors"]}
    assert AuditEvent.objects.get(action="group.delete").before["members"] == [user.username]


@pytest.mark.django_db
def test_a_role_revoked_keeps_what_it_was() -> None:
    user, cluster = UserFactory(), ClusterFactory()
    assignment = role_assign(actor=None, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    role_revoke(actor=None, assignment=assignment, reason="left")
    assert not RoleAssignment.objects.exists()
    revoked = AuditEvent.objects.get(action="role.revoke")
    assert revoked.before["cluster"] == cluster.pk and revoked.reason == "left"


@pytest.mark.django_db(transaction=True)
def test_deleting_a_user_revokes_their_roles_then_deletes_them() -> None:
    user, cluster = UserFactory(), ClusterFactory()
    role_assign(actor=None, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    user_delete(actor=None, user=user)
    assert _actions() == ["role.assign", "role.revoke", "user.delete"]
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_the_admin_user_pages_write_through_the_services(root_client: Any) -> None:
    response = root_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newcomer")
    assert user.check_password("a long passphrase 42")
    editors = Group.objects.create(name="editors")
    response = root_client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "newcomer",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [editors.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = root_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="newcomer").exists()
    assert _actions() == [
        "user.create",
        "user.superuser_grant",
        "user.staff_grant",
        "user.groups_change",
        "user.delete",
    ]
    assert set(AuditEvent.objects.values_list("actor_name", "reason")) == {("root", "back office")}


@pytest.mark.django_db
def test_the_admin_group_pages_write_through_the_services(root_client: Any) -> None:
    perm = Permission.objects.get(codename="change_cluster")
    response = root_client.post(
        reverse("admin:auth_group_add"), {"name": "editors", "permissions": [perm.pk]}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    group = Group.objects.get(name="editors")
    assert list(group.permissions.all()) == [perm]
    response = root_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert _actions() == ["group.create", "group.permissions_change", "group.delete"]


@pytest.mark.django_db
def test_createsuperuser_writes_the_creation_and_the_grants() -> None:
    call_command(
        "createsuperuser",
        interactive=False,
        username="ops",
        email="ops@example.org",
        stdout=StringIO(),
    )
    assert _actions() == ["user.create", "user.superuser_grant", "user.staff_grant"]
    event = AuditEvent.objects.get(action="user.create")
    assert event.reason == "createsuperuser command" and event.actor_name == ""
    # The receiver lived only as long as the command.
    UserFactory()
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_a_password_changed_in_the_admin_is_recorded_without_the_password(
    root_client: Any,
) -> None:
    user = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = root_client.post(
        url,
        {
            "password1": "another long phrase 7",
            "password2": "another long phrase 7",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302 and response["Location"] != url
    user.refresh_from_db()
    assert user.check_password("another long phrase 7")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_name, event.after) == (
        "user.password_change",
        "root",
        {"usable": True},
    )
    refused = root_client.post(url, {"password1": "a", "password2": "b", "usable_password": "true"})
    assert refused.status_code == 200 and AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_changepassword_command_is_recorded() -> None:
    from grappe.core.management.commands.changepassword import Command

    user = UserFactory(username="ops")
    command = Command()
    command._get_pass = lambda *args: "yet another long phrase"  # type: ignore[method-assign]
    call_command(command, username="ops", stdout=StringIO())
    user.refresh_from_db()
    assert user.check_password("yet another long phrase")
    assert list(AuditEvent.objects.values_list("action", "reason")) == [
        ("user.password_change", "changepassword command")
    ]
