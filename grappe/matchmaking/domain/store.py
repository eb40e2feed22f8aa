"""A fitted `PartnerModel` as bytes and back (numpy's npz, no pickle): what the product stores
in `PartnerIndex.data` so that every web worker reads the same index."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

import numpy as np
from scipy import sparse

from grappe.matchmaking.domain.model import OrgFacts, PartnerModel, org_profiles

# 2: uncompressed (zlib took longer than the fit); the organisations'
# profiles recomputed on load from the projects' (a quarter of the bytes).
FORMAT = 2


def _csr(prefix: str, m: sparse.csr_matrix, dtype: Any = None) -> dict[str, np.ndarray]:
    m = sparse.csr_matrix(m)
    return {
        f"{prefix}_data": m.data if dtype is None else m.data.astype(dtype),
        f"{prefix}_indices": m.indices,
        f"{prefix}_indptr": m.indptr,
        f"{prefix}_shape": np.array(m.shape),
    }


def _load_csr(z: np.lib.npyio.NpzFile, prefix: str) -> sparse.csr_matrix:
    shape = tuple(int(x) for x in z[f"{prefix}_shape"])
    return sparse.csr_matrix(
        (z[f"{prefix}_data"], z[f"{prefix}_indices"], z[f"{prefix}_indptr"]), shape=shape
    )


def model_dump(model: PartnerModel) -> bytes:
    meta = {
        "format": FORMAT,
        "org_ids": model.org_ids,
        "project_ids": model.project_ids,
        "facts": [asdict(f) for f in model.facts],
        "vocabulary": model.vocabulary,
    }
    arrays: dict[str, Any] = {
        "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
        "idf": model.idf,
        "type_lift_table": model.type_lift_table,
        "org_type_code": model.org_type_code,
        "org_city_code": model.org_city_code,
        **_csr("incidence", model.incidence, np.int8),
        **_csr("project_terms", model.project_terms),
    }
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def model_load(data: bytes) -> PartnerModel:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode())
        if meta.get("format") != FORMAT:
            raise ValueError(f"partner index format {meta.get('format')}, expected {FORMAT}")
        incidence = _load_csr(z, "incidence").astype(np.float64)
        project_terms = _load_csr(z, "project_terms").astype(np.float64)
        return PartnerModel(
            org_ids=list(meta["org_ids"]),
            project_ids=list(meta["project_ids"]),
            incidence=incidence,
            facts=[OrgFacts(**f) for f in meta["facts"]],
            org_terms=org_profiles(incidence, project_terms),
            project_terms=project_terms,
            vocabulary=dict(meta["vocabulary"]),
            idf=z["idf"],
            type_lift_table=z["type_lift_table"],
            org_type_code=z["org_type_code"],
            org_city_code=z["org_city_code"],
        )
