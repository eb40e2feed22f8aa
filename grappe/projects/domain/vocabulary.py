"""The budget vocabulary, defined once: GBER research and cost categories.

Budget lines store these values, the forms and the API show and accept them, and the funding
engine computes with them (`grappe.funding.domain.common` re-exports them). Labels are English
and marked with `gettext_noop`; the Django choices (`grappe.projects.models`) translate them.

Until issue 7 budget lines stored shorter cost names (`equipment`, `buildings`, `contractual`,
`overheads`) that a table translated for the engine; migration
`projects.0007_one_cost_category_vocabulary` renamed the stored values.
"""

from __future__ import annotations

from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop


class ResearchCategory(StrEnum):
    """GBER Art. 25(2) categories; a cost line belongs to exactly one."""

    FUNDAMENTAL = "fundamental"
    INDUSTRIAL = "industrial"
    EXPERIMENTAL = "experimental"
    FEASIBILITY = "feasibility"


RESEARCH_CATEGORY_LABELS = {
    ResearchCategory.FUNDAMENTAL: gettext_noop("Fundamental research"),
    ResearchCategory.INDUSTRIAL: gettext_noop("Industrial research"),
    ResearchCategory.EXPERIMENTAL: gettext_noop("Experimental development"),
    ResearchCategory.FEASIBILITY: gettext_noop("Feasibility study"),
}


class CostCategory(StrEnum):
    """GBER Art. 25(3)(a)-(e) eligible cost categories."""

    PERSONNEL = "personnel"
    INSTRUMENTS = "instruments_equipment"
    BUILDINGS = "buildings_land"
    CONTRACTUAL = "contractual_research"
    OVERHEADS = "overheads_operating"


COST_CATEGORY_LABELS = {
    CostCategory.PERSONNEL: gettext_noop("Personnel"),
    CostCategory.INSTRUMENTS: gettext_noop("Instruments and equipment"),
    CostCategory.BUILDINGS: gettext_noop("Buildings and land"),
    CostCategory.CONTRACTUAL: gettext_noop(
        "Contractual research, knowledge, patents and consultancy"
    ),
    CostCategory.OVERHEADS: gettext_noop("Additional overheads and other operating costs"),
}
