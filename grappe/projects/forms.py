"""Filter form of the public project list (GET; bad input shows as errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.projects.models import ProjectStatus
from grappe.projects.selectors import ProjectFilters
from grappe.registry.forms import MAX_QUERY_LENGTH, PageForm, cluster_choices


class ProjectFilterForm(PageForm):
    q = forms.CharField(
        label=_("Acronym, title or keyword"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
    cluster = forms.ChoiceField(label=_("Accredited by"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ProjectStatus.choices],
    )
    year = forms.IntegerField(label=_("Start year"), required=False, min_value=1990, max_value=2100)
    paris_only = forms.BooleanField(label=_("With a partner in Paris"), required=False)

    field_order = ["q", "cluster", "status", "year", "paris_only", "page"]

    def __init__(self, *args: Any, clusters: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = cluster_choices(clusters)  # type: ignore[attr-defined]

    def to_filters(self) -> ProjectFilters:
        """The selector filters from the fields that validated; invalid ones are ignored."""
        data = getattr(self, "cleaned_data", {}) or {}
        return ProjectFilters(
            q=data.get("q") or "",
            cluster=data.get("cluster") or "",
            status=data.get("status") or "",
            year=data.get("year"),
            paris_only=bool(data.get("paris_only")),
        )


class ProjectTransitionForm(forms.Form):
    """A transition fired from the project page. The workflow checks the rest (state, role,
    conditions, whether a reason is required)."""

    transition = forms.SlugField(label=_("Transition"), max_length=60)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, strip=True)
    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
