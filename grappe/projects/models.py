"""Projects (proposals and funded projects), their consortium, budgets, aid and accreditations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.choices import text_choices
from grappe.core.indexes import KeysetIndex
from grappe.core.models import SearchEntry, TimeStampedModel
from grappe.projects.domain import vocabulary
from grappe.projects.domain.invitations import CURRENT as _INVITATION_WORKFLOW
from grappe.projects.domain.vocabulary import COST_CATEGORY_LABELS, RESEARCH_CATEGORY_LABELS
from grappe.projects.domain.workflow import CURRENT, PROJECT_WORKFLOWS, WORKFLOW_ID, public_states

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for accreditation")
    ACCREDITED = "accredited", _("Accredited")
    FUNDED = "funded", _("Funded")
    COMPLETED = "completed", _("Completed")
    NOT_ACCREDITED = "not_accredited", _("Not accredited")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The workflow says who sees each state: accredited, funded and completed projects are public;
# proposals are seen only by their consortium, the clusters and funders concerned, and staff.
PUBLIC_STATUSES = frozenset(
    ProjectStatus(s)
    for s in public_states(PROJECT_WORKFLOWS.get(v) for v in PROJECT_WORKFLOWS.versions())
)


# The budget vocabulary is the domain's (`projects/domain/vocabulary.py`), shared with the
# funding engine; these are its Django choices, with translated labels.
ResearchCategory = text_choices(
    "ResearchCategory", vocabulary.ResearchCategory, RESEARCH_CATEGORY_LABELS, module=__name__
)
CostCategory = text_choices(
    "CostCategory", vocabulary.CostCategory, COST_CATEGORY_LABELS, module=__name__
)


class Project(TimeStampedModel):
    """A collaborative R&D project, from proposal to completion.

    The research category mix (percentages of the budget) must add up to 100 when given.
    Its summary exists in English (`summary`, the text every project had before there were two)
    and in French (`summary_fr`); `summary_shown` gives the reader's language, else the other,
    else an imported project's objective (CORDIS, in English).
    """

    acronym = models.CharField(_("acronym"), max_length=120, db_index=True)
    title = models.CharField(_("title"), max_length=400)
    summary = models.TextField(_("summary (English)"), blank=True)
    summary_fr = models.TextField(_("summary (French)"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    # Changed only by `projects.services.project_transition` (not editable in any form, the
    # admin or the API); set directly only at creation, to an entry state of the workflow.
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=CURRENT.initial,
        db_index=True,
        editable=False,
    )
    # The workflow definition the project started under; it keeps it when a new version appears.
    workflow = models.CharField(_("workflow"), max_length=40, default=WORKFLOW_ID, editable=False)
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=CURRENT.version, editable=False
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    trl_start = models.PositiveSmallIntegerField(
        _("TRL at start"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    trl_target = models.PositiveSmallIntegerField(
        _("target TRL"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    is_demo = models.BooleanField(_("demo data"), default=False, db_index=True)
    # How many partners it has: the search's tie-breaker after relevance, written with its search
    # entry (`projects.search`), never by hand.
    partner_count = models.PositiveIntegerField(_("partners"), default=0, editable=False)
    # Filled by imports of published funding data (CORDIS, ANR); empty for projects entered here.
    source = models.CharField(_("source"), max_length=16, blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("The project's id at its source: grant agreement number, ANR decision code."),
    )
    # The import run that created or last changed the project (an `interop.ImportRun` id, kept
    # as a number: projects sit below interop). Empty for projects entered here.
    source_run = models.PositiveBigIntegerField(
        _("import run"),
        null=True,
        blank=True,
        help_text=_("The import run that created or last changed this record."),
    )
    funder = models.ForeignKey(
        "funding.Funder",
        verbose_name=_("funder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The funder of an imported project (the EU, ANR)."),
    )
    objective = models.TextField(_("objective"), blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    total_cost = models.DecimalField(
        _("total cost (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    eu_contribution = models.DecimalField(
        _("maximum EU contribution (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    programme = models.CharField(_("programme"), max_length=40, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    call = models.CharField(_("call"), max_length=120, blank=True)
    funding_scheme = models.CharField(_("funding scheme"), max_length=60, blank=True)
    topics = models.CharField(_("topics"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-start_date", "acronym", "id"]
        # The list's default order (newest start first, undated last): keyset pages walk it.
        indexes = [KeysetIndex(fields=["-start_date", "acronym", "id"], name="project_list_order")]
        constraints = [
            models.CheckConstraint(
                name="project_trl_progresses",
                condition=Q(trl_start__isnull=True)
                | Q(trl_target__isnull=True)
                | Q(trl_target__gte=models.F("trl_start")),
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="project_unique_external_id",
            ),
            models.CheckConstraint(
                name="project_money_non_negative",
                condition=(Q(total_cost__isnull=True) | Q(total_cost__gte=0))
                & (Q(eu_contribution__isnull=True) | Q(eu_contribution__gte=0)),
            ),
            models.CheckConstraint(
                name="project_ends_after_start",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.acronym} – {self.title}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def summary_shown(self) -> tuple[str, str]:
        """The summary for the active language and the language it is in (`"en"`, `"fr"`):
        the reader's language first, else the other one, else the objective of an imported
        project (CORDIS publishes it in English); `("", "")` when there is none."""
        return shown_summary(english=self.summary, french=self.summary_fr, objective=self.objective)

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    def clean(self) -> None:
        if self.trl_start and self.trl_target and self.trl_target < self.trl_start:
            raise ValidationError(
                {"trl_target": _("The target TRL cannot be below the start TRL.")}
            )


def shown_summary(*, english: str, french: str, objective: str = "") -> tuple[str, str]:
    """The summary to show in the active language, with the language it is written in."""
    order = [("fr", french), ("en", english)]
    if not (get_language() or "en").startswith("fr"):
        order.reverse()
    order.append(("en", objective))
    return next(((text, lang) for lang, text in order if (text or "").strip()), ("", ""))


class ParticipantRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor")
    ASSOCIATED_PARTNER = "associated_partner", _("Associated partner")
    THIRD_PARTY = "third_party", _("Linked third party")


class Participation(models.Model):
    """An organisation's place in a project's consortium; exactly one coordinator per project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.PARTNER
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    # Published per-partner figures of imported projects (CORDIS); empty when unknown.
    eu_contribution = models.DecimalField(
        _("EU contribution (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    net_eu_contribution = models.DecimalField(
        _("net EU contribution (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    total_cost = models.DecimalField(
        _("total cost (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    source_run = models.PositiveBigIntegerField(
        _("import run"),
        null=True,
        blank=True,
        help_text=_("The import run that created or last changed this record."),
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["project", "display_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"], name="participation_once_per_project"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(role="coordinator"),
                name="participation_one_coordinator",
            ),
            models.CheckConstraint(
                name="participation_money_non_negative",
                condition=(Q(eu_contribution__isnull=True) | Q(eu_contribution__gte=0))
                & (Q(net_eu_contribution__isnull=True) | Q(net_eu_contribution__gte=0))
                & (Q(total_cost__isnull=True) | Q(total_cost__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.project.acronym}"


class BudgetLine(models.Model):
    """A partner's planned eligible costs in one cost category and research category (EUR)."""

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    cost_category = models.CharField(
        _("cost category"), max_length=24, choices=CostCategory.choices
    )
    research_category = models.CharField(
        _("research category"), max_length=20, choices=ResearchCategory.choices
    )
    amount = models.DecimalField(_("amount (EUR)"), **MONEY, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["participation", "research_category", "cost_category"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "cost_category", "research_category"],
                name="budget_line_unique",
            ),
            models.CheckConstraint(name="budget_line_non_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.participation}: {self.cost_category}/{self.research_category} {self.amount}"


class FundingLine(models.Model):
    """Aid a partner requested from, and was granted by, one funder (EUR).

    One line per decision: a partner may receive several decisions from one funder across
    rounds (FUI 17, then FUI 18), each with its own reference (a City council deliberation
    `2014 DDEEES 1103`). Lines entered without a reference are one per partner and funder.
    """

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="funding_lines",
    )
    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.PROTECT, related_name="+"
    )
    requested = models.DecimalField(_("aid requested (EUR)"), **MONEY, validators=NON_NEGATIVE)
    granted = models.DecimalField(
        _("aid granted (EUR)"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    decision_reference = models.CharField(
        _("decision reference"),
        max_length=60,
        blank=True,
        help_text=_("The funder's reference of the decision, e.g. 2014 DDEEES 1103."),
    )
    funding_round = models.CharField(
        _("call or round"), max_length=120, blank=True, help_text=_("e.g. FUI 18.")
    )

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["participation", "funder", "decided_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "funder", "decision_reference"],
                name="funding_line_one_per_decision",
            ),
            models.CheckConstraint(
                name="funding_line_non_negative",
                condition=Q(requested__gte=0) & (Q(granted__isnull=True) | Q(granted__gte=0)),
            ),
            models.CheckConstraint(
                name="funding_line_decision_has_date",
                condition=Q(granted__isnull=True) | Q(decided_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participation} ← {self.funder}"


class Accreditation(models.Model):
    """A cluster's label on a project; one of them is the lead cluster, listed first."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="accreditations"
    )
    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.PROTECT,
        related_name="accreditations",
    )
    is_lead = models.BooleanField(_("lead cluster"), default=False)
    accredited_on = models.DateField(_("accredited on"))

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["project", "-is_lead", "accredited_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "cluster"], name="accreditation_once_per_cluster"
            ),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_lead=True), name="accreditation_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym} ← {self.cluster}"


class ClusterSubmission(models.Model):
    """A project submitted to one cluster for accreditation, with its fit statement.

    One live (not withdrawn) submission per project and cluster, exactly one live lead per
    project. Written only by `projects.services` (`project_submit`, `submission_withdraw`,
    `submission_decide`); the labelling committee (`grappe.labelling`) decides on it.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="submissions"
    )
    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    is_lead = models.BooleanField(_("lead cluster"), default=False)
    statement = models.TextField(
        _("fit statement"), help_text=_("How the project fits this cluster's themes.")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Set when the cluster's decision is published (by `submission_decide`): no withdrawal after.
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cluster submission")
        verbose_name_plural = _("cluster submissions")
        ordering = ["project", "-is_lead", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "cluster"],
                condition=Q(withdrawn_at__isnull=True),
                name="submission_one_live_per_cluster",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(is_lead=True, withdrawn_at__isnull=True),
                name="submission_one_live_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym} → {self.cluster}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class ProjectSearchEntry(SearchEntry):
    """A project's search document (`grappe.core.search`; built by `projects.search`).

    Not managed by Django: an FTS5 virtual table on SQLite, a table with a `tsvector` on
    PostgreSQL, both created by migration `0008_project_search_index`. Written only by
    `projects.search.project_search_index_update`; reached from a project as `search_entry`.
    """

    project = models.ForeignObject(
        Project,
        on_delete=models.DO_NOTHING,
        from_fields=["id"],
        to_fields=["id"],
        related_name="search_entry",
    )

    class Meta:
        managed = False
        db_table = "projects_project_search"
        verbose_name = _("project search entry")


INVITATION_WORKFLOW_VERSION = _INVITATION_WORKFLOW.version


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class PartnerInvitation(TimeStampedModel):
    """The coordinator's invitation to an organisation to join a proposal's consortium.

    One pending invitation per project and organisation; its status changes only through
    `projects.services.invitation_transition` (`projects/domain/invitations.py`).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="project_invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=INVITATION_WORKFLOW_VERSION, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
        db_index=True,
        editable=False,
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")
        ordering = ["project", "-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                condition=Q(status="pending"),
                name="invitation_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.project.acronym}"


class ProposalDocument(models.Model):
    """A PDF a consortium member attached to a proposal. Stored in the database (never under a
    public URL) and served only to the project's insiders by `projects.views.document_download`."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal document")
        verbose_name_plural = _("proposal documents")
        ordering = ["project", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProposalMessage(models.Model):
    """One message of a proposal's discussion thread, seen by its consortium."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal message")
        verbose_name_plural = _("proposal messages")
        ordering = ["project", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]
