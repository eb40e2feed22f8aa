"""Full-text search indexes, one per searchable entity, with the SQL of each database.

An index is a table beside the entity's table, one row per entity row (same id), holding a
*search document* built in Python by the entity's app (`registry/search.py`,
`projects/search.py`) with `grappe.core.domain.text.search_fold` — the same folding as the
queries, so accents, case and punctuation never matter and both databases agree:

- `names`: the row's names, acronyms and aliases, folded, between `|` (`|cnrs|centre national…|`):
  indexed with a high weight, and compared whole for the "exact name" tier of the ranking;
- `document`: everything else one may type (keywords, city and postcode forms, identifiers in
  compact and spaced forms, titles, summaries);
- `identifiers`: the compact identifiers between spaces (` 552100554 fr12552100554 `), for the
  "exact identifier" tier;
- `activity`: how active the row is (an organisation's projects, a project's partners), the
  tie-breaker after relevance.

SQLite: an FTS5 virtual table (`unicode61 remove_diacritics 2`, prefix indexes of 2 and 3
characters), ranked by `bm25`. PostgreSQL: a plain table with a stored `tsvector` (names weight
A, document weight B) under a GIN index, ranked by `ts_rank`. Both are created by the apps'
migrations through `index_create` and written only through `index_write` / `index_delete`,
which the services call (`<entity>_search_index_update(ids)`); `grappe search_index rebuild`
rebuilds them.

Ranking (`SearchIndex.ranked`): exact identifier, then exact name or acronym, then the text rank,
then activity (descending), then the entity's own name order — all as annotations, so keyset
pagination (`grappe.core.pagination`) pages a relevance order like any other.

The search page reads through `SearchIndex.preview` instead: a count capped at `COUNT_CAP`
("more than" beyond) and, beyond the cap, the same ranking over a bounded set of candidates, so a
word that most rows hold is neither ranked nor counted row by row (PostgreSQL: the indexes of
`index_order_sql`; docs/decisions/search-bounded-reads.md).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import Expression

from grappe.core.domain import spelling
from grappe.core.domain.text import compact, fold_text, search_fold, search_words, unglued_in
from grappe.core.fastsql import ids_condition, int_array
from grappe.core.models import SearchWord

# A query longer than this is cut (the page and API refuse longer ones first).
MAX_WORDS = 12
MAX_WORD_LENGTH = 60
# Weights of the names and document columns (bm25 on SQLite; ts_rank's A and B on PostgreSQL).
NAMES_WEIGHT = 10.0
DOCUMENT_WEIGHT = 1.0
TIER_IDENTIFIER, TIER_NAME, TIER_TEXT = 0, 1, 2
# Typo tolerance: the nearest corrections tried per word, and the corrected queries tried.
SUGGESTION_CANDIDATES = 3
SUGGESTION_TRIES = 6
# The annotations of a searched QuerySet, in the order of relevance.
RELEVANCE = ("search_tier", "search_score", "-search_activity")
# The search page counts matches up to a cap and ranks every match when there are no more
# (`SearchIndex.preview`); beyond the cap it says "more than" and ranks a bounded set of
# candidates: the exact identifiers and names, and the most active rows matching in their names
# and (unless this many name the words) anywhere, this many of each. A broad word (`paris`: two thirds of the rows) is then
# neither ranked nor counted row by row.
PREVIEW_CANDIDATES = 100
COUNT_CAP = 1000


@dataclass(frozen=True)
class SearchCount:
    """How many rows a search matches: `value` exactly, or — when `more` — more than `value`
    (the cap: counting further would read every match)."""

    value: int
    more: bool = False


class Document(NamedTuple):
    """What one row's index entry holds (folded text). A named tuple: an import builds tens of
    thousands, and a tuple is made several times faster than a frozen dataclass."""

    names: str
    document: str
    identifiers: str
    activity: int = 0


@dataclass(frozen=True)
class SearchQuery:
    """A user's query, folded: its words, the compact form (an identifier typed with spaces)
    and the whole folded text (an exact name)."""

    words: tuple[str, ...]
    compact: str
    text: str

    @classmethod
    def parse(cls, q: str) -> SearchQuery:
        words = tuple(w[:MAX_WORD_LENGTH] for w in search_words(q)[:MAX_WORDS])
        return cls(words=words, compact=compact(" ".join(words)), text=" ".join(words))

    def __bool__(self) -> bool:
        return bool(self.words)

    def fts5(self) -> str:
        """The FTS5 MATCH expression: every word (the last one as a prefix), or the compact form.

        Words are folded letters and digits only, so quoting them is safe.
        """
        *head, last = self.words
        terms = [f'"{w}"' for w in head] + [f'"{last}"*']
        expression = " ".join(terms)
        if len(self.words) > 1 and self.compact:
            expression = f'({expression}) OR "{self.compact}"'
        return expression

    def tsquery(self) -> str:
        """The PostgreSQL `to_tsquery('simple', …)` text, with the same meaning as `fts5`."""
        *head, last = self.words
        terms = [f"'{w}'" for w in head] + [f"'{last}':*"]
        expression = " & ".join(terms)
        if len(self.words) > 1 and self.compact:
            expression = f"({expression}) | '{self.compact}'"
        return expression

    def tsquery_words(self) -> str:
        """`tsquery` without the compact alternative: every word (the last one as a prefix)."""
        *head, last = self.words
        return " & ".join([*(f"'{w}'" for w in head), f"'{last}':*"])

    def fts5_names(self) -> str:
        """`fts5` restricted to the names column: every word in the names."""
        *head, last = self.words
        return "names : (" + " ".join([*(f'"{w}"' for w in head), f'"{last}"*']) + ")"


class _IndexExpression(Expression):
    """Base of the MATCH and rank expressions: compiled against the index's column `document`
    reached through the entity's relation, so the join exists and its alias is known."""

    def __init__(self, document: Any, query: SearchQuery, output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.document = document
        self.query = query

    def get_source_expressions(self) -> list[Any]:
        return [self.document]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.document,) = exprs

    def _alias(self, compiler: Any) -> tuple[str, str]:
        col: Any = self.document
        alias = getattr(col, "alias", None)
        if alias is None:  # pragma: no cover - a programming error
            raise TypeError("A search expression must be built on the index's document column")
        table = col.target.model._meta.db_table
        return compiler.quote_name_unless_alias(alias), connection.ops.quote_name(table)


class SearchMatch(_IndexExpression):
    """True for the rows whose index entry matches the query (`names_only`: in its names)."""

    conditional = True

    def __init__(self, document: Any, query: SearchQuery, *, names_only: bool = False) -> None:
        super().__init__(document, query, models.BooleanField())
        self.names_only = names_only

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, table = self._alias(compiler)
        if connection.vendor == "postgresql":
            if self.names_only:  # the names' own GIN index (`index_order_sql`)
                text = self.query.tsquery_words()
                return f"{_NAMES_TSV % alias} @@ to_tsquery('simple', %s)", [text]
            return f"{alias}.\"tsv\" @@ to_tsquery('simple', %s)", [self.query.tsquery()]
        text = self.query.fts5_names() if self.names_only else self.query.fts5()
        return f"{alias}.{table} MATCH %s", [text]


class SearchScore(_IndexExpression):
    """The text rank of a matching row, lower first (bm25 is negative; ts_rank is negated)."""

    def __init__(self, document: Any, query: SearchQuery) -> None:
        super().__init__(document, query, models.FloatField())

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, table = self._alias(compiler)
        if connection.vendor == "postgresql":
            # float8: a float4 read back as text loses digits, and a cursor must compare equal.
            return f"(-ts_rank({alias}.\"tsv\", to_tsquery('simple', %s))::float8)", [
                self.query.tsquery()
            ]
        # bm25 takes the table's hidden column (named after the table) of the joined alias.
        return f"bm25({alias}.{table}, {NAMES_WEIGHT}, {DOCUMENT_WEIGHT})", []


@dataclass
class SearchIndex:
    """The index of one entity: its table, the relation from the entity to its entry model,
    and how documents are built (`documents(ids) -> {id: Document}`)."""

    table: str
    relation: str  # e.g. "search_entry": the reverse relation from the entity to its entry
    model: Any = None  # the entity's model (its ids are the index's)
    activity_field: str = "id"  # the entity's column holding its activity (written here)
    documents: Callable[[Sequence[int]], Mapping[int, Document]] | None = None
    contributors: list[Callable[[Sequence[int]], Mapping[int, Iterable[str]]]] = field(
        default_factory=list
    )
    activity: Callable[[Sequence[int]], Mapping[int, int]] | None = None

    # --- what apps above the entity's add -------------------------------------------------

    def contributor(
        self, func: Callable[[Sequence[int]], Mapping[int, Iterable[str]]]
    ) -> Callable[[Sequence[int]], Mapping[int, Iterable[str]]]:
        """Register extra names for rows (e.g. interop's aliases of organisations): a decorator
        so that an app above the entity's adds to its documents without being imported."""
        self.contributors.append(func)
        return func

    def activity_source(
        self, func: Callable[[Sequence[int]], Mapping[int, int]]
    ) -> Callable[[Sequence[int]], Mapping[int, int]]:
        """Register how active rows are (e.g. projects count an organisation's participations)."""
        self.activity = func
        return func

    # --- reads ------------------------------------------------------------------------------

    def ranked(self, qs: QuerySet[Any], q: str) -> QuerySet[Any]:
        """`qs` narrowed to the rows matching `q`, annotated with the relevance keys
        (`search_tier`, `search_score`, `search_activity`); nothing when `q` has no word."""
        query = SearchQuery.parse(q)
        if not query:
            return self._nothing(qs)
        return self._ranked(qs, query, self._exact_identifier(query), self._exact_name(query))

    def preview(
        self, qs: QuerySet[Any], q: str, *, cap: int | None = None, candidates: int | None = None
    ) -> tuple[QuerySet[Any], SearchCount]:
        """For a page that shows the first few matches and how many there are (the search page):
        `ranked(qs, q)` over a bounded set of candidates, and the count of matches up to `cap`.

        The matching ids are read up to `cap + 1` (`COUNT_CAP`), which stops early on a broad
        word. At most `cap` matches: those are the candidates — every match, so the order is
        exactly `ranked`'s — and the count is exact. More: the count says "more than `cap`", and
        the candidates are the rows of an exact identifier and of an exact name (found through
        the index, as `ranked` finds them), the `candidates` (`PREVIEW_CANDIDATES`) most active
        rows holding every word in their names and — unless there are that many — the
        `candidates` most active rows matching anywhere (both read in the activity order, which
        a broad word leaves early). A row is then left out only if it is neither an exact match,
        nor among the most active rows naming every word, nor among the most active matches: the
        text rank puts the rows naming the words first, and ties (most rows of a broad word score
        alike) go to the most active. The candidates come from `qs`, the caller's scoped rows."""
        query = SearchQuery.parse(q)
        if not query:
            return self._nothing(qs), SearchCount(0)
        cap = COUNT_CAP if cap is None else cap
        candidates = PREVIEW_CANDIDATES if candidates is None else candidates
        document = F(f"{self.relation}__document")
        matching = self._inner(qs.filter(SearchMatch(document, query))).order_by()
        found = list(matching.values_list("pk", flat=True)[: cap + 1])
        exact_ids, exact_names = self._exact_identifier(query), self._exact_name(query)
        if len(found) <= cap:
            ranked = self._ranked(qs.filter(pk__in=found), query, exact_ids, exact_names)
            return ranked, SearchCount(len(found))
        # the same activity order, read where it is cheapest: PostgreSQL walks the index table's
        # activity index; SQLite reads the entity's row it joins anyway (an FTS5 row holds the
        # whole text)
        if connection.vendor == "postgresql":
            order = (f"-{self.relation}__activity", f"{self.relation}__id")
        else:
            order = (f"-{self.activity_field}", "pk")
        ids: set[int] = set(exact_ids) | set(exact_names)
        for names_only in (True, False):
            some = self._inner(qs.filter(SearchMatch(document, query, names_only=names_only)))
            first = list(some.order_by(*order).values_list("pk", flat=True)[:candidates])
            ids.update(first)
            if names_only and len(first) == candidates:
                # enough rows name every word: they outrank any row holding the words only
                # elsewhere (names weigh 1 against 0.4 in ts_rank, 10 against 1 in bm25)
                break
        ranked = self._ranked(qs.filter(pk__in=sorted(ids)), query, exact_ids, exact_names)
        return ranked, SearchCount(cap, more=True)

    def _nothing(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """Nothing to search for (`'; --`): no row, but the same annotations."""
        empty: QuerySet[Any] = qs.none().annotate(
            search_tier=Value(TIER_TEXT, output_field=IntegerField()),
            search_score=Value(0.0, output_field=models.FloatField()),
            search_activity=Value(0, output_field=IntegerField()),
        )
        return empty

    def _ranked(
        self,
        qs: QuerySet[Any],
        query: SearchQuery,
        exact_ids: Sequence[int],
        exact_names: Sequence[int],
    ) -> QuerySet[Any]:
        document = F(f"{self.relation}__document")
        tiers: list[When] = []
        if exact_ids:
            tiers.append(When(pk__in=exact_ids, then=Value(TIER_IDENTIFIER)))
        if exact_names:
            tiers.append(When(pk__in=exact_names, then=Value(TIER_NAME)))
        tier: Any = (
            Case(*tiers, default=Value(TIER_TEXT), output_field=IntegerField())
            if tiers
            else Value(TIER_TEXT, output_field=IntegerField())
        )
        annotated = qs.filter(SearchMatch(document, query)).annotate(
            search_tier=tier,
            search_score=SearchScore(document, query),
            search_activity=F(self.activity_field),
        )
        return self._inner(annotated)

    # The two first tiers are found by the index first (a few rows), not compared on every
    # matching row: reading an entry's stored columns for tens of thousands of rows is what
    # a broad query would otherwise pay.
    def _exact_identifier(self, query: SearchQuery) -> list[int]:
        code = query.compact
        if not code or not any(c.isdigit() for c in code):  # every identifier has digits
            return []
        single = SearchQuery(words=(code,), compact=code, text=code)
        return _index_select(self.table, "identifiers", single, f" {code} ")

    def _exact_name(self, query: SearchQuery) -> list[int]:
        return _index_select(self.table, "names", query, f"|{query.text}|")

    def _inner(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The join to the index made an INNER join (Django makes an expression's join an
        outer one, and FTS5 answers MATCH only when the index drives the join)."""
        query = qs.query
        query.demote_joins(
            [alias for alias, join in query.alias_map.items() if join.table_name == self.table]
        )
        return qs

    def suggestion(self, qs: QuerySet[Any], q: str) -> str | None:
        """A corrected query for a query that finds nothing in `qs`: each word the index does
        not hold (5 letters or more) replaced by its nearest vocabulary word (`spelling`),
        trying the nearest candidates first; offered only if the corrected query finds rows of
        `qs` — the caller's scoped rows, so a suggestion never reveals a word of a row the user
        may not see. None when there is nothing to correct or no correction finds anything."""
        query = SearchQuery.parse(q)
        if not query:
            return None
        vocabulary = SearchWord.objects.filter(index=self.table)
        options: list[list[str]] = []
        for word in query.words:
            if not spelling.typos_allowed(word) or vocabulary.filter(word=word).exists():
                options.append([word])
                continue
            low, high = spelling.candidate_lengths(word)
            near = vocabulary.filter(length__gte=low, length__lte=high).filter(
                models.Q(word__startswith=word[0]) | models.Q(word__endswith=word[-2:])
            )
            found = spelling.corrections(word, near.values_list("word", flat=True)[:20000])
            options.append(found[:SUGGESTION_CANDIDATES] or [word])
        if all(len(o) == 1 and o[0] == w for o, w in zip(options, query.words, strict=True)):
            return None
        for words in itertools.islice(_combinations(options), SUGGESTION_TRIES):
            text = " ".join(words)
            if text != query.text and self.ranked(qs, text).exists():
                return text
        return None

    # --- writes ------------------------------------------------------------------------------

    def build(self, ids: Sequence[int]) -> dict[int, Document]:
        """The documents of these rows (rows that no longer exist have none)."""
        if self.documents is None:
            raise RuntimeError(f"No document builder registered for {self.table}")
        docs = dict(self.documents(ids))
        if not docs:
            return {}
        extras: dict[int, list[str]] = {}
        for contributor in self.contributors:
            for pk, names in contributor(list(docs)).items():
                if pk in extras:
                    extras[pk].extend(names)
                else:
                    extras[pk] = list(names)
        activity = dict(self.activity(list(docs))) if self.activity else {}
        out: dict[int, Document] = {}
        for pk, doc in docs.items():
            names = doc.names
            extra = extras.get(pk)
            if extra:
                # most extra names are already there (an alias spelt as the name folds alike)
                more = [n for n in map(search_fold, extra) if n and f"|{n}|" not in names]
                if more:
                    known = set(names.strip("|").split("|"))
                    names = "|".join([names.rstrip("|"), *sorted(set(more) - known)]) + "|"
            out[pk] = Document(names, doc.document, doc.identifiers, activity.get(pk, doc.activity))
        return out

    def rebuild(self) -> int:
        """Rebuild every entry from the entity's table; returns how many were written."""
        index_clear(self.table)
        ids = list(self.model._base_manager.order_by("pk").values_list("pk", flat=True))
        return self.update(ids)

    def stale(self) -> tuple[set[int], set[int], set[int]]:
        """How the index differs from its table: (ids missing, ids left over, entries whose
        document is not what the row gives now). Empty sets: the index matches."""
        rows = index_rows(self.table)
        ids = set(self.model._base_manager.values_list("pk", flat=True))
        fresh = self.build(sorted(ids))
        differing = {pk for pk, doc in fresh.items() if pk in rows and rows[pk] != doc}
        return ids - rows.keys(), rows.keys() - ids, differing

    def update(self, ids: Iterable[int], *, batch_size: int = 2000) -> int:
        """Bring the entries of these rows up to date (written, or removed for rows that are
        gone); returns how many entries were written (0 while updates are deferred: they are
        written when `deferred_updates()` ends)."""
        pending = _DEFERRED.get()
        if pending is not None:
            pending.setdefault(self.table, set()).update(ids)
            return 0
        unique = sorted(set(ids))
        written = 0
        words: set[str] = set()
        held = bool(unique) and not index_empty(self.table)  # a first import deletes nothing
        for start in range(0, len(unique), batch_size):
            batch = unique[start : start + batch_size]
            docs = self.build(batch)
            if held:
                index_delete(self.table, batch)
            index_insert(self.table, docs)
            words |= document_words(docs.values())
            self._write_activity(docs)
            written += len(docs)
        words_add(self.table, words)  # the vocabulary once, for every batch
        return written

    def _write_activity(self, docs: Mapping[int, Document]) -> None:
        """The entity's activity column follows its entry (the ranking reads it there, with the
        row it reads anyway); only the rows whose value changed are written."""
        if not docs:
            return
        opts = self.model._meta
        qn = connection.ops.quote_name
        table, pk = qn(opts.db_table), qn(opts.pk.column)
        column = qn(opts.get_field(self.activity_field).column)
        # one statement joining the (id, activity) pairs, rather than a read of the current
        # values and an UPDATE per changed row
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET {column} = v.activity "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, activity) "
                    f"WHERE {table}.{pk} = v.id AND {table}.{column} IS DISTINCT FROM v.activity",
                    [int_array(docs), int_array(doc.activity for doc in docs.values())],
                )
            else:
                pairs = json.dumps([[pk_, doc.activity] for pk_, doc in docs.items()])
                cursor.execute(
                    f"UPDATE {table} SET {column} = v.activity "  # noqa: S608
                    "FROM (SELECT value ->> 0 AS id, value ->> 1 AS activity "
                    "FROM json_each(%s)) AS v "
                    f"WHERE {table}.{pk} = v.id AND {table}.{column} IS NOT v.activity",
                    [pairs],
                )


def document_text(parts: Sequence[str], folded_names: Sequence[str]) -> str:
    """The `document` column: the folded parts, plus the words behind a lost apostrophe in
    the parts and the names, given folded (`search_fold`): `Ecole de lADN` is found by `adn`."""
    text = fold_text(" ".join(parts))  # folding drops the spaces of empty parts
    # folding is per character, so the names folded one by one split into the same words as
    # their folded join
    hidden = unglued_in(" ".join([*folded_names, text]))
    return f"{text} {' '.join(hidden)}".strip() if hidden else text


def names_field(folded: Iterable[str]) -> str:
    """The `names` column: the names, given folded, between `|`, each once, in their order."""
    seen = [f for f in dict.fromkeys(folded) if f]
    return "|" + "|".join(seen) + "|" if seen else "|"


def identifiers_field(compacts: Sequence[str]) -> str:
    """The `identifiers` column: the identifiers, given compact (`compact`), between spaces."""
    return " " + " ".join(c for c in compacts if c) + " " if compacts else " "


# --- the SQL of each database ------------------------------------------------------------------


def index_create_sql(table: str, vendor: str) -> list[str]:
    """The statements creating an index table (used by the apps' migrations)."""
    qn = connection.ops.quote_name if connection.vendor == vendor else (lambda n: f'"{n}"')
    if vendor == "postgresql":
        return [
            f"CREATE TABLE {qn(table)} ("
            '"rowid" bigint PRIMARY KEY, "names" text NOT NULL, "document" text NOT NULL, '
            '"identifiers" text NOT NULL, "activity" integer NOT NULL DEFAULT 0, '
            "\"tsv\" tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', names), 'A')"
            " || setweight(to_tsvector('simple', document), 'B')) STORED)",
            f"CREATE INDEX {qn(table + '_tsv')} ON {qn(table)} USING gin (tsv)",
        ]
    return [
        f"CREATE VIRTUAL TABLE {qn(table)} USING fts5(names, document, "
        "identifiers UNINDEXED, activity UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    ]


# PostgreSQL: the names' own stored tsvector, under its own GIN index; "names hold every word" is
# asked of it rather than of `tsv`'s weight A, which no index answers (and which the planner
# estimates as the whole word's share of rows).
_NAMES_TSV = '%s."names_tsv"'


def index_order_sql(table: str, vendor: str) -> list[str]:
    """The statements adding what the search page's bounded reads need (PostgreSQL; SQLite's
    FTS5 answers them from its own index): the activity order, walked until enough matches are
    found (`SearchIndex.preview`), and the names' own tsvector under a GIN index."""
    if vendor != "postgresql":
        return []
    qn = connection.ops.quote_name if connection.vendor == vendor else (lambda n: f'"{n}"')
    return [
        f'CREATE INDEX {qn(table + "_activity")} ON {qn(table)} ("activity" DESC, "rowid")',
        f'ALTER TABLE {qn(table)} ADD COLUMN "names_tsv" tsvector '
        "GENERATED ALWAYS AS (to_tsvector('simple', names)) STORED",
        f'CREATE INDEX {qn(table + "_names")} ON {qn(table)} USING gin ("names_tsv")',
    ]


def index_order_drop_sql(table: str, vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    return [
        f'DROP INDEX IF EXISTS "{table}_activity"',
        f'DROP INDEX IF EXISTS "{table}_names"',
        f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "names_tsv"',
    ]


def index_order_create(schema_editor: Any, table: str) -> None:
    """Add the bounded reads' indexes in a migration (`RunPython`), for the migrating database."""
    for sql in index_order_sql(table, schema_editor.connection.vendor):
        schema_editor.execute(sql)


def index_order_drop(schema_editor: Any, table: str) -> None:
    for sql in index_order_drop_sql(table, schema_editor.connection.vendor):
        schema_editor.execute(sql)


# Share of each page a PostgreSQL insert fills in the tables whose activity column the upkeep
# writes (`SearchIndex._write_activity`): the rest is room for the row's next version on its own
# page, so that the UPDATE is a HOT update (the activity column is in no index) rather than a
# new entry in each of the table's indexes. An import inserts its rows and updates each one's
# activity in the same transaction, so a page needs room for a second version of all its rows.
ACTIVITY_FILLFACTOR = 50


def activity_room(table: str) -> Any:
    """The migration operation leaving room for HOT updates of `table`'s activity column
    (PostgreSQL only: SQLite has no fillfactor; reversed by resetting it). Pages written from
    then on keep the room; existing ones once rewritten (`VACUUM FULL`)."""
    from django.db import migrations

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" SET (fillfactor = {int(ACTIVITY_FILLFACTOR)})'
            )

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" RESET (fillfactor)')

    return migrations.RunPython(create, drop)


def index_drop_sql(table: str, vendor: str) -> list[str]:
    return [f'DROP TABLE IF EXISTS "{table}"']


def index_create(schema_editor: Any, table: str) -> None:
    """Create an index table in a migration (`RunPython`), for the migrating database."""
    for sql in index_create_sql(table, schema_editor.connection.vendor):
        schema_editor.execute(sql)


def index_drop(schema_editor: Any, table: str) -> None:
    for sql in index_drop_sql(table, schema_editor.connection.vendor):
        schema_editor.execute(sql)


def index_empty(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is None


def index_delete(table: str, ids: Sequence[int]) -> None:
    if not ids:
        return
    qn = connection.ops.quote_name
    condition, params = ids_condition('"rowid"', ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(table)} WHERE {condition}", params)  # noqa: S608


def _combinations(options: list[list[str]]) -> Iterator[list[str]]:
    """Every choice of one option per word, the first options first (breadth by rank)."""
    if not options:
        yield []
        return
    for rest in _combinations(options[1:]):
        for first in options[0]:
            yield [first, *rest]


def document_words(docs: Iterable[Document]) -> set[str]:
    """The vocabulary words of these documents (`spelling.vocabulary_words` of each names and
    document column), each word once: the texts are split here and the distinct words
    filtered once, rather than a set built per document."""
    texts = [text for doc in docs for text in (doc.names, doc.document)]
    return spelling.vocabulary_of(set(" ".join(texts).replace("|", " ").split()))


def words_add(table: str, words: set[str]) -> None:
    """Add these words to the index's vocabulary: only those it does not hold yet are
    inserted (the index's words are read once; a concurrent writer's are skipped)."""
    if not words:
        return
    qn = connection.ops.quote_name
    vocabulary = qn(SearchWord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "word" FROM {vocabulary} WHERE "index" = %s',  # noqa: S608
            [table],
        )
        new = sorted(words.difference(word for (word,) in cursor.fetchall()))
        if not new:
            return
        # one statement over an array of the words rather than one INSERT per word (on SQLite
        # a third of the time: binding and stepping a statement per row is what costs)
        columns = '("index", "word", "length")'
        if connection.vendor == "postgresql":
            # the words as one text split by the server: no word holds a space (they come
            # from split texts), and a Python list would be quoted word by word in Python
            joined = " ".join(new)
            words_param: str | list[str]
            if joined.count(" ") == len(new) - 1:
                words_sql, words_param = "string_to_array(%s, ' ')", joined
            else:
                words_sql, words_param = "%s::text[]", new
            insert = (
                f"INSERT INTO {vocabulary} {columns} "  # noqa: S608
                f"SELECT %s, w, char_length(w) FROM unnest({words_sql}) AS w"
            )
            try:
                # a plain INSERT first: ON CONFLICT's speculative insertion probes the unique
                # index once more per word (an import's tens of thousands of words: ~40% of
                # the statement); a savepoint keeps the transaction when a concurrent writer
                # added one of the words meanwhile
                with transaction.atomic(savepoint=True):
                    cursor.execute(insert, [table, words_param])
            except IntegrityError:
                cursor.execute(f"{insert} ON CONFLICT DO NOTHING", [table, words_param])
        else:
            cursor.execute(
                f"INSERT OR IGNORE INTO {vocabulary} {columns} "  # noqa: S608
                "SELECT %s, value, length(value) FROM json_each(%s)",
                [table, json.dumps(new)],
            )


def words_write(table: str, docs: Iterable[Document]) -> None:
    """Add the documents' words to the index's vocabulary (those already there are kept)."""
    words_add(table, document_words(docs))


def index_insert(table: str, docs: Mapping[int, Document]) -> None:
    """Insert entries (their rows must not exist: `SearchIndex.update` deletes them first);
    the vocabulary is the caller's (`words_add`)."""
    if not docs:
        return
    qn = connection.ops.quote_name
    rows = [(pk, d.names, d.document, d.identifiers, d.activity) for pk, d in docs.items()]
    columns = '"rowid", "names", "document", "identifiers", "activity"'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )


def index_write(table: str, docs: Mapping[int, Document]) -> None:
    """Insert entries (their rows must not exist: `SearchIndex.update` deletes them first),
    and their words into the index's vocabulary."""
    if not docs:
        return
    words_write(table, docs.values())
    index_insert(table, docs)


def index_clear(table: str) -> None:
    SearchWord.objects.filter(index=table).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def index_ids(table: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "rowid" FROM {connection.ops.quote_name(table)}')  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _index_select(table: str, column: str, query: SearchQuery, holding: str) -> list[int]:
    """Ids of the entries whose `column` holds every word of the query (whole words, through
    the index) and the text `holding` (compared in the database, so a word that thousands of
    entries hold costs no transfer), at most 1,000: the rows of an exact match."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the names through their own GIN index (`index_order_sql`), the rest through tsv
            vector = _NAMES_TSV % qn(table) if column == "names" else "tsv"
            cursor.execute(
                f'SELECT "rowid" FROM {qn(table)} '  # noqa: S608
                f"WHERE {vector} @@ to_tsquery('simple', %s) AND strpos({qn(column)}, %s) > 0 "
                "LIMIT 1000",
                [" & ".join(f"'{w}'" for w in query.words), holding],
            )
        else:
            phrase = " ".join(f'"{w}"' for w in query.words)
            match = f"{column} : ({phrase})" if column == "names" else phrase
            cursor.execute(
                f'SELECT "rowid" FROM {qn(table)} '  # noqa: S608
                f"WHERE {qn(table)} MATCH %s AND instr({qn(column)}, %s) > 0 LIMIT 1000",
                [match, holding],
            )
        return [int(pk) for (pk,) in cursor.fetchall()]


def index_rows(table: str) -> dict[int, Document]:
    """Every entry as stored (the check that the index matches its table)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "rowid", "names", "document", "identifiers", "activity" FROM {qn(table)}'  # noqa: S608
        )
        return {
            int(pk): Document(names=n, document=d, identifiers=i, activity=int(a or 0))
            for pk, n, d, i, a in cursor.fetchall()
        }


def index_size(table: str) -> int:
    """Bytes the index takes on disk (SQLite: its shadow tables; PostgreSQL: table + indexes)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cursor.fetchone()[0])
        try:
            cursor.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE %s", [f"{table}%"]
            )
            return int(cursor.fetchone()[0])
        except Exception:
            return -1


# Every index, by table name (the apps register theirs when they load).
INDEXES: dict[str, SearchIndex] = {}

# Ids whose entries are to be updated when `deferred_updates()` ends (None: update at once).
_DEFERRED: ContextVar[dict[str, set[int]] | None] = ContextVar(
    "grappe_search_deferred", default=None
)


@contextmanager
def deferred_updates() -> Iterator[None]:
    """Within the block, index updates only collect ids; each row is indexed once when the block
    ends without an error (an import's batches touch the same organisations again and again).
    Use it inside the transaction of the writes, so entries and rows commit together."""
    if _DEFERRED.get() is not None:  # already deferred by an outer block
        yield
        return
    pending: dict[str, set[int]] = {}
    token = _DEFERRED.set(pending)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    for table, ids in pending.items():
        INDEXES[table].update(ids)


def register(index: SearchIndex) -> SearchIndex:
    INDEXES[index.table] = index
    return index


def fill_empty_indexes() -> dict[str, int]:
    """Build the indexes that are empty while their table is not (after the migration that
    created them, or a restore from an older backup); returns what was written per index."""
    written: dict[str, int] = {}
    for index in INDEXES.values():
        if index.model is None or not index.model._base_manager.exists():
            continue
        if index_empty(index.table):
            written[index.table] = index.rebuild()
        elif not SearchWord.objects.filter(index=index.table).exists():
            # an index filled before its vocabulary existed
            words_write(index.table, index_rows(index.table).values())
    return written
