"""The search page's bounded reads (`grappe.core.search`: `SearchIndex.preview`, `count`):
on PostgreSQL, an index of the search entries' activity order (walked until enough matches are
found) and a GIN index of their names alone; nothing on SQLite (FTS5 answers from its own
index). Decision: docs/decisions/search-bounded-reads.md."""

from django.db import migrations

from grappe.core.search import index_order_create, index_order_drop

TABLE = "registry_organisation_search"


def create_indexes(apps, schema_editor):
    index_order_create(schema_editor, TABLE)


def drop_indexes(apps, schema_editor):
    index_order_drop(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_search_index_and_paris_places"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
