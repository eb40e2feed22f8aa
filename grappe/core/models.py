"""Base models shared by every app: the audit log and role assignments (scopes)."""

from __future__ import annotations

import functools
import operator
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.domain.roles import ASSIGNABLE_ROLES, ROLES, Role, ScopeKind

__all__ = ["AuditEvent", "Role", "RoleAssignment", "TimeStampedModel"]


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-update times (timezone-aware)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SearchEntry(models.Model):
    """Abstract base of a search document row (`grappe.core.search`): the columns every entity's
    index has. Each subclass adds its relation to the entity and is not managed by Django (an
    FTS5 virtual table on SQLite, a table with a `tsvector` on PostgreSQL, made by a migration)."""

    id = models.BigIntegerField(primary_key=True, db_column="rowid")
    names = models.TextField()
    document = models.TextField()
    identifiers = models.TextField()
    activity = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.names


class SearchWord(models.Model):
    """One word of a search index's vocabulary (`grappe.core.search`), the corrections a
    mistyped query word may take (`core/domain/spelling.py`). Written with the index entries;
    a word whose rows are gone may stay (a correction is offered only when it finds rows)."""

    index = models.CharField(max_length=63)  # the index's table
    word = models.CharField(max_length=40)
    length = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["index", "word"], name="search_word_unique"),
        ]
        indexes = [models.Index(fields=["index", "length", "word"], name="search_word_length")]

    def __str__(self) -> str:
        return f"{self.index}: {self.word}"


class AuditEvent(models.Model):
    """An immutable record of a state change or decision: who did what to which object, and why.

    Rows are only ever inserted, by `grappe.core.services.audit_record`. Database triggers
    (migration `core.*_audit_chain_and_triggers`) refuse UPDATE and DELETE, except the one
    UPDATE that deleting a user needs: `actor` set to NULL. The actor's name and role are kept as text, and
    `prev_hash`/`hash` chain the events so that `grappe audit verify` finds an altered or removed
    row (`grappe.core.domain.audit_chain`).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Set by audit_record before the insert, because the hash covers it.
    created_at = models.DateTimeField(
        _("time"), default=timezone.now, editable=False, db_index=True
    )
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

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


# --- workflow transitions ----------------------------------------------------------------------


class Transition(models.Model):
    """One state change of a workflow object (a project, later an application or a grant).

    Written only by the object's transition service (e.g. `projects.services.project_transition`),
    in the same transaction as the new state and the audit event. Replaying a request with the
    same idempotency key on the same object finds this row instead of writing a second one.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("object type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    subject = GenericForeignKey("content_type", "object_id")
    workflow = models.CharField(_("workflow"), max_length=40)
    workflow_version = models.PositiveIntegerField(_("workflow version"))
    transition = models.CharField(_("transition"), max_length=60)
    from_state = models.CharField(_("from"), max_length=40)
    to_state = models.CharField(_("to"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for a system process (an import of published data)."),
    )
    acting_role = models.CharField(_("acting role"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="transition_idempotency_key_once_per_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow}#{self.object_id}: {self.from_state} → {self.to_state}"
