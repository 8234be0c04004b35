from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from server.adapters.blobs import BlobStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"cocoa")
    assert digest == hashlib.sha256(b"cocoa").hexdigest()
    assert store.put(b"cocoa") == digest
    assert store.get(digest) == b"cocoa"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest[2:]]


def test_bad_addresses_are_refused(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        store.path("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        store.get("0" * 64)
