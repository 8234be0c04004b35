"""Ed25519 signature records: round trip, tampering, and the generated key file."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.core import signing

DOCUMENT = b'{"schema":"originxr.evidence-report/1","checks":[]}'


def test_sign_and_verify_round_trip(tmp_path: Path) -> None:
    key = signing.load_private_key(tmp_path / "signing_key.pem")
    record = signing.sign(DOCUMENT, key)
    assert record["alg"] == "Ed25519"
    assert record["signed"] == hashlib.sha256(DOCUMENT).hexdigest()
    raw = signing.public_key_raw(key.public_key())
    assert record["kid"] == hashlib.sha256(raw).hexdigest()[:16]
    assert "=" not in record["signature"] and "+" not in record["signature"]
    assert len(signing.b64url_decode(record["signature"])) == 64
    assert signing.verify(DOCUMENT, record, key.public_key())


def test_tampered_bytes_or_record_fail(tmp_path: Path) -> None:
    key = signing.load_private_key(tmp_path / "signing_key.pem")
    record = signing.sign(DOCUMENT, key)
    public = key.public_key()
    assert not signing.verify(DOCUMENT.replace(b"[]", b"[1]"), record, public)
    # The same bytes under a forged hash, another key, a flipped signature, or junk.
    assert not signing.verify(DOCUMENT, dict(record, signed="0" * 64), public)
    assert not signing.verify(DOCUMENT, record, Ed25519PrivateKey.generate().public_key())
    flipped = bytearray(signing.b64url_decode(record["signature"]))
    flipped[0] ^= 1
    assert not signing.verify(DOCUMENT, dict(record, signature=signing.b64url(flipped)), public)
    assert not signing.verify(DOCUMENT, dict(record, signature="not base64!"), public)
    assert not signing.verify(DOCUMENT, dict(record, alg="HS256"), public)
    # A signature blob names the signed blob as `blob` instead of `signed`.
    blob_record = {k: v for k, v in record.items() if k != "signed"}
    assert signing.verify(DOCUMENT, dict(blob_record, blob=record["signed"]), public)
    assert not signing.verify(DOCUMENT, dict(blob_record, blob="0" * 64), public)


def test_key_file_is_generated_once_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing_key.pem"
    first = signing.load_private_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    second = signing.load_private_key(path)
    assert signing.key_id(first.public_key()) == signing.key_id(second.public_key())
    assert sorted(p.name for p in path.parent.iterdir()) == ["signing_key.pem"]


def test_a_key_of_another_kind_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "signing_key.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    try:
        signing.load_private_key(path)
    except ValueError as exc:
        assert "not an Ed25519 key" in str(exc)
    else:
        raise AssertionError("an EC key was accepted as the signing key")
