"""Funding: the public funders, their calls, each call's versioned rule set and the
applications accredited projects make to a call.

Evaluation (experts, reports, panel) and decisions (allocation, envelope ledger) live in the
apps above (`evaluation`, `decisions`), which write back to an application only through
`funding.services` (`application_transition`, `application_panel_record`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.models import TimeStampedModel
from grappe.funding.domain.applications import CURRENT as APPLICATION_WORKFLOW
from grappe.funding.domain.applications import WORKFLOW_ID as APPLICATION_WORKFLOW_ID

PARIS = ZoneInfo("Europe/Paris")


class FunderKind(models.TextChoices):
    CITY = "city", _("City")
    STATE = "state", _("State")
    REGION = "region", _("Region")
    EU = "eu", _("European Union")
    AGENCY = "agency", _("Public agency")
    OTHER = "other", _("Other")


class Funder(TimeStampedModel):
    """A public funder that co-funds accredited projects (City of Paris, Bpifrance, Region, EU…)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=FunderKind.choices)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Call(TimeStampedModel):
    """A funder's call for projects, open between two dates, with its current rule set.

    The rule set (rates, consortium rules) is data: every change creates a new immutable
    `CallRuleSet` version and `ruleset` points at the current one. Write through
    `grappe.funding.services` (`call_create`, `call_ruleset_update`), never directly.
    """

    funder = models.ForeignKey(
        Funder, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="calls"
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    envelope = models.DecimalField(
        _("envelope (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The total aid the call may give; empty when not announced."),
    )
    evaluation = models.JSONField(
        _("evaluation set-up"),
        default=dict,
        blank=True,
        help_text=_(
            "Criteria, thresholds, evaluators per application and tie-breaks, validated by "
            "funding/domain/evaluation.py; empty means the defaults. Write through "
            "`call_evaluation_update`."
        ),
    )
    application_workflow_version = models.PositiveIntegerField(
        _("application workflow version"),
        default=APPLICATION_WORKFLOW.version,
        editable=False,
        help_text=_("The version of the application workflow this call's applications follow."),
    )
    ruleset = models.ForeignKey(
        "funding.CallRuleSet",
        verbose_name=_("current rule set"),
        null=True,
        blank=True,
        # Versions are only ever deleted with their call (cascade), which must not be blocked.
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_on", "slug"]
        constraints = [
            models.CheckConstraint(
                name="call_closes_after_opening", condition=Q(closes_on__gte=models.F("opens_on"))
            ),
            models.CheckConstraint(
                name="call_envelope_non_negative",
                condition=Q(envelope__isnull=True) | Q(envelope__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_fr if (get_language() or "en").startswith("fr") else self.title_en

    @property
    def opens_at(self) -> dt.datetime:
        """The exact opening instant: `opens_on` at 00:00 in Europe/Paris."""
        return dt.datetime.combine(self.opens_on, dt.time(0), tzinfo=PARIS)

    @property
    def closes_at(self) -> dt.datetime:
        """The exact closing instant: the end of `closes_on` in Europe/Paris, i.e. the next
        day at 00:00 Paris time. A submission is on time when `opens_at <= now < closes_at`
        (the same days as `status_on`, which judges a Paris date)."""
        return dt.datetime.combine(self.closes_on + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)

    def is_open_at(self, instant: dt.datetime) -> bool:
        return self.opens_at <= instant < self.closes_at

    def status_on(self, day: dt.date) -> CallStatus:
        if day < self.opens_on:
            return CallStatus.UPCOMING
        if day > self.closes_on:
            return CallStatus.CLOSED
        return CallStatus.OPEN

    @property
    def status(self) -> CallStatus:
        return self.status_on(timezone.localdate())

    @property
    def is_open(self) -> bool:
        return self.status is CallStatus.OPEN


class CallRuleSet(models.Model):
    """One immutable version of a call's rule set (validated by `ruleset_from_dict`).

    `data` is the normalised rule set as stored; `source_code` names the ready-made set it was
    started from ("fui-19", "city-of-paris"), if any.
    """

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="ruleset_versions"
    )
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("rule set"))
    source_code = models.CharField(_("ready-made set"), max_length=40, blank=True)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("call rule set version")
        verbose_name_plural = _("call rule set versions")
        ordering = ["call", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["call", "version"], name="call_ruleset_unique_version"),
            models.CheckConstraint(
                name="call_ruleset_version_positive", condition=Q(version__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.slug} v{self.version}"


class ProposalTarget(models.Model):
    """The call a proposal (a draft project) aims at, chosen by its coordinator: its live checks
    run against that call's rule set. One per project at most; it lives here because projects
    sit below funding. Written only by `funding.services.proposal_target_set`."""

    project = models.OneToOneField(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="proposal_target",
    )
    call = models.ForeignKey(
        Call, verbose_name=_("target call"), on_delete=models.CASCADE, related_name="+"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("chosen at"))

    class Meta:
        verbose_name = _("target call of a proposal")
        verbose_name_plural = _("target calls of proposals")
        ordering = ["project_id"]

    def __str__(self) -> str:
        return f"{self.project} → {self.call}"


class PanelList(models.TextChoices):
    MAIN = "main", _("Main list")
    RESERVE = "reserve", _("Reserve list")
    REJECTED = "rejected", _("Rejected (below a threshold)")


class Application(TimeStampedModel):
    """An accredited project's application to a call, through the application workflow.

    `status` is written only by `funding.services.application_transition`. At submission the
    service freezes what was submitted in `snapshot` and its SHA-256 in `receipt_sha256` (the
    receipt). The panel's outcome (`panel_*`) is written by the evaluation app through
    `funding.services.application_panel_record`.
    """

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        default=APPLICATION_WORKFLOW.initial,
        editable=False,
        db_index=True,
    )
    workflow = models.CharField(
        _("workflow"), max_length=40, default=APPLICATION_WORKFLOW_ID, editable=False
    )
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=APPLICATION_WORKFLOW.version, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    snapshot = models.JSONField(_("what was submitted"), default=dict, blank=True)
    receipt_sha256 = models.CharField(_("receipt hash (SHA-256)"), max_length=64, blank=True)
    statement = models.TextField(
        _("application statement"),
        blank=True,
        help_text=_(
            "What the application says beyond the project: why this call, expected impact."
        ),
    )
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    screened_ruleset_version = models.PositiveIntegerField(
        _("rule set version screened against"), null=True, blank=True
    )
    panel_list = models.CharField(
        _("panel list"), max_length=10, choices=PanelList.choices, blank=True
    )
    panel_rank = models.PositiveIntegerField(_("panel rank"), null=True, blank=True)
    panel_score = models.DecimalField(
        _("panel score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    panel_tie_rule = models.CharField(
        _("tie broken by"),
        max_length=60,
        blank=True,
        help_text=_("The tie-break rule that placed this application, when it was tied."),
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "panel_rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "project"], name="application_once_per_call_and_project"
            ),
            models.CheckConstraint(
                name="application_panel_score_range",
                condition=Q(panel_score__isnull=True)
                | (Q(panel_score__gte=0) & Q(panel_score__lte=100)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.call}"

    @property
    def requested_total(self) -> Decimal:
        return sum((r.amount for r in self.requested.all()), Decimal("0"))


class RequestedAid(models.Model):
    """The aid an application asks the call's funder for, one row per partner (Decimal EUR).

    Written by `funding.services.application_update` while the application is a draft, each
    amount checked against the rules engine's maximum for that partner under the call's rule
    set; frozen into `Application.snapshot` at submission.
    """

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="requested",
    )
    participation = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="requested_aid",
    )
    amount = models.DecimalField(
        _("aid requested (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("aid requested")
        verbose_name_plural = _("aid requested")
        ordering = ["application", "participation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "participation"], name="requested_aid_once_per_partner"
            ),
            models.CheckConstraint(name="requested_aid_non_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.participation_id}: {self.amount}"


class VerdictStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NEEDS_JUSTIFICATION = "needs_justification", _("Needs a justification")


class ScreeningVerdict(models.Model):
    """The eligibility screening of an application: one row per consortium rule the call sets.

    Why rows rather than a JSON field on `Application`: each failed verdict carries its own
    override (the officer's written justification, who, when), which the page shows and the
    guard `screening_passed` reads per rule. Written once, at submission, by
    `funding.services.application_submit` from the rules engine
    (`funding/domain/eligibility.py` through `simulate`, the call's rule set as pinned then:
    `Application.screened_ruleset_version`); the sentence is stored in English and French as
    the engine explained it then, so that a later catalogue change does not rewrite a verdict.
    Rules the call does not set (not applicable) are not stored. The override is written by
    `screening_override` only.
    """

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="verdicts",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    rule = models.CharField(_("rule"), max_length=60)
    status = models.CharField(_("verdict"), max_length=24, choices=VerdictStatus.choices)
    code = models.CharField(_("message code"), max_length=80)
    sentence_en = models.TextField(_("explanation (English)"))
    sentence_fr = models.TextField(_("explanation (French)"))
    legal_ref = models.CharField(_("legal reference"), max_length=200, blank=True)
    unconfirmed = models.BooleanField(_("unconfirmed parameter"), default=False)
    override_justification = models.TextField(_("override justification"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening verdict")
        verbose_name_plural = _("screening verdicts")
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "rule"], name="screening_verdict_once_per_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.status}"

    @property
    def sentence(self) -> str:
        return self.sentence_fr if (get_language() or "en").startswith("fr") else self.sentence_en

    @property
    def overridden(self) -> bool:
        return bool(self.override_justification)

    @property
    def passes(self) -> bool:
        """Passed, or overridden with a written justification."""
        return self.status == VerdictStatus.PASSED or self.overridden
