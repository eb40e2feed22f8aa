"""Back office for funders."""

from __future__ import annotations

from django.contrib import admin

from grappe.funding.models import Funder


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_fr", "kind", "slug", "website")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_fr", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
