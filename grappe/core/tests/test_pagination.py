"""Keyset pagination: pages walk the whole ordered set once, NULLs included; cursors are tamper-proof."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core import signing

from grappe.core.pagination import (
    InvalidCursor,
    SortKey,
    order_expressions,
    paginate,
    sort_keys,
)
from grappe.core.tests.factories import OrganisationFactory, ProjectFactory
from grappe.projects.models import Project
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


def walk(qs, limit):
    """Every page of `qs`, following next_cursor, as a list of lists of ids."""
    pages, cursor = [], None
    while True:
        page = paginate(qs, limit=limit, cursor=cursor)
        pages.append([row.pk for row in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 1000, "pagination does not terminate"


def test_sort_keys_come_from_the_queryset_and_end_with_the_primary_key():
    keys = sort_keys(Project.objects.order_by("-start_date", "acronym"))
    assert keys == [
        SortKey("start_date", descending=True, nullable=True),
        SortKey("acronym", descending=False, nullable=False),
        SortKey("id", descending=False, nullable=False),
    ]


def test_sort_keys_stop_at_the_primary_key():
    assert [k.token for k in sort_keys(Project.objects.order_by("-id", "acronym"))] == ["-id"]


def test_sort_keys_fall_back_to_the_model_ordering():
    assert [k.token for k in sort_keys(Organisation.objects.all())] == ["name", "id"]


@pytest.mark.parametrize("ordering", ["participations__role", "?"])
def test_sort_keys_refuse_what_a_cursor_cannot_express(ordering):
    with pytest.raises(ValueError, match="Keyset pagination"):
        sort_keys(Project.objects.order_by(ordering))


def test_limit_must_be_positive():
    with pytest.raises(ValueError, match="limit"):
        paginate(Project.objects.all(), limit=0)


def test_an_empty_set_has_one_empty_page():
    page = paginate(Project.objects.order_by("id"), limit=10)
    assert page.items == []
    assert page.next_cursor is None


def test_an_exactly_full_page_has_no_next_cursor():
    ProjectFactory.create_batch(5)
    page = paginate(Project.objects.order_by("id"), limit=5)
    assert len(page.items) == 5
    assert page.next_cursor is None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_pages_cover_every_row_once_in_order_with_nulls_and_ties(seed, limit):
    # Many ties on the date and on the acronym, and NULL dates: the hard cases for a keyset.
    rng = random.Random(seed)
    dates = [None, dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 6, 30)]
    for _ in range(40):
        ProjectFactory(start_date=rng.choice(dates), acronym=rng.choice(["A", "B", "C"]))
    qs = Project.objects.order_by("-start_date", "acronym")

    pages = walk(qs, limit)

    flat = [pk for page in pages for pk in page]
    expected = [
        p.pk
        for p in sorted(
            Project.objects.all(),
            key=lambda p: (
                p.start_date is None,
                -(p.start_date.toordinal() if p.start_date else 0),
                p.acronym,
                p.pk,
            ),
        )
    ]
    assert flat == expected
    assert all(len(page) == limit for page in pages[:-1])


def test_ascending_nullable_key_puts_nulls_last():
    early = ProjectFactory(start_date=dt.date(2020, 1, 1))
    undated = ProjectFactory(start_date=None)
    late = ProjectFactory(start_date=dt.date(2021, 1, 1))
    pages = walk(Project.objects.order_by("start_date"), limit=1)
    assert pages == [[early.pk], [late.pk], [undated.pk]]


def test_a_cursor_keeps_its_place_when_rows_are_added_before_it():
    for name in ["b", "d", "f", "h"]:
        OrganisationFactory(name=name)
    qs = Organisation.objects.order_by("name")
    first = paginate(qs, limit=2)
    assert [o.name for o in first.items] == ["b", "d"]
    OrganisationFactory(name="a")  # sorts before the cursor: an offset would repeat "d"
    OrganisationFactory(name="e")
    second = paginate(qs, limit=2, cursor=first.next_cursor)
    assert [o.name for o in second.items] == ["e", "f"]
    again = paginate(qs, limit=2, cursor=first.next_cursor)
    assert [o.pk for o in again.items] == [o.pk for o in second.items]


def test_a_cursor_is_opaque_and_carries_no_readable_sql():
    ProjectFactory.create_batch(3)
    cursor = paginate(Project.objects.order_by("id"), limit=1).next_cursor
    assert cursor is not None
    assert " " not in cursor
    assert len(cursor) < 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "eyJrIjpbImlkIl0sInYiOlsxXX0:1tamper:abc",
        "x" * 5000,
    ],
)
def test_a_forged_or_garbled_cursor_is_refused(cursor):
    ProjectFactory.create_batch(3)
    if cursor == "":
        # An empty cursor means "first page", like no cursor at all.
        assert len(paginate(Project.objects.order_by("id"), limit=2, cursor=cursor).items) == 2
        return
    with pytest.raises(InvalidCursor):
        paginate(Project.objects.order_by("id"), limit=2, cursor=cursor)


def test_a_cursor_whose_signature_no_longer_matches_its_content_is_refused():
    ProjectFactory.create_batch(3)
    cursor = paginate(Project.objects.order_by("id"), limit=1).next_cursor
    assert cursor is not None
    value, _, signature = cursor.rpartition(":")
    tampered = value.replace(value[0], "A" if value[0] != "A" else "B", 1) + ":" + signature
    with pytest.raises(InvalidCursor):
        paginate(Project.objects.order_by("id"), limit=1, cursor=tampered)


def test_a_cursor_from_another_ordering_is_refused():
    ProjectFactory.create_batch(3)
    cursor = paginate(Project.objects.order_by("acronym"), limit=1).next_cursor
    with pytest.raises(InvalidCursor, match="another list"):
        paginate(Project.objects.order_by("-start_date", "acronym"), limit=1, cursor=cursor)


def test_a_signed_cursor_with_values_of_the_wrong_type_is_refused():
    # Even a correctly signed payload (e.g. from an older release) must not reach the database raw.
    payload = {"k": ["-start_date", "acronym", "id"], "v": ["not-a-date", "A", 1]}
    cursor = signing.dumps(payload, salt="grappe.core.pagination.cursor", compress=False)
    with pytest.raises(InvalidCursor):
        paginate(Project.objects.order_by("-start_date", "acronym"), limit=1, cursor=cursor)


def test_a_signed_cursor_with_null_in_a_non_nullable_key_is_refused():
    payload = {"k": ["name", "id"], "v": [None, 1]}
    cursor = signing.dumps(payload, salt="grappe.core.pagination.cursor", compress=False)
    with pytest.raises(InvalidCursor):
        paginate(Organisation.objects.order_by("name"), limit=1, cursor=cursor)


# --- cursors bound to their filters ------------------------------------------------------------


def test_a_cursor_is_bound_to_the_filters_it_was_made_with():
    OrganisationFactory.create_batch(4)
    qs = Organisation.objects.order_by("name")
    filters = {"q": "a", "kind": "sme", "paris_only": False, "sort": "name"}
    cursor = paginate(qs, limit=1, filters=filters).next_cursor
    # The same filters (in any order) follow on.
    again = dict(reversed(list(filters.items())))
    assert len(paginate(qs, limit=1, cursor=cursor, filters=again).items) == 1
    # Unset values count as absent: False or "" is the same as leaving the filter out.
    assert paginate(qs, limit=1, cursor=cursor, filters={**filters, "city": ""}).items


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"q": "b"}, "q"),
        ({"kind": None}, "kind"),
        ({"city": "Lyon"}, "city"),
        ({"paris_only": True}, "paris_only"),
        ({"q": "b", "sort": "-name"}, "q, sort"),
    ],
)
def test_a_cursor_used_with_other_filters_is_refused_naming_them(changed, named):
    OrganisationFactory.create_batch(4)
    qs = Organisation.objects.order_by("name")
    filters = {"q": "a", "kind": "sme", "paris_only": False, "sort": "name"}
    cursor = paginate(qs, limit=1, filters=filters).next_cursor
    with pytest.raises(InvalidCursor, match=f"other values of {named}:"):
        paginate(qs, limit=1, cursor=cursor, filters={**filters, **changed})


def test_a_cursor_made_without_filters_is_refused_once_a_filter_is_set():
    OrganisationFactory.create_batch(3)
    qs = Organisation.objects.order_by("name")
    cursor = paginate(qs, limit=1).next_cursor
    with pytest.raises(InvalidCursor, match="other values of country"):
        paginate(qs, limit=1, cursor=cursor, filters={"country": "DE"})


def test_a_cursor_with_filters_stays_short():
    OrganisationFactory.create_batch(3)
    filters = {"q": "x" * 200, "city": "y" * 120, "kind": "sme", "sort": "name"}
    cursor = paginate(Organisation.objects.order_by("name"), limit=1, filters=filters).next_cursor
    assert cursor is not None and len(cursor) < 300


def test_only_nullable_keys_are_ordered_with_nulls_last():
    # SQLite walks a plain index only if the ORDER BY carries no NULLS LAST on non-null keys.
    keys = sort_keys(Project.objects.order_by("-start_date", "acronym"))
    sql = str(Project.objects.order_by(*order_expressions(keys)).query)
    order = sql.split("ORDER BY")[1]
    assert order.count("NULLS LAST") == 1 and order.index("NULLS LAST") < order.index("acronym")


def test_a_later_page_starts_its_scan_at_the_cursor_and_reads_nulls_only_when_needed():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for year in (2020, 2021, 2022):
        ProjectFactory(start_date=dt.date(year, 1, 1))
    ProjectFactory(start_date=None)
    qs = Project.objects.order_by("-start_date", "acronym")
    first = paginate(qs, limit=1)
    with CaptureQueriesContext(connection) as ctx:
        second = paginate(qs, limit=1, cursor=first.next_cursor)
    (sql,) = (q["sql"] for q in ctx.captured_queries)
    assert '"start_date" <=' in sql  # a bound an index range can start from
    assert "IS NULL" not in sql  # the undated rows are not needed yet
    third = paginate(qs, limit=1, cursor=second.next_cursor)
    with CaptureQueriesContext(connection) as ctx:
        last = paginate(qs, limit=5, cursor=third.next_cursor)
    assert len(ctx.captured_queries) == 2  # the dated rows ran out: the undated follow
    assert [p.start_date for p in last.items] == [None] and last.next_cursor is None
