"""`grappe createsuperuser`: Django's command, with the new account's audit events.

Django's command builds and saves the user in one call to the manager's `create_superuser`,
with no hook between; Grappe has no custom user model whose manager could write the events.
A `post_save` receiver, connected only while this command runs and only for this database,
is therefore the one place to see the account it creates; it hands the user to the same
service that the back office uses (`user_created_record`). Creating the account and writing its
events are two steps (Django's command saves in autocommit), so a failure to write the events
stops the command with the error rather than passing silently.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands.createsuperuser import Command as DjangoCommand
from django.db.models.signals import post_save

from grappe.core.services import user_created_record


class Command(DjangoCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]

        def record(sender: Any, instance: Any, created: bool, using: str, **kwargs: Any) -> None:
            if created and using == database:
                user_created_record(actor=None, user=instance, reason="createsuperuser command")

        user_model = get_user_model()
        post_save.connect(record, sender=user_model, weak=False)
        try:
            super().handle(*args, **options)
        finally:
            post_save.disconnect(record, sender=user_model)
