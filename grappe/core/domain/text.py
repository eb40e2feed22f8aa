"""Text rules shared by every input and by search (pure, no Django).

Control characters in text: what every input refuses (pure, no Django).

NUL breaks PostgreSQL (a text value cannot hold it) and no name, search or reason legitimately
holds any C0 or C1 control character, nor DEL. Multi-line text (a description, a reason typed
in a text area, a JSON document) may hold TAB, LF and CR; nothing else.

Text folding for search: one function for the documents and for the queries, so that both
databases (and Python) agree on what "the same word" is.

`search_fold("L'Énergie — SYSTÈMES (CNRS)")` → `"l energie systemes cnrs"`: casefolded, accents
and other marks removed (NFKD), apostrophes, dashes and every other punctuation folded to one
space. Letters of other scripts stay (casefolded).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def first_control(value: str, *, multiline: bool = False) -> str | None:
    """The first control character `value` may not hold, as "U+0000"; None when clean."""
    found = (CONTROL_MULTILINE if multiline else CONTROL).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (keys and values of mappings, items of lists), without
    recursion (a deeply nested document cannot exhaust the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)


def first_control_in(value: Any, *, multiline: bool = False) -> str | None:
    """`first_control` over every string in `value` (a string, list or mapping)."""
    for text in strings_in(value):
        found = first_control(text, multiline=multiline)
        if found is not None:
            return found
    return None


def printable(value: str) -> str:
    """`value` with each control character (TAB, LF, CR kept) replaced by U+FFFD, for showing
    or storing what was refused (a rejected spreadsheet row)."""
    return CONTROL_MULTILINE.sub(REPLACEMENT, value)


# Anything that is not a letter or a digit (after folding) separates words.
_SEPARATORS = re.compile(r"[\W_]+")
# `œ`, `æ`, `ß` have no NFKD decomposition but are spelt out in French and German text.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


# Every combining mark of the Basic Multilingual Plane, deleted by one `str.translate` (a
# Python test per character costs more than the rest of the folding); the rarer marks beyond
# it are taken out one by one (`strip_marks`).
_MARKS = dict.fromkeys(cp for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp)))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def strip_marks(text: str) -> str:
    """`text` without its combining characters (the accents NFKD set apart)."""
    text = text.translate(_MARKS)
    if _ASTRAL.search(text) is not None:
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def fold_text(value: str) -> str:
    """`search_fold` without its cache, for text folded once (a row's whole document): caching
    it would only push out the names that are folded again and again."""
    text = value.casefold()
    if not text.isascii():  # ligatures and accents are not ASCII
        text = strip_marks(unicodedata.normalize("NFKD", text.translate(_LIGATURES)))
    # every run of separators (whitespace included) is one space: only the ends to trim
    return _SEPARATORS.sub(" ", text).strip(" ")


@lru_cache(maxsize=65_536)
def search_fold(value: str) -> str:
    """Casefold, strip accents, fold punctuation to single spaces, trim."""
    return fold_text(value)


def compact(value: str) -> str:
    """An identifier without spaces, dots, dashes or case: `"FR 12 345 678 901"` →
    `"fr12345678901"`, `"552 100 554"` → `"552100554"`."""
    if value.isascii() and value.isalnum():  # most stored identifiers: nothing to fold
        return value.lower()
    return search_fold(value).replace(" ", "")


def search_words(value: str) -> list[str]:
    """The folded words of a query or a document."""
    return search_fold(value).split()


# French elisions that sources lost the apostrophe of: `lénergie`, `dInformation`, `quil`.
_GLUED_ELISION = re.compile(r"^(?:l|d|qu)([aeiouyh][a-z0-9]{3,})$")
_GLUE_FIRST = frozenset("ldq")


# The same, over folded text (words between single spaces): one search instead of a test per word.
_GLUED_IN_TEXT = re.compile(r"(?<![^ ])(?:l|d|qu)([aeiouyh][a-z0-9]{3,})(?![^ ])")


def unglued_in(folded: str) -> list[str]:
    """`unglued(folded.split())`, in the same order, for text `search_fold` returned."""
    return _GLUED_IN_TEXT.findall(folded)


def unglued(words: list[str]) -> list[str]:
    """The words hidden behind a lost apostrophe (`lenergie` → `energie`,
    `dinformation` → `information`), for a document to be found by them too."""
    found = []
    for word in words:
        if word[:1] not in _GLUE_FIRST or len(word) < 5:
            continue  # what the pattern cannot match, skipped without running it
        match = _GLUED_ELISION.match(word)
        if match:
            found.append(match.group(1))
    return found
