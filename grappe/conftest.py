"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real open data in ../shared/data; skips when a fresh clone has no ../shared."""
    path = Path(os.environ.get("GRAPPE_SHARED_DATA", SHARED_DATA))
    if not path.is_dir():
        pytest.skip(
            f"real open data not found at {path} (it lives in ../shared/data beside the repo)"
        )
    return path
