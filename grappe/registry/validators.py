"""Django validators over the pure identifier checks, with translated messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from grappe.registry.domain import identifiers

_CHECKS = {
    "siren": identifiers.check_siren,
    "siret": identifiers.check_siret,
    "rnsr": identifiers.check_rnsr,
    "ror": identifiers.check_ror,
    "pic": identifiers.check_pic,
    "vat": identifiers.check_vat,
}


@deconstructible
class IdentifierValidator:
    """Validates one kind of identifier (`siren`, `siret`, `rnsr`, `ror`, `pic`, `vat`)."""

    def __init__(self, kind: str) -> None:
        if kind not in _CHECKS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        self.kind = kind

    def __call__(self, value: str) -> None:
        if not value:
            return
        try:
            _CHECKS[self.kind](value)
        except identifiers.InvalidIdentifier as exc:
            raise ValidationError(gettext(str(exc)), code=self.kind) from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdentifierValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


validate_siren = IdentifierValidator("siren")
validate_siret = IdentifierValidator("siret")
validate_rnsr = IdentifierValidator("rnsr")
validate_ror = IdentifierValidator("ror")
validate_pic = IdentifierValidator("pic")
validate_vat = IdentifierValidator("vat")
