"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse
# to run from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("GRAPPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
    required = os.environ.get("GRAPPE_REQUIRE_BROWSER") == "1"
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if required:
            pytest.fail(message + "; GRAPPE_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(message)
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
