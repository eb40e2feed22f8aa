"""Expert evaluation of applications to calls: a funder's pool of experts, their declarations,
the officer's waivers of conflicts, the assignments, the individual and consensus reports and a
call's panel settings.

Written only by `evaluation.services`. An application's status moves only through
`funding.services.application_transition`; the panel's outcome is written onto the application
by `funding.services.application_panel_record`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.indexes import KeysetIndex
from grappe.evaluation.domain.consensus import DEFAULT_GAP
from grappe.funding.domain.conflicts import ConflictKind

CONFLICT_KIND_CHOICES = [
    (ConflictKind.CO_PARTICIPATION.value, _("Co-participation in a recent project")),
    (ConflictKind.LABELLING_COMMITTEE.value, _("Labelling committee of the project")),
]


class Expert(models.Model):
    """One person in a funder's expert pool, with what the assignment reads (expertise, load)."""

    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.CASCADE, related_name="experts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="expert_profiles",
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experts",
        help_text=_("Where the expert works: conflicts of interest are checked against it."),
    )
    keywords = models.CharField(
        _("expertise keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated fields of expertise, e.g. batteries, computer vision."),
    )
    expertise = models.TextField(_("expertise"), blank=True)
    languages = models.CharField(
        _("languages"),
        max_length=100,
        default="fr,en",
        help_text=_("Comma-separated ISO 639-1 codes, e.g. fr,en."),
    )
    max_load = models.PositiveSmallIntegerField(
        _("maximum load"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("The most applications the expert evaluates in one call."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name", "id"]
        indexes = [KeysetIndex(fields=["name", "id"], name="expert_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["funder", "user"], name="expert_once_per_pool"),
            models.CheckConstraint(
                name="expert_load_range", condition=Q(max_load__gte=1, max_load__lte=200)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    @property
    def language_list(self) -> list[str]:
        return [k.strip() for k in self.languages.split(",") if k.strip()]


class Declaration(models.Model):
    """An expert's declaration on one application, made before seeing its file: no conflict
    (the file opens), or a conflict (a hard one: the expert is kept off)."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="declarations"
    )
    application = models.ForeignKey(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="expert_declarations",
    )
    has_conflict = models.BooleanField(_("declares a conflict"), default=False)
    statement = models.TextField(_("declaration text"), blank=True)
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        verbose_name = _("declaration of interest")
        verbose_name_plural = _("declarations of interest")
        ordering = ["application", "expert"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "application"], name="declaration_once"),
            models.CheckConstraint(
                name="declaration_conflict_has_statement",
                condition=Q(has_conflict=False) | ~Q(statement=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} / {self.application_id}"


class Waiver(models.Model):
    """The officer's decision that a waivable conflict does not keep the expert off."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="waivers"
    )
    application = models.ForeignKey(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="conflict_waivers",
    )
    kind = models.CharField(_("conflict"), max_length=30, choices=CONFLICT_KIND_CHOICES)
    justification = models.TextField(_("justification"))
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("waived by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    waived_at = models.DateTimeField(_("waived at"))

    class Meta:
        verbose_name = _("conflict waiver")
        verbose_name_plural = _("conflict waivers")
        ordering = ["application", "expert", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "application", "kind"], name="waiver_once_per_kind"
            ),
            models.CheckConstraint(name="waiver_justified", condition=~Q(justification="")),
        ]

    def __str__(self) -> str:
        return f"{self.expert} / {self.application_id}: {self.kind}"


class Assignment(models.Model):
    """An expert assigned to an application, proposed by the solver or chosen by the officer,
    with the words that made the fit."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="assignments"
    )
    application = models.ForeignKey(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="expert_assignments",
    )
    fit = models.DecimalField(_("expertise fit"), max_digits=5, decimal_places=4, default=0)
    why = models.JSONField(_("shared words"), default=list, blank=True)
    proposed = models.BooleanField(_("proposed by the solver"), default=False)
    is_rapporteur = models.BooleanField(_("rapporteur"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "-fit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "application"], name="assignment_once"),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(is_rapporteur=True),
                name="assignment_one_rapporteur",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application_id}"


class IndividualReport(models.Model):
    """One expert's scores (criterion code → score on the call's scale, as text) and comments."""

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="report"
    )
    scores = models.JSONField(_("scores"), default=dict)
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("individual report")
        verbose_name_plural = _("individual reports")
        ordering = ["assignment"]

    def __str__(self) -> str:
        return str(self.assignment)


class ConsensusReport(models.Model):
    """The rapporteur's consensus report on an application, with the minority view recorded
    when the individual scores were further apart than the call's gap."""

    application = models.OneToOneField(
        "funding.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="consensus_report",
    )
    rapporteur = models.ForeignKey(
        Expert, verbose_name=_("rapporteur"), on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField(_("scores"), default=dict)
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    minority_view = models.TextField(_("minority view"), blank=True)
    overall = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("consensus report")
        verbose_name_plural = _("consensus reports")
        ordering = ["application"]

    def __str__(self) -> str:
        return str(self.application)


class CallPanel(models.Model):
    """A call's panel settings: the disagreement gap that asks for a minority view, the size of
    the main list, and when the panel last ranked."""

    call = models.OneToOneField(
        "funding.Call", verbose_name=_("call"), on_delete=models.CASCADE, related_name="panel"
    )
    disagreement_gap = models.DecimalField(
        _("disagreement gap"),
        max_digits=3,
        decimal_places=1,
        default=DEFAULT_GAP,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(5))],
        help_text=_(
            "When the experts' scores on a criterion differ by more than this, the consensus "
            "report must record a minority view."
        ),
    )
    main_list_size = models.PositiveIntegerField(_("main list size"), default=0)
    ranked_at = models.DateTimeField(_("ranked at"), null=True, blank=True)
    ranked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ranked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("call panel")
        verbose_name_plural = _("call panels")
        constraints = [
            models.CheckConstraint(
                name="panel_gap_range",
                condition=Q(disagreement_gap__gte=0, disagreement_gap__lte=5),
            )
        ]

    def __str__(self) -> str:
        return str(self.call)
