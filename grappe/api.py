"""The JSON API at /api/v1: one NinjaAPI, a router per app.

Errors share two shapes, declared for each operation with `grappe.core.apikit.responses` (the
schemas are `apikit.ERROR_SCHEMAS`): 422 `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`
for bad input (ninja's own for parameter validation, the same shape for our checks such as a bad
cursor: `invalid_cursor` below) and `{"detail": "..."}` for every other error — 400 (ninja: an
unparsable body), 401 (ninja: `django_auth` without a session), 403, 404 (`not_found`, and the
safety net below), 409, 413, 429. Every handler here answers one of those two shapes, so the
OpenAPI document tells the truth (`core/tests/test_openapi_schemathesis.py` checks it). Bad input
never reaches the database as a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.utils import check_csrf

from grappe.attestations.api import router as attestations_router
from grappe.core.domain.i18n import gettext_noop
from grappe.core.pagination import InvalidCursor
from grappe.decisions.api import router as decisions_router
from grappe.evaluation.api import router as evaluation_router
from grappe.funding.api import router as funding_router
from grappe.grants.api import router as grants_router
from grappe.labelling.api import router as labelling_router
from grappe.matchmaking.api import router as matchmaking_router
from grappe.notifications.api import router as notifications_router
from grappe.projects.api import router as projects_router
from grappe.registry.api import router as registry_router

_FALLBACK = NinjaJSONEncoder()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if type(value) is dt.date:
        return value.isoformat()
    # Datetimes, lazy translations and the rest as Django's encoder writes them, so the
    # answers are the same as with ninja's default renderer (e.g. "2026-01-05T10:00:00.123Z").
    return _FALLBACK.default(value)


class ORJSONRenderer(BaseRenderer):
    """ninja's JSON answers written with orjson: the same JSON as its default renderer (dates
    ISO, decimals as strings, datetimes as Django writes them), several times faster on a
    page of rows (docs/decisions/api-rows.md). Non-ASCII text is written as UTF-8."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return orjson.dumps(data, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def session_csrf(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF for calls that carry the session cookie (docs/api.md, "Sessions and CSRF").

    An unsafe call (POST, PUT, PATCH, DELETE) that carries the session cookie must carry the
    CSRF token too (`X-CSRFToken` header, the value of the `csrftoken` cookie), as a form
    does: otherwise another site could make a visitor's browser act with the visitor's rights
    (a cross-site `text/plain` POST carries the cookie). Calls without the session cookie —
    machine clients, anonymous scripts — carry no ambient rights and need no token. Checked
    before the body is read, so a refused call changes nothing and reports nothing else.
    """

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            request.method not in SAFE_METHODS
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and check_csrf(request) is not None
        ):
            return api.create_response(
                request,
                {
                    "detail": _(
                        "This call uses your session but has no valid CSRF token: send the "
                        "value of the csrftoken cookie in the X-CSRFToken header."
                    )
                },
                status=403,
            )
        return run(request, *args, **kwargs)

    return checked


class SessionSwagger(Swagger):
    """Swagger UI that sends the CSRF token with its calls (ninja adds it only when the API's
    own `auth` asks for one, and our check is the decorator above)."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="Grappe API",
    version="1",
    description=(
        "Clusters, organisations and collaborative R&D projects. Read-only except the aid "
        "simulation and project status transitions. Anonymous callers "
        "see public data; a logged-in session adds what the user's roles allow. Lists use "
        "cursor pagination (`limit`, `cursor` → `next_cursor`). Money is a decimal string "
        '("45000.00", EUR).'
    ),
    urls_namespace="api",
    renderer=ORJSONRenderer(),
    docs=SessionSwagger(),
)
# Before validation ("view"): a call refused for CSRF is not parsed, let alone run.
api.add_decorator(session_csrf, mode="view")

api.add_router("", registry_router)
api.add_router("", projects_router)
api.add_router("", funding_router)
api.add_router("", attestations_router)
api.add_router("", labelling_router)
api.add_router("", matchmaking_router)
api.add_router("", notifications_router)
api.add_router("", grants_router)
api.add_router("", evaluation_router)
api.add_router("", decisions_router)


@api.exception_handler(InvalidCursor)
def invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": [{"loc": ["query", "cursor"], "msg": str(exc), "type": "invalid_cursor"}]},
        status=422,
    )


@api.exception_handler(ObjectDoesNotExist)
def object_not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    # Handlers turn DoesNotExist into a precise 404 themselves; this is the safety net.
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


# ninja's own error messages (English, fixed in its code) in the reader's language. A message
# ninja extends in DEBUG ("Cannot parse request body (…)") is matched by its start.
_NINJA_MESSAGES: dict[str, str] = {
    "Cannot parse request body": gettext_noop(
        "The request body cannot be read: send JSON (Content-Type: application/json)."
    ),
    "Unauthorized": gettext_noop("Log in first: this call needs a session."),
    "Forbidden": gettext_noop("You may not make this call."),
    "CSRF check Failed": gettext_noop("The CSRF check failed."),
    "Too many requests.": gettext_noop("Too many requests."),
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    for english, translatable in _NINJA_MESSAGES.items():
        if message.startswith(english):
            message = _(translatable)
            break
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Http404)
def http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def unknown_api_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any /api/ path no operation answers: the API's 404 shape, not the site's HTML page."""
    return api.create_response(
        request,
        {"detail": _("No API operation at this address: see /api/v1/docs.")},
        status=404,
    )
