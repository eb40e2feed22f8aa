"""Evaluation forms (thin: the services validate again and name the field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.evaluation.models import CONFLICT_KIND_CHOICES, Expert
from grappe.funding.domain.evaluation import EvaluationSetup
from grappe.registry.models import Organisation


class ExpertForm(CleanTextMixin, forms.ModelForm):  # type: ignore[type-arg]
    organisation_id = forms.IntegerField(
        label=_("Organisation number"),
        required=False,
        min_value=1,
        help_text=_("The organisation's number in Grappe (shown on its page)."),
    )

    class Meta:
        model = Expert
        fields = ["name", "keywords", "expertise", "languages", "max_load", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.organisation_id:
            self.fields["organisation_id"].initial = self.instance.organisation_id

    def clean_organisation_id(self) -> Organisation | None:
        pk = self.cleaned_data.get("organisation_id")
        if not pk:
            return None
        org = Organisation.objects.filter(pk=pk).first()
        if org is None:
            raise forms.ValidationError(_("No organisation has this number."))
        return org

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["organisation"] = self.cleaned_data.get("organisation_id")
        return data


class NewExpertForm(ExpertForm):
    person = forms.CharField(
        label=_("User name or e-mail"),
        max_length=254,
        help_text=_("The expert's account in Grappe."),
    )
    field_order = ["person", "name", "organisation_id"]

    def clean_person(self) -> Any:
        value = self.cleaned_data["person"].strip()
        user = (
            get_user_model()
            .objects.filter(Q(username__iexact=value) | Q(email__iexact=value))
            .order_by("id")
            .first()
        )
        if user is None:
            raise forms.ValidationError(_("No user has this name or e-mail."))
        return user


class WaiverForm(CleanTextMixin, forms.Form):
    expert = forms.IntegerField(widget=forms.HiddenInput)
    application = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=CONFLICT_KIND_CHOICES, widget=forms.HiddenInput)
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class DeclarationForm(CleanTextMixin, forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I have no conflict of interest with this application")),
            ("yes", _("I have a conflict of interest")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("What is the conflict?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class ScoresForm(CleanTextMixin, forms.Form):
    """A score and a comment per criterion of the call (the report and the consensus)."""

    def __init__(
        self,
        *args: Any,
        setup: EvaluationSetup,
        french: bool,
        minority: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [c.code for c in setup.criteria]
        for c in setup.criteria:
            name = c.name_fr if french else c.name_en
            self.fields[f"score_{c.code}"] = forms.CharField(
                label=_("Score: %(criterion)s (0 to 5, half points)") % {"criterion": name},
                max_length=10,
            )
            self.fields[f"comment_{c.code}"] = forms.CharField(
                label=_("Comment: %(criterion)s") % {"criterion": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5000,
            )
        if minority:
            self.fields["minority_view"] = forms.CharField(
                label=_("Minority view"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=5000,
            )
        guard_text_fields(self.fields)

    def scores(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(f"score_{c}", "") for c in self.codes}

    def comments(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(f"comment_{c}", "") for c in self.codes}


class PanelForm(CleanTextMixin, forms.Form):
    disagreement_gap = forms.DecimalField(
        label=_("Disagreement gap"),
        min_value=Decimal(0),
        max_value=Decimal(5),
        max_digits=2,
        decimal_places=1,
        help_text=_(
            "When the experts' scores on a criterion differ by more than this, the consensus "
            "report must record a minority view."
        ),
    )
    main_list_size = forms.IntegerField(label=_("Main list size"), min_value=0, max_value=10000)
