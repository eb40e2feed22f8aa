"""Search that understands French, and "in Paris" from the address.

- `Organisation.in_paris`, filled here for the rows already imported from their postcode and
  city with `registry.domain.places` (imports never set the arrondissement: `PARIS CEDEX 15`
  now gives 75015, arrondissement 15; `PARIS` alone is in Paris, arrondissement unknown);
- the organisation search index (`grappe.core.search`): an FTS5 virtual table on SQLite, a
  table with a GIN-indexed `tsvector` on PostgreSQL. Its entries are written by the services;
  after this migration the `post_migrate` hook of `registry.apps` fills an empty index for the
  rows already there (`grappe search_index rebuild` does it by hand).
"""

from django.db import migrations, models

from grappe.core.search import index_create, index_drop
from grappe.registry.domain.places import paris_place

TABLE = "registry_organisation_search"


def create_index(apps, schema_editor):
    index_create(schema_editor, TABLE)


def drop_index(apps, schema_editor):
    index_drop(schema_editor, TABLE)


def fill_places(apps, schema_editor):
    organisation = apps.get_model("registry", "Organisation")
    changed = []
    rows = organisation.objects.exclude(city="", postcode="").only(
        "pk", "postcode", "city", "country", "in_paris", "paris_arrondissement"
    )
    for org in rows.iterator(chunk_size=2000):
        place = paris_place(org.postcode, org.city, org.country)
        arrondissement = org.paris_arrondissement
        if arrondissement is None and org.country == "FR":
            arrondissement = place.arrondissement
        postcode = place.postcode if arrondissement == place.arrondissement else org.postcode
        in_paris = place.in_paris or arrondissement is not None
        if (postcode, in_paris, arrondissement) != (
            org.postcode,
            org.in_paris,
            org.paris_arrondissement,
        ):
            org.postcode, org.in_paris, org.paris_arrondissement = postcode, in_paris, arrondissement
            changed.append(org)
    organisation.objects.bulk_update(
        changed, ["postcode", "in_paris", "paris_arrondissement"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_one_holder_kind_vocabulary"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="in_paris",
            field=models.BooleanField(db_index=True, default=False, verbose_name="in Paris"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="project_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="projects"),
        ),
        migrations.RunPython(fill_places, migrations.RunPython.noop),
        migrations.CreateModel(
            name="OrganisationSearchEntry",
            fields=[
                ("id", models.BigIntegerField(db_column="rowid", primary_key=True, serialize=False)),
                ("names", models.TextField()),
                ("document", models.TextField()),
                ("identifiers", models.TextField()),
                ("activity", models.IntegerField(default=0)),
                (
                    "organisation",
                    models.ForeignObject(
                        from_fields=["id"],
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="search_entry",
                        to="registry.organisation",
                        to_fields=["id"],
                    ),
                ),
            ],
            options={
                "verbose_name": "organisation search entry",
                "db_table": "registry_organisation_search",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
