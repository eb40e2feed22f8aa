"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grappe.core.scopes import scope_for


def site(request: HttpRequest) -> dict[str, Any]:
    return {"scope": scope_for(getattr(request, "user", None))}
