"""Identifier checks, with the numbers tested in FUNDING-RULES.md §5."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from grappe.registry.domain.identifiers import (
    InvalidIdentifier,
    check_pic,
    check_rnsr,
    check_ror,
    check_siren,
    check_siret,
    check_vat,
    french_vat_from_siren,
    ror_checksum,
)


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("732829320", id="§5.1 row 1"),
        pytest.param("356000000", id="§5.1 La Poste SIREN passes Luhn"),
        pytest.param("552081317", id="§5.1 row 6"),
        pytest.param("732 829 320", id="spaces are ignored"),
    ],
)
def test_it_accepts_valid_sirens(number: str) -> None:
    assert check_siren(number) == number.replace(" ", "")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("732829321", "Luhn"),
        ("73282932", "9 digits"),
        ("7328293200", "9 digits"),
        ("73282932A", "9 digits"),
    ],
)
def test_it_refuses_invalid_sirens_saying_why(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        check_siren(number)


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("73282932000074", id="§5.1 Luhn"),
        pytest.param("35600000000048", id="§5.1 La Poste head office passes Luhn"),
        pytest.param("35600000049837", id="§5.1 La Poste: fails Luhn, digit sum divisible by 5"),
        pytest.param("55208131766522", id="§5.1 row 7"),
    ],
)
def test_it_accepts_valid_sirets_including_la_poste(number: str) -> None:
    assert check_siret(number) == number


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("73282932000075", "Luhn"),
        ("35600000049838", "Luhn"),  # La Poste prefix, but the digit sum is not a multiple of 5
        ("7328293200007", "14 digits"),
        ("MONACOCONFO001", "14 digits"),
    ],
)
def test_it_refuses_invalid_sirets(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        check_siret(number)


@pytest.mark.parametrize("ror", ["03yrm5c26", "01k4yrm29", "https://ror.org/03yrm5c26"])
def test_it_accepts_valid_ror_ids(ror: str) -> None:
    assert check_ror(ror) == ror.rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("ror", "reason"),
    [("01k4yrm30", "checksum"), ("11k4yrm29", "starts with 0"), ("0ik4yrm29", "characters")],
)
def test_it_refuses_invalid_ror_ids(ror: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        check_ror(ror)


@given(st.integers(min_value=0, max_value=32**6 - 1))
def test_every_generated_ror_id_passes_its_own_check(n: int) -> None:
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    body = "0" + "".join(alphabet[(n >> (5 * i)) & 31] for i in reversed(range(6)))
    assert check_ror(body + ror_checksum(body)) == body + ror_checksum(body)


def test_rnsr_is_nine_digits_and_a_letter() -> None:
    assert check_rnsr("200612345a") == "200612345A"
    with pytest.raises(InvalidIdentifier, match="9 digits followed by one letter"):
        check_rnsr("20061234A")


def test_pic_is_nine_digits() -> None:
    assert check_pic("999 999 997") == "999999997"
    with pytest.raises(InvalidIdentifier, match="9 digits"):
        check_pic("99999999")


@given(st.integers(min_value=10_000_000, max_value=99_999_999))
def test_the_vat_number_derived_from_a_siren_is_valid(n: int) -> None:
    siren = str(n) + luhn.calc_check_digit(str(n))
    assert check_vat(french_vat_from_siren(siren)) == french_vat_from_siren(siren)


def test_vat_needs_a_country_prefix_and_a_valid_key() -> None:
    assert check_vat("FR 44 732829320") == "FR44732829320"
    with pytest.raises(InvalidIdentifier, match="country code"):
        check_vat("44732829320")
    with pytest.raises(InvalidIdentifier, match="format or check"):
        check_vat("FR45732829320")
