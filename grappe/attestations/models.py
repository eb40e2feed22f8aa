"""Models of the attestations app: the public signing keys and the signed attestations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """A public Ed25519 key that signs attestations, published in the JWKS.

    The private key is never stored here: it lives in the PEM file named by the setting
    `ATTESTATION_SIGNING_KEY_FILE`. A retired key no longer signs but stays published, so the
    attestations it signed still verify. At most one key is current (not retired).
    """

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    public_jwk = models.JSONField(_("public key (JWK)"))
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A unique index on a constant over the current rows: at most one row matches.
            # (A unique `retired_at` would not do: NULLs never collide.)
            models.UniqueConstraint(
                Value(1),
                condition=Q(retired_at__isnull=True),
                name="signing_key_one_current",
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class Attestation(models.Model):
    """A signed record of one accreditation (a cluster's label on a project).

    `record` is the JSON object that was signed, `jws` the compact JWS of its RFC 8785 bytes,
    signed by the key `kid`. The id is public: it is the attestation's address. Revocation keeps
    the row (and the signature): the public page then says it was revoked, when and why.
    """

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    accreditation = models.OneToOneField(
        "projects.Accreditation",
        verbose_name=_("accreditation"),
        # Deleting a project deletes its accreditations (projects.services), and with them their
        # attestations: their public page then answers 404, a pasted copy "unknown".
        on_delete=models.CASCADE,
        related_name="attestation",
    )
    record = models.JSONField(_("record"))
    jws = models.TextField(_("signed record (JWS)"))
    kid = models.CharField(_("key id"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="attestation_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)
