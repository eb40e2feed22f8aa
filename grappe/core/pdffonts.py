"""Unicode fonts for the PDFs written with fpdf2: Source Sans Pro, regular and bold, embedded
(subset to the glyphs used) so that any viewer shows the names as written — "Łódź", "Œuvre",
"€", Greek and Cyrillic partner names — where the PDF core fonts (Helvetica, Courier) hold
Latin-1 only.

The font files come from the `font-source-sans-pro` package (Adobe's Source Sans Pro, SIL Open
Font License 1.1: embedding in documents is allowed; its licence file ships in the package).
A character the font has no glyph for (Chinese, emoji...) is written "?", never dropped
silently.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fontTools.ttLib import TTFont
from fpdf import FPDF

FAMILY = "GrappeSans"
_PACKAGE = "font_source_sans_pro"
_FILES = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Bold.ttf"}
_KEPT = frozenset("\n")


def font_path(style: str = "") -> str:
    """The TTF file of the regular (`""`) or bold (`"B"`) face."""
    return str(files(_PACKAGE) / "files" / _FILES[style])


@cache
def _covered() -> frozenset[int]:
    """The code points every face has a glyph for."""
    maps = [TTFont(font_path(style), lazy=True).getBestCmap() for style in _FILES]
    return frozenset(set.intersection(*(set(m) for m in maps)))


def pdf_text(text: str) -> str:
    """`text` with every character the fonts cannot draw replaced by "?"."""
    covered = _covered()
    return "".join(c if ord(c) in covered or c in _KEPT else "?" for c in text)


def add_unicode_fonts(pdf: FPDF) -> str:
    """Register the fonts on `pdf` (regular and bold) and return their family name."""
    for style in _FILES:
        pdf.add_font(FAMILY, style, font_path(style))
    return FAMILY
