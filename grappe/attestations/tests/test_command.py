"""`grappe attestation verify FILE [--keys JWKS]` and `grappe attestation keygen`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grappe.attestations import selectors, services
from grappe.attestations.domain import signing
from grappe.attestations.domain.signing import SigningKeyPair
from grappe.attestations.models import Attestation, SigningKey
from grappe.core.tests.factories import AccreditationFactory, ParticipationFactory, ProjectFactory


def _run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("attestation", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def offline(tmp_path: Path) -> tuple[Path, Path, SigningKeyPair]:
    """An attestation file and a JWKS file made without any database."""
    pair = SigningKeyPair.generate()
    record = {
        "id": "6f1d7c0e-0000-4000-8000-000000000001",
        "project": {"acronym": "OFFLINE"},
        "validity": {"from": "2026-01-01", "until": None},
        "verification_url": "https://grappe.test/en/attestations/x/",
    }
    token_file = tmp_path / "a.jws"
    token_file.write_text(signing.sign(record, pair))
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(signing.jwks({pair.kid: pair.jwk})))
    return token_file, keys_file, pair


# No django_db mark: any database access would fail these tests.
def test_offline_verify_needs_no_database(offline: tuple[Path, Path, SigningKeyPair]) -> None:
    token_file, keys_file, pair = offline
    out = _run("verify", str(token_file), "--keys", str(keys_file))
    assert out.startswith("VALID") and pair.kid in out and "OFFLINE" in out


def test_offline_verify_reads_the_api_json_too(
    offline: tuple[Path, Path, SigningKeyPair], tmp_path: Path
) -> None:
    token_file, keys_file, _pair = offline
    as_json = tmp_path / "a.json"
    as_json.write_text(json.dumps({"jws": token_file.read_text(), "status": "valid"}))
    assert _run("verify", str(as_json), "--keys", str(keys_file)).startswith("VALID")


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_offline_verify_detects_a_changed_byte_in_each_part(
    offline: tuple[Path, Path, SigningKeyPair], part: int
) -> None:
    token_file, keys_file, _pair = offline
    parts = token_file.read_text().split(".")
    raw = bytearray(signing.b64url_decode(parts[part]))
    raw[len(raw) // 2] ^= 0x20
    parts[part] = signing.b64url(bytes(raw))
    token_file.write_text(".".join(parts))
    with pytest.raises(CommandError) as error:
        _run("verify", str(token_file), "--keys", str(keys_file))
    assert error.value.returncode == 1
    # A changed header byte may fall in the key id: then no published key matches.
    assert str(error.value).startswith(("ALTERED", "UNKNOWN_KEY") if part == 0 else "ALTERED")


def test_offline_verify_with_other_keys_says_unknown_key(
    offline: tuple[Path, Path, SigningKeyPair], tmp_path: Path
) -> None:
    token_file, _keys_file, _pair = offline
    other = SigningKeyPair.generate()
    keys = tmp_path / "other.json"
    keys.write_text(json.dumps(signing.jwks({other.kid: other.jwk})))
    with pytest.raises(CommandError, match="UNKNOWN_KEY") as error:
        _run("verify", str(token_file), "--keys", str(keys))
    assert error.value.returncode == 1


def test_offline_verify_reports_an_expired_record(tmp_path: Path) -> None:
    pair = SigningKeyPair.generate()
    token = tmp_path / "a.jws"
    token.write_text(signing.sign({"id": "x", "validity": {"until": "2020-01-01"}}, pair))
    keys = tmp_path / "k.json"
    keys.write_text(json.dumps(signing.jwks({pair.kid: pair.jwk})))
    with pytest.raises(CommandError, match="EXPIRED"):
        _run("verify", str(token), "--keys", str(keys))


@pytest.mark.parametrize("content", ["", "{not json", '{"keys": 3}'])
def test_offline_verify_with_a_bad_keys_file(
    offline: tuple[Path, Path, SigningKeyPair], tmp_path: Path, content: str
) -> None:
    token_file, _keys_file, _pair = offline
    keys = tmp_path / "bad.json"
    keys.write_text(content)
    with pytest.raises(CommandError, match="not a usable JWKS") as error:
        _run("verify", str(token_file), "--keys", str(keys))
    assert error.value.returncode == 1


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        _run("verify", str(tmp_path / "absent.jws"), "--keys", str(tmp_path / "k.json"))


@pytest.mark.django_db
def test_online_verify_and_keygen_rotation(tmp_path: Path) -> None:
    project = ProjectFactory(acronym="ONLINE")
    ParticipationFactory(project=project)
    attestation = services.attestation_issue(
        accreditation=AccreditationFactory(project=project, accredited_on=dt.date(2026, 1, 1)),
        actor=None,
    )
    token = tmp_path / "a.jws"
    token.write_text(attestation.jws)
    assert _run("verify", str(token)).startswith("VALID")
    out = _run("keygen")
    assert "New signing key" in out
    assert SigningKey.objects.count() == 2
    # Still valid after the rotation, online and offline with the published keys.
    assert _run("verify", str(token)).startswith("VALID")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(selectors.published_jwks()))
    assert _run("verify", str(token), "--keys", str(keys)).startswith("VALID")
    services.attestation_revoke(attestation=attestation, reason="Stopped", actor=None)
    with pytest.raises(CommandError, match=r"REVOKED.*Stopped"):
        _run("verify", str(token))
    assert Attestation.objects.count() == 1
