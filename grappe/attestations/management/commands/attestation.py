"""`grappe attestation keygen` (rotate the signing key) and `grappe attestation verify FILE`.

`verify FILE --keys JWKS_FILE` checks one attestation with no database at all: the signature
against the given public keys (e.g. a saved copy of /.well-known/grappe-attestation-keys.json)
and the validity dates of the record; revocation is known only to the site, so the message
points there. Without `--keys` the published keys and the stored state (revoked, expired) are
read from the database. Exit code 0 when valid, 1 otherwise, with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grappe.attestations.domain.signing import keys_from_jwks, verify
from grappe.attestations.forms import token_from_text


class Command(BaseCommand):
    help = "Rotate the attestation signing key, or verify an attestation file."
    # `verify --keys` must run without a database: no system checks (they may query).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("keygen", help="Generate a new signing key; the old one stays published.")
        check = sub.add_parser("verify", help="Verify one attestation file (exit 0 if valid).")
        check.add_argument("file", help="A .jws file, or a JSON document with a 'jws' member.")
        check.add_argument(
            "--keys", help="A JWKS file of public keys: verify offline, without the database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "keygen":
            self._keygen()
        else:
            self._verify(options["file"], options.get("keys"))

    def _keygen(self) -> None:
        from grappe.attestations import services

        key = services.signing_key_rotate(actor=None)
        self.stdout.write(f"New signing key {key.kid}; earlier keys stay published (retired).")

    def _read(self, path: str, what: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the {what} {path}: {exc}", returncode=1) from exc

    def _verify(self, path: str, keys_path: str | None) -> None:
        token = token_from_text(self._read(path, "attestation file"))
        if keys_path is None:
            from grappe.attestations import selectors

            check = selectors.token_check(token)
            message = f"{check.status.value.upper()}: {check.reason}"
            if check.attestation is not None and check.attestation.revoked_at is not None:
                message += f" ({check.attestation.revoked_at:%Y-%m-%d}: "
                message += f"{check.attestation.revoked_reason})"
            if check.status.value != "valid":
                raise CommandError(message, returncode=1)
            self.stdout.write(message)
            return
        try:
            keys = keys_from_jwks(json.loads(self._read(keys_path, "keys file")))
        except ValueError as exc:
            raise CommandError(f"{keys_path} is not a usable JWKS: {exc}", returncode=1) from exc
        verdict = verify(token, keys)
        if not verdict.valid or verdict.record is None:
            raise CommandError(f"{verdict.outcome.value.upper()}: {verdict.reason}", returncode=1)
        record = verdict.record
        until = str((record.get("validity") or {}).get("until") or "")
        try:
            ended = bool(until) and dt.date.fromisoformat(until) < dt.date.today()
        except ValueError:
            ended = False
        if ended:
            raise CommandError(
                f"EXPIRED: the signature is valid, but the attestation ended on {until}.",
                returncode=1,
            )
        project = record.get("project") or {}
        self.stdout.write(
            f"VALID: signature by key {verdict.kid} verifies; attestation {record.get('id')} "
            f"of {project.get('acronym')} — revocation is not checked offline: see "
            f"{record.get('verification_url')}"
        )
