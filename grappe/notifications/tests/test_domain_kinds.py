"""The registry of kinds (pure): each message names exactly its parameters."""

from __future__ import annotations

import re

import pytest

from grappe.notifications.domain.kinds import KINDS, UnknownKind, check, render

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda k: k.id)
def test_every_placeholder_is_a_declared_parameter(kind) -> None:
    used = set(PLACEHOLDER.findall(kind.subject)) | set(PLACEHOLDER.findall(kind.body))
    for _name, msgid in kind.optional_lines:
        used |= set(PLACEHOLDER.findall(msgid))
    assert used == set(kind.params)
    assert set(kind.translated) <= set(kind.params) and set(kind.dates) <= set(kind.params)
    assert kind.label and kind.id.count(".") == 1


def test_check_refuses_an_unknown_kind_and_wrong_parameters() -> None:
    with pytest.raises(UnknownKind, match="unknown notification kind"):
        check("nope.nothing", {})
    with pytest.raises(UnknownKind, match=r"missing \['title'\], unexpected \['extra'\]"):
        check("invitation.received", {"organisation": "A", "acronym": "B", "extra": 1})


def test_render_translates_labels_formats_dates_and_adds_the_optional_line() -> None:
    french = {
        "%(acronym)s: %(transition)s": "%(acronym)s : %(transition)s",
        "The project %(acronym)s moved from “%(from)s” to “%(to)s”.": "%(acronym)s : %(from)s → %(to)s",
        "Submit": "Soumettre",
        "Draft": "Brouillon",
    }
    out = render(
        "project.status_changed",
        {"acronym": "X1", "transition": "Submit", "from": "Draft", "to": "Sent", "reason": ""},
        translate=lambda m: french.get(m, m),
        format_date=str,
    )
    assert out.subject == "X1 : Soumettre"
    assert out.body == "X1 : Brouillon → Sent"  # no reason: no reason line
    dated = render(
        "committee.member_added",
        {"cluster": "Cap", "session": "December", "date": "2026-12-15"},
        translate=lambda m: m,
        format_date=lambda iso: "15/12/2026" if iso == "2026-12-15" else "?",
    )
    assert dated.body.endswith("which meets on 15/12/2026.")
    with_reason = render(
        "project.status_changed",
        {"acronym": "X1", "transition": "Submit", "from": "Draft", "to": "Sent", "reason": "Late"},
        translate=lambda m: m,
        format_date=str,
    )
    assert with_reason.body.endswith("Reason given: Late")


def test_a_row_of_a_removed_kind_renders_as_its_code() -> None:
    out = render("gone.kind", {"a": 1}, translate=str, format_date=str)
    assert (out.subject, out.body) == ("gone.kind", "")
