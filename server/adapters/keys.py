"""The signing keys on disk: the current private key and the key list of earlier ones.

The current key (``SIGNING_KEY_PATH``) signs new builds. The key list
(``SIGNING_KEYRING_PATH``, JSON ``originxr.keyring/1``) keeps every earlier key's public half
with the time it stopped signing (rotated) or was revoked, so that what a key signed before
then keeps verifying. On several machines both files are shared like any secret (mounted
from one place); `rotate_key` is run once, where the files are kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.adapters.config import Settings
from server.core.signing import KeyEntry, load_private_key

SCHEMA = "originxr.keyring/1"


class KeyListError(ValueError):
    """A key operation that cannot be done, or a key list that cannot be read; says why."""


def utc_stamp(when: datetime | None = None) -> str:
    """Return `when` (default: now) as the key list writes times: ISO 8601 UTC, seconds."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def current_key(settings: Settings) -> Ed25519PrivateKey:
    """Return the key that signs new builds (generated on first use on one machine)."""
    return load_private_key(settings.signing_key_path)


def read_keyring(path: str | Path) -> list[KeyEntry]:
    """Return the entries of the key list at `path` (none when there is no file yet)."""
    try:
        document = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return []
    if document.get("schema") != SCHEMA or not isinstance(document.get("keys"), list):
        raise KeyListError(f"{path} is not an {SCHEMA} key list")
    return [KeyEntry(**entry) for entry in document["keys"]]


def key_list(settings: Settings) -> list[KeyEntry]:
    """Return every key that verifies something: the current one first, then earlier ones."""
    current = KeyEntry.of(current_key(settings).public_key())
    earlier = read_keyring(settings.signing_keyring_path)
    listed = next((e for e in earlier if e.kid == current.kid), current)
    return [listed, *(e for e in earlier if e.kid != current.kid)]


def rotate_key(settings: Settings, now: str | None = None) -> tuple[KeyEntry, KeyEntry]:
    """Retire the current key (it stops signing `now`) and make a new one; return both."""
    now = now or utc_stamp()
    entries = key_list(settings)
    old = replace(entries[0], not_after=now)
    new_key = Ed25519PrivateKey.generate()
    new = KeyEntry.of(new_key.public_key(), not_before=now)
    # The list first: a crash between the two writes leaves the old key signing and listed.
    _write_keyring(settings.signing_keyring_path, [new, old, *entries[1:]])
    pem = new_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(Path(settings.signing_key_path), pem, mode=0o600)
    return old, new


def revoke_key(settings: Settings, kid: str, now: str | None = None) -> KeyEntry:
    """Mark the earlier key `kid` revoked from `now` on: its later signatures fail."""
    entries = key_list(settings)
    if entries[0].kid == kid:
        raise KeyListError(f"key {kid} signs new builds: rotate it first (`originxr rotate-key`)")
    found = next((e for e in entries if e.kid == kid), None)
    if found is None:
        known = ", ".join(e.kid for e in entries)
        raise KeyListError(f"no key {kid!r} in the key list (known: {known})")
    revoked = replace(found, revoked_at=now or utc_stamp())
    _write_keyring(settings.signing_keyring_path, [revoked if e.kid == kid else e for e in entries])
    return revoked


def _write_keyring(path: str | Path, entries: list[KeyEntry]) -> None:
    body = {"schema": SCHEMA, "keys": [asdict(e) for e in entries]}
    _write_atomically(Path(path), (json.dumps(body, indent=2) + "\n").encode(), mode=0o644)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` through a temporary file and a rename: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
