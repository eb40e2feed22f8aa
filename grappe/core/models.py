"""Base models shared by every app: the audit log and role assignments (scopes)."""

from __future__ import annotations

import functools
import operator
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.domain.roles import ASSIGNABLE_ROLES, ROLES, Role, ScopeKind

__all__ = ["AuditEvent", "Role", "RoleAssignment", "TimeStampedModel"]


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-update times (timezone-aware)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """An immutable record of a state change or decision: who did what to which object, and why.

    Rows are only ever inserted (see `grappe.core.services.audit_record`); the admin is read-only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


def role_choices() -> list[tuple[str, Any]]:
    """The assignable roles of the role table, with translated labels."""
    return [(role.value, _(ROLES[role].label)) for role in ASSIGNABLE_ROLES]


def role_scope_condition() -> Q:
    """The role table's role -> scope rule as a check: each role fills the field of its scope
    kind (funder, cluster or organisation) and leaves the others empty."""
    columns = [kind.value for kind in ScopeKind if kind.value]
    parts: list[Q] = []
    for kind in (*(k for k in ScopeKind if k.value), ScopeKind.NONE):
        roles = [r.value for r in ASSIGNABLE_ROLES if ROLES[r].scope is kind]
        if not roles:
            continue
        lookups: dict[str, Any] = {f"{c}__isnull": c != kind.value for c in columns}
        if len(roles) == 1:
            lookups["role"] = roles[0]
        else:
            lookups["role__in"] = roles
        parts.append(Q(**lookups))
    return functools.reduce(operator.or_, parts)


class RoleAssignment(models.Model):
    """Gives a user a role, scoped to a funder, a cluster or an organisation as the role requires.

    What each role is scoped to is said by the role table (`grappe.core.domain.roles.ROLES`);
    the check constraint is built from it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=32, choices=role_choices())
    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), null=True, blank=True, on_delete=models.CASCADE
    )
    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                violation_error_message=_(
                    "A programme officer needs a funder, a cluster manager a cluster, a member "
                    "an organisation; administrators and evaluators take no scope."
                ),
                condition=role_scope_condition(),
            ),
        ]

    def __str__(self) -> str:
        scope = self.funder or self.cluster or self.organisation
        return f"{self.user} – {self.get_role_display()}" + (f" ({scope})" if scope else "")
