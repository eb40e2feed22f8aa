"""Organisation identity resolution over an in-memory identity map, with batched writes.

The resolver loads every organisation (the fields imports write) and every alias once, then
answers each incoming row from dictionaries keyed by identifier and by normalised name; new and
changed organisations are written in batches by `flush()`.

Rules (docs/imports.md):
1. identifiers first (PIC, SIREN, SIRET, RNSR, ROR, VAT): a row whose identifiers point to two
   organisations, or to one that holds a different value of the same identifier, is rejected —
   two organisations whose identifiers conflict are never merged;
2. otherwise the normalised name (or a known alias) in the same country — a country missing on
   one side never keeps twins apart — provided no identifier conflicts, with the same city or a
   city missing on one side;
3. in another city, the same organisation when its name is specific (two significant words or
   more) or when both are public research, education or public bodies (national, multi-site);
4. otherwise (a one-word company name in another city, no identifier to decide): a new
   organisation and a `MergeProposal` for a human to confirm or reject; a pair once proposed is
   never proposed again, whatever was decided;
5. otherwise a new organisation.

The source that created an organisation keeps it up to date; other sources only fill blanks.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.text import search_fold
from grappe.core.fastsql import insert_rows
from grappe.interop.domain.names import normalise_city, normalise_name, significant_words
from grappe.interop.models import ImportRun, MergeProposal, OrganisationAlias
from grappe.registry.models import Organisation
from grappe.registry.search import organisation_search_index_update
from grappe.registry.services import organisation_bulk_insert, organisation_bulk_update

IDENTIFIERS = ("pic", "siren", "siret", "rnsr", "ror", "vat")
IDENTIFIER_LABELS = {
    "pic": "PIC",
    "siren": "SIREN",
    "siret": "SIRET",
    "rnsr": "RNSR",
    "ror": "ROR",
    "vat": "VAT",
}
# Kinds whose organisations are national, with sites in many cities (CNRS, a university).
MULTI_SITE_KINDS = frozenset({"research_lab", "higher_education", "public_body"})
# The organisation fields an import may write, besides the identifiers.
DESCRIPTIVE = (
    "name",
    "short_name",
    "kind",
    "address",
    "postcode",
    "city",
    "country",
    "nuts_code",
    "website",
    "sme_declared",
    "size_class",
)
FIELDS = (*DESCRIPTIVE, *IDENTIFIERS, "source")
_BLANK_VALUES: tuple[Any, ...] = ("", None)


@dataclass(eq=False, slots=True)
class OrgState:
    """What the resolver knows of one organisation; `pk` is None until it is written."""

    pk: int | None
    values: dict[str, Any]
    is_new: bool = False
    changed: set[str] | None = None  # fields to write; a set only once something changed
    seen: bool = False  # already updated from a row of this run
    aliases: set[tuple[str, str, str]] = field(default_factory=set)  # (source, name, city)

    @property
    def label(self) -> str:
        return f"#{self.pk} {self.values['name']!r}" if self.pk else repr(self.values["name"])


class Conflict(ValueError):
    """The row's identifiers contradict the organisations we hold; the row is rejected.

    Translatable like `readers.RowRefused`: `message` is English with `%(name)s` placeholders
    (marked with `gettext_noop`), `params` fills them; `str()` is English."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params)


class Resolver:
    def __init__(self, *, source: str, run: ImportRun | None, counts: Any) -> None:
        self.source = source
        self.run = run
        self.counts = counts
        self.by_id: dict[str, dict[str, OrgState]] = {k: {} for k in IDENTIFIERS}
        self.by_name: dict[tuple[str, str], list[OrgState]] = {}
        self.by_norm: dict[str, list[OrgState]] = {}  # the same, whatever the country
        # (source, exact name, normalised city, country) → where that spelling went last time,
        # so that a re-import resolves every row as the first import did.
        self.by_spelling: dict[tuple[str, str, str, str], OrgState] = {}
        self._pending_aliases: list[tuple[OrgState, str, str, str, str, str]] = []
        self._pending_proposals: list[tuple[OrgState, OrgState, str]] = []
        self._known_proposals: set[tuple[int, int]] = set()
        self._dirty: dict[int, OrgState] = {}
        self.touched: set[int] = set()
        self.created: set[int] = set()
        self.updated: set[int] = set()
        self._load()

    # --- loading ----------------------------------------------------------------------------
    def _load(self) -> None:
        by_pk: dict[int, OrgState] = {}
        rows = Organisation.objects.order_by("pk").values("pk", *FIELDS)
        for row in rows.iterator(chunk_size=5000):
            pk = row.pop("pk")
            state = OrgState(pk=pk, values=row)
            by_pk[pk] = state
            self._index(state)
        aliases = OrganisationAlias.objects.order_by("pk").values_list(
            "organisation_id", "source", "name", "normalised", "city", "country"
        )
        for org_id, source, name, norm, city, country in aliases.iterator(chunk_size=5000):
            found = by_pk.get(org_id)
            if found is None:
                continue
            state = found
            state.aliases.add((source, name, city))
            self._index_name(state, norm)
            self.by_spelling.setdefault((source, name, normalise_city(city), country), state)
        self._known_proposals = set(MergeProposal.objects.values_list("keep_id", "duplicate_pk"))

    def _index(self, state: OrgState) -> None:
        for kind in IDENTIFIERS:
            value = state.values.get(kind)
            if value:
                self.by_id[kind][value] = state
        self._index_name(state, normalise_name(state.values["name"]))

    def _index_name(self, state: OrgState, norm: str) -> None:
        key = (norm, state.values.get("country") or "")
        bucket = self.by_name.setdefault(key, [])
        if state not in bucket:
            bucket.append(state)
        anywhere = self.by_norm.setdefault(norm, [])
        if state not in anywhere:
            anywhere.append(state)

    # --- resolving --------------------------------------------------------------------------
    def resolve(self, cand: dict[str, Any]) -> OrgState:
        """The organisation a row describes (existing, or new and pending); raises `Conflict`."""
        state = self._resolve(cand)
        self.touched.add(id(state))
        if cand.get("spelling"):  # the row's own spelling, when the importer named it otherwise
            self.alias(state, cand["spelling"], cand.get("city") or "", cand.get("country") or "")
        return state

    def _resolve(self, cand: dict[str, Any]) -> OrgState:
        state, elsewhere = self._match(cand)
        if state is not None:
            self._update(state, cand)
            return state
        norm = normalise_name(cand["name"])
        country = cand.get("country") or ""
        state = self._create(cand)
        for other in elsewhere[:3]:
            self._pending_proposals.append(
                (
                    other,
                    state,
                    f"Same normalised name {norm!r} in {country or '?'}, but in "
                    f"{other.values.get('city')!r} and {cand.get('city')!r}, "
                    "and no identifier to decide.",
                )
            )
        return state

    def lookup(self, cand: dict[str, Any]) -> tuple[OrgState | None, list[OrgState]]:
        """The existing organisation a row names, by the same rules, creating and changing
        nothing: `(organisation, [])`, or `(None, same names elsewhere)` when none is certain
        (the second list holds the one-word namesakes in other cities a create would propose).
        Raises `Conflict` as `resolve` does."""
        return self._match(cand)

    def _match(self, cand: dict[str, Any]) -> tuple[OrgState | None, list[OrgState]]:
        ids = {k: cand[k] for k in IDENTIFIERS if cand.get(k)}
        matched: dict[str, OrgState] = {}
        for kind, value in ids.items():
            state = self.by_id[kind].get(value)
            if state is not None:
                matched[kind] = state
        distinct = {id(s): s for s in matched.values()}
        if len(distinct) > 1:
            detail = "; ".join(
                f"{IDENTIFIER_LABELS[k]} {ids[k]} → {s.label}" for k, s in matched.items()
            )
            raise Conflict(
                gettext_noop("identifiers point to different organisations (%(detail)s)"),
                detail=detail,
            )
        if distinct:
            state = next(iter(distinct.values()))
            clash = self._clash(state, ids)
            if clash:
                raise Conflict(
                    gettext_noop(
                        "%(identifier)s %(value)s differs from %(held)s held by "
                        "%(organisation)s, which other identifiers or the name match"
                    ),
                    **clash,
                )
            return state, []
        norm = normalise_name(cand["name"])
        country = cand.get("country") or ""
        city = normalise_city(cand.get("city") or "")
        known = self.by_spelling.get((self.source, cand["name"], city, country))
        if known is not None and not self._clash(known, ids):
            return known, []
        elsewhere: list[OrgState] = []
        multi_site = len(significant_words(norm)) >= 2 or cand.get("kind") in MULTI_SITE_KINDS
        for state in self._same_name(norm, country):
            if self._clash(state, ids):
                continue
            other_city = normalise_city(state.values.get("city") or "")
            if not city or not other_city or city == other_city:
                return state, []
            held_country = state.values.get("country") or ""
            if (
                multi_site
                and (not country or not held_country or held_country == country)
                and (len(significant_words(norm)) >= 2 or state.values["kind"] in MULTI_SITE_KINDS)
            ):
                # The same specific name in the same country is one organisation with several
                # sites (a city is an address, not an identity); no identifier disagrees.
                return state, []
            elsewhere.append(state)
        return None, elsewhere

    def _same_name(self, norm: str, country: str) -> list[OrgState]:
        """Organisations with this normalised name in this country, then those whose country
        is unknown (or, for a row without a country, in any country): a missing country never
        keeps twins apart (ANR often leaves it empty)."""
        found = list(self.by_name.get((norm, country), []))
        for state in self.by_norm.get(norm, []):
            held = state.values.get("country") or ""
            if state not in found and (not held or not country):
                found.append(state)
        return found

    @staticmethod
    def _clash(state: OrgState, ids: dict[str, str]) -> dict[str, str]:
        """The first identifier of the row that `state` holds with another value, as the
        parameters of the reason; empty when none."""
        for kind, value in ids.items():
            held = state.values.get(kind)
            if held and held != value:
                return {
                    "identifier": IDENTIFIER_LABELS[kind],
                    "value": value,
                    "held": str(held),
                    "organisation": state.label,
                }
        return {}

    def _create(self, cand: dict[str, Any]) -> OrgState:
        values = {f: cand.get(f, "") for f in FIELDS}
        for f in ("sme_declared",):
            values[f] = cand.get(f)
        values["country"] = cand.get("country") or ""
        values["kind"] = cand.get("kind") or "other"
        values["source"] = self.source
        state = OrgState(pk=None, values=values, is_new=True, seen=True)
        self.created.add(id(state))
        self._index(state)
        self.alias(state, cand["name"], cand.get("city") or "", values["country"])
        return state

    def _update(self, state: OrgState, cand: dict[str, Any]) -> None:
        owner = state.values.get("source") == self.source and not state.seen
        for f in (*DESCRIPTIVE, *IDENTIFIERS):
            if f not in cand:
                continue
            new = cand[f]
            old = state.values.get(f)
            if new in _BLANK_VALUES or new == old:
                continue
            if f == "kind" and new == "other":
                continue  # "other" says nothing; never let it replace a known kind
            blank = old in _BLANK_VALUES or (f == "kind" and old == "other")
            if f in IDENTIFIERS:
                if old:  # a clash was refused above; never overwrite an identifier
                    continue
                if new in self.by_id[f]:
                    continue
                self.by_id[f][new] = state
            elif not (owner or blank):
                continue
            state.values[f] = new
            if f in {"name", "country"}:
                self._index_name(state, normalise_name(state.values["name"]))
            if not state.is_new:
                if state.changed is None:
                    state.changed = set()
                state.changed.add(f)
                self._dirty[id(state)] = state
        state.seen = True
        self.alias(state, cand["name"], cand.get("city") or "", cand.get("country") or "")

    def alias(self, state: OrgState, name: str, city: str, country: str) -> None:
        spelling = (self.source, name, normalise_city(city), country)
        self.by_spelling.setdefault(spelling, state)
        key = (self.source, name, city)
        if key in state.aliases:
            return
        state.aliases.add(key)
        norm = normalise_name(name)
        self._index_name(state, norm)
        self._pending_aliases.append(
            (state, name[:300], norm[:300], self.source, city[:120], country[:2])
        )

    # --- writing ----------------------------------------------------------------------------
    def flush(self, pending_new: list[OrgState], *, batch_size: int = 1000) -> None:
        """Write new organisations (getting their ids), changed ones, aliases and proposals."""
        actor = self.run.user if self.run is not None else None
        cluster_id = self.run.cluster_id if self.run is not None else None
        if pending_new:
            pick = operator.itemgetter(*FIELDS)
            ids = organisation_bulk_insert(
                actor=actor,
                fields=FIELDS,
                rows=[pick(state.values) for state in pending_new],
                cluster_id=cluster_id,
                on_behalf_of=self.run,
            )
            for state, pk in zip(pending_new, ids, strict=True):
                state.pk = pk
                state.is_new = False
        changed = list(self._dirty.values())
        self._dirty = {}
        if changed:
            fields = sorted(set().union(*(s.changed or () for s in changed)))
            rows = []
            for state in changed:
                rows.append((state.pk, *(state.values[f] for f in fields)))
                state.changed = None
                self.updated.add(id(state))
            organisation_bulk_update(
                actor=actor,
                fields=fields,
                rows=rows,
                cluster_id=cluster_id,
                on_behalf_of=self.run,
                batch_size=batch_size,
            )
        if self._pending_aliases:
            run_id = self.run.pk if self.run is not None else None
            insert_rows(
                OrganisationAlias,
                ["organisation_id", "name", "normalised", "source", "city", "country", "run_id"],
                [(a[0].pk, *a[1:], run_id) for a in self._pending_aliases],
            )
            self.counts.add("alias", "created", len(self._pending_aliases))
            # An alias spelt unlike the name adds a name to the organisation's search entry.
            # (Most aliases are the name itself: compared as they are before folding either.)
            organisation_search_index_update(
                {
                    a[0].pk
                    for a in self._pending_aliases
                    if a[0].pk is not None
                    and a[1] != (name := str(a[0].values.get("name") or ""))
                    and search_fold(a[1]) != search_fold(name)
                }
            )
            self._pending_aliases = []
        proposals = []
        for keep, dup, reason in self._pending_proposals:
            pair = (keep.pk, dup.pk)
            if keep.pk is None or dup.pk is None or pair in self._known_proposals:
                continue
            self._known_proposals.add(pair)  # type: ignore[arg-type]
            proposals.append(
                MergeProposal(
                    keep_id=keep.pk,
                    duplicate_id=dup.pk,
                    duplicate_pk=dup.pk,
                    reason=reason,
                    run=self.run,
                )
            )
        if proposals:
            MergeProposal.objects.bulk_create(proposals, batch_size=batch_size)
            self.counts.add("merge_proposal", "created", len(proposals))
        self._pending_proposals = []

    def finish(self) -> None:
        """Count organisations: created, updated, and matched but left as they were."""
        self.counts.add("organisation", "created", len(self.created))
        updated = self.updated - self.created
        self.counts.add("organisation", "updated", len(updated))
        self.counts.add("organisation", "unchanged", len(self.touched - self.created - updated))
