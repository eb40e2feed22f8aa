"""The hand-labelled sample of merge proposals on the real files (issue 8: precision >= 95 %).

`fixtures/merge_sample_labels.json` holds 200 proposals drawn at random from those the resolver
made on the real CORDIS + ANR files, each labelled by hand with its reason. No record of the
files is copied: each side is keyed by a hash of its source, folded name, folded city and
country, which `sample_precision` recomputes on the proposals of the database at hand.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from grappe.interop.domain.names import fold

LABELS = Path(__file__).parent / "fixtures" / "merge_sample_labels.json"


def record_key(source: str, name: str, city: str, country: str) -> str:
    text = f"{source}|{fold(name)}|{fold(city)}|{country}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def sample_precision() -> dict[str, Any]:
    """How the labelled sample fares on today's proposals: how many of its pairs are still
    proposed, and of those the share labelled `same` (uncertain ones count as wrong)."""
    from grappe.interop.models import MergeProposal

    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    proposed = set()
    for keep, duplicate in _pairs(MergeProposal):
        proposed.add(frozenset((keep, duplicate)))
    found = [x for x in labels if frozenset((x["keep"], x["duplicate"])) in proposed]
    right = sum(1 for x in found if x["label"] == "same")
    return {
        "labelled": len(labels),
        "still proposed": len(found),
        "right": right,
        "precision": right / len(found) if found else 0.0,
        "proposals now": MergeProposal.objects.count(),
    }


def _pairs(model: Any) -> list[tuple[str, str]]:
    rows = model.objects.filter(duplicate__isnull=False).values_list(
        "keep__source",
        "keep__name",
        "keep__city",
        "keep__country",
        "duplicate__source",
        "duplicate__name",
        "duplicate__city",
        "duplicate__country",
    )
    return [(record_key(*r[:4]), record_key(*r[4:])) for r in rows]
