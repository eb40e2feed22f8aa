"""Editorial data for the 12 real clusters and hubs of Paris, and the real public funders.

Source: the City of Paris / Paris&Co page on competitiveness clusters
(`../shared/seeds/000_2a1ac13e266208a5.txt`), lightly edited; the French is written from the
English. Mov'eo is the cluster the text describes without naming ("deployed over three regions").
This is reference data, not demo data: it is loaded by `load_demo` but never wiped by `--reset`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Theme:
    en: str
    fr: str


@dataclass(frozen=True)
class ClusterData:
    slug: str
    kind: str  # a `registry.models.ClusterKind` value
    name: str
    short_name: str
    topic_en: str
    topic_fr: str
    description_en: str
    description_fr: str
    themes: tuple[Theme, ...]
    territory: str = ""
    website: str = ""
    # Competence keywords used by the synthetic generator to give members and projects a
    # plausible profile; not stored on the cluster.
    keywords: tuple[str, ...] = field(default=(), compare=False)


COMPETITIVENESS = "competitiveness_cluster"
NETWORK = "network"
ILE_DE_FRANCE = "Île-de-France"

CLUSTERS: tuple[ClusterData, ...] = (
    ClusterData(
        slug="advancity",
        kind=COMPETITIVENESS,
        name="Advancity",
        short_name="Advancity",
        topic_en="The sustainable city and urban eco-technologies",
        topic_fr="La ville durable et les éco-technologies urbaines",
        description_en=(
            "Advancity is the competitiveness cluster of the sustainable city and of urban "
            "eco-technologies. With its partners it pursues three targets of expertise at the "
            "heart of its strategy, all contributing to the renewal of large urban areas: the "
            "engineering, management and instrumentation of the city; the city's environmental "
            "efficiency, through the management and reuse of soil and subsoil, networks and "
            "infrastructure, sustainable construction, urban planning and transport; and the "
            "quality of the city and of its services, applied among other things to mobility, "
            "the urban environment and health."
        ),
        description_fr=(
            "Advancity est le pôle de compétitivité de la ville durable et des éco-technologies "
            "urbaines. Avec ses partenaires, il poursuit trois axes d'expertise au cœur de sa "
            "stratégie, qui contribuent tous au renouvellement des grandes aires urbaines : "
            "l'ingénierie, la gestion et l'instrumentation de la ville ; l'efficacité "
            "environnementale de la ville, par la gestion et la réutilisation du sol et du "
            "sous-sol, les réseaux et les infrastructures, la construction durable, l'urbanisme "
            "et les transports ; et la qualité de la ville et de ses services, appliquée "
            "notamment à la mobilité, à l'environnement urbain et à la santé."
        ),
        themes=(
            Theme(
                "Engineering, management and instrumentation of the city",
                "Ingénierie, gestion et instrumentation de la ville",
            ),
            Theme(
                "Environmental efficiency of the city",
                "Efficacité environnementale de la ville",
            ),
            Theme("City quality and urban services", "Qualité de la ville et services urbains"),
        ),
        territory=ILE_DE_FRANCE,
        keywords=(
            "smart city",
            "urban sensors",
            "building energy efficiency",
            "soil remediation",
            "water networks",
            "sustainable construction",
            "urban mobility",
            "air quality",
            "digital twin",
            "circular economy",
        ),
    ),
    ClusterData(
        slug="astech",
        kind=COMPETITIVENESS,
        name="ASTech Paris Région",
        short_name="ASTech",
        topic_en="Aerospace: space transportation, business aviation, propulsion and equipment",
        topic_fr=(
            "Aéronautique et spatial : transport spatial, aviation d'affaires, propulsion et "
            "équipements"
        ),
        description_en=(
            "France's largest labour pool in aerospace and embedded systems, this aerospace "
            "competitiveness cluster aims to consolidate, through innovation, the Paris region's "
            "position as European leader in space transportation, business aviation and "
            "propulsion and equipment."
        ),
        description_fr=(
            "Premier bassin d'emploi français dans l'aéronautique, le spatial et les systèmes "
            "embarqués, ce pôle de compétitivité aérospatial vise à consolider, par "
            "l'innovation, la position de leader européen de la région parisienne dans le "
            "transport spatial, l'aviation d'affaires, la propulsion et les équipements."
        ),
        themes=(
            Theme("Space transportation", "Transport spatial"),
            Theme("Business aviation", "Aviation d'affaires"),
            Theme("Propulsion and equipment", "Propulsion et équipements"),
        ),
        territory=ILE_DE_FRANCE,
        keywords=(
            "embedded systems",
            "propulsion",
            "launchers",
            "composite materials",
            "avionics",
            "additive manufacturing",
            "satellite systems",
            "aerodynamics",
            "predictive maintenance",
        ),
    ),
    ClusterData(
        slug="cap-digital",
        kind=COMPETITIVENESS,
        name="Cap Digital Paris Région",
        short_name="Cap Digital",
        topic_en="Digital content and services",
        topic_fr="Contenus et services numériques",
        description_en=(
            "Cap Digital brings together companies, research laboratories and training "
            "institutions working on the development of digital content and services. Its "
            "target markets are video games, education engineering and knowledge, images, 3D "
            "and computer-generated imagery, computer-aided design and communicating objects."
        ),
        description_fr=(
            "Cap Digital rassemble des entreprises, des laboratoires de recherche et des "
            "établissements de formation qui travaillent au développement des contenus et "
            "services numériques. Ses marchés cibles sont le jeu vidéo, l'ingénierie éducative "
            "et la connaissance, l'image, la 3D et les images de synthèse, la conception "
            "assistée par ordinateur et les objets communicants."
        ),
        themes=(
            Theme("Video games", "Jeu vidéo"),
            Theme("Education engineering and knowledge", "Ingénierie éducative et connaissance"),
            Theme("Images, 3D and CGI", "Image, 3D et images de synthèse"),
            Theme("Computer-aided design", "Conception assistée par ordinateur"),
            Theme("Communicating objects", "Objets communicants"),
        ),
        territory=ILE_DE_FRANCE,
        website="https://www.capdigital.com",
        keywords=(
            "video games",
            "edtech",
            "3D rendering",
            "computer vision",
            "natural language processing",
            "augmented reality",
            "internet of things",
            "machine learning",
            "computer-aided design",
            "digital media",
        ),
    ),
    ClusterData(
        slug="finance-innovation",
        kind=COMPETITIVENESS,
        name="Finance Innovation",
        short_name="Finance Innovation",
        topic_en="Finance: asset management, insurance and banking research and innovation",
        topic_fr="Finance : recherche et innovation en gestion d'actifs, assurance et banque",
        description_en=(
            "Federated by Paris EUROPLACE and supported by asset-management firms, insurers, "
            "banks, investment companies and issuers, the Finance Innovation competitiveness "
            "cluster has a clear and ambitious goal: to strengthen Paris as a financial centre "
            "in Europe by developing its expertise and positioning in research and innovation. "
            "Created to build industrial and research projects with high added value that create "
            "jobs, it brings together the financial community, universities and research "
            "centres of the Paris financial marketplace."
        ),
        description_fr=(
            "Fédéré par Paris EUROPLACE et soutenu par des sociétés de gestion, des assureurs, "
            "des banques, des sociétés d'investissement et des émetteurs, le pôle de "
            "compétitivité Finance Innovation poursuit un objectif clair et ambitieux : "
            "renforcer Paris comme place financière en Europe en développant son expertise et "
            "son positionnement offensif en matière de recherche et d'innovation. Créé pour "
            "faire naître des projets industriels et de recherche à forte valeur ajoutée et "
            "créateurs d'emplois, il réunit la communauté financière, les universités et les "
            "centres de recherche de la place financière de Paris."
        ),
        themes=(
            Theme("Asset management", "Gestion d'actifs"),
            Theme("Insurance", "Assurance"),
            Theme("Banking", "Banque"),
            Theme("Research and innovation in finance", "Recherche et innovation en finance"),
        ),
        territory=ILE_DE_FRANCE,
        keywords=(
            "fintech",
            "insurtech",
            "risk modelling",
            "asset management",
            "payments",
            "regtech",
            "fraud detection",
            "green finance",
            "blockchain",
        ),
    ),
    ClusterData(
        slug="medicen",
        kind=COMPETITIVENESS,
        name="Medicen Paris Region",
        short_name="Medicen",
        topic_en="Health: therapeutic and diagnostic innovation, health technology",
        topic_fr="Santé : innovation thérapeutique et diagnostique, technologies de santé",
        description_en=(
            "Medicen Paris Region aims to make the Paris region the European leader, "
            "industrially, in therapeutic and diagnostic innovation and in cutting-edge health "
            "technology, and to make it one of the world's centres of translational medicine. "
            "Innovation through technology transfer from research organisations to industry, "
            "and faster access for patients to innovative diagnostic, therapeutic and "
            "technological services and processes, are at the heart of its strategy."
        ),
        description_fr=(
            "Medicen Paris Region a pour ambition de faire de l'Île-de-France le leader "
            "européen, sur le plan industriel, de l'innovation thérapeutique et diagnostique et "
            "des technologies de santé de pointe, et de l'inscrire parmi les grands centres "
            "mondiaux de la médecine translationnelle. L'innovation par le transfert de "
            "technologies des organismes de recherche vers l'industrie et la mise à disposition "
            "accélérée pour les patients de services et de procédés diagnostiques, "
            "thérapeutiques ou technologiques innovants sont au cœur de sa stratégie."
        ),
        themes=(
            Theme("Therapeutic innovation", "Innovation thérapeutique"),
            Theme("Diagnostic innovation", "Innovation diagnostique"),
            Theme("Health technology", "Technologies de santé"),
            Theme("Translational medicine", "Médecine translationnelle"),
        ),
        territory=ILE_DE_FRANCE,
        website="https://medicen.org",
        keywords=(
            "medical imaging",
            "in vitro diagnostics",
            "biomarkers",
            "gene therapy",
            "medical devices",
            "e-health",
            "oncology",
            "clinical data",
            "biotechnology",
        ),
    ),
    ClusterData(
        slug="moveo",
        kind=COMPETITIVENESS,
        name="Mov'eo",
        short_name="Mov'eo",
        topic_en="Collective and individual transport and mobility",
        topic_fr="Transports et mobilité, collectifs et individuels",
        description_en=(
            "Deployed over three regions including Île-de-France, this cluster is oriented "
            "towards collective and individual transport. It is organised around four "
            "strategic business areas: Energy & Environment, Mobility & Services, Road safety "
            "and Mechatronics."
        ),
        description_fr=(
            "Déployé sur trois régions, dont l'Île-de-France, ce pôle est tourné vers les "
            "transports collectifs et individuels. Il s'organise autour de quatre domaines "
            "d'activité stratégiques : Énergie et environnement, Mobilité et services, Sécurité "
            "routière et Mécatronique."
        ),
        themes=(
            Theme("Energy & Environment", "Énergie et environnement"),
            Theme("Mobility & Services", "Mobilité et services"),
            Theme("Road safety", "Sécurité routière"),
            Theme("Mechatronics", "Mécatronique"),
        ),
        territory="Île-de-France, Haute-Normandie, Basse-Normandie",
        website="https://pole-moveo.org",
        keywords=(
            "electric vehicles",
            "batteries",
            "autonomous driving",
            "road safety",
            "mechatronics",
            "powertrain",
            "mobility services",
            "hydrogen",
            "vehicle-to-grid",
        ),
    ),
    ClusterData(
        slug="systematic",
        kind=COMPETITIVENESS,
        name="Systematic Paris Region",
        short_name="Systematic",
        topic_en="Complex systems: transport, telecoms, health and security",
        topic_fr="Systèmes complexes : transports, télécoms, santé et sécurité",
        description_en=(
            "Systematic Paris Region is at the forefront of complex systems, especially in "
            "transport, telecommunications, health and security. It is at once a "
            "\u201ctechnological innovation plant\u201d through its R&D projects and an "
            "innovation cluster federating several hundred innovative SMEs in engineering, "
            "technical studies, software and active electronic components."
        ),
        description_fr=(
            "Systematic Paris Region est à la pointe des systèmes complexes, notamment dans "
            "les transports, les télécommunications, la santé et la sécurité. Il est à la fois "
            "une « usine à innovations technologiques » grâce à ses projets de R&D et un pôle "
            "d'innovation qui fédère plusieurs centaines de PME innovantes de l'ingénierie, des "
            "études techniques, du logiciel et des composants électroniques actifs."
        ),
        themes=(
            Theme("Transport", "Transports"),
            Theme("Telecommunications", "Télécommunications"),
            Theme("Health", "Santé"),
            Theme("Security", "Sécurité"),
            Theme("Open-source software", "Logiciel libre"),
        ),
        territory=ILE_DE_FRANCE,
        website="https://systematic-paris-region.org",
        keywords=(
            "cybersecurity",
            "embedded software",
            "5G networks",
            "high-performance computing",
            "open-source software",
            "electronic components",
            "data analytics",
            "quantum computing",
            "systems engineering",
        ),
    ),
    ClusterData(
        slug="capital-games",
        kind=NETWORK,
        name="Capital Games",
        short_name="Capital Games",
        topic_en="Video games",
        topic_fr="Jeu vidéo",
        description_en=(
            "Capital Games federates more than forty video game companies and intends to "
            "consolidate and promote this industry in the Paris region, making it a driver of "
            "competitiveness and international renown."
        ),
        description_fr=(
            "Capital Games fédère plus de quarante entreprises du jeu vidéo et entend "
            "consolider et promouvoir cette filière en Île-de-France pour en faire un moteur de "
            "compétitivité et de rayonnement international."
        ),
        themes=(
            Theme("Game development", "Développement de jeux"),
            Theme("International promotion", "Promotion internationale"),
        ),
        territory="Paris",
        keywords=(
            "video games",
            "game engines",
            "serious games",
            "3D animation",
            "online games",
            "virtual reality",
        ),
    ),
    ClusterData(
        slug="durapole",
        kind=NETWORK,
        name="Durapole",
        short_name="Durapole",
        topic_en="Young eco-technology companies",
        topic_fr="Jeunes entreprises des éco-technologies",
        description_en=(
            "Durapole groups young innovative companies in eco-technologies. It aims to foster "
            "the emergence of an industrial cluster around environmental technologies, to "
            "develop \u201cgreen\u201d jobs, and to structure the regional eco-innovation "
            "ecosystem and raise its international profile. Its members contribute to the "
            "national policy against the environmental crisis by consolidating green sectors."
        ),
        description_fr=(
            "Durapole regroupe de jeunes entreprises innovantes des éco-technologies. Il "
            "ambitionne de favoriser l'émergence d'une filière industrielle autour des "
            "technologies de l'environnement, de développer les emplois « verts » et de "
            "contribuer à la structuration et au rayonnement international de l'écosystème "
            "régional de l'éco-innovation. Ses membres participent à la politique nationale de "
            "lutte contre la crise environnementale en consolidant les filières vertes."
        ),
        themes=(
            Theme("Environmental technologies", "Technologies de l'environnement"),
            Theme("Green jobs", "Emplois verts"),
        ),
        territory="Paris",
        keywords=(
            "renewable energy",
            "waste recovery",
            "water treatment",
            "energy efficiency",
            "circular economy",
            "carbon accounting",
        ),
    ),
    ClusterData(
        slug="mila",
        kind=NETWORK,
        name="Mila",
        short_name="Mila",
        topic_en="Independent music production and distribution",
        topic_fr="Production et diffusion de musique indépendante",
        description_en=(
            "Supporting music production and distribution, Mila runs the \u201cRue de la "
            "musique\u201d: independent labels spread over some twenty former shops, right "
            "next to a specialised incubator."
        ),
        description_fr=(
            "Au service de la production et de la diffusion musicales, Mila anime la « Rue de "
            "la musique » : des labels indépendants installés dans une vingtaine d'anciens "
            "locaux commerciaux, juste à côté d'un incubateur spécialisé."
        ),
        themes=(
            Theme("Independent labels", "Labels indépendants"),
            Theme("Music incubator", "Incubateur musical"),
        ),
        territory="Paris",
        keywords=(
            "music production",
            "music streaming",
            "audio technology",
            "rights management",
            "live music",
        ),
    ),
    ClusterData(
        slug="paris-mix",
        kind=NETWORK,
        name="Paris Mix",
        short_name="Paris Mix",
        topic_en="World music",
        topic_fr="Musiques du monde",
        description_en=(
            "The first business and innovation cluster dedicated to world music, Paris Mix "
            "brings together more than forty labels, producers, tour operators and concert "
            "organisers."
        ),
        description_fr=(
            "Premier pôle d'entreprises et d'innovation consacré aux musiques du monde, Paris "
            "Mix rassemble plus de quarante labels, producteurs, tourneurs et organisateurs de "
            "concerts."
        ),
        themes=(
            Theme("Labels and producers", "Labels et producteurs"),
            Theme("Touring and concerts", "Tournées et concerts"),
        ),
        territory="Paris",
        keywords=(
            "world music",
            "live music",
            "music distribution",
            "event ticketing",
            "audio technology",
        ),
    ),
    ClusterData(
        slug="silicon-sentier",
        kind=NETWORK,
        name="Silicon Sentier",
        short_name="Silicon Sentier",
        topic_en="Digital innovation",
        topic_fr="Innovation numérique",
        description_en=(
            "A historic cornerstone of digital innovation in Paris and its region, Silicon "
            "Sentier federates nearly 200 SMEs of the sector. It runs a networked co-working "
            "space, La Cantine, and a start-up accelerator, Le Camping, in the heart of Paris "
            "at the Palais Brongniart."
        ),
        description_fr=(
            "Pilier historique de l'innovation numérique à Paris et en Île-de-France, Silicon "
            "Sentier fédère près de 200 PME du secteur. Il anime un espace de travail "
            "collaboratif en réseau, La Cantine, et un accélérateur de start-up, Le Camping, au "
            "cœur de Paris, au palais Brongniart."
        ),
        themes=(
            Theme("Co-working: La Cantine", "Espace collaboratif : La Cantine"),
            Theme("Acceleration: Le Camping", "Accélération : Le Camping"),
        ),
        territory="Paris",
        keywords=(
            "web services",
            "open data",
            "mobile apps",
            "user experience",
            "cloud computing",
            "machine learning",
        ),
    ),
)


@dataclass(frozen=True)
class FunderData:
    slug: str
    name_en: str
    name_fr: str
    kind: str  # a `funding.models.FunderKind` value
    website: str = ""


# Real public funders; reference data, not demo data.
FUNDERS: tuple[FunderData, ...] = (
    FunderData("city-of-paris", "City of Paris", "Ville de Paris", "city", "https://www.paris.fr"),
    FunderData("bpifrance", "Bpifrance", "Bpifrance", "state", "https://www.bpifrance.fr"),
    FunderData(
        "region-ile-de-france",
        "Île-de-France Region",
        "Région Île-de-France",
        "region",
        "https://www.iledefrance.fr",
    ),
    FunderData(
        "european-union",
        "European Union",
        "Union européenne",
        "eu",
        "https://commission.europa.eu",
    ),
    FunderData(
        "anr",
        "French National Research Agency (ANR)",
        "Agence nationale de la recherche (ANR)",
        "agency",
        "https://anr.fr",
    ),
)
