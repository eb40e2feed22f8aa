"""Word lists and places for the synthetic demo: fictional names that read as plausible.

Paris streets are real streets of the arrondissement given; organisation names are not real.
"""

from __future__ import annotations

BRAND_STEMS = (
    "Lumi", "Quant", "Nova", "Ciel", "Vert", "Flux", "Orbi", "Zeph", "Kairo", "Mira",
    "Sylv", "Astr", "Helio", "Neur", "Opti", "Pixel", "Sono", "Terra", "Urba", "Voxa",
    "Onda", "Xylo", "Yuma", "Zenit", "Aqua", "Brio", "Corte", "Dyna", "Eko", "Fabri",
    "Gaia", "Hexa", "Iris", "Juno", "Kine", "Loom", "Medi", "Numi", "Oxal", "Puls",
    "Rhea", "Sapi", "Tessa", "Ulys", "Vela", "Wiro", "Alto", "Bora", "Cala", "Deva",
    "Elio", "Fera", "Gala", "Hydra", "Ilio", "Jade", "Kora", "Lyra", "Mosa", "Nexo",
)  # fmt: skip
BRAND_SUFFIXES = (
    "ia", "ly", "io", "eo", "ix", "ora", "lab", "tech", "sense", "ware",
    "mind", "flow", "grid", "care", "bot", "nova", "scope", "line", "sys", "metrics",
)  # fmt: skip
SME_TAILS = (
    "Ingénierie", "Systèmes", "Solutions", "Technologies", "Conseil", "Industries",
    "Services", "Électronique", "Logiciels", "Instruments",
)  # fmt: skip
PLACES = (
    "Lutèce", "Bièvre", "Seine-Amont", "Marne-Vallée", "Montsouris", "Belleville",
    "Saint-Marcel", "Vincennes", "Orge", "Yvette", "Ourcq", "Saclay-Sud", "Val-de-Seine",
    "Bercy-Rive", "Plaine-Nord", "Chevreuse", "Morin", "Essonne-Est", "Clichy-Batignolles",
    "Grenelle",
)  # fmt: skip
LAB_TYPES = ("Laboratoire", "Institut", "Centre de recherche", "Unité mixte")
# French names of each cluster's research field, for labs and schools.
FIELDS_FR: dict[str, tuple[str, ...]] = {
    "advancity": ("de génie urbain", "de la ville durable", "des matériaux de construction",
                  "d'hydrologie urbaine"),
    "astech": ("de propulsion", "de mécanique des fluides", "des systèmes spatiaux",
               "d'avionique"),
    "cap-digital": ("d'informatique graphique", "d'interaction homme-machine",
                    "des sciences du numérique"),
    "finance-innovation": ("de finance quantitative", "d'économie des risques", "d'actuariat"),
    "medicen": ("d'imagerie médicale", "de biologie cellulaire", "de pharmacologie",
                "de génomique"),
    "moveo": ("de mécatronique", "d'énergétique des véhicules", "d'électrochimie",
              "de sécurité routière"),
    "systematic": ("des systèmes complexes", "d'informatique", "de télécommunications",
                   "de cybersécurité"),
    "capital-games": ("du jeu vidéo", "des arts numériques"),
    "durapole": ("de génie de l'environnement", "des énergies renouvelables"),
    "mila": ("de musicologie", "d'acoustique"),
    "paris-mix": ("d'ethnomusicologie", "d'acoustique"),
    "silicon-sentier": ("des sciences du numérique", "des données ouvertes"),
}  # fmt: skip


def french_de(place: str) -> str:
    """French 'de' before a place name, elided before a vowel sound."""
    return f"d'{place}" if place[0] in "AEIOUYÉÈ" else f"de {place}"


# Short phrases for project titles: (technology, application) per cluster.
TITLE_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "advancity": (
        ("low-cost urban sensors", "a city-scale digital twin", "bio-based concrete",
         "smart water meters", "excavated-soil reuse"),
        ("air-quality monitoring", "heat-wave resilience", "district heating networks",
         "low-carbon housing", "urban flood prevention"),
    ),
    "astech": (
        ("additive-manufactured injectors", "composite fuselage panels", "electric propulsion",
         "embedded health monitoring", "reusable launcher stages"),
        ("business jets", "small satellites", "space transportation", "cabin comfort",
         "predictive maintenance"),
    ),
    "cap-digital": (
        ("real-time 3D rendering", "multilingual language models", "adaptive learning engines",
         "volumetric video capture", "connected objects"),
        ("cultural heritage", "vocational training", "live entertainment", "newsrooms",
         "accessible video games"),
    ),
    "finance-innovation": (
        ("explainable credit scoring", "climate-risk models", "instant payment rails",
         "privacy-preserving analytics", "tokenised assets"),
        ("SME lending", "asset managers", "insurance pricing", "anti-money-laundering",
         "green bonds"),
    ),
    "medicen": (
        ("AI-assisted imaging", "point-of-care diagnostics", "circulating biomarkers",
         "gene therapy vectors", "remote patient monitoring"),
        ("early cancer detection", "rare diseases", "cardiology", "sepsis management",
         "elderly care"),
    ),
    "moveo": (
        ("solid-state batteries", "driver monitoring", "V2X communication",
         "hydrogen fuel cells", "lightweight mechatronic actuators"),
        ("urban buses", "shared mobility", "road safety", "last-mile delivery",
         "heavy trucks"),
    ),
    "systematic": (
        ("post-quantum cryptography", "edge computing", "open-source middleware",
         "5G private networks", "digital twins of critical systems"),
        ("rail signalling", "smart grids", "hospital information systems",
         "industrial cybersecurity", "defence logistics"),
    ),
}  # fmt: skip
TITLE_VERBS = (
    "Development of",
    "Demonstration of",
    "Industrialisation of",
    "An open platform for",
    "Large-scale trial of",
    "Design and validation of",
)
ACRONYM_ROOTS: dict[str, tuple[str, ...]] = {
    "advancity": ("URBA", "CITY", "SOL", "HYDRO", "BATI", "AIR"),
    "astech": ("AERO", "SPACE", "JET", "PROP", "ORBIT", "WING"),
    "cap-digital": ("PIXEL", "MEDIA", "LEARN", "VOLU", "GAME", "LINGUA"),
    "finance-innovation": ("FIN", "RISK", "PAY", "CLIMA", "LEND", "AUDIT"),
    "medicen": ("MEDI", "ONCO", "CARDIO", "GENE", "DIAG", "CARE"),
    "moveo": ("MOB", "DRIVE", "VOLT", "ROAD", "HYDRO", "FLEET"),
    "systematic": ("CYBER", "EDGE", "QUANT", "NET", "SYS", "OPEN"),
}
ACRONYM_TAILS = (
    "SENSE", "LINK", "NET", "TWIN", "OPT", "GRID", "FLOW", "SAFE", "MIND", "SCAN",
    "LAB", "PLUS", "AI", "BOX", "CORE", "HUB",
)  # fmt: skip
GOALS = (
    "bring a prototype from the laboratory to a pilot with real users",
    "build an open, interoperable platform and validate it on two sites",
    "develop and industrialise a new generation of components",
    "demonstrate the technology at scale with public and private end-users",
    "combine academic research and industrial know-how into a marketable product",
)

PARIS_STREETS: dict[int, tuple[str, ...]] = {
    1: ("rue de Rivoli", "rue Saint-Honoré", "rue du Louvre"),
    2: ("rue Réaumur", "rue du Sentier", "rue Vivienne"),
    3: ("rue de Turbigo", "rue de Bretagne", "rue Beaubourg"),
    4: ("rue de la Verrerie", "rue Saint-Antoine", "rue du Temple"),
    5: ("rue Mouffetard", "rue des Écoles", "rue Monge"),
    6: ("rue de Rennes", "rue d'Assas", "rue du Cherche-Midi"),
    7: ("rue de Grenelle", "rue du Bac", "avenue de Suffren"),
    8: ("boulevard Haussmann", "rue de la Boétie", "avenue des Champs-Élysées"),
    9: ("rue La Fayette", "rue de Châteaudun", "rue des Martyrs"),
    10: ("rue du Faubourg-Saint-Denis", "quai de Valmy", "rue de Paradis"),
    11: ("rue Oberkampf", "boulevard Voltaire", "rue de la Roquette"),
    12: ("avenue Daumesnil", "rue de Bercy", "boulevard Diderot"),
    13: ("avenue de France", "rue de Tolbiac", "boulevard Vincent-Auriol"),
    14: ("avenue du Maine", "rue d'Alésia", "rue Didot"),
    15: ("rue de la Convention", "rue Lecourbe", "rue du Commerce"),
    16: ("avenue Kléber", "rue de Passy", "avenue de Versailles"),
    17: ("rue de Lévis", "avenue de Clichy", "rue Cardinet"),
    18: ("rue Ordener", "rue Marcadet", "boulevard Ney"),
    19: ("avenue Jean-Jaurès", "rue de Crimée", "quai de la Loire"),
    20: ("rue des Pyrénées", "avenue Gambetta", "rue de Ménilmontant"),
}
# Where start-ups and SMEs cluster: the Sentier, the 11th, the 13th (Station F), etc.
ARRONDISSEMENT_WEIGHTS = (3, 6, 4, 2, 3, 3, 2, 8, 7, 7, 9, 5, 8, 4, 6, 3, 5, 4, 4, 3)
IDF_CITIES = (
    ("Boulogne-Billancourt", "92100"),
    ("Issy-les-Moulineaux", "92130"),
    ("Palaiseau", "91120"),
    ("Saint-Denis", "93200"),
    ("Montreuil", "93100"),
    ("Versailles", "78000"),
    ("Créteil", "94000"),
    ("Nanterre", "92000"),
    ("Massy", "91300"),
    ("Champs-sur-Marne", "77420"),
    ("Cergy", "95000"),
    ("Vélizy-Villacoublay", "78140"),
    ("Guyancourt", "78280"),
    ("Ivry-sur-Seine", "94200"),
    ("Gif-sur-Yvette", "91190"),
)
FRANCE_CITIES = (
    ("Lyon", "69002"),
    ("Toulouse", "31000"),
    ("Grenoble", "38000"),
    ("Rennes", "35000"),
    ("Nantes", "44000"),
    ("Lille", "59000"),
    ("Bordeaux", "33000"),
    ("Rouen", "76000"),
    ("Caen", "14000"),
    ("Valbonne", "06560"),
)
FRENCH_STREETS = (
    "rue de la République",
    "avenue du Général-Leclerc",
    "rue Jean-Jaurès",
    "boulevard Victor-Hugo",
    "rue de la Gare",
    "avenue de l'Europe",
    "rue Pasteur",
    "allée des Sciences",
)
EU_CITIES = (
    ("DE", "Berlin", "10115", "Invalidenstraße"),
    ("DE", "München", "80331", "Sendlinger Straße"),
    ("DE", "Stuttgart", "70173", "Königstraße"),
    ("BE", "Bruxelles", "1000", "Rue Royale"),
    ("BE", "Leuven", "3000", "Bondgenotenlaan"),
    ("IT", "Milano", "20121", "Via Brera"),
    ("IT", "Torino", "10121", "Via Roma"),
)
IT_PROVINCE = {"Milano": "015", "Torino": "001"}

# Cluster affinity of each kind of organisation (weights over cluster slugs).
COMPETITIVENESS_WEIGHTS = {
    "advancity": 10,
    "astech": 9,
    "cap-digital": 16,
    "finance-innovation": 8,
    "medicen": 14,
    "moveo": 11,
    "systematic": 16,
}
NETWORK_WEIGHTS = {
    "capital-games": 4,
    "durapole": 4,
    "mila": 2,
    "paris-mix": 2,
    "silicon-sentier": 5,
}
