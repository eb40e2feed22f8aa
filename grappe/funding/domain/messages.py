"""English templates for every explanation, verdict and error code of the funding domain.

The interface translates them with gettext (`gettext_noop` marks them for `makemessages`) and
fills the `%(name)s` placeholders from the explanation's params. SME codes come from
`grappe.registry.domain.sme.SME_MESSAGES`.
"""

from __future__ import annotations

from grappe.core.domain.i18n import gettext_noop
from grappe.registry.domain.sme import SME_MESSAGES

_FUNDING: dict[str, str] = {
    # GBER Art. 25 intensities
    "gber.base.fundamental": gettext_noop("Fundamental research: GBER ceiling %(rate_pct)s %%."),
    "gber.base.industrial": gettext_noop("Industrial research: GBER base %(rate_pct)s %%."),
    "gber.base.experimental": gettext_noop("Experimental development: GBER base %(rate_pct)s %%."),
    "gber.base.feasibility": gettext_noop("Feasibility study: GBER base %(rate_pct)s %%."),
    "gber.bonus.small_enterprise": gettext_noop("Small enterprise: +%(bonus_pct)s points."),
    "gber.bonus.medium_enterprise": gettext_noop("Medium-sized enterprise: +%(bonus_pct)s points."),
    "gber.bonus.collaboration.undertakings": gettext_noop(
        "Effective collaboration between undertakings: +%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.research_organisations": gettext_noop(
        "Effective collaboration with research organisations: +%(bonus_pct)s points."
    ),
    "gber.bonus.collaboration.dissemination": gettext_noop(
        "Wide dissemination of the results: +%(bonus_pct)s points."
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
        "%(count)s independent undertaking(s): no collaboration between undertakings."
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
        "fundamental research: notify the Commission."
    ),
    "gber.notification.industrial": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for predominantly "
        "industrial research: notify the Commission."
    ),
    "gber.notification.experimental": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for predominantly "
        "experimental development: notify the Commission."
    ),
    "gber.notification.feasibility": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds the %(threshold_eur)s EUR threshold for a feasibility "
        "study: notify the Commission."
    ),
    "gber.notification.undetermined": gettext_noop(
        "Aid of %(aid_eur)s EUR exceeds %(threshold_eur)s EUR, the lowest threshold applying "
        "when no category predominates: notify the Commission."
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
        "%(count)s independent companies (at least %(required)s)."
    ),
    "eligibility.research_organisations": gettext_noop(
        "%(count)s research or training organisations (at least %(required)s)."
    ),
    "eligibility.sme_or_eti": gettext_noop("%(count)s SMEs or ETIs (at least %(required)s)."),
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
    "eligibility.partners": gettext_noop("%(count)s partners (at most %(max)s)."),
    "eligibility.aided_partners": gettext_noop(
        "%(count)s partners requesting aid (at most %(max)s)."
    ),
    "eligibility.accreditations": gettext_noop(
        "%(count)s cluster accreditations (at least %(required)s)."
    ),
    "eligibility.lead_cluster.none": gettext_noop("No accrediting cluster."),
    "eligibility.lead_cluster.not_first": gettext_noop(
        "The lead cluster %(lead)s must be listed first, not %(first)s."
    ),
    "eligibility.lead_cluster.first": gettext_noop("The lead cluster %(lead)s is listed first."),
    "eligibility.paris_partners": gettext_noop(
        "%(count)s partners located in Paris (at least %(required)s)."
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

MESSAGES: dict[str, str] = {**SME_MESSAGES, **_FUNDING}


def render(code: str, params: object) -> str:
    """The English sentence for a code (tests and logs; the interface translates first)."""
    return MESSAGES[code] % params
