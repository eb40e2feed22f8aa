"""Decisions on a call's ranked applications: the call's envelopes (the call funder's and the
co-funders' pledges), the envelope ledger (approvals and reversals, per partner), and the
decision recorded on each application.

Written only by `grappe.decisions.services`. `Envelope.approved` is the ledger's running total
for that envelope, kept under the envelope row's lock; the database refuses a total above the
envelope (`envelope_approved_within_amount`) whatever the writer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grappe.core.models import TimeStampedModel

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class CallFunding(TimeStampedModel):
    """A call's funding plan: what the optimiser needs besides the envelopes."""

    call = models.OneToOneField(
        "funding.Call",
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        related_name="funding_plan",
    )
    minimum_share = models.DecimalField(
        _("minimum viable share of the request"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Below this share of what it asks, a project cannot go ahead (0 to 1)."),
    )

    class Meta:
        verbose_name = _("call funding plan")
        verbose_name_plural = _("call funding plans")
        constraints = [
            models.CheckConstraint(
                name="call_funding_minimum_share_range",
                condition=Q(minimum_share__gte=0) & Q(minimum_share__lte=1),
            )
        ]

    def __str__(self) -> str:
        return str(self.call)


class EnvelopeKind(models.TextChoices):
    ENVELOPE = "envelope", _("Envelope of the call's funder")
    PLEDGE = "pledge", _("Co-funding pledge")


class Envelope(TimeStampedModel):
    """What one funder puts into one call: the call funder's envelope or a co-funder's pledge."""

    call = models.ForeignKey(
        "funding.Call", verbose_name=_("call"), on_delete=models.CASCADE, related_name="envelopes"
    )
    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EnvelopeKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY, validators=NON_NEGATIVE)
    approved = models.DecimalField(
        _("approved (EUR)"), **MONEY, default=Decimal("0"), editable=False
    )
    minimum_per_project = models.DecimalField(
        _("least per funded project (EUR)"),
        **MONEY,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text=_(
            "For a co-funding pledge: the least this co-funder puts into each project funded in "
            "the call, or the whole amount a project asks when it asks less (0 for no minimum)."
        ),
    )

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        ordering = ["call", "kind", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["call", "funder"], name="envelope_one_per_funder"),
            models.CheckConstraint(
                name="envelope_amounts_non_negative",
                condition=Q(amount__gte=0) & Q(approved__gte=0),
            ),
            models.CheckConstraint(
                name="envelope_approved_within_amount", condition=Q(approved__lte=F("amount"))
            ),
            models.CheckConstraint(
                name="envelope_minimum_per_project_of_a_pledge",
                condition=Q(minimum_per_project=0)
                | (
                    Q(kind="pledge")
                    & Q(minimum_per_project__gt=0)
                    & Q(minimum_per_project__lte=F("amount"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} ← {self.funder}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.approved


class LedgerKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntry(models.Model):
    """One posting to an envelope: an amount approved for a partner (positive) or a reversal
    of part of it (negative). Append-only: corrections are reversals."""

    envelope = models.ForeignKey(
        Envelope, verbose_name=_("envelope"), on_delete=models.PROTECT, related_name="entries"
    )
    application = models.ForeignKey(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    participation = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["envelope", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="ledger_entry_sign_matches_kind",
                condition=(Q(kind="approval") & Q(amount__gt=0))
                | (Q(kind="reversal") & Q(amount__lt=0)),
            ),
            models.CheckConstraint(
                name="ledger_reversal_has_reason", condition=~Q(kind="reversal") | ~Q(reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.envelope}: {self.amount}"


class DecisionOutcome(models.TextChoices):
    FUNDED = "funded", _("Funded")
    DECLINED = "declined", _("Declined")


class Decision(models.Model):
    """The decision on an application, with its reason, shown to the consortium once taken."""

    application = models.OneToOneField(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="decision",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("decision reference"), max_length=60, blank=True)
    decided_on = models.DateField(_("decision date"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="decision_declined_has_reason",
                condition=~Q(outcome="declined") | ~Q(reason=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.outcome}"
