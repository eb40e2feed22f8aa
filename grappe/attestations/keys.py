"""The private signing key's file: read it, create it, replace it (never in the database).

The path is the setting `ATTESTATION_SIGNING_KEY_FILE`. When the file is missing it is generated
only if `ATTESTATION_SIGNING_KEY_AUTOCREATE` is on (by default with DEBUG, so in development and
tests); in production a missing key is an error that says to run `grappe attestation keygen`.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from grappe.attestations.domain.signing import SigningKeyPair


def key_file() -> Path:
    return Path(settings.ATTESTATION_SIGNING_KEY_FILE)


def key_write(pair: SigningKeyPair, path: Path | None = None) -> Path:
    """Write `pair` to the key file atomically (mode 600), replacing any earlier key."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pair.pem())
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return path


def key_load() -> SigningKeyPair:
    """The current private key, generated first when missing and allowed (see above)."""
    path = key_file()
    if not path.exists():
        if not settings.ATTESTATION_SIGNING_KEY_AUTOCREATE:
            raise ImproperlyConfigured(
                f"No attestation signing key at {path} (ATTESTATION_SIGNING_KEY_FILE): "
                "create one with `grappe attestation keygen`."
            )
        pair = SigningKeyPair.generate()
        key_write(pair, path)
        return pair
    try:
        return SigningKeyPair.from_pem(path.read_bytes())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{path} (ATTESTATION_SIGNING_KEY_FILE): {exc}") from exc
