"""The submission receipt: a PDF in French or English of what an application submitted, with
the SHA-256 of the stored canonical snapshot and the time in Europe/Paris (fpdf2).

Everything printed comes from `Application.snapshot` as frozen at submission, never from the
live project, so the receipt says what was submitted even after the consortium changes. The
text is set in the embedded Unicode fonts of `core.pdffonts` (as `attestations/letter.py`), so
partner names print as written; the hash is set in Courier (hexadecimal digits only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from grappe.core.pdffonts import add_unicode_fonts, pdf_text
from grappe.funding.explain import cost_label, format_eur, research_label
from grappe.funding.models import PARIS, Application
from grappe.projects.models import ParticipantRole


def submitted_at_text(application: Application) -> str:
    """The submission time in Europe/Paris, in the active language."""
    assert application.submitted_at is not None
    return str(formats.date_format(application.submitted_at.astimezone(PARIS), "DATETIME_FORMAT"))


def receipt_pdf(application: Application, language: str) -> bytes:
    """The receipt in `language` ("fr" or "en") of a submitted application."""
    snap: dict[str, Any] = application.snapshot
    with translation.override(language):
        pdf = FPDF(format="A4")
        family = add_unicode_fonts(pdf)
        project = snap["project"]
        pdf.set_title(pdf_text(_("Submission receipt %(acronym)s") % project))
        pdf.set_creator("Grappe")
        pdf.set_lang(language)
        pdf.set_margins(18, 18, 18)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        def line(text: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
            pdf.set_font(family, style, size)
            pdf.multi_cell(width, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(gap)

        call = snap["call"]
        line(_("Submission receipt"), 18, "B", 4)
        line(call["title_fr"] if language == "fr" else call["title_en"], 12, "B", 2)
        line(f"{project['acronym']} - {project['title']}", 12, "", 3)
        line(
            _("Submitted on %(time)s (Europe/Paris), application no. %(id)s.")
            % {"time": submitted_at_text(application), "id": snap["application_id"]}
        )
        closes = dt.datetime.fromisoformat(call["closes_at"]).astimezone(PARIS)
        line(
            _("The call closes on %(time)s (Europe/Paris).")
            % {"time": formats.date_format(closes, "DATETIME_FORMAT")},
            gap=4,
        )
        line(_("Consortium and aid requested"), 12, "B", 2)
        roles = dict(ParticipantRole.choices)
        for org in snap["consortium"]:
            ids = ", ".join(f"{k.upper()} {v}" for k, v in sorted(org["identifiers"].items()))
            role = str(roles.get(org["role"], org["role"]))
            line(f"{org['name']} ({role}){' - ' + ids if ids else ''}", 10, "B", 0.5)
            for b in org["budget"]:
                line(
                    "  "
                    + _("%(cost)s, %(research)s: %(amount)s EUR")
                    % {
                        "cost": cost_label(b["cost_category"]),
                        "research": research_label(b["research_category"]),
                        "amount": format_eur(Decimal(b["amount"])),
                    },
                    9,
                    "",
                    0.5,
                )
            line(
                "  "
                + _("Budget %(budget)s EUR; aid requested %(requested)s EUR (maximum %(max)s EUR).")
                % {
                    "budget": format_eur(Decimal(org["budget_total"])),
                    "requested": format_eur(Decimal(org["requested"])),
                    "max": "-" if org["max_aid"] is None else format_eur(Decimal(org["max_aid"])),
                },
                9,
                "",
                2,
            )
        line(
            _("Total aid requested: %(total)s EUR.")
            % {"total": format_eur(Decimal(snap["requested_total"]))},
            10,
            "B",
            3,
        )
        if snap.get("statement"):
            line(_("Statement"), 12, "B", 1)
            line(snap["statement"], 9, "", 3)
        line(_("Fingerprint of what was submitted"), 12, "B", 1)
        line(
            _(
                "SHA-256 of the canonical JSON of the submission (sorted keys, no spaces, "
                "UTF-8), as stored by Grappe:"
            ),
            9,
        )
        pdf.set_font("Courier", "", 9)
        pdf.multi_cell(width, 5, application.receipt_sha256, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
