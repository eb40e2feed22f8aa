"""Public project pages (thin: parse → selector → template)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def project_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "registry/home.html", {})
