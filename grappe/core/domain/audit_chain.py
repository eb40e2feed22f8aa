"""The audit log's hash chain: pure functions, no Django.

Each event stores `prev_hash` (the hash of the event before it, `GENESIS` for the first) and
`hash = sha256(prev_hash + canonical content)`. Altering a row breaks its own hash; removing a row
breaks the link of the next one. The canonical form is a contract: changing it invalidates every
stored chain, so it is versioned (`CHAIN_VERSION`) and never edited in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CHAIN_VERSION = 1
GENESIS = "0" * 64

# The fields a hash covers, in this order. `actor_id` is left out on purpose: deleting a user sets
# it to NULL (the database triggers allow exactly that), while the actor's name and role survive
# as text and are covered.
HASHED_FIELDS = (
    "actor_name",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
    "created_at",
)


def canonical_time(value: dt.datetime) -> str:
    """UTC, microseconds: what both databases store and give back unchanged."""
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _numbers(value: Any) -> Any:
    """Integral floats as ints: PostgreSQL's jsonb gives 1e+16 back as 10000000000000000."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def canonical_content(event: Mapping[str, Any]) -> str:
    """One JSON text per event: sorted keys, no spaces, the HASHED_FIELDS only."""
    content = {name: _numbers(event[name]) for name in HASHED_FIELDS}
    content["created_at"] = canonical_time(event["created_at"])
    content["v"] = CHAIN_VERSION
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """One event that does not fit the chain, and why."""

    event_id: int
    action: str
    kind: str  # "altered": its content or hash changed; "gap": the event before it is not there


@dataclass(frozen=True)
class ChainReport:
    count: int
    head: str
    breaks: tuple[ChainBreak, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


def chain_verify(events: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk the events in chain order (ascending id) and list every one that does not fit.

    Each event needs `id`, `prev_hash`, `hash` and the HASHED_FIELDS.
    """
    previous = GENESIS
    breaks: list[ChainBreak] = []
    count = 0
    for event in events:
        count += 1
        if event["hash"] != event_hash(event["prev_hash"], event):
            breaks.append(ChainBreak(event["id"], event["action"], "altered"))
        elif event["prev_hash"] != previous:
            breaks.append(ChainBreak(event["id"], event["action"], "gap"))
        previous = event["hash"]
    return ChainReport(count=count, head=previous, breaks=tuple(breaks))
