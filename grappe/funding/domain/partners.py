"""How a registered organisation enters the aid engine: two rules, not synonyms.

`partner_kind`: the organisation's kind decides the engine's partner type — companies are
funded at company rates, research labs as research organisations, higher education as
training organisations (both may be funded as non-economic research bodies), anything else as
"other". `declared_size`: a company without usable yearly figures gets the size its kind
implies, read in the least favourable way (an "SME" may be medium-sized, a mid-cap is an ETI,
a start-up is taken as small), which the explanation says (`NOTE_DECLARED_SIZE`).
"""

from __future__ import annotations

from grappe.funding.domain.common import PartnerKind
from grappe.registry.domain.sme import FrenchCategory, SizeClass
from grappe.registry.domain.vocabulary import OrganisationKind

_PARTNER_KIND = {
    OrganisationKind.START_UP: PartnerKind.COMPANY,
    OrganisationKind.SME: PartnerKind.COMPANY,
    OrganisationKind.MID_CAP: PartnerKind.COMPANY,
    OrganisationKind.LARGE_COMPANY: PartnerKind.COMPANY,
    OrganisationKind.COMPANY: PartnerKind.COMPANY,
    OrganisationKind.RESEARCH_LAB: PartnerKind.RESEARCH_ORGANISATION,
    OrganisationKind.HIGHER_EDUCATION: PartnerKind.TRAINING_ORGANISATION,
}

_DECLARED_SIZE: dict[OrganisationKind, tuple[SizeClass, FrenchCategory | None]] = {
    OrganisationKind.START_UP: (SizeClass.SMALL, FrenchCategory.PME),
    OrganisationKind.SME: (SizeClass.MEDIUM, FrenchCategory.PME),
    OrganisationKind.MID_CAP: (SizeClass.LARGE, FrenchCategory.ETI),
    OrganisationKind.LARGE_COMPANY: (SizeClass.LARGE, FrenchCategory.GE),
    # No declared size: simulated at the large-enterprise rates (the explanation says so).
    OrganisationKind.COMPANY: (SizeClass.LARGE, None),
}


def partner_kind(kind: str) -> PartnerKind:
    """The engine's partner type for an organisation of `kind` (an `OrganisationKind` value)."""
    return _PARTNER_KIND.get(OrganisationKind(kind), PartnerKind.OTHER)


def declared_size(kind: str) -> tuple[SizeClass, FrenchCategory | None]:
    """The EU size class and French category an organisation of `kind` is taken to have when
    its figures cannot be assessed: the least favourable reading of its kind; large for a
    non-company (which no company rate then applies to)."""
    return _DECLARED_SIZE.get(OrganisationKind(kind), (SizeClass.LARGE, None))
