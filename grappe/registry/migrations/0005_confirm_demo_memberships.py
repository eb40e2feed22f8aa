"""Demo memberships come from the demo loader, never from a member sheet: confirm them, so that
an existing demo database keeps the demo manager's reach. Other memberships stay unconfirmed
until the organisation or an administrator confirms them (docs/imports.md). Rerunnable."""

from django.db import migrations
from django.utils import timezone


def confirm_demo_memberships(apps, schema_editor):
    membership = apps.get_model("registry", "ClusterMembership")
    membership.objects.filter(organisation__is_demo=True, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_membership_confirmation_and_change_proposals"),
    ]

    operations = [
        migrations.RunPython(confirm_demo_memberships, migrations.RunPython.noop),
    ]
