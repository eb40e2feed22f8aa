"""The project search index (`grappe.core.search`): an FTS5 virtual table on SQLite, a table
with a GIN-indexed `tsvector` on PostgreSQL. Written by the project services; the `post_migrate`
hook of `core.apps` fills it for the projects already there (`grappe search_index rebuild`
does it by hand)."""

from django.db import migrations, models

from grappe.core.search import index_create, index_drop

TABLE = "projects_project_search"


def create_index(apps, schema_editor):
    index_create(schema_editor, TABLE)


def drop_index(apps, schema_editor):
    index_drop(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_one_cost_category_vocabulary"),
        ("registry", "0008_search_index_and_paris_places"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="partner_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="partners"),
        ),
        migrations.CreateModel(
            name="ProjectSearchEntry",
            fields=[
                ("id", models.BigIntegerField(db_column="rowid", primary_key=True, serialize=False)),
                ("names", models.TextField()),
                ("document", models.TextField()),
                ("identifiers", models.TextField()),
                ("activity", models.IntegerField(default=0)),
                (
                    "project",
                    models.ForeignObject(
                        from_fields=["id"],
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="search_entry",
                        to="projects.project",
                        to_fields=["id"],
                    ),
                ),
            ],
            options={
                "verbose_name": "project search entry",
                "db_table": "projects_project_search",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
