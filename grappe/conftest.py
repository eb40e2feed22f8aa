"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis
import pytest

# A quick profile by default; CI selects the thorough one (HYPOTHESIS_PROFILE=thorough).
hypothesis.settings.register_profile("quick", max_examples=50, deadline=None)
hypothesis.settings.register_profile("thorough", max_examples=400, deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

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


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the default language: a request to /fr/ activates French for the
    rest of the thread, and services translate their messages with the active language."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """No test inherits another's rate-limit counters."""
    from django.core.cache import cache

    cache.clear()


def pytest_configure(config: pytest.Config) -> None:
    """Hashing demo and factory passwords with PBKDF2 cost a third of the suite's CPU."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate-limit counters (core/ratelimit.py) in memory, emptied before each test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
