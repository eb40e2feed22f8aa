"""The JSON API at /api/v1: one NinjaAPI, a router per app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Grappe API",
    version="1",
    description="Clusters, organisations and collaborative R&D projects. Read-only for the public.",
    urls_namespace="api",
)
