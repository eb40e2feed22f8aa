"""django-csp's middleware with the site's policy built once, not on every answer.

django-csp 4.0 builds the header's text from the settings on every response (twice: the policy
and the report-only one), a tenth of a short API answer's CPU. The text depends only on the
settings unless a view changed the policy (`@csp_update`, `@csp_replace`, `@csp`: attributes on
the response) or a template asked for a nonce: those answers go through django-csp unchanged.
The text is built again when a setting changes (`override_settings` in tests).
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_BUILT: dict[bool, str] = {}


def _forget(**kwargs: Any) -> None:
    _BUILT.clear()


setting_changed.connect(_forget)


def _policy(report_only: bool) -> str:
    built = _BUILT.get(report_only)
    if built is None:
        built = _BUILT[report_only] = build_policy(report_only=report_only)
    return built


class SitePolicyCSPMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # as django-csp: the debug pages
        for header, report_only, exempt in (
            (HEADER, False, "_csp_exempt"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro"),
        ):
            text = _policy(report_only)
            if not text or getattr(response, exempt, False) is not False or header in response:
                continue
            name = (
                "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
            )
            prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = text
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
