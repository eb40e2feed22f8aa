"""Back office for imports: runs (read-only), rejected rows, aliases, merge proposals.

Runs, rejected rows and aliases are records of what happened: they are not edited by hand.
Merges are confirmed or undone from the merge proposals page, which keeps what moved.
Only administrators see these models (`back_office.administer` in the role table).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from grappe.core.backoffice import ScopedModelAdmin
from grappe.interop.models import ImportRun, MergeProposal, OrganisationAlias, RejectedRow


class ReadOnlyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "source",
        "file_name",
        "status",
        "user",
        "cluster",
        "started_at",
        "rows_processed",
    )
    list_filter = ("source", "status")
    search_fields = ("file_name", "checksum")
    exclude = ("payload",)


@admin.register(RejectedRow)
class RejectedRowAdmin(ReadOnlyAdmin):
    list_display = ("run", "file_name", "line", "reason")
    list_filter = ("run__source",)
    search_fields = ("reason", "raw")
    list_select_related = ("run",)


@admin.register(OrganisationAlias)
class OrganisationAliasAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "source", "city", "country")
    list_filter = ("source",)
    search_fields = ("name", "normalised", "organisation__name")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "run")


@admin.register(MergeProposal)
class MergeProposalAdmin(ReadOnlyAdmin):
    list_display = ("keep", "duplicate_pk", "status", "reason", "created_at")
    list_filter = ("status",)
    search_fields = ("keep__name", "reason")
    list_select_related = ("keep",)
