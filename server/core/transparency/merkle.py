"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), as Go's sumdb `tlog` has it.

Pure functions over leaf hashes (32 bytes each, index order): the tree hash of the first
`size` leaves, inclusion proofs (a leaf is in the tree) and consistency proofs (a smaller
tree is a prefix of a larger one), and the verification of both from hashes alone, as an
auditor does it. Proofs are lists of 32-byte hashes, in the RFC's order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that cannot be made or does not verify; says why."""


def leaf_hash(data: bytes) -> bytes:
    """Return the hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two smaller than `n` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of `leaves` (leaf hashes), MTH of RFC 9162 §2.1.1."""
    if not leaves:
        return EMPTY_ROOT
    # Bottom up with a stack of perfect subtrees, as tlog does: O(n) time, O(log n) space.
    stack: list[tuple[int, bytes]] = []
    for leaf in leaves:
        height, value = 0, leaf
        while stack and stack[-1][0] == height:
            value = node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the audit path of leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"`index` {index} is outside a tree of {len(leaves)} leaves")
    return _path(leaves, index)


def _path(leaves: Sequence[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(leaves[:k], m), tree_hash(leaves[k:])]
    return [*_path(leaves[k:], m - k), tree_hash(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """Return the proof that the first `first` leaves are a prefix of all `leaves` (§2.1.4.1)."""
    if not 0 < first <= len(leaves):
        raise ProofError(f"`first` must be between 1 and the tree size {len(leaves)}, not {first}")
    return _subproof(leaves, first, True)


def _subproof(leaves: Sequence[bytes], m: int, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [tree_hash(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves[:k], m, whole), tree_hash(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), tree_hash(leaves[:k])]


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """Return the root that `proof` leads to from `leaf` at `index` in a tree of `size`.

    Raise ProofError when the proof's length does not fit the position (§2.1.3.2).
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Tell whether `proof` shows `leaf` at `index` in the tree of `size` with `root`."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Tell whether `proof` shows the tree (`first`, `first_root`) a prefix of the second.

    A tree of 0 leaves is a prefix of every tree (with an empty proof); so is a tree of
    itself (same size, same root, empty proof). §2.1.4.2.
    """
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
