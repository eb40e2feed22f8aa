"""Where an organisation is: a French postcode and city folded into the postcode, "in Paris"
and the arrondissement (pure rules; the registry services apply them to every write).

- `75001`…`75020` is the arrondissement; `75116` is the 16th (its second postcode);
- a CEDEX postcode (`75700`…`75999`, or any postcode with a city `PARIS CEDEX 15`) gives the
  arrondissement when the city names it (`PARIS CEDEX 15` → 75015, arrondissement 15);
- a city `Paris`, `PARIS 11`, `Paris 11e`, `Paris 1er`, `PARIS 08` is Paris (with the
  arrondissement when given); `Paris-La Défense`, `Paris-Saclay` are not;
- spaces in a postcode are dropped (`75 011` → `75011`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grappe.core.domain.text import search_fold

_DISTRICT = re.compile(r"^(\d{1,2})(?:e|er|eme|ieme|em)?$")


@dataclass(frozen=True)
class Place:
    postcode: str
    in_paris: bool
    arrondissement: int | None


def _district(words: list[str]) -> int | None:
    """The arrondissement named after `paris` / `cedex`: `11`, `11e`, `1er`, `08`."""
    for word in words:
        match = _DISTRICT.match(word)
        if match and 1 <= int(match.group(1)) <= 20:
            return int(match.group(1))
    return None


def paris_place(postcode: str, city: str, country: str = "FR") -> Place:
    """The folded postcode and the Paris location of an address."""
    code = "".join(postcode.split())
    if country and country.upper() != "FR":
        return Place(postcode=code, in_paris=False, arrondissement=None)
    words = search_fold(city).split()
    city_is_paris = bool(words) and words[0] == "paris"
    rest = words[1:] if city_is_paris else []
    if rest and rest[0] not in {"cedex"} and not _DISTRICT.match(rest[0]):
        city_is_paris = False  # Paris-La Défense, Paris-Saclay: another town
        rest = []
    district = _district([w for w in rest if w != "cedex"]) if city_is_paris else None
    if code.isdigit() and len(code) == 5:
        if not code.startswith("75"):
            return Place(postcode=code, in_paris=False, arrondissement=None)
        number = int(code[2:])
        if 1 <= number <= 20:
            return Place(postcode=code, in_paris=True, arrondissement=number)
        if code == "75116":
            return Place(postcode=code, in_paris=True, arrondissement=16)
        # A CEDEX or other special Paris code: the city may name the arrondissement.
        if district is not None:
            return Place(postcode=f"750{district:02d}", in_paris=True, arrondissement=district)
        return Place(postcode=code, in_paris=city_is_paris or not words, arrondissement=None)
    if city_is_paris:
        if district is not None and not code:
            return Place(postcode=f"750{district:02d}", in_paris=True, arrondissement=district)
        return Place(postcode=code, in_paris=True, arrondissement=district if not code else None)
    return Place(postcode=code, in_paris=False, arrondissement=None)


def place_search_forms(postcode: str, city: str, arrondissement: int | None) -> list[str]:
    """What a search for the place may type: the postcode, `paris 11e`, `paris 11`, `75011`."""
    forms = [city, postcode]
    if arrondissement is not None:
        n = arrondissement
        suffix = "er" if n == 1 else "e"
        forms += [f"paris {n}{suffix}", f"paris {n}", f"750{n:02d}", f"{n}{suffix}"]
    return [f for f in forms if f]
