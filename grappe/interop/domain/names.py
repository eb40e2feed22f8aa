"""Name normalisation for identity resolution, and source vocabularies mapped to Grappe's.

Pure Python: no Django. The organisation kinds are the string values of
`grappe.registry.models.OrganisationKind`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from grappe.core.domain.text import strip_marks
from grappe.interop.domain.countries import ANR_ALIASES, country_names

# Legal forms dropped from names before comparing them (as whole words, after punctuation is
# removed, so "S.A." and "e.V." become "s a" / "e v" and are caught by the two-word forms).
LEGAL_FORMS = frozenset(
    {
        "sa",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sci",
        "snc",
        "scop",
        "sca",
        "gie",
        "gmbh",
        "ag",
        "kg",
        "ug",
        "ev",
        "ltd",
        "limited",
        "plc",
        "llc",
        "llp",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "bv",
        "nv",
        "vzw",
        "asbl",
        "spa",
        "srl",
        "sl",
        "slu",
        "ab",
        "as",
        "asa",
        "oy",
        "oyj",
        "aps",
        "sp",
        "zoo",
        "kft",
        "doo",
        "ohg",
        "mbh",
    }
)
_TWO_WORD_FORMS = {("s", "a"), ("e", "v"), ("b", "v"), ("n", "v"), ("s", "l"), ("a", "g")}
# French elided articles and pronouns (`l'`, `d'`, `qu'`) before a vowel or a mute h.
_ELISIONS = frozenset({"l", "d", "qu"})
_VOWELS = frozenset("aeiouyh")
_APOSTROPHES = "'’`´ʼ"
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DROP = str.maketrans("", "", _APOSTROPHES + "\ufffd")


def fold(value: str) -> str:
    """Casefold and strip accents; drop apostrophes (sources lose them: `lEnvironnement`)."""
    text = value.casefold()
    if text.isascii():  # most names: nothing to decompose
        return text.replace("'", "").replace("`", "")
    return strip_marks(unicodedata.normalize("NFKD", text)).translate(_DROP)


_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")


def _undot(text: str) -> str:
    """Dotted initials are one word: `s.a.s.` → `sas`, `e.v.` → `ev`."""
    return _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)


@lru_cache(maxsize=262_144)
def normalise_name(value: str) -> str:
    """The comparison key of an organisation name.

    `"Laboratoire des Sciences du Climat et de l'Environnement (LSCE) SAS"` and
    `"LABORATOIRE DES SCIENCES DU CLIMAT ET DE LENVIRONNEMENT LSCE"` give the same key.
    """
    words = _NON_WORD.sub(" ", _undot(fold(value))).split()
    kept: list[str] = []
    i = 0
    while i < len(words):
        if words[i] in _ELISIONS and i + 1 < len(words) and words[i + 1][0] in _VOWELS:
            # `L ENERGIE` (apostrophe turned into a space) joins `lénergie` / `l'énergie`
            # (apostrophe dropped): the elided article sticks to its word in every spelling.
            words[i + 1] = words[i] + words[i + 1]
            i += 1
            continue
        if i + 1 < len(words) and (words[i], words[i + 1]) in _TWO_WORD_FORMS:
            i += 2
            continue
        if words[i] not in LEGAL_FORMS or len(words) == 1:
            kept.append(words[i])
        i += 1
    return " ".join(kept) or " ".join(words)


# Values sources put in the name column when there is no organisation to name.
_PLACEHOLDERS = frozenset(
    {
        "aucuneaide",
        "aucune aide",
        "0 aide",
        "0aide",
        "non renseigne",
        "non renseignee",
        "nc",
        "na",
        "n a",
        "neant",
        "inconnu",
        "unknown",
        "none",
        "null",
        "nan",
        "xxx",
    }
)


@lru_cache(maxsize=262_144)
def is_placeholder(value: str) -> bool:
    """True when a name column holds no organisation: empty, a lone number, a dash, or one of
    the sources' fillers (`AucuneAide`, `0 Aide`, `Non renseigné`, `N/A`)."""
    words = _NON_WORD.sub(" ", fold(value)).split()
    text = " ".join(words)
    return not text or text.replace(" ", "").isdigit() or text in _PLACEHOLDERS


def significant_words(norm: str) -> list[str]:
    """The words of a normalised name that tell organisations apart (not articles or `de`)."""
    return [w for w in norm.split() if len(w) > 2 and w not in _STOPWORDS]


_STOPWORDS = frozenset({"les", "des", "aux", "and", "the", "for", "und", "der", "die", "von"})


def looks_like_siren(value: str) -> bool:
    """Nine digits passing the Luhn check: a SIREN (e.g. put in an RNSR column by mistake)."""
    digits = value.strip().replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char) * (2 if index % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


@lru_cache(maxsize=262_144)
def normalise_city(value: str) -> str:
    """Cities compare without case, accents, punctuation or a trailing CEDEX / district number."""
    words = _NON_WORD.sub(" ", fold(value)).split()
    while words and (words[-1] == "cedex" or words[-1].isdigit()):
        words.pop()
    return " ".join(words)


@lru_cache(maxsize=262_144)
def country_key(value: str) -> str:
    """Country names compare like names, but an apostrophe separates words (d'Irlande)."""
    for apostrophe in _APOSTROPHES:
        value = value.replace(apostrophe, " ")
    return " ".join(_NON_WORD.sub(" ", fold(value)).split())


# CORDIS uses EU codes where ISO 3166 differs.
_CORDIS_COUNTRY = {"UK": "GB", "EL": "GR"}


def cordis_country(code: str) -> str:
    """ISO 3166-1 alpha-2 from a CORDIS country code (`UK` → `GB`, `EL` → `GR`)."""
    code = code.strip().upper()
    return _CORDIS_COUNTRY.get(code, code)


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Normalised country name (English or French, ISO 3166-1 via pycountry, plus ANR's own
    spellings) → alpha-2 code."""
    codes: dict[str, str] = {}
    for name, code in country_names():
        codes.setdefault(country_key(name), code)
    for key, code in ANR_ALIASES.items():
        codes.setdefault(key, code)
    return codes


def country_from_name(name: str) -> str | None:
    """ISO code of a country written out in French or English; None when unknown."""
    if not name.strip():
        return None
    return _country_codes().get(country_key(name))


# CORDIS activityType → organisation kind. PRC (private for-profit) depends on the SME flag.
CORDIS_ACTIVITY = {
    "REC": "research_lab",
    "HES": "higher_education",
    "PUB": "public_body",
    "OTH": "other",
}


def cordis_kind(activity_type: str, sme: bool | None, funding_scheme: str = "") -> str:
    """Organisation kind from CORDIS `activityType` and `SME`.

    A private company (PRC) is an SME when CORDIS says so, or — when the flag is missing — when
    it takes part in the SME instrument (funding schemes `SME-1`, `SME-2`), which only SMEs may
    join; otherwise a company of unknown size: "not an SME" (`SME = false`) does not say large,
    and no flag says nothing.
    """
    code = activity_type.strip().upper()
    if code == "PRC":
        if sme is True or (sme is None and funding_scheme.upper().startswith("SME-")):
            return "sme"
        return "company"
    return CORDIS_ACTIVITY.get(code, "other")


# ANR `Categorie_organisme` → (organisation kind, declared size class).
ANR_CATEGORIES: dict[str, tuple[str, str]] = {
    "laboratoire public": ("research_lab", ""),
    "organisme de recherche": ("research_lab", ""),
    "fondation de recherche": ("research_lab", ""),
    "divers public": ("public_body", ""),
    "fr public": ("public_body", ""),
    "pme": ("sme", "sme"),
    "tpe": ("sme", "micro"),
    # "A company other than a TPE or PME": larger than an SME as ANR declares it, but an ETI
    # as well as a large company; the declared size says it, the kind does not guess.
    "entreprise autre que tpe ou pme": ("company", "large"),
    "association": ("association", ""),
    "divers prive": ("other", ""),
    "fr prive": ("other", ""),
    "etranger": ("other", ""),
    "": ("other", ""),
}


def anr_kind(category: str) -> tuple[str, str] | None:
    """(kind, size class) for an ANR partner category; None for a category we do not know."""
    return ANR_CATEGORIES.get(country_key(category))


# CORDIS participation roles (H2020 and Horizon Europe spellings) → Grappe roles.
CORDIS_ROLES = {
    "coordinator": "coordinator",
    "participant": "partner",
    "beneficiary": "partner",
    "partner": "associated_partner",
    "associatedpartner": "associated_partner",
    "internationalpartner": "associated_partner",
    "thirdparty": "third_party",
}


def cordis_role(value: str) -> str | None:
    return CORDIS_ROLES.get(value.strip().replace(" ", "").replace("_", "").lower())


# CORDIS project status → Grappe project status.
CORDIS_STATUS = {
    "SIGNED": "funded",
    "SUSPENDED": "funded",
    "CLOSED": "completed",
    "TERMINATED": "completed",
}
