"""Ed25519 signatures over published blobs: the key file, detached records, verification.

A record names the algorithm, the key (``kid``: the first 16 hex digits of the sha256 of
the raw public key), the signature and the sha256 of the signed bytes. Signatures and raw
public keys are base64url without padding, as in JOSE (RFC 7515). Nothing here knows
about Flask: callers pass the key path or the key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG = "Ed25519"


def b64url(data: bytes) -> str:
    """Return `data` as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Return the bytes of base64url `text`, padded or not; raise ValueError if malformed."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(f"`text` is not base64url: {exc}") from exc


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of `key`."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """Return the key's id: the first 16 hex digits of the sha256 of its raw bytes."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()[:16]


def load_private_key(path: Path | str) -> Ed25519PrivateKey:
    """Read the PKCS#8 PEM key at `path`, generating it (owner-only, 0600) if absent.

    The new key is written to a temporary file and hard-linked into place, so a process
    racing this one either wins the link or reads the complete key of the winner; no one
    ever reads a half-written file.
    """
    path = Path(path)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass  # first use: make one below
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # Another process may have made it first: then use theirs.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
    return _read_key(path)


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key {path} is a {type(key).__name__}, not an Ed25519 key")
    return key


def sign(document: bytes, key: Ed25519PrivateKey) -> dict[str, str]:
    """Return the detached signature record of `document` made with `key`."""
    return {
        "alg": ALG,
        "kid": key_id(key.public_key()),
        "signature": b64url(key.sign(document)),
        "signed": hashlib.sha256(document).hexdigest(),
    }


def verify(document: bytes, record: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Tell whether `record` is a valid signature of `document` by `public_key`.

    The record's ``signed`` hash (or ``blob``, as in a signature blob) must match the
    document's sha256 when present, its ``kid`` must name `public_key`, and the signature
    must verify. Malformed records are invalid, never an exception.
    """
    if record.get("alg") != ALG or record.get("kid") != key_id(public_key):
        return False
    digest = record.get("signed", record.get("blob"))
    if digest is not None and digest != hashlib.sha256(document).hexdigest():
        return False
    signature = record.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        public_key.verify(b64url_decode(signature), document)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class KeyEntry:
    """One key of the key list: its public half and when it may sign.

    Times are ISO 8601 UTC strings (``None``: open-ended). A retired key (``not_after``
    set) still verifies what it signed before then; a revoked key verifies nothing signed
    after its ``revoked_at`` — whoever holds it may have signed since.
    """

    kid: str
    public_key: str  # raw Ed25519, base64url
    not_before: str | None = None
    not_after: str | None = None
    revoked_at: str | None = None

    @classmethod
    def of(cls, key: Ed25519PublicKey, not_before: str | None = None) -> KeyEntry:
        """Return the entry of `key`, valid from `not_before` on."""
        return cls(key_id(key), b64url(public_key_raw(key)), not_before)

    def public(self) -> Ed25519PublicKey:
        """Return the entry's public key."""
        return Ed25519PublicKey.from_public_bytes(b64url_decode(self.public_key))

    def may_sign_at(self, when: str | None) -> bool:
        """Tell whether a signature made at `when` (ISO UTC; None: unknown) is the key's own.

        An unknown time passes only for a key that was never revoked.
        """
        if when is None:
            return self.revoked_at is None
        if self.not_before is not None and when < self.not_before:
            return False
        if self.not_after is not None and when > self.not_after:
            return False
        return self.revoked_at is None or when < self.revoked_at


def verify_with_keys(
    document: bytes, record: dict[str, Any], keys: list[KeyEntry], signed_at: str | None = None
) -> bool:
    """Tell whether `record` verifies `document` by a listed key allowed to sign at `signed_at`."""
    for entry in keys:
        if entry.kid == record.get("kid") and entry.may_sign_at(signed_at):
            return verify(document, record, entry.public())
    return False
