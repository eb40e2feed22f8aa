"""Funding: the public funders (calls, decisions and grants come with later issues)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.models import TimeStampedModel


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
