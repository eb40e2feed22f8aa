"""Rate limits per client on Django's cache: N requests per window, the next one a 429.

    @rate_limited("search", when=has_query)            # a page
    def search(request): ...

    @router.get("/organisations", ...)
    @decorate_view(rate_limited("search", when=has_query))   # an API operation (ninja)
    def list_organisations(request, params): ...

The client is the logged-in user (`user:<id>`), else the IP address as the login lockout sees
it (`core/lockout.py` `client_ip`: `REMOTE_ADDR`, or behind a reverse proxy the header named by
`LOGIN_CLIENT_IP_HEADER`, whose last address is the one the proxy saw).

Limits are settings (`RATE_LIMITS`: bucket -> "count/seconds", from the environment). Each
bucket counts in fixed windows of its length: a counter per client and window in the `default`
cache (`cache.add` then `cache.incr`), so every process sharing that cache shares the count
(a file or database cache in production, see docs/operations.md). A refused request gets 429,
`Retry-After` (seconds to the next window) and a translated message; it is not counted.

A small module rather than django-ratelimit (4.1.0, 2023): that one answers 403 without
`Retry-After` unless a middleware maps its exception, and finds the client address its own way;
what Grappe needs is the 60 lines below.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from grappe.core.limits import is_api
from grappe.core.lockout import client_ip

V = TypeVar("V", bound=Callable[..., Any])

# The clock the windows are counted on; tests replace it (no sleeping).
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, bucket: str, text: str) -> Rate:
        """ "30/60" -> 30 requests per 60 seconds."""
        try:
            count, seconds = (int(part) for part in text.split("/"))
        except ValueError:
            raise ImproperlyConfigured(
                f"RATE_LIMITS[{bucket!r}]={text!r} is not count/seconds (e.g. 30/60)"
            ) from None
        if count < 1 or seconds < 1:
            raise ImproperlyConfigured(f"RATE_LIMITS[{bucket!r}]={text!r}: both must be >= 1")
        return cls(count, seconds)


def rate(bucket: str) -> Rate:
    return Rate.parse(bucket, settings.RATE_LIMITS[bucket])


def client_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request) or 'unknown'}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


def hit(bucket: str, client: str) -> Decision:
    """Count one request of `client` in `bucket`; refused past the bucket's rate."""
    limit = rate(bucket)
    now = clock()
    window = int(now // limit.seconds)
    key = f"grappe:rl:{bucket}:{client}:{window}"
    cache.add(key, 0, timeout=limit.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds + 1)
        count = 1
    if count <= limit.count:
        return Decision(True, 0)
    cache.decr(key)  # a refused request is not counted
    return Decision(False, max(1, math.ceil((window + 1) * limit.seconds - now)))


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = ngettext(
        "Too many requests: try again in %(seconds)s second.",
        "Too many requests: try again in %(seconds)s seconds.",
        retry_after,
    ) % {"seconds": retry_after}
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def has_query(request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
    """A search: the request filters on the free text `q`."""
    return bool(request.GET.get("q", "").strip())


def rate_limited(bucket: str, *, when: Callable[..., bool] | None = None) -> Callable[[V], V]:
    """Count the view's requests (those for which `when(request)` is true) against `bucket`."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if when is None or when(request):
                decision = hit(bucket, client_key(request))
                if not decision.allowed:
                    return too_many(request, decision.retry_after)
            return view(request, *args, **kwargs)

        return cast(V, wrapper)

    return decorate
