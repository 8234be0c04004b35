"""The log as a verifier sees it: its signed tree head, its past, and who witnessed it.

`fetch_signed_head` reads the key list and the tree head and checks the head's signature;
`check_consistency` checks that a head seen before (by this verifier, or cosigned by a
witness) is a prefix of today's; `check_witnesses` counts the witnesses the caller trusts
that vouched for a tree holding the batch's entries.

A witness cosigns the heads it sees, and the log grows between its visits (each build adds
leaves), so the current head is often not yet cosigned. The log serves each witness's
latest cosignature beside it (``witnessed``); one of an earlier head counts when that head
already held the batch's entries and today's head is proved to extend it. A cosigned head
that today's does not extend is a fork, and fails.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from server.core.signing import KeyEntry
from server.core.transparency import merkle
from server.core.transparency.cosignatures import cosigners
from server.core.transparency.tree_head import (
    TreeHead,
    TreeHeadError,
    decode_hashes,
    verify_tree_head,
)
from server.core.verification.sources import Source, SourceError

LOG = "/.well-known/originxr-log"
KEYS = "/.well-known/originxr-keys.json"


class VerificationFailure(Exception):
    """The first thing that does not hold, in words."""


def fetch_json(source: Source, url: str, what: str, accept: str = "application/json") -> Any:
    """Return the JSON at `url`; VerificationFailure naming `what` when absent or not JSON."""
    try:
        body = source.get(url, accept)
    except SourceError as exc:
        raise VerificationFailure(f"could not fetch the {what}: {exc}") from exc
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerificationFailure(f"the {what} at {url} is not JSON") from exc


def read_keys(document: Any) -> list[KeyEntry]:
    """Return the key list of a served ``originxr-keys.json``."""
    try:
        return [
            KeyEntry(
                str(k["kid"]),
                str(k["public_key"]),
                k.get("not_before"),
                k.get("not_after"),
                k.get("revoked_at"),
            )
            for k in document["keys"]
        ]
    except (KeyError, TypeError) as exc:
        raise VerificationFailure(f"the key list is malformed ({exc})") from exc


def fetch_signed_head(source: Source, origin: str) -> tuple[list[KeyEntry], TreeHead, Any]:
    """Fetch the key list and the log's tree head at `origin`; check the head's signature.

    Return the keys, the head and the head's document (with the cosignatures served).
    """
    keys = read_keys(fetch_json(source, origin + KEYS, "key list"))
    document = fetch_json(source, f"{origin}{LOG}/tree-head", "log tree head")
    try:
        head = verify_tree_head(document, keys)
    except TreeHeadError as exc:
        raise VerificationFailure(str(exc)) from exc
    return keys, head, document


def check_consistency(
    source: Source,
    origin: str,
    previous: TreeHead | None,
    head: TreeHead,
    seen: str = "seen last time",
) -> None:
    """Check that the tree `previous` (`seen`: by whom) is a prefix of `head`."""
    if previous is None or previous.size == 0:
        return
    if previous.size > head.size:
        raise VerificationFailure(
            f"the log shrank: it had {previous.size} leaves ({seen}), {head.size} now"
        )
    if previous.size == head.size:
        if previous.root != head.root:
            raise VerificationFailure(
                f"the log of {head.size} leaves has a different root than the one {seen}: "
                "its history was rewritten"
            )
        return
    query = urlencode({"first": previous.size, "second": head.size})
    body = fetch_json(source, f"{origin}{LOG}/consistency?{query}", "log consistency proof")
    try:
        path = decode_hashes(body.get("consistency_path"), "consistency proof")
    except (TreeHeadError, AttributeError) as exc:
        raise VerificationFailure("the log consistency proof is malformed") from exc
    if not merkle.verify_consistency(previous.size, head.size, previous.root, head.root, path):
        raise VerificationFailure(
            f"the log of {head.size} leaves does not extend the one of {previous.size} "
            f"{seen}: its history was rewritten"
        )


def _earlier_head(item: Any, below: int) -> TreeHead | None:
    """Return the head a served ``witnessed`` cosignature is of, if it is one, below `below`."""
    if not isinstance(item, dict):
        return None
    size, root, timestamp = item.get("tree_size"), item.get("root_hash"), item.get("timestamp")
    if type(size) is not int or not 0 < size < below or not isinstance(timestamp, str):
        return None
    try:
        raw = bytes.fromhex(root) if isinstance(root, str) else b""
    except ValueError:
        return None
    return TreeHead(size, raw, timestamp) if len(raw) == merkle.HASH_SIZE else None


def check_witnesses(
    source: Source,
    origin: str,
    head: TreeHead,
    document: Any,
    witnesses: list[KeyEntry],
    required: int,
    holds: int,
) -> dict[str, int]:
    """Return the `witnesses` that vouched for the log's first `holds` leaves (the batch's
    entries among them), each with the size of the tree it cosigned; fail below `required`.

    A cosignature of `head` itself counts; so does one of an earlier head of at least
    `holds` leaves that `head` is proved to extend (a fork fails, naming the witness).
    """
    found = {kid: head.size for kid in cosigners(head, document.get("cosignatures"), witnesses)}
    served = document.get("witnessed")
    for item in served if isinstance(served, list) else []:
        earlier = _earlier_head(item, head.size)
        if earlier is None or earlier.size < holds:
            continue
        for kid in cosigners(earlier, [item], witnesses):
            if kid in found:
                continue
            check_consistency(source, origin, earlier, head, f"witness {kid} cosigned")
            found[kid] = earlier.size
    if len(found) < required:
        named = ", ".join(w.kid for w in witnesses) or "none"
        raise VerificationFailure(
            f"the log's tree head of {head.size} leaves is cosigned by {len(found)} of the "
            f"witnesses named ({named}), counting earlier heads that hold the batch's "
            f"entries; {required} required"
        )
    return found
