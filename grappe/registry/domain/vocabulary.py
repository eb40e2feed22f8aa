"""The registry's vocabularies, defined once: organisation kinds, the size a source declares,
and who holds shares (the SME rules' `HolderKind`).

Organisations and ownership links store these values, forms and the API show them, and the
rules (SME assessment, the funding engine) compute with them. Labels are English, marked with
`gettext_noop`; the Django choices (`grappe.registry.models`) translate them. Until issue 7 the
ownership links stored `public_investment` for `public_investment_corporation` (renamed by
migration `registry.0007_one_holder_kind_vocabulary`).
"""

from __future__ import annotations

from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop
from grappe.registry.domain.sme import HolderKind


class OrganisationKind(StrEnum):
    START_UP = "start_up"
    SME = "sme"
    MID_CAP = "mid_cap"
    LARGE_COMPANY = "large_company"
    # A company whose size no source declared (e.g. a CORDIS for-profit without the SME flag).
    COMPANY = "company"
    RESEARCH_LAB = "research_lab"
    HIGHER_EDUCATION = "higher_education"
    PUBLIC_BODY = "public_body"
    ASSOCIATION = "association"
    INVESTOR = "investor"
    OTHER = "other"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.START_UP: gettext_noop("Start-up"),
    OrganisationKind.SME: gettext_noop("SME"),
    OrganisationKind.MID_CAP: gettext_noop("Mid-cap"),
    OrganisationKind.LARGE_COMPANY: gettext_noop("Large company"),
    OrganisationKind.COMPANY: gettext_noop("Company (size unknown)"),
    OrganisationKind.RESEARCH_LAB: gettext_noop("Research lab"),
    OrganisationKind.HIGHER_EDUCATION: gettext_noop("Higher education / training"),
    OrganisationKind.PUBLIC_BODY: gettext_noop("Public body"),
    OrganisationKind.ASSOCIATION: gettext_noop("Association"),
    OrganisationKind.INVESTOR: gettext_noop("Investor"),
    OrganisationKind.OTHER: gettext_noop("Other"),
}

COMPANY_KINDS = frozenset(
    {
        OrganisationKind.START_UP,
        OrganisationKind.SME,
        OrganisationKind.MID_CAP,
        OrganisationKind.LARGE_COMPANY,
        OrganisationKind.COMPANY,
    }
)
RESEARCH_KINDS = frozenset({OrganisationKind.RESEARCH_LAB, OrganisationKind.HIGHER_EDUCATION})


class DeclaredSize(StrEnum):
    """The size class a data source publishes (e.g. ANR's TPE / PME), coarser than the SME
    assessment's `SizeClass`: kept as published, not used to compute aid."""

    MICRO = "micro"
    SME = "sme"
    LARGE = "large"


DECLARED_SIZE_LABELS = {
    DeclaredSize.MICRO: gettext_noop("Micro enterprise"),
    DeclaredSize.SME: gettext_noop("Small or medium-sized enterprise"),
    DeclaredSize.LARGE: gettext_noop("Larger than an SME"),
}

HOLDER_KIND_LABELS = {
    HolderKind.ENTERPRISE: gettext_noop("Enterprise"),
    HolderKind.PUBLIC_BODY: gettext_noop("Public body"),
    HolderKind.PUBLIC_INVESTMENT_CORPORATION: gettext_noop("Public investment corporation"),
    HolderKind.VENTURE_CAPITAL: gettext_noop("Venture capital company"),
    HolderKind.BUSINESS_ANGEL: gettext_noop("Business angel"),
    HolderKind.UNIVERSITY: gettext_noop("University or non-profit research centre"),
    HolderKind.INSTITUTIONAL_INVESTOR: gettext_noop("Institutional investor"),
    HolderKind.LOCAL_AUTHORITY: gettext_noop("Autonomous local authority"),
    HolderKind.NATURAL_PERSON: gettext_noop("Natural persons"),
}
