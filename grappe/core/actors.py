"""Who acts on the platform: the type of the `actor` (or acting `user`) that services,
selectors and the back office take.

An authenticated user, an anonymous visitor (`request.user` before login), or None for the
system (an import of published data, a management command). Grappe keeps Django's user model
(no AUTH_USER_MODEL), which is also how django-stubs types `request.user`.
"""

from __future__ import annotations

from typing import TypeAlias, cast

from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = User | AnonymousUser | None


def recorded_user(actor: Actor) -> User | None:
    """`actor` as the user a row records (`created_by`, `actor`, `user`), unchanged.

    For the type checker only (a cast): every caller first checks that the actor is
    authenticated or has a primary key, which an anonymous visitor never has.
    """
    return cast("User | None", actor)
