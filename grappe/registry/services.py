"""Registry writers: organisations (create, update, merge, undo a merge), memberships, yearly
figures and ownership. Every change runs in one transaction and writes its audit event.

`actor=None` is the system itself (an import, the demo loader, a management command); any other
actor is checked against their scope, each action in one small `_may_*` function below.

A merge re-points every row that refers to the duplicate (found through Django's model
metadata, so that apps above the registry need not be imported and a new app's rows follow
without code here), deletes the duplicate and returns a record of everything it did; the undo
puts it all back from that record.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.concurrency import check_unchanged
from grappe.core.domain.roles import Action, Target
from grappe.core.fastsql import select_by_ids
from grappe.core.scopes import scope_for
from grappe.core.services import (
    audit_record,
    bulk_insert,
    bulk_update,
    changes_apply,
    check_fields,
    jsonable,
    require,
    snapshot,
)
from grappe.registry.models import (
    PROPOSABLE_FIELDS,
    ChangeProposalStatus,
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
    OrganisationFigures,
    Ownership,
    organisation_field_label,
)
from grappe.registry.search import organisation_search_index_update, place_of

# --- who may do what ---------------------------------------------------------------------------
# Today's Scope predicates, one function per action, so that `scope.can(action, target)` can
# replace each of them in one place.


def _may_create_organisation(actor: Actor, cluster_id: int | None) -> bool:
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_staff_wide or (
        cluster_id is not None
        and scope.can(Action.CLUSTER_MANAGE_MEMBERS, Target.of(own_cluster=[cluster_id]))
    )


def _may_edit_organisation(actor: Actor, organisation_id: int) -> bool:
    return actor is None or scope_for(actor).can(
        Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation_id])
    )


def _may_merge_organisations(actor: Actor) -> bool:
    return actor is None or scope_for(actor).is_staff_wide


def _may_manage_membership(actor: Actor, cluster_id: int) -> bool:
    return actor is None or scope_for(actor).can(
        Action.CLUSTER_MANAGE_MEMBERS, Target.of(own_cluster=[cluster_id])
    )


def _may_bulk_write(actor: Actor, cluster_id: int | None) -> bool:
    """Imports: open data for staff, a member sheet for the managers of its cluster."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_staff_wide or (
        cluster_id is not None
        and scope.can(Action.CLUSTER_MANAGE_MEMBERS, Target.of(own_cluster=[cluster_id]))
    )


ORGANISATION_FIELDS = tuple(
    f.name
    for f in Organisation._meta.concrete_fields
    if f.editable and not f.primary_key and f.name not in {"created_at", "updated_at"}
)

# --- places: the postcode, "in Paris" and the arrondissement follow the address -----------------
PLACE_INPUTS = ("postcode", "city", "country")
PLACE_OUTPUTS = ("postcode", "in_paris", "paris_arrondissement")


def _place_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The place fields an address gives (`registry.domain.places`); an arrondissement the
    writer gave explicitly is kept."""
    place = place_of(
        values.get("postcode") or "", values.get("city") or "", values.get("country") or ""
    )
    given = values.get("paris_arrondissement")
    return {
        "postcode": place.postcode,
        "in_paris": place.in_paris or given is not None,
        "paris_arrondissement": given if given is not None else place.arrondissement,
    }


def _placed_rows(
    fields: Sequence[str], rows: Sequence[Sequence[Any]], *, pk_first: bool
) -> tuple[list[str], list[Sequence[Any]]]:
    """Bulk rows with their place fields derived from the address they write. A row that
    writes only part of an address (say the city) is completed from the stored one."""
    names = list(fields)
    if not any(f in names for f in PLACE_INPUTS[:2]):
        return names, list(rows)
    out_names = names + [f for f in PLACE_OUTPUTS if f not in names]
    missing = [f for f in (*PLACE_INPUTS, "paris_arrondissement") if f not in names]
    stored: dict[int, dict[str, Any]] = {}
    if pk_first and missing:
        columns = ["id", *missing]  # the place fields are plain columns
        for held in select_by_ids(Organisation._meta.db_table, columns, [r[0] for r in rows]):
            stored[held[0]] = dict(zip(missing, held[1:], strict=True))
    offset = 1 if pk_first else 0
    pick = operator.itemgetter(*out_names)  # out_names holds the 3 place outputs at least
    placed: list[Sequence[Any]] = []
    for row in rows:
        values: dict[str, Any] = {"country": "FR", "paris_arrondissement": None}
        if pk_first:
            values.update(stored.get(row[0], {}))
        values.update(zip(names, row[offset:], strict=True))
        values.update(_place_values(values))
        placed.append((*row[:offset], *pick(values)))
    return out_names, placed


# --- organisations -----------------------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *, actor: Actor, cluster_id: int | None = None, reason: str = "", **fields: Any
) -> Organisation:
    """Create an organisation; every field validator and `clean()` run first.

    `cluster_id`: the cluster it joins, when a cluster manager adds it. Raises `ValidationError`
    (nothing is written) or `PermissionDenied`.
    """
    require(
        _may_create_organisation(actor, cluster_id),
        _("You may not add an organisation."),
    )
    check_fields(fields, ORGANISATION_FIELDS)
    if any(f in fields for f in PLACE_INPUTS[:2]):
        fields = {**fields, **_place_values({"country": "FR", **fields})}
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    organisation_search_index_update([organisation.pk])
    audit_record(
        actor=actor,
        action="organisation.create",
        obj=organisation,
        after=snapshot(organisation, ORGANISATION_FIELDS),
        reason=reason,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    organisation: Organisation,
    reason: str = "",
    expected_token: str | None = None,
    **changes: Any,
) -> Organisation:
    """Change some fields of an organisation (validated); nothing changed, nothing written.

    `expected_token`: its `edit_token` when the editor opened it; an organisation changed since
    is refused with `EditConflict` (nothing written)."""
    require(
        _may_edit_organisation(actor, organisation.pk),
        _("You may not change this organisation."),
    )
    check_fields(changes, ORGANISATION_FIELDS)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if any(f in changes for f in PLACE_INPUTS):
        address = {f: getattr(locked, f) for f in PLACE_INPUTS}
        if "paris_arrondissement" in changes:
            address["paris_arrondissement"] = changes["paris_arrondissement"]
        changes = {**changes, **_place_values({**address, **changes})}
    check_unchanged(locked, expected_token)
    if changes_apply(
        actor=actor, obj=locked, changes=changes, action="organisation.update", reason=reason
    ):
        organisation_search_index_update([locked.pk])
    return locked


@transaction.atomic
def organisation_delete(*, actor: Actor, organisation: Organisation, reason: str = "") -> None:
    """Delete an organisation with its figures, ownership links and memberships.

    Refused (`ValidationError`) while it takes part in a project: merge it instead.
    """
    require(
        _may_merge_organisations(actor),
        _("You may not delete an organisation."),
    )
    before = snapshot(organisation, ORGANISATION_FIELDS)
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).delete()
    except (models.ProtectedError, models.RestrictedError) as exc:
        raise ValidationError(
            _("%(name)s takes part in projects; merge it into another organisation instead.")
            % {"name": organisation.name},
            code="protected",
        ) from exc
    organisation_search_index_update([organisation.pk])
    audit_record(
        actor=actor, action="organisation.delete", obj=organisation, before=before, reason=reason
    )


# --- bulk writes (imports, the demo) -----------------------------------------------------------
# An import writes tens of thousands of organisations: one audit event per batch, under the
# import run (`on_behalf_of`), rather than one per row; values were validated by the importer.


@transaction.atomic
def organisation_bulk_insert(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    cluster_id: int | None = None,
    on_behalf_of: Any = None,
) -> list[int]:
    """Insert organisations given as value tuples in the order of `fields`; returns their ids."""
    require(_may_bulk_write(actor, cluster_id), _("You may not import organisations."))
    check_fields(fields, ORGANISATION_FIELDS)
    fields, rows = _placed_rows(fields, rows, pk_first=False)
    ids = bulk_insert(
        actor=actor,
        model=Organisation,
        fields=fields,
        rows=rows,
        allowed=ORGANISATION_FIELDS,
        on_behalf_of=on_behalf_of,
    )
    organisation_search_index_update(ids)
    return ids


@transaction.atomic
def organisation_bulk_update(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    cluster_id: int | None = None,
    on_behalf_of: Any = None,
    batch_size: int = 1000,
) -> None:
    """Write `fields` of existing organisations, rows being `(pk, *values)`; `updated_at` is
    set to now."""
    require(_may_bulk_write(actor, cluster_id), _("You may not import organisations."))
    check_fields(fields, ORGANISATION_FIELDS)
    fields, rows = _placed_rows(fields, rows, pk_first=True)
    bulk_update(
        actor=actor,
        model=Organisation,
        fields=fields,
        rows=rows,
        allowed=ORGANISATION_FIELDS,
        on_behalf_of=on_behalf_of,
        batch_size=batch_size,
    )
    organisation_search_index_update(row[0] for row in rows)


@transaction.atomic
def organisation_bulk_create(
    *, actor: Actor, organisations: Sequence[Organisation]
) -> list[Organisation]:
    """Save unsaved organisations in bulk (the demo ecosystem); returns them with their ids."""
    require(_may_bulk_write(actor, None), _("You may not import organisations."))
    for organisation in organisations:
        if organisation.city or organisation.postcode:
            for name, value in _place_values(
                {f: getattr(organisation, f) for f in (*PLACE_INPUTS, "paris_arrondissement")}
            ).items():
                setattr(organisation, name, value)
    created = Organisation.objects.bulk_create(organisations)
    organisation_search_index_update(o.pk for o in created if o.pk is not None)
    return created


@transaction.atomic
def figures_bulk_create(
    *, actor: Actor, figures: Sequence[OrganisationFigures]
) -> list[OrganisationFigures]:
    require(_may_bulk_write(actor, None), _("You may not import organisations."))
    return OrganisationFigures.objects.bulk_create(figures)


@transaction.atomic
def ownership_bulk_create(*, actor: Actor, links: Sequence[Ownership]) -> list[Ownership]:
    require(_may_bulk_write(actor, None), _("You may not import organisations."))
    return Ownership.objects.bulk_create(links)


@transaction.atomic
def membership_bulk_start(
    *, actor: Actor, memberships: Sequence[ClusterMembership]
) -> list[ClusterMembership]:
    require(_may_bulk_write(actor, None), _("You may not import organisations."))
    return ClusterMembership.objects.bulk_create(memberships)


@transaction.atomic
def organisation_bulk_delete(*, actor: Actor, pks: Sequence[int]) -> None:
    """Delete organisations with their figures, links and memberships (the demo's wipe).

    Raises Django's `ProtectedError` while one of them still takes part in a project.
    """
    require(_may_bulk_write(actor, None), _("You may not delete organisations."))
    Organisation.objects.filter(pk__in=pks).delete()
    organisation_search_index_update(pks)


# --- memberships -------------------------------------------------------------------------------

MEMBERSHIP_FIELDS = ("cluster_id", "organisation_id", "start_date", "end_date")


@transaction.atomic
def membership_start(
    *,
    actor: Actor,
    cluster_id: int,
    organisation_id: int,
    start_date: dt.date,
    end_date: dt.date | None = None,
    reason: str = "",
) -> ClusterMembership:
    """An organisation joins a cluster on `start_date` (until `end_date`, when known)."""
    require(
        _may_manage_membership(actor, cluster_id),
        _("You may not change the members of this cluster."),
    )
    membership = ClusterMembership(
        cluster_id=cluster_id,
        organisation_id=organisation_id,
        start_date=start_date,
        end_date=end_date,
    )
    membership.full_clean()
    membership.save()
    audit_record(
        actor=actor,
        action="membership.start",
        obj=membership,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
        reason=reason,
    )
    return membership


@transaction.atomic
def membership_update(
    *,
    actor: Actor,
    membership: ClusterMembership,
    start_date: dt.date,
    end_date: dt.date | None,
    reason: str = "",
) -> ClusterMembership:
    """Correct the dates of a membership (a member sheet or the back office says otherwise).

    A confirmed membership stays confirmed only when the period narrows (it starts later or ends
    sooner): a manager cannot extend, or reopen, on the organisation's behalf a membership it
    confirmed; the organisation confirms again."""
    require(
        _may_manage_membership(actor, membership.cluster_id),
        _("You may not change the members of this cluster."),
    )
    locked = ClusterMembership.objects.select_for_update().get(pk=membership.pk)
    ends_no_later = (
        locked.end_date is None
        if end_date is None
        else locked.end_date is None or end_date <= locked.end_date
    )
    narrower = start_date >= locked.start_date and ends_no_later
    changed = changes_apply(
        actor=actor,
        obj=locked,
        changes={"start_date": start_date, "end_date": end_date},
        action="membership.update",
        reason=reason,
    )
    if changed and locked.confirmed_at is not None and not narrower:
        locked.confirmed_at, locked.confirmed_by = None, None
        locked.save(update_fields=["confirmed_at", "confirmed_by"])
        audit_record(
            actor=actor,
            action="membership.unconfirm",
            obj=locked,
            reason=_("The period was extended: the organisation confirms it again."),
        )
    return locked


@transaction.atomic
def membership_end(
    *, actor: Actor, membership: ClusterMembership, end_date: dt.date, reason: str = ""
) -> ClusterMembership:
    """The organisation leaves the cluster on `end_date`."""
    return membership_update(
        actor=actor,
        membership=membership,
        start_date=membership.start_date,
        end_date=end_date,
        reason=reason,
    )


@transaction.atomic
def membership_delete(*, actor: Actor, membership: ClusterMembership, reason: str = "") -> None:
    """Remove a membership entered by mistake (one that ended is ended, not deleted)."""
    require(
        _may_manage_membership(actor, membership.cluster_id),
        _("You may not change the members of this cluster."),
    )
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    ClusterMembership.objects.filter(pk=membership.pk).delete()
    audit_record(
        actor=actor, action="membership.delete", obj=membership, before=before, reason=reason
    )


# --- yearly figures and ownership (confidential) -----------------------------------------------

FIGURES_FIELDS = ("year", "staff_awu", "turnover", "balance_sheet")
OWNERSHIP_FIELDS = ("holder_category", "capital_share", "voting_share", "dominant_influence")


@transaction.atomic
def figures_set(
    *,
    actor: Actor,
    organisation_id: int,
    year: int,
    staff_awu: Decimal,
    turnover: Decimal,
    balance_sheet: Decimal,
    reason: str = "",
) -> OrganisationFigures:
    """Set an organisation's figures for one year (created, or replaced when they change)."""
    require(
        _may_edit_organisation(actor, organisation_id),
        _("You may not change this organisation's figures."),
    )
    figures = (
        OrganisationFigures.objects.select_for_update()
        .filter(organisation_id=organisation_id, year=year)
        .first()
    )
    before = None if figures is None else snapshot(figures, FIGURES_FIELDS)
    if figures is None:
        figures = OrganisationFigures(organisation_id=organisation_id, year=year)
    figures.staff_awu, figures.turnover, figures.balance_sheet = staff_awu, turnover, balance_sheet
    figures.full_clean()
    after = snapshot(figures, FIGURES_FIELDS)
    if before == after:
        return figures
    figures.save()
    audit_record(
        actor=actor, action="figures.set", obj=figures, before=before, after=after, reason=reason
    )
    return figures


@transaction.atomic
def figures_delete(*, actor: Actor, figures: OrganisationFigures, reason: str = "") -> None:
    require(
        _may_edit_organisation(actor, figures.organisation_id),
        _("You may not change this organisation's figures."),
    )
    before = snapshot(figures, FIGURES_FIELDS)
    OrganisationFigures.objects.filter(pk=figures.pk).delete()
    audit_record(actor=actor, action="figures.delete", obj=figures, before=before, reason=reason)


@transaction.atomic
def ownership_set(
    *,
    actor: Actor,
    holder_id: int,
    held_id: int,
    holder_category: str,
    capital_share: Decimal,
    voting_share: Decimal,
    dominant_influence: bool = False,
    reason: str = "",
) -> Ownership:
    """`holder` holds these shares of `held` (the link is created or replaced)."""
    require(
        _may_edit_organisation(actor, held_id),
        _("You may not change this organisation's shareholders."),
    )
    if holder_id == held_id:
        raise ValidationError(
            {"holder": _("An organisation cannot hold shares in itself.")}, code="self"
        )
    link = (
        Ownership.objects.select_for_update().filter(holder_id=holder_id, held_id=held_id).first()
    )
    before = None if link is None else snapshot(link, OWNERSHIP_FIELDS)
    if link is None:
        link = Ownership(holder_id=holder_id, held_id=held_id)
    link.holder_category = holder_category
    link.capital_share, link.voting_share = capital_share, voting_share
    link.dominant_influence = dominant_influence
    link.full_clean()
    after = snapshot(link, OWNERSHIP_FIELDS)
    if before == after:
        return link
    link.save()
    audit_record(
        actor=actor, action="ownership.set", obj=link, before=before, after=after, reason=reason
    )
    return link


@transaction.atomic
def ownership_delete(*, actor: Actor, link: Ownership, reason: str = "") -> None:
    require(
        _may_edit_organisation(actor, link.held_id),
        _("You may not change this organisation's shareholders."),
    )
    before = {"holder": link.holder_id, "held": link.held_id, **snapshot(link, OWNERSHIP_FIELDS)}
    Ownership.objects.filter(pk=link.pk).delete()
    audit_record(actor=actor, action="ownership.delete", obj=link, before=before, reason=reason)


# --- merges ------------------------------------------------------------------------------------

IDENTIFIER_FIELDS = ("pic", "siren", "siret", "rnsr", "ror", "vat")
# Blanks of the organisation kept that the duplicate fills.
MERGE_FILL = (
    "short_name",
    "address",
    "postcode",
    "city",
    "website",
    "nuts_code",
    *IDENTIFIER_FIELDS,
)
MERGE_RECORD_VERSION = 1


class MergeRefused(ValidationError):
    """A merge or its undo cannot be done; the message (translated) says why."""


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


def _serialise(objs: Iterable[models.Model]) -> list[dict[str, Any]]:
    return list(jsonable(serializers.serialize("python", objs)))


def _restore(rows: Sequence[dict[str, Any]]) -> None:
    for item in serializers.deserialize("python", rows):
        item.save()


def _references(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    """Every foreign key (of any installed app) that points to `model`, in a stable order."""
    fields = [
        # hidden ones too: a foreign key with related_name="+" still points here
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel)
        and (rel.one_to_many or rel.one_to_one)
        and isinstance(rel.field, models.ForeignKey)
    ]
    return sorted(fields, key=lambda f: (_label(f.model), f.name))


def _collect_for_deletion(
    model: type[models.Model], pks: list[Any], rows: list[dict[str, Any]], nulled: list[Any]
) -> None:
    """What deleting these rows would take with it: rows (parents first) and nulled keys."""
    if not pks:
        return
    rows.extend(_serialise(model._base_manager.filter(pk__in=pks).order_by("pk")))
    for field in _references(model):
        related = field.model._base_manager.filter(**{f"{field.name}__in": pks})
        on_delete = field.remote_field.on_delete
        if on_delete is models.CASCADE:
            _collect_for_deletion(
                field.model, list(related.order_by("pk").values_list("pk", flat=True)), rows, nulled
            )
        elif on_delete is models.SET_NULL:
            for pk, target in related.values_list("pk", field.attname):
                nulled.append([_label(field.model), field.attname, pk, target])
        elif on_delete in {models.PROTECT, models.RESTRICT} and related.exists():
            raise MergeRefused(
                _("A %(model)s that would be removed is still referenced by %(other)s.")
                % {
                    "model": model._meta.verbose_name,
                    "other": field.model._meta.verbose_name_plural,
                },
                code="protected",
            )


def _repoint(field: models.ForeignKey[Any, Any], pks: list[Any], target: int) -> list[Any]:
    """Point `field` of these rows to `target`; returns the rows that cannot move (a unique or
    check constraint would break: keep already has one like it)."""
    manager = field.model._base_manager
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{field.attname: target})
        return []
    except IntegrityError:
        pass
    refused = []
    for pk in pks:
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{field.attname: target})
        except IntegrityError:
            refused.append(pk)
    return refused


def _check_integrity(labels: Iterable[str]) -> None:
    """Check deferred foreign keys now, inside the transaction, rather than fail at commit."""
    tables = sorted({_model(label)._meta.db_table for label in labels})
    connection.check_constraints(table_names=tables)


@transaction.atomic
def organisation_merge(
    *, actor: Actor, keep: Organisation, duplicate: Organisation, reason: str = ""
) -> dict[str, Any]:
    """Merge `duplicate` into `keep` and delete it; returns the record that undoes it.

    Every row that refers to the duplicate moves to `keep` (participations, memberships,
    figures, ownership links, roles, aliases, other proposals...); a row that cannot move
    because `keep` already has its like (the same project, year, cluster and start) is removed,
    with what hangs off it. Blanks of `keep` are filled from the duplicate. Two organisations
    with different identifiers of one kind are never merged (`MergeRefused`).
    """
    require(_may_merge_organisations(actor), _("You may not merge organisations."))
    if keep.pk == duplicate.pk:
        raise MergeRefused(_("An organisation cannot be merged into itself."), code="self")
    keep = Organisation.objects.select_for_update().get(pk=keep.pk)
    dup = Organisation.objects.select_for_update().filter(pk=duplicate.pk).first()
    if dup is None:
        raise MergeRefused(_("The possible duplicate no longer exists."), code="gone")
    for kind in IDENTIFIER_FIELDS:
        a, b = getattr(keep, kind), getattr(dup, kind)
        if a and b and a != b:
            raise MergeRefused(
                _("The two organisations have different %(kind)s numbers: %(a)s and %(b)s.")
                % {"kind": kind.upper(), "a": a, "b": b},
                code="identifiers",
            )
    record: dict[str, Any] = {
        "version": MERGE_RECORD_VERSION,
        "keep": keep.pk,
        "duplicate": _serialise([dup]),
        "moved": [],
        "nulled": [],
        "dropped": [],
        "filled": {},
    }
    touched = {_label(Organisation)}
    for field in _references(Organisation):
        label = _label(field.model)
        rows = field.model._base_manager.filter(**{field.attname: dup.pk})
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        if not pks:
            continue
        touched.add(label)
        on_delete = field.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        if on_delete is models.SET_NULL:
            rows.update(**{field.attname: None})
            record["nulled"].extend([label, field.attname, pk, dup.pk] for pk in pks)
            continue
        refused = _repoint(field, pks, keep.pk)
        moved = [pk for pk in pks if pk not in set(refused)]
        if moved:
            record["moved"].append([label, field.attname, moved])
        if refused:
            dropped: list[dict[str, Any]] = []
            _collect_for_deletion(field.model, refused, dropped, record["nulled"])
            record["dropped"].extend(dropped)
            touched.update(row["model"] for row in dropped)
            field.model._base_manager.filter(pk__in=refused).delete()
    filled = {
        name: getattr(dup, name)
        for name in MERGE_FILL
        if getattr(dup, name) and not getattr(keep, name)
    }
    if filled:
        # Free the duplicate's unique identifiers before `keep` takes them.
        Organisation.objects.filter(pk=dup.pk).update(**dict.fromkeys(filled, ""))
        for name, value in filled.items():
            setattr(keep, name, value)
        keep.save(update_fields=[*filled, "updated_at"])
        record["filled"] = filled
    Organisation.objects.filter(pk=dup.pk).delete()
    try:
        _check_integrity(touched)
    except IntegrityError as exc:
        raise MergeRefused(
            _("The organisations cannot be merged (%(detail)s).")
            % {"detail": str(exc).splitlines()[0][:200]},
            code="integrity",
        ) from exc
    organisation_search_index_update([keep.pk, dup.pk])
    record = jsonable(record)
    audit_record(
        actor=actor,
        action="organisation.merge",
        obj=keep,
        after={"duplicate": dup.pk, **record},
        reason=reason,
    )
    return record


@transaction.atomic
def organisation_merge_undo(
    *, actor: Actor, record: Mapping[str, Any], reason: str = ""
) -> Organisation:
    """Put back a merged organisation from the record `organisation_merge` returned: the row,
    what moved, what was removed, the blanks it filled. Returns the organisation put back.

    Refused (`MergeRefused`, nothing changed) when the data changed since in a way that makes
    it impossible (say, the duplicate's identifier was given to a third organisation).
    """
    require(_may_merge_organisations(actor), _("You may not undo a merge."))
    if record.get("version") != MERGE_RECORD_VERSION:
        raise MergeRefused(
            _("This merge was recorded in a form that cannot be undone."), code="version"
        )
    keep = Organisation.objects.select_for_update().filter(pk=record["keep"]).first()
    if keep is None:
        raise MergeRefused(
            _("The organisation kept was merged into another since; undo that merge first."),
            code="keep_gone",
        )
    dup_pk = record["duplicate"][0]["pk"]
    if Organisation.objects.filter(pk=dup_pk).exists():
        raise MergeRefused(_("The merged organisation already exists again."), code="exists")
    touched = {_label(Organisation)}
    try:
        with transaction.atomic():
            filled = dict(record["filled"])
            reverted = [name for name, value in filled.items() if getattr(keep, name) == value]
            if reverted:
                for name in reverted:
                    setattr(keep, name, "")
                keep.save(update_fields=[*reverted, "updated_at"])
            _restore(record["duplicate"])
            _restore(record["dropped"])
            touched.update(row["model"] for row in record["dropped"])
            for label, attname, pks in record["moved"]:
                touched.add(label)
                _model(label)._base_manager.filter(pk__in=pks, **{attname: keep.pk}).update(
                    **{attname: dup_pk}
                )
            for label, attname, pk, target in record["nulled"]:
                touched.add(label)
                _model(label)._base_manager.filter(pk=pk, **{attname: None}).update(
                    **{attname: target}
                )
            _check_integrity(touched)
    except IntegrityError as exc:
        raise MergeRefused(
            _("The merge cannot be undone: the data changed since (%(detail)s).")
            % {"detail": str(exc).splitlines()[0][:200]},
            code="changed",
        ) from exc
    dup = Organisation.objects.get(pk=dup_pk)
    organisation_search_index_update([keep.pk, dup.pk])
    audit_record(
        actor=actor, action="organisation.merge_undo", obj=dup, before=dict(record), reason=reason
    )
    return dup


# --- membership confirmation and change proposals ---


def _may_decide_for(actor: Actor, organisation_id: int) -> None:
    """Only the organisation itself (one of its members) or an administrator decides."""
    if not scope_for(actor).can(
        Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation_id])
    ):
        raise PermissionDenied


def _user_or_none(actor: Actor) -> User | None:
    return recorded_user(actor) if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def membership_confirm(*, actor: Actor, membership: ClusterMembership) -> ClusterMembership:
    """The organisation (or an administrator) confirms that it is a member of the cluster.

    From then on the cluster's managers see its confidential figures, for as long as the
    membership runs. Raises `PermissionDenied` for anyone else, `ValidationError` when the
    membership is already confirmed or has ended.
    """
    locked = (
        ClusterMembership.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .get(pk=membership.pk)
    )
    _may_decide_for(actor, locked.organisation_id)
    if locked.confirmed_at is not None:
        raise ValidationError(_("This membership is already confirmed."))
    if locked.end_date is not None and locked.end_date < timezone.localdate():
        raise ValidationError(_("This membership has ended: there is nothing to confirm."))
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = _user_or_none(actor)
    locked.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action="membership.confirm",
        obj=locked,
        after={
            "organisation": locked.organisation_id,
            "cluster": locked.cluster_id,
            "start_date": locked.start_date.isoformat(),
            "end_date": locked.end_date.isoformat() if locked.end_date else None,
        },
    )
    membership.confirmed_at, membership.confirmed_by = locked.confirmed_at, locked.confirmed_by
    return locked


def change_proposals_create(
    *,
    actor: Actor,
    cluster: Cluster | None,
    run: Any | None,
    items: Iterable[tuple[int, str, str, str]],
) -> int:
    """Record (organisation id, field, value held, value proposed) differences found by an
    import; a value already waiting for the same field is not proposed twice. Returns how many
    were recorded. Call it inside the import's transaction (whose audit event counts them)."""
    rows: dict[tuple[int, str, str], OrganisationChangeProposal] = {}
    for organisation_id, field, old, new in items:
        if field not in PROPOSABLE_FIELDS:
            raise ValueError(f"{field!r} is not a field a member sheet may propose")
        rows.setdefault(
            (organisation_id, field, new),
            OrganisationChangeProposal(
                organisation_id=organisation_id,
                field=field,
                old_value=old or "",
                proposed_value=new,
                cluster=cluster,
                run=run,
            ),
        )
    if not rows:
        return 0
    waiting = set(
        OrganisationChangeProposal.objects.filter(
            status=ChangeProposalStatus.PENDING,
            organisation_id__in={key[0] for key in rows},
        ).values_list("organisation_id", "field", "proposed_value")
    )
    new_rows = [row for key, row in rows.items() if key not in waiting]
    OrganisationChangeProposal.objects.bulk_create(new_rows, batch_size=1000)
    return len(new_rows)


def _locked_pending(
    *, actor: Actor, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    locked = OrganisationChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    _may_decide_for(actor, locked.organisation_id)
    if locked.status != ChangeProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return locked


def _decided(locked: OrganisationChangeProposal, *, actor: Actor, status: str) -> None:
    locked.status = status
    locked.decided_by = _user_or_none(actor)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def change_proposal_accept(
    *, actor: Actor, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    """Apply the proposed value to the organisation (every field validator and the model's rules
    run first) and mark the proposal accepted.

    Refused, changing nothing, when the organisation's value changed since the proposal was made
    (the proposal can still be rejected) or when the value breaks a rule (e.g. a SIREN another
    organisation holds): `ValidationError` naming the field.
    """
    locked = _locked_pending(actor=actor, proposal=proposal)
    organisation = Organisation.objects.select_for_update().get(pk=locked.organisation_id)
    field = locked.field
    label = str(organisation_field_label(field))
    current = getattr(organisation, field) or ""
    if current != locked.old_value:
        raise ValidationError(
            _(
                "The organisation's %(field)s changed since this was proposed; "
                "reject the proposal if it no longer applies."
            )
            % {"field": label}
        )
    setattr(organisation, field, locked.proposed_value)
    # Only the changed field is validated (with the model's rules and unique constraints that
    # involve it): an old flaw elsewhere in the row must not block this decision.
    others = [f.name for f in Organisation._meta.concrete_fields if f.name != field]
    try:
        organisation.full_clean(exclude=others)
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages}
        messages = "; ".join(
            f"{organisation_field_label(name) if name != '__all__' else label}: {' '.join(texts)}"
            for name, texts in problems.items()
        )
        raise ValidationError(
            _("The proposed value cannot be applied: %(problems)s") % {"problems": messages}
        ) from exc
    written = [field]
    if field in PLACE_INPUTS:
        address = {f: getattr(organisation, f) for f in PLACE_INPUTS}
        for name, value in _place_values(address).items():
            setattr(organisation, name, value)
        written += [f for f in PLACE_OUTPUTS if f != field]
    organisation.save(update_fields=[*written, "updated_at"])
    organisation_search_index_update([organisation.pk])
    _decided(locked, actor=actor, status=ChangeProposalStatus.ACCEPTED)
    audit_record(
        actor=actor,
        action="organisation.change_accept",
        obj=organisation,
        before={field: current},
        after={field: locked.proposed_value},
        reason=f"change proposal #{locked.pk} (cluster {locked.cluster_id}, run {locked.run_id})",
    )
    proposal.status = locked.status
    return locked


@transaction.atomic
def change_proposal_reject(
    *, actor: Actor, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    """Decline a proposed value; the organisation is left as it is."""
    locked = _locked_pending(actor=actor, proposal=proposal)
    _decided(locked, actor=actor, status=ChangeProposalStatus.REJECTED)
    audit_record(
        actor=actor,
        action="organisation.change_reject",
        obj=locked,
        before={"field": locked.field, "value": locked.old_value},
        after={"proposed": locked.proposed_value},
    )
    proposal.status = locked.status
    return locked
