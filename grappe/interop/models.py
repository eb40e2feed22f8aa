"""Import runs, their rejected rows, organisation aliases and merge proposals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def reason_text(message: str, params: dict[str, Any]) -> str:
    """A kept reason (English message with placeholders) in the active language. A `rule`
    parameter is itself an English message (an identifier's rule, marked with gettext_noop)
    and is translated too."""
    if not params:
        return gettext(message)
    if "rule" in params:
        params = {**params, "rule": gettext(str(params["rule"]))}
    return gettext(message) % params


class ImportSource(models.TextChoices):
    CORDIS = "cordis", _("CORDIS (EU research projects)")
    ANR = "anr", _("ANR (French national research agency)")
    MEMBERS = "members", _("Cluster member spreadsheet")
    FUNDING_LINES = "funding_lines", _("Funder's funding lines spreadsheet")


class RunStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed, not written")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired: the uploaded file was deleted")


class ImportRun(models.Model):
    """One import of one file: who, when, which file (checksum), the outcome and its counts.

    `counts` maps an entity (`project`, `organisation`, `participation`, `alias`, `membership`)
    to `{"created": n, "updated": n, "unchanged": n, "rejected": n}`. A failed run wrote nothing
    but itself: its data changes were rolled back and `error` says why.
    """

    source = models.CharField(_("source"), max_length=16, choices=ImportSource.choices)
    file_name = models.CharField(_("file name"), max_length=300)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cluster = models.ForeignKey(
        "registry.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_runs",
        help_text=_("For member spreadsheets: the cluster the members join."),
    )
    funder = models.ForeignKey(
        "funding.Funder",
        verbose_name=_("funder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For funding-line spreadsheets: the funder whose decisions they are."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_processed = models.PositiveIntegerField(_("rows processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    short_circuited = models.BooleanField(
        _("unchanged file"),
        default=False,
        help_text=_("The same file was already imported successfully; nothing was read again."),
    )
    encoding = models.CharField(
        _("text encoding"),
        max_length=16,
        default="utf-8",
        help_text=_(
            "For spreadsheets: how a CSV that is not UTF-8 is read (Windows-1252 when the "
            "manager chose it on the preview)."
        ),
    )
    payload = models.BinaryField(
        _("uploaded file"),
        null=True,
        blank=True,
        help_text=_(
            "The uploaded file, kept between preview and commit; deleted once the run is over, "
            "or after IMPORT_UPLOAD_RETENTION_DAYS for runs that failed or were abandoned."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def rejected_total(self) -> int:
        return sum(int(c.get("rejected", 0)) for c in (self.counts or {}).values())


class RejectedRow(models.Model):
    """A row an import refused, with its line number in the file and the reason."""

    run = models.ForeignKey(
        ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="rejected_rows"
    )
    file_name = models.CharField(_("file"), max_length=120, blank=True)
    line = models.PositiveIntegerField(_("line"))
    reason = models.TextField(_("reason"))  # in English, as the run wrote it
    # The same reason kept translatable: an English message with %(name)s placeholders and its
    # values (rows of older runs have none: their English reason is shown).
    reason_message = models.TextField(_("reason message"), blank=True, default="")
    reason_params = models.JSONField(_("reason values"), blank=True, default=dict)
    raw = models.TextField(_("raw row"), blank=True)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["run", "file_name", "line", "id"]

    def __str__(self) -> str:
        return f"{self.file_name}:{self.line} {self.reason}"

    @property
    def reason_text(self) -> str:
        """Why the row was refused, in the active language."""
        if not self.reason_message:
            return self.reason
        return reason_text(self.reason_message, self.reason_params)


class OrganisationAlias(models.Model):
    """A spelling of an organisation's name as one source wrote it (provenance kept)."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    name = models.CharField(_("name"), max_length=300)
    normalised = models.CharField(_("normalised name"), max_length=300, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=ImportSource.choices)
    # Where the source placed it: the same spelling in another city may be another organisation.
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("first seen in run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation alias")
        verbose_name_plural = _("organisation aliases")
        ordering = ["organisation", "source", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "name", "city"],
                name="alias_unique_per_source_and_city",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Not the same organisation")
    UNDONE = "undone", _("Merge undone")


class MergeProposal(models.Model):
    """Two organisations an import thinks may be one (same normalised name, different city).

    A human decides. A merge moves everything from `duplicate` to `keep` and deletes `duplicate`;
    `moved` records what moved (and the deleted row) so that the merge can be undone.
    """

    keep = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation kept"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    duplicate = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("possible duplicate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_pk = models.BigIntegerField(_("duplicate id"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("proposed by run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merge_proposals",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    moved = models.JSONField(_("what moved"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merge proposal")
        verbose_name_plural = _("merge proposals")
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["keep", "duplicate_pk"], name="merge_proposal_unique_pair"
            ),
            models.CheckConstraint(
                name="merge_proposal_not_self", condition=~Q(keep=models.F("duplicate_pk"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_pk} → {self.keep_id} ({self.status})"


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    UNMATCHED = "unmatched", _("Unmatched")


class ImportedFundingLine(models.Model):
    """A line of a funder's funding-line spreadsheet as imported, kept whether or not it matched.

    A matched line points at the `FundingLine` it wrote; an unmatched one says why it found no
    project or partner (`reason`, English with `params`, translated when shown) and waits on
    the funder's unmatched list for the project or organisation to be added, then a re-import.
    """

    run = models.ForeignKey(
        ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="funding_lines"
    )
    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.CASCADE, related_name="+"
    )
    line = models.PositiveIntegerField(_("line"))
    status = models.CharField(_("status"), max_length=16, choices=LineStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=60, blank=True)
    decided_on = models.DateField(_("decision date"))
    acronym = models.CharField(_("project acronym"), max_length=120)
    title = models.CharField(_("project title"), max_length=400, blank=True)
    beneficiary = models.CharField(_("beneficiary"), max_length=300)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2)
    clusters = models.CharField(_("clusters"), max_length=300, blank=True)
    funding_round = models.CharField(_("call or round"), max_length=120, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    funding_line = models.ForeignKey(
        "projects.FundingLine",
        verbose_name=_("funding line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("imported funding line")
        verbose_name_plural = _("imported funding lines")
        ordering = ["run", "line"]
        indexes = [models.Index(fields=["funder", "status"], name="imported_line_funder_status")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.line} {self.acronym} {self.beneficiary} ({self.status})"

    @property
    def reason_text(self) -> str:
        """Why the line found no project or partner, in the active language."""
        return reason_text(self.reason, self.reason_params) if self.reason else ""
