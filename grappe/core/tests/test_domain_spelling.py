"""Typo tolerance (pure): which words may be corrected, and towards what."""

from __future__ import annotations

from grappe.core.domain.spelling import (
    candidate_lengths,
    corrections,
    typos_allowed,
    vocabulary_words,
)

VOCABULARY = ["energie", "energies", "energetique", "systemes", "systeme", "hydrogene", "ecole"]


def test_short_words_and_numbers_are_never_corrected() -> None:
    assert typos_allowed("cnrs") == 0 and corrections("cnrx", ["cnrs"]) == []
    assert typos_allowed("75011") == 0
    assert typos_allowed("energi") == 1 and typos_allowed("hydrogenes") == 2


def test_a_missing_a_swapped_or_a_wrong_letter_is_corrected_nearest_first() -> None:
    assert corrections("enrgie", VOCABULARY)[0] == "energie"
    assert corrections("enegrie", VOCABULARY) == ["energie"]  # one transposition
    assert corrections("sytemes", VOCABULARY) == ["systemes"]  # "systeme" is 2 edits away
    assert corrections("hydrogenne", VOCABULARY) == ["hydrogene"]


def test_a_word_too_far_from_every_candidate_gets_nothing() -> None:
    assert corrections("batterie", VOCABULARY) == []
    assert corrections("energie", ["energie"]) == []  # already right: nothing to offer


def test_ties_are_broken_alphabetically() -> None:
    assert corrections("sante", ["santa", "santo", "sant"]) == ["sant", "santa", "santo"]


def test_the_vocabulary_keeps_letter_words_of_5_to_40_letters() -> None:
    assert vocabulary_words("|cnrs|centre national de la recherche| 75011 abc2def") == {
        "centre",
        "national",
        "recherche",
    }


def test_candidate_lengths_follow_the_allowance() -> None:
    assert candidate_lengths("energi") == (5, 7)
    assert candidate_lengths("hydrogenne") == (8, 12)
