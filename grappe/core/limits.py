"""Request body limits: a body larger than the limit is refused with 413 before it is read.

Every request may send at most `REQUEST_MAX_BODY_BYTES` (JSON for the API, forms for the
pages); the views that take uploads say so with `@upload_limit(...)` and get their own, larger
limit (they still check the file itself against the import's limits). Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` (the same setting's value) bounds what slips past the declared
length: the non-file part of a form and `request.body`, which ninja reads for JSON.

The API answers `{"detail": "..."}`; pages answer the translated `413.html`. Both name the
limit in human units ("256.0 KB").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
F = TypeVar("F", bound=Callable[..., Any])


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the JSON API (answers are JSON, not pages)."""
    return request.path_info.startswith(API_PREFIX)


def upload_limit(max_bytes: int | Callable[[], int]) -> Callable[[F], F]:
    """Let a view accept bodies up to `max_bytes` (a number, or a function read per request so
    that a setting changed in tests applies) instead of `REQUEST_MAX_BODY_BYTES`."""

    def mark(view: F) -> F:
        view.grappe_max_body = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def body_limit(view: Callable[..., Any] | None) -> int:
    limit = getattr(view, "grappe_max_body", None)
    if limit is None:
        return int(settings.REQUEST_MAX_BODY_BYTES)
    return int(limit() if callable(limit) else limit)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it: no body


def too_large(request: HttpRequest, limit: int, size: int | None = None) -> HttpResponse:
    """The 413 answer: JSON for the API, a page otherwise."""
    if size:
        message = _("The request is %(size)s, larger than the limit of %(limit)s.") % {
            "size": filesizeformat(size),
            "limit": filesizeformat(limit),
        }
    else:
        message = _("The request is larger than the limit of %(limit)s.") % {
            "limit": filesizeformat(limit)
        }
    if is_api(request):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class BodySizeLimitMiddleware:
    """Refuses, with 413, a request whose declared body is larger than its view's limit.

    It runs at `process_view` (the view is known, so its own upload limit applies) and sits
    before `CsrfViewMiddleware`, which would read the form first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        limit = body_limit(view)
        size = _declared_length(request)
        if size > limit:
            return too_large(request, limit, size)
        if request.method == "POST" and not is_api(request):
            # Read the form now, as CsrfViewMiddleware would next: fields past Django's
            # DATA_UPLOAD_MAX_MEMORY_SIZE inside an upload are then a 413, not its 400.
            try:
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return too_large(request, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        return None

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        # A body read past DATA_UPLOAD_MAX_MEMORY_SIZE (e.g. the fields of a form).
        if isinstance(exc, RequestDataTooBig):
            return too_large(request, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        return None
