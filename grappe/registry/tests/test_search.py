"""Search that understands French: accents, case and punctuation never matter, identifiers and
places are found, the most relevant comes first, and the services keep the index current."""

from __future__ import annotations

import pytest

from grappe.core.scopes import scope_for
from grappe.core.search import SearchCount
from grappe.core.tests.factories import ParticipationFactory, make_siren
from grappe.registry import selectors, services
from grappe.registry.models import Organisation, OrganisationKind
from grappe.registry.search import ORGANISATIONS

pytestmark = pytest.mark.django_db

PUBLIC = scope_for(None)


def create(name: str, **fields) -> Organisation:
    fields.setdefault("kind", OrganisationKind.SME)
    return services.organisation_create(actor=None, name=name, **fields)


def found(q: str) -> list[str]:
    return [o.name for o in selectors.organisation_search(scope=PUBLIC, q=q)]


@pytest.fixture
def directory() -> dict[str, Organisation]:
    orgs = {
        "cnrs": create(
            "Centre national de la recherche scientifique",
            short_name="CNRS",
            kind=OrganisationKind.PUBLIC_BODY,
            siren="180089013",
            city="PARIS CEDEX 16",
        ),
        "delegation": create(
            "CNRS Délégation Île-de-France Villejuif",
            kind=OrganisationKind.PUBLIC_BODY,
            city="Villejuif",
            postcode="94800",
        ),
        "energie": create(
            "Institut de l'Énergie Solaire",
            short_name="INES",
            kind=OrganisationKind.RESEARCH_LAB,
            keywords="photovoltaïque, stockage",
            city="Le Bourget-du-Lac",
            postcode="73370",
        ),
        "plain": create("ENERGIE NOUVELLE SAS", city="Lyon", postcode="69003"),
        "ecole": create(
            "École des Systèmes Complexes",
            kind=OrganisationKind.HIGHER_EDUCATION,
            city="Paris",
            postcode="75 011",
        ),
        "company": create(
            "Acme Robotique",
            siren="552100554",
            siret="55210055400013",
            vat="FR96552100554",
            city="Paris 13e",
        ),
    }
    # activity: the regional delegation takes part in more projects than the CNRS record
    for _ in range(3):
        ParticipationFactory(organisation=orgs["delegation"])
    return orgs


def test_accents_and_case_give_the_same_results(directory) -> None:
    results = found("énergie")
    assert set(results) == {"Institut de l'Énergie Solaire", "ENERGIE NOUVELLE SAS"}
    assert found("energie") == results
    assert found("ENERGIE") == results
    assert found("Énergie") == results


def test_ecole_and_systemes_are_found_however_they_are_typed(directory) -> None:
    assert found("école") == found("École") == found("ECOLE") == ["École des Systèmes Complexes"]
    assert found("SYSTÈMES") == ["École des Systèmes Complexes"]
    assert found("systemes complexes") == ["École des Systèmes Complexes"]


def test_punctuation_and_elisions_never_matter(directory) -> None:
    assert found("l'energie") == found("l energie")
    assert "Institut de l'Énergie Solaire" in found("l'énergie solaire")
    assert found("photovoltaique") == ["Institut de l'Énergie Solaire"]  # keywords


def test_a_siren_finds_its_organisation_with_or_without_spaces(directory) -> None:
    assert found("552100554") == ["Acme Robotique"]
    assert found("552 100 554") == ["Acme Robotique"]
    assert found("552 100 554 00013") == ["Acme Robotique"]  # SIRET
    assert found("55210055400013") == ["Acme Robotique"]
    assert found("FR96552100554") == ["Acme Robotique"]  # VAT
    assert found("FR 96 552 100 554") == ["Acme Robotique"]


def test_a_postcode_and_an_arrondissement_find_the_organisations_there(directory) -> None:
    assert found("75011") == ["École des Systèmes Complexes"]
    assert found("Paris 11e") == ["École des Systèmes Complexes"]
    assert found("paris 11") == ["École des Systèmes Complexes"]
    assert found("Paris 13e") == found("75013") == ["Acme Robotique"]
    assert found("94800") == ["CNRS Délégation Île-de-France Villejuif"]


def test_cnrs_ranks_the_cnrs_first_then_by_activity(directory) -> None:
    results = found("CNRS")
    assert results[0] == "Centre national de la recherche scientifique"
    assert "CNRS Délégation Île-de-France Villejuif" in results
    # the exact acronym beats a more active record that only contains the word
    delegation = Organisation.objects.get(pk=directory["delegation"].pk)
    assert delegation.search_entry.get().activity == 3


def test_an_acronym_finds_the_full_name_and_the_full_name_the_acronym(directory) -> None:
    assert found("INES") == ["Institut de l'Énergie Solaire"]
    assert found("centre national de la recherche scientifique")[0] == (
        "Centre national de la recherche scientifique"
    )
    # a long name without a recorded acronym is found by its initials
    create("Institut National de Recherche en Informatique et en Automatique")
    assert found("INRIA") == ["Institut National de Recherche en Informatique et en Automatique"]


def test_an_exact_identifier_ranks_before_text_matches(directory) -> None:
    create("Cabinet 552100554 conseil")  # the number in a name is text, not its identifier
    assert found("552100554")[0] == "Acme Robotique"


def test_a_prefix_finds_the_word_being_typed(directory) -> None:
    assert "Institut de l'Énergie Solaire" in found("énerg")
    assert found("Robot") == ["Acme Robotique"]


def test_nothing_to_search_for_finds_nothing(directory) -> None:
    assert found("'; --") == []
    assert found("   ") == []


def test_the_paris_location_is_set_from_the_address_by_the_services(directory) -> None:
    cnrs = Organisation.objects.get(pk=directory["cnrs"].pk)
    assert (cnrs.postcode, cnrs.paris_arrondissement, cnrs.in_paris) == ("75016", 16, True)
    ecole = Organisation.objects.get(pk=directory["ecole"].pk)
    assert (ecole.postcode, ecole.paris_arrondissement, ecole.in_paris) == ("75011", 11, True)
    assert not Organisation.objects.get(pk=directory["plain"].pk).in_paris
    moved = services.organisation_update(actor=None, organisation=ecole, city="Lyon", postcode="")
    assert (moved.in_paris, moved.paris_arrondissement) == (False, None)
    assert found("75011") == []


# --- the index follows every write ----------------------------------------------------------


def test_an_update_a_deletion_a_merge_and_its_undo_keep_the_index_current(directory) -> None:
    org = directory["plain"]
    services.organisation_update(actor=None, organisation=org, name="Hydrogène Vert")
    assert found("hydrogene") == ["Hydrogène Vert"]
    assert "ENERGIE NOUVELLE SAS" not in found("energie")

    dup = create("Hydrogene Vert Lyon", siren=make_siren(77_000_001), city="Lyon")
    record = services.organisation_merge(actor=None, keep=org, duplicate=dup)
    assert found(dup.siren) == ["Hydrogène Vert"]  # keep took the duplicate's SIREN
    assert found("hydrogene") == ["Hydrogène Vert"]  # the duplicate is gone from the index
    assert ORGANISATIONS.stale() == (set(), set(), set())

    services.organisation_merge_undo(actor=None, record=record)
    assert sorted(found("hydrogene")) == ["Hydrogene Vert Lyon", "Hydrogène Vert"]
    assert ORGANISATIONS.stale() == (set(), set(), set())

    services.organisation_delete(actor=None, organisation=Organisation.objects.get(pk=dup.pk))
    assert found("hydrogene") == ["Hydrogène Vert"]
    assert ORGANISATIONS.stale() == (set(), set(), set())


def test_bulk_writes_of_imports_keep_the_index_current_and_set_the_place() -> None:
    ids = services.organisation_bulk_insert(
        actor=None,
        fields=("name", "kind", "city", "postcode", "country"),
        rows=[
            ("Atelier Numérique", OrganisationKind.SME, "PARIS CEDEX 15", "", "FR"),
            ("Bureau Énergie", OrganisationKind.SME, "Lyon", "69001", "FR"),
        ],
    )
    assert found("numerique") == ["Atelier Numérique"]
    atelier = Organisation.objects.get(pk=ids[0])
    assert (atelier.postcode, atelier.paris_arrondissement, atelier.in_paris) == (
        "75015",
        15,
        True,
    )
    services.organisation_bulk_update(actor=None, fields=("city",), rows=[(ids[1], "Paris 3e")])
    bureau = Organisation.objects.get(pk=ids[1])
    # the stored postcode (Lyon's) wins over the city's arrondissement: in Paris? no
    assert not bureau.in_paris or bureau.paris_arrondissement is None
    services.organisation_bulk_update(
        actor=None, fields=("city", "postcode"), rows=[(ids[1], "Paris 3e", "")]
    )
    bureau = Organisation.objects.get(pk=ids[1])
    assert (bureau.postcode, bureau.paris_arrondissement) == ("75003", 3)
    assert found("paris 3e") == ["Bureau Énergie"]
    services.organisation_bulk_delete(actor=None, pks=ids)
    assert found("energie") == []
    assert ORGANISATIONS.stale() == (set(), set(), set())


def test_the_rebuild_command_restores_a_lost_index_and_check_reports_it(directory) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from grappe.core.search import index_clear

    index_clear(ORGANISATIONS.table)
    assert found("CNRS") == []
    with pytest.raises(CommandError):
        call_command("search_index", "check", "--index", ORGANISATIONS.table)
    call_command("search_index", "rebuild")
    assert found("CNRS")[0] == "Centre national de la recherche scientifique"
    call_command("search_index", "check")


# --- clusters ----------------------------------------------------------------------------------


def test_cluster_search_ignores_accents_and_finds_acronyms_and_topics() -> None:
    from grappe.core.tests.factories import ClusterFactory

    ClusterFactory(name="Systematic Paris-Région", short_name="SYS", topic_fr="Numérique")
    ClusterFactory(name="Finance Innovation", topic_en="Finance", topic_fr="Finance")
    assert [c.name for c in selectors.cluster_search(scope=PUBLIC, q="numerique")] == [
        "Systematic Paris-Région"
    ]
    assert [c.name for c in selectors.cluster_search(scope=PUBLIC, q="NUMÉR")] == [
        "Systematic Paris-Région"
    ]
    assert [c.name for c in selectors.cluster_search(scope=PUBLIC, q="sys")] == [
        "Systematic Paris-Région"
    ]
    assert selectors.cluster_search(scope=PUBLIC, q="'; --") == []


# --- typo tolerance: "did you mean" -----------------------------------------------------------


def suggested(q: str) -> str | None:
    return selectors.organisation_suggestion(scope=PUBLIC, q=q)


def test_a_mistyped_query_that_finds_nothing_is_offered_its_correction(directory) -> None:
    assert found("Enrgie solaire") == []
    assert suggested("Enrgie solaire") == "energie solaire"
    assert found(suggested("Enrgie solaire") or "") == ["Institut de l'Énergie Solaire"]
    assert suggested("École des sytemes complexes") == "ecole des systemes complexes"
    assert suggested("photovoltaique stokage") == "photovoltaique stockage"


def test_no_correction_is_offered_when_none_finds_anything(directory) -> None:
    assert suggested("energie") is None  # nothing to correct
    assert suggested("cnrx") is None  # words under 5 letters are never corrected
    assert suggested("zzzzzzzz") is None
    # each word exists, but no organisation has both: nothing to offer
    assert suggested("robotique solaire") is None


def test_the_vocabulary_follows_the_index(directory) -> None:
    from grappe.core.models import SearchWord

    words = set(SearchWord.objects.filter(index=ORGANISATIONS.table).values_list("word", flat=True))
    assert {"energie", "solaire", "systemes", "complexes", "robotique"} <= words
    create("Hydrogène Mobilité")
    assert suggested("hydrogenne mobilite") == "hydrogene mobilite"
    ORGANISATIONS.rebuild()
    assert suggested("hydrogenne mobilite") == "hydrogene mobilite"


class _Unread(set[str]):
    """Words whose `difference` ignores the vocabulary read: as if a concurrent writer had
    added one of them between `words_add`'s read and its insert."""

    def difference(self, *others: object) -> set[str]:
        return set(self)


def test_a_word_added_meanwhile_by_another_writer_is_skipped_not_an_error(directory) -> None:
    from django.db import connection

    from grappe.core.models import SearchWord
    from grappe.core.search import words_add

    table = ORGANISATIONS.table
    assert SearchWord.objects.filter(index=table, word="solaire").exists()
    words_add(table, _Unread({"solaire", "photovoltaique"}))
    assert set(
        SearchWord.objects.filter(index=table, word__in=["solaire", "photovoltaique"]).values_list(
            "word", flat=True
        )
    ) == {"solaire", "photovoltaique"}
    assert SearchWord.objects.filter(index=table, word="solaire").count() == 1
    with connection.cursor() as cursor:  # the transaction is still usable
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_the_search_page_links_the_correction(client, directory) -> None:
    html = client.get("/en/search/", {"q": "Enrgie solaire"}).content.decode()
    assert 'Did you mean <a href="?q=energie%20solaire">energie solaire</a>?' in html
    french = client.get("/fr/search/", {"q": "Enrgie solaire"}).content.decode()
    assert 'Vouliez-vous dire <a href="?q=energie%20solaire">energie solaire</a>' in french
    assert "Did you mean" not in client.get("/en/search/", {"q": "energie"}).content.decode()


# --- the search page's bounded reads: a preview over candidates, a capped count ---------------


def previewed(q: str, **kwargs) -> tuple[list[str], SearchCount]:
    rows, count = ORGANISATIONS.preview(selectors.organisation_list(scope=PUBLIC), q, **kwargs)
    return [o.name for o in rows.order_by(*selectors.ORGANISATION_RELEVANCE)], count


@pytest.mark.parametrize(
    "q", ["energie", "CNRS", "cnrs delegation", "552 100 554", "75011", "paris", "énerg", "zzz"]
)
def test_under_the_cap_the_preview_is_the_full_ranking_and_the_count_exact(directory, q) -> None:
    rows, count = selectors.organisation_search_preview(scope=PUBLIC, q=q)
    assert [o.name for o in rows] == found(q)
    assert count == SearchCount(len(found(q)))
    # beyond the cap, with room for every match, the candidates are still every match
    assert previewed(q, cap=0, candidates=10) == (found(q), SearchCount(0, more=bool(found(q))))


def test_beyond_the_cap_the_candidates_keep_exact_names_identifiers_and_names_with_the_words():
    """With room for one candidate of each kind, the rows the full ranking puts first stay
    first: the exact acronym, the exact identifier, and a row naming the word, ahead of more
    active rows that only hold it in their city."""
    named = create("Atelier Paris Design", city="Lyon", postcode="69003")
    exact = create("Fondation Pour Paris", short_name="PARIS", city="Lyon", postcode="69003")
    busy = [create(f"Studio {n}", city="Paris", postcode="75011") for n in range(4)]
    for org in busy:
        for _ in range(2):
            ParticipationFactory(organisation=org)
    full = found("paris")
    assert full[:2] == [exact.name, named.name]  # the exact name, then the names' weight
    names, count = previewed("paris", cap=2, candidates=3)
    assert count == SearchCount(2, more=True)
    assert names[:2] == full[:2]
    # two rows name the word (fewer than 3): the 3 most active matches anywhere join them
    assert set(names) == {exact.name, named.name, *(b.name for b in busy[:3])}
    # one candidate naming the word fills the room: rows holding it elsewhere are not read
    names, _ = previewed("paris", cap=2, candidates=1)
    assert names == [exact.name, named.name]
    siren = make_siren(77_000_002)
    company = create("Acme Conseil", siren=siren)
    create(f"Cabinet {siren} conseil")  # the number in a name is text, not its identifier
    create(f"Bureau {siren} etudes")
    names, count = previewed(siren, cap=1, candidates=1)
    assert count.more and names[0] == company.name == found(siren)[0]


def test_the_count_is_exact_up_to_the_cap_and_says_more_beyond(directory) -> None:
    assert len(found("paris")) == 3
    assert previewed("paris", cap=3)[1] == SearchCount(3)
    assert previewed("paris", cap=2)[1] == SearchCount(2, more=True)
    assert previewed("'; --")[1] == SearchCount(0)


@pytest.mark.parametrize(
    ("lang", "more", "see_all"),
    [
        ("en", "(more than 2)", "See all the matching organisations"),
        ("fr", "(plus de 2)", "Voir toutes les organisations trouvées"),
    ],
)
def test_the_search_page_says_more_than_the_cap_and_the_exact_count_below_it(
    client, directory, monkeypatch, lang, more, see_all
) -> None:
    import grappe.core.search as core_search

    monkeypatch.setattr(core_search, "COUNT_CAP", 2)
    monkeypatch.setattr("grappe.registry.views.SEARCH_PREVIEW", 1)
    response = client.get(f"/{lang}/search/", {"q": "paris"})
    html = response.content.decode()
    assert response.context["organisation_count"] == 2
    assert response.context["organisation_count_more"] is True
    assert more in html and see_all in html
    below = client.get(f"/{lang}/search/", {"q": "cnrs"})
    assert below.context["organisation_count"] == 2
    assert below.context["organisation_count_more"] is False
    assert "(2)" in below.content.decode()
