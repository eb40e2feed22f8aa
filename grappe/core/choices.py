"""Django choices built from a domain vocabulary, so that each vocabulary is defined once.

A domain module (pure Python) defines a `StrEnum` and its English labels (`gettext_noop`);
`text_choices` makes the `TextChoices` a model field, form or admin filter uses, with the same
member names and values and the labels translated lazily. Code outside Django uses the domain
enum itself (its members are equal to the stored strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy


def text_choices(
    name: str, vocabulary: type[StrEnum], labels: Mapping[Any, str], *, module: str
) -> Any:
    """`TextChoices` named `name` with one member per member of `vocabulary`, in the order of
    `labels` (the order forms show).

    Every member needs a label: a vocabulary that grows without one fails at import."""
    missing = [m.value for m in vocabulary if m not in labels]
    if missing or len(labels) != len(vocabulary):
        raise ValueError(f"{name}: labels do not match the vocabulary ({', '.join(missing)})")
    members = [(vocabulary(m).name, (m, gettext_lazy(label))) for m, label in labels.items()]
    return models.TextChoices(name, members, module=module)  # type: ignore[call-overload]
