"""A deterministic synthetic ecosystem for the demo: organisations, ownership, memberships, projects.

Pure Python (no Django, no ORM): `build_ecosystem()` returns plain dataclasses that
`grappe.demo.loader` turns into rows. Everything is drawn from one `random.Random(seed)` in
a fixed order, so the same seed always gives the same names, identifiers and figures.

Every organisation and project is fictional. Identifiers are *valid* (SIREN and SIRET pass Luhn,
VAT numbers are derived the way each country derives them, ROR ids carry their checksum) but
they are made up: a demo SIREN may by chance exist in the SIRENE register.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum import luhn
from stdnum.iso7064 import mod_11_10

from grappe.demo.clusters import CLUSTERS, COMPETITIVENESS, ClusterData
from grappe.demo.vocabulary import (
    ACRONYM_ROOTS,
    ACRONYM_TAILS,
    ARRONDISSEMENT_WEIGHTS,
    BRAND_STEMS,
    BRAND_SUFFIXES,
    COMPETITIVENESS_WEIGHTS,
    EU_CITIES,
    FIELDS_FR,
    FRANCE_CITIES,
    FRENCH_STREETS,
    GOALS,
    IDF_CITIES,
    IT_PROVINCE,
    LAB_TYPES,
    NETWORK_WEIGHTS,
    PARIS_STREETS,
    PLACES,
    SME_TAILS,
    TITLE_PARTS,
    TITLE_VERBS,
    french_de,
)
from grappe.projects.domain.vocabulary import CostCategory
from grappe.registry.domain.identifiers import (
    LA_POSTE_SIREN,
    french_vat_from_siren,
    ror_checksum,
)

SEED = 2026
# A fixed "today" keeps statuses deterministic whatever day the demo is loaded.
REFERENCE_DATE = dt.date(2026, 11, 1)
FIGURE_YEARS = (2023, 2024, 2025)
CENT = Decimal("0.01")

# Organisation kinds (values of `registry.models.OrganisationKind`).
START_UP = "start_up"
SME = "sme"
MID_CAP = "mid_cap"
LARGE = "large_company"
LAB = "research_lab"
HIGHER_ED = "higher_education"
PUBLIC_BODY = "public_body"
ASSOCIATION = "association"
INVESTOR = "investor"
OTHER = "other"
COMPANIES = (START_UP, SME, MID_CAP, LARGE)
KIND_LABELS = {
    START_UP: "start-up",
    SME: "SME",
    MID_CAP: "mid-cap company",
    LARGE: "large company",
    LAB: "research laboratory",
    HIGHER_ED: "higher-education institution",
    PUBLIC_BODY: "public body",
    ASSOCIATION: "association",
    INVESTOR: "investment fund",
    OTHER: "organisation",
}
RESEARCH = (LAB, HIGHER_ED)

KIND_COUNTS: tuple[tuple[str, int], ...] = (
    (START_UP, 90),
    (SME, 70),
    (MID_CAP, 20),
    (LARGE, 22),
    (LAB, 45),
    (HIGHER_ED, 18),
    (PUBLIC_BODY, 12),
    (ASSOCIATION, 15),
    (INVESTOR, 12),
    (OTHER, 16),
)
PROJECT_COUNT = 150
# Start years 2015..2026: more recent projects, as the platform fills up.
YEAR_WEIGHTS = (3, 4, 5, 5, 6, 7, 8, 10, 12, 14, 14, 12)

# Project statuses (values of `projects.models.ProjectStatus`).
DRAFT = "draft"
SUBMITTED = "submitted"
ACCREDITED = "accredited"
FUNDED = "funded"
COMPLETED = "completed"
NOT_ACCREDITED = "not_accredited"
WITH_ACCREDITATION = (ACCREDITED, FUNDED, COMPLETED)
WITH_GRANT = (FUNDED, COMPLETED)

COST_CATEGORIES = tuple(CostCategory)  # personnel first, overheads (the remainder) last

CITY_OF_PARIS = "city-of-paris"
BPIFRANCE = "bpifrance"
REGION_IDF = "region-ile-de-france"


# --------------------------------------------------------------------------- records


@dataclass
class OrgSpec:
    name: str
    short_name: str
    kind: str
    primary_cluster: str
    siren: str = ""
    siret: str = ""
    rnsr: str = ""
    ror: str = ""
    pic: str = ""
    vat: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FR"
    paris_arrondissement: int | None = None
    website: str = ""
    description: str = ""
    keywords: str = ""
    founded_on: dt.date | None = None
    is_jei: bool = False
    # (year, staff in AWU, turnover, balance sheet)
    figures: list[tuple[int, Decimal, Decimal, Decimal]] = field(default_factory=list)
    # (cluster slug, start, end or None)
    memberships: list[tuple[str, dt.date, dt.date | None]] = field(default_factory=list)

    @property
    def in_paris(self) -> bool:
        return self.paris_arrondissement is not None

    @property
    def in_ile_de_france(self) -> bool:
        return self.country == "FR" and self.postcode[:2] in {
            "75",
            "77",
            "78",
            "91",
            "92",
            "93",
            "94",
            "95",
        }


@dataclass
class OwnershipSpec:
    holder: int  # index into Ecosystem.organisations
    held: int
    holder_category: str
    capital_share: Decimal
    voting_share: Decimal
    dominant_influence: bool


@dataclass
class FundingSpec:
    funder: str  # funder slug
    requested: Decimal
    granted: Decimal | None
    decided_on: dt.date | None
    decision_reference: str = ""  # a City council deliberation, e.g. "2014 DDEEES 1103"
    funding_round: str = ""  # e.g. "FUI 18"


@dataclass
class ParticipationSpec:
    organisation: int
    role: str  # coordinator | partner
    # (cost category, research category, amount)
    budget: list[tuple[str, str, Decimal]] = field(default_factory=list)
    funding: list[FundingSpec] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _, _, amount in self.budget), Decimal("0"))


@dataclass
class ProjectSpec:
    acronym: str
    title: str
    summary: str
    keywords: str
    status: str
    start_date: dt.date
    duration_months: int
    trl_start: int
    trl_target: int
    lead_cluster: str
    participations: list[ParticipationSpec] = field(default_factory=list)
    # (cluster slug, is lead, accredited on); the lead comes first
    accreditations: list[tuple[str, bool, dt.date]] = field(default_factory=list)


@dataclass
class Ecosystem:
    organisations: list[OrgSpec]
    ownerships: list[OwnershipSpec]
    projects: list[ProjectSpec]

    @property
    def member_start_up(self) -> int:
        """The start-up coordinating the first (draft) project: the demo `member` login's."""
        first = self.projects[0]
        return next(p.organisation for p in first.participations if p.role == "coordinator")


# --------------------------------------------------------------------------- helpers


def _money(value: float | int) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def _round_to(value: float, step: int) -> Decimal:
    return Decimal(round(value / step) * step).quantize(CENT)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return dt.date(year, month % 12 + 1, min(day.day, 28))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class _Identifiers:
    """Draws unique, valid identifiers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: object) -> str:
        assert callable(make)
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return str(value)

    def siren(self) -> str:
        def make() -> str:
            body = f"{self.rng.randint(30_000_000, 99_999_999):08d}"
            value = body + luhn.calc_check_digit(body)
            return "" if value == LA_POSTE_SIREN else value

        value = ""
        while not value:
            value = self._unique(make)
        return value

    def head_office_siret(self, siren: str) -> str:
        nic4 = f"{self.rng.choice((1, 1, 1, 2, 3, 4, 5)):04d}"
        body = siren + nic4
        return body + luhn.calc_check_digit(body)

    def rnsr(self, founded: int) -> str:
        year = min(max(founded, 1990), 2024)
        return self._unique(
            lambda: (
                f"{year}{self.rng.randint(0, 99_999):05d}{self.rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
            )
        )

    def ror(self) -> str:
        alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

        def make() -> str:
            body = "0" + "".join(self.rng.choice(alphabet) for _ in range(6))
            return body + ror_checksum(body)

        return self._unique(make)

    def pic(self) -> str:
        return self._unique(lambda: f"9{self.rng.randint(0, 99_999_999):08d}")

    def foreign_vat(self, country: str, city: str) -> str:
        def make() -> str:
            if country == "DE":
                body = f"{self.rng.randint(10_000_000, 99_999_999)}"
                return f"DE{body}{mod_11_10.calc_check_digit(body)}"
            if country == "BE":
                number = self.rng.randint(2_000_000, 9_999_999)
                return f"BE0{number}{97 - number % 97:02d}"
            body = f"{self.rng.randint(1_000_000, 9_999_999)}{IT_PROVINCE[city]}"
            return f"IT{body}{luhn.calc_check_digit(body)}"

        return self._unique(make)


# --------------------------------------------------------------------------- organisations

# kind → (founded from, founded to, staff range, turnover per staff range, balance/turnover)
PROFILES: dict[
    str, tuple[int, int, tuple[float, float], tuple[float, float], tuple[float, float]]
] = {
    START_UP: (2015, 2024, (1, 25), (10_000, 120_000), (0.8, 3.0)),
    SME: (1985, 2016, (10, 240), (80_000, 180_000), (0.5, 1.2)),
    MID_CAP: (1960, 2008, (260, 4_500), (120_000, 300_000), (0.6, 1.5)),
    LARGE: (1880, 1995, (5_500, 90_000), (180_000, 450_000), (0.9, 2.0)),
    LAB: (1966, 2020, (25, 700), (60_000, 110_000), (0.2, 0.6)),
    HIGHER_ED: (1900, 2012, (300, 6_000), (70_000, 120_000), (0.5, 1.2)),
    PUBLIC_BODY: (1950, 2018, (15, 2_500), (70_000, 150_000), (0.5, 2.0)),
    ASSOCIATION: (1970, 2020, (1, 40), (40_000, 90_000), (0.2, 0.8)),
    INVESTOR: (1990, 2020, (4, 70), (200_000, 600_000), (8.0, 40.0)),
    OTHER: (1950, 2020, (3, 150), (50_000, 150_000), (0.3, 1.5)),
}


class _Namer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.brands: set[str] = set()

    def brand(self) -> str:
        while True:
            brand = self.rng.choice(BRAND_STEMS) + self.rng.choice(BRAND_SUFFIXES)
            if brand not in self.brands:
                self.brands.add(brand)
                return brand

    def unique(self, make: object) -> str:
        assert callable(make)
        while True:
            name = str(make())
            if name not in self.names:
                self.names.add(name)
                return name

    def name_for(self, kind: str, cluster: str) -> tuple[str, str]:
        rng = self.rng
        field_fr = rng.choice(FIELDS_FR[cluster])
        if kind == START_UP:
            brand = self.brand()
            return self.unique(lambda: brand), brand
        if kind == SME:
            brand = self.brand()
            return self.unique(lambda: f"{brand} {rng.choice(SME_TAILS)}"), brand
        if kind == MID_CAP:
            brand = self.brand()
            pattern = rng.choice(("Groupe {b}", "{b} Industries", "{b} & Associés"))
            return self.unique(lambda: pattern.format(b=brand)), brand
        if kind == LARGE:
            brand = self.brand().upper() if rng.random() < 0.3 else self.brand()
            pattern = rng.choice(("{b} Group", "Compagnie {b}", "{b} International", "{b} SA"))
            return self.unique(lambda: pattern.format(b=brand)), brand
        if kind == LAB:
            name = self.unique(
                lambda: (
                    f"{rng.choice(LAB_TYPES)} {rng.choice(FIELDS_FR[cluster])} "
                    f"{french_de(rng.choice(PLACES))}"
                )
            )
            initials = "".join(w[0] for w in name.replace("'", " ").split() if len(w) > 3)
            return name, initials.upper()[:8]
        if kind == HIGHER_ED:
            pattern = rng.choice(
                (
                    "Université {p}",
                    "École supérieure {f} {p}",
                    "Institut polytechnique {p}",
                    "École nationale {f} {p}",
                )
            )
            places: list[str] = []

            def make() -> str:
                places.append(rng.choice(PLACES))
                return pattern.format(p=french_de(places[-1]), f=field_fr)

            name = self.unique(make)
            initials = "".join(c for c in places[-1].upper() if c.isalpha())[:4]
            return name, f"U{initials}" if name.startswith("Université") else ""
        if kind == PUBLIC_BODY:
            pattern = rng.choice(
                (
                    "Agence {f} {p}",
                    "Établissement public d'aménagement {p}",
                    "Syndicat intercommunal {p}",
                    "Observatoire {f} {p}",
                )
            )
            return self.unique(
                lambda: pattern.format(p=french_de(rng.choice(PLACES)), f=field_fr)
            ), ""
        if kind == ASSOCIATION:
            pattern = rng.choice(
                ("Association {b}", "Collectif {b}", "Réseau {b}", "Fédération {b} {p}")
            )
            brand = self.brand()
            return self.unique(
                lambda: pattern.format(b=brand, p=french_de(rng.choice(PLACES)))
            ), brand
        if kind == INVESTOR:
            brand = self.brand()
            pattern = rng.choice(("{b} Ventures", "{b} Capital Partners", "{b} Innovation Fund"))
            return self.unique(lambda: pattern.format(b=brand)), brand
        brand = self.brand()
        pattern = rng.choice(("Fondation {b}", "{b} Coopérative", "GIE {b}", "{b} Studio"))
        return self.unique(lambda: pattern.format(b=brand)), brand


def _place(rng: random.Random, kind: str) -> tuple[str, str, str, str, int | None]:
    """(address, postcode, city, country, arrondissement)."""
    if kind in (PUBLIC_BODY, ASSOCIATION):
        weights = (70, 30, 0, 0)
    elif kind in (LARGE, MID_CAP):
        weights = (40, 35, 15, 10)
    elif kind in RESEARCH:
        weights = (45, 35, 12, 8)
    else:
        weights = (50, 30, 12, 8)
    where = rng.choices(("paris", "idf", "france", "eu"), weights=weights)[0]
    number = rng.randint(1, 180)
    if where == "paris":
        arr = rng.choices(range(1, 21), weights=ARRONDISSEMENT_WEIGHTS)[0]
        street = rng.choice(PARIS_STREETS[arr])
        return f"{number} {street}", f"750{arr:02d}", "Paris", "FR", arr
    if where == "idf":
        city, postcode = rng.choice(IDF_CITIES)
        return f"{number} {rng.choice(FRENCH_STREETS)}", postcode, city, "FR", None
    if where == "france":
        city, postcode = rng.choice(FRANCE_CITIES)
        return f"{number} {rng.choice(FRENCH_STREETS)}", postcode, city, "FR", None
    country, city, postcode, street = rng.choice(EU_CITIES)
    return f"{street} {number}", postcode, city, country, None


def _figures(
    rng: random.Random, kind: str, founded: dt.date
) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    _, _, staff_range, per_head, balance_ratio = PROFILES[kind]
    lo, hi = staff_range
    # Log-uniform: most organisations sit at the small end of their class.
    staff = lo * (hi / lo) ** rng.random()
    per_staff = rng.uniform(*per_head)
    ratio = rng.uniform(*balance_ratio)
    growth = rng.uniform(0.15, 0.6) if kind == START_UP else rng.uniform(-0.05, 0.12)
    rows = []
    for year in FIGURE_YEARS:
        if year < founded.year:
            continue
        turnover = staff * per_staff
        if kind == START_UP and year == founded.year:
            turnover *= 0.3
        rows.append(
            (
                year,
                Decimal(str(round(staff * 2) / 2)).quantize(CENT),
                _round_to(turnover, 1_000),
                _round_to(turnover * ratio, 1_000),
            )
        )
        staff = max(lo, staff * (1 + growth * rng.uniform(0.5, 1.2)))
    return rows


def _organisations(rng: random.Random) -> list[OrgSpec]:
    namer = _Namer(rng)
    ids = _Identifiers(rng)
    keywords_by_cluster = {c.slug: c.keywords for c in CLUSTERS}
    orgs: list[OrgSpec] = []
    for kind, count in KIND_COUNTS:
        for _ in range(count):
            networks_allowed = kind in (START_UP, SME, ASSOCIATION, OTHER)
            weights = dict(COMPETITIVENESS_WEIGHTS)
            if networks_allowed:
                weights.update(NETWORK_WEIGHTS)
            cluster = _weighted(rng, weights)
            name, short = namer.name_for(kind, cluster)
            address, postcode, city, country, arr = _place(rng, kind)
            first, last = PROFILES[kind][:2]
            founded = dt.date(rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28))
            org = OrgSpec(
                name=name,
                short_name=short,
                kind=kind,
                primary_cluster=cluster,
                address=address,
                postcode=postcode,
                city=city,
                country=country,
                paris_arrondissement=arr,
                founded_on=founded,
            )
            _give_identifiers(rng, ids, org)
            kws = rng.sample(
                keywords_by_cluster[cluster], k=min(4, len(keywords_by_cluster[cluster]))
            )
            if rng.random() < 0.3:
                other = rng.choice(CLUSTERS).keywords
                extra = rng.choice(other)
                if extra not in kws:
                    kws.append(extra)
            org.keywords = ", ".join(kws[: rng.randint(3, len(kws))])
            age = REFERENCE_DATE.year - founded.year
            org.is_jei = kind in (START_UP, SME) and age < 8 and rng.random() < 0.6
            org.website = (
                f"https://{short.lower()}.example.org"
                if short and short.isalnum() and kind not in RESEARCH
                else ""
            )
            org.description = (
                f"Fictional {KIND_LABELS[kind]} generated for the Grappe demo; "
                f"works on {', '.join(kws[:2])}."
            )
            org.figures = _figures(rng, kind, founded)
            org.memberships = _memberships(rng, org)
            orgs.append(org)
    return orgs


def _give_identifiers(rng: random.Random, ids: _Identifiers, org: OrgSpec) -> None:
    kind = org.kind
    french = org.country == "FR"
    pic_chance = {LARGE: 1.0, MID_CAP: 0.6, SME: 0.3, START_UP: 0.15, LAB: 0.6, HIGHER_ED: 1.0}
    if french and kind != LAB:
        org.siren = ids.siren()
        org.siret = ids.head_office_siret(org.siren)
        if kind in (*COMPANIES, INVESTOR, HIGHER_ED) or (kind == OTHER and rng.random() < 0.5):
            org.vat = french_vat_from_siren(org.siren)
    elif not french and kind in (*COMPANIES, INVESTOR, OTHER):
        org.vat = ids.foreign_vat(org.country, org.city)
    assert org.founded_on is not None
    if kind == LAB and french:
        org.rnsr = ids.rnsr(org.founded_on.year)
    if kind in RESEARCH and (kind == HIGHER_ED or rng.random() < 0.75):
        org.ror = ids.ror()
    if rng.random() < pic_chance.get(kind, 0.0):
        org.pic = ids.pic()


RELATED_NETWORKS: dict[str, tuple[str, ...]] = {
    "cap-digital": ("capital-games", "silicon-sentier", "mila", "paris-mix"),
    "systematic": ("silicon-sentier",),
    "finance-innovation": ("silicon-sentier",),
    "advancity": ("durapole",),
    "moveo": ("durapole",),
}


def _memberships(rng: random.Random, org: OrgSpec) -> list[tuple[str, dt.date, dt.date | None]]:
    if org.kind == INVESTOR and rng.random() < 0.5:
        return []
    assert org.founded_on is not None
    earliest = max(org.founded_on, dt.date(2006, 1, 1))
    clusters = [org.primary_cluster]
    if rng.random() < 0.3:
        second = _weighted(rng, COMPETITIVENESS_WEIGHTS)
        if second not in clusters:
            clusters.append(second)
    # Sector networks recruit among the members of the related competitiveness cluster.
    networks = RELATED_NETWORKS.get(org.primary_cluster, ())
    if networks and org.kind in (START_UP, SME, ASSOCIATION, OTHER) and rng.random() < 0.4:
        network = rng.choice(networks)
        if network not in clusters:
            clusters.append(network)
    rows = []
    for slug in clusters:
        start = _date_between(rng, earliest, dt.date(2025, 9, 30))
        end = None
        if rng.random() < 0.08:
            end = min(_add_months(start, rng.randint(12, 72)), dt.date(2026, 6, 30))
        rows.append((slug, start, end))
    return rows


# --------------------------------------------------------------------------- ownership


def _ownerships(rng: random.Random, orgs: list[OrgSpec]) -> list[OwnershipSpec]:
    def indices(kind: str, french: bool = False) -> list[int]:
        return [
            i for i, o in enumerate(orgs) if o.kind == kind and (o.country == "FR" or not french)
        ]

    links: list[OwnershipSpec] = []
    held_once: set[int] = set()
    groups = indices(LARGE)
    subsidiaries = rng.sample(indices(SME, True) + indices(MID_CAP, True), k=12)
    for held in subsidiaries:
        share = Decimal(rng.choice((51, 60, 66, 75, 80, 100))).quantize(CENT)
        links.append(OwnershipSpec(rng.choice(groups), held, "enterprise", share, share, True))
        held_once.add(held)
    start_ups = [i for i in indices(START_UP) if i not in held_once]
    investors = indices(INVESTOR)
    vc_funds, angels = investors[:-1], investors[-1]
    # The last investor is a business-angel network (renamed here so that its name says so).
    orgs[angels].name = f"{orgs[angels].short_name} Business Angels"
    orgs[angels].description = (
        "Fictional business-angel network generated for the Grappe demo; invests in young "
        "Parisian start-ups."
    )
    backed = rng.sample(start_ups, k=30)
    for n, held in enumerate(backed[:24]):
        share = _money(rng.uniform(25, 40))
        links.append(
            OwnershipSpec(vc_funds[n % len(vc_funds)], held, "venture_capital", share, share, False)
        )
    for held in backed[24:28]:
        share = _money(rng.uniform(5, 20))
        links.append(OwnershipSpec(angels, held, "business_angel", share, share, False))
    universities = indices(HIGHER_ED, True)
    for held in backed[28:]:  # university spin-offs
        share = _money(rng.uniform(5, 15))
        links.append(
            OwnershipSpec(rng.choice(universities), held, "university", share, share, False)
        )
    return links


# --------------------------------------------------------------------------- projects

BUDGET_RANGE = {
    LARGE: (300_000, 1_500_000),
    MID_CAP: (200_000, 1_200_000),
    SME: (100_000, 800_000),
    START_UP: (50_000, 500_000),
    LAB: (150_000, 1_000_000),
    HIGHER_ED: (100_000, 700_000),
    PUBLIC_BODY: (50_000, 300_000),
    ASSOCIATION: (50_000, 200_000),
    OTHER: (50_000, 300_000),
}
AID_RATE = {
    START_UP: 0.45,
    SME: 0.45,
    MID_CAP: 0.35,
    LARGE: 0.25,
    LAB: 0.40,
    HIGHER_ED: 0.40,
    PUBLIC_BODY: 0.30,
    ASSOCIATION: 0.40,
    OTHER: 0.30,
}


def _budget(
    rng: random.Random, kind: str, research_mix: tuple[str, ...]
) -> list[tuple[str, str, Decimal]]:
    lo, hi = BUDGET_RANGE[kind]
    total = lo * (hi / lo) ** rng.random()
    categories: tuple[str, ...]
    if kind in RESEARCH:
        categories = ("fundamental", "industrial") if rng.random() < 0.4 else ("industrial",)
    else:
        categories = research_mix
    shares = [rng.uniform(0.3, 0.7) for _ in categories]
    shares[-1] = 1 - sum(shares[:-1])
    lines: list[tuple[str, str, Decimal]] = []
    for research, share in zip(categories, shares, strict=True):
        amount = total * share
        cost_split = {
            CostCategory.PERSONNEL: rng.uniform(0.5, 0.65),
            CostCategory.INSTRUMENTS: rng.uniform(0.05, 0.15) if rng.random() < 0.7 else 0.0,
            CostCategory.BUILDINGS: rng.uniform(0.02, 0.04) if rng.random() < 0.05 else 0.0,
            CostCategory.CONTRACTUAL: rng.uniform(0.03, 0.12) if rng.random() < 0.5 else 0.0,
        }
        rest = amount
        for cost in COST_CATEGORIES[:-1]:
            if cost_split[cost]:
                value = _round_to(amount * cost_split[cost], 100)
                lines.append((cost, research, value))
                rest -= float(value)
        lines.append((CostCategory.OVERHEADS, research, _round_to(rest, 100)))
    return lines


def _funding(
    rng: random.Random, org: OrgSpec, total: Decimal, status: str, accredited_on: dt.date
) -> list[FundingSpec]:
    if org.country != "FR" or org.kind not in AID_RATE:
        return []
    funders: list[str] = []
    if org.in_paris and org.kind in (START_UP, SME, LAB, HIGHER_ED):
        funders.append(CITY_OF_PARIS)
    if org.kind in COMPANIES and (org.kind in (LARGE, MID_CAP) or rng.random() < 0.6):
        funders.append(BPIFRANCE)
    if org.in_ile_de_france and (not funders or rng.random() < 0.35):
        funders.append(REGION_IDF)
    if not funders:
        return []
    requested_total = float(total) * AID_RATE[org.kind] * rng.uniform(0.85, 1.0)
    shares = [rng.uniform(0.3, 0.7) for _ in funders]
    norm = sum(shares)
    rows = []
    decided = _add_months(accredited_on, rng.randint(2, 5))
    for funder, share in zip(funders, shares, strict=True):
        requested = _round_to(requested_total * share / norm, 100)
        granted: Decimal | None = None
        decided_on: dt.date | None = None
        if status in WITH_GRANT:
            granted = _round_to(float(requested) * rng.choice((0.75, 0.8, 0.9, 1.0, 1.0)), 100)
            decided_on = decided
        rows.append(FundingSpec(funder, requested, granted, decided_on))
    return rows


def _status_for(rng: random.Random, start: dt.date, end: dt.date) -> str:
    if start >= dt.date(2025, 6, 1):
        return rng.choices(
            (DRAFT, SUBMITTED, ACCREDITED, FUNDED, NOT_ACCREDITED), weights=(30, 25, 20, 15, 10)
        )[0]
    roll = rng.random()
    if roll < 0.12:
        return NOT_ACCREDITED
    if roll < 0.2:
        return ACCREDITED
    return COMPLETED if end < REFERENCE_DATE else FUNDED


def _founded_before(org: OrgSpec, day: dt.date) -> bool:
    return org.founded_on is None or org.founded_on < day


def _acronym(rng: random.Random, lead: str, taken: set[str]) -> str:
    """A project acronym from the lead cluster's roots, not yet taken (then taken)."""
    root = rng.choice(ACRONYM_ROOTS[lead])
    acronym = root + rng.choice(ACRONYM_TAILS)
    while acronym in taken:
        acronym = f"{root}{rng.choice(ACRONYM_TAILS)}-{rng.randint(2, 9)}"
    taken.add(acronym)
    return acronym


def _subject(rng: random.Random, lead: str) -> tuple[str, str]:
    """A technology and an application of the lead cluster's field, for a project's title."""
    techs, applications = TITLE_PARTS[lead]
    return rng.choice(techs), rng.choice(applications)


def _projects(rng: random.Random, orgs: list[OrgSpec]) -> list[ProjectSpec]:
    by_slug: dict[str, ClusterData] = {c.slug: c for c in CLUSTERS}
    competitiveness = [c.slug for c in CLUSTERS if c.kind == COMPETITIVENESS]
    participating = [i for i, o in enumerate(orgs) if o.kind != INVESTOR]
    members: dict[str, list[int]] = {slug: [] for slug in competitiveness}
    for i in participating:
        for slug, _, _ in orgs[i].memberships:
            if slug in members and i not in members[slug]:
                members[slug].append(i)
    acronyms: set[str] = set()
    projects: list[ProjectSpec] = []
    for n in range(PROJECT_COUNT):
        lead = "cap-digital" if n == 0 else _weighted(rng, COMPETITIVENESS_WEIGHTS)
        if n == 0:
            start = dt.date(2026, 9, 1)
        else:
            year = rng.choices(range(2015, 2027), weights=YEAR_WEIGHTS)[0]
            start = dt.date(year, rng.choice((1, 3, 4, 6, 9, 10, 11)), 1)
        duration = rng.choice((24, 30, 36, 36, 42, 48))
        end = _add_months(start, duration)
        status = DRAFT if n == 0 else _status_for(rng, start, end)

        # Consortium: members of the lead cluster first, others to fill the gaps.
        size = rng.choices(range(3, 9), weights=(15, 25, 25, 15, 12, 8))[0]
        pool = [i for i in members[lead] if _founded_before(orgs[i], start)]
        if len(pool) < 12:
            pool = [i for i in participating if _founded_before(orgs[i], start)]
        companies = [i for i in pool if orgs[i].kind in COMPANIES]
        research = [i for i in pool if orgs[i].kind in RESEARCH]
        others = [i for i in pool if orgs[i].kind not in COMPANIES + RESEARCH]
        if n == 0:
            coordinator = next(
                i for i in companies if orgs[i].kind == START_UP and orgs[i].in_paris
            )
        elif rng.random() < 0.82:
            coordinator = rng.choice(companies)
        else:
            coordinator = rng.choice(research)
        chosen = [coordinator]
        if coordinator not in research and rng.random() < 0.9:
            chosen.append(rng.choice([i for i in research if i not in chosen]))
        while len(chosen) < size:
            source = rng.choices((companies, research, others), weights=(65, 25, 10))[0]
            candidates = [i for i in source if i not in chosen]
            if not candidates:
                candidates = [
                    i for i in participating if i not in chosen and _founded_before(orgs[i], start)
                ]
            chosen.append(rng.choice(candidates))

        acronym = _acronym(rng, lead, acronyms)
        tech, application = _subject(rng, lead)
        title = f"{rng.choice(TITLE_VERBS)} {tech} for {application}"
        cluster = by_slug[lead]
        keywords = rng.sample(cluster.keywords, k=rng.randint(3, 5))
        summary = (
            f"{acronym} brings together {len(chosen)} partners to {rng.choice(GOALS)}, "
            f"applying {tech} to {application}. Fictional project generated for the Grappe demo."
        )
        trl_start = rng.randint(2, 5)
        mixes: tuple[tuple[str, ...], ...] = (
            ("industrial",),
            ("industrial", "experimental"),
            ("experimental",),
        )
        research_mix = rng.choice(mixes)
        if research_mix == ("experimental",):
            trl_start = max(trl_start, 4)
        project = ProjectSpec(
            acronym=acronym,
            title=title,
            summary=summary,
            keywords=", ".join(keywords),
            status=status,
            start_date=start,
            duration_months=duration,
            trl_start=trl_start,
            trl_target=min(9, trl_start + rng.randint(2, 4)),
            lead_cluster=lead,
        )
        accredited_on = _add_months(start, -rng.randint(3, 8))
        if status in WITH_ACCREDITATION:
            project.accreditations.append((lead, True, accredited_on))
            if rng.random() < 0.3:
                second = rng.choice([c for c in competitiveness if c != lead])
                project.accreditations.append(
                    (second, False, accredited_on + dt.timedelta(days=rng.randint(0, 30)))
                )
        for position, index in enumerate(chosen):
            part = ParticipationSpec(
                organisation=index, role="coordinator" if position == 0 else "partner"
            )
            part.budget = _budget(rng, orgs[index].kind, research_mix)
            if status in WITH_ACCREDITATION:
                part.funding = _funding(rng, orgs[index], part.total, status, accredited_on)
            project.participations.append(part)
        projects.append(project)
    return projects


# The City of Paris programme before the platform: projects accredited and co-funded from 2006
# (the first FUI round) to 2014, drawn from their own random stream so that the projects above
# stay as they are. The City's total since 2006 is what the demo home page then computes.
HISTORY_YEARS = range(2006, 2015)
HISTORY_PROJECTS_PER_YEAR = (6, 9)
# Conseil de Paris sessions (months) where the City votes its grants to cluster projects.
COUNCIL_MONTHS = (2, 3, 5, 6, 7, 10, 11, 12)


def fui_round(day: dt.date) -> str:
    """The FUI round of a decision: two rounds a year from FUI 1 in 2006 (FUI 18 in 2014)."""
    return f"FUI {2 * (day.year - 2006) + (1 if day.month <= 6 else 2)}"


def _city_history(rng: random.Random, orgs: list[OrgSpec], taken: set[str]) -> list[ProjectSpec]:
    by_slug: dict[str, ClusterData] = {c.slug: c for c in CLUSTERS}
    participating = [i for i, o in enumerate(orgs) if o.kind != INVESTOR]
    projects: list[ProjectSpec] = []
    for year in HISTORY_YEARS:
        for _ in range(rng.randint(*HISTORY_PROJECTS_PER_YEAR)):
            decided = dt.date(year, rng.choice(COUNCIL_MONTHS), rng.randint(8, 22))
            accredited_on = _add_months(decided, -rng.randint(2, 4))
            start = _add_months(decided.replace(day=1), rng.randint(1, 4))
            pool = [i for i in participating if _founded_before(orgs[i], accredited_on)]
            city_eligible = [
                i
                for i in pool
                if orgs[i].in_paris and orgs[i].kind in (START_UP, SME, LAB, HIGHER_ED)
            ]
            companies = [i for i in pool if orgs[i].kind in COMPANIES]
            research = [i for i in pool if orgs[i].kind in RESEARCH]
            if not city_eligible or not companies or not research:
                continue
            paris = rng.choice(city_eligible)
            chosen = [paris] if orgs[paris].kind in COMPANIES else [rng.choice(companies), paris]
            if not any(i in research for i in chosen):
                chosen.append(rng.choice([i for i in research if i not in chosen]))
            while len(chosen) < rng.randint(3, 6):
                candidates = [i for i in companies + research if i not in chosen]
                chosen.append(rng.choice(candidates))
            lead = _weighted(rng, COMPETITIVENESS_WEIGHTS)
            acronym = _acronym(rng, lead, taken)
            tech, application = _subject(rng, lead)
            duration = rng.choice((24, 30, 36, 36, 42))
            project = ProjectSpec(
                acronym=acronym,
                title=f"{rng.choice(TITLE_VERBS)} {tech} for {application}",
                summary=(
                    f"{acronym} brought together {len(chosen)} partners to "
                    f"{rng.choice(GOALS)}, applying {tech} to {application}. Fictional project "
                    f"of the City of Paris programme ({fui_round(decided)}), generated for the "
                    "Grappe demo."
                ),
                keywords=", ".join(rng.sample(by_slug[lead].keywords, k=3)),
                status=COMPLETED,
                start_date=start,
                duration_months=duration,
                trl_start=rng.randint(2, 4),
                trl_target=rng.randint(5, 7),
                lead_cluster=lead,
                accreditations=[(lead, True, accredited_on)],
            )
            mix = rng.choice((("industrial",), ("industrial", "experimental")))
            for position, index in enumerate(chosen):
                part = ParticipationSpec(
                    organisation=index, role="coordinator" if position == 0 else "partner"
                )
                part.budget = _budget(rng, orgs[index].kind, mix)
                part.funding = _funding(rng, orgs[index], part.total, COMPLETED, accredited_on)
                for line in part.funding:
                    line.decided_on = decided
                project.participations.append(part)
            projects.append(project)
    return projects


def _decision_references(projects: list[ProjectSpec]) -> None:
    """Number the City's deliberations per year ("2014 DDEEES 1103") and name each decision's
    round, in project order (no randomness: the generated amounts stay as they are)."""
    numbers: dict[int, int] = {}
    for project in sorted(projects, key=lambda p: (p.start_date, p.acronym)):
        for part in project.participations:
            for line in part.funding:
                if line.decided_on is None:
                    continue
                line.funding_round = fui_round(line.decided_on)
                if line.funder == CITY_OF_PARIS:
                    year = line.decided_on.year
                    numbers[year] = numbers.get(year, 1000 + (year * 37) % 200) + 1
                    line.decision_reference = f"{year} DDEEES {numbers[year]}"


def build_ecosystem(seed: int = SEED) -> Ecosystem:
    """The whole synthetic ecosystem, identical for identical seeds: the platform's projects
    (2015 on), then the City of Paris programme's earlier history (2006-2014)."""
    rng = random.Random(seed)
    organisations = _organisations(rng)
    ownerships = _ownerships(rng, organisations)
    projects = _projects(rng, organisations)
    history = _city_history(
        random.Random(seed + 2006), organisations, {p.acronym for p in projects}
    )
    projects += history
    _decision_references(projects)
    return Ecosystem(organisations, ownerships, projects)
