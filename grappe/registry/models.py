"""The registry: clusters and hubs, member organisations, their figures, ownership and memberships."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.choices import text_choices
from grappe.core.domain.sources import source_of
from grappe.core.indexes import KeysetIndex
from grappe.core.models import SearchEntry, TimeStampedModel
from grappe.registry import validators as v
from grappe.registry.domain import vocabulary
from grappe.registry.domain.declared_size import declared_size
from grappe.registry.domain.sme import HolderKind
from grappe.registry.domain.vocabulary import (
    DECLARED_SIZE_LABELS,
    HOLDER_KIND_LABELS,
    ORGANISATION_KIND_LABELS,
)


class ClusterKind(models.TextChoices):
    COMPETITIVENESS_CLUSTER = "competitiveness_cluster", _("Competitiveness cluster")
    NETWORK = "network", _("Business network / hub")


class Cluster(TimeStampedModel):
    """A competitiveness cluster (pôle de compétitivité) or a sector network / hub.

    Editorial text exists in English and French (`*_en`, `*_fr`); `topic` and `description`
    return the one for the active language.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=ClusterKind.choices)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    topic_en = models.CharField(_("topic (English)"), max_length=300)
    topic_fr = models.CharField(_("topic (French)"), max_length=300)
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"))
    website = models.URLField(_("website"), blank=True)
    territory = models.CharField(
        _("territory"), max_length=200, blank=True, help_text=_("Regions the cluster covers.")
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["kind", "display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def topic(self) -> str:
        return self.topic_fr if (get_language() or "en").startswith("fr") else self.topic_en

    @property
    def description(self) -> str:
        return (
            self.description_fr
            if (get_language() or "en").startswith("fr")
            else self.description_en
        )


class ClusterTheme(models.Model):
    """A strategic theme of a cluster (e.g. Mov'eo's "Road safety"), in both languages."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="themes"
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("cluster theme")
        verbose_name_plural = _("cluster themes")
        ordering = ["cluster", "display_order", "id"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


# The vocabularies are the domain's (`registry/domain/vocabulary.py`); these are their Django
# choices, with translated labels.
OrganisationKind = text_choices(
    "OrganisationKind", vocabulary.OrganisationKind, ORGANISATION_KIND_LABELS, module=__name__
)
COMPANY_KINDS = vocabulary.COMPANY_KINDS
RESEARCH_KINDS = vocabulary.RESEARCH_KINDS


def _unique_when_set(field: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[field], condition=~Q(**{field: ""}), name=f"organisation_unique_{field}"
    )


DeclaredSize = text_choices(
    "DeclaredSize", vocabulary.DeclaredSize, DECLARED_SIZE_LABELS, module=__name__
)


class Organisation(TimeStampedModel):
    """A member organisation: company, lab, school, public body, association or investor.

    Identifiers are optional but, when present, valid and unique. Paris addresses carry their
    arrondissement.
    """

    name = models.CharField(_("name"), max_length=300, db_index=True)
    short_name = models.CharField(_("short name"), max_length=120, blank=True, db_index=True)
    kind = models.CharField(_("type"), max_length=32, choices=OrganisationKind.choices)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[v.validate_siren])
    siret = models.CharField(
        _("SIRET (head office)"), max_length=14, blank=True, validators=[v.validate_siret]
    )
    rnsr = models.CharField(_("RNSR"), max_length=10, blank=True, validators=[v.validate_rnsr])
    ror = models.CharField(_("ROR"), max_length=9, blank=True, validators=[v.validate_ror])
    pic = models.CharField(_("EU PIC"), max_length=9, blank=True, validators=[v.validate_pic])
    vat = models.CharField(_("VAT number"), max_length=20, blank=True, validators=[v.validate_vat])
    address = models.CharField(_("street address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True, db_index=True)
    country = models.CharField(
        _("country"), max_length=2, default="FR", help_text=_("ISO 3166-1 alpha-2 code.")
    )
    paris_arrondissement = models.PositiveSmallIntegerField(
        _("Paris arrondissement"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    # Set from the postcode and city by the services (`registry.domain.places`): a Paris
    # address whose arrondissement is unknown (`PARIS`, `PARIS CEDEX`) is still in Paris.
    in_paris = models.BooleanField(_("in Paris"), default=False, db_index=True)
    # How many projects it takes part in: the search's tie-breaker after relevance, written with
    # its search entry (`registry.search`), never by hand.
    project_count = models.PositiveIntegerField(_("projects"), default=0, editable=False)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(
        _("competence keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated competences, e.g. computer vision, batteries."),
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_jei = models.BooleanField(_("young innovative company (JEI)"), default=False)
    nuts_code = models.CharField(
        _("NUTS code"), max_length=5, blank=True, help_text=_("EU statistical region, e.g. FR101.")
    )
    sme_declared = models.BooleanField(
        _("SME (as declared by the source)"),
        null=True,
        blank=True,
        help_text=_("The SME flag published by an imported source; empty when unknown."),
    )
    size_class = models.CharField(
        _("size class (as declared by the source)"),
        max_length=8,
        choices=DeclaredSize.choices,
        blank=True,
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        blank=True,
        help_text=_(
            "The import source that created this organisation; empty when entered by hand."
        ),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, db_index=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        # The list's default order: keyset pages walk it.
        indexes = [KeysetIndex(fields=["name", "id"], name="organisation_list_order")]
        constraints = [
            *(_unique_when_set(f) for f in ("siren", "siret", "rnsr", "ror", "pic", "vat")),
            models.CheckConstraint(
                name="organisation_arrondissement_only_in_paris",
                condition=Q(paris_arrondissement__isnull=True)
                | Q(paris_arrondissement__gte=1, paris_arrondissement__lte=20, country="FR"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_in_paris(self) -> bool:
        return self.in_paris or self.paris_arrondissement is not None

    @property
    def declared_size(self) -> dict[str, str] | None:
        """The size a source declared (`registry/domain/declared_size.py`), translated:
        `{"code", "label", "source", "source_name"}`; None when no source sized it."""
        found = declared_size(
            kind=self.kind, sme_declared=self.sme_declared, size_class=self.size_class
        )
        if found is None:
            return None
        source = source_of(found.source)
        return {
            "code": found.code,
            "label": gettext(found.label),
            "source": found.source,
            "source_name": gettext(source.name) if source is not None else "",
        }

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.siret and self.siren and not self.siret.startswith(self.siren):
            errors["siret"] = _("The SIRET must start with the organisation's SIREN.")
        if self.paris_arrondissement is not None and self.country != "FR":
            errors["paris_arrondissement"] = _("Only an address in Paris has an arrondissement.")
        if self.postcode and self.paris_arrondissement is not None:
            expected = f"750{self.paris_arrondissement:02d}"
            # The 16th arrondissement has two postcodes.
            allowed = {expected, "75116"} if self.paris_arrondissement == 16 else {expected}
            if self.postcode not in allowed:
                errors["postcode"] = _("A Paris postcode for this arrondissement is %(code)s.") % {
                    "code": expected
                }
        if errors:
            raise ValidationError(errors)


class OrganisationFigures(models.Model):
    """Yearly figures of an organisation: staff in annual work units, turnover, balance sheet."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    staff_awu = models.DecimalField(
        _("staff (annual work units)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    turnover = models.DecimalField(
        _("turnover (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    balance_sheet = models.DecimalField(
        _("balance sheet total (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="figures_one_per_year"),
            models.CheckConstraint(
                name="figures_non_negative",
                condition=Q(staff_awu__gte=0, turnover__gte=0, balance_sheet__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


# Who holds the shares: matters for the SME investor exceptions (Rec. 2003/361 Annex 3(2)); the
# SME rules' own vocabulary (`HolderKind`).
HolderCategory = text_choices("HolderCategory", HolderKind, HOLDER_KIND_LABELS, module=__name__)


class Ownership(models.Model):
    """`holder` holds `capital_share` % of the capital (and `voting_share` % of the votes) of `held`."""

    holder = models.ForeignKey(
        Organisation, verbose_name=_("holder"), on_delete=models.CASCADE, related_name="holdings"
    )
    held = models.ForeignKey(
        Organisation, verbose_name=_("held"), on_delete=models.CASCADE, related_name="holders"
    )
    holder_category = models.CharField(
        _("holder category"),
        max_length=32,
        choices=HolderCategory.choices,
        default=HolderCategory.ENTERPRISE,
    )
    capital_share = models.DecimalField(
        _("capital share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    voting_share = models.DecimalField(
        _("voting share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    dominant_influence = models.BooleanField(
        _("dominant influence"),
        default=False,
        help_text=_("By contract, statutes or the right to appoint a majority of the board."),
    )

    class Meta:
        verbose_name = _("ownership link")
        verbose_name_plural = _("ownership links")
        constraints = [
            models.UniqueConstraint(fields=["holder", "held"], name="ownership_unique_pair"),
            models.CheckConstraint(
                name="ownership_not_self", condition=~Q(holder=models.F("held"))
            ),
            models.CheckConstraint(
                name="ownership_shares_in_range",
                condition=Q(
                    capital_share__gte=0,
                    capital_share__lte=100,
                    voting_share__gte=0,
                    voting_share__lte=100,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} → {self.held} ({self.capital_share} %)"


class ClusterMembership(models.Model):
    """An organisation's membership of a cluster over time (open-ended while `end_date` is empty)."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # A cluster manager reaches an organisation's confidential figures only through a membership
    # that the organisation (one of its members) or an administrator confirmed: a manager alone
    # cannot claim an organisation by listing it in a member sheet.
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_(
            "When the organisation or an administrator confirmed the membership; until then the "
            "cluster's managers do not see the organisation's confidential figures."
        ),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        ordering = ["cluster", "organisation", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "organisation", "start_date"], name="membership_unique_start"
            ),
            models.CheckConstraint(
                name="membership_ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.cluster}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


# The organisation fields a member sheet may propose to change (the columns it reads).
PROPOSABLE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "siren",
    "siret",
    "rnsr",
    "ror",
    "pic",
    "vat",
    "address",
    "postcode",
    "city",
    "country",
    "website",
)


def organisation_field_label(name: str) -> Any:
    """The (lazily translated) label of an organisation field, e.g. "SIREN", "type"."""
    return getattr(Organisation._meta.get_field(name), "verbose_name", name)


def organisation_value_label(name: str, value: str) -> str:
    """A field's value as people read it: the type's label rather than its code."""
    if name == "kind" and value in OrganisationKind.values:
        return str(OrganisationKind(value).label)
    return value


class ChangeProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class OrganisationChangeProposal(models.Model):
    """A value a cluster's member sheet holds for an organisation that differs from the registry's.

    A member sheet never writes an existing organisation's fields: each difference waits here
    until one of the organisation's members or an administrator accepts it (the value is then
    applied) or rejects it.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="change_proposals",
    )
    field = models.CharField(
        _("field"),
        max_length=32,
        choices=[(f, organisation_field_label(f)) for f in PROPOSABLE_FIELDS],
    )
    old_value = models.TextField(_("value when proposed"), blank=True)
    proposed_value = models.TextField(_("proposed value"))
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("proposed by cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    run = models.ForeignKey(
        "interop.ImportRun",
        verbose_name=_("source import run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_proposals",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ChangeProposalStatus.choices,
        default=ChangeProposalStatus.PENDING,
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation change proposal")
        verbose_name_plural = _("organisation change proposals")
        ordering = ["organisation", "status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "field", "proposed_value"],
                condition=Q(status="pending"),
                name="change_proposal_one_pending_per_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.field}: {self.old_value!r} → {self.proposed_value!r}"

    @property
    def old_label(self) -> str:
        return organisation_value_label(self.field, self.old_value)

    @property
    def proposed_label(self) -> str:
        return organisation_value_label(self.field, self.proposed_value)


class OrganisationSearchEntry(SearchEntry):
    """An organisation's search document (`grappe.core.search`; built by `registry.search`).

    Not managed by Django: an FTS5 virtual table on SQLite, a table with a `tsvector` on
    PostgreSQL, both created by migration `0008_search_index_and_paris_places`. Written only by
    `registry.search.organisation_search_index_update`; reached from an organisation as
    `search_entry` (a relation without a database constraint: merges and deletions ignore it).
    """

    organisation = models.ForeignObject(
        Organisation,
        on_delete=models.DO_NOTHING,
        from_fields=["id"],
        to_fields=["id"],
        related_name="search_entry",
    )

    class Meta:
        managed = False
        db_table = "registry_organisation_search"
        verbose_name = _("organisation search entry")
