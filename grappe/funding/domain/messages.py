"""English templates for every explanation, verdict and error code of the funding domain.

The interface translates them with gettext (`gettext_noop` marks them for `makemessages`) and
fills the `%(name)s` placeholders from the explanation's params. SME codes come from
`grappe.registry.domain.sme.SME_MESSAGES`.
"""

from __future__ import annotations

from collections.abc import Mapping

from grappe.core.domain.i18n import gettext_noop
from grappe.funding.domain.call_rules import CALL_RULE_MESSAGES, CALL_RULE_PLURALS
from grappe.registry.domain.sme import SME_MESSAGES

_FUNDING: dict[str, str] = {
    # GBER Art. 25 intensities
    "gber.base.fundamental": gettext_noop("Fundamental research: GBER ceiling %(rate_pct)s %%."),
    "gber.base.industrial": gettext_noop("Industrial research: GBER base %(rate_pct)s %%."),
    "gber.base.experimental": gettext_noop("Experimental development: GBER base %(rate_pct)s %%."),
    "gber.base.feasibility": gettext_noop("Feasibility study: GBER base %(rate_pct)s %%."),
    "gber.bonus.small_enterprise": gettext_noop("Small enterprise: +%(bonus_pct)s points."),
    "gber.bonus.medium_enterprise": gettext_noop("Medium-sized enterprise: +%(bonus_pct)s points."),
    "gber.bonus.sme.none": gettext_noop("No SME bonus: the size applied is a large enterprise."),
    "gber.bonus.collaboration.undertakings": gettext_noop(
        "Effective collaboration between independent undertakings, one of them an SME or in two "
        "EEA countries, none bearing more than %(limit_pct)s %% of the costs: "
        "+%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.research_organisations": gettext_noop(
        "Effective collaboration with research organisations free to publish that bear at least "
        "%(min_pct)s %% of the costs: +%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.dissemination": gettext_noop(
        "Wide dissemination of the results (conferences, publications, open repositories or free "
        "software): +%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.none": gettext_noop(
        "No collaboration or dissemination bonus: no effective collaboration in the consortium "
        "and no commitment to disseminate the results widely."
    ),
    "gber.bonus.collaboration.contract_research": gettext_noop(
        "No collaboration bonus: contract research is not collaboration."
    ),
    "gber.bonus.collaboration.licensing": gettext_noop(
        "Commitment to license the results: +%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.assisted_area_a": gettext_noop(
        "Project in an assisted area (a): +%(bonus_pct)s points."
    ),
    "gber.bonus.assisted_area_c": gettext_noop(
        "Project in an assisted area (c): +%(bonus_pct)s points."
    ),
    "gber.bonus.joint_call": gettext_noop(
        "Call designed jointly by several Member States: +%(bonus_pct)s points."
    ),
    "gber.bonus.not_combined": gettext_noop(
        "These bonuses cannot be combined: the largest applies."
    ),
    "gber.cap": gettext_noop("%(uncapped_pct)s %% is capped at %(cap_pct)s %%."),
    # Effective collaboration
    "gber.collaboration.contract_research_excluded": gettext_noop(
        "Contract research is not collaboration: %(ids)s not counted."
    ),
    "gber.collaboration.undertakings.too_few": gettext_noop(
        "%(count)s independent undertaking: no collaboration between undertakings."
    ),
    "gber.collaboration.dissemination_instead": gettext_noop(
        "The bonus rests on the wide dissemination of the results, not on collaboration."
    ),
    "gber.collaboration.undertakings.no_sme_or_cross_border": gettext_noop(
        "No SME among the undertakings and not carried out in two EEA countries."
    ),
    "gber.collaboration.undertakings.share_too_high": gettext_noop(
        "One undertaking bears %(max_share_pct)s %% of the costs (at most %(limit_pct)s %%)."
    ),
    "gber.collaboration.undertakings.met": gettext_noop(
        "%(count)s independent undertakings; the largest bears %(max_share_pct)s %% "
        "(at most %(limit_pct)s %%)."
    ),
    "gber.collaboration.research_organisations.met": gettext_noop(
        "Research organisations free to publish bear %(share_pct)s %% of the costs "
        "(at least %(min_pct)s %%)."
    ),
    "gber.collaboration.research_organisations.not_met": gettext_noop(
        "Research organisations free to publish bear %(share_pct)s %% of the costs "
        "(less than %(min_pct)s %%)."
    ),
    # Notification thresholds
    "gber.notification.fundamental": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for predominantly "
        "fundamental research (GBER %(version)s text): notify the Commission."
    ),
    "gber.notification.industrial": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for predominantly "
        "industrial research (GBER %(version)s text): notify the Commission."
    ),
    "gber.notification.experimental": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for predominantly "
        "experimental development (GBER %(version)s text): notify the Commission."
    ),
    "gber.notification.feasibility": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for a feasibility "
        "study (GBER %(version)s text): notify the Commission."
    ),
    "gber.notification.undetermined": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds %(threshold_eur)s EUR, the lowest threshold applying "
        "when no category predominates (GBER %(version)s text): notify the Commission."
    ),
    # The call's budget window and envelope
    "call.budget.below": gettext_noop(
        "The project's budget of %(total_eur)s EUR is below the call's minimum of %(min_eur)s "
        "EUR: the project is not eligible as it stands."
    ),
    "call.budget.above": gettext_noop(
        "The project's budget of %(total_eur)s EUR is above the call's maximum of %(max_eur)s "
        "EUR: the project is not eligible as it stands."
    ),
    "call.envelope.exceeded": gettext_noop(
        "The maximum aid of %(aid_eur)s EUR is above the call's whole envelope of "
        "%(envelope_eur)s EUR: the call cannot give it."
    ),
    # Call rates
    "scheme.rate.base": gettext_noop("Call rate for this partner: %(rate_pct)s %%."),
    "scheme.rate.labelled": gettext_noop(
        "Call rate for this partner in a labelled project: %(rate_pct)s %%."
    ),
    "scheme.rate.outside_territory": gettext_noop(
        "Call rate for this partner outside the cluster's territory: %(rate_pct)s %%."
    ),
    "scheme.startup_bonus": gettext_noop("Start-up bonus: +%(bonus_pct)s points."),
    "scheme.startup_bonus.sme": gettext_noop(
        "Start-up bonus: +%(bonus_pct)s points (a start-up, and an SME as the call requires: "
        "%(size)s)."
    ),
    "scheme.startup_bonus.paris": gettext_noop(
        "Start-up bonus: +%(bonus_pct)s points (a start-up located in Paris, as the call requires)."
    ),
    "scheme.startup_bonus.sme.paris": gettext_noop(
        "Start-up bonus: +%(bonus_pct)s points (a start-up located in Paris, and an SME as the "
        "call requires: %(size)s)."
    ),
    "aid.size.declared": gettext_noop("Size as declared, without an SME assessment: %(size)s."),
    "scheme.startup_bonus.not_in_paris": gettext_noop(
        "No start-up bonus: the start-up is not located in Paris."
    ),
    "aid.intensity.scheme_rate": gettext_noop(
        "Intensity applied: the call's %(rate_pct)s %% (GBER ceiling %(cap_pct)s %%)."
    ),
    "aid.intensity.capped_by_gber": gettext_noop(
        "The call's %(scheme_pct)s %% is limited to the GBER ceiling of %(cap_pct)s %%."
    ),
    # Research organisations
    "ro.full_cost": gettext_noop(
        "Research organisation, non-economic activity: %(rate_pct)s %% of full cost, "
        "outside the GBER."
    ),
    "ro.marginal_cost": gettext_noop(
        "Research organisation, non-economic activity: %(rate_pct)s %% of marginal cost, "
        "outside the GBER."
    ),
    "ro.no_rule": gettext_noop("This call sets no rate for research organisations on this basis."),
    "ro.economic_activity": gettext_noop(
        "Economic activity of a research organisation: funded as an undertaking under the GBER."
    ),
    # Cumulation and caps
    "cumulation.within_max": gettext_noop(
        "Other aid %(other_eur)s EUR; all aid stays within the %(max_eur)s EUR maximum."
    ),
    "cumulation.reduced": gettext_noop(
        "Other aid %(other_eur)s EUR: this call's aid reduced to %(aid_eur)s EUR to stay within "
        "%(max_eur)s EUR."
    ),
    "cumulation.exceeded_by_others": gettext_noop(
        "Other aid %(other_eur)s EUR already exceeds the %(max_eur)s EUR maximum: no aid here."
    ),
    "aid.double_funding.exclusive_base": gettext_noop(
        "This call's costs may not be funded by other public money; declared: %(funders)s."
    ),
    "aid.double_funding.same_costs": gettext_noop(
        "%(funder)s also funds the same costs (%(lines)s): double funding."
    ),
    "aid.cap.partner": gettext_noop(
        "Aid of %(aid_eur)s EUR capped at %(cap_eur)s EUR per partner."
    ),
    "aid.cap.project": gettext_noop(
        "Project aid of %(aid_eur)s EUR capped at %(cap_eur)s EUR, shared pro rata."
    ),
    # Consortium verdicts
    "eligibility.not_applicable": gettext_noop("Not required by this call."),
    "eligibility.not_evaluated": gettext_noop("Not evaluated: the aid is not known."),
    "eligibility.independent_companies": gettext_noop(
        "%(count)s independent company (at least %(required)s)."
    ),
    "eligibility.research_organisations": gettext_noop(
        "%(count)s research or training organisation (at least %(required)s)."
    ),
    "eligibility.sme_or_eti": gettext_noop("%(count)s SME or ETI (at least %(required)s)."),
    "eligibility.coordinator.missing": gettext_noop("No coordinator."),
    "eligibility.coordinator.several": gettext_noop("Several coordinators: %(ids)s."),
    "eligibility.coordinator.not_company": gettext_noop("The coordinator %(id)s is not a company."),
    "eligibility.coordinator.company": gettext_noop("The coordinator %(id)s is a company."),
    "eligibility.partner_share": gettext_noop(
        "Largest partner %(id)s: %(share_pct)s %% of the project (at most %(limit_pct)s %%)."
    ),
    "eligibility.lab_aid_share": gettext_noop(
        "Research organisations receive %(share_pct)s %% of the aid (justify above "
        "%(limit_pct)s %%)."
    ),
    "eligibility.budget.window": gettext_noop(
        "Budget %(total_eur)s EUR (from %(min_eur)s to %(max_eur)s EUR)."
    ),
    "eligibility.budget.min": gettext_noop("Budget %(total_eur)s EUR (at least %(min_eur)s EUR)."),
    "eligibility.budget.max": gettext_noop("Budget %(total_eur)s EUR (at most %(max_eur)s EUR)."),
    "eligibility.partners": gettext_noop("%(count)s partner (at most %(max)s)."),
    "eligibility.aided_partners": gettext_noop(
        "%(count)s partner requesting aid (at most %(max)s)."
    ),
    "eligibility.accreditations": gettext_noop(
        "%(count)s cluster accreditation (at least %(required)s)."
    ),
    "eligibility.lead_cluster.none": gettext_noop("No accrediting cluster."),
    "eligibility.lead_cluster.not_first": gettext_noop(
        "The lead cluster %(lead)s must be listed first, not %(first)s."
    ),
    "eligibility.lead_cluster.first": gettext_noop("The lead cluster %(lead)s is listed first."),
    "eligibility.paris_partners": gettext_noop(
        "%(count)s partner located in Paris (at least %(required)s)."
    ),
    "eligibility.territory_share": gettext_noop(
        "%(share_pct)s %% of the costs in the clusters' territories (at least %(min_pct)s %%)."
    ),
    # Rule-set validation errors
    "ruleset.error.unknown_key": gettext_noop("%(field)s is not a known rule."),
    "ruleset.error.required": gettext_noop("%(field)s is required."),
    "ruleset.error.type": gettext_noop("%(field)s has the wrong type."),
    "ruleset.error.rate_range": gettext_noop("%(field)s must be a fraction between 0 and 1."),
    "ruleset.error.non_negative": gettext_noop("%(field)s must not be negative."),
    "ruleset.error.integer": gettext_noop("%(field)s must be a whole number."),
    "ruleset.error.order": gettext_noop("%(field)s is out of order with its counterpart."),
    "ruleset.error.unknown_value": gettext_noop("%(field)s has an unknown value."),
    "ruleset.error.unknown_path": gettext_noop("%(field)s lists a path that is not in this set."),
    "ruleset.error.unknown_gber_version": gettext_noop("%(field)s names an unknown GBER version."),
    "ruleset.error.date": gettext_noop("%(field)s must be a date (YYYY-MM-DD)."),
}

MESSAGES: dict[str, str] = {**SME_MESSAGES, **_FUNDING, **CALL_RULE_MESSAGES}

# Codes whose sentence depends on a count: the singular template is in MESSAGES, the plural one
# here, keyed by the param holding the number. The interface picks the form with `ngettext`
# (French puts 0 and 1 in the singular); the catalogue has both forms as one plural entry.
PLURALS: dict[str, tuple[str, str]] = {
    "gber.collaboration.undertakings.too_few": (
        "count",
        "%(count)s independent undertakings: no collaboration between undertakings.",
    ),
    "eligibility.independent_companies": (
        "count",
        "%(count)s independent companies (at least %(required)s).",
    ),
    "eligibility.research_organisations": (
        "count",
        "%(count)s research or training organisations (at least %(required)s).",
    ),
    "eligibility.sme_or_eti": ("count", "%(count)s SMEs or ETIs (at least %(required)s)."),
    "eligibility.partners": ("count", "%(count)s partners (at most %(max)s)."),
    "eligibility.aided_partners": (
        "count",
        "%(count)s partners requesting aid (at most %(max)s).",
    ),
    "eligibility.accreditations": (
        "count",
        "%(count)s cluster accreditations (at least %(required)s).",
    ),
    "eligibility.paris_partners": (
        "count",
        "%(count)s partners located in Paris (at least %(required)s).",
    ),
    **CALL_RULE_PLURALS,
}


def template_for(code: str, params: Mapping[str, object]) -> str:
    """The English template for a code and its params: the plural one when the count is not 1."""
    plural = PLURALS.get(code)
    if plural is not None and params.get(plural[0]) != 1:
        return plural[1]
    return MESSAGES[code]


def render(code: str, params: Mapping[str, object]) -> str:
    """The English sentence for a code (tests and logs; the interface translates first)."""
    return template_for(code, params) % params
