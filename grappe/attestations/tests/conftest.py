"""Every attestation test signs with a key file of its own, never the project's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def attestation_key_file(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "keys" / "attestation-signing-key.pem"
    settings.ATTESTATION_SIGNING_KEY_FILE = path
    settings.ATTESTATION_SIGNING_KEY_AUTOCREATE = True
    settings.SITE_URL = "https://grappe.test"
    return path
