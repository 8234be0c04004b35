"""The transparency log as the server keeps it: log publications, sign tree heads, prove.

Every publication is appended as a leaf in the transaction that publishes it: a batch's
signed evidence report and scene manifest (`build_runner`), a story version
(`story_versions.publish`), a key rotated or revoked (the CLI). Tree heads are signed with
the current signing key; tree hashes and proofs are made from the stored subtree hashes
(`core.transparency.stored_hashes`): O(log n) rows each, the same bytes `core.merkle` makes
from all the leaves.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from server.adapters import log_store
from server.adapters.keys import utc_stamp
from server.adapters.models import LogLeaf
from server.core.transparency import merkle, stored_hashes
from server.core.transparency.entries import entry_bytes, read_entry
from server.core.transparency.tree_head import TreeHead, signed_tree_head


class LogRequestError(ValueError):
    """A proof or leaf asked for with parameters that do not fit the log; says what to fix."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def log_publication(session: Session, kind: str, subject: str, fields: dict[str, Any]) -> LogLeaf:
    """Append a `kind` entry about `subject` (not committed: the caller's commit publishes).

    A publication already logged with the same fields is not logged twice (a build that
    publishes the same signed bytes again); a different one about the same subject is a
    new leaf, visible to anyone who reads the log.
    """
    for earlier in reversed(log_store.leaves_about(session, subject)):
        entry = read_entry(earlier.data)
        if earlier.kind == kind and all(entry.get(k) == v for k, v in fields.items()):
            return earlier
        break
    now = datetime.now(UTC).replace(microsecond=0)
    data = entry_bytes(kind, utc_stamp(now), fields)
    return log_store.append_leaf(session, kind, subject, data, now)


def log_build_output(
    session: Session, kind: str, batch_path: str, blob: str, signature: str, kid: str
) -> LogLeaf:
    """Log a batch's published report or manifest with its signature blob and key."""
    fields = {"batch": batch_path, "blob": blob, "signature": signature, "kid": kid}
    return log_publication(session, kind, blob, fields)


def log_story_version(
    session: Session, brand_slug: str, version: int, chapters: Any, layout: Any
) -> LogLeaf:
    """Log a published story version with the sha256 of its text (canonical JSON)."""
    text = json.dumps(
        {"chapters": chapters, "layout": layout}, sort_keys=True, separators=(",", ":")
    ).encode()
    digest = hashlib.sha256(text).hexdigest()
    fields = {"brand": brand_slug, "version": version, "text_sha256": digest}
    return log_publication(session, "story", digest, fields)


def log_key_change(session: Session, action: str, kid: str, at: str, **extra: str) -> LogLeaf:
    """Log that key `kid` was rotated out or revoked at `at`; commit."""
    leaf = log_publication(session, "key", kid, {"action": action, "kid": kid, "at": at, **extra})
    session.commit()
    return leaf


def tree_head(session: Session, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return the signed head of the log as it is now."""
    size = log_store.log_size(session)
    head = TreeHead(size, tree_root(session, size), utc_stamp())
    return signed_tree_head(head, key)


def tree_root(session: Session, size: int) -> bytes:
    """Return the root hash of the log's first `size` leaves."""
    return merkle.EMPTY_ROOT if size == 0 else log_store.span_hashes(session, [(0, size)])[0]


def leaf_view(leaf: LogLeaf) -> dict[str, Any]:
    """Return leaf `leaf` as JSON: its index, hash, exact bytes (base64) and parsed entry."""
    return {
        "index": leaf.index,
        "leaf_hash": leaf.leaf_hash,
        "data": base64.b64encode(leaf.data).decode("ascii"),
        "entry": read_entry(leaf.data),
    }


def leaf_json(session: Session, index: int) -> dict[str, Any]:
    """Return leaf `index`; LogRequestError (404) past the end."""
    leaf = log_store.leaf_at(session, index) if index >= 0 else None
    if leaf is None:
        size = log_store.log_size(session)
        raise LogRequestError(f"no leaf {index}: the log has leaves 0 to {size - 1}", 404)
    return leaf_view(leaf)


def checked_size(session: Session, size: int | None) -> int:
    """Return the tree size asked for (None: the log's now); LogRequestError past the end."""
    current = log_store.log_size(session)
    size = current if size is None else size
    if not 0 <= size <= current:
        raise LogRequestError(f"`tree_size` must be between 0 and {current}, not {size}")
    return size


def inclusion(session: Session, leaf_hash: str, size: int | None) -> dict[str, Any]:
    """Return the inclusion proof of the leaf with hash `leaf_hash` in the tree of `size`."""
    if len(leaf_hash) != 64 or any(c not in "0123456789abcdef" for c in leaf_hash):
        raise LogRequestError("`leaf_hash` must be 64 lower-case hex digits")
    leaf = log_store.leaf_by_hash(session, leaf_hash)
    if leaf is None:
        raise LogRequestError(f"no leaf has hash {leaf_hash}", 404)
    size = checked_size(session, size)
    if leaf.index >= size:
        raise LogRequestError(
            f"leaf {leaf.index} is not in a tree of {size} leaves: ask for a larger `tree_size`"
        )
    proof = log_store.span_hashes(session, stored_hashes.inclusion_spans(leaf.index, size))
    return {
        "leaf_index": leaf.index,
        "tree_size": size,
        "inclusion_path": [p.hex() for p in proof],
    }


def consistency(session: Session, first: int, second: int | None) -> dict[str, Any]:
    """Return the proof that the tree of `first` leaves is a prefix of the one of `second`."""
    second = checked_size(session, second)
    if not 1 <= first <= second:
        raise LogRequestError(f"`first` must be between 1 and `second` ({second}), not {first}")
    proof = log_store.span_hashes(session, stored_hashes.consistency_spans(first, second))
    return {"first": first, "second": second, "consistency_path": [p.hex() for p in proof]}


def entry_for(
    session: Session, subject: str | None, signature: str | None
) -> dict[str, Any] | None:
    """Return {index, leaf_hash} of the newest leaf about `subject` naming `signature`."""
    if subject is None:
        return None
    for leaf in reversed(log_store.leaves_about(session, subject)):
        if signature is None or read_entry(leaf.data).get("signature") == signature:
            return {"index": leaf.index, "leaf_hash": leaf.leaf_hash}
    return None


def publication(
    session: Session, subject: str | None, signature: str | None
) -> dict[str, Any] | None:
    """Return where and when a publication was logged: index, leaf hash, time, key, size."""
    place = entry_for(session, subject, signature)
    if place is None:
        return None
    leaf = log_store.leaf_at(session, place["index"])
    if leaf is None:  # listed a moment ago: only a concurrent test database could drop it
        return None
    entry = read_entry(leaf.data)
    return dict(
        place,
        logged_at=leaf.logged_at,
        kid=entry.get("kid"),
        tree_size=log_store.log_size(session),
    )
