"""What every Django form of Grappe shares: no control characters in any text field.

`CleanTextMixin` goes first in the bases of every form (`class SearchForm(CleanTextMixin,
forms.Form)`); the back office gets it on every model admin's forms and inline formsets from
`core/backoffice.py` (`BackOfficeSite.register`), and the lists' filter forms from
`core/lists.py`. `core/tests/test_input_hygiene.py` walks every form class of the project, the
back office's forms and the lists' forms to check that none is left out.

A text field (`CharField` and its kinds: slug, e-mail, URL, ...) refuses C0 and C1 control
characters and DEL; one shown as a text area, and a JSON field, also accepts TAB, LF and CR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from grappe.core.domain.text import first_control_in

FormT = TypeVar("FormT", bound=type[forms.BaseForm])


class ControlCharacterValidator:
    """Refuses a value (or any string inside a JSON value) holding a control character."""

    code = "control_characters"

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        found = first_control_in(value, multiline=self.multiline)
        if found is not None:
            raise ValidationError(
                _("Control characters are not allowed (%(char)s found)."),
                code=self.code,
                params={"char": found},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash((self.code, self.multiline))


def guard_text_fields(fields: Mapping[str, forms.Field]) -> None:
    """Add the validator to every text field (once)."""
    for field in fields.values():
        if not isinstance(field, forms.CharField):  # JSONField is a CharField too
            continue
        if any(isinstance(v, ControlCharacterValidator) for v in field.validators):
            continue
        multiline = isinstance(field, forms.JSONField) or isinstance(field.widget, forms.Textarea)
        field.validators.append(ControlCharacterValidator(multiline=multiline))


class CleanTextMixin:
    """A form whose text fields refuse control characters (see the module)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guard_text_fields(self.fields)


def with_clean_text(form_class: FormT) -> FormT:
    """`form_class`, or a subclass of it with `CleanTextMixin` when it lacks it (the forms
    Django and the admin build: model forms, auth forms, formset forms)."""
    if issubclass(form_class, CleanTextMixin):
        return form_class
    return type(
        form_class.__name__, (CleanTextMixin, form_class), {"__module__": form_class.__module__}
    )  # type: ignore[return-value]
