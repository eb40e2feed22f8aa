"""Countries: ISO 3166-1 alpha-2 codes, and the English and French names that give them.

The names come from pycountry (ISO 3166-1 with the Debian iso-codes translations, kept up to
date by its maintainers) instead of a hand-written table; `ANR_ALIASES` keeps the few spellings
the ANR open data uses that ISO does not (keys normalised as `names.country_key` does).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from functools import lru_cache

import pycountry

# ANR spellings absent from ISO 3166-1 and its French translation; and Kosovo, which the
# European Commission's and the ANR's data code XK (a user-assigned code, not in ISO 3166-1).
ANR_ALIASES: dict[str, str] = {
    "congo republique democratique du": "CD",
    "cook iles": "CK",
    "kosovo": "XK",
    "macedoine": "MK",
    "norfolk ile": "NF",
    "russie": "RU",
    "saint kitts et nevis": "KN",
    "usa": "US",
    "vatican": "VA",
}
EXTRA_CODES = frozenset({"XK"})  # Kosovo


def country_names() -> Iterator[tuple[str, str]]:
    """Every English and French name of every ISO 3166-1 country (short, official and common
    names), with its alpha-2 code; not normalised."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                yield name, country.alpha_2
                yield french.gettext(name), country.alpha_2


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The alpha-2 codes a record may carry: ISO 3166-1's, and XK (Kosovo) as the sources
    use it."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | EXTRA_CODES


def is_country_code(code: str) -> bool:
    """Whether `code` (upper case) is an ISO 3166-1 alpha-2 code, or XK."""
    return code in country_codes()
