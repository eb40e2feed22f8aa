"""The grant agreement as a PDF in French or English (fpdf2, with the embedded Unicode fonts of
`core.pdffonts`, so partner names print as written: "Łódź", "Œuvre", Greek, Cyrillic)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from grappe.core.pdffonts import add_unicode_fonts, pdf_text
from grappe.grants import selectors
from grappe.grants.explain import percent, plan_rows
from grappe.grants.models import CostCategory, GrantAgreement


def agreement_pdf(agreement: GrantAgreement, language: str) -> bytes:
    """The latest version of the agreement in `language` ("fr" or "en")."""
    version = selectors.current_version(agreement)
    plan = plan_rows(selectors.plan_of(version))
    project = agreement.participation.project
    with translation.override(language):
        pdf = FPDF(format="A4")
        family = add_unicode_fonts(pdf)
        pdf.set_title(pdf_text(_("Grant agreement %(ref)s") % {"ref": agreement.reference}))
        pdf.set_author(pdf_text(agreement.funder.name))
        pdf.set_creator("Grappe")
        pdf.set_lang(language)
        pdf.set_margins(20, 20, 20)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        def line(text: str, size: float = 11, style: str = "", gap: float = 2) -> None:
            pdf.set_font(family, style, size)
            pdf.multi_cell(width, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(gap)

        def money(amount: Decimal) -> str:
            return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} EUR"

        line(agreement.funder.name, 10, "B", 0)
        line(_("Grant agreement"), 18, "B", 2)
        line(
            _("Reference %(ref)s, version %(version)s")
            % {"ref": agreement.reference, "version": version.number},
            10, "", 4,
        )  # fmt: skip
        line(_("Between %(funder)s and %(partner)s, for the project")
             % {"funder": agreement.funder.name,
                "partner": agreement.participation.organisation.name})  # fmt: skip
        line(f"{project.acronym} - {project.title}", 13, "B", 4)
        line(_("Grant: %(amount)s, at an aid intensity of %(rate)s of the eligible costs.")
             % {"amount": money(version.amount), "rate": percent(version.intensity)})  # fmt: skip
        line(_("From %(start)s to %(end)s.") % {
            "start": formats.date_format(version.starts_on, "DATE_FORMAT"),
            "end": formats.date_format(version.ends_on, "DATE_FORMAT"),
        })  # fmt: skip
        line(_("Eligible costs by category"), 12, "B", 1)
        labels = dict(CostCategory.choices)
        for cost in version.costs.all():
            line(f"- {labels.get(cost.category, cost.category)}: {money(cost.amount)}", 10, "", 1)
        pdf.ln(2)
        line(_("Payment plan: %(plan)s") % {"plan": plan["label"]}, 12, "B", 1)
        mark = " [" + _("unconfirmed") + "]"
        for t in plan["tranches"]:
            line(f"- {t['rate']} ({t['basis']}), {t['trigger']}{mark if t['unconfirmed'] else ''}",
                 10, "", 1)  # fmt: skip
        line(_("Payments before the balance are capped at %(cap)s of the grant; a retention of "
               "%(retention)s is released with the balance.")
             % {"cap": plan["cap"], "retention": plan["retention"]}, 10, "", 3)  # fmt: skip
        line(_("Reports"), 12, "B", 1)
        if version.yearly_reports:
            line(_("A yearly report, due %(months)s months after the end of each year.")
                 % {"months": version.report_due_months}, 10, "", 1)  # fmt: skip
        line(_("The final report, due %(date)s.")
             % {"date": formats.date_format(version.final_report_due, "DATE_FORMAT")},
             10, "", 4)  # fmt: skip
        if version.accepted_at:
            who = version.accepted_by.get_username() if version.accepted_by else "-"
            line(_("Accepted for the partner by %(who)s on %(date)s.") % {
                "who": who, "date": formats.date_format(version.accepted_at, "DATETIME_FORMAT"),
            }, 10)  # fmt: skip
        else:
            line(_("Not yet accepted by the partner."), 10)
        return bytes(pdf.output())
