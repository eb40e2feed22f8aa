"""The real CORDIS and ANR files from ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grappe.interop.models import RejectedRow, RunStatus
from grappe.interop.services import import_run_create, import_run_execute
from grappe.projects.models import Participation, Project
from grappe.projects.selectors import project_with_partner_in_paris_q
from grappe.registry.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]


def run_import(source: str, path: Path, force: bool = False):
    run = import_run_create(source=source, path=path)
    return import_run_execute(run, path=path, force=force)


def test_real_cordis_zip_and_anr_file_import(shared_data: Path) -> None:
    cordis = run_import("cordis", shared_data / "cordis-h2020-2016.zip")
    assert cordis.status == RunStatus.SUCCEEDED, cordis.error
    assert cordis.counts["project"]["created"] == 7572
    assert cordis.counts["project"]["rejected"] == 0
    # 31,866 rows; the four rejected are the same organisation listed twice in one project
    # (a PIC row and a name-only row of VTT), which identity resolution recognises.
    assert (
        cordis.counts["participation"]["created"] + cordis.counts["participation"]["rejected"]
        == 31866
    )
    assert cordis.counts["participation"]["rejected"] <= 10
    assert Project.objects.filter(source="cordis").count() == 7572
    coordinated = Participation.objects.filter(role="coordinator", project__source="cordis")
    assert coordinated.count() == 7572 - 15  # 15 projects have no matchable coordinator
    assert Organisation.objects.filter(country="GB").exists()
    assert not Organisation.objects.filter(country__in=["UK", "EL"]).exists()
    assert Organisation.objects.filter(pic="999905974", kind="company").exists()
    # "Paris only" comes from the address at import: CORDIS gives cities (`PARIS`,
    # `PARIS CEDEX 15`) and no postcode; before, no project had a partner in Paris.
    paris = Project.objects.filter(source="cordis").filter(project_with_partner_in_paris_q())
    assert paris.count() >= 900
    assert Organisation.objects.filter(
        city="PARIS CEDEX 15", postcode="75015", paris_arrondissement=15, in_paris=True
    ).exists()
    assert not Organisation.objects.filter(city__icontains="defense", in_paris=True).exists()

    anr = run_import("anr", shared_data / "anr-dos-partners")
    assert anr.status == RunStatus.SUCCEEDED, anr.error
    assert anr.counts["project"]["created"] >= 17000  # 17,080 codes; a few have only bad rows
    assert Organisation.objects.filter(rnsr="200611689J").count() == 1
    reasons = RejectedRow.objects.filter(run=anr).values_list("reason", flat=True)
    assert all(r for r in reasons)
    assert_identity_holds_on_the_real_files(anr)
    assert_merge_proposals_are_precise()
    assert_search_works_on_the_real_files()

    again = run_import("anr", shared_data / "anr-dos-partners")
    assert again.short_circuited
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())


def assert_merge_proposals_are_precise() -> None:
    """Issue 8: merge-proposal precision >= 95 % on the hand-labelled sample of 200. When the
    resolver changes what it proposes, fewer labelled pairs are found: relabel a new sample
    (see merge_sample.py) rather than lower the bar."""
    from grappe.interop.tests.merge_sample import sample_precision

    figures = sample_precision()
    assert figures["still proposed"] >= 180, figures
    assert figures["precision"] >= 0.95, figures


def assert_index_matches_its_table() -> None:
    from grappe.projects.search import PROJECTS
    from grappe.registry.search import ORGANISATIONS

    assert ORGANISATIONS.stale() == (set(), set(), set())
    assert PROJECTS.stale() == (set(), set(), set())


def assert_search_works_on_the_real_files() -> None:
    """The search findings of issue 8, on the real CORDIS + ANR files."""
    from grappe.core.scopes import scope_for
    from grappe.registry.selectors import organisation_search

    assert_index_matches_its_table()
    public = scope_for(None)

    def ids(q: str) -> list[int]:
        return list(organisation_search(scope=public, q=q).values_list("pk", flat=True))

    energie = ids("énergie")
    assert len(energie) > 200 and ids("energie") == energie == ids("ENERGIE")
    assert ids("école") == ids("École") and len(ids("école")) > 10
    assert ids("SYSTÈMES") == ids("systemes") and ids("systemes")
    first = organisation_search(scope=public, q="CNRS").first()  # was eighth, alphabetically
    assert first is not None and "CNRS" in {first.name.upper(), first.short_name.upper()}
    with_siren = Organisation.objects.exclude(siren="").first()
    assert with_siren is not None
    spaced = f"{with_siren.siren[:3]} {with_siren.siren[3:6]} {with_siren.siren[6:]}"
    assert ids(with_siren.siren)[0] == ids(spaced)[0] == with_siren.pk
    # the search page's bounded reads: under the cap of 1,000 the list's first rows and the
    # exact count; beyond it ("paris"), "more than 1,000" and first rows that name the word
    from grappe.core.domain.text import search_fold
    from grappe.core.search import COUNT_CAP
    from grappe.registry.selectors import organisation_search_preview

    for q in ("CNRS", "énergie", "école", with_siren.siren, spaced):
        rows, count = organisation_search_preview(scope=public, q=q)
        assert [o.pk for o in rows[:3]] == ids(q)[:3], q
        assert (count.value, count.more) == (len(ids(q)), False), q
    rows, count = organisation_search_preview(scope=public, q="paris")
    assert count.more and count.value == COUNT_CAP < len(ids("paris"))
    first = list(rows[:10])
    full = list(organisation_search(scope=public, q="paris")[:10])
    print("paris, bounded:", [o.name for o in first], "full:", [o.name for o in full])
    from grappe.interop.models import OrganisationAlias

    def names(o: Organisation) -> str:
        aliases = OrganisationAlias.objects.filter(organisation=o).values_list("name", flat=True)
        return search_fold(" ".join([o.name, o.short_name, *aliases]))

    # a name, a short name or an alias (every spelling a source wrote) holds the word
    assert all("paris" in names(o) for o in first), [
        o.name for o in first if "paris" not in names(o)
    ]


def assert_identity_holds_on_the_real_files(anr) -> None:
    """The identity rules of issue 8 on the real CORDIS + ANR files."""
    from grappe.interop.domain.names import is_placeholder, normalise_name

    names = list(Organisation.objects.values_list("name", "country", "rnsr"))
    # placeholders (72 records, 98 participations before) are rejected rows, never organisations
    assert not [n for n, *_ in names if is_placeholder(n)]
    placeholder_rows = RejectedRow.objects.filter(run=anr, reason__contains="is a placeholder")
    assert placeholder_rows.count() == 121  # 74 `AucuneAide`, 46 `0 Aide`, one `-`
    # the 23 SIRENs typed in the RNSR column are kept and moved (EMBL Grenoble, PSE)
    assert anr.counts["note: SIREN found in the RNSR column, moved to SIREN"]["updated"] == 23
    assert Organisation.objects.get(siren="302717327").rnsr != "302717327"
    assert Organisation.objects.filter(siren="493902662").count() == 1
    # the CEA, written `l'énergie`, `lénergie` and `L ENERGIE`, is one key, one French record
    cea = normalise_name("Commissariat à l'énergie atomique et aux énergies alternatives")
    assert [c for n, c, _ in names if normalise_name(n) == cea] == ["FR"]
    # no lab (RNSR) carries the name of an institution such as the CNRS or the INSERM
    for parent in ("CNRS", "INSERM", "Centre National de la Recherche Scientifique"):
        assert not Organisation.objects.filter(name__iexact=parent).exclude(rnsr="").exists()
    # one record per institution and country, whatever the city
    assert Organisation.objects.filter(name__iexact="CNRS", country="FR").count() == 1
    # a record without a country whose name is known in France was matched, or (a one-word
    # company name in another city: `RADIALL`) is proposed for review with its French twin
    from django.db.models import Q

    from grappe.interop.models import MergeProposal

    french = {normalise_name(n) for n, c, _ in names if c == "FR"}
    countryless = Organisation.objects.filter(country="").values_list("pk", "name")
    left = [(pk, n) for pk, n in countryless if normalise_name(n) in french]
    assert len(left) < 20
    for pk, name in left:
        assert len(normalise_name(name).split()) == 1, name
        assert MergeProposal.objects.filter(Q(keep_id=pk) | Q(duplicate_id=pk)).exists(), name


# --- merging two real organisations from the review page ---------------------------------------


def orphans() -> list[str]:
    """Rows of any Grappe table whose foreign key points to a row that does not exist."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("grappe."):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model._base_manager.values("pk")
            bad = (
                model._base_manager.exclude(**{f"{field.attname}__isnull": True})
                .exclude(**{f"{field.attname}__in": target})
                .count()
            )
            if bad:
                found.append(f"{model._meta.label}.{field.name}: {bad}")
    return found


def references(organisation_id: int) -> dict[str, set[int]]:
    """Every row that points to the organisation, by model and field."""
    from django.db import models

    refs: dict[str, set[int]] = {}
    for rel in Organisation._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and isinstance(rel.field, models.ForeignKey):
            pks = rel.field.model._base_manager.filter(
                **{rel.field.attname: organisation_id}
            ).values_list("pk", flat=True)
            refs[f"{rel.field.model._meta.label}.{rel.field.name}"] = set(pks)
    return refs


def anr_slice(shared_data: Path, tmp_path: Path, rows: int = 8000) -> Path:
    source = shared_data / "anr-dos-partners" / "anr_dos_partners.csv"
    target = tmp_path / "anr_dos_partners.csv"
    with source.open(encoding="utf-8") as fin, target.open("w", encoding="utf-8") as fout:
        for number, line in enumerate(fin):
            if number > rows:
                break
            fout.write(line)
    return target


@pytest.mark.django_db(transaction=True)  # every request commits: foreign keys are checked
def test_an_administrator_merges_two_real_organisations_from_the_review_page_and_undoes_it(
    shared_data: Path, tmp_path: Path, client
) -> None:
    from django.urls import reverse

    from grappe.core.models import Role, RoleAssignment
    from grappe.core.tests.factories import ClusterFactory, user_with_role
    from grappe.interop.models import MergeProposal, ProposalStatus
    from grappe.interop.resolver import IDENTIFIERS
    from grappe.registry.models import ClusterMembership

    path = anr_slice(shared_data, tmp_path)
    assert run_import("anr", path).status == RunStatus.SUCCEEDED
    pending = MergeProposal.objects.filter(status=ProposalStatus.PENDING)
    assert pending.exists()

    def mergeable(p: MergeProposal) -> bool:  # some real pairs hold two different RNSRs
        return p.duplicate is not None and not any(
            getattr(p.keep, k) and getattr(p.duplicate, k) != getattr(p.keep, k)
            for k in IDENTIFIERS
            if getattr(p.duplicate, k)
        )

    # The proposal whose duplicate carries the most: participations, aliases, other proposals.
    proposal = max(
        filter(mergeable, pending.select_related("keep", "duplicate")),
        key=lambda p: (sum(len(v) for v in references(p.duplicate_pk).values()), -p.pk),
    )
    keep, dup = proposal.keep, proposal.duplicate
    assert dup is not None and dup.participations.exists()
    # What a cluster and a member account would hang on it.
    ClusterMembership.objects.create(
        cluster=ClusterFactory(), organisation=dup, start_date="2020-01-01"
    )
    member = user_with_role(Role.MEMBER, organisation=dup)
    keep_before, dup_before = references(keep.pk), references(dup.pk)
    assert proposal.pk in dup_before["interop.MergeProposal.duplicate"]
    dup_projects = set(dup.participations.values_list("project_id", flat=True))
    keep_projects = set(keep.participations.values_list("project_id", flat=True))
    assert orphans() == []

    client.force_login(user_with_role(Role.ADMINISTRATOR))
    page = client.get(reverse("interop:merge_list"))
    assert dup.name in page.content.decode()
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk})
    response = client.post(url, {"action": "merge"}, follow=True)
    assert "The organisations were merged." in response.content.decode()
    assert not Organisation.objects.filter(pk=dup.pk).exists()
    assert set(keep.participations.values_list("project_id", flat=True)) == (
        keep_projects | dup_projects
    )
    assert RoleAssignment.objects.get(user=member).organisation_id == keep.pk
    assert (
        keep.memberships.count() == len(keep_before["registry.ClusterMembership.organisation"]) + 1
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MERGED and proposal.duplicate_id is None
    assert orphans() == []
    assert_index_matches_its_table()  # after an import and a merge

    response = client.post(url, {"action": "undo"}, follow=True)
    assert "The merge was undone." in response.content.decode()
    restored = Organisation.objects.get(pk=dup.pk)
    assert restored.name == dup.name and restored.city == dup.city
    assert references(keep.pk) == keep_before
    assert references(dup.pk) == dup_before
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDONE and proposal.duplicate_id == dup.pk
    assert orphans() == []
    assert_index_matches_its_table()
