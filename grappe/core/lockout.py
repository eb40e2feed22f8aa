"""Login lockout (django-axes): the client address, the lockout page and its audit event.

Settings (`grappe/settings.py`, web hygiene block): `AXES_FAILURE_LIMIT` from
`LOGIN_FAILURE_LIMIT`, the cool-off from `LOGIN_COOLOFF_MINUTES`, who is locked from
`LOGIN_LOCKOUT_BY`. Axes records each failed login in `axes_accessattempt`; this module only
answers the locked-out request and writes one audit event when a client becomes locked out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKOUT_STATUS = 429


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets
    (`LOGIN_CLIENT_IP_HEADER`, a request.META key such as HTTP_X_REAL_IP)."""
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header:
        forwarded: str = request.META.get(header, "")
        # X-Forwarded-For style lists: the proxy appends the address it saw last.
        value = forwarded.split(",")[-1].strip()
        if value:
            return value
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


def retry_at(request: HttpRequest) -> dt.datetime:
    """When the client may try again: the cool-off counts from this (refused) attempt, which
    axes records like any failure (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    attempted = getattr(request, "axes_attempt_time", None) or timezone.now()
    cool_off = get_cool_off(request) or dt.timedelta(0)
    return attempted + cool_off


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a locked-out login gets (site and admin alike), in the request's language."""
    cool_off = get_cool_off(request) or dt.timedelta(0)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60),
        "retry_at": timezone.localtime(retry_at(request)),
    }
    return render(request, "registration/locked_out.html", context, status=LOCKOUT_STATUS)


def audit_lockout(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """One audit event when a client becomes locked out (the failure that reaches the limit),
    not one per refused attempt after it. The object is the account when the username is one,
    else axes' attempt record."""
    from grappe.core.services import audit_record

    limit = get_failure_limit(request, getattr(request, "axes_credentials", None))
    if getattr(request, "axes_failures_since_start", None) != limit:
        return
    user_model = get_user_model()
    obj: Any = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    if obj is None:
        obj = (
            AccessAttempt.objects.filter(username=username, ip_address=kwargs.get("ip_address"))
            .order_by("-attempt_time")
            .first()
        )
    if obj is None:
        return
    audit_record(
        actor=None,
        action="login.locked_out",
        obj=obj,
        after={
            "username": username or "",
            "ip_address": kwargs.get("ip_address") or "",
            "failures": limit,
            "retry_at": retry_at(request).isoformat(),
        },
    )
