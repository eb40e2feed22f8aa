"""Root URLs: the site under /en/ and /fr/, the API and the admin outside language prefixes."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from grappe.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("grappe.registry.urls")),
    path("", include("grappe.projects.urls")),
    path("", include("grappe.funding.urls")),
    path("", include("grappe.interop.urls")),
    prefix_default_language=True,
)
