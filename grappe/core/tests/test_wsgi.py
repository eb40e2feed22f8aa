"""The WSGI entry point (`grappe/wsgi.py`): it loads the URLconf and freezes its startup objects
out of the garbage collector's walks (docs/decisions/prepared-statements.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_wsgi_module_freezes_the_objects_made_at_startup():
    probe = (
        "import gc, grappe.wsgi; "
        "print(gc.get_freeze_count() > 100_000, callable(grappe.wsgi.application))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grappe.settings"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]
