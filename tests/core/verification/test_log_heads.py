"""Counting witnesses: a cosignature of the head, or of an earlier head the head extends."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.core.signing import KeyEntry, sign
from server.core.transparency import merkle
from server.core.transparency.tree_head import TreeHead
from server.core.verification.log_heads import LOG, VerificationFailure, check_witnesses
from server.core.verification.sources import BundleSource, member_name, write_bundle

ORIGIN = "https://log.example"
LEAVES = [merkle.leaf_hash(b"entry %d" % i) for i in range(9)]


def _head(size: int, leaves: list[bytes] = LEAVES) -> TreeHead:
    return TreeHead(size, merkle.tree_hash(leaves[:size]), f"2026-12-07T10:00:0{size}Z")


def _cosignature(head: TreeHead, key: Ed25519PrivateKey) -> dict[str, Any]:
    record = sign(head.text(), key)
    return {
        "kid": record["kid"],
        "alg": record["alg"],
        "signature": record["signature"],
        "timestamp": head.timestamp,
        "tree_size": head.size,
        "root_hash": head.root.hex(),
    }


def _source(first: int, second: int) -> BundleSource:
    """The log's answer to the consistency ask from `first` to `second` leaves, bundled."""
    path = merkle.consistency_proof(LEAVES[:second], first)
    url = f"{ORIGIN}{LOG}/consistency?{urlencode({'first': first, 'second': second})}"
    name = member_name(url, "application/json")
    answer = {"consistency_path": [h.hex() for h in path]}
    return BundleSource(write_bundle(ORIGIN, {name: json.dumps(answer).encode()}))


@pytest.fixture
def witness() -> tuple[Ed25519PrivateKey, list[KeyEntry]]:
    key = Ed25519PrivateKey.generate()
    return key, [KeyEntry.of(key.public_key())]


def test_an_earlier_head_holding_the_entries_counts_when_the_head_extends_it(
    witness: tuple[Ed25519PrivateKey, list[KeyEntry]],
) -> None:
    key, keys = witness
    head, earlier = _head(9), _head(6)
    document = {"cosignatures": [], "witnessed": [_cosignature(earlier, key)]}
    found = check_witnesses(_source(6, 9), ORIGIN, head, document, keys, 1, holds=6)
    assert found == {keys[0].kid: 6}


def test_an_earlier_head_without_the_batchs_entries_does_not_count(
    witness: tuple[Ed25519PrivateKey, list[KeyEntry]],
) -> None:
    key, keys = witness
    document = {"cosignatures": [], "witnessed": [_cosignature(_head(6), key)]}
    with pytest.raises(VerificationFailure, match="cosigned by 0 of the witnesses named"):
        check_witnesses(_source(6, 9), ORIGIN, _head(9), document, keys, 1, holds=7)
    # Not required: counted as nobody, not failed.
    assert check_witnesses(_source(6, 9), ORIGIN, _head(9), document, keys, 0, holds=7) == {}


def test_a_cosigned_head_the_log_does_not_extend_is_a_fork(
    witness: tuple[Ed25519PrivateKey, list[KeyEntry]],
) -> None:
    key, keys = witness
    other = [merkle.leaf_hash(b"another history %d" % i) for i in range(6)]
    forked = _head(6, other)  # what the witness was shown
    document = {"cosignatures": [], "witnessed": [_cosignature(forked, key)]}
    with pytest.raises(VerificationFailure, match=f"witness {keys[0].kid} cosigned.*rewritten"):
        check_witnesses(_source(6, 9), ORIGIN, _head(9), document, keys, 0, holds=6)


@pytest.mark.parametrize(
    "item",
    [
        {"tree_size": 9},  # not smaller than the head
        {"tree_size": 0},
        {"tree_size": "6"},
        {"root_hash": "zz"},
        {"root_hash": "ab"},
        {"signature": "AAAA"},
        {"kid": "someone-else"},
    ],
)
def test_a_malformed_or_foreign_earlier_cosignature_vouches_for_nothing(
    witness: tuple[Ed25519PrivateKey, list[KeyEntry]], item: dict[str, Any]
) -> None:
    key, keys = witness
    document = {"witnessed": [dict(_cosignature(_head(6), key), **item)], "cosignatures": None}
    assert check_witnesses(_source(6, 9), ORIGIN, _head(9), document, keys, 0, holds=6) == {}
