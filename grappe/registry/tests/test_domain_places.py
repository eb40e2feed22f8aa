"""Pure rules: search folding and the Paris location of an address."""

from __future__ import annotations

import pytest

from grappe.core.domain.text import compact, search_fold, unglued
from grappe.core.search import SearchQuery
from grappe.registry.domain.places import Place, paris_place, place_search_forms


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("énergie", "energie"),
        ("ENERGIE", "energie"),
        ("École", "ecole"),
        ("SYSTÈMES", "systemes"),
        ("L'Énergie — Systèmes (CNRS)", "l energie systemes cnrs"),
        ("Œuvre d’art", "oeuvre d art"),
        ("  Paris-Saclay  ", "paris saclay"),
    ],
)
def test_search_fold_ignores_case_accents_and_punctuation(text, folded) -> None:
    assert search_fold(text) == folded


def test_words_behind_a_lost_apostrophe_are_found() -> None:
    assert unglued(["lenergie", "dinformation", "ladn", "lyon", "de", "denis"]) == [
        "energie",
        "information",
        "enis",
    ]


def test_identifiers_compact_without_spaces_dots_or_case() -> None:
    assert compact("552 100 554") == "552100554"
    assert compact("FR 12.552-100-554") == "fr12552100554"


def test_a_query_is_every_word_with_the_last_as_a_prefix_or_the_compact_form() -> None:
    query = SearchQuery.parse("552 100 554")
    assert query.fts5() == '("552" "100" "554"*) OR "552100554"'
    assert query.tsquery() == "('552' & '100' & '554':*) | '552100554'"
    assert SearchQuery.parse("Énergie").fts5() == '"energie"*'
    assert not SearchQuery.parse("'; --")  # nothing to search for


@pytest.mark.parametrize(
    ("postcode", "city", "country", "place"),
    [
        ("", "PARIS CEDEX 15", "FR", Place("75015", True, 15)),
        ("75015", "PARIS CEDEX 15", "FR", Place("75015", True, 15)),
        ("75700", "PARIS CEDEX 07", "FR", Place("75007", True, 7)),
        ("75 011", "Paris", "FR", Place("75011", True, 11)),
        ("75116", "Paris", "FR", Place("75116", True, 16)),
        ("", "Paris 11e", "FR", Place("75011", True, 11)),
        ("", "Paris 1er", "FR", Place("75001", True, 1)),
        ("", "PARIS 08", "FR", Place("75008", True, 8)),
        ("", "PARIS", "FR", Place("", True, None)),
        ("", "PARIS CEDEX", "FR", Place("", True, None)),
        ("", "PARIS LA DEFENSE CEDEX", "FR", Place("", False, None)),
        ("", "paris-la défense", "FR", Place("", False, None)),
        ("91190", "Paris-Saclay", "FR", Place("91190", False, None)),
        ("92100", "Boulogne-Billancourt", "FR", Place("92100", False, None)),
        ("75001", "Paris", "US", Place("75001", False, None)),  # Paris, Texas has no arrondissement
    ],
)
def test_the_paris_location_comes_from_the_postcode_and_the_city(
    postcode, city, country, place
) -> None:
    assert paris_place(postcode, city, country) == place


def test_an_arrondissement_is_searchable_as_people_write_it() -> None:
    forms = place_search_forms("75011", "Paris", 11)
    assert {"paris 11e", "paris 11", "75011"} <= set(forms)
    assert "paris 1er" in place_search_forms("75001", "Paris", 1)


def test_strip_marks_drops_exactly_the_combining_characters_of_every_plane() -> None:
    # the translation table covers the Basic Multilingual Plane; marks beyond it take the
    # character-by-character way: both must agree with unicodedata on every code point
    import unicodedata

    from grappe.core.domain.text import strip_marks

    points = [c for c in range(0x20, 0x110000) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(points), 4096):
        text = "".join(map(chr, points[start : start + 4096]))
        assert strip_marks(text) == "".join(c for c in text if not unicodedata.combining(c))


def test_the_vocabulary_of_documents_is_each_documents_words_together() -> None:
    from grappe.core.domain.spelling import vocabulary_words
    from grappe.core.search import Document, document_words

    docs = [
        Document(
            names="|ecole polytechnique|x|", document="palaiseau 91120 ecole", identifiers=" "
        ),
        Document(names="|", document="energie lenergie 12345 systemes", identifiers=" "),
        Document(names="|abcdefghij" * 5 + "|", document="", identifiers=" "),
    ]
    expected = set().union(
        *(vocabulary_words(d.names) | vocabulary_words(d.document) for d in docs)
    )
    assert document_words(docs) == expected
    assert "polytechnique" in expected and "lenergie" in expected and "12345" not in expected
