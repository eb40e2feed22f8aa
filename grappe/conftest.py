"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from grappe.core.tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_required, require_chromium

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


# --- browser fixtures: Debian's Chromium driven by Playwright (every app's browser tests) ---

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse
# to run from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CSP_LISTENER = """
window.__grappeCspViolations = 0;
document.addEventListener("securitypolicyviolation", (e) => {
  window.__grappeCspViolations += 1;
  window.__grappeCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI} in ${e.sourceFile || "?"}:${e.lineNumber}`
  );
});
"""


class PageErrors(list):
    """Console errors and uncaught page errors seen by a page, as readable strings."""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    require_chromium()
    required = browser_required()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        if required:
            pytest.fail("the playwright package is not installed")
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[tuple[Any, PageErrors]]:
    """A fresh page plus the list of console errors, page errors, CSP violations and failed
    requests it saw."""
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = PageErrors()
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console.{msg.type}: {msg.text} ({page.url})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc} ({page.url})"))
    # Content-Security-Policy violations, reported by the page itself (the console error
    # Chromium also prints is caught above): directive, what was blocked, where.
    page.expose_function(
        "__grappeCspViolation", lambda text: errors.append(f"CSP violation: {text} ({page.url})")
    )
    page.add_init_script(CSP_LISTENER)
    page.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    try:
        yield page, errors
    finally:
        context.close()
