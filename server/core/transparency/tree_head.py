"""Tree heads of the log: the text that is signed, signing it, reading and checking one.

A tree head says "the log had `size` leaves with root hash `root` at `timestamp`". Its
signed form is a short text (as Go's sumdb notes are), so that anyone can rebuild the
exact bytes from the JSON fields and check the signature; witnesses cosign the same text.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.core.signing import KeyEntry, sign, verify_with_keys
from server.core.transparency.merkle import HASH_SIZE

SCHEMA = "originxr.tree-head/1"
TEXT_HEADER = "originxr.log/1"


class TreeHeadError(ValueError):
    """A tree head that cannot be read or whose signature does not verify; says why."""


@dataclass(frozen=True)
class TreeHead:
    """The log's size, root hash (32 bytes) and the time of its newest leaf (ISO UTC)."""

    size: int
    root: bytes
    timestamp: str

    def text(self) -> bytes:
        """Return the bytes that are signed: header, size, base64 root, timestamp."""
        root = base64.b64encode(self.root).decode("ascii")
        return f"{TEXT_HEADER}\n{self.size}\n{root}\n{self.timestamp}\n".encode()

    def as_json(self) -> dict[str, Any]:
        """Return the unsigned fields as the log's JSON writes them."""
        return {
            "schema": SCHEMA,
            "size": self.size,
            "root_hash": self.root.hex(),
            "timestamp": self.timestamp,
        }


def signed_tree_head(head: TreeHead, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return `head` as JSON with the signature of its text by `key`."""
    record = sign(head.text(), key)
    return dict(
        head.as_json(),
        signature={"alg": record["alg"], "kid": record["kid"], "signature": record["signature"]},
    )


def read_tree_head(document: Any) -> TreeHead:
    """Return the tree head in JSON `document`; raise TreeHeadError naming a bad field."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise TreeHeadError(f"the tree head is not an {SCHEMA} document")
    size, root, timestamp = (document.get(k) for k in ("size", "root_hash", "timestamp"))
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise TreeHeadError("the tree head's `size` is not a count of leaves")
    try:
        raw = bytes.fromhex(root) if isinstance(root, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != HASH_SIZE:
        raise TreeHeadError("the tree head's `root_hash` is not 64 hex digits")
    if not isinstance(timestamp, str) or not timestamp:
        raise TreeHeadError("the tree head has no `timestamp`")
    return TreeHead(size, raw, timestamp)


def verify_tree_head(document: Any, keys: list[KeyEntry]) -> TreeHead:
    """Return the tree head in `document` if a listed key signed it at its timestamp."""
    head = read_tree_head(document)
    record = document.get("signature")
    if not isinstance(record, dict):
        raise TreeHeadError("the tree head is not signed")
    if not verify_with_keys(head.text(), record, keys, head.timestamp):
        kid = record.get("kid")
        raise TreeHeadError(
            f"the tree head's signature does not verify with a listed key allowed to sign "
            f"at {head.timestamp} (kid {kid!r})"
        )
    return head


def decode_hashes(values: Any, what: str) -> list[bytes]:
    """Return the hex hashes of a proof as bytes; raise TreeHeadError if any is malformed."""
    if not isinstance(values, list):
        raise TreeHeadError(f"the {what} is not a list of hashes")
    out: list[bytes] = []
    for value in values:
        try:
            raw = bytes.fromhex(value) if isinstance(value, str) else b""
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != HASH_SIZE:
            raise TreeHeadError(f"the {what} holds a value that is not a 64-hex-digit hash")
        out.append(raw)
    return out
