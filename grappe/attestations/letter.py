"""The attestation letter: a one-page PDF in French or English with a QR code of the
verification address (fpdf2, segno; both pure Python).

Its text is set in an embedded Unicode font (`core/pdffonts.py`: Source Sans Pro, SIL OFL 1.1),
so names outside Latin-1 ("Łódź", "Œuvre", Greek or Cyrillic partners) appear as written;
a character the font lacks is written "?" (the signed record, not the letter, is what counts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from grappe.attestations.domain.record import DECISION_LABELS, Decision
from grappe.attestations.models import Attestation
from grappe.core.pdffonts import add_unicode_fonts, pdf_text
from grappe.projects.models import ParticipantRole


def _date(iso: str | None) -> str:
    if not iso:
        return _("no end date")
    return str(formats.date_format(dt.date.fromisoformat(iso), "DATE_FORMAT"))


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of `url` as filled squares (vector, no image library)."""
    qr = segno.make_qr(url, error="m")
    matrix = qr.matrix
    border = 2
    modules = len(matrix) + 2 * border
    step = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(x + (col + border) * step, y + (row + border) * step, step, step, "F")


def letter_pdf(attestation: Attestation, language: str) -> bytes:
    """The letter in `language` ("fr" or "en")."""
    record: dict[str, Any] = attestation.record
    with translation.override(language):
        pdf = FPDF(format="A4")
        family = add_unicode_fonts(pdf)
        pdf.set_title(pdf_text(_("Label attestation %(acronym)s") % record["project"]))
        pdf.set_author(pdf_text(record["issuer"]["name"]))
        pdf.set_creator("Grappe")
        pdf.set_lang(language)
        pdf.set_margins(20, 20, 20)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        def line(text: str, size: float = 11, style: str = "", gap: float = 2) -> None:
            pdf.set_font(family, style, size)
            pdf.multi_cell(width, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(gap)

        clusters = record["clusters"]
        line(record["issuer"]["name"], 10, "B", 0)
        line(_("Label attestation"), 18, "B", 6)
        line(
            _("%(cluster)s certifies that it has accredited the collaborative R&D project")
            % {"cluster": clusters[0]["name"]},
        )
        line(f"{record['project']['acronym']} - {record['project']['title']}", 14, "B", 4)
        decision = record["decision"]
        line(
            _("Decision: %(decision)s, on %(date)s.")
            % {
                "decision": _(DECISION_LABELS[Decision(decision["outcome"])]),
                "date": _date(decision["date"]),
            }
        )
        if decision["conditions"]:
            line(_("Conditions:"), 11, "B", 1)
            for condition in decision["conditions"]:
                line(f"- {condition}", 11, "", 1)
            pdf.ln(1)
        validity = record["validity"]
        line(
            _("Valid from %(start)s until %(end)s.")
            % {"start": _date(validity["from"]), "end": _date(validity["until"])}
        )
        if len(clusters) > 1:
            line(
                _("Also accredited by: %(clusters)s.")
                % {"clusters": ", ".join(c["name"] for c in clusters[1:])}
            )
        line(_("Consortium"), 12, "B", 1)
        roles = dict(ParticipantRole.choices)
        for org in record["consortium"]:
            ids = ", ".join(f"{k.upper()} {v}" for k, v in org["identifiers"].items())
            role = str(roles.get(org["role"], org["role"]))
            line(f"- {org['name']} ({role}){' - ' + ids if ids else ''}", 10, "", 1)
        pdf.ln(4)
        if pdf.get_y() + 45 > pdf.h - pdf.b_margin:  # a large consortium: the code on a new page
            pdf.add_page()
        top = pdf.get_y()
        _qr(pdf, record["verification_url"], pdf.l_margin, top, 40)
        pdf.set_xy(pdf.l_margin + 45, top)
        pdf.set_font(family, "", 10)
        pdf.multi_cell(
            width - 45,
            5,
            pdf_text(
                _(
                    "This letter summarises a signed attestation. Scan the code or open the "
                    "address below to check that it is valid and has not been revoked:"
                )
            ),
            new_x="LEFT",
            new_y="NEXT",
        )
        pdf.set_font(family, "", 8)
        pdf.multi_cell(
            width - 45, 4, pdf_text(record["verification_url"]), new_x="LEFT", new_y="NEXT"
        )
        pdf.multi_cell(
            width - 45,
            4,
            pdf_text(
                _("Attestation %(id)s, signed with key %(kid)s.")
                % {"id": record["id"], "kid": attestation.kid}
            ),
        )
        return bytes(pdf.output())
