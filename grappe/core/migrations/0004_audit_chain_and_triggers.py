"""Chain the existing audit events, then make the table append-only with per-vendor triggers.

Rerunnable: only events without a hash are chained, and the triggers are dropped and recreated.
"""

from django.db import migrations

from grappe.core.audit_guard import audit_triggers_drop, audit_triggers_install
from grappe.core.domain.audit_chain import GENESIS, HASHED_FIELDS, event_hash


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    previous = GENESIS
    for event in AuditEvent.objects.using(schema_editor.connection.alias).order_by("id").iterator():
        if not event.hash:
            if event.actor_id is not None and not event.actor_name:
                event.actor_name = event.actor.username
            event.prev_hash = previous
            event.hash = event_hash(previous, {f: getattr(event, f) for f in HASHED_FIELDS})
            event.save(update_fields=["actor_name", "prev_hash", "hash"])
        previous = event.hash


def install(apps, schema_editor):
    audit_triggers_install(schema_editor.connection)


def uninstall(apps, schema_editor):
    audit_triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_audit_append_only"),
    ]

    operations = [
        migrations.RunPython(uninstall, migrations.RunPython.noop),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
