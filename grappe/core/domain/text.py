"""Text folding for search: one function for the documents and for the queries, so that both
databases (and Python) agree on what "the same word" is.

`search_fold("L'Énergie — SYSTÈMES (CNRS)")` → `"l energie systemes cnrs"`: casefolded, accents
and other marks removed (NFKD), apostrophes, dashes and every other punctuation folded to one
space. Letters of other scripts stay (casefolded).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Anything that is not a letter or a digit (after folding) separates words.
_SEPARATORS = re.compile(r"[\W_]+")
# `œ`, `æ`, `ß` have no NFKD decomposition but are spelt out in French and German text.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


@lru_cache(maxsize=65_536)
def search_fold(value: str) -> str:
    """Casefold, strip accents, fold punctuation to single spaces, trim."""
    text = value.casefold().translate(_LIGATURES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", text).split())


def compact(value: str) -> str:
    """An identifier without spaces, dots, dashes or case: `"FR 12 345 678 901"` →
    `"fr12345678901"`, `"552 100 554"` → `"552100554"`."""
    return search_fold(value).replace(" ", "")


def search_words(value: str) -> list[str]:
    """The folded words of a query or a document."""
    return search_fold(value).split()


# French elisions that sources lost the apostrophe of: `lénergie`, `dInformation`, `quil`.
_GLUED_ELISION = re.compile(r"^(?:l|d|qu)([aeiouyh][a-z0-9]{3,})$")


def unglued(words: list[str]) -> list[str]:
    """The words hidden behind a lost apostrophe (`lenergie` → `energie`,
    `dinformation` → `information`), for a document to be found by them too."""
    found = []
    for word in words:
        match = _GLUED_ELISION.match(word)
        if match:
            found.append(match.group(1))
    return found
