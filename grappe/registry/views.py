"""Public registry pages (thin: parse → selector → template)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {})


def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "registry/home.html", {})


def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {})


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "registry/home.html", {})


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {})
