"""Room on each page of `registry_organisation` for its rows' next version (PostgreSQL's fillfactor;
nothing on SQLite): the search upkeep's UPDATE of the activity column is then a HOT update
rather than a new entry in every index of the table (docs/operations.md, "Upkeep in bulk")."""

from django.db import migrations

from grappe.core.search import activity_room


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_search_order_indexes")]

    operations = [activity_room("registry_organisation")]
