"""Turn the funding domain's explanation codes into sentences in the active language.

The English templates live in `domain/messages.py` (marked with `gettext_noop`, so
`makemessages` extracts them); here they are translated with `gettext` and filled with params
formatted for the active locale: `*_pct` as percentages, `*_eur` as euro amounts, partner ids
replaced by the partners' names when known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    gettext_noop,
    ngettext,
    pgettext_lazy,
)

from grappe.funding.domain.call_rules import SECTION_TITLES, Section, explain_rules
from grappe.funding.domain.common import CostCategory, PartnerKind, ResearchCategory
from grappe.funding.domain.evaluation import ERROR_MESSAGES as EVALUATION_ERRORS
from grappe.funding.domain.evaluation import (
    SCALE_MAX,
    STEP,
    TIE_BREAK_CRITERION_LABEL,
    TIE_BREAK_LABELS,
    TIE_CRITERION,
    EvaluationError,
    EvaluationSetup,
)
from grappe.funding.domain.messages import MESSAGES, PLURALS
from grappe.funding.domain.rulesets import RuleSet, RuleSetError
from grappe.registry.domain.sme import Explanation, FrenchCategory, SizeClass

# Params that hold partner or enterprise ids (one, or several joined by ", ").
ID_PARAMS = frozenset({"id", "ids", "holder", "holders", "lead", "first"})

SIZE_LABELS = {
    SizeClass.MICRO: gettext_lazy("Micro-enterprise"),
    SizeClass.SMALL: gettext_lazy("Small enterprise"),
    SizeClass.MEDIUM: gettext_lazy("Medium-sized enterprise"),
    SizeClass.LARGE: gettext_lazy("Large enterprise"),
}
# In the middle of a sentence ("… an SME as the call requires: small enterprise").
SIZE_IN_SENTENCE = {
    SizeClass.MICRO: pgettext_lazy("in a sentence", "micro-enterprise"),
    SizeClass.SMALL: pgettext_lazy("in a sentence", "small enterprise"),
    SizeClass.MEDIUM: pgettext_lazy("in a sentence", "medium-sized enterprise"),
    SizeClass.LARGE: pgettext_lazy("in a sentence", "large enterprise"),
}
FRENCH_CATEGORY_LABELS = {
    FrenchCategory.PME: gettext_lazy("PME"),
    FrenchCategory.ETI: gettext_lazy("ETI"),
    FrenchCategory.GE: gettext_lazy("GE"),
}
KIND_LABELS = {
    PartnerKind.COMPANY: gettext_lazy("company"),
    PartnerKind.RESEARCH_ORGANISATION: gettext_lazy("research organisation"),
    PartnerKind.TRAINING_ORGANISATION: gettext_lazy("training organisation"),
    PartnerKind.TECHNOLOGY_INSTITUTE: gettext_lazy("technology research institute"),
    PartnerKind.OTHER: gettext_lazy("other"),
}
# The same wording as the project's budget lines (grappe.projects.models).
COST_LABELS = {
    CostCategory.PERSONNEL: gettext_lazy("Personnel"),
    CostCategory.INSTRUMENTS: gettext_lazy("Instruments and equipment"),
    CostCategory.BUILDINGS: gettext_lazy("Buildings and land"),
    CostCategory.CONTRACTUAL: gettext_lazy(
        "Contractual research, knowledge, patents and consultancy"
    ),
    CostCategory.OVERHEADS: gettext_lazy("Additional overheads and other operating costs"),
}
RESEARCH_LABELS = {
    ResearchCategory.FUNDAMENTAL: gettext_lazy("Fundamental research"),
    ResearchCategory.INDUSTRIAL: gettext_lazy("Industrial research"),
    ResearchCategory.EXPERIMENTAL: gettext_lazy("Experimental development"),
    ResearchCategory.FEASIBILITY: gettext_lazy("Feasibility study"),
}


def cost_label(value: str) -> str:
    try:
        return str(COST_LABELS[CostCategory(value)])
    except ValueError:
        return value


def research_label(value: str) -> str:
    try:
        return str(RESEARCH_LABELS[ResearchCategory(value)])
    except ValueError:
        return value


STATUS_LABELS = {
    "passed": gettext_lazy("Passed"),
    "failed": gettext_lazy("Failed"),
    "needs_justification": gettext_lazy("Needs justification"),
    "not_applicable": gettext_lazy("Not applicable"),
}

# Legal references are built in the domain as English citations; each known form has a
# translatable template (the article number is kept as is), anything else is looked up whole
# (rule-set references, "Call rules (start-up definition)") and left as written when unknown.
_LEGAL_FORMS = (
    (
        re.compile(r"^GBER Art\. (?P<article>.+)$"),
        gettext_noop("GBER Art. %(article)s"),
    ),
    (
        re.compile(r"^Rec\. 2003/361/EC Annex Art\. (?P<article>[^,]+), second subparagraph$"),
        gettext_noop("Rec. 2003/361/EC Annex Art. %(article)s, second subparagraph"),
    ),
    (
        re.compile(r"^Rec\. 2003/361/EC Annex Art\. (?P<article>.+)$"),
        gettext_noop("Rec. 2003/361/EC Annex Art. %(article)s"),
    ),
    (
        re.compile(r"^R&D&I Framework 2022/C 414/01 §(?P<article>.+)$"),
        gettext_noop("R&D&I Framework 2022/C 414/01 §%(article)s"),
    ),
)
# Citations spelled the same in both languages (French law), and the domain's generic one.
gettext_noop("Call rules (start-up definition)")


def legal_ref(ref: str) -> str:
    """A legal reference in the active language: "GBER Art. 25(6)(a)" -> "RGEC art. 25(6)(a)"."""
    if not ref:
        return ref
    return "; ".join(_legal_part(part) for part in ref.split("; "))


def _legal_part(part: str) -> str:
    for pattern, template in _LEGAL_FORMS:
        m = pattern.match(part)
        if m:
            return gettext(template) % {"article": m.group("article")}
    return gettext(part)


def format_number(value: Decimal, decimals: int | None = None) -> str:
    """A decimal in the active locale: 1234567.5 -> "1,234,567.50" (en), "1 234 567,50" (fr)."""
    if decimals is None:
        value = value.normalize()
        exponent = value.as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_eur(value: Decimal) -> str:
    """Whole euros without decimals, otherwise two: "1,500,000" or "12,345.67"."""
    return format_number(value, 0 if value == value.to_integral_value() else 2)


def format_param(key: str, value: object, names: Mapping[str, str] | None = None) -> str:
    if isinstance(value, Decimal):
        if key.endswith("_eur"):
            return format_eur(value)
        return format_number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(Decimal(value), 0) if value >= 10_000 else str(value)
    text = str(value)
    if key == "size" and text in SizeClass.__members__.values():
        return str(SIZE_IN_SENTENCE[SizeClass(text)])
    if names and key in ID_PARAMS and text:
        return ", ".join(names.get(part, part) for part in text.split(", "))
    return text


def render(code: str, params: Mapping[str, object], names: Mapping[str, str] | None = None) -> str:
    """The translated sentence for a code; an unknown code is returned as is (never a 500)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    values: dict[str, Any] = {k: format_param(k, v, names) for k, v in params.items()}
    plural = PLURALS.get(code)
    count = params.get(plural[0]) if plural is not None else None
    try:
        if plural is not None and isinstance(count, int):
            return ngettext(template, plural[1], count) % values
        return gettext(template) % values
    except (KeyError, TypeError, ValueError):
        # A translation with a wrong placeholder must not break the page: fall back to English.
        if plural is not None and count != 1:
            return plural[1] % values
        return template % values


def render_explanation(step: Explanation, names: Mapping[str, str] | None = None) -> str:
    return render(step.code, step.params, names)


def ruleset_error_message(error: RuleSetError) -> str:
    """ "company_rates.small must be a fraction between 0 and 1." in the active language."""
    return render(error.code, {"field": error.field})


def call_rule_lines(rs: RuleSet) -> list[dict[str, Any]]:
    """A call's rule set in plain words in the active language (`domain/call_rules.py`):
    each line's section, code, text and its unconfirmed and advisory marks."""
    return [
        {
            "section": line.section.value,
            "code": line.code,
            "text": render(line.code, line.params),
            "unconfirmed": line.unconfirmed,
            "advisory": line.advisory,
        }
        for line in explain_rules(rs)
    ]


def call_rule_sections(rs: RuleSet) -> list[dict[str, Any]]:
    """The lines grouped by section, each with its translated title (for the call page)."""
    lines = call_rule_lines(rs)
    return [
        {
            "key": section.value,
            "title": gettext(SECTION_TITLES[section]),
            "lines": [line for line in lines if line["section"] == section.value],
        }
        for section in Section
    ]


def evaluation_error_message(error: EvaluationError) -> str:
    """ "criteria.2.weight must be greater than 0." in the active language."""
    template = EVALUATION_ERRORS.get(error.code)
    if template is None:
        return str(error)
    try:
        return gettext(template) % error.params
    except (KeyError, TypeError, ValueError):
        return template % error.params


def evaluation_display(setup: EvaluationSetup) -> dict[str, Any]:
    """A call's evaluation set-up for its page and API, in the active language."""
    french = (get_language() or "en").startswith("fr")
    names = {c.code: (c.name_fr if french else c.name_en) for c in setup.criteria}

    def tie_label(rule: str) -> str:
        if rule.startswith(TIE_CRITERION):
            return gettext(TIE_BREAK_CRITERION_LABEL) % {
                "criterion": names.get(rule.removeprefix(TIE_CRITERION), rule)
            }
        return gettext(TIE_BREAK_LABELS.get(rule, rule))

    return {
        "version": setup.version,
        "scale": {"min": "0", "max": str(SCALE_MAX), "step": str(STEP)},
        "criteria": [
            {
                "code": c.code,
                "name": names[c.code],
                "weight": format_number(c.weight),
                "threshold": format_number(c.threshold),
            }
            for c in setup.criteria
        ],
        "overall_threshold": format_number(setup.overall_threshold),
        "overall_max": format_number(setup.overall_max),
        "evaluators_per_application": setup.evaluators_per_application,
        "tie_breaks": [{"rule": r, "label": tie_label(r)} for r in setup.tie_breaks],
    }
