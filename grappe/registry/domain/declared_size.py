"""An organisation's size as a data source declared it, and which source said so.

Imports write two fields: the CORDIS `SME` flag (`sme_declared`: true, false or unknown) and
ANR's partner category (`size_class`: TPE → micro, PME → sme, "Entreprise autre que TPE ou
PME" → large). Neither is an assessment (that is `sme.py`, from yearly figures). CORDIS's
`SME = false` says "not an SME", which is not "large"; and a company no source sized is a
company of unknown size, never a large one.
"""

from __future__ import annotations

from dataclasses import dataclass

from grappe.core.domain.i18n import gettext_noop

# The only writers of each field (the importers), hence the source of what it says.
SME_FLAG_SOURCE = "cordis"
SIZE_CLASS_SOURCE = "anr"

SIZE_CLASS_LABELS = {
    "micro": gettext_noop("Micro-enterprise (TPE)"),
    "sme": gettext_noop("Small or medium-sized enterprise (PME)"),
    "large": gettext_noop("Larger than an SME (neither TPE nor PME)"),
}
SME_FLAG_LABELS = {
    True: gettext_noop("SME"),
    False: gettext_noop("Not an SME (which does not say how large)"),
}
UNKNOWN = gettext_noop("Company (size unknown)")


@dataclass(frozen=True, slots=True)
class DeclaredSize:
    code: str  # micro, sme, large, sme_flag, not_sme_flag, unknown
    label: str  # English, translatable
    source: str  # the source key (`core/domain/sources.py`); empty when none declared it


def declared_size(*, kind: str, sme_declared: bool | None, size_class: str) -> DeclaredSize | None:
    """What the sources declared of the organisation's size; None when no source sized it and
    its type says it (a lab, or a size entered by hand). ANR's category is preferred to the
    CORDIS flag (it says more)."""
    if size_class in SIZE_CLASS_LABELS:
        return DeclaredSize(size_class, SIZE_CLASS_LABELS[size_class], SIZE_CLASS_SOURCE)
    if sme_declared is not None:
        code = "sme_flag" if sme_declared else "not_sme_flag"
        return DeclaredSize(code, SME_FLAG_LABELS[sme_declared], SME_FLAG_SOURCE)
    if kind == "company":
        return DeclaredSize("unknown", UNKNOWN, "")
    return None
