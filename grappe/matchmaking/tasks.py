"""Background jobs of the matchmaking app."""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task


@task()
def partner_index_rebuild_task() -> int:
    """Rebuild the partner index (enqueued by `services.partner_index_refresh_if_stale` when
    the data changed); returns the new index's id."""
    from grappe.matchmaking.services import partner_index_rebuild

    try:
        return int(partner_index_rebuild(actor=None).pk)
    finally:
        cache.delete("matchmaking:rebuild-enqueued")
