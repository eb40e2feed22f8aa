"""Typo tolerance for search: the words of an index closest to a mistyped query word.

Pure: the caller gives the candidate words (from the index's vocabulary, `core.SearchWord`) and
checks that a corrected query finds something the user may see. Distances are the optimal
string alignment distance (Levenshtein with adjacent transpositions: `enrgie`, `enegrie` →
`energie`), computed by rapidfuzz (C++, maintained; replaces a hand-written loop).
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import OSA

# Shorter words are left alone: one letter changed in "cea" or "inra" is another word.
MIN_LENGTH = 5
MAX_VOCABULARY_WORD = 40


def typos_allowed(word: str) -> int:
    """How many edits a word of this length may carry: none under 5 letters, 1 up to 8,
    2 beyond."""
    if len(word) < MIN_LENGTH or not word.isalpha():
        return 0
    return 1 if len(word) <= 8 else 2


def vocabulary_words(text: str) -> set[str]:
    """The words of folded index text worth correcting towards (letters only, 5 to 40 long)."""
    return vocabulary_of(set(text.replace("|", " ").split()))


def vocabulary_of(words: set[str]) -> set[str]:
    """`vocabulary_words` of words already split, each once."""
    return {w for w in words if MIN_LENGTH <= len(w) <= MAX_VOCABULARY_WORD and w.isalpha()}


def corrections(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates nearest to `word` within its allowance, nearest first, then in
    alphabetical order (deterministic); empty when the word may not be corrected."""
    allowed = typos_allowed(word)
    if not allowed:
        return []
    scored = []
    for candidate in set(candidates):
        if candidate == word:
            continue
        distance = OSA.distance(word, candidate, score_cutoff=allowed)
        if distance <= allowed:
            scored.append((distance, candidate))
    return [c for _d, c in sorted(scored)]


def candidate_lengths(word: str) -> tuple[int, int]:
    """The lengths a correction of `word` can have."""
    allowed = typos_allowed(word)
    return len(word) - allowed, len(word) + allowed
