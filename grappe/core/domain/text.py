"""Control characters in text: what every input refuses (pure, no Django).

NUL breaks PostgreSQL (a text value cannot hold it) and no name, search or reason legitimately
holds any C0 or C1 control character, nor DEL. Multi-line text (a description, a reason typed
in a text area, a JSON document) may hold TAB, LF and CR; nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def first_control(value: str, *, multiline: bool = False) -> str | None:
    """The first control character `value` may not hold, as "U+0000"; None when clean."""
    found = (CONTROL_MULTILINE if multiline else CONTROL).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (keys and values of mappings, items of lists), without
    recursion (a deeply nested document cannot exhaust the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)


def first_control_in(value: Any, *, multiline: bool = False) -> str | None:
    """`first_control` over every string in `value` (a string, list or mapping)."""
    for text in strings_in(value):
        found = first_control(text, multiline=multiline)
        if found is not None:
            return found
    return None


def printable(value: str) -> str:
    """`value` with each control character (TAB, LF, CR kept) replaced by U+FFFD, for showing
    or storing what was refused (a rejected spreadsheet row)."""
    return CONTROL_MULTILINE.sub(REPLACEMENT, value)
