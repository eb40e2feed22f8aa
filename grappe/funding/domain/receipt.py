"""What an application submitted, frozen: canonical JSON and its SHA-256. Pure.

The snapshot is plain JSON data (money as strings with two decimals, dates and times as ISO
8601 strings, no floats). Its canonical form is JSON with the object members sorted by key, no
insignificant whitespace and UTF-8 text (the member order and spacing of RFC 8785 for values
without floats); the receipt's hash is the SHA-256 of those bytes, so anyone holding the
stored snapshot can recompute it (`sha256sum` of `canonical_json(snapshot)`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CENT = "0.01"


def _check(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
    elif isinstance(value, float):
        raise ValueError(f"{path}: floats are not used in snapshots (money is a string)")
    elif value is not None and not isinstance(value, bool | int | str):
        raise ValueError(f"{path}: {type(value).__name__} is not JSON")


def canonical_json(snapshot: dict[str, Any]) -> bytes:
    """The canonical bytes of a snapshot; raises ValueError on a value JSON cannot hold
    exactly (floats, dates not yet turned into strings)."""
    _check(snapshot, "$")
    return json.dumps(
        snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    """The receipt's hash: SHA-256 of the canonical JSON, in lowercase hex."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()
