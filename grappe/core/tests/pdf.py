"""Reading back the PDFs Grappe writes, as a reader would."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of every page, as a PDF reader extracts it (through the embedded fonts' Unicode
    maps, so "Łódź" reads back as written)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
