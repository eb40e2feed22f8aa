"""Root URLs: the site under /en/ and /fr/, the API and the admin outside language prefixes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path, re_path

from grappe.api import api, unknown_api_path
from grappe.attestations import views as attestation_views


def _when_reset_enabled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The password-reset pages exist only when e-mail is configured (PASSWORD_RESET_ENABLED,
    read at each request): otherwise their mails would go nowhere, so they answer 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# django.contrib.auth.urls, with the reset pages behind the switch above.
account_patterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        _when_reset_enabled(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        _when_reset_enabled(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        _when_reset_enabled(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        _when_reset_enabled(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_api_path),  # the API's JSON 404, not the site's page
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        ".well-known/grappe-attestation-keys.json",
        attestation_views.attestation_keys,
        name="attestation_keys",
    ),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include(account_patterns)),
    path("", include("grappe.registry.urls")),
    path("", include("grappe.projects.urls")),
    path("", include("grappe.funding.urls")),
    path("", include("grappe.interop.urls")),
    path("", include("grappe.attestations.urls")),
    path("", include("grappe.labelling.urls")),
    path("", include("grappe.matchmaking.urls")),
    path("", include("grappe.notifications.urls")),
    path("", include("grappe.grants.urls")),
    path("", include("grappe.evaluation.urls")),
    path("", include("grappe.decisions.urls")),
    prefix_default_language=True,
)
