"""Pure functions: name normalisation, vocabularies, value parsers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from grappe.interop.domain import names
from grappe.interop.domain.readers import (
    FileProblem,
    RowProblem,
    parse_date,
    parse_money,
    read_rows,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Laboratoire des Sciences du Climat et de l'Environnement",
            "LABORATOIRE DES SCIENCES DU CLIMAT ET DE LENVIRONNEMENT",
        ),
        ("ACME Robotics SAS", "Acme robotics"),
        ("Siemens AG", "SIEMENS"),
        ("Max Planck Gesellschaft e.V.", "MAX PLANCK GESELLSCHAFT EV"),
        ("Thales S.A.", "THALES"),
        ("Université Paris-Saclay", "UNIVERSITE PARIS SACLAY"),
        ("Wellcome Trust Ltd", "THE WELLCOME TRUST LTD".replace("THE ", "")),
    ],
)
def test_names_that_differ_only_by_case_accents_punctuation_or_legal_form_normalise_alike(
    a: str, b: str
) -> None:
    assert names.normalise_name(a) == names.normalise_name(b)


def test_a_name_made_only_of_a_legal_form_is_kept() -> None:
    assert names.normalise_name("SA") == "sa"


@pytest.mark.parametrize(
    ("activity", "sme", "scheme", "kind"),
    [
        ("PRC", True, "", "sme"),
        ("PRC", False, "", "company"),
        ("PRC", None, "SME-1", "sme"),
        ("PRC", None, "RIA", "company"),
        ("REC", None, "", "research_lab"),
        ("HES", None, "", "higher_education"),
        ("PUB", None, "", "public_body"),
        ("OTH", None, "", "other"),
        ("", None, "", "other"),
    ],
)
def test_cordis_activity_types_map_to_organisation_kinds(
    activity: str, sme: bool | None, scheme: str, kind: str
) -> None:
    assert names.cordis_kind(activity, sme, scheme) == kind


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Laboratoire public", ("research_lab", "")),
        ("PME", ("sme", "sme")),
        ("TPE", ("sme", "micro")),
        ("Entreprise autre que TPE ou PME", ("company", "large")),
        ("Fondation de recherche", ("research_lab", "")),
        ("Association", ("association", "")),
        ("Divers public", ("public_body", "")),
        ("Divers privé", ("other", "")),
        ("Licorne", None),
    ],
)
def test_anr_categories_map_to_kinds_and_size_classes(
    category: str, expected: tuple[str, str] | None
) -> None:
    assert names.anr_kind(category) == expected


def test_countries_from_cordis_codes_and_french_names() -> None:
    assert names.cordis_country("UK") == "GB"
    assert names.cordis_country("EL") == "GR"
    assert names.country_from_name("Royaume-Uni de Grande-Bretagne et d'Irlande du Nord") == "GB"
    assert names.country_from_name("États-Unis d'Amérique") == "US"
    assert names.country_from_name("Allemagne") == "DE"
    assert names.country_from_name("Atlantis") is None


def test_money_is_decimal_and_never_negative() -> None:
    assert parse_money("856961937.57", "totalCost") == Decimal("856961937.57")
    assert parse_money("12,5", "totalCost") == Decimal("12.5")
    assert parse_money("", "totalCost") is None
    with pytest.raises(RowProblem, match=r"totalCost: -5\.00 is negative"):
        parse_money("-5.00", "totalCost")
    with pytest.raises(RowProblem, match="totalCost"):
        parse_money("1e5", "totalCost")


def test_impossible_dates_are_refused() -> None:
    with pytest.raises(RowProblem, match="startDate: '2016-02-30' is not a real calendar date"):
        parse_date("2016-02-30", "startDate")
    with pytest.raises(RowProblem, match="yyyy-mm-dd"):
        parse_date("30/01/2016", "startDate")


def test_the_header_is_checked_before_any_row() -> None:
    stream = io.StringIO("a,b,c\n1,2,3\n")
    with pytest.raises(FileProblem, match=r"separated by comma \(,\), expected semicolon"):
        read_rows(stream, label="x.csv", delimiter=";", columns={"a": ("a",)}, required=("a",))
    stream = io.StringIO("a;b\n1;2\n")
    with pytest.raises(FileProblem, match=r"required column.*: c"):
        read_rows(stream, label="x.csv", delimiter=";", columns={"c": ("c",)}, required=("c",))


def test_quoted_separators_and_line_numbers() -> None:
    stream = io.StringIO('a;b\n"x;y";"multi\nline"\n1;2;3\n4;5\n')
    rows = list(
        read_rows(
            stream, label="x", delimiter=";", columns={"a": ("a",), "b": ("b",)}, required=("a",)
        )
    )
    assert rows[0].values == {"a": "x;y", "b": "multi\nline"}
    assert rows[0].line == 2
    assert rows[1].line == 4 and "expected 2 fields, found 3" in str(rows[1].error)
    assert rows[2].line == 5 and rows[2].values["a"] == "4"


# --- identity: elisions, legal forms, placeholders, SIRENs ------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the apostrophe kept, dropped by the source, or turned into a space
        ("Commissariat à l'énergie atomique", "COMMISSARIAT A L ENERGIE ATOMIQUE"),
        ("Commissariat à lénergie atomique", "Commissariat à l’énergie atomique"),
        ("Centre d'études nucléaires", "CENTRE D ETUDES NUCLEAIRES"),
        ("Ecole Normale Supérieure de l'Hôtel", "ECOLE NORMALE SUPERIEURE DE L HOTEL"),
        # the legal form before or after the name, with or without dots
        ("SA VERMON", "VERMON SA"),
        ("S.A.S. Exemple", "EXEMPLE SAS"),
        ("Siemens GmbH", "GMBH SIEMENS"),
        # case and accents
        ("SYSTÈMES ÉNERGÉTIQUES", "systemes energetiques"),
        ("École Polytechnique", "ECOLE POLYTECHNIQUE"),
    ],
)
def test_elisions_legal_form_position_accents_and_case_normalise_alike(a: str, b: str) -> None:
    assert names.normalise_name(a) == names.normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("L Oréal", "Oréal"),  # an elided article is kept (glued), never dropped
        ("Laboratoire Ampère", "Laboratoire Ampère Lyon"),
        ("D Systems", "Systems"),
    ],
)
def test_names_that_differ_by_a_word_stay_apart(a: str, b: str) -> None:
    assert names.normalise_name(a) != names.normalise_name(b)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AucuneAide", True),
        ("0 Aide", True),
        ("Non renseigné", True),
        ("N/A", True),
        ("", True),
        ("   ", True),
        ("-", True),
        ("12345", True),
        ("3M", False),
        ("Aide et Action", False),
        ("CNRS", False),
    ],
)
def test_placeholders_are_recognised(value: str, expected: bool) -> None:
    assert names.is_placeholder(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("302717327", True),  # found in the RNSR column of the real ANR file
        ("493 902 662", True),
        ("302717328", False),  # Luhn check fails
        ("200611689J", False),  # an RNSR
        ("30271732", False),
    ],
)
def test_a_siren_is_recognised(value: str, expected: bool) -> None:
    assert names.looks_like_siren(value) is expected


def test_a_row_with_a_control_character_is_an_error_naming_the_column() -> None:
    # Issue 13 (8): NUL cannot be stored by PostgreSQL, no name holds a control character;
    # TAB, LF and CR (quoted multi-line fields) are kept.
    stream = io.StringIO('a;b\nok;"multi\r\nline\tx"\nbad\x00;y\nz;\x1b[31m\n')
    rows = list(
        read_rows(
            stream, label="x", delimiter=";", columns={"a": ("a",), "b": ("b",)}, required=("a",)
        )
    )
    assert rows[0].values == {"a": "ok", "b": "multi\r\nline\tx"}
    assert str(rows[1].error) == "a: contains a control character (U+0000)"
    assert str(rows[2].error) == "b: contains a control character (U+001B)"
    assert rows[1].values == {} and rows[0].error is None
    assert rows[1].raw == "bad\ufffd;y"  # what a rejected row stores


def test_country_names_come_from_iso_3166_with_anr_spellings_as_aliases() -> None:
    from grappe.interop.domain.countries import ANR_ALIASES, is_country_code
    from grappe.interop.domain.names import country_from_name

    assert country_from_name("Royaume-Uni") == "GB"
    assert country_from_name("ÉTATS-UNIS") == "US"
    assert country_from_name("Côte d'Ivoire") == "CI"
    assert country_from_name("Corée, République de") == "KR"
    assert country_from_name("Atlantis") is None
    assert all(country_from_name(alias) == code for alias, code in ANR_ALIASES.items())
    assert len(ANR_ALIASES) < 20  # a small alias list, not a second table
    assert is_country_code("FR") and is_country_code("XK") and not is_country_code("ZZ")
