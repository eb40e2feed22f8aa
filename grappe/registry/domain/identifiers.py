"""Organisation identifiers: normalisation and validity checks (FUNDING-RULES.md §5).

Each checker returns the compact form of a valid identifier or raises `InvalidIdentifier` with a
message naming the rule that failed. Format validity is not existence: a SIREN that passes here
may still be unknown to the SIRENE register.
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from grappe.core.domain.i18n import gettext_noop

LA_POSTE_SIREN = "356000000"
_RNSR = re.compile(r"^[0-9]{9}[A-Z]$")
_PIC = re.compile(r"^[0-9]{9}$")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR_URL_PREFIXES = ("https://ror.org/", "http://ror.org/", "ror.org/")


class InvalidIdentifier(ValueError):
    """An identifier failed its format or checksum rule; the message says which."""


def _digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value)


def check_siren(value: str) -> str:
    """9 digits, Luhn check digit (FUNDING-RULES.md row 50)."""
    compact = _digits(value)
    if not compact.isdigit() or len(compact) != 9:
        raise InvalidIdentifier(gettext_noop("A SIREN has exactly 9 digits."))
    try:
        return str(fr_siren.validate(compact))
    except StdnumError as exc:
        raise InvalidIdentifier(gettext_noop("This SIREN fails its Luhn check digit.")) from exc


def check_siret(value: str) -> str:
    """14 digits, Luhn over all digits; La Poste's SIRETs use a digit sum divisible by 5 (row 51)."""
    compact = _digits(value)
    if not compact.isdigit() or len(compact) != 14:
        raise InvalidIdentifier(
            gettext_noop("A SIRET has exactly 14 digits (SIREN + 5-digit NIC).")
        )
    if luhn.is_valid(compact):
        return compact
    if compact.startswith(LA_POSTE_SIREN) and sum(int(d) for d in compact) % 5 == 0:
        return compact
    try:  # stdnum knows the La Poste rule too; keep it as the final word
        return str(fr_siret.validate(compact))
    except StdnumError as exc:
        raise InvalidIdentifier(gettext_noop("This SIRET fails its Luhn check digit.")) from exc


def check_rnsr(value: str) -> str:
    """9 digits and one capital letter; the check-letter algorithm is unpublished [U]."""
    compact = value.strip().upper()
    if not _RNSR.match(compact):
        raise InvalidIdentifier(
            gettext_noop("An RNSR number is 9 digits followed by one letter, e.g. 200612345A.")
        )
    return compact


def ror_checksum(body: str) -> str:
    number = 0
    for char in body:
        number = number * 32 + _CROCKFORD.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def check_ror(value: str) -> str:
    """'0' + 6 Crockford base32 characters + 2-digit checksum (ISO 7064 mod 97-10)."""
    compact = value.strip().lower()
    for prefix in _ROR_URL_PREFIXES:
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
    if len(compact) != 9 or compact[0] != "0":
        raise InvalidIdentifier(
            gettext_noop("A ROR id has 9 characters and starts with 0, e.g. 03yrm5c26.")
        )
    body, checksum = compact[:7], compact[7:]
    if any(c not in _CROCKFORD for c in body) or not checksum.isdigit():
        raise InvalidIdentifier(
            gettext_noop("A ROR id uses the characters 0-9 and a-z without i, l, o, u.")
        )
    if ror_checksum(body) != checksum:
        raise InvalidIdentifier(gettext_noop("This ROR id fails its checksum."))
    return compact


def check_pic(value: str) -> str:
    """EU Participant Identification Code: 9 digits."""
    compact = _digits(value)
    if not _PIC.match(compact):
        raise InvalidIdentifier(gettext_noop("An EU PIC has exactly 9 digits."))
    return compact


def check_vat(value: str) -> str:
    """EU VAT number with its country prefix, checked by the country's own rule."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    if len(compact) < 4 or not compact[:2].isalpha():
        raise InvalidIdentifier(
            gettext_noop("A VAT number starts with its 2-letter country code, e.g. FR...")
        )
    try:
        return str(eu_vat.validate(compact))
    except StdnumError as exc:
        raise InvalidIdentifier(
            gettext_noop("This VAT number fails its country's format or check.")
        ) from exc


def french_vat_from_siren(siren: str) -> str:
    """The intra-community VAT number France derives from a SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"
