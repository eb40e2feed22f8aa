"""What every browser test shares: where Chromium is, how it is launched, and whether its absence
skips the test or fails it (`GRAPPE_REQUIRE_BROWSER=1`, set by CI).

In-process tests use the `chromium` / `browser_page` fixtures of `grappe/conftest.py`. Tests that
drive the browser from a child process (a script run with `sys.executable -c`) prepend
`SCRIPT_PRELUDE` to their script, which defines `CHROMIUM_ARGS` there, and call
`require_chromium()` first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("GRAPPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SCRIPT_PRELUDE = f"CHROMIUM_ARGS = {json.dumps(CHROMIUM_ARGS)}\n"


def browser_required() -> bool:
    return os.environ.get("GRAPPE_REQUIRE_BROWSER") == "1"


def require_chromium() -> Path:
    """Debian's Chromium, or skip the test saying why (a failure where CI requires it)."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if browser_required():
            pytest.fail(message + "; GRAPPE_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(message)
    return CHROMIUM
