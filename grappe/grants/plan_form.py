"""The payment plan editor of a call (`calls/<slug>/payments/`): a plan as form fields and back.

Fields: the label, the cap and retention, one row per tranche (id, trigger, basis, rate) plus
an empty row to add one, and an "unconfirmed" tick for each figure. The domain
(`payments.plan_from_dict`) validates; its refusal is put on the field it names, in words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.grants.domain.payments import (
    BASIS_LABELS,
    PAYMENT_MESSAGES,
    TRIGGER_LABELS,
    PlanError,
    plan_from_dict,
)

TRANCHE_KEYS = ("id", "trigger", "basis", "rate")
_PATH = re.compile(r"^tranches\[(\d+)\](?:\.(\w+))?$")


def field_name(path: str) -> str | None:
    """The form field of a plan path: `tranches[1].rate` -> `t1_rate`; None for the whole plan."""
    if path in ("label", "cap", "retention"):
        return path
    m = _PATH.match(path)
    if m and m.group(2) in TRANCHE_KEYS:
        return f"t{m.group(1)}_{m.group(2)}"
    return None


def field_label(path: str) -> str:
    """A plan path in words: `tranches[1].rate` -> "Tranche 2, rate"."""
    names = {
        "label": _("Name of the plan"),
        "cap": _("Cap before the balance"),
        "retention": _("Retention"),
        "tranches": _("Tranches"),
    }
    if path in names:
        return names[path]
    m = _PATH.match(path)
    if m:
        number = int(m.group(1)) + 1
        part = {"id": _("name"), "trigger": _("paid"), "basis": _("basis"), "rate": _("rate")}
        if m.group(2) in part:
            return _("Tranche %(number)s, %(part)s") % {"number": number, "part": part[m.group(2)]}
        return _("Tranche %(number)s") % {"number": number}
    return path


def plan_error_text(exc: PlanError) -> str:
    msgid = PAYMENT_MESSAGES.get(exc.code, "%(field)s: %(detail)s.")
    return _(msgid) % {**exc.params, "field": field_label(exc.field)}


class PlanForm(CleanTextMixin, forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Name of the plan"),
        max_length=200,
        error_messages={"required": gettext_lazy("Give the plan a name.")},
    )
    cap = forms.CharField(
        label=gettext_lazy("Cap before the balance (fraction of the grant)"),
        max_length=12,
        required=False,
    )
    cap_unconfirmed = forms.BooleanField(label=gettext_lazy("unconfirmed"), required=False)
    retention = forms.CharField(
        label=gettext_lazy("Retention released with the balance (fraction)"),
        max_length=12,
        required=False,
    )
    retention_unconfirmed = forms.BooleanField(label=gettext_lazy("unconfirmed"), required=False)

    def __init__(self, *args: Any, rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        triggers = [("", "—"), *((t.value, _(label)) for t, label in TRIGGER_LABELS.items())]
        bases = [("", "—"), *((b.value, _(label)) for b, label in BASIS_LABELS.items())]
        for i in range(rows):
            n = {"number": i + 1}
            self.fields[f"t{i}_id"] = forms.CharField(
                label=_("Tranche %(number)s, name") % n, max_length=40, required=False
            )
            self.fields[f"t{i}_trigger"] = forms.ChoiceField(
                label=_("Tranche %(number)s, paid") % n, choices=triggers, required=False
            )
            self.fields[f"t{i}_basis"] = forms.ChoiceField(
                label=_("Tranche %(number)s, basis") % n, choices=bases, required=False
            )
            self.fields[f"t{i}_rate"] = forms.CharField(
                label=_("Tranche %(number)s, rate") % n, max_length=12, required=False
            )
            self.fields[f"t{i}_unconfirmed"] = forms.BooleanField(
                label=_("unconfirmed"), required=False
            )
        guard_text_fields(self.fields)  # the rows added above refuse control characters too

    def tranche_rows(self) -> list[dict[str, Any]]:
        return [
            {key: self[f"t{i}_{key}"] for key in (*TRANCHE_KEYS, "unconfirmed")}
            for i in range(self.rows)
        ]

    def plan_data(self, *, plan_id: str, sources: list[str]) -> dict[str, Any]:
        """The plan the form describes (rows with every field empty are left out)."""
        c = self.cleaned_data
        tranches: list[dict[str, str]] = []
        self.row_index: list[int] = []  # plan tranche -> form row
        unconfirmed = [name for name in ("cap", "retention") if c.get(f"{name}_unconfirmed")]
        for i in range(self.rows):
            row = {key: (c.get(f"t{i}_{key}") or "").strip() for key in TRANCHE_KEYS}
            if not any(row.values()):
                continue
            if c.get(f"t{i}_unconfirmed"):
                unconfirmed.append(f"tranches[{len(tranches)}].rate")
            tranches.append({k: v for k, v in row.items() if v})  # empty: "is required"
            self.row_index.append(i)
        return {
            "id": plan_id,
            "label": c.get("label", ""),
            "tranches": tranches,
            "cap": (c.get("cap") or "").strip(),
            "retention": (c.get("retention") or "").strip(),
            "sources": sources,
            "unconfirmed": unconfirmed,
        }

    def check_plan(self, data: Mapping[str, Any]) -> bool:
        """Validate with the domain; a refusal lands on the field it names."""
        try:
            plan_from_dict(data)
        except PlanError as exc:
            name = field_name(exc.field)
            m = _PATH.match(exc.field)
            rows = getattr(self, "row_index", [])
            if name and m and int(m.group(1)) < len(rows):
                name = f"t{rows[int(m.group(1))]}_{m.group(2)}"
            self.add_error(name if name in self.fields else None, plan_error_text(exc))
            return False
        return True


def initial_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form values of a stored plan."""
    listed = set(data.get("unconfirmed", []))
    initial: dict[str, Any] = {
        "label": _(str(data.get("label", ""))),
        "cap": data.get("cap", "1"),
        "retention": data.get("retention", "0"),
        "cap_unconfirmed": "cap" in listed,
        "retention_unconfirmed": "retention" in listed,
    }
    for i, t in enumerate(data.get("tranches", [])):
        for key in TRANCHE_KEYS:
            initial[f"t{i}_{key}"] = t.get(key, "")
        initial[f"t{i}_unconfirmed"] = f"tranches[{i}].rate" in listed
    return initial
