"""Models of the matchmaking app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerIndex(models.Model):
    """A built partner index: the fitted partner model (`matchmaking/domain/model.py`) as bytes
    (`domain/store.py`), built by `services.partner_index_rebuild` from the public projects
    (accredited, funded, completed — imported ones included) and their consortia. Proposals
    (draft, submitted, …) are left out entirely, so no suggestion rests on a fact an outsider
    may not see. The newest row is the one suggestions read; a rebuild writes a new row, then
    drops the older ones, so a suggestion never waits for a rebuild."""

    created_at = models.DateTimeField(_("built at"), auto_now_add=True)
    stamp = models.CharField(_("data stamp"), max_length=200)
    organisation_count = models.PositiveIntegerField(_("organisations"))
    project_count = models.PositiveIntegerField(_("projects"))
    participation_count = models.PositiveIntegerField(_("participations"))
    build_seconds = models.FloatField(_("build time (s)"))
    data = models.BinaryField(_("index data"))

    class Meta:
        verbose_name = _("partner index")
        verbose_name_plural = _("partner indexes")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Partner index #{self.pk}"
