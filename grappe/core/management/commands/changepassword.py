"""`grappe changepassword`: Django's command, with a `user.password_change` audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands.changepassword import Command as DjangoCommand

from grappe.core.services import user_password_changed_record


class Command(DjangoCommand):
    def handle(self, *args: Any, **options: Any) -> str:
        # Django's command returns only after saving the new password (it raises otherwise). No
        # transaction around it: it would hold a snapshot open while the operator types.
        result = super().handle(*args, **options)
        user_model = get_user_model()
        username = options["username"] or self._username_default()
        user = user_model._default_manager.using(options["database"]).get(
            **{user_model.USERNAME_FIELD: username}
        )
        user_password_changed_record(actor=None, user=user, reason="changepassword command")
        return str(result)

    @staticmethod
    def _username_default() -> str:
        import getpass

        return getpass.getuser()
