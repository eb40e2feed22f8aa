"""Cluster labelling committees: criteria sets (versioned), sessions, reviews and members' votes.

Written only by `labelling.services`; a review's `status` only by `review_transition`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.labelling.domain.criteria import CriteriaDefinition, load_definition
from grappe.labelling.domain.workflow import CURRENT, WORKFLOW_ID, Outcome


class CriteriaSet(models.Model):
    """One version of a cluster's labelling criteria: a checklist and weighted scored criteria
    (`labelling/domain/criteria.py` gives the shape). A new version is a new row; a session
    keeps the version it was created with."""

    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="criteria_sets",
    )
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["cluster", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "version"], name="criteria_set_version")
        ]

    def __str__(self) -> str:
        return f"{self.cluster} v{self.version}"

    @property
    def rules(self) -> CriteriaDefinition:
        return load_definition(self.definition)


class CommitteeSession(models.Model):
    """A meeting of a cluster's labelling committee; its members are people with a role on the
    cluster (`labelling.sit` in the role table)."""

    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="committee_sessions",
    )
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    meets_on = models.DateField(_("meeting date"))
    members: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="CommitteeMember",
        related_name="committee_sessions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee session")
        verbose_name_plural = _("committee sessions")
        ordering = ["-meets_on", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.meets_on})"


class CommitteeMember(models.Model):
    session = models.ForeignKey(
        CommitteeSession, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="committee_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.session}"


OUTCOME_CHOICES: list[tuple[str, Any]] = [
    (Outcome.ACCREDITED.value, _("Accredited")),
    (Outcome.ACCREDITED_WITH_CONDITIONS.value, _("Accredited with conditions")),
    (Outcome.REFUSED.value, _("Refused")),
]


class Review(models.Model):
    """One submission before one committee session, through the labelling workflow."""

    session = models.ForeignKey(
        CommitteeSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    submission = models.OneToOneField(
        "projects.ClusterSubmission",
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="review",
    )
    status = models.CharField(
        _("status"), max_length=20, default=CURRENT.initial, editable=False, db_index=True
    )
    workflow = models.CharField(_("workflow"), max_length=40, default=WORKFLOW_ID, editable=False)
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=CURRENT.version, editable=False
    )
    checklist = models.JSONField(_("checklist ticked"), default=list, blank=True)
    outcome = models.CharField(_("decision"), max_length=30, choices=OUTCOME_CHOICES, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.submission} @ {self.session}"


class MemberReview(models.Model):
    """One committee member's declaration of interest, scores, vote and comment on a review."""

    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="member_reviews"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared at"))
    declares_interest = models.BooleanField(_("declares an interest"), default=False)
    interest_note = models.TextField(_("declaration"), blank=True)
    # A conflict found from the ownership links when the member declared (checked again when
    # scoring): such a member may not score or vote.
    has_conflict = models.BooleanField(_("conflict of interest"), default=False)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    vote = models.CharField(_("vote"), max_length=30, choices=OUTCOME_CHOICES, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member review")
        verbose_name_plural = _("member reviews")
        ordering = ["review", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="member_review_once"),
            models.CheckConstraint(
                name="member_review_conflicted_does_not_score",
                condition=Q(has_conflict=False, declares_interest=False)
                | Q(scored_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.review}"
